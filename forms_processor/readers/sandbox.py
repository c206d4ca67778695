"""Reading untrusted files: in process (``read_document``) or under limits (``ReaderPool``).

``read_document`` decides what the bytes are and calls the right reader. It is
what the pool's workers run, and what unit tests call directly.

``ReaderPool`` keeps a few worker processes alive (starting a process per file
is too slow for a batch) and sends each file's bytes to an idle worker. Each
worker runs with an address-space limit (``RLIMIT_AS``); the parent waits with a
timeout. A worker that overruns, runs out of memory or dies is killed and
replaced, and that file gets an :class:`UnreadableDocument` — the next file is
read as usual.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from ..errors import UnreadableDocument
from . import base
from .base import ExtractedForm, took_too_long
from .labels import Wordings, extra_wordings
from .photo_pdf import photos_in
from .sniff import DocumentKind, sniff

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """How a file is read: its limits, and the cluster's own wordings of the labels
    (``[labels]`` in cluster.toml, as ``Labels.wordings()``), sent with each file to the
    worker that reads it."""

    max_bytes: int = 25 * MB
    timeout_seconds: float = 30.0
    memory_mb: int = 1024
    wordings: Wordings = ()
    # A scan read by OCR takes a few seconds a page (more on a busy machine): once a worker
    # says it has started OCR (``base.starting_ocr``), it is given this long from then on.
    ocr_timeout_seconds: float = 120.0


ReadFunction = Callable[[bytes, str, ReadLimits], ExtractedForm]
# What a worker may run instead of reading: any module-level function of the bytes, their
# name and the limits (unpacking an email or a zip, ``intake.unpacking``), whose result
# is sent back to the parent.
WorkerFunction = Callable[[bytes, str, ReadLimits], Any]


def _size(n: float) -> str:
    """A file size for a message: 25 MB, 1.5 MB, 300 KB."""
    if n >= MB:
        return f"{n / MB:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def too_big(size: int, limits: ReadLimits, filename: str = "") -> UnreadableDocument:
    """The refusal of a file over the size limit; of photos of a form's pages, read together
    (``photo_pdf``), the limit is of the photos together."""
    photos = photos_in(filename)
    if photos:
        return UnreadableDocument(
            f"The {photos} photos of the form come to {_size(size)} together; the largest accepted is"
            f" {_size(limits.max_bytes)}.",
            "Please send the photos at a smaller size (a phone offers one when it attaches them), or send the"
            " Word or PDF form itself.",
            "too-large",
        )
    return UnreadableDocument(
        f"This file is {_size(size)}; the largest accepted is {_size(limits.max_bytes)}.",
        "Please remove large pictures or scans from the form, save it again and resend it.",
        "too-large",
    )


def needed_too_much_memory() -> UnreadableDocument:
    return UnreadableDocument(
        "This file needed too much memory to read; it may be damaged.",
        "Please save it again and resend it, or send it in the other format (Word or PDF).",
        "memory",
    )


def reader_stopped() -> UnreadableDocument:
    return UnreadableDocument(
        "The program reading this file stopped unexpectedly; the file may be damaged.",
        "Please save it again and resend it, or send it in the other format (Word or PDF).",
        "crashed",
    )


def could_not_read() -> UnreadableDocument:
    return UnreadableDocument(
        "This file could not be read; it may be damaged.",
        "Please save it again and resend it, or send it in the other format (Word or PDF).",
        "damaged",
    )


def _read_docx(data: bytes) -> ExtractedForm:
    from .docx_reader import read_docx

    return read_docx(data)


def _read_pdf(data: bytes, limits: ReadLimits) -> ExtractedForm:
    from .pdf import read_pdf

    return read_pdf(data, limits.ocr_timeout_seconds - 1)


def _read_picture(data: bytes, limits: ReadLimits) -> ExtractedForm:
    from .ocr import read_picture

    return read_picture(data, limits.ocr_timeout_seconds - 1)


def _legacy(kind: DocumentKind) -> Callable[[bytes, ReadLimits], ExtractedForm]:
    def read(data: bytes, limits: ReadLimits) -> ExtractedForm:
        from .legacy import read_legacy

        return read_legacy(data, kind.value, limits.timeout_seconds, limits.memory_mb)

    return read


# The reader of each kind of document ``sniff`` recognises.
READERS: dict[DocumentKind, Callable[[bytes], ExtractedForm]] = {
    DocumentKind.DOCX: _read_docx,
}
# Kinds read after a conversion, or by other programs (LibreOffice, Tesseract), that run under
# the read's limits (time, memory): a PDF may be a scan, read by OCR (readers/ocr.py).
CONVERTED: dict[DocumentKind, Callable[[bytes, ReadLimits], ExtractedForm]] = {
    **{kind: _legacy(kind) for kind in (DocumentKind.DOC, DocumentKind.ODT, DocumentKind.RTF)},
    DocumentKind.PDF: _read_pdf,
    DocumentKind.IMAGE: _read_picture,
}


def read_document(data: bytes, filename: str = "", limits: ReadLimits | None = None) -> ExtractedForm:
    """Read one document in this process. Raises UnreadableDocument.

    The reader is chosen by what the bytes are; ``filename`` is only used for a
    note when the name's extension disagrees with the content.
    """
    limits = limits or ReadLimits()
    if len(data) > limits.max_bytes:
        raise too_big(len(data), limits, filename)
    kind = sniff(data)
    try:
        with extra_wordings(limits.wordings):
            form = CONVERTED[kind](data, limits) if kind in CONVERTED else READERS[kind](data)
    except (UnreadableDocument, MemoryError):
        raise
    except Exception as exc:  # a reader failing on a hostile file (RecursionError too): unreadable, never a crash
        raise could_not_read() from exc
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext and ext in ("pdf", "docx", "doc", "docm", "odt", "rtf") and ext != kind.value and kind is not DocumentKind.IMAGE:
        what = {DocumentKind.PDF: "PDF", DocumentKind.ODT: "OpenDocument file", DocumentKind.RTF: "Rich Text file"}
        form.notes.append(f"The file is named .{ext} but is a {what.get(kind, 'Word document')}")
    return form


# ---------------------------------------------------------------------------
# The worker pool
# ---------------------------------------------------------------------------


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource
    except ImportError:  # not on POSIX: no limit can be set
        return
    limit = memory_mb * MB
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY and hard < limit:
        limit = hard
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _quiet_libraries() -> None:
    """The PDF libraries warn on stderr about damaged files ("EOF marker not found"): the
    parent reports every unreadable file in plain words, so these notes would only confuse."""
    for name in ("pypdf", "pdfminer", "pdfplumber"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _worker_main(conn: Connection, read_function: WorkerFunction, memory_mb: int) -> None:
    """The loop of one worker process: read documents until told to stop."""
    # Ctrl-C in a terminal reaches the whole process group: the parent decides when
    # to stop, so a worker never abandons (and wrongly refuses) the file in hand.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _quiet_libraries()
    _limit_memory(memory_mb)
    try:
        _serve(conn, read_function)
    finally:
        # A worker leaves by returning (no atexit): its LibreOffice profile goes with it.
        from .legacy import remove_profile

        remove_profile()


def _serve(conn: Connection, read_function: WorkerFunction) -> None:
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        data, filename, limits = msg
        base.on_ocr(lambda: conn.send(("ocr", None)))
        reply: tuple[str, Any]
        try:
            reply = ("ok", read_function(data, filename, limits))
        except UnreadableDocument as exc:
            reply = ("unreadable", (exc.message, exc.hint, exc.reason))
        except MemoryError:
            reply = ("memory", None)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
            reply = ("error", type(exc).__name__)
        del data, msg
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", None))
        if reply[0] == "memory":
            return  # the heap may be in a bad state: the parent starts a fresh worker


class _Worker:
    def __init__(self, ctx: Any, read_function: WorkerFunction, memory_mb: int) -> None:
        parent, child = ctx.Pipe(duplex=True)
        self.conn: Connection = parent
        self.process: BaseProcess = ctx.Process(
            target=_worker_main, args=(child, read_function, memory_mb), daemon=True, name="forms-reader"
        )
        self.process.start()
        child.close()

    def kill(self) -> None:
        try:
            self.process.kill()
        except (OSError, AttributeError):
            pass
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(2)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


def _context(name: str | None) -> Any:
    methods = multiprocessing.get_all_start_methods()
    if name is None:
        name = "forkserver" if "forkserver" in methods else "spawn"
    ctx = multiprocessing.get_context(name)
    if name == "forkserver":
        # Workers fork from a server that has the readers imported already.
        ctx.set_forkserver_preload(
            [
                "forms_processor.readers.sandbox",
                "forms_processor.readers.docx_reader",
                "forms_processor.readers.pdf_fields",
                "forms_processor.readers.pdf_layout",
                "forms_processor.readers.legacy",
                "forms_processor.readers.ocr",
            ]
        )
    return ctx


class ReaderPool:
    """Persistent worker processes that read documents under time and memory limits.

    ``read_function`` is what each worker runs (``read_document`` unless a caller
    passes another module-level function: a test, or the unpacking of emails and zips,
    whose results come back through :meth:`call`). Thread-safe: several threads may
    call :meth:`read` at once; each waits for an idle worker.
    """

    def __init__(
        self,
        workers: int = 2,
        limits: ReadLimits | None = None,
        read_function: WorkerFunction = read_document,
        start_method: str | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.limits = limits or ReadLimits()
        self.workers = workers
        self._read_function = read_function
        self._ctx = _context(start_method)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> ReaderPool:
        with self._lock:
            if self._closed:
                raise RuntimeError("the reader pool is closed")
            if not self._started:
                for _ in range(self.workers):
                    self._add_worker()
                self._started = True
        return self

    def _add_worker(self) -> _Worker:
        worker = _Worker(self._ctx, self._read_function, self.limits.memory_mb)
        self._all.append(worker)
        self._idle.put(worker)
        return worker

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = self._all, []
        for worker in workers:
            worker.stop()

    def __enter__(self) -> ReaderPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------
    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            if not self._closed:
                self._add_worker()

    def _answer(self, worker: _Worker, seconds: float) -> tuple[str, Any]:
        if not worker.conn.poll(seconds):
            self._replace(worker)
            raise took_too_long()
        answer: tuple[str, Any] = worker.conn.recv()
        return answer

    def read(self, data: bytes, filename: str = "") -> ExtractedForm:
        """Read one document in a worker. Raises UnreadableDocument."""
        result: ExtractedForm = self.call(data, filename)
        return result

    def call(self, data: bytes, filename: str = "") -> Any:
        """Run the workers' function on one file, under the limits; its result. Raises
        UnreadableDocument: the function's own, or :func:`took_too_long`,
        :func:`needed_too_much_memory` or :func:`reader_stopped` when the worker was killed."""
        if len(data) > self.limits.max_bytes:
            raise too_big(len(data), self.limits, filename)
        with self._lock:
            if self._closed:  # a closed pool has no workers left: never refuse a form for that
                raise RuntimeError("the reader pool is closed")
        if not self._started:
            self.start()
        worker = self._idle.get()
        try:
            worker.conn.send((data, filename, self.limits))
            kind, payload = self._answer(worker, self.limits.timeout_seconds)
            if kind == "ocr":  # a scan: OCR has its own, longer, limit
                kind, payload = self._answer(worker, self.limits.ocr_timeout_seconds)
        except (EOFError, OSError, BrokenPipeError) as exc:
            # The worker died: killed for its memory, or crashed in a library.
            self._replace(worker)
            raise reader_stopped() from exc
        if kind == "memory":
            self._replace(worker)
            raise needed_too_much_memory()
        self._idle.put(worker)
        if kind == "ok":
            return payload
        if kind == "unreadable":
            message, hint, reason = payload
            raise UnreadableDocument(message, hint, reason)
        raise could_not_read()
