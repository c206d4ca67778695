"""Files that are not forms, damaged files and hostile files are refused with a clear message."""

from __future__ import annotations

import io
import os
import shutil
import zipfile

import pytest
from formbuilders import APP_VALUES, docx_form, docx_with_body, p

from forms_processor.errors import UnreadableDocument
from forms_processor.readers import DocumentKind, ReadLimits, read_document, sniff
from forms_processor.readers.legacy import libreoffice
from forms_processor.spec import APPLICATION

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(2000)
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(500)


def refused(data: bytes, name: str = "form.pdf", limits: ReadLimits | None = None) -> UnreadableDocument:
    with pytest.raises(UnreadableDocument) as err:
        read_document(data, name, limits)
    return err.value


def _rewrite(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, replace.get(info.filename, src.read(info)))
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def test_sniff_by_content_not_name():
    assert sniff(docx_form(APPLICATION, {})) is DocumentKind.DOCX
    assert sniff(b"junk before %PDF-1.7\n...") is DocumentKind.PDF


@pytest.mark.parametrize(
    ("data", "reason", "words"),
    [
        (b"", "empty", "empty"),
        (b"\x00\x00\x00", "empty", "empty"),
        (JPEG, "image", "picture"),
        (PNG, "image", "picture"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old-word", ".doc"),
        # With LibreOffice the file is converted and found to be no form; without it, refused as before.
        (b"{\\rtf1\\ansi hello}", "not-a-form" if libreoffice() else "unsupported-format", "Rich Text"),
        (os.urandom(4096).replace(b"%PDF-", b"xxxxx").replace(b"PK", b"pk"), "unsupported-format", "not a Word"),
    ],
)
def test_not_forms(data, reason, words):
    err = refused(data, "form.pdf")
    assert err.reason == reason
    assert words in err.message + err.hint


def test_word_file_named_pdf_is_read_as_word_with_a_note():
    form = read_document(docx_form(APPLICATION, APP_VALUES), "form.pdf")
    assert form.reader == "docx"
    assert form.notes == ["The file is named .pdf but is a Word document"]


@pytest.mark.parametrize("cut", [100, 2000, 6000])
def test_truncated_docx(cut):
    err = refused(docx_form(APPLICATION, APP_VALUES)[:cut], "form.docx")
    assert err.reason == "damaged"
    assert "The Word file is damaged or incomplete" in err.message


def test_docm_refused():
    data = docx_form(APPLICATION, APP_VALUES)
    ct = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    ct = ct.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    err = refused(_rewrite(data, {"[Content_Types].xml": ct}), "form.docx")
    assert err.reason == "macros"
    assert "Word files with macros can't be accepted" in err.message
    assert "(.docx) or PDF" in err.hint


def test_odt_and_other_zips_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<x/>")
    assert refused(out.getvalue(), "form.odt").reason == "unsupported-format"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    assert refused(out.getvalue(), "form.docx").reason == "unsupported-format"


def test_zip_bomb_refused_without_inflating(monkeypatch):
    data = docx_form(APPLICATION, APP_VALUES)
    bomb = _rewrite(data, {}, {"word/media/image1.bin": bytes(60 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    err = refused(bomb, "form.docx")
    assert err.reason == "too-large"
    assert "word/media/image1.bin" not in opened


def test_high_ratio_member_refused():
    data = _rewrite(docx_form(APPLICATION, APP_VALUES), {}, {"word/media/image1.bin": bytes(5 * 1024 * 1024)})
    assert refused(data, "form.docx").reason == "too-large"


def test_external_entity_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = docx_with_body([p("School: XXE-HERE"), p("SENCO name: Jo"), p("Headteacher: Pat")])
    doc = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    head, rest = doc.split(b"?>", 1)
    doctype = (
        f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">'
        '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    ).encode()
    hostile = _rewrite(data, {"word/document.xml": head + b"?>" + doctype + rest.replace(b"XXE-HERE", b"&xxe;&lol2;")})
    assert b"&xxe;" in zipfile.ZipFile(io.BytesIO(hostile)).read("word/document.xml")
    try:
        form = read_document(hostile, "form.docx")
    except UnreadableDocument as err:
        assert "TOP-SECRET" not in err.message
    else:
        assert not any("TOP-SECRET" in str(v) or "lollol" in str(v) for v in form.fields.values())
        assert form.fields["senco_name"] == "Jo"


def test_oversize_file_refused_before_reading():
    err = refused(b"%PDF-1.7\n" + bytes(3 * 1024 * 1024), "big.pdf", ReadLimits(max_bytes=2 * 1024 * 1024))
    assert err.reason == "too-large"
    assert err.message == "This file is 3 MB; the largest accepted is 2 MB."


def test_random_bytes_named_pdf_with_pdf_header():
    err = refused(b"%PDF-1.4\n" + os.urandom(3000), "form.pdf")
    assert err.reason in ("damaged", "scan")


def test_blank_pdf_without_text_is_a_scan():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(10, 10, 100, 100)
    c.showPage()
    c.save()
    err = refused(buf.getvalue(), "scan.pdf")
    # Read by OCR where Tesseract is installed (and found to hold no form), refused as a scan where not.
    assert err.reason == ("scan-unreadable" if shutil.which("tesseract") else "scan")
    assert "Word or PDF form" in (err.hint or "")
