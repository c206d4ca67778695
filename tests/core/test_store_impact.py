"""store/impact.py: impact forms of an application, impact due dates, reminders and
retention, on a real SQLite store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from forms_processor.states import State
from forms_processor.store import impact
from forms_processor.store.db import Database
from forms_processor.store.repository import add_event

from .test_store_awards import add_decision, add_form


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = Database(tmp_path / "forms.db")
    yield d
    d.close()


def test_the_impact_forms_of_an_application(db: Database) -> None:
    with db.atomic() as conn:
        add_form(conn, "A-001", State.IMPACT_RECEIVED)
        add_form(conn, "I-001", State.AWAITING_CHECK, form_id="send-impact", linked="A-001",
                 created_at="2027-07-01", updated_at="2027-07-09")
        add_form(conn, "I-002", State.AWAITING_CHECK, form_id="send-impact", linked="A-001",
                 created_at="2027-07-02", updated_at="2027-07-03")
        add_form(conn, "I-003", State.ACCEPTED, form_id="send-impact", linked="A-009")
    assert impact.newest_impact_form(db, "A-001", State.AWAITING_CHECK) == "I-002"  # arrived last
    assert impact.last_changed_impact_form(db, "A-001", State.AWAITING_CHECK) == "I-001"  # changed last
    assert impact.newest_impact_form(db, "A-001", State.ACCEPTED) is None
    assert impact.has_impact_form(db, "A-009", State.ACCEPTED)
    assert not impact.has_impact_form(db, "A-009", State.RETURNED)
    assert not impact.has_impact_form(db, "A-001", State.ACCEPTED)


def test_impact_due_dates_come_from_the_decision_in_force(db: Database) -> None:
    with db.atomic() as conn:
        add_form(conn, "A-003", State.IMPACT_OVERDUE)
        add_form(conn, "A-001", State.IMPACT_DUE)
        add_decision(conn, "A-001", State.APPROVED, "900.00", impact_due="2027-07-01")
        add_decision(conn, "A-001", State.APPROVED, "900.00", impact_due="2027-09-01")  # corrected
        add_form(conn, "A-002", State.CLOSED)
        add_decision(conn, "A-002", State.APPROVED, "900.00", impact_due="2027-07-01")
        add_form(conn, "I-001", State.IMPACT_DUE, form_id="send-impact")  # not an application
    waiting = (State.IMPACT_DUE, State.IMPACT_OVERDUE)
    assert impact.impact_due_dates(db, waiting) == [("A-001", date(2027, 9, 1)), ("A-003", None)]
    with db.atomic() as conn:
        assert impact.impact_due_dates(conn, (State.IMPACT_DUE,)) == [("A-001", date(2027, 9, 1))]


def test_a_reminder_is_recorded_once_per_stage(db: Database) -> None:
    with db.atomic() as conn:
        add_form(conn, "A-001", State.IMPACT_DUE)
        assert not impact.reminder_sent(conn, "A-001", "due_soon")
        impact.add_reminder(conn, "A-001", "due_soon", date(2027, 7, 1), None, at="2027-06-20T09:00:00+00:00")
    assert impact.reminder_sent(db, "A-001", "due_soon")
    assert not impact.reminder_sent(db, "A-001", "overdue")
    assert tuple(db.one("SELECT due, sent_at, mail_id FROM reminders")) == ("2027-07-01", "2027-06-20T09:00:00+00:00", None)
    with pytest.raises(sqlite3.IntegrityError), db.atomic() as conn:  # the primary key refuses a second one
        impact.add_reminder(conn, "A-001", "due_soon", None, None)


def test_retention_finds_old_finished_forms_and_removes_pupil_details(db: Database) -> None:
    old, new = "2019-09-01T10:00:00+00:00", "2026-09-01T10:00:00+00:00"
    with db.atomic() as conn:
        add_form(conn, "A-002", State.CLOSED, received_at=old, fields={"pupils": [{"ref": "JS1"}]},
                 raw={"pupil_1_ref": "JS1"})
        add_form(conn, "A-001", State.WITHDRAWN, received_at=old)
        add_form(conn, "A-003", State.WITH_WORKING_PARTY, received_at=old)  # still alive
        add_form(conn, "A-004", State.CLOSED, received_at=new)  # too recent
        conn.execute("INSERT INTO messages (reference, field, label, severity, message) VALUES"
                     " ('A-002', 'pupil_1_ref', 'Pupil 1', 'error', 'JS1 is not a pupil reference'),"
                     " ('A-002', 'amount', 'Amount', 'warning', 'rounded')")
    ended = (State.CLOSED, State.WITHDRAWN)
    due = impact.due_for_retention(db, "2020-01-01T00:00:00+00:00", ended)
    assert [r["reference"] for r in due] == ["A-001", "A-002"]
    assert due[1]["archive_path"] == "archive/A-002.docx"
    with db.atomic() as conn:
        impact.anonymise_form(conn, "A-002", {"pupils": [{"ref": None}]}, {"pupil_1_ref": ""}, at=new)
        impact.blank_pupil_messages(conn, "A-002")
        add_event(conn, action="anonymised", actor="retention", reference="A-002")
    stored = db.one("SELECT fields_json, raw_json, anonymised_at FROM forms WHERE reference = 'A-002'")
    assert stored is not None
    assert json.loads(stored["fields_json"]) == {"pupils": [{"ref": None}]}
    assert json.loads(stored["raw_json"]) == {"pupil_1_ref": ""}
    assert stored["anonymised_at"] == new
    assert [r["message"] for r in db.query("SELECT message FROM messages ORDER BY id")] == [
        "Pupil 1: (removed under the retention policy)",
        "rounded",
    ]
    assert [r["reference"] for r in impact.due_for_retention(db, "2020-01-01T00:00:00+00:00", ended)] == ["A-001"]
