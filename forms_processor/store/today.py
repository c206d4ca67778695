"""What the Host's "today" reads: awards waiting for their impact form, failed emails, and
long lists counted and cut short (the first rows only), so a page never loads every form."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .db import Database, fetch_all, fetch_one


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


# -- counted and cut short: what a page shows of a long list ------------------------------------

_LISTED = ("SELECT f.reference, f.form_id, f.school, f.round, f.state, f.intervention, f.amount_requested,"
           " f.linked_ref, f.created_at, s.received_at FROM forms f JOIN submissions s ON s.id = f.submission_id")


def _where(states: tuple[str, ...], form_id: str | None, round_name: str | None,
           received_after: str | None, school: str | None = None,
           references: list[str] | None = None) -> tuple[str, list[Any]]:
    sql = f" WHERE f.state IN ({', '.join('?' for _ in states)})"
    params: list[Any] = [*states]
    if form_id is not None:
        sql += " AND f.form_id = ?"
        params.append(form_id)
    if round_name is not None:
        sql += " AND f.round = ?"
        params.append(round_name)
    if school is not None:
        sql += " AND f.school = ?"
        params.append(school)
    if references is not None:  # one parameter however many: a JSON list
        sql += " AND f.reference IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(references))
    if received_after is not None:  # julianday reads the stored time's offset, so any zone compares right
        sql += " AND julianday(s.received_at) > julianday(?)"
        params.append(received_after)
    return sql, params


def count_forms(db: Database | sqlite3.Connection, states: tuple[str, ...], form_id: str | None, *,
                round_name: str | None = None, received_after: str | None = None, school: str | None = None,
                references: list[str] | None = None) -> int:
    """How many forms (of ``form_id``, or of any form) are in one of ``states`` (of one round,
    of one school; received after an instant, ISO 8601 with its offset; among ``references``)."""
    where, params = _where(states, form_id, round_name, received_after, school, references)
    joined = " JOIN submissions s ON s.id = f.submission_id" if received_after is not None else ""
    row = fetch_one(db, "SELECT COUNT(*) FROM forms f" + joined + where, tuple(params))
    return int(row[0]) if row else 0


def first_forms(db: Database | sqlite3.Connection, states: tuple[str, ...], form_id: str | None, limit: int, *,
                round_name: str | None = None, received_after: str | None = None, school: str | None = None,
                offset: int = 0, references: list[str] | None = None) -> list[sqlite3.Row]:
    """The oldest ``limit`` such forms (after skipping ``offset``): reference, form_id, school,
    round, state, intervention, amount_requested, linked_ref, created_at, received_at (never
    the fields read, so a long list costs little)."""
    where, params = _where(states, form_id, round_name, received_after, school, references)
    return fetch_all(db, _LISTED + where + " ORDER BY f.created_at, f.reference LIMIT ? OFFSET ?",
                     (*params, limit, offset))


def counts_by_round(db: Database | sqlite3.Connection, states: tuple[str, ...], form_id: str) -> dict[str | None, int]:
    """round -> how many forms of ``form_id`` are in one of ``states``."""
    marks = ", ".join("?" for _ in states)
    rows = fetch_all(db, f"SELECT round, COUNT(*) FROM forms WHERE form_id = ? AND state IN ({marks}) GROUP BY round",
                     (form_id, *states))
    return {r[0]: int(r[1]) for r in rows}


def neighbours(db: Database | sqlite3.Connection, reference: str, form_id: str, state: str,
               round_name: str | None) -> tuple[str | None, str | None]:
    """The references before and after ``reference`` in the list of forms of ``form_id`` in
    ``state`` of the same round, oldest first (the reference itself need not be in it)."""
    row = fetch_one(db, "SELECT created_at FROM forms WHERE reference = ?", (reference,))
    if row is None:
        return None, None
    same = "form_id = ? AND state = ? AND round IS ?"
    base = (form_id, state, round_name)
    before = fetch_one(db, f"SELECT reference FROM forms WHERE {same} AND (created_at, reference) < (?, ?)"
                           " ORDER BY created_at DESC, reference DESC LIMIT 1", (*base, row[0], reference))
    after = fetch_one(db, f"SELECT reference FROM forms WHERE {same} AND (created_at, reference) > (?, ?)"
                          " ORDER BY created_at, reference LIMIT 1", (*base, row[0], reference))
    return (before[0] if before else None), (after[0] if after else None)


def count_without_messages(db: Database | sqlite3.Connection, state: str, form_id: str, round_name: str,
                           severities: tuple[str, ...]) -> int:
    """How many forms of the round in ``state`` have no message of any of ``severities``."""
    marks = ", ".join("?" for _ in severities)
    row = fetch_one(db, "SELECT COUNT(*) FROM forms f WHERE f.form_id = ? AND f.state = ? AND f.round = ?"
                        f" AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.reference = f.reference"
                        f" AND m.severity IN ({marks}))", (form_id, state, round_name, *severities))
    return int(row[0]) if row else 0


def count_unanswered(db: Database | sqlite3.Connection) -> int:
    """How many applications' decisions in force have no response yet."""
    row = fetch_one(db, "SELECT COUNT(*) FROM decisions d WHERE d.id = (SELECT MAX(id) FROM decisions"
                        " WHERE reference = d.reference) AND NOT EXISTS (SELECT 1 FROM responses r"
                        " WHERE r.decision_id = d.id)")
    return int(row[0]) if row else 0


def any_received_after(db: Database | sqlite3.Connection, instant: str) -> bool:
    """Whether any file arrived after ``instant`` (ISO 8601 with its offset), from the index."""
    row = fetch_one(db, "SELECT MAX(julianday(received_at)) > julianday(?) FROM submissions", (instant,))
    return bool(row and row[0])
