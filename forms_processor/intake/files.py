"""Command-line intake: files and folders named by the user, and .eml files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from .email_parts import parse_email
from .submission import Source, Submission, now_utc

IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".reason.txt")


def is_ignored(path: Path) -> bool:
    """Office lock files, partial downloads, hidden files and OS clutter."""
    name = path.name
    lower = name.lower()
    return (
        name.startswith(("~$", ".", "~"))
        or lower in IGNORED_NAMES
        or lower.endswith(IGNORED_SUFFIXES)
    )


def expand_paths(paths: list[Path], skipped: list[Path] | None = None) -> Iterator[Path]:
    """Every regular file named, or inside a folder named (sub-folders too), sorted.

    Inside folders, lock files, partial downloads, hidden files and links are passed
    over; they are added to ``skipped`` when a list is given. A file named on its
    own is always taken.
    """
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_dir() and not child.is_symlink():
                    continue
                if child.is_file() and not child.is_symlink() and not is_ignored(child):
                    yield child
                elif skipped is not None:
                    skipped.append(child)
        else:
            yield path


def submissions_from_file(path: Path, source: Source = Source.CLI, received_at: datetime | None = None) -> list[Submission]:
    """One submission for a form file; one per form attachment for an .eml file.

    An .eml file with no form attached gives an empty list (the caller reports it).
    Raises OSError when the file cannot be read.
    """
    data = path.read_bytes()
    received = received_at or now_utc()
    if path.suffix.lower() == ".eml":
        parsed = parse_email(data)
        return [
            Submission(
                data=att.data,
                file_name=att.file_name,
                source=Source.EML,
                received_at=received,
                sender=parsed.sender,
                subject=parsed.subject,
                message_id=parsed.message_id,
                origin=str(path),
            )
            for att in parsed.attachments
        ]
    return [Submission(data=data, file_name=path.name, source=source, received_at=received, origin=str(path))]
