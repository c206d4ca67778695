"""Every rule of the application form, each with a failing and a passing case."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from conftest import APP_BASE, LONDON, RECEIVED, lookup_of, make_app

from forms_processor.config import Config
from forms_processor.spec import APPLICATION, FieldType, Req
from forms_processor.validation import ApplicationForm, KnownApplication, Severity, ValidationContext, validate


def error_fields(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.field for m in result.errors}


def test_valid_form_has_no_messages(ctx: ValidationContext) -> None:
    result = validate(make_app(), ctx)
    assert result.messages == []
    assert result.ok
    assert result.school == "Aldborough Primary School"
    assert result.round == "Spring 1 2027"
    assert isinstance(result.form, ApplicationForm) and result.form.amount_requested == Decimal("2000.00")


def test_normalised_fields(ctx: ValidationContext) -> None:
    f = validate(make_app(), ctx).fields
    assert f["school_name"] == "Aldborough Primary School"
    assert f["funding_round"] == "Spring 1 2027"
    assert f["area_of_need"] == "Communication and interaction"
    assert f["delivered_by"] == "Teaching assistant"
    assert f["start_date"] == date(2027, 3, 1) and f["end_date"] == date(2027, 7, 16)
    assert f["notional_sen_budget"] == Decimal("45000.00")
    assert f["pupils"] == [
        {"ref": "AB", "year": "Y4", "status": "SEN support", "need": "SLCN"},
        {"ref": "P1234", "year": "Y5", "status": "EHCP", "need": "ASD"},
    ]
    assert f["outcomes"][1] == {
        "text": "Fewer playground incidents",
        "measure": "Incidents per week",
        "baseline": Decimal(5),
        "target": Decimal(1),
    }
    assert f["costs"] == [
        {"item": "Lego therapy kit", "amount": Decimal("400.00")},
        {"item": "TA time, 40 sessions", "amount": Decimal("2000.00")},
    ]


def test_fields_json(ctx: ValidationContext) -> None:
    j = validate(make_app({"sessions_per_week": "2.5"}), ctx).fields_json()
    assert j["total_cost"] == "2400.00"
    assert j["costs"][0] == {"item": "Lego therapy kit", "amount": "400.00"}
    assert j["start_date"] == "2027-03-01"
    assert j["parents_informed"] is True
    assert j["number_of_pupils"] == 2 and isinstance(j["number_of_pupils"], int)
    assert j["session_minutes"] == 45
    assert j["sessions_per_week"] == 2.5
    assert j["outcomes"][0]["baseline"] == 40
    import json

    json.dumps(j)


REQUIRED = [
    k
    for k in APPLICATION.flat_keys()
    if APPLICATION.field(k).req is Req.REQUIRED and APPLICATION.field(k).type is not FieldType.CHECKBOX
]


@pytest.mark.parametrize("key", REQUIRED)
def test_required_field_missing(ctx: ValidationContext, key: str) -> None:
    result = validate(make_app({key: None}), ctx)
    assert error_fields(result) == {key}
    assert result.errors[0].message == f"{APPLICATION.label_of(key)}: this is required. Please fill it in."
    assert key not in result.fields


@pytest.mark.parametrize("key", REQUIRED)
def test_required_field_blank_text(ctx: ValidationContext, key: str) -> None:
    assert error_fields(validate(make_app({key: "   "}), ctx)) == {key}


LONG = "x" * 39

# (id, changes, the fields that must carry errors)
FAILING = [
    ("round unknown", {"funding_round": "Winter 3"}, {"funding_round"}),
    ("type not a choice", {"application_type": "Family"}, {"application_type"}),
    ("school unknown", {"school_name": "Hogwarts"}, {"school_name"}),
    ("senco name too short", {"senco_name": "J"}, {"senco_name"}),
    ("senco name too long", {"senco_name": "J" * 81}, {"senco_name"}),
    ("senco email invalid", {"senco_email": "senco at aldborough"}, {"senco_email"}),
    ("SEN budget negative", {"notional_sen_budget": "-5"}, {"notional_sen_budget"}),
    ("SEN budget unreadable", {"notional_sen_budget": "£45k"}, {"notional_sen_budget"}),
    ("high needs below allocation", {"high_needs_used": "9,999.99"}, {"high_needs_used"}),
    ("high needs negative", {"high_needs_used": "-1"}, {"high_needs_used"}),
    ("high needs evidence short", {"high_needs_evidence": LONG}, {"high_needs_evidence"}),
    ("title too short", {"intervention_title": "ab"}, {"intervention_title"}),
    ("title too long", {"intervention_title": "t" * 121}, {"intervention_title"}),
    ("description short", {"intervention_description": LONG}, {"intervention_description"}),
    ("area of need unknown", {"area_of_need": "Maths"}, {"area_of_need"}),
    ("start date month first", {"start_date": "03/13/2027"}, {"start_date"}),
    ("end before start", {"end_date": "28/02/2027"}, {"end_date"}),
    ("end same as start", {"end_date": "01/03/2027"}, {"end_date"}),
    ("longer than 12 months", {"end_date": "02/03/2028"}, {"end_date"}),
    ("sessions per week zero", {"sessions_per_week": "0"}, {"sessions_per_week"}),
    ("session too short", {"session_minutes": "4"}, {"session_minutes"}),
    ("session too long", {"session_minutes": "241"}, {"session_minutes"}),
    ("delivered by unknown", {"delivered_by": "Parent"}, {"delivered_by"}),
    ("pupil count mismatch", {"number_of_pupils": "3"}, {"number_of_pupils"}),
    ("pupil count zero for a group", {"number_of_pupils": "0"}, {"number_of_pupils"}),
    ("individual with two rows", {"application_type": "Individual pupil"}, {"application_type"}),
    (
        "group with no rows",
        {k: None for k in APP_BASE if k.startswith("pupil_")},
        {"application_type"},
    ),
    ("pupil ref missing in a filled row", {"pupil_2_ref": None}, {"pupil_2_ref"}),
    ("pupil ref is a name", {"pupil_2_ref": "Amy Smith"}, {"pupil_2_ref"}),
    ("pupil ref is initial and surname", {"pupil_2_ref": "J. Smith"}, {"pupil_2_ref"}),
    ("pupil ref is a UPN", {"pupil_2_ref": "A123456789012"}, {"pupil_2_ref"}),
    ("pupil ref is a temporary UPN", {"pupil_2_ref": "A12345678901B"}, {"pupil_2_ref"}),
    ("pupil ref is a spaced UPN", {"pupil_2_ref": "a1234 5678 9012"}, {"pupil_2_ref"}),
    ("pupil ref is an email", {"pupil_2_ref": "amy@home.net"}, {"pupil_2_ref"}),
    ("pupil ref too long", {"pupil_2_ref": "ABCDEFGHIJKLM"}, {"pupil_2_ref"}),
    ("pupil year missing", {"pupil_2_year": None}, {"pupil_2_year"}),
    ("pupil year unknown", {"pupil_2_year": "Y15"}, {"pupil_2_year"}),
    ("pupil status missing", {"pupil_1_status": None}, {"pupil_1_status"}),
    ("pupil status unknown", {"pupil_1_status": "Pending"}, {"pupil_1_status"}),
    ("pupil need unknown", {"pupil_1_need": "ADHD"}, {"pupil_1_need"}),
    ("no outcomes", {k: None for k in APP_BASE if k.startswith("outcome_")}, {"outcome_1_text"}),
    ("outcome text missing", {"outcome_2_text": None}, {"outcome_2_text"}),
    ("outcome measure missing", {"outcome_1_measure": None}, {"outcome_1_measure"}),
    ("outcome measure unknown", {"outcome_1_measure": "Smiles"}, {"outcome_1_measure"}),
    ("baseline missing", {"outcome_1_baseline": None}, {"outcome_1_baseline"}),
    ("target missing", {"outcome_1_target": None}, {"outcome_1_target"}),
    ("baseline unreadable", {"outcome_1_baseline": "forty"}, {"outcome_1_baseline"}),
    ("baseline out of range", {"outcome_1_baseline": "-1"}, {"outcome_1_baseline"}),
    ("target out of range", {"outcome_1_target": "137"}, {"outcome_1_target"}),
    ("target not higher (higher better)", {"outcome_1_target": "40"}, {"outcome_1_target"}),
    ("target not lower (lower better)", {"outcome_2_target": "6"}, {"outcome_2_target"}),
    ("incidents negative", {"outcome_2_target": "-1"}, {"outcome_2_target"}),
    (
        "standardised score out of range",
        {"outcome_1_measure": "Standardised score", "outcome_1_baseline": "30", "outcome_1_target": "85"},
        {"outcome_1_baseline"},
    ),
    (
        "SDQ target above baseline",
        {"outcome_1_measure": "SDQ total difficulties", "outcome_1_baseline": "20", "outcome_1_target": "25"},
        {"outcome_1_target"},
    ),
    (
        "Other: target equals baseline",
        {"outcome_1_measure": "Other", "outcome_1_baseline": "7", "outcome_1_target": "7"},
        {"outcome_1_target"},
    ),
    (
        "no cost rows",
        {k: None for k in APP_BASE if k.startswith("cost_")},
        {"cost_1_item"},
    ),
    ("cost item missing", {"cost_2_item": None}, {"cost_2_item"}),
    ("cost amount missing", {"cost_2_amount": None}, {"cost_2_amount"}),
    ("cost amount zero", {"cost_1_amount": "0", "total_cost": "2000", "amount_requested": "1600"}, {"cost_1_amount"}),
    ("total does not match rows", {"total_cost": "2,450", "amount_requested": "2050"}, {"total_cost"}),
    ("contribution negative", {"school_contribution": "-10"}, {"school_contribution"}),
    ("contribution above total", {"school_contribution": "2,500"}, {"school_contribution"}),
    ("requested not total less contribution", {"amount_requested": "1,900"}, {"amount_requested"}),
    ("requested zero", {"school_contribution": "2400", "amount_requested": "0"}, {"amount_requested"}),
    (
        "requested above the cap",
        {"cost_2_amount": "12,000", "total_cost": "12,400", "school_contribution": "0", "amount_requested": "12,400"},
        {"amount_requested"},
    ),
    ("parents not informed", {"parents_informed": False}, {"parents_informed"}),
    ("parents box missing", {"parents_informed": None}, {"parents_informed"}),
    ("data protection typed No", {"data_protection": "No"}, {"data_protection"}),
    ("data protection unreadable", {"data_protection": "perhaps"}, {"data_protection"}),
    ("senco signed after received", {"senco_signed_date": "02/02/2027"}, {"senco_signed_date"}),
    ("head signed after received", {"headteacher_signed_date": "3 Feb 2027"}, {"headteacher_signed_date"}),
    ("same person signed twice", {"headteacher_signature": "jo  bloggs."}, {"headteacher_signature"}),
    ("text field given a tick", {"senco_name": True}, {"senco_name"}),
]


@pytest.mark.parametrize(("changes", "fields"), [pytest.param(c, f, id=i) for i, c, f in FAILING])
def test_rule_fails(ctx: ValidationContext, changes: dict, fields: set[str]) -> None:  # type: ignore[type-arg]
    result = validate(make_app(changes), ctx)
    assert error_fields(result) == fields, [m.message for m in result.errors]
    for m in result.errors:
        assert m.message.startswith(m.label + ": ")
        assert m.label == APPLICATION.label_of(m.field)


PASSING = [
    ("round by name", {"funding_round": "spring-1 2027"}),
    ("round by code", {"funding_round": "sp1"}),
    ("type folded", {"application_type": "GROUP OF PUPILS"}),
    ("school folded", {"school_name": "ALDBOROUGH primary academy"}),
    ("school configured name", {"school_name": "Aldborough Primary School"}),
    ("senco name two letters", {"senco_name": "Jo"}),
    ("email other domain (warning only)", {"senco_email": "jo.bloggs@gmail.com"}),
    ("high needs above allocation", {"high_needs_used": "£12,000"}),
    ("evidence exactly 40", {"high_needs_evidence": "y" * 40}),
    ("title 3 characters", {"intervention_title": "ELS"}),
    ("area short form", {"area_of_need": "S&P"}),
    ("end exactly 12 months on", {"end_date": "01/03/2028"}),
    ("end next day", {"end_date": "2/3/27"}),
    ("half a session a week", {"sessions_per_week": "0.5"}),
    ("no sessions given", {"sessions_per_week": None, "session_minutes": None, "delivered_by": None}),
    ("shortest session", {"session_minutes": "5"}),
    ("longest session", {"session_minutes": "240"}),
    (
        "individual with one row",
        {"application_type": "Individual pupil", "number_of_pupils": "1"}
        | {k: None for k in APP_BASE if k.startswith("pupil_2_")},
    ),
    (
        "whole school, no rows",
        {"application_type": "Whole school", "number_of_pupils": "0"}
        | {k: None for k in APP_BASE if k.startswith("pupil_")},
    ),
    ("whole school with rows", {"application_type": "Whole school"}),
    ("pupil ref with dots", {"pupil_1_ref": "A.B."}),
    ("pupil ref initials spaced", {"pupil_1_ref": "A B"}),
    ("pupil ref code with digits", {"pupil_1_ref": "AB 12"}),
    ("pupil ref 12 chars", {"pupil_1_ref": "ABC123456789"}),
    ("pupil need optional", {"pupil_1_need": None}),
    (
        "pupil rows not contiguous",
        {k.replace("pupil_2", "pupil_5"): v for k, v in APP_BASE.items() if k.startswith("pupil_2")}
        | {k: None for k in APP_BASE if k.startswith("pupil_2")},
    ),
    ("one outcome", {k: None for k in APP_BASE if k.startswith("outcome_2")}),
    ("Other: lower target allowed", {"outcome_1_measure": "Other", "outcome_1_baseline": "7", "outcome_1_target": "3"}),
    (
        "one cost row",
        {
            "cost_2_item": None,
            "cost_2_amount": None,
            "total_cost": "400",
            "school_contribution": "0",
            "amount_requested": "400",
        },
    ),
    (
        "request at the cap",
        {"cost_2_amount": "10,000", "total_cost": "10,400", "school_contribution": "400", "amount_requested": "10,000"},
    ),
    ("typed ticks", {"parents_informed": "Yes", "data_protection": "☒"}),
    ("signed on the day received", {"senco_signed_date": "01/02/2027", "headteacher_signed_date": "1 February 2027"}),
    (
        "one person in both roles",
        {
            "school_name": "Erpingham",
            "senco_email": "senco@erpingham.example.org",
            "headteacher_name": "Tom Reilly",
            "senco_signature": "Tom Reilly",
            "headteacher_signature": "Tom Reilly",
        },
    ),
    ("unknown extra rows ignored", {"favourite_colour": "blue"}),
]


@pytest.mark.parametrize("changes", [pytest.param(c, id=i) for i, c in PASSING])
def test_rule_passes(ctx: ValidationContext, changes: dict) -> None:  # type: ignore[type-arg]
    result = validate(make_app(changes), ctx)
    assert result.errors == [], [m.message for m in result.errors]
    assert result.form is not None


def test_total_cost_message(ctx: ValidationContext) -> None:
    result = validate(make_app({"total_cost": "2,450", "amount_requested": "2050"}), ctx)
    assert [m.message for m in result.errors] == [
        "Total cost: £2,450.00 does not match the sum of the cost rows (£2,400.00). "
        "Please correct the total or the cost rows."
    ]


def test_requested_message_shows_the_sum(ctx: ValidationContext) -> None:
    (msg,) = validate(make_app({"amount_requested": "1,900"}), ctx).errors
    assert "£2,400.00 - £400.00 = £2,000.00" in msg.message


def test_email_domain_warning(ctx: ValidationContext) -> None:
    result = validate(make_app({"senco_email": "jo.bloggs@gmail.com"}), ctx)
    assert result.ok
    (w,) = result.warnings
    assert w.field == "senco_email" and w.severity is Severity.WARNING
    assert "@aldborough.example.org" in w.message


def test_email_alias_is_normalised(ctx: ValidationContext) -> None:
    result = validate(make_app({"senco_email": "Jo <SENCO@Aldborough.Example.org>"}), ctx)
    assert result.messages == []
    assert result.fields["senco_email"] == "SENCO@aldborough.example.org"


def test_high_needs_exception(config: Config) -> None:
    ctx = ValidationContext(config=config, received_at=RECEIVED, high_needs_exception=True)
    assert validate(make_app({"high_needs_used": "6,000"}), ctx).ok


def test_high_needs_message(ctx: ValidationContext) -> None:
    (msg,) = validate(make_app({"high_needs_used": "6000"}), ctx).errors
    assert "£6,000.00 is less than the school's £10,000.00" in msg.message


# -- funding round ----------------------------------------------------------


def test_blank_round_is_the_next_deadline(config: Config) -> None:
    late = datetime(2027, 2, 5, 12, 0, 1, tzinfo=LONDON)  # a second after the Spring 1 deadline
    result = validate(make_app({"funding_round": None}), ValidationContext(config=config, received_at=late))
    assert result.round == "Spring 2 2027" and result.fields["funding_round"] == "Spring 2 2027"


def test_no_round_left(config: Config) -> None:
    after_all = datetime(2027, 8, 1, tzinfo=LONDON)
    ctx = ValidationContext(config=config, received_at=after_all)
    result = validate(make_app({"senco_signed_date": "1/7/27", "headteacher_signed_date": "1/7/27"}), ctx)
    assert error_fields(result) == {"funding_round"}
    assert result.round is None


def test_named_round_after_its_deadline_is_a_warning(ctx: ValidationContext) -> None:
    result = validate(make_app({"funding_round": "Autumn 1 2026"}), ctx)
    assert result.ok and result.round == "Autumn 1 2026"
    assert [m.field for m in result.warnings] == ["funding_round"]


# -- continuation -----------------------------------------------------------


def _earlier(**kw: object) -> KnownApplication:
    base: dict[str, object] = dict(
        reference="WVC-2526-SU2-007",
        school="Aldborough Primary School",
        state="closed",
        intervention_title="Lego therapy",
        application_type="Group of pupils",
        start_date=date(2026, 1, 5),
        end_date=date(2026, 7, 17),
        amount_requested=Decimal("1500.00"),
        amount_awarded=Decimal("1500.00"),
        impact_accepted=True,
        awarded=True,
    )
    base.update(kw)
    return KnownApplication(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("known", "ok"),
    [
        pytest.param(_earlier(), True, id="accepted impact"),
        pytest.param(_earlier(impact_accepted=False), False, id="impact not accepted"),
        pytest.param(_earlier(school="Cawston Primary School"), False, id="another school"),
        pytest.param(None, False, id="unknown reference"),
    ],
)
def test_continuation(config: Config, known: KnownApplication | None, ok: bool) -> None:
    ctx = ValidationContext(
        config=config, received_at=RECEIVED, lookup_application=lookup_of(*([known] if known else []))
    )
    result = validate(make_app({"continuation_of": "wvc - 2526 - su2 - 007"}), ctx)
    assert result.ok is ok
    assert error_fields(result) == (set() if ok else {"continuation_of"})
    assert result.fields["continuation_of"] == "WVC-2526-SU2-007"


def test_continuation_skipped_without_a_store(config: Config) -> None:
    ctx = ValidationContext(config=config, received_at=RECEIVED, lookup_application=None)
    assert validate(make_app({"continuation_of": "WVC-0000-XX-000"}), ctx).ok


# -- pupils and data protection ---------------------------------------------

PRIVATE_REFS = [
    "Amy Smith",
    "amy smith",
    "J. Smith",
    "Mary-Jane O'Neill",
    "A123456789012",
    "A12345678901B",
    "amy.smith@home.net",
]


@pytest.mark.parametrize("ref", PRIVATE_REFS)
def test_pupil_messages_never_repeat_the_ref(ctx: ValidationContext, ref: str) -> None:
    result = validate(make_app({"pupil_2_ref": ref}), ctx)
    (msg,) = result.errors
    assert msg.field == "pupil_2_ref"
    assert msg.message.startswith("Pupil reference (pupil row 2): this looks like")
    assert "names and UPNs must never be sent to the cluster" in msg.message
    for part in [ref, *ref.replace(".", " ").replace("@", " ").split()]:
        if len(part) > 1:
            assert part.lower() not in msg.message.lower()
    # nor is it kept among the normalised fields
    assert result.fields["pupils"][1]["ref"] is None
    assert ref not in str(result.fields_json())


def test_name_message_wording(ctx: ValidationContext) -> None:
    (msg,) = validate(make_app({"pupil_2_ref": "Amy Smith"}), ctx).errors
    assert msg.message == (
        "Pupil reference (pupil row 2): this looks like a pupil's name. Use initials or the school's own "
        "pupil code; names and UPNs must never be sent to the cluster."
    )


def test_pupil_detail_not_echoed_on_bad_year(ctx: ValidationContext) -> None:
    (msg,) = validate(make_app({"pupil_1_year": "Y15"}), ctx).errors
    assert "Y15" not in msg.message and msg.label == "Year group (pupil row 1)"


def test_duplicate_pupil_ref_is_a_warning(ctx: ValidationContext) -> None:
    result = validate(make_app({"pupil_2_ref": "ab"}), ctx)
    assert result.ok
    (w,) = result.warnings
    assert w.field == "pupil_2_ref" and "pupil row 1" in w.message and "AB" not in w.message


# -- all at once ------------------------------------------------------------


def test_five_mistakes_give_five_errors_at_once(ctx: ValidationContext) -> None:
    result = validate(
        make_app(
            {
                "school_name": "Hogwarts",
                "end_date": "01/01/2027",
                "pupil_1_ref": "Amy Smith",
                "total_cost": "£2,450.00",
                "amount_requested": "2050",
                "data_protection": False,
            }
        ),
        ctx,
    )
    assert len(result.errors) == 5
    assert error_fields(result) == {"school_name", "end_date", "pupil_1_ref", "total_cost", "data_protection"}
    assert not result.ok and result.form is None
    # the readable values are still there for the Host
    assert result.fields["total_cost"] == Decimal("2450.00")
    assert result.fields["school_name"] == "Hogwarts"
    assert result.school is None


def test_unreadable_values_are_left_out(ctx: ValidationContext) -> None:
    result = validate(make_app({"total_cost": "lots", "start_date": "soon"}), ctx)
    assert "total_cost" not in result.fields and "start_date" not in result.fields
    assert "end_date" in result.fields


def test_too_many_rows_reported(ctx: ValidationContext) -> None:
    result = validate(make_app({"pupil_9_ref": "ZZ"}), ctx)
    assert [m.field for m in result.errors] == [""]


def test_unknown_form_id(ctx: ValidationContext) -> None:
    from conftest import ExtractedForm

    result = validate(ExtractedForm(form_id="send-response", fields={}, reader="test"), ctx)
    assert not result.ok


def test_received_at_must_be_aware(config: Config) -> None:
    with pytest.raises(ValueError):
        ValidationContext(config=config, received_at=datetime(2027, 2, 1))


def test_today_is_in_the_cluster_zone(config: Config) -> None:

    # 23:30 UTC on 31 May is 00:30 on 1 June in London (summer time).
    ctx = ValidationContext(config=config, received_at=datetime(2027, 5, 31, 23, 30, tzinfo=UTC))
    assert ctx.today == date(2027, 6, 1)


def test_fields_json_has_every_key_even_when_blank(ctx: ValidationContext) -> None:
    j = validate(make_app({"senco_phone": None, "start_date": "31/02/2027"}), ctx).fields_json()
    singles = [f.key for f in APPLICATION.single_fields()]
    assert set(j) == {*singles, "pupils", "outcomes", "costs"}
    assert j["senco_phone"] is None and j["start_date"] is None and j["continuation_of"] is None
    order = list(j)
    assert order.index("school_name") < order.index("pupils") < order.index("outcomes") < order.index("costs")
    assert order.index("costs") < order.index("total_cost") < order.index("headteacher_signed_date")


def test_fields_json_empty_tables_are_empty_lists(ctx: ValidationContext) -> None:
    changes = {k: None for k in APP_BASE if k.startswith(("pupil_", "cost_"))}
    j = validate(make_app(changes | {"application_type": "Whole school"}), ctx).fields_json()
    assert j["pupils"] == [] and j["costs"] == []


@pytest.mark.parametrize(("rows", "says"), [(1, "1 pupil row is filled in"), (2, "2 pupil rows are filled in")])
def test_pupil_count_message_counts_rows_in_plain_english(ctx: ValidationContext, rows: int, says: str) -> None:
    changes: dict[str, object] = {"number_of_pupils": "5"}
    if rows == 1:
        changes |= {k: None for k in APP_BASE if k.startswith("pupil_2_")}
    (msg,) = validate(make_app(changes), ctx).errors
    assert msg.message == f"Number of pupils: this says 5 but {says}. Please make them match."
