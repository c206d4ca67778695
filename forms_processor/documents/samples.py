"""Realistic sample form values for tests, the demo and the benchmark. All invented.

:func:`sample_application` returns values that pass every rule of
application.md, or, with ``mistakes=n``, values with ``n`` deliberate errors of
different kinds, and the names of those errors (see :data:`MISTAKES`).
:func:`sample_impact` returns the impact form of an award. Values are what a
SENCO types (money "£1,250.00", dates "01/03/2027"), bools for checkboxes, keyed
by flat key, ready for :func:`~forms_processor.documents.fill_docx` /
:func:`~forms_processor.documents.fill_pdf`. The clock is a parameter (``today``).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from ..config import Config, School
from ..spec import APPLICATION, IMPACT, MEASURES_BY_NAME, FieldType, target_met
from .sample_data import (
    HIGH_NEEDS_EVIDENCE,
    INTERVENTIONS,
    NEED_TEXTS,
    NEXT_STEPS_CHOICES,
    OUTCOME_TEXT,
    PARENT_VOICE,
    PUPIL_VOICE,
    STAFF_EVALUATION,
    WHY_CLUSTER,
    _Intervention,
)
from .sample_mistakes import MISTAKE_NAMES, MISTAKES, choose_mistakes
from .sample_values import (
    Values,
    dmy,
    money,
    outcome_values,
    parse_dmy,
    parse_money,
    person,
    pupil_refs,
    round_today,
    year_groups,
)

# --------------------------------------------------------------------------
# Application
# --------------------------------------------------------------------------


def _contacts(v: Values, rng: random.Random, school: School, kind: str, round_name: str | None) -> tuple[str, str]:
    """About, school, contacts; returns (SENCO, headteacher)."""
    v["funding_round"] = round_name or ""
    v["application_type"] = kind
    v["school_name"] = school.name
    head = school.headteacher or person(rng)
    senco = head if school.senco_is_headteacher else person(rng, {head})
    domain = school.email_domains[0] if school.email_domains else "school.example.org"
    first, last = senco.lower().split(" ", 1)
    v["senco_name"] = senco
    v["senco_email"] = school.senco_email or f"{first}.{last}@{domain}"
    v["senco_phone"] = f"01603 {rng.randint(100000, 999999)}"
    v["headteacher_name"] = head
    return senco, head


def _school_funding(v: Values, rng: random.Random, config: Config) -> None:
    """The school's own funding."""
    allocation = config.cluster.high_needs_allocation
    v["notional_sen_budget"] = money(Decimal(rng.randint(30, 120) * 500))
    v["high_needs_used"] = money(allocation + (Decimal(rng.randint(0, 40) * 50) if rng.random() < 0.5 else 0))
    v["high_needs_evidence"] = rng.choice(HIGH_NEEDS_EVIDENCE)


def _intervention(v: Values, rng: random.Random, config: Config, iv: _Intervention, today: date) -> None:
    start = today + timedelta(days=rng.randint(10, 45))
    max_days = min(330, int(config.cluster.max_intervention_months * 30.4) - 5)
    end = start + timedelta(days=rng.randint(min(56, max_days), max_days))
    weekly = rng.choice((1, 2, 3, 5))
    v["intervention_title"] = iv.title
    v["intervention_description"] = iv.description
    v["area_of_need"] = iv.area
    v["start_date"] = dmy(start)
    v["end_date"] = dmy(end)
    v["sessions_per_week"] = str(weekly)
    v["session_minutes"] = str(rng.choice((15, 20, 30, 45, 60)))
    v["delivered_by"] = iv.delivered_by


def _pupils(v: Values, rng: random.Random, school: School, iv: _Intervention, kind: str) -> None:
    if kind == "Individual pupil":
        count = 1
    elif kind == "Group of pupils":
        count = rng.randint(2, 6)
    else:
        count = 0
    years = year_groups(school)
    for n, ref in enumerate(pupil_refs(rng, count), start=1):
        v[f"pupil_{n}_ref"] = ref
        v[f"pupil_{n}_year"] = rng.choice(years)
        v[f"pupil_{n}_status"] = rng.choice(("EHCP", "SEN support", "SEN support"))
        v[f"pupil_{n}_need"] = rng.choice(iv.needs)
    v["number_of_pupils"] = str(count or rng.randint(20, 90))


def _outcomes(v: Values, rng: random.Random, iv: _Intervention) -> None:
    measures = rng.sample(iv.measures, rng.randint(1, min(3, len(iv.measures))))
    for n, measure in enumerate(measures, start=1):
        baseline, target = outcome_values(rng, measure)
        v[f"outcome_{n}_text"] = OUTCOME_TEXT[measure]
        v[f"outcome_{n}_measure"] = measure
        v[f"outcome_{n}_baseline"] = str(baseline)
        v[f"outcome_{n}_target"] = str(target)


def _costs_requested(v: Values, rng: random.Random, config: Config, iv: _Intervention) -> None:
    """Costs: the request (total - contribution) must be > 0 and within the cap."""
    cap = config.cluster.cap_per_application
    amounts = [Decimal(rng.randint(lo, hi)) + Decimal(rng.choice((0, 0, 50))) / 100 for _, lo, hi in iv.costs]
    while sum(amounts) > cap * Decimal("0.95"):
        amounts = [(a * Decimal("0.8")).quantize(Decimal("1")) for a in amounts]
    total = sum(amounts, Decimal(0))
    contribution = (
        Decimal(0) if rng.random() < 0.4 else (total * Decimal(rng.randint(5, 30)) / 100).quantize(Decimal("1"))
    )
    for n, ((item, _, _), amount) in enumerate(zip(iv.costs, amounts, strict=True), start=1):
        v[f"cost_{n}_item"] = item
        v[f"cost_{n}_amount"] = money(amount) if rng.random() < 0.85 else f"{amount:.2f}"
    v["total_cost"] = money(total)
    v["school_contribution"] = money(contribution)
    v["amount_requested"] = money(total - contribution)


def _declarations(v: Values, rng: random.Random, senco: str, head: str, today: date) -> None:
    v["parents_informed"] = True
    v["data_protection"] = True
    senco_day = today - timedelta(days=rng.randint(2, 10))
    head_day = senco_day + timedelta(days=rng.randint(0, 1))
    v["senco_signature"] = senco
    v["senco_signed_date"] = dmy(senco_day)
    v["headteacher_signature"] = head
    v["headteacher_signed_date"] = dmy(head_day)


def sample_application(
    config: Config,
    rng: random.Random,
    school: School | None = None,
    mistakes: int = 0,
    today: date | None = None,
    round_name: str | None = None,
) -> tuple[Values, list[str]]:
    """A filled application form and the names of the mistakes put in it.

    ``today`` is the day the form is sent: signatures are dated before it and the
    intervention starts after it (default: three days before the round's deadline,
    or before the first round's). ``round_name`` names a configured round for
    "Funding round"; None leaves it blank. Every field of the spec gets a value
    (blank rows as ""), so the result fills a template completely.
    """
    if round_name is not None:
        config.round_by_name(round_name)  # KeyError for an unknown round
    school = school or rng.choice(config.schools)
    today = today or round_today(config, round_name)
    chosen = choose_mistakes(rng, mistakes, school)
    v: Values = {key: "" for key in APPLICATION.flat_keys()}
    for key, spec in ((k, APPLICATION.field(k)) for k in APPLICATION.flat_keys()):
        if spec.type is FieldType.CHECKBOX:
            v[key] = False

    iv = rng.choice(INTERVENTIONS)
    need_pupils = any(m.needs_pupils for m in chosen)
    kinds = ["Individual pupil", "Group of pupils", "Group of pupils", "Group of pupils"]
    if not need_pupils:
        kinds.append("Whole school")
    kind = rng.choice(kinds)

    senco, head = _contacts(v, rng, school, kind, round_name)
    _school_funding(v, rng, config)
    _intervention(v, rng, config, iv, today)
    _pupils(v, rng, school, iv, kind)
    v["summary_of_need"], v["already_tried"] = rng.choice(NEED_TEXTS[iv.area])
    v["why_cluster_funding"] = rng.choice(WHY_CLUSTER)
    _outcomes(v, rng, iv)
    _costs_requested(v, rng, config, iv)
    _declarations(v, rng, senco, head, today)
    for mistake in chosen:
        mistake.apply(v, rng, config, today)
    return v, [m.name for m in chosen]


# --------------------------------------------------------------------------
# Impact
# --------------------------------------------------------------------------


def _delivery(v: Values, rng: random.Random, app: Values, today: date) -> date:
    """Delivery: close to the planned dates, finished before today. Returns the end date."""
    latest_end = today - timedelta(days=rng.randint(2, 10))
    if app.get("start_date") and app.get("end_date"):
        start = parse_dmy(app["start_date"]) + timedelta(days=rng.randint(0, 10))
        end = min(parse_dmy(app["end_date"]) + timedelta(days=rng.randint(-10, 5)), latest_end)
    else:
        end = latest_end
        start = end - timedelta(weeks=rng.randint(10, 30))
    if end <= start:
        end = start + timedelta(days=28)
    weekly = int(str(app.get("sessions_per_week") or rng.choice((1, 2, 3, 5))))
    planned = max(1, (end - start).days // 7 * weekly)
    v["actual_start_date"] = dmy(start)
    v["actual_end_date"] = dmy(end)
    v["sessions_planned"] = str(planned)
    v["sessions_delivered"] = str(round(planned * rng.uniform(0.82, 1.0)))
    v["pupils_supported"] = str(app.get("number_of_pupils") or rng.randint(1, 6))
    return end


def _impact_outcomes(v: Values, rng: random.Random, app: Values, iv: _Intervention) -> None:
    """Outcomes: the application's rows, with a result and whether the target was met."""
    rows: list[tuple[str, str, int, int]] = []
    for n in range(1, 4):
        if app.get(f"outcome_{n}_measure"):
            rows.append(
                (
                    str(app[f"outcome_{n}_text"]),
                    str(app[f"outcome_{n}_measure"]),
                    int(str(app[f"outcome_{n}_baseline"])),
                    int(str(app[f"outcome_{n}_target"])),
                )
            )
    if not rows:
        for measure in rng.sample(iv.measures, rng.randint(1, min(3, len(iv.measures)))):
            rows.append((OUTCOME_TEXT[measure], measure, *outcome_values(rng, measure)))
    for n, (text, measure, baseline, target) in enumerate(rows, start=1):
        spec = MEASURES_BY_NAME[measure]
        # Anything from a little short of the baseline-target gap to beyond the target.
        gap = target - baseline
        result = baseline + round(gap * rng.choice((0.5, 0.8, 1.0, 1.0, 1.2, 1.5)))
        if spec.low is not None:
            result = max(int(spec.low), result)
        if spec.high is not None:
            result = min(int(spec.high), result)
        v[f"outcome_{n}_text"] = text
        v[f"outcome_{n}_measure"] = measure
        v[f"outcome_{n}_baseline"] = str(baseline)
        v[f"outcome_{n}_target"] = str(target)
        v[f"outcome_{n}_result"] = str(result)
        v[f"outcome_{n}_met"] = target_met(spec, Decimal(baseline), Decimal(target), Decimal(result))


def sample_impact(
    config: Config,
    rng: random.Random,
    reference: str,
    school: School,
    application_values: Values | None,
    today: date,
) -> Values:
    """A filled impact form for the award ``reference``, sent on ``today``.

    From the application's values when given (same title, measures, baselines and
    targets, spend within the request); otherwise invented, ending before today.
    """
    v: Values = {key: "" for key in IMPACT.flat_keys()}
    app = application_values or {}
    head = str(app.get("headteacher_name", "")) or school.headteacher or person(rng)
    senco = str(app.get("senco_name", "")) or (head if school.senco_is_headteacher else person(rng, {head}))
    domain = school.email_domains[0] if school.email_domains else "school.example.org"
    first, last = senco.lower().split(" ", 1)
    iv = rng.choice(INTERVENTIONS)

    v["application_reference"] = reference
    v["school_name"] = school.name
    v["senco_name"] = senco
    v["senco_email"] = str(app.get("senco_email", "")) or school.senco_email or f"{first}.{last}@{domain}"
    v["intervention_title"] = str(app.get("intervention_title", "")) or iv.title

    end = _delivery(v, rng, app, today)

    _impact_outcomes(v, rng, app, iv)

    v["pupil_voice"] = rng.choice(PUPIL_VOICE)
    v["parent_voice"] = rng.choice(PARENT_VOICE)
    v["staff_evaluation"] = rng.choice(STAFF_EVALUATION)
    v["next_steps"] = rng.choice(NEXT_STEPS_CHOICES)

    requested = (
        parse_money(app["amount_requested"]) if app.get("amount_requested") else Decimal(rng.randint(1500, 8000))
    )
    spend = (requested * Decimal(rng.choice((85, 92, 100, 100))) / 100).quantize(Decimal("0.01"))
    v["actual_spend"] = money(spend)
    v["headteacher_signature"] = head
    v["headteacher_signed_date"] = dmy(max(end, today - timedelta(days=rng.randint(1, 5))))
    return v


__all__ = ["MISTAKES", "MISTAKE_NAMES", "Values", "dmy", "money", "parse_dmy", "parse_money", "sample_application", "sample_impact"]
