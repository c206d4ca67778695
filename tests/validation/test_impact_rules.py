"""Every rule of the impact form, each with a failing and a passing case."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

import pytest
from conftest import IMPACT_BASE, IMPACT_RECEIVED, KNOWN, LONDON, lookup_of, make_impact

from forms_processor.config import Config
from forms_processor.spec import IMPACT, FieldType, Req
from forms_processor.validation import ValidationContext, validate


def fields_of(messages) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.field for m in messages}


def test_valid_impact_has_no_messages(impact_ctx: ValidationContext) -> None:
    result = validate(make_impact(), impact_ctx)
    assert result.messages == []
    assert result.ok and result.form is not None
    f = result.fields
    assert f["application_reference"] == "WVC-2627-SP1-003"
    assert f["school_name"] == "Aldborough Primary School"
    assert f["underspend"] == Decimal("150.00")
    assert f["overdue"] is False
    assert f["outcomes"][0] == {
        "text": "Better turn-taking",
        "measure": "Boxall developmental strands",
        "baseline": Decimal(40),
        "target": Decimal(60),
        "result": Decimal(62),
        "met": "Exceeded",
        "met_computed": "Exceeded",
    }
    j = result.fields_json()
    assert j["underspend"] == "150.00" and j["actual_spend"] == "1850.00" and j["overdue"] is False
    assert j["outcomes"][1]["result"] == 2


REQUIRED = [
    k
    for k in IMPACT.flat_keys()
    if IMPACT.field(k).req is Req.REQUIRED and IMPACT.field(k).type is not FieldType.CHECKBOX
]


@pytest.mark.parametrize("key", REQUIRED)
def test_required_field_missing(impact_ctx: ValidationContext, key: str) -> None:
    result = validate(make_impact({key: None}), impact_ctx)
    assert fields_of(result.errors) == {key}
    assert result.errors[0].message == f"{IMPACT.label_of(key)}: this is required. Please fill it in."


FAILING = [
    ("reference unknown", {"application_reference": "WVC-2627-SP1-999"}, {"application_reference"}),
    ("school unknown", {"school_name": "Hogwarts"}, {"school_name"}),
    (
        "school not the application's",
        {"school_name": "Cawston", "senco_email": "senco@cawston.example.org"},
        {"application_reference"},
    ),
    ("senco email invalid", {"senco_email": "senco@"}, {"senco_email"}),
    ("end before start", {"actual_end_date": "28/02/2027"}, {"actual_end_date"}),
    ("sessions planned zero", {"sessions_planned": "0"}, {"sessions_planned"}),
    ("sessions delivered negative", {"sessions_delivered": "-1"}, {"sessions_delivered"}),
    ("pupils supported zero", {"pupils_supported": "0"}, {"pupils_supported"}),
    ("pupils supported unreadable", {"pupils_supported": "two"}, {"pupils_supported"}),
    ("no outcomes", {k: None for k in IMPACT_BASE if k.startswith("outcome_")}, {"outcome_1_text"}),
    ("result missing", {"outcome_1_result": None}, {"outcome_1_result"}),
    ("met missing", {"outcome_1_met": None}, {"outcome_1_met"}),
    ("met not a choice", {"outcome_1_met": "Sort of"}, {"outcome_1_met"}),
    ("result out of range", {"outcome_1_result": "137"}, {"outcome_1_result"}),
    ("baseline out of range", {"outcome_2_baseline": "-2"}, {"outcome_2_baseline"}),
    ("target out of range", {"outcome_1_target": "200"}, {"outcome_1_target"}),
    ("pupil voice short", {"pupil_voice": "They liked it."}, {"pupil_voice"}),
    ("staff evaluation short", {"staff_evaluation": "It went well overall."}, {"staff_evaluation"}),
    ("next steps unknown", {"next_steps": "Party"}, {"next_steps"}),
    ("spend negative", {"actual_spend": "-1"}, {"actual_spend"}),
    ("spend above award", {"actual_spend": "2,000.01"}, {"actual_spend"}),
    ("spend unreadable", {"actual_spend": "£2k"}, {"actual_spend"}),
    ("head signed after received", {"headteacher_signed_date": "22/07/2027"}, {"headteacher_signed_date"}),
]


@pytest.mark.parametrize(("changes", "fields"), [pytest.param(c, f, id=i) for i, c, f in FAILING])
def test_rule_fails(impact_ctx: ValidationContext, changes: dict, fields: set[str]) -> None:  # type: ignore[type-arg]
    result = validate(make_impact(changes), impact_ctx)
    assert fields_of(result.errors) == fields, [m.message for m in result.errors]
    for m in result.errors:
        assert m.message.startswith(m.label + ": ")


PASSING = [
    ("reference ignoring case and spaces", {"application_reference": " wvc-2627 -sp1- 003 "}),
    ("exact reference", {"application_reference": "WVC-2627-SP1-003"}),
    ("sessions optional", {"sessions_planned": None, "sessions_delivered": None}),
    ("all sessions delivered", {"sessions_delivered": "40"}),
    ("exactly 80% delivered", {"sessions_delivered": "32"}),
    ("spend equals award", {"actual_spend": "2000"}),
    ("nothing spent", {"actual_spend": "0"}),
    ("parent voice optional", {"parent_voice": None}),
    ("pupil voice 20 characters", {"pupil_voice": "p" * 20}),
    ("dates 28 days late", {"actual_start_date": "29/03/2027", "actual_end_date": "13/08/2027"}),
    ("signed on the day received", {"headteacher_signed_date": "21/07/2027"}),
]


@pytest.mark.parametrize("changes", [pytest.param(c, id=i) for i, c in PASSING])
def test_rule_passes(impact_ctx: ValidationContext, changes: dict) -> None:  # type: ignore[type-arg]
    result = validate(make_impact(changes), impact_ctx)
    assert result.errors == [], [m.message for m in result.errors]
    assert result.warnings == [], [m.message for m in result.warnings]


WARNINGS = [
    ("title differs", {"intervention_title": "Social skills club"}, {"intervention_title"}),
    ("started 29 days late", {"actual_start_date": "30/03/2027"}, {"actual_start_date"}),
    ("ended 29 days early", {"actual_end_date": "17/06/2027"}, {"actual_end_date"}),
    ("below 80% delivered", {"sessions_delivered": "31"}, {"sessions_delivered"}),
    ("met disagrees", {"outcome_1_met": "Met"}, {"outcome_1_met"}),
    (
        "measure differs from application",
        {
            "outcome_2_measure": "Engagement rating",
            "outcome_2_baseline": "2",
            "outcome_2_target": "4",
            "outcome_2_result": "4",
            "outcome_2_met": "Met",
        },
        {"outcome_2_measure"},
    ),
    ("senco email at another domain", {"senco_email": "jo@gmail.com"}, {"senco_email"}),
]


@pytest.mark.parametrize(("changes", "fields"), [pytest.param(c, f, id=i) for i, c, f in WARNINGS])
def test_warning_rules(impact_ctx: ValidationContext, changes: dict, fields: set[str]) -> None:  # type: ignore[type-arg]
    result = validate(make_impact(changes), impact_ctx)
    assert result.ok, [m.message for m in result.errors]
    assert fields_of(result.warnings) == fields, [m.message for m in result.warnings]


def test_met_computed_is_stored_beside_the_stated_one(impact_ctx: ValidationContext) -> None:
    result = validate(make_impact({"outcome_1_met": "Met"}), impact_ctx)
    row = result.fields["outcomes"][0]
    assert (row["met"], row["met_computed"]) == ("Met", "Exceeded")
    (w,) = result.warnings
    assert w.message == (
        "Target met (outcome row 1): this says Met, but the baseline, target and result show Exceeded. "
        "Please check the scores and this column."
    )
    assert "62" not in w.message  # scores are never quoted back


@pytest.mark.parametrize(
    ("result_score", "met"),
    [("70", "Exceeded"), ("60", "Met"), ("50", "Partially met"), ("40", "Not met"), ("30", "Not met")],
)
def test_met_computed_higher_is_better(impact_ctx: ValidationContext, result_score: str, met: str) -> None:
    r = validate(make_impact({"outcome_1_result": result_score, "outcome_1_met": met}), impact_ctx)
    assert r.fields["outcomes"][0]["met_computed"] == met and r.warnings == []


@pytest.mark.parametrize(
    ("result_score", "met"), [("0", "Exceeded"), ("1", "Met"), ("3", "Partially met"), ("5", "Not met")]
)
def test_met_computed_lower_is_better(impact_ctx: ValidationContext, result_score: str, met: str) -> None:
    r = validate(make_impact({"outcome_2_result": result_score, "outcome_2_met": met}), impact_ctx)
    assert r.fields["outcomes"][1]["met_computed"] == met and r.warnings == []


def test_not_awarded(config: Config) -> None:
    declined = dataclasses.replace(KNOWN, awarded=False, amount_awarded=Decimal("0.00"))
    ctx = ValidationContext(config=config, received_at=IMPACT_RECEIVED, lookup_application=lookup_of(declined))
    result = validate(make_impact(), ctx)
    assert fields_of(result.errors) == {"application_reference"}


def test_a_second_impact_form_after_one_was_accepted_is_refused(config: Config) -> None:
    done = dataclasses.replace(KNOWN, impact_accepted=True)
    ctx = ValidationContext(config=config, received_at=IMPACT_RECEIVED, lookup_application=lookup_of(done))
    result = validate(make_impact(), ctx)
    assert fields_of(result.errors) == {"application_reference"}
    assert "already been accepted" in result.errors[0].message


def test_whole_school_may_support_no_counted_pupils(config: Config) -> None:
    whole = dataclasses.replace(KNOWN, application_type="Whole school")
    ctx = ValidationContext(config=config, received_at=IMPACT_RECEIVED, lookup_application=lookup_of(whole))
    assert validate(make_impact({"pupils_supported": "0"}), ctx).ok


def test_overdue_is_flagged_not_refused(config: Config) -> None:
    late = datetime(2027, 8, 2, 9, 0, tzinfo=LONDON)
    ctx = ValidationContext(config=config, received_at=late, lookup_application=lookup_of(KNOWN))
    result = validate(make_impact(), ctx)
    assert result.ok
    assert result.fields["overdue"] is True
    (w,) = result.warnings
    assert w.field == "" and "30 July 2027" in w.message and "overdue" in w.message


def test_due_day_itself_is_not_overdue(config: Config) -> None:
    on_time = datetime(2027, 7, 30, 23, 59, tzinfo=LONDON)
    ctx = ValidationContext(config=config, received_at=on_time, lookup_application=lookup_of(KNOWN))
    assert validate(make_impact(), ctx).fields["overdue"] is False


def test_store_rules_skipped_without_a_store(config: Config) -> None:
    ctx = ValidationContext(config=config, received_at=IMPACT_RECEIVED, lookup_application=None)
    result = validate(
        make_impact({"application_reference": "anything", "actual_spend": "99,999", "intervention_title": "Other"}), ctx
    )
    assert result.messages == []
    assert "underspend" not in result.fields


def test_spend_message(impact_ctx: ValidationContext) -> None:
    (msg,) = validate(make_impact({"actual_spend": "2,100"}), impact_ctx).errors
    assert msg.message.startswith("Actual spend (£): £2,100.00 is more than the amount awarded (£2,000.00).")


def test_five_mistakes_at_once(impact_ctx: ValidationContext) -> None:
    result = validate(
        make_impact(
            {
                "actual_end_date": "01/02/2027",
                "outcome_1_result": "500",
                "pupil_voice": "ok",
                "next_steps": "Party",
                "actual_spend": "£3,000",
            }
        ),
        impact_ctx,
    )
    assert fields_of(result.errors) == {
        "actual_end_date",
        "outcome_1_result",
        "pupil_voice",
        "next_steps",
        "actual_spend",
    }
    assert len(result.errors) == 5
    assert result.fields["actual_spend"] == Decimal("3000.00")
    assert result.fields["actual_start_date"] == date(2027, 3, 1)
