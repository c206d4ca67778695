"""Value for money, for the cluster's governors (domain.md, "Value for money").

:func:`governors_figures` is pure arithmetic over a :class:`YearData`; the rest lays
the figures out as a report. What is counted:

* budget: the budgets of the rounds reported on; awarded: the decisions in force that
  award money; spent: the actual spend on accepted impact forms; underspend: awarded
  minus spent, over the interventions whose impact form has been accepted
  ("completed"); awaiting impact: the awards with no accepted impact form yet.
* pupils supported, per funded intervention: the number on its accepted impact form,
  else the number on the application. EHCP / SEN support: the application's pupil rows;
  pupils not listed by row (whole-school work) are counted apart.
* cost per pupil: spent / pupils supported, over completed interventions.
* outcomes met: outcome rows of completed interventions whose target was met or
  exceeded, as computed from baseline, target and result in the measure's direction.
* gain of an outcome row: result - baseline, signed so that better is positive.
  Mean gain and £ per point are computed within one measure, never across measures:
  each intervention's spend is shared equally between its outcome rows, and
  £ per point = that spend / the points gained, for the measure's rows together.
  "Other" is each school's own measure, different in every intervention: its rows
  count in outcomes met, but have no mean gain or £ per point.
* a cell about fewer than 5 pupils (1 to 4) is suppressed; in a table of pupil counts
  whose total is shown, one suppressed cell takes the next smallest with it, so that
  it cannot be worked out by subtraction. No pupil rows are shown.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..config import Config, academic_year
from ..spec import MEASURES_BY_NAME
from ..states import State
from .entitlement import Application, Impact, OutcomeResult, YearData, compute_shares, money

MIN_CELL = 5
SUPPRESSED = "fewer than 5"
# A count hidden only so that a count under 5 beside it cannot be worked out from the total.
HIDDEN = "hidden"
MET_LABELS = ("Exceeded", "Met", "Partially met", "Not met")
NOT_LISTED = "Not listed by pupil (e.g. whole school)"
NO_ROUND = "No funding round"
# Each school's own measure: different in every intervention, so its points are never pooled.
OWN_MEASURE = "Other"


def suppressed(pupils: int) -> bool:
    return 0 < pupils < MIN_CELL


def cell(pupils: int) -> str:
    """A count of pupils as shown: "fewer than 5" for 1 to 4."""
    return SUPPRESSED if suppressed(pupils) else str(pupils)


def hidden_cells(counts: Mapping[str, int]) -> set[str]:
    """The cells of one table of pupil counts (whose total is shown) to hide: every count
    from 1 to 4, and, when that hides a single cell, the smallest other count above 0 as
    well, so that the hidden count cannot be worked out by taking the others from the total."""
    hidden = {k for k, v in counts.items() if suppressed(v)}
    if len(hidden) == 1:
        others = [(v, n, k) for n, (k, v) in enumerate(counts.items()) if k not in hidden and v > 0]
        if others:
            hidden.add(min(others)[2])
    return hidden


def shown_counts(counts: Mapping[str, int]) -> dict[str, str]:
    """A table of pupil counts as shown: "fewer than 5" for 1 to 4, "hidden" for a count
    hidden beside one (see :func:`hidden_cells`), else the number."""
    hidden = hidden_cells(counts)
    return {k: (SUPPRESSED if suppressed(v) else HIDDEN) if k in hidden else str(v) for k, v in counts.items()}


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def pounds(value: Decimal | None) -> str:
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(money(value)):,.2f}"


def one_dp(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def gain(outcome: OutcomeResult) -> Decimal:
    """result - baseline, positive when the measure moved the better way."""
    m = MEASURES_BY_NAME.get(outcome.measure)
    if m is None or m.name == "Other":
        better_up = outcome.target >= outcome.baseline
    else:
        better_up = m.higher_is_better
    diff = outcome.result - outcome.baseline
    return diff if better_up else -diff


@dataclass(frozen=True)
class MeasureFigures:
    measure: str
    outcomes: int
    pupils: int
    mean_gain: Decimal | None
    spend: Decimal
    points: Decimal
    per_point: Decimal | None

    @property
    def hidden(self) -> bool:
        return suppressed(self.pupils)


@dataclass(frozen=True)
class AreaFigures:
    area: str
    pupils: int
    met: dict[str, int]

    @property
    def outcomes(self) -> int:
        return sum(self.met.values())

    @property
    def met_or_exceeded(self) -> int:
        return self.met.get("Exceeded", 0) + self.met.get("Met", 0)

    @property
    def hidden(self) -> bool:
        return suppressed(self.pupils)


@dataclass
class GovernorsFigures:
    label: str
    budget: Decimal
    awarded: Decimal
    spent: Decimal
    underspend: Decimal
    awaiting_impact: Decimal
    awards: int
    completed: int
    decisions: dict[str, int]
    pupils: int
    pupils_completed: int
    pupils_by_school: dict[str, int]
    pupils_by_area: dict[str, int]
    pupils_by_status: dict[str, int]
    cost_per_pupil: Decimal | None
    outcomes: int
    outcomes_met: int
    share_met: Decimal | None  # percent, 1 dp
    by_area: list[AreaFigures]
    measures: list[MeasureFigures]
    overdue_now: int
    received_late: int
    money_by_school: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    # Per round: budget, awarded, spent (accepted impact forms), underspend (completed).
    money_by_round: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    # Outcome rows measured in a school's own way ("Other"): met or not, but no pooled gain.
    own_measure_outcomes: int = 0

    @property
    def unallocated(self) -> Decimal:
        return self.budget - self.awarded


def _pupils_of(app_pupils: int, impact: Impact | None) -> int:
    return impact.pupils_supported if impact is not None else app_pupils


def _pupils(config: Config, data: YearData,
            awards: list[Application]) -> tuple[int, dict[str, int], dict[str, int], dict[str, int]]:
    """Pupils supported: in all, by school, by area of need and by SEN status."""
    by_school: dict[str, int] = {s.name: 0 for s in config.schools}
    by_area: dict[str, int] = defaultdict(int)
    by_status: dict[str, int] = {"EHCP": 0, "SEN support": 0, NOT_LISTED: 0}
    total_pupils = 0
    for a in awards:
        n = _pupils_of(a.number_of_pupils, data.impacts.get(a.reference))
        total_pupils += n
        by_school[a.school] = by_school.get(a.school, 0) + n
        by_area[a.area_of_need] += n
        by_status["EHCP"] += a.ehcp
        by_status["SEN support"] += a.sen_support
        by_status[NOT_LISTED] += max(0, n - a.ehcp - a.sen_support)

    return total_pupils, by_school, dict(by_area), by_status


def _area_figures(completed: list[tuple[Application, Impact]]) -> list[AreaFigures]:
    area_counts: dict[str, Counter[str]] = defaultdict(Counter)
    area_pupils: dict[str, int] = defaultdict(int)
    for a, i in completed:
        area_pupils[a.area_of_need] += i.pupils_supported
        for o in i.outcomes:
            area_counts[a.area_of_need][o.met] += 1
    areas = [
        AreaFigures(area, area_pupils[area], {k: area_counts[area].get(k, 0) for k in MET_LABELS})
        for area in sorted(area_pupils)
    ]

    return areas


def _measure_figures(rows: list[tuple[Application, Impact, OutcomeResult]]) -> list[MeasureFigures]:
    """Gains and £ per point within each measure (never added across measures)."""
    measures: list[MeasureFigures] = []
    names = sorted({o.measure for _, _, o in rows if o.measure != OWN_MEASURE},
                   key=lambda m: (list(MEASURES_BY_NAME).index(m) if m in MEASURES_BY_NAME else 99, m))
    for name in names:
        mrows = [(i, o) for _, i, o in rows if o.measure == name]
        points = sum((gain(o) for _, o in mrows), Decimal("0"))
        share_spend = sum((i.spend / len(i.outcomes) for i, _ in mrows), Decimal("0"))
        pupils = sum({i.reference: i.pupils_supported for i, _ in mrows}.values())
        measures.append(
            MeasureFigures(
                measure=name,
                outcomes=len(mrows),
                pupils=pupils,
                mean_gain=one_dp(points / len(mrows)),
                spend=money(share_spend),
                points=points,
                per_point=money(share_spend / points) if points > 0 else None,
            )
        )

    return measures


def _money_by_round(config: Config, data: YearData, awards: list[Application]) -> dict[str, dict[str, Decimal]]:
    """Per round: budget, awarded, spent (accepted impact forms), underspend (completed)."""
    round_names = [r.name for r in config.rounds if r.name == data.round or (
        data.round is None and (data.year is None or academic_year(r.deadline.date()) == data.year))]

    def round_of(a: Application) -> str:
        return a.round if a.round in round_names else NO_ROUND

    if any(round_of(a) == NO_ROUND for a in data.applications):
        round_names.append(NO_ROUND)
    money_by_round: dict[str, dict[str, Decimal]] = {}
    for name in round_names:
        r_awards = [a for a in awards if round_of(a) == name]
        r_done = [(a, data.impacts[a.reference]) for a in r_awards if a.reference in data.impacts]
        money_by_round[name] = {
            "budget": money(sum((r.budget for r in config.rounds if r.name == name), Decimal("0"))),
            "awarded": money(sum((a.awarded for a in r_awards), Decimal("0"))),
            "spent": money(sum((i.spend for _, i in r_done), Decimal("0"))),
            "underspend": money(sum((a.awarded - i.spend for a, i in r_done), Decimal("0"))),
        }
    return money_by_round


def _money_by_school(config: Config, awards: list[Application],
                     completed: list[tuple[Application, Impact]]) -> dict[str, dict[str, Decimal]]:
    shares = compute_shares(config)
    money_by_school: dict[str, dict[str, Decimal]] = {}
    for s in shares.shares:
        money_by_school[s.school] = {
            "entitlement": s.entitlement,
            "awarded": money(sum((a.awarded for a in awards if a.school == s.school), Decimal("0"))),
            "spent": money(sum((i.spend for a, i in completed if a.school == s.school), Decimal("0"))),
        }
    return money_by_school


def _budget(config: Config, data: YearData) -> Decimal:
    """The budget of the round, or of the rounds of the year (all rounds when neither)."""
    if data.round:
        return sum((r.budget for r in config.rounds if r.name == data.round), Decimal("0"))
    return sum(
        (r.budget for r in config.rounds if data.year is None or academic_year(r.deadline.date()) == data.year),
        Decimal("0"),
    )


def governors_figures(config: Config, data: YearData, today: date) -> GovernorsFigures:
    """The value-for-money figures of ``data``: pure arithmetic, nothing suppressed yet
    (suppression is applied when the figures are shown)."""
    budget = _budget(config, data)
    awards = data.awards()
    completed = [(a, data.impacts[a.reference]) for a in awards if a.reference in data.impacts]
    awarded = sum((a.awarded for a in awards), Decimal("0"))
    spent = sum((i.spend for _, i in completed), Decimal("0"))
    underspend = sum((a.awarded - i.spend for a, i in completed), Decimal("0"))
    awaiting = sum((a.awarded for a in awards if a.reference not in data.impacts), Decimal("0"))

    decisions = Counter(State(a.decision).label if a.decision else State(a.state).label for a in data.applications)

    total_pupils, by_school, by_area, by_status = _pupils(config, data, awards)

    pupils_completed = sum(i.pupils_supported for _, i in completed)
    cost_per_pupil = money(spent / pupils_completed) if pupils_completed else None

    rows = [(a, i, o) for a, i in completed for o in i.outcomes]
    met = sum(1 for _, _, o in rows if o.met in ("Exceeded", "Met"))
    share_met = one_dp(Decimal(100) * met / len(rows)) if rows else None

    areas = _area_figures(completed)

    measures = _measure_figures(rows)
    overdue_now = sum(
        1
        for a in awards
        if a.state == State.IMPACT_OVERDUE.value
        or (a.state == State.IMPACT_DUE.value and a.impact_due is not None and a.impact_due < today)
    )
    money_by_round = _money_by_round(config, data, awards)
    money_by_school = _money_by_school(config, awards, completed)
    return GovernorsFigures(
        label=data.label,
        budget=money(budget),
        awarded=money(awarded),
        spent=money(spent),
        underspend=money(underspend),
        awaiting_impact=money(awaiting),
        awards=len(awards),
        completed=len(completed),
        decisions=dict(sorted(decisions.items())),
        pupils=total_pupils,
        pupils_completed=pupils_completed,
        pupils_by_school=by_school,
        pupils_by_area=dict(sorted(by_area.items())),
        pupils_by_status=by_status,
        cost_per_pupil=cost_per_pupil,
        outcomes=len(rows),
        outcomes_met=met,
        share_met=share_met,
        by_area=areas,
        measures=measures,
        overdue_now=overdue_now,
        received_late=sum(1 for _, i in completed if i.overdue),
        money_by_school=money_by_school,
        money_by_round=money_by_round,
        own_measure_outcomes=sum(1 for _, _, o in rows if o.measure == OWN_MEASURE),
    )
