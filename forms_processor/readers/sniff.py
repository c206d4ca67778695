"""Decide what a file is from its bytes, never from its name.

``sniff`` returns the kind of document a reader can read (``DOCX`` or ``PDF``)
or raises :class:`UnreadableDocument` with a message a SENCO can act on. For a
zip file (a Word document), the archive's declared sizes are checked before
anything is inflated, so a zip bomb is refused without being decompressed.
"""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum

from lxml import etree

from ..errors import UnreadableDocument


class DocumentKind(StrEnum):
    DOCX = "docx"
    PDF = "pdf"
    # Older word-processor files, read after LibreOffice converts them (readers/legacy.py).
    DOC = "doc"
    ODT = "odt"
    RTF = "rtf"
    # A photo or scanned picture of a form (JPEG, PNG, TIFF, ...), read by OCR (readers/ocr.py).
    IMAGE = "image"


# Zip safety limits, checked on the archive's central directory before inflating.
MAX_ZIP_MEMBERS = 1000
MAX_ZIP_TOTAL_BYTES = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100
ZIP_RATIO_CHECK_ABOVE = 1024 * 1024

SEND_AGAIN = "Please send the cluster's Word form (.docx) or PDF form."

_WORD_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
}
_WORD_MACRO = {
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}

_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def safe_xml_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities, loads DTDs or uses the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML with the hardened parser."""
    return etree.fromstring(data, parser=safe_xml_parser())


def _refuse(message: str, reason: str, hint: str = SEND_AGAIN) -> UnreadableDocument:
    return UnreadableDocument(message, hint, reason)


def damaged_word() -> UnreadableDocument:
    return _refuse(
        "The Word file is damaged or incomplete, so it can't be read.",
        "damaged",
        "Please open it in Word, save it again and resend it, or send it as a PDF.",
    )


def open_checked_zip(data: bytes) -> zipfile.ZipFile:
    """Open a zip archive after checking its declared sizes (no member is inflated here).

    zipfile never returns more bytes for a member than its declared size, so these
    checks bound the memory any later read can use.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise damaged_word() from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _refuse(
            f"The Word file holds {len(infos)} parts; a form has far fewer. It may be damaged.",
            "too-large",
            "Please save it again as an ordinary Word document (.docx) or as a PDF and resend it.",
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_ZIP_TOTAL_BYTES:
        raise _refuse(
            f"The Word file unpacks to {total / 1024 / 1024:.0f} MB; the largest accepted is "
            f"{MAX_ZIP_TOTAL_BYTES // 1024 // 1024} MB. It may be damaged, or hold very large pictures.",
            "too-large",
            "Please remove large pictures, save it again and resend it, or send it as a PDF.",
        )
    for info in infos:
        if info.file_size > ZIP_RATIO_CHECK_ABOVE and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise _refuse(
                "The Word file is built in an unusual way (one part unpacks to far more than its size) "
                "and can't be read safely.",
                "too-large",
                "Please save it again as an ordinary Word document (.docx) or as a PDF and resend it.",
            )
    return zf


def read_member(zf: zipfile.ZipFile, name: str) -> bytes | None:
    """One member's bytes, or None when it is absent; a damaged member is a damaged file."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    try:
        return zf.read(info)
    except Exception as exc:  # BadZipFile, zlib.error, NotImplementedError (odd compression), ...
        raise damaged_word() from exc


def _zip_kind(data: bytes) -> DocumentKind:
    zf = open_checked_zip(data)
    names = set(zf.namelist())
    if "mimetype" in names:
        mimetype = (read_member(zf, "mimetype") or b"").strip()
        if mimetype == b"application/vnd.oasis.opendocument.text":
            return DocumentKind.ODT
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            raise _refuse(
                "This is an OpenDocument file (LibreOffice/OpenOffice), which can't be read reliably.",
                "unsupported-format",
                "Please save it as a Word document (.docx) or as a PDF and resend it.",
            )
    ct_bytes = read_member(zf, "[Content_Types].xml")
    if ct_bytes is None:
        raise _refuse("This file is a zip archive, not a Word document or PDF form.", "unsupported-format")
    try:
        ct = parse_xml(ct_bytes)
    except etree.XMLSyntaxError as exc:
        raise damaged_word() from exc
    types = {el.get("ContentType", "") for el in ct.iter(f"{_CT_NS}Override")}
    if types & _WORD_MACRO:
        raise _refuse(
            "Word files with macros can't be accepted.",
            "macros",
            "Please save it as an ordinary Word document (.docx) or PDF and resend it.",
        )
    if types & _WORD_MAIN:
        return DocumentKind.DOCX
    if any("spreadsheetml" in t or "ms-excel" in t for t in types):
        what = "a spreadsheet"
    elif any("presentationml" in t or "ms-powerpoint" in t for t in types):
        what = "a presentation"
    else:
        what = "not a Word document"
    raise _refuse(f"This file is {what}, not one of the cluster's forms.", "unsupported-format")


_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"BM",
)


def _is_image(head: bytes) -> bool:
    if head.startswith(_IMAGE_MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"avif")


def sniff(data: bytes) -> DocumentKind:
    """The kind of document these bytes are, or UnreadableDocument saying why not."""
    if not data or not data.strip(b"\x00 \t\r\n"):
        raise _refuse("The file is empty.", "empty", "Please attach the completed form again and resend it.")
    head = data[:1024]
    if b"%PDF-" in head:
        return DocumentKind.PDF
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DocumentKind.DOC
    if _is_image(head):
        if head[4:8] == b"ftyp":  # HEIC/AVIF: a phone's photo that can't be opened here
            raise _refuse(
                "This is a picture in a format that can't be read (HEIC or AVIF).",
                "image",
                "Please send the Word or PDF form itself, or a scan of it as a PDF or JPEG.",
            )
        return DocumentKind.IMAGE
    if head.lstrip().startswith(b"{\\rtf"):
        return DocumentKind.RTF
    raise _refuse("This file is not a Word document or a PDF, so it can't be read as a form.", "unsupported-format")
