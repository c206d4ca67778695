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
from pathlib import Path
from typing import Any

from ..config import Config, academic_year
from ..results import Result
from ..spec import MEASURES_BY_NAME
from ..states import State
from ..store.db import Database
from . import charts
from .entitlement import Application, Impact, OutcomeResult, YearData, compute_shares, load_year, money, year_label
from .render import ChartBlock, Document, Section, TableBlock, write_report

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


class PublishedFigures(Result):
    """The governors' figures as they may be published: every count of fewer than 5 pupils
    (and whatever would let it be worked out) replaced by the suppression marks."""

    report: str
    budget: Decimal
    awarded: Decimal
    unallocated: Decimal
    spent: Decimal
    underspend: Decimal
    awaiting_impact: Decimal
    awards: int
    completed: int
    applications_by_decision: dict[str, int]
    pupils_supported: int | str
    pupils_by_school: dict[str, int | str]
    pupils_by_area: dict[str, int | str]
    pupils_by_status: dict[str, int | str]
    cost_per_pupil: Decimal | str | None
    outcomes: int
    outcomes_met_or_exceeded: int | str
    percent_met_or_exceeded: Decimal | str | None
    outcomes_in_own_measures: int
    by_area: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    impact_overdue: int
    impact_received_late: int
    money_by_school: dict[str, dict[str, Decimal]]
    money_by_round: dict[str, dict[str, Decimal]]


def published(f: GovernorsFigures) -> PublishedFigures:
    """Small-number suppression applied to ``f`` (see :func:`suppressed`, :func:`hidden_cells`)."""

    def count(n: int) -> int | str:
        return SUPPRESSED if suppressed(n) else n

    def counts(table: Mapping[str, int]) -> dict[str, int | str]:
        hidden = hidden_cells(table)
        return {k: (SUPPRESSED if suppressed(v) else HIDDEN) if k in hidden else v for k, v in table.items()}

    hide_all = suppressed(f.pupils_completed)
    hidden_areas = hidden_cells({a.area: a.pupils for a in f.by_area})
    return PublishedFigures(
        report=f.label,
        budget=f.budget,
        awarded=f.awarded,
        unallocated=f.unallocated,
        spent=f.spent,
        underspend=f.underspend,
        awaiting_impact=f.awaiting_impact,
        awards=f.awards,
        completed=f.completed,
        applications_by_decision=f.decisions,
        pupils_supported=count(f.pupils),
        pupils_by_school=counts(f.pupils_by_school),
        pupils_by_area=counts(f.pupils_by_area),
        pupils_by_status=counts(f.pupils_by_status),
        cost_per_pupil=SUPPRESSED if hide_all else f.cost_per_pupil,
        outcomes=f.outcomes,
        outcomes_met_or_exceeded=SUPPRESSED if hide_all else f.outcomes_met,
        percent_met_or_exceeded=SUPPRESSED if hide_all else f.share_met,
        outcomes_in_own_measures=f.own_measure_outcomes,
        by_area=[
            {"area": a.area, "pupils": SUPPRESSED if a.hidden else HIDDEN}
            if a.area in hidden_areas
            else {"area": a.area, "pupils": a.pupils, "outcomes": a.outcomes, **a.met}
            for a in f.by_area
        ],
        measures=[
            {"measure": m.measure, "pupils": SUPPRESSED}
            if m.hidden
            else {
                "measure": m.measure,
                "pupils": m.pupils,
                "outcomes": m.outcomes,
                "mean_gain": m.mean_gain,
                "spend": m.spend,
                "pounds_per_point": m.per_point,
            }
            for m in f.measures
        ],
        impact_overdue=f.overdue_now,
        impact_received_late=f.received_late,
        money_by_school=f.money_by_school,
        money_by_round=f.money_by_round,
    )


def _pupils_of(app_pupils: int, impact: Impact | None) -> int:
    return impact.pupils_supported if impact is not None else app_pupils


def governors_figures(config: Config, data: YearData, today: date) -> GovernorsFigures:
    """The value-for-money figures of ``data``: pure arithmetic, nothing suppressed yet
    (suppression is applied when the figures are shown)."""
    if data.round:
        budget = sum((r.budget for r in config.rounds if r.name == data.round), Decimal("0"))
    else:
        budget = sum(
            (r.budget for r in config.rounds if data.year is None or academic_year(r.deadline.date()) == data.year),
            Decimal("0"),
        )
    awards = data.awards()
    completed = [(a, data.impacts[a.reference]) for a in awards if a.reference in data.impacts]
    awarded = sum((a.awarded for a in awards), Decimal("0"))
    spent = sum((i.spend for _, i in completed), Decimal("0"))
    underspend = sum((a.awarded - i.spend for a, i in completed), Decimal("0"))
    awaiting = sum((a.awarded for a in awards if a.reference not in data.impacts), Decimal("0"))

    decisions: Counter[str] = Counter()
    for a in data.applications:
        decisions[State(a.decision).label if a.decision else State(a.state).label] += 1

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

    pupils_completed = sum(i.pupils_supported for _, i in completed)
    cost_per_pupil = money(spent / pupils_completed) if pupils_completed else None

    rows = [(a, i, o) for a, i in completed for o in i.outcomes]
    met = sum(1 for _, _, o in rows if o.met in ("Exceeded", "Met"))
    share_met = one_dp(Decimal(100) * met / len(rows)) if rows else None

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

    overdue_now = sum(
        1
        for a in awards
        if a.state == State.IMPACT_OVERDUE.value
        or (a.state == State.IMPACT_DUE.value and a.impact_due is not None and a.impact_due < today)
    )
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
    shares = compute_shares(config)
    money_by_school: dict[str, dict[str, Decimal]] = {}
    for s in shares.shares:
        money_by_school[s.school] = {
            "entitlement": s.entitlement,
            "awarded": money(sum((a.awarded for a in awards if a.school == s.school), Decimal("0"))),
            "spent": money(sum((i.spend for a, i in completed if a.school == s.school), Decimal("0"))),
        }
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


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------


def governors_document(config: Config, f: GovernorsFigures, today: date) -> Document:
    hide_all = suppressed(f.pupils_completed)
    money_rows = [
        ["Budget", pounds(f.budget)],
        ["Awarded", pounds(f.awarded)],
        ["Not yet awarded", pounds(f.unallocated)],
        ["Spent (accepted impact forms)", pounds(f.spent)],
        ["Underspend on completed interventions", pounds(f.underspend)],
        ["Awarded, impact form not yet accepted", pounds(f.awaiting_impact)],
    ]
    school_rows = [
        [s, pounds(d["entitlement"]), pounds(d["awarded"]), pounds(d["spent"])] for s, d in f.money_by_school.items()
    ]
    tot = {k: sum((d[k] for d in f.money_by_school.values()), Decimal("0")) for k in ("entitlement", "awarded", "spent")}
    school_rows.append(["Total", pounds(tot["entitlement"]), pounds(tot["awarded"]), pounds(tot["spent"])])
    round_rows = [[r, pounds(d["budget"]), pounds(d["awarded"]), pounds(d["spent"]), pounds(d["underspend"])]
                  for r, d in f.money_by_round.items()]
    names = list(f.money_by_school)
    money_chart = charts.money_by_school(
        names, {k.capitalize(): [f.money_by_school[s][k] for s in names] for k in ("entitlement", "awarded", "spent")}
    )
    sections = [
        Section(
            "Money",
            [
                f"{f.awards} intervention(s) were awarded money; {f.completed} have an accepted impact form "
                "(completed).",
            ],
            [
                TableBlock(["", "£"], money_rows, numeric=(1,)),
                TableBlock(["Funding round", "Budget", "Awarded", "Spent", "Underspend"], round_rows,
                           title="Money by funding round", numeric=(1, 2, 3, 4),
                           note="Spent and underspend count the interventions with an accepted impact form."),
                TableBlock(["School", "Entitlement", "Awarded", "Spent"], school_rows, title="Money by school",
                           total=True, numeric=(1, 2, 3)),
                ChartBlock("Money by school: entitlement, awarded and spent", money_chart,
                           "Bar chart of each school's entitlement, money awarded and money spent."),
            ],
        ),
        Section(
            "Applications by decision",
            [],
            [TableBlock(["Decision or state", "Applications"], [[sentence_case(k), str(v)] for k, v in f.decisions.items()]
                        + [["Total", str(sum(f.decisions.values()))]], total=True, numeric=(1,))],
        ),
        Section(
            "Pupils supported",
            [
                f"Pupils supported by funded interventions: {cell(f.pupils)}. "
                f"Numbers from 1 to 4 are shown as \"{SUPPRESSED}\" so that no pupil can be recognised; a number "
                f"marked \"{HIDDEN}\" is hidden so that one of those cannot be worked out from the total.",
            ],
            [
                TableBlock(["School", "Pupils"], [[k, v] for k, v in shown_counts(f.pupils_by_school).items()],
                           title="By school", numeric=(1,)),
                TableBlock(["Area of need", "Pupils"], [[k, v] for k, v in shown_counts(f.pupils_by_area).items()],
                           title="By area of need", numeric=(1,)),
                TableBlock(["SEN status", "Pupils"], [[k, v] for k, v in shown_counts(f.pupils_by_status).items()],
                           title="EHCP or SEN support", numeric=(1,)),
            ],
        ),
    ]
    if hide_all:
        outcome_text = [f"Too few pupils were in completed interventions to show outcomes ({SUPPRESSED})."]
    else:
        outcome_text = [
            f"Cost per pupil (spent / pupils in completed interventions): {pounds(f.cost_per_pupil)}.",
            f"Outcomes met or exceeded: {f.outcomes_met} of {f.outcomes}"
            + (f" ({f.share_met}%)." if f.share_met is not None else "."),
        ]
    hidden_areas = hidden_cells({a.area: a.pupils for a in f.by_area})
    area_rows = [
        [a.area, SUPPRESSED if a.hidden else HIDDEN, "*", "*", "*", "*", "*"]
        if a.area in hidden_areas
        else [a.area, str(a.pupils), *(str(a.met[k]) for k in MET_LABELS),
              f"{one_dp(Decimal(100) * a.met_or_exceeded / a.outcomes)}%" if a.outcomes else "-"]
        for a in f.by_area
    ]
    area_chart = charts.outcomes_by_area({a.area: a.met for a in f.by_area if a.area not in hidden_areas},
                                         hidden=len(hidden_areas))
    sections.append(
        Section(
            "Outcomes",
            outcome_text,
            [
                TableBlock(["Area of need", "Pupils", *MET_LABELS, "Met or exceeded"], area_rows,
                           title="Outcomes by area of need", numeric=(1, 2, 3, 4, 5, 6),
                           note="* hidden: fewer than 5 pupils in that area of need (or hidden beside one)."),
                ChartBlock("Outcomes met, by area of need", area_chart,
                           "Stacked bar chart of the share of outcomes exceeded, met, partially met and not met "
                           "in each area of need."),
            ],
        )
    )
    measure_rows = [
        [m.measure, SUPPRESSED, "*", "*", "*", "*"]
        if m.hidden
        else [m.measure, str(m.pupils), str(m.outcomes),
              f"{m.mean_gain:+}" if m.mean_gain is not None else "-", pounds(m.spend),
              pounds(m.per_point) if m.per_point is not None else "no gain"]
        for m in f.measures
    ]
    gains_chart = charts.gains_by_measure({m.measure: m.mean_gain for m in f.measures
                                           if not m.hidden and m.mean_gain is not None})
    sections.append(
        Section(
            "Gains and £ per point, within each measure",
            [
                "Gains are in each measure's own points and are never added across measures. A positive gain is "
                "an improvement (for measures where lower is better, such as SDQ or incidents, a fall counts as a "
                "gain).",
                "£ per point is the money spent for each point of gain in that measure: the lower it is, the more "
                "progress the money bought. Each intervention's spend is shared equally between its outcomes.",
                *([f"{f.own_measure_outcomes} outcome(s) were measured in a school's own way (\"Other\"): they "
                   "count in the outcomes met above, but their points are not comparable between interventions, "
                   "so they have no mean gain or £ per point."] if f.own_measure_outcomes else []),
            ],
            [
                TableBlock(["Measure", "Pupils", "Outcomes", "Mean gain", "Spend", "£ per point"], measure_rows,
                           numeric=(1, 2, 3, 4, 5), note="* hidden: fewer than 5 pupils."),
                ChartBlock("Mean gain per measure", gains_chart,
                           "One small bar chart per measure showing the mean gain in that measure's points."),
            ],
        )
    )
    sections.append(
        Section(
            "Impact forms",
            [
                f"Impact forms overdue today: {f.overdue_now}.",
                f"Impact forms accepted that arrived after their due date: {f.received_late}.",
            ],
        )
    )
    return Document(
        title=f"{config.cluster.name}: value for money",
        subtitle=f"Cluster SEND funding, {f.label}. A summary for governors, made on {today:%d %B %Y}.",
        sections=sections,
        footer=f"{config.cluster.name} - value for money, {f.label}. Totals only; no pupil is named or listed.",
    )


def write_governors_report(
    db: Database, config: Config, out_dir: Path, *, year: str | None, today: date
) -> tuple[GovernorsFigures, list[Path]]:
    """Compute the figures of ``year`` ("2627"; None: the current academic year) and write
    ``governors-<year>.html`` and ``.pdf`` into ``out_dir``."""
    year = year or academic_year(today)
    data = load_year(db, config, year=year)
    figures = governors_figures(config, data, today)
    paths = write_report(governors_document(config, figures, today), out_dir, f"governors-{year_label(year)}")
    return figures, paths
