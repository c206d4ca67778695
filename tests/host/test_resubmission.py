"""Real life after a decision: a resubmission after "more information requested" or
"deferred" is linked to the earlier application and goes to the round the decision named;
every email gives a deadline still ahead, or says the round has closed; a new copy says
which reference it replaces; an impact form quoting a replaced reference finds the award."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from forms_processor.api import FormsApp
from forms_processor.documents import fill_docx, template_docx
from forms_processor.documents.samples import sample_impact
from forms_processor.intake.submission import Source, Submission
from forms_processor.spec import APPLICATION, IMPACT
from forms_processor.store.repository import get_form
from tests.host.conftest import Maker
from tests.host.test_cli import run, run_json

SCHOOL = "Cawston Primary School"
JAN_12 = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)


def send(app: FormsApp, values: dict[str, Any], when: datetime, spec: Any = APPLICATION) -> Any:
    data = fill_docx(template_docx(spec, app.config), values)
    return app.ingest(Submission(data=data, file_name="form.docx", source=Source.CLI, received_at=when))


def ack_of(app: FormsApp, reference: str) -> str:
    row = app.db.one("SELECT body FROM outgoing_mail WHERE reference = ? AND dedupe_key = ?",
                     (reference, f"ack:{reference}"))
    assert row is not None
    return str(row["body"])


def decided(home: Path, maker: Maker, *decision: str) -> tuple[str, dict[str, Any]]:
    values = maker.values(SCHOOL)
    ref = str(maker.ingest(values).reference)
    assert run(home, "check", ref, "--forward")[0] == 0
    code, _, err = run(home, "decide", ref, *decision)
    assert code == 0, err
    code, _, err = run(home, "respond", ref)
    assert code == 0, err
    return ref, values


def test_a_resubmission_after_more_information(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref, values = decided(home_dir, maker, "--decision", "more-information", "--information",
                          "The costs of the therapist's sessions, itemised.", "--resubmit-by", "15/01/2027",
                          "--feedback", "Promising; we need the costs itemised.")
    assert get_form(app.db, ref).state.value == "more_information"
    # The school's new form, after the Autumn 2 deadline, names the earlier one and its old round.
    new_values = {**values, "continuation_of": ref, "intervention_title": "Speech therapy, costs itemised"}
    result = send(app, new_values, JAN_12)
    assert result.status == "accepted", [m.message for m in result.messages]
    assert not [m for m in result.messages if m.field in ("continuation_of", "funding_round")]
    shown = run_json(home_dir, "show", str(result.reference))
    assert shown["linked_reference"] == ref
    assert shown["round"] == "Spring 1 2027" and "-SP1-" in shown["reference"]
    earlier = run_json(home_dir, "show", ref)
    assert earlier["state"] == "superseded" and earlier["superseded_by"] == result.reference
    assert earlier["history"][-1]["action"] == "resubmitted"
    body = ack_of(app, str(result.reference))
    assert f"resubmission of {ref}" in body and "Spring 1 2027" in body
    assert "before this form arrived" not in body
    # The list shows the application in force only.
    assert [r["reference"] for r in run_json(home_dir, "list")] == [result.reference]


def test_a_resubmission_after_deferral_goes_to_the_named_round(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref, values = decided(home_dir, maker, "--decision", "deferred", "--deferred-to", "SP2",
                          "--feedback", "The round's money is spent; we will look again in Spring 2.")
    assert get_form(app.db, ref).state.value == "with_working_party"
    result = send(app, {**values, "continuation_of": ref}, JAN_12)
    assert result.status == "accepted", [m.message for m in result.messages]
    form = get_form(app.db, str(result.reference))
    assert form.round == "Spring 2 2027" and form.linked_ref == ref
    assert get_form(app.db, ref).state.value == "superseded"


def test_a_continuation_of_an_award_still_needs_its_impact_form(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref, values = decided(home_dir, maker, "--decision", "approved")
    result = send(app, {**values, "continuation_of": ref, "intervention_title": "Year two"}, JAN_12)
    assert result.status == "invalid"
    (msg,) = [m for m in result.messages if m.field == "continuation_of"]
    assert "impact form for the earlier award" in msg.message
    assert get_form(app.db, ref).state.value == "impact_due"


def test_a_correction_email_gives_the_resubmit_by_date(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref, values = decided(home_dir, maker, "--decision", "more-information", "--information",
                          "The costs itemised.", "--resubmit-by", "29/01/2027", "--feedback", "Nearly there.")
    wrong = {**values, "continuation_of": ref, "data_protection": False}
    result = send(app, wrong, JAN_12)
    assert result.status == "invalid"
    body = ack_of(app, str(result.reference))
    assert "by Friday 29 January 2027, the date the Working Party asked for" in body
    assert "4 December 2026" not in body


def test_a_late_correction_email_says_the_round_has_closed(app: FormsApp, maker: Maker) -> None:
    wrong = {**maker.values(SCHOOL), "data_protection": False}
    result = send(app, wrong, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert result.status == "invalid"
    body = ack_of(app, str(result.reference))
    assert "The deadline for Autumn 2 2026 (Friday 4 December 2026 at 12:00) has passed." in body
    assert "Spring 1 2027, whose deadline is Friday 5 February 2027 at 12:00" in body
    assert "must arrive before its deadline: Friday 4 December 2026" not in body
    # An accepted late form says so too, instead of a deadline already gone.
    late = send(app, maker.values(SCHOOL), datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert "before this form arrived. The SEND Host will decide" in ack_of(app, str(late.reference))


def test_a_returned_form_email_gives_a_deadline_ahead(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref = maker.application(SCHOOL)
    assert run(home_dir, "check", ref, "--return", "--reason", "The costs do not add up.")[0] == 0
    row = app.db.one("SELECT body FROM outgoing_mail WHERE kind = 'returned' AND reference = ?", (ref,))
    today = datetime.now(app.config.tz)
    if today < app.config.local_deadline(app.config.round_by_name("Autumn 2 2026")):
        assert "must arrive before its deadline: Friday 4 December 2026 at 12:00" in row["body"]
    else:
        assert "Autumn 2 2026" in row["body"] and "has passed" in row["body"]


def test_a_new_copy_says_which_reference_it_replaces(app: FormsApp, maker: Maker) -> None:
    values = maker.values(SCHOOL)
    first = maker.ingest(values)
    again = maker.ingest({**values, "senco_phone": "01603 000000"})
    assert first.status == again.status == "accepted"
    assert get_form(app.db, str(first.reference)).superseded_by == again.reference
    assert f"This form replaces your earlier form {first.reference}" in ack_of(app, str(again.reference))
    assert "replaces" not in ack_of(app, str(first.reference))


def test_an_impact_form_quoting_a_replaced_reference_finds_the_award(app: FormsApp, maker: Maker,
                                                                     home_dir: Path) -> None:
    values = maker.values(SCHOOL)
    first = str(maker.ingest(values).reference)
    second = str(maker.ingest({**values, "senco_phone": "01603 000000"}).reference)
    assert run(home_dir, "check", second, "--forward")[0] == 0
    assert run(home_dir, "decide", second, "--decision", "approved")[0] == 0
    assert run(home_dir, "respond", second)[0] == 0
    school = app.config.school_by_name(SCHOOL)
    impact = sample_impact(app.config, random.Random(3), first, school, values, date(2027, 9, 30))
    result = send(app, impact, datetime(2027, 9, 30, 9, 0, tzinfo=UTC), IMPACT)
    assert result.status == "accepted", [m.message for m in result.messages]
    assert get_form(app.db, str(result.reference)).linked_ref == second
    assert get_form(app.db, second).state.value == "impact_received"
