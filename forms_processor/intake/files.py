"""Command-line intake: files and folders named by the user, and what saved emails and zips hold."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import UnreadableDocument
from .email_kinds import JUNK_FOLDERS, JUNK_NAMES, ParsedEmail
from .submission import Source, Submission

# Also folder names: anything under ``__MACOSX/`` (what a Mac adds to a zip it makes).
IGNORED_NAMES = {*JUNK_NAMES, *JUNK_FOLDERS}
IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".reason.txt")


class TooLarge(Exception):
    """A file over the size limit, refused unread (its size, from stat)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def read_within(path: Path, limit: int) -> bytes:
    """The file's bytes, when it holds at most ``limit`` of them. The size is checked
    (fstat on the open file) before anything is read, and never more than ``limit + 1``
    bytes are read, so a file that grows meanwhile is refused too: :class:`TooLarge`."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise TooLarge(size)
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(max(size, len(data)))
    return data


def is_ignored(path: Path) -> bool:
    """Office lock files, partial downloads, hidden files and OS clutter (``.DS_Store``,
    ``Thumbs.db``, a Mac's ``__MACOSX`` folder and ``._`` resource forks). Applied to a
    file's name and to each folder on its way."""
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
                inside = child.relative_to(path).parts
                if child.is_file() and not child.is_symlink() and not any(is_ignored(Path(p)) for p in inside):
                    yield child
                elif skipped is not None:
                    skipped.append(child)
        else:
            yield path


Parse = Callable[[bytes, str], ParsedEmail]


@dataclass
class Unpacked:
    """What one file holds for ingest: ``subs``, the file itself (``whole``) or its parts;
    the refusal to record with the whole file; and the parts not read (past a limit), as
    one stand-in with its refusal saying exactly what and why."""

    subs: list[Submission]
    refusal: UnreadableDocument | None = None
    not_read: list[tuple[Submission, UnreadableDocument]] = field(default_factory=list)
    whole: bool = True


def unpack(
    data: bytes, name: str, source: Source, received_at: datetime, parse: Parse, origin: str | None = None,
    authorised: Callable[[str], bool] | None = None,
) -> Unpacked:
    """What one file holds for ingest: itself; or, for a saved email (.eml, Outlook's .msg),
    one submission per form attached (sender, subject and Message-ID kept); or, for a zip,
    one per form in it (a Mac's and Windows' junk left out, as in an email's zip).

    ``parse`` unpacks the email or zip (``unpacking.Unpacker``: in a worker process under
    the readers' limits); a refusal it raises is recorded with the whole file.
    ``authorised`` says whether a saved email's sender (its Reply-To, else its From) is a
    school's address. An email from no school is treated as the mailbox treats it:
    recorded for the Host (refused, its original kept) and answered to nobody. One whose
    sender was dropped as forged (``sender`` None) is read, and answered only at the
    school's own address.

    An email or zip with no form in it, or that cannot be read as one, gives the file
    itself with the refusal to record (so the original is kept and the person told why).
    """
    lower = name.lower()
    is_zip = lower.endswith(".zip")
    kind = source if is_zip else Source.EML
    whole = Submission(data=data, file_name=name, source=source, received_at=received_at, origin=origin)
    if not lower.endswith((".eml", ".msg", ".zip")):
        return Unpacked([whole])
    whole = Submission(data=data, file_name=name, source=kind, received_at=received_at, origin=origin)
    try:
        parsed = parse(data, name)
    except UnreadableDocument as refusal:
        return Unpacked([whole], refusal)
    if not is_zip and authorised is not None and parsed.sender is not None and not authorised(parsed.sender):
        return Unpacked([whole], UnreadableDocument(
            "This saved email is not from an address configured for a school, so it was not read"
            " and nobody was answered.",
            hint="If it is genuine, save the form attached and put it in the inbox yourself, or add the"
            " school's address (email_domains) to cluster.toml.",
            reason="unknown-sender",
        ))
    not_read = not_read_refusal(parsed.not_read)
    if not parsed.attachments:
        return Unpacked([whole], not_read or _no_form(is_zip))
    subs = [
        Submission(data=att.data, file_name=att.file_name, source=kind, received_at=received_at,
                   sender=parsed.sender, subject=parsed.subject, message_id=parsed.message_id, origin=origin)
        for att in parsed.attachments
    ]
    # What was not read is recorded and answered as a part of its own (one per email or zip).
    extra = [(not_read_part(subs[0], f"{name} (parts not read)"), not_read)] if not_read is not None else []
    return Unpacked(subs, None, extra, whole=False)


def _no_form(is_zip: bool) -> UnreadableDocument:
    if is_zip:
        return UnreadableDocument(
            "This zip file holds no Word or PDF form.",
            hint="Put the completed form (the Word .docx or the PDF) in the zip, or send the form itself.",
            reason="no-attachment",
        )
    return UnreadableDocument(
        "This email has no Word or PDF form attached.",
        hint="Attach the completed form (the Word .docx or the PDF) to an email and send it again.",
        reason="no-attachment",
    )


def not_read_part(like: Submission, file_name: str) -> Submission:
    """A stand-in for the parts of an email that were not read (nothing of them is kept)."""
    return Submission(data=b"", file_name=file_name, source=like.source, received_at=like.received_at,
                      sender=like.sender, subject=like.subject, message_id=like.message_id, origin=like.origin,
                      unread_size=0)


def not_read_refusal(not_read: list[tuple[str, str]]) -> UnreadableDocument | None:
    """Exactly what of an email was not read, and why: for the school and the Host."""
    if not not_read:
        return None
    shown = [f"{name} ({why})" for name, why in not_read[:20]]
    more = f"; and {len(not_read) - 20} more" if len(not_read) > 20 else ""
    return UnreadableDocument(
        f"Some of this email was not read: {'; '.join(shown)}{more}.",
        hint="Please send those forms again in separate emails, each form attached on its own (not zipped).",
        reason="not-read",
    )
