"""Each school's entitlement to the cluster's money, and what it has asked for, been
awarded and spent (domain.md, "What happens" 2).

``distributable = pot - top-slices``; ``weight = w_ehcp x EHCP + w_support x SEN support``;
``share = distributable x weight / sum of weights``, rounded to pence by largest
remainder so the shares add up to the distributable sum exactly (the arithmetic is
:func:`forms_processor.reports.money.entitlements`).

This module also holds :func:`load_year`: the applications, current decisions and
accepted impact forms of a year (or one round), read once from the store, that every
report is computed from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field, computed_field

from ..config import Config, academic_year
from ..errors import UsageError
from ..results import Result
from ..states import AWARD_DECISIONS, State
from ..store import awards as store_awards
from ..store.db import Database, stored_date
from .money import NOT_REQUESTING, distributable, entitlements, year_of_round
from .money import pence as money


@dataclass(frozen=True)
class Share:
    school: str
    code: str
    ehcp: int
    sen_support: int
    weight: Decimal
    entitlement: Decimal


@dataclass(frozen=True)
class Shares:
    pot: Decimal
    top_slices: list[tuple[str, Decimal]]
    distributable: Decimal
    w_ehcp: Decimal
    w_support: Decimal
    census_date: date | None
    shares: list[Share]


def compute_shares(config: Config) -> Shares:
    """The cluster's allocation split between the schools, to the penny."""
    ent = config.entitlement
    parts = entitlements(config)
    return Shares(
        pot=money(ent.pot),
        top_slices=[(s.name, money(s.amount)) for s in ent.top_slices],
        distributable=distributable(config),
        w_ehcp=ent.w_ehcp,
        w_support=ent.w_support,
        census_date=ent.census_date,
        shares=[
            Share(s.name, s.code, s.ehcp, s.sen_support, ent.w_ehcp * s.ehcp + ent.w_support * s.sen_support,
                  parts[s.name])
            for s in config.schools
        ],
    )


# --------------------------------------------------------------------------
# Years and what the store holds for one
# --------------------------------------------------------------------------


def parse_year(text: str) -> str:
    """An academic year as four digits ("2627") from "2026-27", "2026/2027", "2627" or "2026"."""
    t = text.strip()
    # Years of this century only: the four-digit code ("2627") is read back as 20xx.
    m = re.fullmatch(r"(20\d{2})\s*[-/]\s*(\d{2}|20\d{2})", t)
    if m:
        start = int(m.group(1))
        end = int(m.group(2)) % 100
        if start < 2099 and end == (start + 1) % 100:
            return f"{start % 100:02d}{end:02d}"
    elif re.fullmatch(r"\d{4}", t):
        if t.startswith("20") and t != "2099":
            start = int(t)
            return f"{start % 100:02d}{(start + 1) % 100:02d}"
        if t[:2] != "99" and int(t[:2]) + 1 == int(t[2:]):
            return t
    raise UsageError(
        f"'{text}' is not an academic year.",
        hint="Write it like 2026-27 (the year starting in September 2026).",
    )


def year_label(code: str) -> str:
    """ "2627" -> "2026-27"."""
    return f"20{code[:2]}-{code[2:]}"


@dataclass(frozen=True)
class Application:
    reference: str
    school: str
    round: str | None
    year: str
    state: str
    title: str
    area_of_need: str
    application_type: str
    requested: Decimal
    counts_as_requested: bool
    number_of_pupils: int
    # Pupil rows of the application by SEN status ("EHCP", "SEN support").
    ehcp: int
    sen_support: int
    decision: str | None
    awarded: Decimal
    impact_due: date | None

    @property
    def is_award(self) -> bool:
        return self.decision in AWARD_DECISIONS and self.awarded > 0


@dataclass(frozen=True)
class OutcomeResult:
    text: str
    measure: str
    baseline: Decimal
    target: Decimal
    result: Decimal
    met_stated: str | None
    met: str  # computed in the measure's direction


@dataclass(frozen=True)
class Impact:
    reference: str
    application: str
    pupils_supported: int
    spend: Decimal
    overdue: bool
    outcomes: tuple[OutcomeResult, ...]


@dataclass
class YearData:
    """What the reports are computed from: nothing about individual pupils but counts."""

    year: str | None
    round: str | None
    applications: list[Application] = field(default_factory=list)
    # Accepted impact forms, by the application they report on.
    impacts: dict[str, Impact] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.round:
            return self.round
        return f"academic year {year_label(self.year)}" if self.year else "all years"

    def awards(self) -> list[Application]:
        return [a for a in self.applications if a.is_award]


def _dec(value: Any, default: str = "0") -> Decimal:
    if value is None or value == "":
        return Decimal(default)
    return Decimal(str(value))


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0



def _year_of(config: Config, round_name: str | None, created_at: str) -> str:
    """The academic year of the form's round, else of the day it arrived."""
    return (round_name and year_of_round(config, round_name)) or academic_year(date.fromisoformat(created_at[:10]))


def _outcome(row: dict[str, Any]) -> OutcomeResult | None:
    if row.get("measure") is None or row.get("result") is None or row.get("baseline") is None:
        return None
    if row.get("target") is None:
        return None
    met = row.get("met_computed") or row.get("met")
    if met is None:
        from ..spec import MEASURES_BY_NAME, target_met

        met = target_met(MEASURES_BY_NAME[row["measure"]], _dec(row["baseline"]), _dec(row["target"]),
                         _dec(row["result"]))
    return OutcomeResult(
        text=str(row.get("text") or ""),
        measure=str(row["measure"]),
        baseline=_dec(row["baseline"]),
        target=_dec(row["target"]),
        result=_dec(row["result"]),
        met_stated=row.get("met"),
        met=str(met),
    )


def load_year(db: Database, config: Config, *, year: str | None = None, round_name: str | None = None) -> YearData:
    """The applications of one academic year (or one round; or everything when both are
    None), each with its decision in force, and the accepted impact forms on them."""
    data = YearData(year=year, round=round_name)
    decisions = {r["reference"]: r for r in store_awards.decisions_in_force(db)}
    for r in store_awards.applications(db, not_in_states=(State.SUPERSEDED,)):
        if round_name is not None and r["round"] != round_name:
            continue
        app_year = _year_of(config, r["round"], r["created_at"])
        if year is not None and app_year != year:
            continue
        f = json.loads(r["fields_json"])
        pupils = f.get("pupils") or []
        statuses = [p.get("status") for p in pupils if isinstance(p, dict)]
        d = decisions.get(r["reference"])
        data.applications.append(
            Application(
                reference=r["reference"],
                school=r["school"] or "(school not recognised)",
                round=r["round"],
                year=app_year,
                state=r["state"],
                title=r["intervention"] or str(f.get("intervention_title") or ""),
                area_of_need=str(f.get("area_of_need") or "Not stated"),
                application_type=str(f.get("application_type") or ""),
                requested=_dec(r["amount_requested"]),
                counts_as_requested=r["state"] not in NOT_REQUESTING,
                number_of_pupils=_int(f.get("number_of_pupils")),
                ehcp=statuses.count("EHCP"),
                sen_support=statuses.count("SEN support"),
                decision=d["decision"] if d is not None else None,
                awarded=_dec(d["amount_awarded"]) if d is not None else Decimal("0.00"),
                impact_due=stored_date(d["impact_due"]) if d is not None else None,
            )
        )
    wanted = {a.reference for a in data.applications}
    for r in store_awards.impact_forms(db, in_states=(State.ACCEPTED,)):
        if r["linked_ref"] not in wanted:
            continue
        f = json.loads(r["fields_json"])
        outcomes = tuple(o for o in (_outcome(row) for row in f.get("outcomes") or []) if o is not None)
        data.impacts[r["linked_ref"]] = Impact(
            reference=r["reference"],
            application=r["linked_ref"],
            pupils_supported=_int(f.get("pupils_supported")),
            spend=_dec(f.get("actual_spend")),
            overdue=bool(f.get("overdue")),
            outcomes=outcomes,
        )
    return data


# --------------------------------------------------------------------------
# The entitlement table
# --------------------------------------------------------------------------


class SchoolMoney(Result):
    school: str
    code: str
    ehcp: int
    sen_support: int
    weight: Decimal
    entitlement: Decimal
    requested: Decimal
    awarded: Decimal
    spent: Decimal

    @computed_field  # type: ignore[prop-decorator]
    @property
    def left(self) -> Decimal:
        """Entitlement not yet awarded (negative: awarded beyond the entitlement)."""
        return self.entitlement - self.awarded


class TopSlice(Result):
    name: str
    amount: Decimal


class EntitlementTable(Result):
    """Each school's share beside what it asked for, was awarded and spent, for one year."""

    shares: Shares = Field(exclude=True)
    year: str | None = Field(exclude=True)  # "2627"; shown as its label, "2026-27"
    rows: list[SchoolMoney] = Field(serialization_alias="schools")

    @computed_field(alias="year")  # type: ignore[prop-decorator]
    @property
    def year_shown(self) -> str | None:
        return year_label(self.year) if self.year else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pot(self) -> Decimal:
        return self.shares.pot

    @computed_field  # type: ignore[prop-decorator]
    @property
    def top_slices(self) -> list[TopSlice]:
        return [TopSlice(name=n, amount=a) for n, a in self.shares.top_slices]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def distributable(self) -> Decimal:
        return self.shares.distributable

    @computed_field  # type: ignore[prop-decorator]
    @property
    def w_ehcp(self) -> Decimal:
        return self.shares.w_ehcp

    @computed_field  # type: ignore[prop-decorator]
    @property
    def w_support(self) -> Decimal:
        return self.shares.w_support

    @computed_field  # type: ignore[prop-decorator]
    @property
    def census_date(self) -> date | None:
        return self.shares.census_date

    @computed_field  # type: ignore[prop-decorator]
    @property
    def totals(self) -> dict[str, Decimal]:
        return {
            "entitlement": sum((r.entitlement for r in self.rows), Decimal("0.00")),
            "requested": sum((r.requested for r in self.rows), Decimal("0.00")),
            "awarded": sum((r.awarded for r in self.rows), Decimal("0.00")),
            "spent": sum((r.spent for r in self.rows), Decimal("0.00")),
            "left": sum((r.left for r in self.rows), Decimal("0.00")),
        }


def entitlement_table(config: Config, data: YearData) -> EntitlementTable:
    """Each school's share beside what it requested, was awarded and spent in ``data``."""
    requested: dict[str, Decimal] = {}
    awarded: dict[str, Decimal] = {}
    spent: dict[str, Decimal] = {}
    for a in data.applications:
        if a.counts_as_requested:
            requested[a.school] = requested.get(a.school, Decimal("0.00")) + a.requested
        if a.is_award:
            awarded[a.school] = awarded.get(a.school, Decimal("0.00")) + a.awarded
        if a.reference in data.impacts:
            spent[a.school] = spent.get(a.school, Decimal("0.00")) + data.impacts[a.reference].spend
    return table_of(config, data.year, requested, awarded, spent)


def table_of(config: Config, year: str | None, requested: dict[str, Decimal], awarded: dict[str, Decimal],
             spent: dict[str, Decimal]) -> EntitlementTable:
    """The entitlement table from each school's money requested, awarded and spent."""
    shares = compute_shares(config)
    zero = Decimal("0.00")
    rows = [
        SchoolMoney(
            school=share.school, code=share.code, ehcp=share.ehcp, sen_support=share.sen_support,
            weight=share.weight, entitlement=share.entitlement, requested=money(requested.get(share.school, zero)),
            awarded=money(awarded.get(share.school, zero)), spent=money(spent.get(share.school, zero)),
        )
        for share in shares.shares
    ]
    return EntitlementTable(shares=shares, year=year, rows=rows)


def school_money(db: Database, config: Config, year: str) -> EntitlementTable:
    """:func:`entitlement_table` for one year, from sums made by the store: the same figures
    without reading each application (quick with thousands of forms, for a page)."""
    years: dict[tuple[str | None, str], str] = {}

    def of_year(round_name: str | None, day: str) -> bool:
        if (round_name, day) not in years:
            years[(round_name, day)] = _year_of(config, round_name, day)
        return years[(round_name, day)] == year

    requested: dict[str, Decimal] = {}
    for r in store_awards.requested_by_school(db, not_in_states=NOT_REQUESTING):
        if r["school"] and of_year(r["round"], r["day"]):
            requested[r["school"]] = requested.get(r["school"], Decimal("0.00")) + Decimal(r["pence"]) / 100
    awarded: dict[str, Decimal] = {}
    awards: dict[str, str] = {}
    for r in store_awards.decided_applications(db, not_in_states=(State.SUPERSEDED,)):
        amount = _dec(r["amount_awarded"])
        if r["school"] and of_year(r["round"], r["created_at"][:10]) and r["decision"] in AWARD_DECISIONS and amount > 0:
            awarded[r["school"]] = awarded.get(r["school"], Decimal("0.00")) + amount
        if r["school"] and of_year(r["round"], r["created_at"][:10]):
            awards[r["reference"]] = r["school"]
    spends = {r["linked_ref"]: _dec(json.loads(r["fields_json"]).get("actual_spend"))  # the latest, as load_year
              for r in store_awards.impact_forms(db, in_states=(State.ACCEPTED,)) if r["linked_ref"] in awards}
    spent: dict[str, Decimal] = {}
    for ref, spend in spends.items():
        spent[awards[ref]] = spent.get(awards[ref], Decimal("0.00")) + spend
    return table_of(config, year, requested, awarded, spent)
