"""Issue 2's bad-input list, end to end through `forms ingest` in one batch.

Every hostile or wrong file gets `rejected` or `invalid` with a message a SENCO can
act on; its original bytes are kept in the archive; the good form in the same batch
is accepted; no traceback reaches the Host; the exit code says "needs attention".
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from forms_processor.cli import cli
from forms_processor.errors import ExitCode
from forms_processor.home import Home
from tests.conftest import FormFactory

ROUND = "Spring 1 2027"
MB = 1024 * 1024
SECRET = "TOP-SECRET-LINE-7f3a"


def _run(home: Home, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--home", str(home.root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _rezip(docx: bytes, change: dict[str, tuple[bytes, bytes]]) -> bytes:
    """The same package with ``old -> new`` replaced once in the named parts."""
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in change:
                old, new = change[info.filename]
                assert old in body, (info.filename, old)
                body = body.replace(old, new, 1)
            dst.writestr(info, body)
    return out.getvalue()


def _zip_bomb(docx: bytes) -> bytes:
    """A Word package whose document part inflates to 200 MB from a few hundred KB."""
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("[Content_Types].xml", src.read("[Content_Types].xml"))
        dst.writestr("word/document.xml", b"<w:document>" + b" " * (200 * MB) + b"</w:document>")
    return out.getvalue()


def _letter() -> bytes:
    import docx

    doc = docx.Document()
    for line in ("Dear SEND Host,", "Please find our application attached.", "Kind regards, the SENCO"):
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@pytest.fixture
def batch(home: Home, forms: FormFactory, tmp_path: Path) -> tuple[Path, dict[str, bytes], Path]:
    folder = tmp_path / "deadline-day"
    forms.folder = folder
    good = forms.write(forms.values(1, funding_round=ROUND), "docx", name="good.docx")
    good_docx = good.read_bytes()
    pdf = forms.write(forms.values(2, funding_round=ROUND), "pdf", name="tmp.pdf")
    good_pdf = pdf.read_bytes()
    pdf.unlink()
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good_pdf)))
    writer.encrypt(user_password="letmein", owner_password="owner", algorithm="AES-256")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(jpeg, "JPEG")
    word_main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    # The school's name in the document is replaced by an entity that would read a local file.
    school = forms.config.schools[1].name.encode().replace(b"'", b"&apos;")
    xxe = _rezip(
        good_docx,
        {
            "word/document.xml": (
                b"?>",
                f'?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'.encode(),
            )
        },
    )
    xxe = _rezip(xxe, {"word/document.xml": (b">" + school + b"<", b">&xxe;<")})
    files = {
        "empty.docx": b"",
        "truncated.docx": good_docx[: len(good_docx) // 2],
        "random bytes.pdf": os.urandom(6000),
        "random with a header.pdf": b"%PDF-1.7\n" + os.urandom(6000),
        "photo.pdf": jpeg.getvalue(),
        "bomb.docx": _zip_bomb(good_docx),
        "external entity.docx": xxe,
        "encrypted.pdf": encrypted.getvalue(),
        "macros.docm": _rezip(
            good_docx, {"[Content_Types].xml": (word_main, b"application/vnd.ms-word.document.macroEnabled.main+xml")}
        ),
        "covering letter.docx": _letter(),
        "huge.pdf": b"%PDF-1.4\n" + b"0" * (100 * MB),
        "..%2F..%2Fetc%2Fpasswd \u202e\u00fcn\u00ef\u00e7\u00f8d\u00e9 \u540d\u524d.docx": good_docx[:-200],
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder, files, good


def test_every_bad_input_is_refused_kept_and_the_batch_goes_on(
    home: Home, batch: tuple[Path, dict[str, bytes], Path]
) -> None:
    folder, files, good = batch
    paths = [str(folder / name) for name in files] + [str(good)]
    code, out, err = _run(home, "ingest", "--json", *paths)
    assert code == ExitCode.FORMS_NEED_ATTENTION
    assert "Traceback" not in err and "Error:" not in err
    assert "EOF marker" not in err  # no library noise (pypdf warns on damaged PDFs)
    results = {Path(r["file"]).name: r for r in json.loads(out)}
    assert set(results) == {*files, good.name}
    assert results[good.name]["status"] == "accepted"

    expect = {
        "empty.docx": ("rejected", "empty"),
        "truncated.docx": ("rejected", "damaged"),
        "random bytes.pdf": ("rejected", "not a word document or a pdf"),
        "random with a header.pdf": ("rejected", "damaged"),
        "photo.pdf": ("rejected", "picture"),
        "bomb.docx": ("rejected", "unpacks to 200 mb"),
        "encrypted.pdf": ("rejected", "password"),
        "macros.docm": ("rejected", "macros"),
        "covering letter.docx": ("rejected", "does not look like one of the cluster's forms"),
        "huge.pdf": ("rejected", "the largest accepted is 25 mb"),
    }
    for name, (status, words) in expect.items():
        r = results[name]
        assert r["status"] == status, (name, r)
        assert r["reference"] is None
        (m,) = r["messages"]
        message = f"{m['message']} {m['hint']}"
        assert words in message.lower(), (name, message)
        assert "please" in m["hint"].lower(), (name, m)  # says what to do, as a field of its own
    odd = next(n for n in files if n.startswith(".."))
    assert results[odd]["status"] == "rejected"

    # The external entity is never resolved: the school is simply missing, and the secret appears nowhere.
    xxe = results["external entity.docx"]
    assert xxe["status"] == "invalid"
    assert "school_name" in {m["field"] for m in xxe["messages"]}
    code, shown, _ = _run(home, "show", xxe["reference"], "--json")
    assert code == 0
    assert SECRET not in out + err + shown
    assert json.loads(shown)["fields"]["school_name"] is None

    # Every original is kept, byte for byte, in the archive; but a file over the size
    # limit is refused unread: only a note of it (name, size, time), no copy.
    kept = {p.read_bytes() for p in home.archive.rglob("*") if p.is_file()}
    for name, data in files.items():
        assert (data in kept) is (name != "huge.pdf"), name


def test_the_size_limit_is_configurable(home: Home, forms: FormFactory, tmp_path: Path) -> None:
    cfg = home.root / "cluster.toml"
    text = cfg.read_text()
    assert "max_file_mb = 25" in text
    cfg.write_text(text.replace("max_file_mb = 25", "max_file_mb = 0.005"))
    forms.folder = tmp_path / "drop"
    path = forms.write(forms.values(1, funding_round=ROUND), "docx")
    assert path.stat().st_size > 0.005 * MB
    code, out, _ = _run(home, "ingest", "--json", str(path))
    assert code == ExitCode.FORMS_NEED_ATTENTION
    (r,) = json.loads(out)
    assert r["status"] == "rejected"
    assert "the largest accepted is 5 KB" in r["messages"][0]["message"]
