"""The Working Party's decisions and the responses sent for them (tables ``decisions`` and
``responses``). Each decision is a row; a correction is a new row that ``replaces`` the one
in force, so the one in force is the newest row of its application."""

from __future__ import annotations

import sqlite3
from typing import Any

from .db import Database, fetch_all, fetch_one


def insert_decision(conn: sqlite3.Connection, values: dict[str, Any]) -> int:
    """Record one decision (``values`` keyed by the decisions columns); returns its id."""
    cols = [
        "reference", "decision", "amount_awarded", "conditions", "feedback", "information_requested",
        "resubmit_by", "deferred_to", "meeting_date", "impact_due", "decided_at", "decided_by", "replaces", "reason",
    ]
    cur = conn.execute(
        f"INSERT INTO decisions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        tuple(values.get(c) for c in cols),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def has_response(db: Database | sqlite3.Connection, decision_id: int) -> bool:
    return fetch_one(db, "SELECT 1 FROM responses WHERE decision_id = ?", (decision_id,)) is not None


def responses_to(db: Database | sqlite3.Connection, decision_id: int) -> list[sqlite3.Row]:
    """The responses sent for one decision, first first."""
    return fetch_all(db, "SELECT * FROM responses WHERE decision_id = ? ORDER BY id", (decision_id,))


def count_responses(conn: sqlite3.Connection, decision_id: int) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM responses WHERE decision_id = ?", (decision_id,)).fetchone()[0])


def decisions_answered_before(conn: sqlite3.Connection, reference: str, decision_id: int) -> int:
    """How many earlier decisions of this application have had a response."""
    return int(conn.execute(
        "SELECT COUNT(DISTINCT decision_id) FROM responses WHERE reference = ? AND decision_id < ?",
        (reference, decision_id),
    ).fetchone()[0])


def insert_response(conn: sqlite3.Connection, values: dict[str, Any]) -> None:
    cols = ["reference", "decision_id", "dedupe_key", "docx_path", "pdf_path", "mail_id", "resend",
            "created_at", "created_by", "round"]
    conn.execute(
        f"INSERT INTO responses ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        tuple(values.get(c) for c in cols),
    )


def unanswered_references(db: Database | sqlite3.Connection) -> list[str]:
    """Applications whose decision in force has no response yet."""
    rows = fetch_all(
        db,
        "SELECT d.reference FROM decisions d"
        " WHERE d.id = (SELECT MAX(id) FROM decisions WHERE reference = d.reference)"
        " AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.decision_id = d.id)"
        " ORDER BY d.reference",
    )
    return [r[0] for r in rows]
