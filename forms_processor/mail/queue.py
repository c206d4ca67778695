"""The one outgoing mail queue, in the store.

Every email is queued inside the same transaction as the change it reports, under
a ``dedupe_key`` that is unique: queuing the same key twice does nothing, so a
form is never acknowledged twice, even after a crash and a re-run.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from ..store.db import utcnow_iso


@dataclass(frozen=True)
class OutgoingMail:
    dedupe_key: str
    kind: str
    to: tuple[str, ...]
    subject: str
    body: str
    cc: tuple[str, ...] = ()
    # Paths relative to the home folder.
    attachments: tuple[str, ...] = field(default=())
    reference: str | None = None


def enqueue(conn: sqlite3.Connection, mail: OutgoingMail) -> int | None:
    """Queue ``mail`` unless its key is already queued. Returns the new id, or None.

    Call inside the caller's transaction (``Database.atomic()``).
    """
    if not mail.to:
        return None
    now = utcnow_iso()
    cur = conn.execute(
        "INSERT OR IGNORE INTO outgoing_mail"
        " (dedupe_key, kind, reference, to_addrs, cc_addrs, subject, body, attachments,"
        "  status, attempts, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
        (
            mail.dedupe_key,
            mail.kind,
            mail.reference,
            json.dumps(list(mail.to)),
            json.dumps(list(mail.cc)),
            mail.subject,
            mail.body,
            json.dumps(list(mail.attachments)),
            now,
            now,
        ),
    )
    return cur.lastrowid if cur.rowcount else None
