"""What each part of an email is: a form, a picture sent, or junk nobody chose to send;
and ``ParsedEmail``, what is taken out of one email (or zip) for ingest. Pure: names,
sizes and headers in, decisions out.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import TypeVar

T = TypeVar("T")

# The files taken as forms: read as the same file dropped in the folder is (older word
# processors' files converted by LibreOffice when it is installed, else refused politely).
FORM_SUFFIXES = (".docx", ".pdf", ".doc", ".odt", ".rtf")
# Files a school's computer adds without anyone choosing them: a Mac's resource forks
# and folder notes, Windows' thumbnail caches, Office lock files. Dropped without a word.
JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r"}
JUNK_FOLDERS = {"__macosx", ".spotlight-v100", ".trashes", ".fseventsd"}
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".webp")
# Outlook and most mail programs name the pictures of a signature image001.png, ...
SIGNATURE_NAME = re.compile(r"^(image|outlook|logo|signature)[-_ ]?\w{0,12}\.(png|jpe?g|gif|bmp)$", re.IGNORECASE)


def is_junk_path(path: str) -> bool:
    """Whether a file, by its path inside a zip or a folder, is one nobody chose to send:
    anything under ``__MACOSX/``, a Mac resource fork (``._form.docx``), ``.DS_Store``,
    ``Thumbs.db``, ``desktop.ini`` or an Office lock file (``~$form.docx``)."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    if not parts:
        return True
    if any(p.lower() in JUNK_FOLDERS for p in parts[:-1]):
        return True
    name = parts[-1]
    return name.startswith(("._", "~$")) or name.lower() in JUNK_NAMES


# A picture shown inside an email's text (or named as a signature's) larger than this
# may be a photo someone sent (a phone puts photos inline, named image0.jpeg), not a logo.
SIGNATURE_MAX_BYTES = 64 * 1024
# ... and is one when it has the pixels of a page: a logo or a banner is smaller than this
# on its shorter side; a page photographed or scanned to be read is larger.
PAGE_MIN_PIXELS = 700


def is_signature_picture(msg: Message, name: str | None, data: bytes) -> bool:
    """A picture that belongs to the email's own look (a signature, a logo), not one sent:
    shown inside the text (it has a Content-ID, or is marked inline) or named as mail
    programs name a signature's pictures (``image001.png``), and small (see ``looks_like_logo``)."""
    if msg.get_content_maintype() != "image" and not (name or "").lower().endswith(PICTURE_SUFFIXES):
        return False
    inline = _has_content_id(msg) or msg.get_content_disposition() == "inline"
    return looks_like_logo(name, data, inline)


def looks_like_logo(name: str | None, data: bytes, inline: bool) -> bool:
    """A picture shown inside the text or named like a signature's is a logo unless it is
    larger than SIGNATURE_MAX_BYTES and has a page's pixels (a photo a phone put inline).
    One whose size can't be read is a logo only when named like one."""
    named = bool(name and SIGNATURE_NAME.match(name))
    if not (named or inline):
        return False  # attached on purpose: sent
    if len(data) <= SIGNATURE_MAX_BYTES:
        return True
    size = picture_size(data)
    if size is None:
        return named
    return min(size) < PAGE_MIN_PIXELS


def picture_size(data: bytes) -> tuple[int, int] | None:
    """A picture's width and height in pixels from its header (nothing decoded); None when
    it can't be read."""
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                return int(img.width), int(img.height)
    except Exception:  # noqa: BLE001 - any picture Pillow can't open: size unknown
        return None


def _has_content_id(msg: Message) -> bool:
    try:
        return bool(str(msg.get("Content-ID") or ""))
    except Exception:  # noqa: BLE001 - a header too malformed to decode is none
        return False


@dataclass
class Attachment:
    file_name: str
    data: bytes


@dataclass
class ParsedEmail:
    sender: str | None
    subject: str | None
    message_id: str | None
    date: datetime | None
    attachments: list[Attachment] = field(default_factory=list)
    # Parts that were not forms but look like an attempt at sending one (another kind of
    # document): names only, for the reply.
    ignored: list[str] = field(default_factory=list)
    # Parts nobody chose to send (a Mac's ``__MACOSX/._form.docx``, ``.DS_Store``,
    # ``Thumbs.db``, the pictures of a signature, pictures beside a form): never answered.
    junk: list[str] = field(default_factory=list)
    # Pictures sent (not a signature's), until ``pictures_beside_forms`` decides: read as
    # forms (by OCR) when no form is beside them, else passed over as junk.
    pictures: list[Attachment] = field(default_factory=list)
    # What the receiving server's Authentication-Results said of the From address.
    sender_check: str = ""
    # Parts that may be forms but were not read, past a limit: (name, why), for the school and the Host.
    not_read: list[tuple[str, str]] = field(default_factory=list)
    # Bytes taken out so far (for MAX_EMAIL_TOTAL).
    unpacked: int = field(default=0, repr=False)


def pictures_beside_forms(parsed: ParsedEmail) -> None:
    """What the pictures sent are. Beside a form, a picture is a logo, a photo of the work or
    a scan of the same form: the form is what is read, and nothing is said about the picture.
    With no form beside it, a picture is the form photographed or scanned: it is read as the
    form (by OCR, as a picture dropped in the inbox). Several pictures are the pages of one
    form, in the order sent (see ``pages_of_one_form``)."""
    pictures, parsed.pictures = parsed.pictures, []
    if parsed.attachments:
        parsed.junk.extend(p.file_name for p in pictures)
        return
    if len(pictures) == 1:
        parsed.attachments.extend(pictures)
    elif pictures:
        parsed.attachments.extend(pages_of_one_form(pictures, parsed.not_read))


def pages_of_one_form(pictures: list[Attachment], not_read: list[tuple[str, str]]) -> list[Attachment]:
    """Pictures sent together, with no form beside them, are the pages of forms (a SENCO
    photographs a paper form a page at a time, or several one-page impact forms): grouped into
    forms, a new one at each picture of a form's first page (its title read at its top,
    ``readers.first_page``; all are one form when none is, and the pictures before the first
    such are pages of that form, sent last page first), each group made into one image-only PDF, a page a picture in their order
    (``readers.photo_pdf``), read as one scan and kept as the original. A picture that can't be
    opened, and the pages past the reader's ``MAX_PAGES``, are listed in ``not_read``; a group
    of one picture is read on its own, as a single picture is."""
    from ..readers.ocr import MAX_PAGES
    from ..readers.photo_pdf import NotAPicture, Page, combined_name, pdf_of, picture_pages

    opened: list[tuple[Attachment, list[Page]]] = []
    count = 0
    for n, picture in enumerate(pictures):
        if count >= MAX_PAGES:
            not_read.append((f"{len(pictures) - n} more pictures",
                             f"at most {MAX_PAGES} pages of forms are read from the photos of one email"))
            break
        try:
            more = picture_pages(picture.data)
        except NotAPicture:
            not_read.append((picture.file_name, "it could not be opened as a picture: it may be damaged, or in a"
                                                " format that can't be read (send photos as JPEG)"))
            continue
        more = more[:MAX_PAGES - count]
        count += len(more)
        opened.append((picture, more))
    out = []
    for group in forms_of(opened):
        if len(group) == 1:
            out.append(group[0][0])
        else:
            pages = [page for _, some in group for page in some]
            out.append(Attachment(combined_name([p.file_name for p, _ in group], len(pages)), pdf_of(pages)))
    return out


# The time the unpacking worker gives to telling first pages, for all the pictures of one
# email (``unpacking.unpack_parts`` sets it from its own limit); past it, a picture continues
# the form before it.
FIRST_PAGE_SECONDS: ContextVar[float] = ContextVar("first_page_seconds", default=10.0)


def forms_of(pictures: list[tuple[Attachment, T]]) -> list[list[tuple[Attachment, T]]]:
    """The pictures grouped into forms, in order: a new group at each first page of a form, the
    pictures before the first one in its group."""
    import time

    from ..readers.first_page import can_tell, first_page_of

    if len(pictures) <= 1 or not can_tell():
        return [pictures] if pictures else []
    deadline = time.monotonic() + FIRST_PAGE_SECONDS.get()
    groups: list[list[tuple[Attachment, T]]] = []
    titled = []
    for item in pictures:
        first = first_page_of(item[0].data, deadline - time.monotonic()) is not None
        if first or not groups:
            groups.append([])
            titled.append(first)
        groups[-1].append(item)
    if len(groups) > 1 and not titled[0]:
        groups[:2] = [groups[0] + groups[1]]  # a form's pages sent last page first: one form
    return groups
