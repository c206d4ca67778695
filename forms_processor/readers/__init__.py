"""Document readers: Word (.docx) and PDF forms into flat spec keys.

``read_document(data, filename, limits)`` reads one file in this process;
``ReaderPool`` reads files in worker processes under time and memory limits
(use it for anything received from outside).
"""

from .base import ExtractedForm, Reader
from .docx_reader import DocxReader, read_docx
from .pdf_fields import PdfFormReader, read_pdf
from .sandbox import ReaderPool, ReadLimits, read_document
from .sniff import DocumentKind, sniff

READERS: tuple[Reader, ...] = (DocxReader(), PdfFormReader())

__all__ = [
    "READERS",
    "DocumentKind",
    "DocxReader",
    "ExtractedForm",
    "PdfFormReader",
    "ReadLimits",
    "Reader",
    "ReaderPool",
    "read_docx",
    "read_document",
    "read_pdf",
    "sniff",
]
