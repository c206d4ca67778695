"""Small helpers the sample forms share: money and dates as a SENCO types them, invented
people and pupils, and the day a form is sent."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from ..config import Config, School
from ..spec import MEASURES_BY_NAME
from .sample_data import (
    FIRST_NAMES,
    OUTCOME_RANGES,
    SURNAMES,
)

Values = dict[str, str | bool]

# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def money(amount: Decimal) -> str:
    """£1,250.00"""
    return f"£{amount:,.2f}"


def parse_money(text: str | bool) -> Decimal:
    """The amount of a value this module wrote ("£1,250.00", "1250.50")."""
    return Decimal(str(text).replace("£", "").replace(",", "").strip())


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def parse_dmy(text: str | bool) -> date:
    d, m, y = str(text).split("/")
    return date(int(y), int(m), int(d))


def person(rng: random.Random, avoid: frozenset[str] | set[str] = frozenset()) -> str:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        if name not in avoid:
            return name


def year_groups(school: School) -> tuple[str, ...]:
    lower = school.name.lower()
    if "infant" in lower:
        return ("R", "Y1", "Y2")
    if "junior" in lower:
        return ("Y3", "Y4", "Y5", "Y6")
    if school.phase == "secondary":
        return ("Y7", "Y8", "Y9", "Y10", "Y11")
    return ("R", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6")


def pupil_refs(rng: random.Random, count: int) -> list[str]:
    refs: list[str] = []
    as_codes = rng.random() < 0.4
    while len(refs) < count:
        if as_codes:
            ref = f"P{rng.randint(1000, 9999)}"
        else:
            ref = "".join(rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(rng.choice((2, 2, 3))))
        if ref not in refs:
            refs.append(ref)
    return refs


def outcome_values(rng: random.Random, measure: str) -> tuple[int, int]:
    low, high, gain_low, gain_high = OUTCOME_RANGES[measure]
    baseline = rng.randint(low, high)
    gain = rng.randint(gain_low, gain_high)
    better_up = MEASURES_BY_NAME[measure].higher_is_better
    target = baseline + gain if better_up else max(0, baseline - gain)
    return baseline, target


def round_today(config: Config, round_name: str | None) -> date:
    if round_name:
        return config.round_by_name(round_name).deadline.date() - timedelta(days=3)
    if config.rounds:
        return config.rounds[0].deadline.date() - timedelta(days=3)
    return date(2027, 1, 15)


