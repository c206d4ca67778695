"""A PDF form: its fields if it has them (pdf_fields), else its printed layout (pdf_layout),
else, when its pages are only pictures (a scan), what OCR reads on them (ocr)."""

from __future__ import annotations

from ..errors import UnreadableDocument
from .base import ExtractedForm
from .pdf_fields import open_pdf, read_fields
from .pdf_layout import read_layout


def read_pdf(data: bytes, timeout_seconds: float = 30.0) -> ExtractedForm:
    """Read a PDF form: its fields if it has them, else its printed layout, else its scan."""
    form = read_fields(open_pdf(data))
    if form is not None:
        return form
    try:
        return read_layout(data)
    except UnreadableDocument as exc:
        if exc.reason != "scan":
            raise
    from .ocr import read_scanned_pdf

    return read_scanned_pdf(data, timeout_seconds)
