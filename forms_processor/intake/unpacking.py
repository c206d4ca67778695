"""Emails and zips unpacked under the reading sandbox's limits.

A saved or fetched email and a zip are as untrusted as any document: the email package
and zipfile run on them in a worker process of a ``ReaderPool`` (``readers.sandbox``),
under the same memory and time limits as the readers. Only the parts come back to this
process. A worker killed by a limit (a zip bomb, an email built of a million parts) costs
this process nothing: that file gets a plain refusal saying that nothing in it was read,
and the batch goes on.
"""

from __future__ import annotations

import io
import threading
import zipfile

from ..errors import UnreadableDocument
from ..readers.sandbox import ReaderPool, ReadLimits
from .email_kinds import FIRST_PAGE_SECONDS
from .email_parts import EmailUnreadable, ParsedEmail, add_zip, parse_saved, pictures_beside_forms

# What a killed worker's refusal (``readers.sandbox``) is turned into, by its reason.
_KILLED = {
    "timeout": "unpacking it took longer than the {seconds:g} seconds allowed",
    "memory": "unpacking it needed more memory than the {memory} MB allowed",
    "crashed": "the program unpacking it stopped unexpectedly",
}


def bad_email() -> UnreadableDocument:
    return UnreadableDocument(
        "This saved email could not be read: it is damaged, or not an email.",
        hint="Save the email again from your mail program, or send the form itself (Word .docx or PDF).",
        reason="bad-email",
    )


def bad_zip() -> UnreadableDocument:
    return UnreadableDocument(
        "This zip file could not be opened: it is damaged, or not a zip file.",
        hint="Zip the forms again, or send each form itself (Word .docx or PDF).",
        reason="bad-zip",
    )


def parse_zip(data: bytes) -> ParsedEmail:
    """The forms in a zip, read as a zip attached to an email is (the same junk left out,
    the same limits): a ParsedEmail with no sender."""
    try:
        zipfile.ZipFile(io.BytesIO(data)).close()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise bad_zip() from exc
    parsed = ParsedEmail(sender=None, subject=None, message_id=None, date=None)
    add_zip(data, parsed, depth=0)
    pictures_beside_forms(parsed)
    return parsed


def unpack_parts(data: bytes, name: str, limits: ReadLimits) -> ParsedEmail:
    """What a worker runs: the parts of an email (.eml, Outlook's .msg) or of a zip (by
    its name). Raises UnreadableDocument. Telling which pictures are forms' first pages
    (``email_kinds.forms_of``) is given a third of the time limit at most."""
    token = FIRST_PAGE_SECONDS.set(min(FIRST_PAGE_SECONDS.get(), limits.timeout_seconds / 3))
    try:
        if name.lower().endswith(".zip"):
            return parse_zip(data)
        return parse_saved(data, name)
    except EmailUnreadable as exc:
        if isinstance(exc.__cause__, MemoryError):  # the memory limit, not a damaged email
            raise exc.__cause__ from None
        raise bad_email() from exc
    finally:
        FIRST_PAGE_SECONDS.reset(token)


def killed(name: str, reason: str, limits: ReadLimits) -> UnreadableDocument:
    """The refusal of an email or a zip whose unpacking was stopped by a limit."""
    what = "zip file" if name.lower().endswith(".zip") else "email"
    why = _KILLED[reason].format(seconds=limits.timeout_seconds, memory=limits.memory_mb)
    return UnreadableDocument(
        f"Nothing in this {what} was read: {why}. It may be damaged, or built to harm the computer reading it.",
        hint="Please send each form again, attached on its own (Word .docx or PDF), not zipped or forwarded.",
        reason=f"unpack-{reason}",
    )


class Unpacker:
    """Unpacks emails and zips in one worker process under ``limits`` (started at the
    first email or zip, kept for the batch). Thread-safe; call :meth:`close` at the end."""

    def __init__(self, limits: ReadLimits) -> None:
        # An email is larger than the files it carries (base64 adds a third): the size
        # limit of a document is doubled for the email holding it; memory and time are the same.
        self.limits = ReadLimits(max_bytes=limits.max_bytes * 2, timeout_seconds=limits.timeout_seconds,
                                 memory_mb=limits.memory_mb)
        self._pool: ReaderPool | None = None
        self._lock = threading.Lock()

    def __call__(self, data: bytes, name: str) -> ParsedEmail:
        """The parts of the email or zip ``name``. Raises UnreadableDocument, worded for
        the school and the Host when a limit stopped the unpacking."""
        with self._lock:
            if self._pool is None:
                self._pool = ReaderPool(workers=1, limits=self.limits, read_function=unpack_parts)
            pool = self._pool
        try:
            parsed = pool.call(data, name)
        except UnreadableDocument as exc:
            if exc.reason in _KILLED:
                raise killed(name, exc.reason, self.limits) from None
            raise
        if not isinstance(parsed, ParsedEmail):
            raise TypeError("the unpacking worker sent back something else")
        return parsed

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
