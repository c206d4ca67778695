"""Sending the queue: claim a due mail, send it, record the outcome.

Each mail is claimed in its own transaction (``status`` from 'queued' to 'sending',
with a lease in ``next_attempt_at``), so two processes never send the same one. When
the server cannot be reached the mail goes back to 'queued' with a backoff and the
rest of the queue waits with it; after ``MAX_ATTEMPTS`` it is 'failed' (``forms mail
retry`` queues it again). When the server refuses one mail, only that mail is held: a
permanent refusal (5xx) fails it at once with the server's words, a temporary one (4xx)
puts it back on its own backoff, and the queue goes on.

Only one process sends at a time: :func:`send_due` holds a lock file beside the
database while it sends (the lock dies with its process, even after ``kill -9``), and
a second caller finds it busy and leaves the queue to the first. So whoever holds the
lock knows that any mail still 'sending' was left by a process that stopped, and puts
it back at once instead of waiting for its lease.

The one window left: a crash after the server accepted a mail and before 'sent' is
committed (one short write) sends that mail again at the next send. The Message-ID is
the same both times, so mail clients show it once; the .eml outbox writes it once.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field

from ..errors import MailUnavailable, NotFound, StorageError
from ..home import Home
from ..locking import FileLock
from ..results import Result
from ..store import outbox
from ..store.db import Database
from . import oauth
from .smtp import SmtpTransport
from .transport import FileTransport, MailDeferred, MailRefused, QueuedMail, Transport

log = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, ... failed attempt (the last one repeats).
BACKOFF_MINUTES = (1, 2, 5, 10, 30, 60)
MAX_ATTEMPTS = 12
# How long a claimed mail may stay 'sending' before it is taken to be abandoned (a crash).
LEASE = timedelta(minutes=10)
# Held by the process sending the queue, beside the database.
SENDER_LOCK = "mail-sending.lock"


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts (1 → 1 minute, capped at an hour)."""
    index = min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1
    return timedelta(minutes=BACKOFF_MINUTES[index])


class SendReport(Result):
    sent: list[dict[str, Any]] = Field(default_factory=list)
    deferred: list[dict[str, Any]] = Field(default_factory=list)
    failed: list[dict[str, Any]] = Field(default_factory=list)
    recovered: int = 0
    # Set when the server could not be reached: the rest of the queue waits.
    unavailable: str | None = None
    # Another process was sending the queue: nothing was done here.
    busy: bool = False


def _row_to_mail(row: sqlite3.Row) -> QueuedMail:
    created = None
    if row["created_at"]:
        try:
            created = datetime.fromisoformat(row["created_at"])
        except ValueError:
            created = None
    return QueuedMail(
        id=row["id"],
        dedupe_key=row["dedupe_key"],
        kind=row["kind"],
        reference=row["reference"],
        to=tuple(json.loads(row["to_addrs"])),
        cc=tuple(json.loads(row["cc_addrs"] or "[]")),
        subject=row["subject"],
        body=row["body"],
        attachments=tuple(json.loads(row["attachments"] or "[]")),
        created_at=created,
        attempts=row["attempts"],
    )


def recover_stuck(db: Database, now: datetime, everything: bool = False) -> int:
    """Put back mails left 'sending' by a process that stopped: those whose lease expired,
    or, with ``everything`` (the caller holds the sender lock, so nobody else is sending),
    all of them."""
    with db.atomic() as conn:
        count = outbox.requeue_sending(conn, at=iso(now), everything=everything)
    if count:
        log.warning("%d email(s) left half-sent by an earlier run were queued again", count)
    return count


def claim_next(db: Database, now: datetime) -> QueuedMail | None:
    """Claim the next due mail (one transaction), or None when nothing is due."""
    with db.atomic() as conn:
        row = outbox.next_due(conn, iso(now))
        if row is None:
            return None
        if not outbox.mark_sending(conn, row["id"], lease_until=iso(now + LEASE)):
            # cannot happen under BEGIN IMMEDIATE; kept as a guard
            return None
    return _row_to_mail(row)


def send_due(db: Database, home: Home | None, transport: Transport, now: datetime, limit: int | None = None) -> SendReport:
    """Send every mail due at ``now`` (at most ``limit``). Stops when the server cannot
    be reached or used, leaving the rest queued; a mail the server refuses fails (5xx) or
    waits (4xx) on its own and the others go on. When another process is sending the
    queue, does nothing (``busy``): that one sends what is due."""
    del home  # the transport already knows the home; kept for a uniform signature
    lock = FileLock(db.path.parent / SENDER_LOCK)
    if not lock.acquire():
        return SendReport(busy=True)
    try:
        return _send_due(db, transport, now, limit)
    finally:
        lock.release()


def _send_due(db: Database, transport: Transport, now: datetime, limit: int | None) -> SendReport:
    report = SendReport(recovered=recover_stuck(db, now, everything=True))
    count = 0
    while limit is None or count < limit:
        mail = claim_next(db, now)
        if mail is None:
            break
        count += 1
        try:
            where = transport.send(mail)
        except MailRefused as exc:
            _record_failure(db, mail, now, exc.message, final=True)
            report.failed.append(_brief(mail, error=exc.message))
            log.warning("email %d (%s) could not be sent: %s", mail.id, mail.kind, exc.message)
            continue
        except StorageError as exc:
            # The disk is full (the .eml outbox, or the database): the mail goes back to the
            # queue untouched, if that can be saved (else it is put back at the next send).
            try:
                with db.atomic() as conn:
                    outbox.requeue(conn, mail.id, at=iso(now))
            except Exception:  # noqa: BLE001 - the database may be full too
                log.debug("could not put email %d back in the queue", mail.id)
            log.warning("email %d (%s) not sent: %s", mail.id, mail.kind, exc.message)
            raise
        except MailDeferred as exc:
            final = _record_failure(db, mail, now, exc.message, final=False)
            (report.failed if final else report.deferred).append(_brief(mail, error=exc.message))
            log.warning("email %d (%s) not taken now, tried again later: %s", mail.id, mail.kind, exc.message)
            continue
        except MailUnavailable as exc:
            final = _record_failure(db, mail, now, exc.message, final=False)
            (report.failed if final else report.deferred).append(_brief(mail, error=exc.message))
            report.unavailable = exc.message
            _postpone_rest(db, mail, now)
            log.warning("email %d (%s) not sent: %s", mail.id, mail.kind, exc.message)
            break
        except Exception as exc:  # noqa: BLE001 - a transport bug must not leave the mail 'sending'
            message = f"unexpected error while sending ({type(exc).__name__})"
            final = _record_failure(db, mail, now, message, final=False)
            (report.failed if final else report.deferred).append(_brief(mail, error=message))
            log.error("email %d (%s): %s; it will be tried again", mail.id, mail.kind, message)
            log.debug("unexpected error while sending", exc_info=True)
            continue
        # Straight after the server took it: the shorter this gap, the smaller the resend window.
        outbox.mark_sent(db, mail.id, at=iso(now), via=where)
        report.sent.append(_brief(mail, via=where))
        log.info("email %d (%s%s) sent: %s", mail.id, mail.kind, f", {mail.reference}" if mail.reference else "", where)
    return report


def _brief(mail: QueuedMail, **extra: Any) -> dict[str, Any]:
    return {"id": mail.id, "kind": mail.kind, "reference": mail.reference, **extra}


def _record_failure(db: Database, mail: QueuedMail, now: datetime, error: str, final: bool) -> bool:
    """Back to 'queued' with a backoff, or 'failed'. Returns True when now 'failed'."""
    attempts = mail.attempts + 1
    final = final or attempts >= MAX_ATTEMPTS
    with db.atomic() as conn:
        outbox.mark_attempt_failed(
            conn, mail.id, failed=final, attempts=attempts, next_attempt_at=iso(now + backoff(attempts)),
            error=error[:500],
        )
    return final


def _postpone_rest(db: Database, mail: QueuedMail, now: datetime) -> None:
    """The server is down: the other due mails wait as long as this one (attempts unchanged)."""
    until = iso(now + backoff(mail.attempts + 1))
    outbox.postpone_queued(db, until=until, except_id=mail.id)


def transport_for(home: Home, **smtp_options: Any) -> Transport:
    """SMTP when ``[smtp]`` is configured, else .eml files in ``outbox/mail/``."""
    cfg = home.config
    name = f"{cfg.cluster.name} SEND forms"
    if cfg.smtp is not None:
        sender = cfg.smtp.sender or (cfg.smtp.username if cfg.smtp.username and "@" in cfg.smtp.username else None)
        if cfg.smtp.auth == "oauth2" and "tokens" not in smtp_options:
            smtp_options["tokens"] = oauth.source_for("smtp", cfg.smtp, home.data)
        smtp_options.setdefault("timeout", cfg.smtp.timeout_seconds)
        return SmtpTransport(
            cfg.smtp, home.root, sender=sender or cfg.host.email, sender_name=name, reply_to=cfg.host.email,
            copy_to=(cfg.host.email,) if cfg.host.copies else (), **smtp_options,
        )
    return FileTransport(home.mail_outbox, home.root, sender=cfg.host.email, sender_name=name,
                         reply_to=cfg.host.email, tz=cfg.tz)


# -- for the CLI -------------------------------------------------------------------


def mail_status(db: Database, now: datetime | None = None) -> dict[str, Any]:
    """Counts by status and kind, the oldest queued mail, the latest errors. Never bodies."""
    now = now or datetime.now(UTC)
    counts = {s: 0 for s in ("queued", "sending", "sent", "failed")}
    by_kind: dict[str, dict[str, int]] = {}
    for row in outbox.counts_by_kind_and_status(db):
        counts[row["status"]] = counts.get(row["status"], 0) + row["n"]
        by_kind.setdefault(row["kind"], {})[row["status"]] = row["n"]
    oldest = outbox.oldest_queued(db)
    due_now = outbox.count_due(db, iso(now))
    errors = outbox.latest_errors(db)
    last_sent_at = outbox.last_sent_at(db)
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "by_kind": by_kind,
        "due_now": due_now,
        "oldest_queued": dict(oldest) if oldest else None,
        "last_sent_at": last_sent_at,
        "errors": [dict(r) for r in errors],
    }


def retry(db: Database, ids: list[int] | None, now: datetime | None = None) -> dict[str, Any]:
    """Queue again, due now: the given ids, or (``ids=None``) every failed mail and every
    mail waiting for a retry. A mail already sent is never queued again."""
    now = now or datetime.now(UTC)
    requeued: list[int] = []
    skipped: list[dict[str, Any]] = []
    with db.atomic() as conn:
        if ids is None:
            rows = outbox.retryable(conn, iso(now))
        else:
            rows = []
            for mail_id in ids:
                row = outbox.status_of(conn, mail_id)
                if row is None:
                    raise NotFound(
                        f"There is no queued email number {mail_id}.",
                        hint="Run 'forms mail status' to see the emails waiting and their numbers.",
                    )
                rows.append(row)
        for row in rows:
            if row["status"] in ("failed", "queued"):
                outbox.requeue(conn, row["id"], at=iso(now))
                requeued.append(row["id"])
            else:
                reason = "already sent" if row["status"] == "sent" else "being sent now"
                skipped.append({"id": row["id"], "status": row["status"], "reason": reason})
    return {"requeued": requeued, "skipped": skipped}
