"""The deliberate mistakes a sample application can carry, each a small function, and the
names tests look them up by (:data:`MISTAKE_NAMES`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..config import Config, School
from .sample_data import (
    OUTCOME_TEXT,
    PUPIL_FIRST,
    PUPIL_LAST,
)
from .sample_values import Values, dmy, money, parse_dmy, parse_money

# --------------------------------------------------------------------------
# Mistakes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mistake:
    name: str
    group: str  # at most one mistake of a group per form (they touch the same fields)
    needs_pupils: bool
    apply: Callable[[Values, random.Random, Config, date], None]


def _costs(v: Values) -> list[Decimal]:
    out: list[Decimal] = []
    n = 1
    while f"cost_{n}_amount" in v:
        if v[f"cost_{n}_amount"]:
            out.append(parse_money(v[f"cost_{n}_amount"]))
        n += 1
    return out


def _m_total(v: Values, rng: random.Random, config: Config, today: date) -> None:
    # The total (and the request worked out from it) is £100 short of the cost rows.
    v["total_cost"] = money(parse_money(v["total_cost"]) - 100)
    v["amount_requested"] = money(parse_money(v["amount_requested"]) - 100)


def _m_request_sum(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["amount_requested"] = money(parse_money(v["amount_requested"]) + 250)


def _m_over_cap(v: Values, rng: random.Random, config: Config, today: date) -> None:
    extra = config.cluster.cap_per_application - parse_money(v["amount_requested"]) + rng.randint(5, 30) * 100
    v["cost_1_amount"] = money(parse_money(v["cost_1_amount"]) + extra)
    v["total_cost"] = money(parse_money(v["total_cost"]) + extra)
    v["amount_requested"] = money(parse_money(v["amount_requested"]) + extra)


def _m_full_name(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["pupil_1_ref"] = f"{rng.choice(PUPIL_FIRST)} {rng.choice(PUPIL_LAST)}"


def _m_upn(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["pupil_1_ref"] = rng.choice("ABCDEFGHJKLMNPRT") + "".join(str(rng.randint(0, 9)) for _ in range(12))


def _m_declaration(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v[rng.choice(("parents_informed", "data_protection"))] = False


def _m_allocation(v: Values, rng: random.Random, config: Config, today: date) -> None:
    allocation = config.cluster.high_needs_allocation
    v["high_needs_used"] = money(max(Decimal(0), allocation - rng.randint(10, 60) * 100))


def _m_end_before_start(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["end_date"] = dmy(parse_dmy(v["start_date"]) - timedelta(days=rng.randint(7, 60)))


def _m_too_long(v: Values, rng: random.Random, config: Config, today: date) -> None:
    months = config.cluster.max_intervention_months
    v["end_date"] = dmy(parse_dmy(v["start_date"]) + timedelta(days=31 * months + rng.randint(20, 60)))


REQUIRED_TO_BLANK = ("intervention_title", "area_of_need", "summary_of_need", "headteacher_name")


def _m_missing(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v[rng.choice(REQUIRED_TO_BLANK)] = ""


def _m_target(v: Values, rng: random.Random, config: Config, today: date) -> None:
    # The target equals the baseline: not better in any direction, and still in range.
    v["outcome_1_target"] = v["outcome_1_baseline"]


def _m_out_of_range(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["outcome_1_measure"] = "Standardised score"
    v["outcome_1_text"] = OUTCOME_TEXT["Standardised score"]
    v["outcome_1_baseline"] = str(rng.randint(170, 250))
    v["outcome_1_target"] = str(int(str(v["outcome_1_baseline"])) + 5)


def _m_short(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v[rng.choice(("high_needs_evidence", "already_tried"))] = rng.choice(
        ("See attached.", "As discussed at panel.", "N/A")
    )


def _m_count(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["number_of_pupils"] = str(int(str(v["number_of_pupils"])) + rng.randint(1, 3))


def _m_future(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["senco_signed_date"] = dmy(today + timedelta(days=rng.randint(2, 20)))


def _m_same_signature(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["headteacher_signature"] = v["senco_signature"]


def _m_email(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["senco_email"] = str(v["senco_email"]).replace("@", " at ")


MISTAKES: tuple[_Mistake, ...] = (
    _Mistake("total_mismatch", "money", False, _m_total),
    _Mistake("request_not_total_minus_contribution", "money", False, _m_request_sum),
    _Mistake("request_over_cap", "money", False, _m_over_cap),
    _Mistake("pupil_full_name", "pupil_ref", True, _m_full_name),
    _Mistake("pupil_upn", "pupil_ref", True, _m_upn),
    _Mistake("missing_declaration", "declaration", False, _m_declaration),
    _Mistake("allocation_not_used", "allocation", False, _m_allocation),
    _Mistake("end_before_start", "end_date", False, _m_end_before_start),
    _Mistake("intervention_too_long", "end_date", False, _m_too_long),
    _Mistake("missing_required", "missing", False, _m_missing),
    _Mistake("target_not_better", "outcome", False, _m_target),
    _Mistake("outcome_out_of_range", "outcome", False, _m_out_of_range),
    _Mistake("narrative_too_short", "narrative", False, _m_short),
    _Mistake("pupil_count_mismatch", "pupil_count", True, _m_count),
    _Mistake("signed_in_future", "signed_date", False, _m_future),
    _Mistake("same_signatures", "signature", False, _m_same_signature),
    _Mistake("invalid_email", "email", False, _m_email),
)
MISTAKE_NAMES: tuple[str, ...] = tuple(m.name for m in MISTAKES)


def choose_mistakes(rng: random.Random, n: int, school: School) -> list[_Mistake]:
    pool = [m for m in MISTAKES if not (m.name == "same_signatures" and school.senco_is_headteacher)]
    groups = sorted({m.group for m in pool})
    if n > len(groups):
        raise ValueError(f"at most {len(groups)} different mistakes can be made in one form, not {n}")
    chosen_groups = rng.sample(groups, n)
    return [rng.choice([m for m in pool if m.group == g]) for g in chosen_groups]


