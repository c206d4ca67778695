"""The measures used for outcomes and impact (domain.md, "Measures")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Measure:
    name: str
    low: Decimal | None
    high: Decimal | None
    higher_is_better: bool


MEASURES: tuple[Measure, ...] = (
    Measure("Standardised score", Decimal(40), Decimal(160), True),
    Measure("Reading age (months)", Decimal(48), Decimal(240), True),
    Measure("Spelling age (months)", Decimal(48), Decimal(240), True),
    Measure("Boxall developmental strands", Decimal(0), Decimal(136), True),
    Measure("Boxall diagnostic profile", Decimal(0), Decimal(136), False),
    Measure("SDQ total difficulties", Decimal(0), Decimal(40), False),
    Measure("Attendance %", Decimal(0), Decimal(100), True),
    Measure("Incidents per week", Decimal(0), None, False),
    Measure("Engagement rating", Decimal(1), Decimal(5), True),
    Measure("Other", None, None, True),
)

MEASURE_NAMES: tuple[str, ...] = tuple(m.name for m in MEASURES)
BY_NAME: dict[str, Measure] = {m.name: m for m in MEASURES}

TARGET_MET = ("Exceeded", "Met", "Partially met", "Not met")


def target_met(measure: Measure, baseline: Decimal, target: Decimal, result: Decimal) -> str:
    """Whether the target was met, in the measure's direction (impact.md).

    Result beyond target = Exceeded, at target = Met, between baseline and target
    (baseline excluded) = Partially met, else Not met.
    """
    if measure.name == "Other":
        # No fixed direction: the school's own target says which way is better.
        sign = 1 if target >= baseline else -1
    else:
        sign = 1 if measure.higher_is_better else -1
    r, t, b = sign * result, sign * target, sign * baseline
    if r > t:
        return "Exceeded"
    if r == t:
        return "Met"
    if r > b:
        return "Partially met"
    return "Not met"
