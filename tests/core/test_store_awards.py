"""store/awards.py: the money reads (awards in force, amounts requested, what the
reports are computed from), on a real SQLite store. The row helpers here serve
test_store_impact.py too."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from forms_processor.states import State
from forms_processor.store import awards
from forms_processor.store.db import Database

AT = "2026-11-20T10:00:00+00:00"


def add_form(
    conn: sqlite3.Connection,
    reference: str,
    state: State,
    *,
    form_id: str = "send-application",
    round_name: str | None = "Autumn 2",
    school: str | None = "Abbey Primary",
    amount: str | None = "1000.00",
    linked: str | None = None,
    received_at: str = AT,
    created_at: str = AT,
    updated_at: str = AT,
    fields: dict[str, Any] | None = None,
    raw: dict[str, Any] | None = None,
) -> None:
    cur = conn.execute(
        "INSERT INTO submissions (sha256, file_name, source, received_at, size, archive_path, status, created_at)"
        " VALUES (?, ?, 'cli', ?, 1, ?, 'accepted', ?)",
        (reference, f"{reference}.docx", received_at, f"archive/{reference}.docx", AT),
    )
    conn.execute(
        "INSERT INTO forms (reference, form_id, submission_id, school, round, state, amount_requested, linked_ref,"
        " fields_json, raw_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (reference, form_id, cur.lastrowid, school, round_name, state.value, amount, linked,
         json.dumps(fields or {}), json.dumps(raw or {}), created_at, updated_at),
    )


def add_decision(conn: sqlite3.Connection, reference: str, decision: State, amount: str,
                 impact_due: str | None = None) -> None:
    conn.execute(
        "INSERT INTO decisions (reference, decision, amount_awarded, impact_due, decided_at, decided_by)"
        " VALUES (?, ?, ?, ?, ?, 'host')",
        (reference, decision.value, amount, impact_due, AT),
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = Database(tmp_path / "forms.db")
    yield d
    d.close()


def test_the_award_in_force_is_the_latest_decision(db: Database) -> None:
    with db.atomic() as conn:
        add_form(conn, "A-001", State.APPROVED)
        add_decision(conn, "A-001", State.APPROVED, "900.00")
        add_decision(conn, "A-001", State.PARTIALLY_FUNDED, "400.00")  # a correction
        add_form(conn, "B-001", State.DECLINED, round_name="Spring 1", school=None)
        add_decision(conn, "B-001", State.DECLINED, "0.00")
        add_form(conn, "C-001", State.WITH_WORKING_PARTY)  # no decision yet
        add_form(conn, "I-001", State.ACCEPTED, form_id="send-impact", linked="A-001")
        add_decision(conn, "I-001", State.APPROVED, "5.00")  # never counted: not an application
    rows = awards.awards_in_force(db)
    assert [(r["reference"], r["school"], r["round"], r["amount_awarded"]) for r in rows] == [
        ("A-001", "Abbey Primary", "Autumn 2", "400.00"),
        ("B-001", None, "Spring 1", "0.00"),
    ]
    assert [r["reference"] for r in awards.awards_in_force(db, "Spring 1")] == ["B-001"]
    with db.atomic() as conn:  # the same inside a caller's transaction
        assert [r["reference"] for r in awards.awards_in_force(conn, "Autumn 2")] == ["A-001"]


def test_amounts_requested_by_state_group(db: Database) -> None:
    with db.atomic() as conn:
        add_form(conn, "A-001", State.AWAITING_CHECK, amount="100.00")
        add_form(conn, "A-002", State.WITH_WORKING_PARTY, amount="200.00")
        add_form(conn, "A-003", State.WITHDRAWN, amount="400.00")
        add_form(conn, "A-004", State.WITH_WORKING_PARTY, amount=None)
        add_form(conn, "A-005", State.WITH_WORKING_PARTY, amount="800.00", round_name="Spring 1")
    every = awards.amounts_requested(db, "Autumn 2")
    assert sorted(a or "" for a in every) == ["", "100.00", "200.00", "400.00"]
    alive = awards.amounts_requested(db, "Autumn 2", not_in_states=(State.WITHDRAWN, State.INVALID))
    assert sorted(a or "" for a in alive) == ["", "100.00", "200.00"]
    forwarded = awards.amounts_requested(db, "Autumn 2", in_states=frozenset({State.WITH_WORKING_PARTY}))
    assert sorted(a or "" for a in forwarded) == ["", "200.00"]
    with pytest.raises(ValueError):
        awards.amounts_requested(db, "Autumn 2", in_states=())


def test_what_the_reports_read(db: Database) -> None:
    with db.atomic() as conn:
        add_form(conn, "A-002", State.IMPACT_DUE)
        add_form(conn, "A-001", State.SUPERSEDED)
        add_decision(conn, "A-002", State.APPROVED, "900.00", impact_due="2027-07-01")
        add_decision(conn, "A-002", State.APPROVED_WITH_CONDITIONS, "800.00", impact_due="2027-07-15")
        add_form(conn, "I-002", State.ACCEPTED, form_id="send-impact", linked="A-002", created_at="2027-07-02",
                 fields={"actual_spend": "750.00"})
        add_form(conn, "I-001", State.ACCEPTED, form_id="send-impact", linked="A-002", created_at="2027-07-01")
        add_form(conn, "I-003", State.RETURNED, form_id="send-impact", linked="A-002")
    apps = awards.applications(db, not_in_states=(State.SUPERSEDED,))
    assert [(r["reference"], r["state"]) for r in apps] == [("A-002", "impact_due")]
    decisions = {r["reference"]: tuple(r) for r in awards.decisions_in_force(db)}
    assert decisions == {"A-002": ("A-002", "approved_with_conditions", "800.00", "2027-07-15")}
    impacts = awards.impact_forms(db, in_states=(State.ACCEPTED,))
    assert [r["reference"] for r in impacts] == ["I-001", "I-002"]  # oldest first
    assert json.loads(impacts[1]["fields_json"]) == {"actual_spend": "750.00"}
