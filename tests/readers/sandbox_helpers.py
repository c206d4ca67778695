"""Read functions for the pool tests. They run in the pool's worker processes, so
they live in an importable module (not in a test function)."""

from __future__ import annotations

import os
import threading

from forms_processor.readers import ExtractedForm, ReadLimits, read_document


def misbehaving_read(data: bytes, filename: str, limits: ReadLimits) -> ExtractedForm:
    """Hangs, exhausts memory or dies on request; reads normally otherwise."""
    if data == b"hang":
        threading.Event().wait()  # blocks until the pool kills this worker
    if data == b"hog":
        hog = bytearray(8 * 1024 * 1024 * 1024)  # more than the worker's address-space limit
        return ExtractedForm("never", {"size": str(len(hog))}, "test")
    if data == b"die":
        os._exit(7)
    if data == b"pid":
        return ExtractedForm("pid", {"pid": str(os.getpid())}, "test")
    return read_document(data, filename, limits)
