"""The school mailbox: forms sent by email, fetched over IMAP, exactly once (the
IMAP side is :mod:`forms_processor.intake.mailbox`).

One poll (:func:`poll_mailbox`):

1. connect (TLS, STARTTLS, or plain to this machine only), create the processed and
   quarantine folders when missing, select the folder, read its UIDVALIDITY;
2. for each message not yet recorded in ``processed_mail``, claim its UID first
   (``INSERT OR IGNORE ... 'processing'``: two overlapping polls never both take it);
3. fetch it without marking it seen (one message per command: ``bulk=False``);
4. a sender not configured for a school, or one the receiving server did not
   authenticate (``intake.authresults``): move to quarantine, record why, no reply;
5. the message is unpacked in a worker process under the reading limits (a message a
   limit stops is answered as not read); each form attachment becomes a :class:`Submission` through
   ``app.ingest_submissions`` (the same path as ``forms ingest``, which queues the
   acknowledgements); no usable attachment: a short reply is queued;
6. only after the forms are committed is the outcome recorded, then the message is
   moved to the processed folder. A failed move is tried again at the next poll; the
   record alone already stops the message being processed twice.

A poll that dies mid-message leaves its claim, naming the process that made it. The
next poll on this computer takes the message over at once when that process is gone
(after ``kill -9`` or a power cut); a claim from another computer, or from a process
still running, is taken over only after ``CLAIM_LEASE``. Either way the message's forms
come back as duplicates (same bytes): nothing is acknowledged twice.
"""

from __future__ import annotations

import imaplib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pydantic import Field, computed_field

from ..config import Config, Imap
from ..errors import ConfigError, UnreadableDocument
from ..intake.email_parts import ParsedEmail
from ..intake.files import not_read_part, not_read_refusal
from ..intake.mailbox import (
    authorised_sender,
    connected,
    fetch_message,
    from_address,
    headers_of,
    internal_date,
    is_automatic,
    mailbox_key,
    message_id_of,
    move_message,
    sender_check,
    suffix,
)
from ..intake.submission import Source, Submission
from ..mail import compose
from ..mail.queue import OutgoingMail, enqueue
from ..results import Result, json_data
from ..store import mailbox_log
from ..store.db import Database
from .ingest import IngestResult

log = logging.getLogger(__name__)


class MailIntake(Protocol):
    """What a poll needs of the service (FormsApp): its database, its configuration, and
    the one ingest path every source goes through."""

    db: Database

    @property
    def config(self) -> Config: ...

    def ingest_submissions(
        self, subs: Iterable[tuple[Submission, str] | tuple[Submission, str, UnreadableDocument]]
    ) -> Iterator[IngestResult]: ...

    def unpack_parts(self, data: bytes, name: str) -> ParsedEmail: ...


# A claim older than this is taken to be left by a poll that died.
CLAIM_LEASE = timedelta(minutes=30)


MAX_MESSAGES_PER_POLL = 500


# Unexpected errors on one message before it is set aside for a person (counted per run).
MAX_TRIES = 3


_FAILURES: dict[tuple[str, str, str], int] = {}


# Who holds a claim: this computer, this process, and this run of it (a restarted
# process can get the same number in a container).
_RUN = uuid.uuid4().hex[:12]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class MessageOutcome(Result):
    uid: str
    outcome: str  # ingested | no-attachment | quarantined | gone | error (tried again) | failed (left for a person)
    sender: str | None = None
    results: list[dict[str, Any]] = Field(default_factory=list)
    replied: bool = False
    moved: bool = False
    detail: str | None = None  # why, for a quarantined message


class PollReport(Result):
    mailbox: str
    uidvalidity: str = ""
    messages: list[MessageOutcome] = Field(default_factory=list)
    skipped: int = 0  # already recorded, or claimed by another poll
    moves_retried: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def processed(self) -> int:
        return len(self.messages)

    def count(self, outcome: str) -> int:
        return sum(1 for m in self.messages if m.outcome == outcome)


def poll_mailbox(
    app: MailIntake,
    imap_config: Imap | None = None,
    connect: Callable[[Imap], Any] | None = None,
    now: Callable[[], datetime] | None = None,
) -> PollReport:
    """Process every new message in the configured folder once. Raises MailUnavailable
    when the server cannot be used (nothing is lost: the messages wait there)."""
    cfg = imap_config or app.config.imap
    if cfg is None:
        raise ConfigError("No mailbox is configured.", hint="Add an [imap] table to cluster.toml (see the README).")
    clock = now or (lambda: datetime.now(UTC))
    with connected(cfg, connect, failed="The mailbox connection failed during the poll",
                   hint="The poll is tried again later; no message is lost.") as box:
        return _poll(app, cfg, box, clock)


def keep_raw_bytes(box: Any) -> None:
    """Make the connection's fetched messages keep the exact bytes the server sent (``.raw``)."""
    from imap_tools import MailMessage

    class RawMessage(MailMessage):  # type: ignore[misc]
        def __init__(self, fetch_data: list[Any]) -> None:
            super().__init__(fetch_data)
            self.raw: bytes = self._get_message_data_parts(fetch_data)[0]

    box.email_message_class = RawMessage


def _poll(app: MailIntake, cfg: Imap, box: Any, clock: Callable[[], datetime]) -> PollReport:
    keep_raw_bytes(box)
    for folder in (cfg.processed_folder, cfg.quarantine_folder):
        if not box.folder.exists(folder):
            box.folder.create(folder)
    box.folder.set(cfg.folder)
    uidvalidity = str(box.folder.status(cfg.folder, ["UIDVALIDITY"]).get("UIDVALIDITY", ""))
    key = mailbox_key(cfg)
    report = PollReport(mailbox=key, uidvalidity=uidvalidity)
    db = app.db
    done = mailbox_log.recorded(db, key, uidvalidity)
    uids = box.uids("ALL")[:MAX_MESSAGES_PER_POLL]
    for uid in uids:
        row = done.get(uid)
        if row is not None and row["outcome"] != "processing":
            report.skipped += 1
            # Recorded, but the move failed last time: try it again (a failed message stays for a person).
            if not row["moved"] and row["outcome"] != "failed":
                target = cfg.quarantine_folder if row["outcome"] == "quarantined" else cfg.processed_folder
                if move_message(box, uid, target):
                    _mark_moved(app, key, uidvalidity, uid)
                    report.moves_retried += 1
            continue
        if not _claim(app, key, uidvalidity, uid, clock()):
            report.skipped += 1
            continue
        try:
            outcome = _process_one(app, cfg, box, key, uidvalidity, uid, clock)
        except (OSError, imaplib.IMAP4.error):
            _release(app, key, uidvalidity, uid)
            raise
        except Exception as exc:  # noqa: BLE001 - one bad message never stops the poll
            outcome = _failed(app, cfg, key, uidvalidity, uid, exc, clock())
        report.messages.append(outcome)
    return report


def _failed(app: MailIntake, cfg: Imap, key: str, uidvalidity: str, uid: str, exc: Exception,
            now: datetime) -> MessageOutcome:
    """An unexpected error on one message: tried again at the next polls, then, after
    ``MAX_TRIES`` in this run, recorded as failed (never tried again) and left in the
    folder for a person, with an email to the Host. No traceback reaches the terminal."""
    log.debug("mail %s could not be processed", uid, exc_info=True)
    tries = _FAILURES[(key, uidvalidity, uid)] = _FAILURES.get((key, uidvalidity, uid), 0) + 1
    if tries < MAX_TRIES:
        _release(app, key, uidvalidity, uid)
        log.error("mail %s could not be processed (an unexpected error, %s); it stays in %s and is tried again",
                  uid, type(exc).__name__, cfg.folder)
        return MessageOutcome(uid=uid, outcome="error")
    subject, body = compose.mail_needs_looking_at(app.config, cfg.folder, now)
    alert = OutgoingMail(
        dedupe_key=f"mail-failed:{key};{uidvalidity};{uid}",
        kind="host-alert",
        to=(app.config.host.email,),
        subject=subject,
        body=body,
    )
    _record(app, key, uidvalidity, uid, None, "failed", f"unexpected error ({type(exc).__name__})", now, alert)
    log.error("mail %s could not be processed after %d tries (%s); it is left in %s and the Host has been told",
              uid, tries, type(exc).__name__, cfg.folder)
    return MessageOutcome(uid=uid, outcome="failed")


def claimant() -> str:
    """This process, as written into a claim: ``host pid run``."""
    return f"{socket.gethostname()} {os.getpid()} {_RUN}"


def claim_is_dead(holder: str | None) -> bool:
    """Whether the process named by a claim is certainly gone: it ran on this computer
    and that process no longer runs (or the number now belongs to this run, not that one)."""
    parts = (holder or "").split(" ")
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return parts[2] != _RUN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, owned by someone else
        return False
    return False


def _claim(app: MailIntake, key: str, uidvalidity: str, uid: str, now: datetime) -> bool:
    """Take the message for this poll. A claim left by a poll that died is taken over at
    once when its process is known to be gone, otherwise after the lease."""
    me = claimant()
    with app.db.atomic() as conn:
        if mailbox_log.try_claim(conn, key, uidvalidity, uid, _iso(now), me):
            return True
        row = mailbox_log.entry(conn, key, uidvalidity, uid)
        if row is None or row["outcome"] != "processing":
            return False
        if not (row["processed_at"] <= _iso(now - CLAIM_LEASE) or claim_is_dead(row["detail"])):
            return False
        if row["detail"] and row["detail"] != me:
            log.warning("mail %s was left half-done by a poll that stopped; it is processed again now", uid)
        mailbox_log.take_over_claim(conn, key, uidvalidity, uid, _iso(now), me)
        return True


def _release(app: MailIntake, key: str, uidvalidity: str, uid: str) -> None:
    mailbox_log.release_claim(app.db, key, uidvalidity, uid)


def _record(app: MailIntake, key: str, uidvalidity: str, uid: str, message_id: str | None, outcome: str,
            detail: str, now: datetime, mail: OutgoingMail | None = None, sender: str | None = None) -> bool:
    """Write the outcome (and queue a reply, in the same transaction). Returns True if a reply was queued."""
    queued = False
    with app.db.atomic() as conn:
        mailbox_log.close_entry(conn, key, uidvalidity, uid, outcome=outcome, message_id=message_id,
                                detail=detail, at=_iso(now), sender=sender)
        if mail is not None:
            queued = enqueue(conn, mail) is not None
    return queued


def _mark_moved(app: MailIntake, key: str, uidvalidity: str, uid: str) -> None:
    mailbox_log.mark_moved(app.db, key, uidvalidity, uid)


def _unpack(app: MailIntake, raw: bytes) -> tuple[ParsedEmail, UnreadableDocument | None]:
    """The message's parts (unpacked in a worker under the reading limits) and what of it
    was not read. A message whose unpacking a limit stopped has no parts: all of it is
    "not read", and the school and the Host are told so. (Who sent it was decided on its
    headers alone, before this.)"""
    try:
        parsed = app.unpack_parts(raw, "message.eml")
    except UnreadableDocument as refusal:
        try:
            subject = str(headers_of(raw).get("Subject") or "") or None
        except Exception:  # noqa: BLE001 - a Subject the email package cannot decode is none
            subject = None
        return ParsedEmail(sender=None, subject=subject, message_id=message_id_of(raw), date=None), refusal
    return parsed, not_read_refusal(parsed.not_read)


def _process_one(app: MailIntake, cfg: Imap, box: Any, key: str, uidvalidity: str, uid: str,
                 clock: Callable[[], datetime]) -> MessageOutcome:
    msg = fetch_message(box, uid)
    now = clock()
    if msg is None:  # deleted from the server meanwhile
        _record(app, key, uidvalidity, uid, None, "gone", "", now)
        return MessageOutcome(uid=uid, outcome="gone")
    raw: bytes = msg.raw
    sender = authorised_sender(app.config, raw)
    why = "sender not configured for a school"
    if sender is not None:
        check = sender_check(cfg, raw)
        if not check.trusted:
            sender, why = None, f"sender not authenticated: {check.reason}"
    if sender is None:  # quarantined on its headers alone: nothing in it is unpacked
        _record(app, key, uidvalidity, uid, message_id_of(raw), "quarantined", why, now, sender=from_address(raw))
        moved = move_message(box, uid, cfg.quarantine_folder)
        if moved:
            _mark_moved(app, key, uidvalidity, uid)
        log.info("mail %s quarantined (%s): moved to %s", uid, why.partition(":")[0], cfg.quarantine_folder)
        return MessageOutcome(uid=uid, outcome="quarantined", sender=None, moved=moved, detail=why)
    outcome = take_in(app, cfg, key, uidvalidity, uid, raw, sender, internal_date(box, uid), clock)
    outcome.moved = move_message(box, uid, cfg.processed_folder)
    if outcome.moved:
        _mark_moved(app, key, uidvalidity, uid)
    return outcome


def take_in(app: MailIntake, cfg: Imap, key: str, uidvalidity: str, uid: str, raw: bytes, sender: str,
            server_date: datetime | None, clock: Callable[[], datetime]) -> MessageOutcome:
    """Take in a message from a school (``sender``, the address to answer): each form
    attached through the one ingest path, or a short reply when none is; the outcome
    recorded against its claim. Moving it to its folder is the caller's."""
    now = clock()
    parsed, not_read = _unpack(app, raw)
    outcome = MessageOutcome(uid=uid, outcome="ingested", sender=sender)
    if parsed.attachments or not_read is not None:
        received = server_date or parsed.date or now
        if received > now:
            received = now
        origin = f"imap:{key};{uidvalidity};{uid}"
        forms = [
            Submission(
                data=att.data, file_name=att.file_name, source=Source.EMAIL, received_at=received.astimezone(UTC),
                sender=sender, subject=parsed.subject, message_id=parsed.message_id, origin=origin,
            )
            for att in parsed.attachments
        ]
        subs: list[tuple[Submission, str] | tuple[Submission, str, UnreadableDocument]] = [
            (sub, f"email from {sender}: {sub.file_name}") for sub in forms
        ]
        if not_read is not None:  # exactly what was not read, recorded and answered as a part of its own
            stand_in = not_read_part(Submission(
                data=b"", file_name="email", source=Source.EMAIL, received_at=received.astimezone(UTC),
                sender=sender, subject=parsed.subject, message_id=parsed.message_id, origin=origin,
            ), "parts of the email not read")
            subs.append((stand_in, f"email from {sender}: parts not read", not_read))
        results = list(app.ingest_submissions(subs))
        outcome.results = [json_data(r) for r in results]
        detail = ", ".join(f"{r.status} {r.reference or ''}".strip() for r in results)
        _record(app, key, uidvalidity, uid, parsed.message_id, "ingested", detail, clock())
        for r in results:
            log.info("mail %s: %s %s", uid, r.status, r.reference or "")
    else:
        outcome.outcome = "no-attachment"
        reply = None
        if not is_automatic(raw):
            subject, body = compose.no_attachment(app.config, parsed.subject, len(parsed.ignored),
                                                  other_kinds=[suffix(n) for n in parsed.ignored])
            reply = OutgoingMail(
                dedupe_key=f"no-attachment:{parsed.message_id or f'{key};{uidvalidity};{uid}'}",
                kind="no-attachment", to=(sender,), subject=subject, body=body,
            )
        outcome.replied = _record(app, key, uidvalidity, uid, parsed.message_id, "no-attachment",
                                  "replied" if reply else "automatic message: not answered", now, reply)
        log.info("mail %s from a school had no form attached%s", uid, ": reply queued" if outcome.replied else "")
    return outcome
