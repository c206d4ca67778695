"""A PDF form: its fields if it has them (pdf_fields), else its printed layout (pdf_layout)."""

from __future__ import annotations

from .base import ExtractedForm
from .pdf_fields import open_pdf, read_fields
from .pdf_layout import read_layout


def read_pdf(data: bytes) -> ExtractedForm:
    """Read a PDF form: its fields if it has them, else its printed layout."""
    form = read_fields(open_pdf(data))
    if form is not None:
        return form
    return read_layout(data)
