"""Reads and writes about awards and their impact forms: the impact forms of an
application, the applications waiting for theirs (with the due date of the decision in
force), the reminders sent about them, and the retention of finished forms.

States always come in as parameters (from ``states.py``), never as literals here.
Functions taking a ``sqlite3.Connection`` run inside the caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from datetime import date
from typing import Any

from ..states import State
from .db import Database, fetch_all, fetch_one, utcnow_iso


def _marks(states: Collection[State]) -> str:
    if not states:
        raise ValueError("a group of states needs at least one state")
    return ",".join("?" * len(states))


def _values(states: Collection[State]) -> tuple[str, ...]:
    return tuple(State(s).value for s in states)


# -- impact forms of an application --------------------------------------------------


def newest_impact_form(db: Database | sqlite3.Connection, application: str, state: State) -> str | None:
    """The reference of the impact form on ``application`` in ``state`` that arrived last, or None."""
    row = fetch_one(
        db,
        "SELECT reference FROM forms WHERE form_id = 'send-impact' AND linked_ref = ? AND state = ?"
        " ORDER BY created_at DESC, reference DESC LIMIT 1",
        (application, state.value),
    )
    return str(row["reference"]) if row is not None else None


def last_changed_impact_form(db: Database | sqlite3.Connection, application: str, state: State) -> str | None:
    """The reference of the impact form on ``application`` in ``state`` that changed last, or None."""
    row = fetch_one(
        db,
        "SELECT reference FROM forms WHERE form_id = 'send-impact' AND linked_ref = ? AND state = ?"
        " ORDER BY updated_at DESC LIMIT 1",
        (application, state.value),
    )
    return str(row["reference"]) if row is not None else None


def has_impact_form(db: Database | sqlite3.Connection, application: str, state: State) -> bool:
    """Whether an impact form on ``application`` is in ``state``."""
    return (
        fetch_one(
            db,
            "SELECT 1 FROM forms WHERE form_id = 'send-impact' AND linked_ref = ? AND state = ?",
            (application, state.value),
        )
        is not None
    )


# -- applications waiting for their impact form ---------------------------------------


def impact_due_dates(db: Database | sqlite3.Connection, states: Collection[State]) -> list[tuple[str, date | None]]:
    """(reference, impact due date of its decision in force, if any) of every application
    in one of ``states``, by reference."""
    rows = fetch_all(
        db,
        "SELECT f.reference, d.impact_due FROM forms f"
        " LEFT JOIN decisions d ON d.id = (SELECT MAX(id) FROM decisions WHERE reference = f.reference)"
        f" WHERE f.form_id = 'send-application' AND f.state IN ({_marks(states)}) ORDER BY f.reference",
        _values(states),
    )
    return [(r["reference"], date.fromisoformat(r["impact_due"]) if r["impact_due"] else None) for r in rows]


# -- reminders --------------------------------------------------------------------


def reminder_sent(db: Database | sqlite3.Connection, reference: str, stage: str) -> bool:
    """Whether the reminder ``stage`` ("due_soon", "overdue") about ``reference`` was recorded."""
    return fetch_one(db, "SELECT 1 FROM reminders WHERE reference = ? AND stage = ?", (reference, stage)) is not None


def add_reminder(
    conn: sqlite3.Connection, reference: str, stage: str, due: date | None, mail_id: int | None, *, at: str | None = None
) -> None:
    """Record the reminder ``stage`` about ``reference`` (queued as ``mail_id``, if any)."""
    conn.execute(
        "INSERT INTO reminders (reference, stage, due, sent_at, mail_id) VALUES (?, ?, ?, ?, ?)",
        (reference, stage, due.isoformat() if due else None, at or utcnow_iso(), mail_id),
    )


# -- retention --------------------------------------------------------------------


def due_for_retention(db: Database | sqlite3.Connection, received_before: str, states: Collection[State]) -> list[sqlite3.Row]:
    """(reference, fields_json, raw_json, archive_path, sha256) of every form not yet
    anonymised, received before ``received_before`` and now in one of ``states``, by reference."""
    return fetch_all(
        db,
        "SELECT f.reference, f.fields_json, f.raw_json, s.archive_path, s.sha256 FROM forms f"
        " JOIN submissions s ON s.id = f.submission_id"
        f" WHERE f.anonymised_at IS NULL AND s.received_at < ? AND f.state IN ({_marks(states)})"
        " ORDER BY f.reference",
        (received_before, *_values(states)),
    )


def anonymise_form(
    conn: sqlite3.Connection, reference: str, fields: dict[str, Any], raw: dict[str, Any], *, at: str | None = None
) -> None:
    """Store the form's fields and raw values with the pupil details taken out, and when."""
    conn.execute(
        "UPDATE forms SET fields_json = ?, raw_json = ?, anonymised_at = ? WHERE reference = ?",
        (json.dumps(fields), json.dumps(raw), at or utcnow_iso(), reference),
    )


def blank_pupil_messages(conn: sqlite3.Connection, reference: str) -> None:
    """The form's messages about pupil fields keep their label only."""
    conn.execute(
        "UPDATE messages SET message = label || ': (removed under the retention policy)'"
        " WHERE reference = ? AND field LIKE 'pupil_%'",
        (reference,),
    )
