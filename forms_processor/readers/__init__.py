"""Document readers: Word (.docx) and PDF forms into flat spec keys.

``read_document(data, filename, limits)`` reads one file in this process, with the
reader chosen by what the bytes are (``sniff``; the readers are listed in
``sandbox.READERS``: a new format is one new module and one entry there);
``ReaderPool`` reads files in worker processes under time and memory limits
(use it for anything received from outside).
"""

from .base import ExtractedForm
from .docx_reader import read_docx
from .pdf import read_pdf
from .sandbox import ReaderPool, ReadLimits, read_document
from .sniff import DocumentKind, sniff

__all__ = [
    "DocumentKind",
    "ExtractedForm",
    "ReadLimits",
    "ReaderPool",
    "read_docx",
    "read_document",
    "read_pdf",
    "sniff",
]
