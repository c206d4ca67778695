"""Exit codes and the errors that carry them.

Every error a person can meet is a :class:`FormsError` with a plain-English
message, a hint saying what to do, and an exit code. The CLI turns them into
codes in exactly one place (``cli.main``); no traceback reaches a user.
"""

from __future__ import annotations

import errno
import sqlite3
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    # Some forms were invalid, rejected or duplicates (the batch itself ran).
    FORMS_NEED_ATTENTION = 1
    # The command was used wrongly: unknown option, missing argument, bad value.
    USAGE = 2
    # cluster.toml is missing or wrong, or a folder is unusable.
    CONFIG = 3
    # A reference, round or school that does not exist.
    NOT_FOUND = 4
    # The action is not allowed now: a locked decision, an overspend, a wrong state.
    NOT_ALLOWED = 5
    # A mail server could not be reached (mail is kept in the queue).
    MAIL_UNAVAILABLE = 6
    # The computer could not save: the disk is full or read-only, a folder cannot be
    # written, or the database is locked. Nothing was lost; run again when it is fixed.
    STORAGE = 7
    # Something unexpected; the message says where the details are logged.
    INTERNAL = 10
    # Stopped by Ctrl-C (the shell's convention: 128 + SIGINT). What was saved stays saved.
    INTERRUPTED = 130


class FormsError(Exception):
    """An error meant for a person: message, hint, exit code.

    ``field`` names the input the error is about (e.g. a decision's "feedback"), so that
    each screen can say where it is given in its own words: the command line its option,
    a minutes file its column, the web page the field's label. The message itself names
    no screen's way of giving it."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, hint: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field

    def __str__(self) -> str:
        return self.message


def where_given(message: str, where: str) -> str:
    """``message`` with where its input is given put before its last full stop:
    ("Declined needs feedback to the school.", "--feedback") -> "Declined needs feedback to
    the school (--feedback)." Each screen names its own way (an option, a file's column)."""
    text = message.rstrip()
    end = "." if text.endswith(".") else ""
    return f"{text.removesuffix('.')} ({where}){end}"


class ConfigError(FormsError):
    exit_code = ExitCode.CONFIG


class UsageError(FormsError):
    exit_code = ExitCode.USAGE


class NotFound(FormsError):
    exit_code = ExitCode.NOT_FOUND


class NotAllowed(FormsError):
    exit_code = ExitCode.NOT_ALLOWED


class MailUnavailable(FormsError):
    exit_code = ExitCode.MAIL_UNAVAILABLE


class UnreadableDocument(FormsError):
    """A file that cannot be read as a form. ``reason`` is a short machine code."""

    exit_code = ExitCode.FORMS_NEED_ATTENTION

    def __init__(self, message: str, hint: str = "", reason: str = "unreadable") -> None:
        super().__init__(message, hint)
        self.reason = reason


class StorageError(FormsError):
    """The machine, not the person or the school: a full or read-only disk, a folder that
    cannot be written, a locked database. Whatever was being saved is kept to try again."""

    exit_code = ExitCode.STORAGE

    def __init__(self, message: str, hint: str = "", kind: str = "disk") -> None:
        super().__init__(message, hint)
        self.kind = kind  # 'full', 'read-only', 'permission', 'locked', 'disk'


# errno values that mean "this computer cannot save now", whatever was being saved.
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS}
_PERMISSION = {errno.EACCES, errno.EPERM}
_DISK = {errno.EIO, errno.EMFILE, errno.ENFILE, errno.ENOMEM}
# SQLite's primary result codes for the same (the low byte of sqlite_errorcode).
_SQLITE_KINDS = {5: "locked", 6: "locked", 8: "read-only", 10: "disk", 13: "full", 14: "permission", 3: "permission"}


def storage_fault(exc: BaseException, where: str = "") -> StorageError | None:
    """The :class:`StorageError` that ``exc`` is, or None when it is something else.
    Decided by errno or SQLite's result code, never by the message's words."""
    if isinstance(exc, StorageError):
        return exc
    kind: str | None = None
    if isinstance(exc, OSError) and exc.errno is not None:
        code = exc.errno
        kind = ("full" if code in _FULL else "read-only" if code in _READ_ONLY
                else "permission" if code in _PERMISSION else "disk" if code in _DISK else None)
    elif isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
        result = getattr(exc, "sqlite_errorcode", None)
        kind = _SQLITE_KINDS.get(result & 0xFF) if isinstance(result, int) else None
    if kind is None:
        return None
    place = f" ({where})" if where else ""
    message, hint = {
        "full": (f"The disk is full: nothing more can be saved{place}.",
                 "Free some space on the disk holding the home folder, then run it again. Nothing was lost."),
        "read-only": (f"The disk can only be read, not written{place}.",
                      "Check the drive holding the home folder, then run it again. Nothing was lost."),
        "permission": (f"This account may not write there{place}.",
                       "Give the account running forms the right to write to the home folder, then run it again."),
        "locked": (f"The database is busy with another program{place}.",
                   "Wait a minute and run it again; if it goes on, stop the other 'forms' programs."),
        "disk": (f"The computer could not save{place} (a disk or system error).",
                 "Check the disk holding the home folder, then run it again. Nothing was lost."),
    }[kind]
    return StorageError(message, hint=hint, kind=kind)
