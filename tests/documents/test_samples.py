"""Sample values: clean forms pass application.md's rules; each named mistake breaks exactly its rule.

The checker below is a small, independent reading of application.md written for
this test (not the project's validator), so the samples can be trusted as inputs
to the validator's own tests.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from forms_processor.config import Config
from forms_processor.documents import sample_application, sample_impact
from forms_processor.documents.samples import MISTAKE_NAMES, parse_dmy, parse_money
from forms_processor.spec import APPLICATION, IMPACT, MEASURES_BY_NAME, FieldType, target_met

TODAY = date(2027, 3, 20)
Values = dict[str, str | bool]


def _rows(v: Values, prefix: str, first: str, count: int) -> list[int]:
    return [n for n in range(1, count + 1) if v.get(f"{prefix}_{n}_{first}")]


def detected_mistakes(v: Values, config: Config, today: date) -> set[str]:
    """The mistake names whose rule the values break."""
    found: set[str] = set()
    school = config.find_school(str(v["school_name"]))
    assert school is not None
    for key in (
        "intervention_title",
        "area_of_need",
        "summary_of_need",
        "headteacher_name",
        "senco_name",
        "application_type",
        "senco_signature",
        "headteacher_signature",
        "start_date",
        "end_date",
    ):
        if not v[key]:
            found.add("missing_required")
    costs = [parse_money(v[f"cost_{n}_amount"]) for n in _rows(v, "cost", "amount", 6)]
    total, contribution, requested = (
        parse_money(v[k]) for k in ("total_cost", "school_contribution", "amount_requested")
    )
    if sum(costs) != total:
        found.add("total_mismatch")
    if requested != total - contribution:
        found.add("request_not_total_minus_contribution")
    if requested > config.cluster.cap_per_application:
        found.add("request_over_cap")
    assert requested > 0 and 0 <= contribution <= total
    for n in _rows(v, "pupil", "ref", 8):
        ref = str(v[f"pupil_{n}_ref"])
        if re.fullmatch(r"[A-Za-z]+(\s+[A-Za-z]+)+", ref):
            found.add("pupil_full_name")
        elif len(ref) == 13 and re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", ref):
            found.add("pupil_upn")
        else:
            assert re.fullmatch(r"[A-Z]{2,3}|P\d{4}", ref), ref
            assert v[f"pupil_{n}_year"] and v[f"pupil_{n}_status"]
    rows = _rows(v, "pupil", "ref", 8)
    if v["application_type"] == "Individual pupil":
        assert len(rows) == 1
    if rows and int(str(v["number_of_pupils"])) != len(rows):
        found.add("pupil_count_mismatch")
    if v["application_type"] != "Whole school":
        assert rows
    if not (v["parents_informed"] is True and v["data_protection"] is True):
        found.add("missing_declaration")
    if parse_money(v["high_needs_used"]) < config.cluster.high_needs_allocation:
        found.add("allocation_not_used")
    if v["start_date"] and v["end_date"]:
        start, end = parse_dmy(v["start_date"]), parse_dmy(v["end_date"])
        if end <= start:
            found.add("end_before_start")
        elif end > start + timedelta(days=366 * config.cluster.max_intervention_months // 12):
            found.add("intervention_too_long")
    outcomes = _rows(v, "outcome", "text", 3)
    assert outcomes, "at least one outcome"
    for n in outcomes:
        measure = MEASURES_BY_NAME[str(v[f"outcome_{n}_measure"])]
        baseline, target = Decimal(str(v[f"outcome_{n}_baseline"])), Decimal(str(v[f"outcome_{n}_target"]))
        for value in (baseline, target):
            if (measure.low is not None and value < measure.low) or (measure.high is not None and value > measure.high):
                found.add("outcome_out_of_range")
        better = target > baseline if measure.higher_is_better else target < baseline
        if measure.name == "Other":
            better = target != baseline
        if not better:
            found.add("target_not_better")
    for key, minimum in (
        ("high_needs_evidence", 40),
        ("intervention_description", 40),
        ("summary_of_need", 40),
        ("already_tried", 40),
        ("why_cluster_funding", 20),
    ):
        if v[key] and len(str(v[key])) < minimum:
            found.add("narrative_too_short")
    for key in ("senco_signed_date", "headteacher_signed_date"):
        if parse_dmy(v[key]) >= today:
            found.add("signed_in_future")
    if not school.senco_is_headteacher and v["senco_signature"] == v["headteacher_signature"]:
        found.add("same_signatures")
    if v["senco_signature"] and v["senco_name"] != v["senco_signature"]:
        raise AssertionError("the SENCO signs with their name")
    email = str(v["senco_email"])
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", email):
        found.add("invalid_email")
    else:
        assert school.owns_address(email)
    if v["funding_round"]:
        assert config.find_round(str(v["funding_round"])) is not None
    return found


@pytest.mark.parametrize("seed", range(60))
def test_clean_samples_pass_every_rule(config: Config, seed: int) -> None:
    rng = random.Random(seed)
    values, mistakes = sample_application(config, rng, today=TODAY, round_name="Spring 2 2027" if seed % 2 else None)
    assert mistakes == []
    assert set(values) == set(APPLICATION.flat_keys())
    for key, value in values.items():
        assert isinstance(value, bool) == (APPLICATION.field(key).type is FieldType.CHECKBOX), key
    assert detected_mistakes(values, config, TODAY) == set()
    assert values["funding_round"] == ("Spring 2 2027" if seed % 2 else "")
    start = parse_dmy(values["start_date"])
    assert start > TODAY
    for key in ("intervention_description", "summary_of_need", "already_tried", "high_needs_evidence"):
        assert len(str(values[key])) >= 40


@pytest.mark.parametrize("seed", range(80))
def test_mistakes_break_exactly_the_named_rules(config: Config, seed: int) -> None:
    rng = random.Random(1000 + seed)
    n = 1 + seed % 4
    values, mistakes = sample_application(config, rng, mistakes=n, today=TODAY)
    assert len(mistakes) == n and len(set(mistakes)) == n
    assert set(mistakes) <= set(MISTAKE_NAMES)
    assert detected_mistakes(values, config, TODAY) == set(mistakes)


def test_every_mistake_kind_is_used(config: Config) -> None:
    seen: set[str] = set()
    for seed in range(400):
        seen.update(sample_application(config, random.Random(seed), mistakes=2, today=TODAY)[1])
    assert seen == set(MISTAKE_NAMES)


def test_samples_are_reproducible_and_vary(config: Config) -> None:
    a = sample_application(config, random.Random(7), mistakes=2, today=TODAY)
    b = sample_application(config, random.Random(7), mistakes=2, today=TODAY)
    assert a == b
    titles = {sample_application(config, random.Random(s), today=TODAY)[0]["intervention_title"] for s in range(30)}
    assert len(titles) >= 3


def test_school_and_round_are_honoured(config: Config) -> None:
    school = config.school_by_name("Erpingham VC Primary School")
    values, _ = sample_application(config, random.Random(3), school=school, today=TODAY, round_name="Summer 1 2027")
    assert values["school_name"] == school.name
    assert values["funding_round"] == "Summer 1 2027"
    # One person is SENCO and headteacher at this school.
    assert values["senco_signature"] == values["headteacher_signature"]
    with pytest.raises(KeyError):
        sample_application(config, random.Random(3), today=TODAY, round_name="Winter 2029")


def test_too_many_mistakes_is_refused(config: Config) -> None:
    with pytest.raises(ValueError, match="at most"):
        sample_application(config, random.Random(1), mistakes=50, today=TODAY)


@pytest.mark.parametrize("seed", range(20))
def test_impact_follows_the_application(config: Config, seed: int) -> None:
    rng = random.Random(seed)
    app, _ = sample_application(config, rng, today=TODAY)
    school = config.school_by_name(str(app["school_name"]))
    sent = parse_dmy(app["end_date"]) + timedelta(days=10)
    v = sample_impact(config, rng, "WVC-2627-SP2-007", school, app, sent)
    assert set(v) == set(IMPACT.flat_keys())
    assert v["application_reference"] == "WVC-2627-SP2-007"
    assert v["intervention_title"] == app["intervention_title"]
    assert v["school_name"] == school.name
    start, end = parse_dmy(v["actual_start_date"]), parse_dmy(v["actual_end_date"])
    assert start < end < sent
    assert parse_dmy(v["headteacher_signed_date"]) < sent
    assert parse_money(v["actual_spend"]) <= parse_money(app["amount_requested"])
    assert int(str(v["sessions_delivered"])) <= int(str(v["sessions_planned"]))
    assert len(str(v["staff_evaluation"])) >= 40 and len(str(v["pupil_voice"])) >= 20
    for n in range(1, 4):
        assert v[f"outcome_{n}_measure"] == app[f"outcome_{n}_measure"]
        if not v[f"outcome_{n}_measure"]:
            continue
        measure = MEASURES_BY_NAME[str(v[f"outcome_{n}_measure"])]
        baseline, target, result = (Decimal(str(v[f"outcome_{n}_{k}"])) for k in ("baseline", "target", "result"))
        assert v[f"outcome_{n}_met"] == target_met(measure, baseline, target, result)
        if measure.low is not None:
            assert result >= measure.low
        if measure.high is not None:
            assert result <= measure.high


def test_impact_without_an_application(config: Config) -> None:
    school = config.schools[0]
    v = sample_impact(config, random.Random(5), "WVC-2627-AU1-001", school, None, date(2027, 7, 1))
    assert v["school_name"] == school.name
    assert parse_dmy(v["actual_end_date"]) < date(2027, 7, 1)
    assert v["outcome_1_measure"] and v["outcome_1_met"]
