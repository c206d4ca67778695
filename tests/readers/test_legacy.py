"""Older files (.doc, .odt, .rtf): converted by LibreOffice inside the reading sandbox, then
read as Word; without LibreOffice, refused as before.

The files are the cluster's filled Word form saved by LibreOffice in each format, as a
school's computer would save it.
"""

from __future__ import annotations

import os
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


class LegacyFiles:
    """The cluster's filled Word form saved by LibreOffice as each older kind, made once
    per kind when first asked for (so no one test waits for all three)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[str, bytes] = {}
        (folder / "form.docx").write_bytes(docx_form(APPLICATION, APP_VALUES))

    def __getitem__(self, kind: str) -> bytes:
        if kind not in self.made:
            subprocess.run(
                ["soffice", f"-env:UserInstallation=file://{self.folder / 'profile'}", "--headless", "--convert-to",
                 kind, "--outdir", str(self.folder), str(self.folder / "form.docx")],
                check=True, capture_output=True, timeout=120,
            )
            self.made[kind] = (self.folder / f"form.{kind}").read_bytes()
        return self.made[kind]


@pytest.fixture(scope="module")
def legacy_files(tmp_path_factory: pytest.TempPathFactory) -> LegacyFiles:
    if shutil.which("soffice") is None:
        pytest.skip("not installed: LibreOffice (soffice)")
    return LegacyFiles(tmp_path_factory.mktemp("legacy"))


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_known_by_its_bytes(legacy_files: LegacyFiles, kind: str) -> None:
    assert sniff(legacy_files[kind]) is DocumentKind(kind)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_converted_and_read_as_word(legacy_files: LegacyFiles, kind: str) -> None:
    form = read_document(legacy_files[kind], f"form.{kind}")
    assert (form.form_id, form.reader) == ("send-application", "docx")
    assert folded(form.fields) == folded(APP_VALUES)
    assert any("converted to Word with LibreOffice" in n for n in form.notes)


@pytest.mark.slow
@needs_libreoffice
def test_in_the_sandbox_one_profile_for_the_batch(legacy_files: LegacyFiles) -> None:
    """Through the worker pool: each worker makes its LibreOffice profile once, keeps it for
    the batch (LibreOffice's first start, which makes it, is its slowest) and removes it
    when it stops."""
    base = Path(tempfile.gettempdir()) / f"forms-libreoffice-{os.getuid()}"
    before = set(base.glob("worker-*"))
    with ReaderPool(workers=1, limits=ReadLimits(timeout_seconds=60)) as pool:
        for kind in ("doc", "odt"):
            form = pool.read(legacy_files[kind], f"form.{kind}")
            assert folded(form.fields) == folded(APP_VALUES)
        made = set(base.glob("worker-*")) - before
        assert len(made) == 1
        (profile,) = made
        assert stat.S_IMODE(profile.stat().st_mode) == 0o700
        assert stat.S_IMODE(base.stat().st_mode) == 0o700
    assert not profile.exists()


@pytest.mark.slow
@needs_libreoffice
def test_a_conversion_that_overruns_is_stopped(legacy_files: LegacyFiles) -> None:
    data = legacy_files["doc"]
    with ReaderPool(workers=1, limits=ReadLimits(timeout_seconds=0.5)) as pool:
        with pytest.raises(UnreadableDocument) as err:
            pool.read(data, "form.doc")
        assert err.value.reason == "timeout"
        # LibreOffice is stopped with it (by the worker, or with the worker when that is
        # killed): no converter of this pool's is left running.
        time.sleep(1)
        running = subprocess.run(["pgrep", "-f", "forms-libreoffice-"], capture_output=True, text=True).stdout
        workers = {str(w.process.pid) for w in pool._all}
        mine = [pid for pid in running.split() if _parent(pid) in workers or _parent(pid) == "1"]
        assert mine == []


def _parent(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
    except (OSError, IndexError):
        return ""


@pytest.mark.parametrize(
    ("kind", "words"), [("doc", "old-style Word file (.doc)"), ("odt", "OpenDocument"), ("rtf", "Rich Text")]
)
def test_without_libreoffice_the_polite_refusal(
    legacy_files: LegacyFiles, kind: str, words: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on the way
    with pytest.raises(UnreadableDocument) as err:
        read_document(legacy_files[kind], f"form.{kind}")
    assert words in err.value.message
    assert ".docx" in err.value.hint
