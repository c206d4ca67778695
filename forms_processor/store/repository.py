"""Reads and writes of forms, submissions and events. No SQL lives outside the store."""

# normalise_reference is re-exported: callers match references the one way.

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..references import normalise_reference
from ..states import State, check_transition
from .db import Database, fetch_all, fetch_one, utcnow_iso


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
    # Read from a scan by OCR: flat key -> the confidence (0-100) of the value read; None otherwise.
    scan: dict[str, float] | None = None
    scan_confirmed_by: str | None = None
    scan_confirmed_at: str | None = None

    @property
    def awaits_scan_confirmation(self) -> bool:
        """Read from a scan, and its values not yet confirmed by the Host."""
        return self.scan is not None and self.scan_confirmed_at is None

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
            scan=json.loads(row["scan_json"]) if row["scan_json"] else None,
            scan_confirmed_by=row["scan_confirmed_by"],
            scan_confirmed_at=row["scan_confirmed_at"],
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
    current = state_of(conn, form.reference)
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


def received_times(db: Database | sqlite3.Connection) -> dict[str, str]:
    """When each form's file arrived (ISO 8601, UTC), by reference."""
    rows = fetch_all(db, "SELECT f.reference, s.received_at FROM forms f JOIN submissions s ON s.id = f.submission_id")
    return {r[0]: r[1] for r in rows}


def received_at(db: Database | sqlite3.Connection, reference: str) -> str | None:
    """When one form's file arrived (ISO 8601, UTC), or None."""
    rows = fetch_all(db, "SELECT s.received_at FROM forms f JOIN submissions s ON s.id = f.submission_id"
                         " WHERE f.reference = ?", (reference,))
    return rows[0][0] if rows else None


def late_in_round(db: Database | sqlite3.Connection, round_name: str, deadline: datetime) -> list[str]:
    """The references of one round's forms whose file arrived after ``deadline`` (an aware
    datetime), compared by the store (the times are ISO 8601 with their offset)."""
    rows = fetch_all(db, "SELECT f.reference FROM forms f JOIN submissions s ON s.id = f.submission_id"
                         " WHERE f.round = ? AND julianday(s.received_at) > julianday(?)",
                     (round_name, deadline.astimezone(UTC).isoformat()))
    return [r[0] for r in rows]


def messages_of(db: Database, reference: str) -> list[dict[str, str]]:
    return [
        {"field": r["field"], "label": r["label"], "severity": r["severity"], "message": r["message"]}
        for r in db.query("SELECT * FROM messages WHERE reference = ? ORDER BY id", (reference,))
    ]


def round_message_kinds(db: Database | sqlite3.Connection, round_name: str, field: str) -> list[sqlite3.Row]:
    """For each of one round's forms with any message, summed by the store: whether it has an
    error (``errors``), a message of another severity (``others``), an error on a pupil's
    reference, ``pupil_N_ref`` (``pupil_errors``), and a message on ``field`` (``on_field``)."""
    return fetch_all(
        db,
        "SELECT m.reference, MAX(m.severity = 'error') AS errors, MAX(m.severity <> 'error') AS others,"
        " MAX(m.severity = 'error' AND (m.field GLOB 'pupil_[0-9]_ref' OR m.field GLOB 'pupil_[0-9][0-9]_ref'))"
        " AS pupil_errors, MAX(m.field = ?) AS on_field"
        " FROM messages m JOIN forms f ON f.reference = m.reference WHERE f.round = ? GROUP BY m.reference",
        (field, round_name),
    )


def round_exceptions(db: Database | sqlite3.Connection, round_name: str) -> set[str]:
    """The references of the round's forms with an exception to a rule recorded by the Host."""
    rows = fetch_all(db, "SELECT DISTINCT e.reference FROM host_exceptions e JOIN forms f"
                         " ON f.reference = e.reference WHERE f.round = ?", (round_name,))
    return {r[0] for r in rows}


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


def exceptions_of(db: Database | sqlite3.Connection, reference: str) -> list[sqlite3.Row]:
    """The Host's recorded exceptions for one form: rule, reason, recorded_by, recorded_at."""
    return fetch_all(db, "SELECT rule, reason, recorded_by, recorded_at FROM host_exceptions WHERE reference = ?"
                         " ORDER BY id", (reference,))


def has_exception(db: Database | sqlite3.Connection, reference: str, rule: str) -> bool:
    return fetch_one(db, "SELECT 1 FROM host_exceptions WHERE reference = ? AND rule = ?", (reference, rule)) is not None


# -- intake: submissions, forms and their messages -------------------------------------------


def first_recording(db: Database | sqlite3.Connection, sha256: str, statuses: tuple[str, ...]) -> sqlite3.Row | None:
    """The first submission of these bytes whose status is one of ``statuses``. Asked
    inside the write transaction too (BEGIN IMMEDIATE), so two watchers handling the same
    bytes at once never both record them."""
    marks = ", ".join("?" * len(statuses))
    return fetch_one(
        db,
        f"SELECT id, form_ref, status FROM submissions WHERE sha256 = ? AND status IN ({marks}) ORDER BY id LIMIT 1",
        (sha256, *statuses),
    )


def insert_submission(conn: sqlite3.Connection, values: dict[str, Any]) -> int:
    """One file or attachment received (``values`` keyed by the submissions columns)."""
    cols = [
        "sha256", "file_name", "source", "sender", "subject", "message_id", "received_at", "size",
        "archive_path", "status", "reason", "reason_text", "duplicate_of", "form_ref",
    ]
    cur = conn.execute(
        f"INSERT INTO submissions ({', '.join(cols)}, created_at) VALUES ({', '.join('?' * len(cols))}, ?)",
        (*(values.get(c) for c in cols), utcnow_iso()),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def insert_form(conn: sqlite3.Connection, values: dict[str, Any]) -> None:
    """A form read from a submission (``values`` keyed by the forms columns)."""
    cols = [
        "reference", "form_id", "submission_id", "school", "round", "state", "intervention",
        "amount_requested", "senco_email", "linked_ref", "reader", "fields_json", "raw_json", "created_at", "updated_at",
        "scan_json",
    ]
    conn.execute(
        f"INSERT INTO forms ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        tuple(values.get(c) for c in cols),
    )


def add_messages(conn: sqlite3.Connection, reference: str, messages: list[tuple[str, str, str, str]]) -> None:
    """The checker's messages on a form: (field, label, severity, message) each."""
    conn.executemany(
        "INSERT INTO messages (reference, field, label, severity, message) VALUES (?, ?, ?, ?, ?)",
        [(reference, *m) for m in messages],
    )


def replace_messages(conn: sqlite3.Connection, reference: str, messages: list[tuple[str, str, str, str]]) -> None:
    conn.execute("DELETE FROM messages WHERE reference = ?", (reference,))
    add_messages(conn, reference, messages)


def open_forms_of_school(conn: sqlite3.Connection, form_id: str, school: str, other_than: str) -> list[sqlite3.Row]:
    """A school's forms of one kind not yet replaced (candidates for being superseded)."""
    return conn.execute(
        "SELECT reference, state, intervention, linked_ref FROM forms"
        " WHERE form_id = ? AND school = ? AND reference != ? AND superseded_by IS NULL",
        (form_id, school, other_than),
    ).fetchall()


def mark_superseded(conn: sqlite3.Connection, reference: str, by: str) -> None:
    conn.execute("UPDATE forms SET superseded_by = ? WHERE reference = ?", (by, reference))


def state_of(conn: sqlite3.Connection, reference: str) -> State:
    """A form's state, read inside the caller's transaction."""
    return State(conn.execute("SELECT state FROM forms WHERE reference = ?", (reference,)).fetchone()[0])


def set_round(conn: sqlite3.Connection, reference: str, round_name: str) -> None:
    conn.execute("UPDATE forms SET round = ?, updated_at = ? WHERE reference = ?", (round_name, utcnow_iso(), reference))


def count_events(db: Database | sqlite3.Connection, reference: str, action: str) -> int:
    """How many times ``action`` is in a form's history."""
    row = fetch_one(db, "SELECT COUNT(*) FROM events WHERE reference = ? AND action = ?", (reference, action))
    return int(row[0]) if row else 0


def set_fields(conn: sqlite3.Connection, reference: str, values: dict[str, Any]) -> None:
    """Change some columns of a form (the Host's correction; the event log says why)."""
    allowed = {"school", "round", "intervention", "amount_requested", "senco_email", "linked_ref", "fields_json",
               "raw_json"}
    assert set(values) <= allowed, set(values) - allowed
    sets = ", ".join(f"{c} = ?" for c in values)
    conn.execute(f"UPDATE forms SET {sets}, updated_at = ? WHERE reference = ?",
                 (*values.values(), utcnow_iso(), reference))


def exception_interventions(db: Database | sqlite3.Connection, form_id: str, school: str, rule: str) -> list[str]:
    """The interventions of a school's forms that carry the Host's exception to ``rule``."""
    rows = fetch_all(
        db,
        "SELECT f.intervention FROM forms f JOIN host_exceptions e ON e.reference = f.reference"
        " WHERE f.form_id = ? AND f.school = ? AND e.rule = ?",
        (form_id, school, rule),
    )
    return [r["intervention"] or "" for r in rows]


def add_exception(conn: sqlite3.Connection, reference: str, rule: str, reason: str, actor: str, at: str) -> None:
    """The Host's recorded exception to one rule for one form."""
    conn.execute(
        "INSERT INTO host_exceptions (reference, rule, reason, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?)",
        (reference, rule, reason, actor, at),
    )


def state_counts(db: Database | sqlite3.Connection, form_id: str, round_name: str) -> dict[str, int]:
    """How many forms of one kind in a round are in each state."""
    rows = fetch_all(
        db,
        "SELECT state, COUNT(*) FROM forms WHERE form_id = ? AND round = ? GROUP BY state ORDER BY state",
        (form_id, round_name),
    )
    return {r[0]: r[1] for r in rows}


def confirm_scan(conn: sqlite3.Connection, reference: str, actor: str, at: str) -> None:
    """Record that the Host confirmed the values read from a form's scan."""
    conn.execute("UPDATE forms SET scan_confirmed_by = ?, scan_confirmed_at = ?, updated_at = ? WHERE reference = ?",
                 (actor, at, at, reference))
