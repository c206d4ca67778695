"""How a queued email leaves: over SMTP (yagmail), or as an .eml file in ``outbox/mail/``.

Both transports send the same message, made by :func:`build_eml`: a text/plain body
exactly as composed, and the attachments. Over SMTP (``SmtpTransport``, in ``smtp``), yagmail opens the connection
(implicit TLS or STARTTLS with our verifying context) and we send that message on it.
We do not let yagmail compose the message: its ``prepare_message`` (0.16) turns every
newline of a text body into ``<br>``, in the text/plain part as well as in the HTML
part it adds, and puts the text into that HTML part unescaped; nothing in its
arguments turns that off (``yagmail.raw`` only stops a text being taken for a file
path). Its ``send`` also retries with sleeps after a disconnect; the queue retries.

Both transports take one :class:`QueuedMail` and return where it went, or raise
:class:`~forms_processor.errors.MailUnavailable` (the server cannot be reached or used:
the mail stays queued and the rest of the queue waits with it), :class:`MailDeferred`
(the server said "not now" to this one mail, a 4xx reply to its recipients or its
content: it is retried on its own back-off and the others go on) or :class:`MailRefused`
(this mail can never go as it is: a 5xx reply, a missing attachment; it is marked failed
with the server's words and the others go on).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from ..errors import MailUnavailable, storage_fault
from ..home import save_owner_only
from .message import OutgoingMail

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class MailRefused(MailUnavailable):
    """This one mail cannot be sent as it is (retrying will not help)."""


class MailDeferred(MailUnavailable):
    """The server would not take this one mail now (a 4xx reply); it may later."""


def server_words(reply: bytes | str | None, limit: int = 200) -> str:
    """What the server said, as one short printable line (never the mail's contents)."""
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    text = " ".join((reply or "").split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text[:limit]


def refusal(code: int, reply: bytes | str | None, what: str) -> MailUnavailable:
    """A 5xx reply about one mail fails that mail; any other reply about it defers it."""
    words = server_words(reply)
    said = f"{code} {words}".strip()
    if 500 <= code < 600:
        return MailRefused(
            f"The mail server refused {what} for good: {said}.",
            hint="Check the address or the email, then 'forms mail retry' it; the other emails went on.",
        )
    return MailDeferred(
        f"The mail server did not take {what} now: {said}.",
        hint="It is tried again later by itself; the other emails went on.",
    )


@dataclass(frozen=True, kw_only=True)
class QueuedMail(OutgoingMail):
    """One row of ``outgoing_mail`` as the transports see it: the mail that was queued,
    with its id, when it was queued and how often sending was tried."""

    id: int
    created_at: datetime | None = None
    attempts: int = 0

    def message_id(self, domain: str) -> str:
        """A Message-ID that is the same every time this queued mail is sent, so a
        mail resent after a crash is recognisable as the same message."""
        digest = hashlib.sha256(self.dedupe_key.encode("utf-8")).hexdigest()[:16]
        return f"<forms.{self.id}.{digest}@{domain or 'localhost'}>"


class Transport(Protocol):
    def send(self, msg: QueuedMail) -> str:
        """Send ``msg``; return where it went (``smtp:host`` or ``file:path``)."""
        ...

    def abort(self) -> None:
        """Cut a send in progress short (from another thread); send nothing more."""
        ...

    def close(self) -> None: ...


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def resolve_attachments(home_root: Path, attachments: tuple[str, ...]) -> list[Path]:
    """Absolute paths of a mail's attachments, each inside the home; MailRefused otherwise."""
    root = home_root.resolve()
    out: list[Path] = []
    for rel in attachments:
        path = (root / Path(rel).expanduser()).resolve()
        if root != path and root not in path.parents:
            raise MailRefused(f"An attachment ({rel}) is outside the home folder; the email was not sent.")
        if not path.is_file():
            raise MailRefused(
                f"An attachment ({rel}) is missing; the email was not sent.",
                hint="Make the file again (e.g. the response form), then run 'forms mail retry'.",
            )
        out.append(path)
    return out


def _headers(msg: QueuedMail, reply_to: str | None) -> dict[str, str]:
    headers = {
        # RFC 3834: an automatic message; well-behaved auto-responders do not answer it.
        "Auto-Submitted": "auto-generated",
        "X-Forms-Mail-Id": str(msg.id),
        "X-Forms-Kind": msg.kind,
    }
    if msg.reference:
        headers["X-Forms-Reference"] = msg.reference
    if reply_to:
        headers["Reply-To"] = reply_to
    return headers


# -- files -----------------------------------------------------------------------


def _short_kind(kind: str) -> str:
    return "ack" if kind.startswith("ack") else kind


def build_eml(msg: QueuedMail, sender: str, sender_name: str | None, paths: list[Path],
              reply_to: str | None = None, date: datetime | None = None) -> EmailMessage:
    """The email as a standard message (what the file transport writes)."""
    em = EmailMessage()
    em["From"] = formataddr((sender_name, sender)) if sender_name else sender
    em["To"] = ", ".join(msg.to)
    if msg.cc:
        em["Cc"] = ", ".join(msg.cc)
    em["Subject"] = msg.subject
    em["Date"] = format_datetime(date or datetime.now(UTC))
    em["Message-ID"] = msg.message_id(_domain(sender))
    for key, value in _headers(msg, reply_to).items():
        em[key] = value
    em.set_content(msg.body)
    for path in paths:
        ctype, _ = mimetypes.guess_type(path.name)
        maintype, _, subtype = (ctype or "application/octet-stream").partition("/")
        em.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return em


class FileTransport:
    """Writes each email as an .eml file (owner-only) in ``folder``, named so a person
    can find it: ``2026-11-29 0930 ack WVC-2627-AU2-014.eml``. Sending the same queued
    mail again returns the file already written."""

    def __init__(self, folder: Path, home_root: Path, *, sender: str, sender_name: str | None = None,
                 reply_to: str | None = None, tz: ZoneInfo | None = None) -> None:
        self.folder = folder
        self.home_root = home_root
        self.sender = sender
        self.sender_name = sender_name
        self.reply_to = reply_to
        self.tz = tz or ZoneInfo("UTC")

    def _stem(self, msg: QueuedMail) -> str:
        when = (msg.created_at or datetime.now(UTC)).astimezone(self.tz)
        who = msg.reference or (msg.to[0].replace("@", " at ") if msg.to else f"mail {msg.id}")
        stem = f"{when:%Y-%m-%d %H%M} {_short_kind(msg.kind)} {who}"
        return "".join(ch if ch.isalnum() or ch in " -_.,()" else "_" for ch in stem)[:150]

    def _already_written(self, stem: str, msg: QueuedMail) -> Path | None:
        marker = f"X-Forms-Mail-Id: {msg.id}\n".encode()
        for path in self.folder.glob(f"{stem}*.eml"):
            try:
                with open(path, "rb") as fh:
                    head = fh.read(4096).replace(b"\r\n", b"\n")
            except OSError:
                continue
            if marker in head.split(b"\n\n", 1)[0] + b"\n":
                return path
        return None

    def send(self, msg: QueuedMail) -> str:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            stem = self._stem(msg)
            done = self._already_written(stem, msg)
            if done is not None:
                return f"file:{done}"
            paths = resolve_attachments(self.home_root, msg.attachments)
            data = bytes(build_eml(msg, self.sender, self.sender_name, paths, self.reply_to))
            tmp = self.folder / f".writing-{msg.id}-{os.getpid()}.part"
            save_owner_only(tmp, data)
            n = 1
            while True:
                target = self.folder / (f"{stem}.eml" if n == 1 else f"{stem} ({n}).eml")
                try:
                    os.link(tmp, target)  # never overwrites a file already there
                    break
                except FileExistsError:
                    n += 1
            os.unlink(tmp)
            return f"file:{target}"
        except MailUnavailable:
            raise
        except OSError as exc:
            fault = storage_fault(exc, f"writing an email to {self.folder}")
            if fault is not None and fault.kind != "permission":
                raise fault from None
            raise MailUnavailable(
                f"The email could not be written to {self.folder} ({exc.strerror or type(exc).__name__}).",
                hint="Check that the outbox folder exists and can be written to.",
            ) from None

    def abort(self) -> None:
        return None

    def close(self) -> None:
        return None
