"""Reads and writes of forms, submissions and events. No SQL lives outside the store."""

# normalise_reference is re-exported: callers match references the one way.

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from ..references import normalise_reference
from ..states import State, check_transition
from .db import Database, fetch_one, utcnow_iso


@dataclass(frozen=True)
class FormRow:
    reference: str
    form_id: str
    submission_id: int
    school: str | None
    round: str | None
    state: State
    intervention: str | None
    amount_requested: str | None
    senco_email: str | None
    linked_ref: str | None
    superseded_by: str | None
    reader: str | None
    fields: dict[str, Any]
    raw: dict[str, Any]
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> FormRow:
        return cls(
            reference=row["reference"],
            form_id=row["form_id"],
            submission_id=row["submission_id"],
            school=row["school"],
            round=row["round"],
            state=State(row["state"]),
            intervention=row["intervention"],
            amount_requested=row["amount_requested"],
            senco_email=row["senco_email"],
            linked_ref=row["linked_ref"],
            superseded_by=row["superseded_by"],
            reader=row["reader"],
            fields=json.loads(row["fields_json"]),
            raw=json.loads(row["raw_json"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


def next_reference(conn: sqlite3.Connection, prefix: str) -> str:
    """The next reference for ``prefix`` (WVC-2627-AU2 -> WVC-2627-AU2-015). Never reused:
    the counter only goes up, inside the caller's transaction."""
    row = conn.execute("SELECT last FROM reference_counters WHERE prefix = ?", (prefix,)).fetchone()
    n = (row[0] if row else 0) + 1
    conn.execute(
        "INSERT INTO reference_counters (prefix, last) VALUES (?, ?)"
        " ON CONFLICT(prefix) DO UPDATE SET last = excluded.last",
        (prefix, n),
    )
    return f"{prefix}-{n:03d}"


def add_event(
    conn: sqlite3.Connection,
    *,
    action: str,
    actor: str,
    reference: str | None = None,
    submission_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    at: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO events (reference, submission_id, at, actor, from_state, to_state, action, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (reference, submission_id, at or utcnow_iso(), actor, from_state, to_state, action, reason),
    )


def get_form(db: Database | sqlite3.Connection, reference: str) -> FormRow | None:
    row = fetch_one(db, "SELECT * FROM forms WHERE reference = ?", (normalise_reference(reference),))
    return FormRow.from_row(row) if row else None


def transition(
    conn: sqlite3.Connection,
    form: FormRow,
    new: State,
    *,
    actor: str,
    reason: str | None = None,
    action: str = "transition",
) -> None:
    """Move ``form`` to ``new`` if the state machine allows it, recording the event.

    Call inside a transaction; the state is re-read there so two writers never
    both move the same form.
    """
    current = State(conn.execute("SELECT state FROM forms WHERE reference = ?", (form.reference,)).fetchone()[0])
    check_transition(form.form_id, form.reference, current, new)
    now = utcnow_iso()
    conn.execute("UPDATE forms SET state = ?, updated_at = ? WHERE reference = ?", (new.value, now, form.reference))
    add_event(
        conn,
        action=action,
        actor=actor,
        reference=form.reference,
        from_state=current.value,
        to_state=new.value,
        reason=reason,
        at=now,
    )


def list_forms(
    db: Database,
    *,
    state: str | None = None,
    round_name: str | None = None,
    school: str | None = None,
    form_id: str | None = None,
) -> list[FormRow]:
    sql = "SELECT * FROM forms WHERE 1=1"
    params: list[Any] = []
    if state:
        sql += " AND state = ?"
        params.append(state)
    if round_name:
        sql += " AND round = ?"
        params.append(round_name)
    if school:
        sql += " AND school = ?"
        params.append(school)
    if form_id:
        sql += " AND form_id = ?"
        params.append(form_id)
    sql += " ORDER BY created_at, reference"
    return [FormRow.from_row(r) for r in db.query(sql, tuple(params))]


def messages_of(db: Database, reference: str) -> list[dict[str, str]]:
    return [
        {"field": r["field"], "label": r["label"], "severity": r["severity"], "message": r["message"]}
        for r in db.query("SELECT * FROM messages WHERE reference = ? ORDER BY id", (reference,))
    ]


def history_of(db: Database, reference: str) -> list[dict[str, Any]]:
    return [
        {
            "at": r["at"],
            "actor": r["actor"],
            "action": r["action"],
            "from": r["from_state"],
            "to": r["to_state"],
            "reason": r["reason"],
        }
        for r in db.query("SELECT * FROM events WHERE reference = ? ORDER BY id", (reference,))
    ]


def submission_of(db: Database, submission_id: int) -> sqlite3.Row | None:
    return db.one("SELECT * FROM submissions WHERE id = ?", (submission_id,))


def current_decision(db: Database | sqlite3.Connection, reference: str) -> sqlite3.Row | None:
    return fetch_one(db, "SELECT * FROM decisions WHERE reference = ? ORDER BY id DESC LIMIT 1", (reference,))


def has_exception(db: Database | sqlite3.Connection, reference: str, rule: str) -> bool:
    return fetch_one(db, "SELECT 1 FROM host_exceptions WHERE reference = ? AND rule = ?", (reference, rule)) is not None
