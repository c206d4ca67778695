"""The cluster's money, to the penny: entitlements, and each round's budget, requests and awards.

Pure arithmetic (:func:`entitlements`, :func:`largest_remainder`) apart from the
queries that read the store (:func:`round_money`, :func:`awarded_by_school`).
The queries take a connection so they can run inside the caller's transaction
(the overspend check reads and writes in one).

Money counted:

* requested: the amount requested of every application of the round that is still
  alive (not invalid, returned, superseded or withdrawn);
* awarded: the amount of the decision in force (the latest row) of every
  application of the round;
* left: the round's budget minus awarded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal

from pydantic import Field, computed_field

from ..config import Config, academic_year
from ..results import Money, Result
from ..states import State
from ..store import awards as store_awards
from ..store.db import Database

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")

# Applications in these states are no longer asking for money.
NOT_REQUESTING = (State.INVALID, State.RETURNED, State.SUPERSEDED, State.WITHDRAWN, State.RECEIVED)
# Applications in these states are with the Working Party, awaiting its decision.
FORWARDED = (State.WITH_WORKING_PARTY,)


def pence(value: Decimal) -> Decimal:
    return value.quantize(PENNY)


def largest_remainder(total: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Share ``total`` (to the penny) in proportion to ``weights``; the shares add up exactly.

    Each share is first rounded down to the penny; the pennies left over go one each
    to the largest remainders (ties: in the order of ``weights``). All weights zero:
    every share is £0.00.
    """
    total = pence(total)
    sum_w = sum(weights.values(), Decimal(0))
    if sum_w <= 0 or total <= 0:
        return {k: ZERO for k in weights}
    exact = {k: total * w / sum_w for k, w in weights.items()}
    floors = {k: v.quantize(PENNY, rounding=ROUND_DOWN) for k, v in exact.items()}
    left = int(((total - sum(floors.values(), Decimal(0))) / PENNY).to_integral_value())
    order = sorted(weights, key=lambda k: (-(exact[k] - floors[k]), list(weights).index(k)))
    for k in order[:left]:
        floors[k] += PENNY
    return floors


def distributable(config: Config) -> Decimal:
    e = config.entitlement
    return pence(max(ZERO, e.pot - sum((t.amount for t in e.top_slices), Decimal(0))))


def entitlements(config: Config) -> dict[str, Decimal]:
    """Each school's share of the cluster's SEND allocation for the year, by configured name.

    ``distributable = pot - top-slices``; ``weight = w_ehcp * EHCP + w_support * SEN support``;
    ``entitlement = distributable * weight / sum of weights``, to the penny by largest remainder.
    """
    e = config.entitlement
    weights = {s.name: e.w_ehcp * s.ehcp + e.w_support * s.sen_support for s in config.schools}
    return largest_remainder(distributable(config), weights)


class RoundMoney(Result):
    round: str = Field(exclude=True)
    budget: Money
    requested: Money
    awarded: Money

    @computed_field  # type: ignore[prop-decorator]
    @property
    def left(self) -> Money:
        return self.budget - self.awarded


def awards(db: Database | sqlite3.Connection, round_name: str | None = None) -> dict[str, Decimal]:
    """reference -> the amount of its decision in force (of one round, or all)."""
    return {r["reference"]: Decimal(r["amount_awarded"]) for r in store_awards.awards_in_force(db, round_name)}


def awarded_in_round(db: Database | sqlite3.Connection, round_name: str, *, excluding: str | None = None) -> Decimal:
    return pence(sum((v for k, v in awards(db, round_name).items() if k != excluding), Decimal(0)))


def requested_in_round(db: Database | sqlite3.Connection, round_name: str) -> Decimal:
    amounts = store_awards.amounts_requested(db, round_name, not_in_states=NOT_REQUESTING)
    return pence(sum((Decimal(a) for a in amounts if a), Decimal(0)))


def forwarded_in_round(db: Database | sqlite3.Connection, round_name: str) -> Decimal:
    """Money requested by the round's applications with the Working Party, awaiting its decision."""
    amounts = store_awards.amounts_requested(db, round_name, in_states=FORWARDED)
    return pence(sum((Decimal(a) for a in amounts if a), Decimal(0)))


def round_money(db: Database | sqlite3.Connection, config: Config, round_name: str) -> RoundMoney:
    rnd = config.round_by_name(round_name)
    return RoundMoney(
        round=rnd.name,
        budget=pence(rnd.budget),
        requested=requested_in_round(db, rnd.name),
        awarded=awarded_in_round(db, rnd.name),
    )


def year_of_round(config: Config, round_name: str) -> str | None:
    try:
        return academic_year(config.round_by_name(round_name).deadline.date())
    except KeyError:
        return None


def awarded_by_school(db: Database | sqlite3.Connection, config: Config, year: str | None = None) -> dict[str, Decimal]:
    """school -> money awarded to it so far (decisions in force), in one academic year ("2627") or all."""
    out: dict[str, Decimal] = {s.name: ZERO for s in config.schools}
    for r in store_awards.awards_in_force(db):
        if not r["school"]:
            continue
        if year is not None and year_of_round(config, r["round"] or "") != year:
            continue
        out[r["school"]] = out.get(r["school"], ZERO) + Decimal(r["amount_awarded"])
    return {k: pence(v) for k, v in out.items()}
