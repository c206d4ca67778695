"""Older files (.doc, .odt, .rtf): converted by LibreOffice inside the reading sandbox, then
read as Word; without LibreOffice, refused as before.

The files are the cluster's filled Word form saved by LibreOffice in each format, as a
school's computer would save it.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from formbuilders import APP_VALUES, docx_form

from forms_processor.errors import UnreadableDocument
from forms_processor.readers import ReaderPool, ReadLimits, read_document
from forms_processor.readers.sniff import DocumentKind, sniff
from forms_processor.spec import APPLICATION, FieldType
from forms_processor.validation.parsing import fold_choice

needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="not installed: LibreOffice (soffice)")
KINDS = ("doc", "odt", "rtf")


def folded(fields: dict[str, str | bool]) -> dict[str, str | bool]:
    def one(key: str, value: str | bool) -> str | bool:
        if isinstance(value, str) and APPLICATION.field(key).type is FieldType.CHOICE:
            return fold_choice(value)
        return value

    return {k: one(k, v) for k, v in fields.items()}


@pytest.fixture(scope="module")
def legacy_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    if shutil.which("soffice") is None:
        pytest.skip("not installed: LibreOffice (soffice)")
    folder = tmp_path_factory.mktemp("legacy")
    src = folder / "form.docx"
    src.write_bytes(docx_form(APPLICATION, APP_VALUES))
    out = {}
    for kind in KINDS:
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--convert-to", kind,
             "--outdir", str(folder), str(src)],
            check=True, capture_output=True, timeout=120,
        )
        out[kind] = (folder / f"form.{kind}").read_bytes()
    return out


def test_each_kind_is_known_by_its_bytes(legacy_files: dict[str, bytes]) -> None:
    assert {k: sniff(v) for k, v in legacy_files.items()} == {
        "doc": DocumentKind.DOC, "odt": DocumentKind.ODT, "rtf": DocumentKind.RTF}


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_converted_and_read_as_word(legacy_files: dict[str, bytes], kind: str) -> None:
    form = read_document(legacy_files[kind], f"form.{kind}")
    assert (form.form_id, form.reader) == ("send-application", "docx")
    assert folded(form.fields) == folded(APP_VALUES)
    assert any("converted to Word with LibreOffice" in n for n in form.notes)


@pytest.mark.slow
@needs_libreoffice
def test_in_the_sandbox_one_profile_for_the_batch(legacy_files: dict[str, bytes]) -> None:
    """Through the worker pool: each worker makes its LibreOffice profile once and keeps it
    for the batch (LibreOffice's first start, which makes the profile, is its slowest)."""
    tmp = Path(tempfile.gettempdir())
    before = set(tmp.glob("forms-libreoffice-profile-*"))
    with ReaderPool(workers=1, limits=ReadLimits(timeout_seconds=60)) as pool:
        for kind in ("doc", "rtf", "odt"):
            form = pool.read(legacy_files[kind], f"form.{kind}")
            assert folded(form.fields) == folded(APP_VALUES)
        made = set(tmp.glob("forms-libreoffice-profile-*")) - before
        assert len(made) == 1
        (profile,) = made
        assert stat.S_IMODE(profile.stat().st_mode) == 0o700


@pytest.mark.slow
@needs_libreoffice
def test_a_conversion_that_overruns_is_stopped(legacy_files: dict[str, bytes]) -> None:
    with ReaderPool(workers=1, limits=ReadLimits(timeout_seconds=0.5)) as pool:
        with pytest.raises(UnreadableDocument) as err:
            pool.read(legacy_files["doc"], "form.doc")
    assert err.value.reason == "timeout"
    # LibreOffice was stopped with it: no converter is left running.
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", "forms-libreoffice-profile"], capture_output=True, text=True).stdout
    assert left.strip() == ""


@pytest.mark.parametrize(
    ("kind", "words"), [("doc", "old-style Word file (.doc)"), ("odt", "OpenDocument"), ("rtf", "Rich Text")]
)
def test_without_libreoffice_the_polite_refusal(
    legacy_files: dict[str, bytes], kind: str, words: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on the way
    with pytest.raises(UnreadableDocument) as err:
        read_document(legacy_files[kind], f"form.{kind}")
    assert words in err.value.message
    assert ".docx" in err.value.hint
