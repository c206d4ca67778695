"""The one shape every intake produces: folder, mailbox, .eml file or command line.

Nothing is parsed before this point; after it, nothing cares where a file came from.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum


class Source(str, Enum):
    FOLDER = "folder"
    EMAIL = "email"
    EML = "eml"
    CLI = "cli"
    WEB = "web"  # sent through the web page by a school's user


@dataclass(frozen=True)
class Submission:
    data: bytes
    file_name: str
    source: Source
    received_at: datetime  # aware, UTC
    sender: str | None = None
    subject: str | None = None
    message_id: str | None = None
    # Where it came from, for the intake's own bookkeeping (a path, an IMAP uid); never parsed.
    origin: str | None = None
    sha256: str = field(default="")
    # The size on disk of a file refused unread (too large): ``data`` is then empty.
    unread_size: int | None = None

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        object.__setattr__(self, "file_name", safe_file_name(self.file_name))
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    @property
    def size(self) -> int:
        return self.unread_size if self.unread_size is not None else len(self.data)


def now_utc() -> datetime:
    return datetime.now(UTC)


_UNSAFE = re.compile(r"[^\w .,()&+'@£-]")


def safe_file_name(name: str, default: str = "form") -> str:
    """A file name safe to show and to use in a path: no folders, no control characters,
    Unicode normalised (NFC), at most 120 characters, never empty or dot-only."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 110] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:120]
    return name or default
