"""The one outgoing mail queue, in the store.

Every email is queued inside the same transaction as the change it reports, under
a ``dedupe_key`` that is unique: queuing the same key twice does nothing, so a
form is never acknowledged twice, even after a crash and a re-run.
"""

from __future__ import annotations

import sqlite3

from ..store import outbox
from ..store.db import utcnow_iso
from .message import OutgoingMail

__all__ = ["OutgoingMail", "enqueue"]


def enqueue(conn: sqlite3.Connection, mail: OutgoingMail) -> int | None:
    """Queue ``mail`` unless its key is already queued. Returns the new id, or None.

    Call inside the caller's transaction (``Database.atomic()``).
    """
    if not mail.to:
        return None
    return outbox.insert_mail(
        conn,
        dedupe_key=mail.dedupe_key,
        kind=mail.kind,
        reference=mail.reference,
        to=mail.to,
        cc=mail.cc,
        subject=mail.subject,
        body=mail.body,
        attachments=mail.attachments,
        at=utcnow_iso(),
    )
