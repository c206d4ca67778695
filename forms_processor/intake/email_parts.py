"""Attachments out of an email: the form files a school attached, wherever they hide.

Handles ordinary attachments (with non-ASCII names), forwarded messages
(message/rfc822 parts and attached .eml files), Outlook's ``winmail.dat``
(TNEF) and saved emails (.msg, see ``outlook_msg``), and .zip files. Pure: bytes in, parts out; nothing is written.

A picture sent with no form beside it (a photo or a scan of the form, attached or put
inside the text by a phone) is taken as the form: it is read by OCR as a picture dropped
in the inbox is. A picture beside a form, and a signature's pictures, are passed over.
"""

from __future__ import annotations

import email
import email.policy
import io
import logging
import re
import zipfile
from datetime import UTC
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from .authresults import SenderCheck, check_sender
from .email_kinds import (
    FORM_SUFFIXES,
    PICTURE_SUFFIXES,
    Attachment,
    ParsedEmail,
    is_junk_path,
    is_signature_picture,
    looks_like_logo,
    pictures_beside_forms,
)
from .outlook_msg import MsgUnreadable, OutlookMessage, looks_like_msg, read_msg
from .submission import safe_file_name

# Limits so a hostile message cannot exhaust memory or time. Whatever is past a limit is
# not dropped silently: it is listed in ``ParsedEmail.not_read`` with the reason.
MAX_DEPTH = 8
MAX_PARTS = 300
MAX_ZIP_TOTAL = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
# All the files taken out of one email together (zips inside zips included).
MAX_EMAIL_TOTAL = 150 * 1024 * 1024
# A zip member is inflated this much at a time, never more than it claims to hold.
_CHUNK = 1024 * 1024


def _header(msg: Message, name: str) -> str:
    """A header as text, or "" when it is missing or too malformed to decode (a broken
    header never stops the reading of the rest of the email)."""
    try:
        return str(msg.get(name) or "")
    except Exception:  # noqa: BLE001 - the email package raises many kinds on bad headers
        return ""


def parse_email(raw: bytes, sender_authentication: str = "when-present") -> ParsedEmail:
    """The sender, subject, Message-ID, date and form attachments of one email.

    Malformed headers read as missing. The sender is None when the receiving server's
    Authentication-Results say the From address was not authenticated (``authresults``).
    Raises ``EmailUnreadable`` only when the bytes cannot be taken as an email at all.
    """
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # noqa: BLE001
        raise EmailUnreadable from exc
    sender = None
    try:
        addrs = getaddresses([_header(msg, "Reply-To") or _header(msg, "From")])
    except Exception:  # noqa: BLE001 - an address the parser cannot take is no address
        addrs = []
    if addrs and addrs[0][1] and "@" in addrs[0][1]:
        sender = addrs[0][1].strip().lower()
    # A From address the receiving server found forged is never answered (see authresults).
    authenticated = _sender_authenticated(msg, sender_authentication)
    if not authenticated.trusted:
        sender = None
    date = None
    if _header(msg, "Date"):
        try:
            date = parsedate_to_datetime(_header(msg, "Date"))
            if date.tzinfo is None:
                date = date.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError):
            date = None
    parsed = ParsedEmail(
        sender=sender,
        subject=_header(msg, "Subject") or None,
        message_id=_header(msg, "Message-ID").strip() or None,
        date=date,
        sender_check=authenticated.reason,
    )
    try:
        _walk(msg, parsed, depth=0)
    except Exception as exc:  # noqa: BLE001 - a structure the email package cannot walk
        raise EmailUnreadable from exc
    pictures_beside_forms(parsed)
    return parsed


def _sender_authenticated(msg: Message, mode: str) -> SenderCheck:
    try:
        froms = getaddresses([_header(msg, "From")])
        return check_sender(msg, froms[0][1] if froms else "", mode)
    except Exception:  # noqa: BLE001 - unreadable headers: the same as none
        return SenderCheck(mode != "required", "Authentication-Results could not be read")


class EmailUnreadable(Exception):
    """The bytes could not be read as an email at all."""


def _walk(msg: Message, out: ParsedEmail, depth: int) -> None:
    """Visit the leaf parts of ``msg``, descending into forwarded messages."""
    if depth > MAX_DEPTH:
        out.not_read.append((_name_of(msg), f"it is forwarded more than {MAX_DEPTH} times inside other emails"))
        return
    ctype = msg.get_content_type()
    if ctype == "message/rfc822" or (msg.is_multipart() and ctype.startswith("message/")):
        for inner in msg.get_payload() or []:
            if isinstance(inner, Message):
                _walk(inner, out, depth + 1)
        return
    if msg.is_multipart():
        for part in msg.get_payload() or []:
            if isinstance(part, Message):
                _walk(part, out, depth)
        return
    name = msg.get_filename()
    if not name and msg.get_content_disposition() != "attachment":
        if msg.get_content_maintype() == "image":
            _nameless_picture(msg, out, depth)
        return  # the body text
    if name and is_junk_path(name):
        out.junk.append(safe_file_name(name))
        return
    try:
        data = msg.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - a broken part is skipped, the rest goes on
        out.ignored.append(safe_file_name(name or "part"))
        return
    if not isinstance(data, bytes):
        data = b""
    if is_signature_picture(msg, name, data):
        out.junk.append(safe_file_name(name or "picture"))
        return
    _add_file(safe_file_name(name or "attachment"), data, out, depth)


def _nameless_picture(msg: Message, out: ParsedEmail, depth: int) -> None:
    """A picture inside the text with no file name: a photo when it is large (a phone's),
    else a signature's logo."""
    try:
        data = msg.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - a broken part is passed over
        data = b""
    name = f"photo.{msg.get_content_subtype()}"
    if isinstance(data, bytes) and name.endswith(PICTURE_SUFFIXES) and not looks_like_logo(None, data, inline=True):
        _add_file(name, data, out, depth)
    else:
        out.junk.append("inline picture")


def _name_of(msg: Message) -> str:
    try:
        return safe_file_name(msg.get_filename() or _header(msg, "Subject") or "forwarded email")
    except Exception:  # noqa: BLE001 - a name only for the message
        return "forwarded email"


def _add_file(name: str, data: bytes, out: ParsedEmail, depth: int) -> None:
    out.unpacked += len(data)
    if out.unpacked > MAX_EMAIL_TOTAL:
        out.ignored.append(f"{name} (too large to unpack)")
        if name.lower().endswith((*FORM_SUFFIXES, ".eml", ".zip")):
            out.not_read.append((name, f"the files in the email come to more than {MAX_EMAIL_TOTAL // 2**20} MB"))
        return
    if len(out.attachments) + len(out.ignored) + len(out.pictures) >= MAX_PARTS and name.lower().endswith(
            (*FORM_SUFFIXES, ".eml", ".zip")):
        out.not_read.append((name, f"the email holds more than {MAX_PARTS} files"))
        return
    if depth > MAX_DEPTH:
        out.not_read.append((name, f"it is packed more than {MAX_DEPTH} times inside emails and zips"))
        return
    lower = name.lower()
    if lower.endswith(FORM_SUFFIXES):
        out.attachments.append(Attachment(name, data))
    elif lower.endswith(".eml"):
        inner = email.message_from_bytes(data, policy=email.policy.default)
        _walk(inner, out, depth + 1)
    elif lower.endswith(".msg"):
        _from_msg(data, out, depth)
    elif lower == "winmail.dat" or lower.endswith(".tnef"):
        _from_tnef(data, out, depth)
    elif lower.endswith(".zip"):
        add_zip(data, out, depth)
    elif lower.endswith(PICTURE_SUFFIXES):
        out.pictures.append(Attachment(name, data))
    else:
        out.ignored.append(name)


def _from_tnef(data: bytes, out: ParsedEmail, depth: int) -> None:
    # tnefparse logs odd attributes (and a long version attribute breaks its own log call,
    # printing a traceback): nothing of that is for people.
    logging.getLogger("tnefparse").setLevel(logging.CRITICAL)
    try:
        from tnefparse import TNEF

        tnef = TNEF(data)
    except Exception:  # noqa: BLE001 - an unreadable winmail.dat is noted, not fatal
        out.ignored.append("winmail.dat")
        return
    for n, att in enumerate(tnef.attachments, start=1):
        try:
            raw_name = att.long_filename() or att.name or ""
        except Exception:  # noqa: BLE001
            raw_name = ""
        if isinstance(raw_name, bytes):
            raw_name = raw_name.decode("latin-1", "replace")
        _add_file(safe_file_name(str(raw_name).strip("\x00"), default=f"winmail-{n}.bin"), att.data or b"", out, depth + 1)


# -- Outlook .msg (see outlook_msg) -------------------------------------------------


def _from_msg(data: bytes, out: ParsedEmail, depth: int) -> None:
    try:
        msg = read_msg(data, max_bytes=max(0, MAX_EMAIL_TOTAL - out.unpacked))
    except MsgUnreadable:
        out.ignored.append("email.msg")
        return
    _from_outlook(msg, out, depth + 1)


def _from_outlook(msg: OutlookMessage, out: ParsedEmail, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for n, att in enumerate(msg.attachments, start=1):
        if len(out.attachments) + len(out.ignored) + len(out.pictures) >= MAX_PARTS:
            return
        if att.message is not None:
            _from_outlook(att.message, out, depth + 1)
            continue
        name = safe_file_name(att.file_name, default=f"attachment-{n}.bin")
        if (att.file_name and is_junk_path(att.file_name)) or (
                name.lower().endswith(PICTURE_SUFFIXES) and looks_like_logo(name, att.data, inline=False)):
            out.junk.append(name)  # a Mac's or Windows' clutter, a signature's pictures (image001.png)
            continue
        _add_file(name, att.data, out, depth + 1)


def parse_msg(raw: bytes, sender_authentication: str = "when-present") -> ParsedEmail:
    """An Outlook .msg, read like :func:`parse_email`: the sender, subject, Message-ID and
    date (from its internet headers when it was received, which also say whether the
    sender was authenticated), and the forms attached, in attached emails too."""
    try:
        msg = read_msg(raw)
    except MsgUnreadable as exc:
        raise EmailUnreadable from exc
    head = email.message_from_string(msg.headers + "\n\n" if msg.headers else "", policy=email.policy.default)
    sender = msg.sender
    try:
        addrs = getaddresses([_header(head, "Reply-To") or _header(head, "From")])
    except Exception:  # noqa: BLE001
        addrs = []
    if addrs and addrs[0][1] and "@" in addrs[0][1]:
        sender = addrs[0][1].strip().lower()
    if msg.headers:
        authenticated = _sender_authenticated(head, sender_authentication)
    else:  # written by Outlook, never received: nothing to check
        authenticated = SenderCheck(sender_authentication != "required", "no Authentication-Results header")
    if not authenticated.trusted:
        sender = None
    date = msg.date
    if _header(head, "Date"):
        try:
            date = parsedate_to_datetime(_header(head, "Date"))
            if date.tzinfo is None:
                date = date.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError):
            date = msg.date
    parsed = ParsedEmail(sender=sender, subject=msg.subject or _header(head, "Subject") or None,
                         message_id=msg.message_id or _header(head, "Message-ID").strip() or None,
                         date=date, sender_check=authenticated.reason)
    _from_outlook(msg, parsed, depth=0)
    pictures_beside_forms(parsed)
    return parsed


def parse_saved(raw: bytes, name: str, sender_authentication: str = "when-present") -> ParsedEmail:
    """A saved email: .msg (Outlook) by its name or its bytes, else .eml."""
    if name.lower().endswith(".msg") or looks_like_msg(raw):
        return parse_msg(raw, sender_authentication)
    return parse_email(raw, sender_authentication)


def add_zip(data: bytes, out: ParsedEmail, depth: int) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        out.ignored.append("archive.zip")
        return
    # The junk a Mac adds counts towards no limit: it is never read.
    out.junk.extend(safe_file_name(i.filename) for i in infos if is_junk_path(i.filename))
    infos = [i for i in infos if not is_junk_path(i.filename)]
    declared = sum(i.file_size for i in infos)
    wanted = [i for i in infos if safe_file_name(i.filename).lower().endswith((*FORM_SUFFIXES, ".eml", ".zip"))]
    # A picture in a zip is read (as the form photographed) only when no form is beside it:
    # beside a form in the zip, it is passed over unread.
    pictures = [i for i in infos if safe_file_name(i.filename).lower().endswith(PICTURE_SUFFIXES)]
    if any(safe_file_name(i.filename).lower().endswith(FORM_SUFFIXES) for i in wanted):
        out.junk.extend(safe_file_name(i.filename) for i in pictures)
        pictures = []
    if len(infos) > MAX_ZIP_MEMBERS or declared > MAX_ZIP_TOTAL or out.unpacked + declared > MAX_EMAIL_TOTAL:
        out.ignored.append("archive.zip (too large to unpack)")
        why = (f"the zip holds {len(infos)} files; at most {MAX_ZIP_MEMBERS} are read" if len(infos) > MAX_ZIP_MEMBERS
               else f"the zip would unpack to more than {min(MAX_ZIP_TOTAL, MAX_EMAIL_TOTAL) // 2**20} MB")
        out.not_read.extend((safe_file_name(i.filename), why) for i in wanted[:50])
        if len(wanted) > 50:
            out.not_read.append((f"{len(wanted) - 50} more files in the zip", why))
        return
    # Pictures in a zip, with no form beside them, are the pages of one form: in the order
    # of their names, numbers as numbers ("page 2" before "page 10").
    pictures.sort(key=lambda i: natural_order(i.filename))
    for info in [i for i in infos if i not in pictures] + pictures:
        name = safe_file_name(info.filename)
        if info not in wanted and info not in pictures:
            if not name.lower().endswith(PICTURE_SUFFIXES):
                out.ignored.append(name)
            continue
        try:
            member = _inflate(zf, info, MAX_EMAIL_TOTAL - out.unpacked)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError, NotImplementedError):
            out.ignored.append(name)
            out.not_read.append((name, "it is damaged inside the zip (it does not unpack to what the zip says)"))
            continue
        if member is None:
            out.not_read.append((name, f"it would unpack to more than {MAX_EMAIL_TOTAL // 2**20} MB"))
            continue
        _add_file(name, member, out, depth + 1)


def natural_order(name: str) -> list[str | tuple[int, str]]:
    """A name as people order names: letters without case, numbers by their value (compared
    by their digits, shorter first, so no number is too long to compare)."""
    return [(len(piece.lstrip("0")), piece.lstrip("0")) if n % 2 else piece.casefold()
            for n, piece in enumerate(re.split(r"(\d+)", name))]


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes | None:
    """A zip member's bytes, inflated a piece at a time: never more than it claims to
    hold (zipfile stops there; a lie fails its CRC) nor more than ``budget`` (None then).
    A member that claims 1,000 bytes and would inflate to gigabytes costs 1,000 bytes."""
    if info.file_size > budget:
        return None
    pieces: list[bytes] = []
    got = 0
    with zf.open(info) as fh:
        while True:
            piece = fh.read(min(_CHUNK, info.file_size - got + 1))
            if not piece:
                break
            got += len(piece)
            if got > info.file_size or got > budget:
                return None
            pieces.append(piece)
    return b"".join(pieces)


def build_message(sender: str, to: str, subject: str, body: str, attachments: list[tuple[str, bytes]]) -> EmailMessage:
    """A plain email with attachments (used by tests, the demo and the benchmark)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    for name, data in attachments:
        maintype, subtype = _mime_of(name)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def _mime_of(name: str) -> tuple[str, str]:
    lower = name.lower()
    if lower.endswith(".pdf"):
        return "application", "pdf"
    if lower.endswith(".docx"):
        return "application", "vnd.openxmlformats-officedocument.wordprocessingml.document"
    return "application", "octet-stream"
