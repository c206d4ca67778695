"""What the Host's "today" reads: awards waiting for their impact form, and failed emails."""

from __future__ import annotations

import sqlite3

from .db import Database, fetch_all


def impact_awaited(db: Database | sqlite3.Connection) -> list[sqlite3.Row]:
    """Awards waiting for their impact form: reference, school, round, state, impact_due
    (of the decision in force), soonest first."""
    return fetch_all(
        db,
        "SELECT f.reference, f.school, f.round, f.state, d.impact_due FROM forms f"
        " JOIN decisions d ON d.id = (SELECT MAX(id) FROM decisions WHERE reference = f.reference)"
        " WHERE f.form_id = 'send-application' AND f.state IN ('impact_due', 'impact_overdue')"
        " ORDER BY d.impact_due, f.reference",
    )


def failed_mail(db: Database | sqlite3.Connection) -> list[sqlite3.Row]:
    """Emails that could not be sent: id, kind, reference (never the addresses or bodies)."""
    return fetch_all(db, "SELECT id, kind, reference FROM outgoing_mail WHERE status = 'failed' ORDER BY id")
