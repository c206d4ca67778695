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


# -- a round's figures (forms status) --------------------------------------------------------


def response_mail_counts(db: Database | sqlite3.Connection, round_name: str) -> dict[str, int]:
    """The round's responses by what became of their email: sent, failed, queued, no_address."""
    rows = fetch_all(
        db,
        "SELECT CASE WHEN m.id IS NULL THEN 'no_address' WHEN m.status = 'sent' THEN 'sent'"
        " WHEN m.status = 'failed' THEN 'failed' ELSE 'queued' END, COUNT(*)"
        " FROM responses r LEFT JOIN outgoing_mail m ON m.id = r.mail_id"
        " JOIN forms f ON f.reference = r.reference WHERE COALESCE(r.round, f.round) = ? GROUP BY 1",
        (round_name,),
    )
    return {r[0]: r[1] for r in rows}


def unanswered_in_round(db: Database | sqlite3.Connection, form_id: str, round_name: str) -> int:
    """Forms of the round whose decision in force has no response yet."""
    row = fetch_one(
        db,
        "SELECT COUNT(*) FROM decisions d CROSS JOIN forms f ON f.reference = d.reference"  # the decisions first:
        " WHERE d.id = (SELECT MAX(id) FROM decisions WHERE reference = d.reference)"  # far fewer than forms
        " AND f.form_id = ? AND f.round = ?"
        " AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.decision_id = d.id)",
        (form_id, round_name),
    )
    return int(row[0]) if row is not None else 0


def in_force_of_round(db: Database | sqlite3.Connection, round_name: str, states: tuple[str, ...]) -> list[sqlite3.Row]:
    """Each form of the round in one of ``states`` with its decision in force's impact due date."""
    marks = ", ".join("?" * len(states))
    return fetch_all(
        db,
        "SELECT f.reference, f.state, d.impact_due FROM decisions d CROSS JOIN forms f ON f.reference = d.reference"
        " WHERE d.id = (SELECT MAX(id) FROM decisions WHERE reference = d.reference)"
        f" AND f.round = ? AND f.state IN ({marks})",
        (round_name, *states),
    )


def decisions_of(db: Database | sqlite3.Connection, reference: str) -> list[sqlite3.Row]:
    """Every decision recorded for one application, oldest first (corrections included)."""
    return fetch_all(db, "SELECT * FROM decisions WHERE reference = ? ORDER BY id", (reference,))
