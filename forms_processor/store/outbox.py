"""Reads and writes of the outgoing mail queue (the ``outgoing_mail`` table).

A mail's ``status`` goes 'queued' -> 'sending' (claimed, with a lease in
``next_attempt_at``) -> 'sent', or back to 'queued' with a backoff, or 'failed'.
``mail/queue.py`` queues mail and ``mail/sender.py`` sends it; both through these
functions. Times are the store's ISO strings (``2026-12-02T14:30:00+00:00``).

Functions taking a ``sqlite3.Connection`` run inside the caller's transaction
(``with db.atomic() as conn``); those taking ``Database | sqlite3.Connection`` also
run on their own.
"""

from __future__ import annotations

import json
import sqlite3

from .db import Database, fetch_all, fetch_one


def insert_mail(
    conn: sqlite3.Connection,
    *,
    dedupe_key: str,
    kind: str,
    reference: str | None,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    subject: str,
    body: str,
    attachments: tuple[str, ...],
    at: str,
) -> int | None:
    """Queue a mail, due at once, unless its ``dedupe_key`` is already queued.
    Returns the new id, or None when the key was there already."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO outgoing_mail"
        " (dedupe_key, kind, reference, to_addrs, cc_addrs, subject, body, attachments,"
        "  status, attempts, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
        (
            dedupe_key,
            kind,
            reference,
            json.dumps(list(to)),
            json.dumps(list(cc)),
            subject,
            body,
            json.dumps(list(attachments)),
            at,
            at,
        ),
    )
    return cur.lastrowid if cur.rowcount else None


# -- sending ---------------------------------------------------------------------


def requeue_sending(conn: sqlite3.Connection, *, at: str, everything: bool) -> int:
    """Mails left 'sending' go back to 'queued', due ``at``: those whose lease ran out
    by ``at``, or with ``everything`` all of them. Returns how many."""
    cur = conn.execute(
        "UPDATE outgoing_mail SET status = 'queued', next_attempt_at = ?"
        " WHERE status = 'sending' AND (? OR next_attempt_at <= ?)",
        (at, 1 if everything else 0, at),
    )
    return cur.rowcount


def next_due(conn: sqlite3.Connection, at: str) -> sqlite3.Row | None:
    """The queued mail due first by ``at`` (a whole ``outgoing_mail`` row), or None."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM outgoing_mail WHERE status = 'queued' AND next_attempt_at <= ?"
        " ORDER BY next_attempt_at, id LIMIT 1",
        (at,),
    ).fetchone()
    return row


def mark_sending(conn: sqlite3.Connection, mail_id: int, *, lease_until: str) -> bool:
    """Claim a queued mail: 'sending' until ``lease_until``. False when it was not queued."""
    cur = conn.execute(
        "UPDATE outgoing_mail SET status = 'sending', next_attempt_at = ? WHERE id = ? AND status = 'queued'",
        (lease_until, mail_id),
    )
    return cur.rowcount == 1


def mark_sent(db: Database | sqlite3.Connection, mail_id: int, *, at: str, via: str) -> None:
    """A mail being sent was taken by the server (``via`` says where it went)."""
    db.execute(
        "UPDATE outgoing_mail SET status = 'sent', sent_at = ?, sent_via = ?, last_error = NULL"
        " WHERE id = ? AND status = 'sending'",
        (at, via, mail_id),
    )


def mark_attempt_failed(
    conn: sqlite3.Connection, mail_id: int, *, failed: bool, attempts: int, next_attempt_at: str, error: str
) -> None:
    """A mail being sent was not sent: 'failed' for good, or 'queued' again for ``next_attempt_at``."""
    conn.execute(
        "UPDATE outgoing_mail SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?"
        " WHERE id = ? AND status = 'sending'",
        ("failed" if failed else "queued", attempts, next_attempt_at, error, mail_id),
    )


def postpone_queued(db: Database | sqlite3.Connection, *, until: str, except_id: int) -> None:
    """Every queued mail due before ``until`` (but ``except_id``) waits until then."""
    db.execute(
        "UPDATE outgoing_mail SET next_attempt_at = ? WHERE status = 'queued' AND next_attempt_at < ? AND id != ?",
        (until, until, except_id),
    )


# -- the state of the queue --------------------------------------------------------


def counts_by_kind_and_status(db: Database | sqlite3.Connection) -> list[sqlite3.Row]:
    """Rows of (kind, status, n)."""
    return fetch_all(db, "SELECT kind, status, COUNT(*) AS n FROM outgoing_mail GROUP BY kind, status")


def oldest_queued(db: Database | sqlite3.Connection) -> sqlite3.Row | None:
    """The queued mail queued first: id, kind, reference, created_at, next_attempt_at,
    attempts, last_error (never its body)."""
    return fetch_one(
        db,
        "SELECT id, kind, reference, created_at, next_attempt_at, attempts, last_error FROM outgoing_mail"
        " WHERE status = 'queued' ORDER BY created_at, id LIMIT 1",
    )


def count_due(db: Database | sqlite3.Connection, at: str) -> int:
    """How many queued mails are due by ``at``."""
    row = fetch_one(db, "SELECT COUNT(*) AS n FROM outgoing_mail WHERE status = 'queued' AND next_attempt_at <= ?", (at,))
    return int(row["n"]) if row else 0


def latest_errors(db: Database | sqlite3.Connection) -> list[sqlite3.Row]:
    """The ten newest mails still queued or failed that have an error: id, kind,
    reference, status, attempts, next_attempt_at, last_error."""
    return fetch_all(
        db,
        "SELECT id, kind, reference, status, attempts, next_attempt_at, last_error FROM outgoing_mail"
        " WHERE last_error IS NOT NULL AND status IN ('queued', 'failed') ORDER BY id DESC LIMIT 10",
    )


def last_sent_at(db: Database | sqlite3.Connection) -> str | None:
    """When the last mail was sent, or None."""
    row = fetch_one(db, "SELECT MAX(sent_at) AS at FROM outgoing_mail WHERE status = 'sent'")
    return row["at"] if row else None


# -- retry -----------------------------------------------------------------------


def retryable(conn: sqlite3.Connection, at: str) -> list[sqlite3.Row]:
    """(id, status) of every failed mail and every queued one waiting past ``at``, by id."""
    return list(
        conn.execute(
            "SELECT id, status FROM outgoing_mail WHERE status = 'failed'"
            " OR (status = 'queued' AND next_attempt_at > ?) ORDER BY id",
            (at,),
        ).fetchall()
    )


def status_of(db: Database | sqlite3.Connection, mail_id: int) -> sqlite3.Row | None:
    """(id, status) of one mail, or None when there is no such mail."""
    return fetch_one(db, "SELECT id, status FROM outgoing_mail WHERE id = ?", (mail_id,))


def requeue(conn: sqlite3.Connection, mail_id: int, *, at: str) -> None:
    """Queue a mail again, due ``at``."""
    conn.execute("UPDATE outgoing_mail SET status = 'queued', next_attempt_at = ? WHERE id = ?", (at, mail_id))


def latest(db: Database | sqlite3.Connection, status: str | None = None, limit: int = 20) -> list[sqlite3.Row]:
    """The newest mails (of one status, or any): to whom, subject, state, tries and the
    server's last words. Never the body."""
    where, params = ("WHERE status = ?", (status, limit)) if status else ("", (limit,))
    return fetch_all(
        db,
        "SELECT id, kind, reference, to_addrs, subject, status, attempts, last_error, created_at, sent_at"
        f" FROM outgoing_mail {where} ORDER BY id DESC LIMIT ?",  # noqa: S608 - a fixed clause
        params,
    )
