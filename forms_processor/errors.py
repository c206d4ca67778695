"""Exit codes and the errors that carry them.

Every error a person can meet is a :class:`FormsError` with a plain-English
message, a hint saying what to do, and an exit code. The CLI turns them into
codes in exactly one place (``cli.main``); no traceback reaches a user.
"""

from __future__ import annotations

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
    # Something unexpected; the message says where the details are logged.
    INTERNAL = 10
    # Stopped by Ctrl-C (the shell's convention: 128 + SIGINT). What was saved stays saved.
    INTERRUPTED = 130


class FormsError(Exception):
    """An error meant for a person: message, hint, exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


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
