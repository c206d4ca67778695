"""Outlook's saved emails (``.msg``): sender, date, subject and attached files.

A SENCO drags an email from Outlook into the shared folder, or forwards one as an
attachment: Outlook writes it as a .msg, an OLE compound file (MS-CFB) holding the
message's MAPI properties (MS-OXMSG). Read with olefile (BSD); extract-msg is GPL-3.0.

The layout read here:

- each property is a stream ``__substg1.0_IIIITTTT`` (``IIII`` the property id,
  ``TTTT`` its type: 001F UTF-16 text, 001E 8-bit text, 0102 bytes), except the
  fixed-size ones (a time, a number), which sit in ``__properties_version1.0``: a
  header (32 bytes for the message, 24 for a message inside an attachment, 8 for an
  attachment) then 16 bytes a property: type, id, flags, value;
- each attachment is a storage ``__attach_version1.0_#NNNNNNNN`` with its file name
  (0x3707, else 0x3704) and bytes (0x3701 as 0102), or, for an attached email (method 5),
  a whole message in the storage ``__substg1.0_3701000D``;
- a received email keeps its internet headers (0x007D), Authentication-Results included.

Pure: bytes in, a message out; nothing is written. Hostile files meet the same limits
as the rest of an email (depth, number of parts, bytes taken out).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

PR_SUBJECT = 0x0037
PR_CLIENT_SUBMIT_TIME = 0x0039
PR_SENT_REPRESENTING_EMAIL = 0x0065
PR_TRANSPORT_HEADERS = 0x007D
PR_SENDER_ADDRTYPE = 0x0C1E
PR_SENDER_EMAIL = 0x0C1F
PR_DELIVERY_TIME = 0x0E06
PR_INTERNET_MESSAGE_ID = 0x1035
PR_SENDER_SMTP = 0x5D01
PR_ATTACH_DATA = 0x3701
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707
PR_MESSAGE_CODEPAGE = 0x3FFD

PT_LONG = 0x0003
PT_SYSTIME = 0x0040
ATTACH_EMBEDDED_MSG = 5

MAX_DEPTH = 4
MAX_ATTACHMENTS = 50

_TOP, _EMBEDDED, _ATTACHMENT = 32, 24, 8
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


class MsgUnreadable(Exception):
    """The bytes are not an Outlook message that can be read."""


@dataclass
class MsgAttachment:
    file_name: str
    data: bytes = b""
    # An email attached to this one (Outlook's "attach as item").
    message: OutlookMessage | None = None


@dataclass
class OutlookMessage:
    subject: str | None = None
    sender: str | None = None
    message_id: str | None = None
    date: datetime | None = None
    # The internet headers of a received email, as text (empty for one never sent).
    headers: str = ""
    attachments: list[MsgAttachment] = field(default_factory=list)


def looks_like_msg(data: bytes) -> bool:
    return data[:8] == OLE_MAGIC


def read_msg(data: bytes, max_bytes: int = 150 * 1024 * 1024) -> OutlookMessage:
    """The message in a .msg file. Raises MsgUnreadable when it is not one."""
    import olefile

    if not looks_like_msg(data):
        raise MsgUnreadable("not an OLE compound file")
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - olefile raises many kinds on a damaged file
        raise MsgUnreadable("damaged compound file") from exc
    try:
        if not ole.exists("__properties_version1.0"):
            raise MsgUnreadable("an OLE file, but not an Outlook message")
        budget = [max_bytes]
        return _message(ole, [], _TOP, 0, budget)
    except MsgUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken stream anywhere makes the message unreadable
        raise MsgUnreadable("damaged Outlook message") from exc
    finally:
        ole.close()


class _Storage:
    """The streams of one storage (the message, an attachment) by property."""

    def __init__(self, ole: object, path: list[str], header: int, budget: list[int]) -> None:
        self.ole = ole
        self.path = path
        self.budget = budget
        self.fixed = self._fixed(header)
        self.codepage = self.fixed.get(PR_MESSAGE_CODEPAGE)

    def _read(self, name: str) -> bytes | None:
        full = [*self.path, name]
        ole = self.ole
        if not ole.exists(full):  # type: ignore[attr-defined]
            return None
        size = ole.get_size(full)  # type: ignore[attr-defined]
        if size > self.budget[0]:
            raise MsgUnreadable("too large to unpack")
        self.budget[0] -= size
        data: bytes = ole.openstream(full).read()  # type: ignore[attr-defined]
        return data

    def _fixed(self, header: int) -> dict[int, int]:
        raw = self._read("__properties_version1.0") or b""
        out: dict[int, int] = {}
        for offset in range(header, len(raw) - 15, 16):
            ptype, pid, _flags, value = struct.unpack_from("<HHIQ", raw, offset)
            if ptype in (PT_LONG, PT_SYSTIME):
                out[pid] = value if ptype == PT_SYSTIME else value & 0xFFFFFFFF
        return out

    def text(self, pid: int) -> str | None:
        raw = self._read(f"__substg1.0_{pid:04X}001F")
        if raw is not None:
            return raw.decode("utf-16-le", "replace").rstrip("\x00") or None
        raw = self._read(f"__substg1.0_{pid:04X}001E")
        if raw is not None:
            encoding = f"cp{self.codepage}" if self.codepage else "cp1252"
            try:
                return raw.decode(encoding, "replace").rstrip("\x00") or None
            except LookupError:
                return raw.decode("cp1252", "replace").rstrip("\x00") or None
        return None

    def binary(self, pid: int) -> bytes | None:
        return self._read(f"__substg1.0_{pid:04X}0102")

    def time(self, pid: int) -> datetime | None:
        value = self.fixed.get(pid)
        if not value:
            return None
        try:
            return _FILETIME_EPOCH + timedelta(microseconds=value // 10)
        except OverflowError:
            return None


def _children(ole: object, path: list[str], prefix: str) -> list[str]:
    names = set()
    for entry in ole.listdir(streams=True, storages=True):  # type: ignore[attr-defined]
        if len(entry) > len(path) and entry[: len(path)] == path and entry[len(path)].startswith(prefix):
            names.add(entry[len(path)])
    return sorted(names)


def _message(ole: object, path: list[str], header: int, depth: int, budget: list[int]) -> OutlookMessage:
    st = _Storage(ole, path, header, budget)
    msg = OutlookMessage(
        subject=st.text(PR_SUBJECT),
        message_id=(st.text(PR_INTERNET_MESSAGE_ID) or "").strip() or None,
        date=st.time(PR_CLIENT_SUBMIT_TIME) or st.time(PR_DELIVERY_TIME),
        headers=st.text(PR_TRANSPORT_HEADERS) or "",
    )
    smtp = st.text(PR_SENDER_SMTP)
    sender = st.text(PR_SENDER_EMAIL)
    if not smtp and sender and (st.text(PR_SENDER_ADDRTYPE) or "SMTP").upper() != "SMTP":
        sender = None  # an Exchange directory name (/O=...), not an address
    candidates = (smtp, sender, st.text(PR_SENT_REPRESENTING_EMAIL))
    msg.sender = next((c.strip().lower() for c in candidates if c and "@" in c), None)
    for name in _children(ole, path, "__attach_version1.0_#")[:MAX_ATTACHMENTS]:
        apath = [*path, name]
        att = _Storage(ole, apath, _ATTACHMENT, budget)
        file_name = att.text(PR_ATTACH_LONG_FILENAME) or att.text(PR_ATTACH_FILENAME) or ""
        if att.fixed.get(PR_ATTACH_METHOD) == ATTACH_EMBEDDED_MSG or ole.exists(  # type: ignore[attr-defined]
                [*apath, "__substg1.0_3701000D", "__properties_version1.0"]):
            if depth + 1 > MAX_DEPTH:
                continue
            inner = _message(ole, [*apath, "__substg1.0_3701000D"], _EMBEDDED, depth + 1, budget)
            msg.attachments.append(MsgAttachment(file_name or f"{inner.subject or 'email'}.msg", message=inner))
            continue
        data = att.binary(PR_ATTACH_DATA)
        if data is not None:
            msg.attachments.append(MsgAttachment(file_name, data))
    return msg
