"""The governors' report: the figures of :mod:`.governors` laid out for people, with
charts, small numbers suppressed (HTML and PDF, through :mod:`.render`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..config import Config, academic_year
from ..results import Result
from ..store.db import Database
from . import charts
from .entitlement import load_year, year_label
from .governors import (
    HIDDEN,
    MET_LABELS,
    SUPPRESSED,
    GovernorsFigures,
    cell,
    governors_figures,
    hidden_cells,
    one_dp,
    pounds,
    sentence_case,
    shown_counts,
    suppressed,
)
from .render import ChartBlock, Document, Section, TableBlock, write_report

# -- the figures as they may be published (for --json and the web page) -------------------


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


# -- the report ----------------------------------------------------------------------------


def governors_document(config: Config, f: GovernorsFigures, today: date) -> Document:
    sections = [_money(f), _decisions(f), _pupils(f), _outcomes(f), _gains(f), _impact_forms(f)]
    return Document(
        title=f"{config.cluster.name}: value for money",
        subtitle=f"Cluster SEND funding, {f.label}. A summary for governors, made on {today:%d %B %Y}.",
        sections=sections,
        footer=f"{config.cluster.name} - value for money, {f.label}. Totals only; no pupil is named or listed.",
    )


def _money(f: GovernorsFigures) -> Section:
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
    tot = {
        k: sum((d[k] for d in f.money_by_school.values()), Decimal("0")) for k in ("entitlement", "awarded", "spent")
    }
    school_rows.append(["Total", pounds(tot["entitlement"]), pounds(tot["awarded"]), pounds(tot["spent"])])
    round_rows = [
        [r, pounds(d["budget"]), pounds(d["awarded"]), pounds(d["spent"]), pounds(d["underspend"])]
        for r, d in f.money_by_round.items()
    ]
    names = list(f.money_by_school)
    money_chart = charts.money_by_school(
        names, {k.capitalize(): [f.money_by_school[s][k] for s in names] for k in ("entitlement", "awarded", "spent")}
    )
    return Section(
        "Money",
        [
            f"{f.awards} intervention(s) were awarded money; {f.completed} have an accepted impact form (completed).",
        ],
        [
            TableBlock(["", "£"], money_rows, numeric=(1,)),
            TableBlock(
                ["Funding round", "Budget", "Awarded", "Spent", "Underspend"],
                round_rows,
                title="Money by funding round",
                numeric=(1, 2, 3, 4),
                note="Spent and underspend count the interventions with an accepted impact form.",
            ),
            TableBlock(
                ["School", "Entitlement", "Awarded", "Spent"],
                school_rows,
                title="Money by school",
                total=True,
                numeric=(1, 2, 3),
            ),
            ChartBlock(
                "Money by school: entitlement, awarded and spent",
                money_chart,
                "Bar chart of each school's entitlement, money awarded and money spent.",
            ),
        ],
    )


def _decisions(f: GovernorsFigures) -> Section:
    return Section(
        "Applications by decision",
        [],
        [
            TableBlock(
                ["Decision or state", "Applications"],
                [[sentence_case(k), str(v)] for k, v in f.decisions.items()]
                + [["Total", str(sum(f.decisions.values()))]],
                total=True,
                numeric=(1,),
            )
        ],
    )


def _pupils(f: GovernorsFigures) -> Section:
    return Section(
        "Pupils supported",
        [
            f"Pupils supported by funded interventions: {cell(f.pupils)}. "
            f'Numbers from 1 to 4 are shown as "{SUPPRESSED}" so that no pupil can be recognised; a number '
            f'marked "{HIDDEN}" is hidden so that one of those cannot be worked out from the total.',
        ],
        [
            TableBlock(
                ["School", "Pupils"],
                [[k, v] for k, v in shown_counts(f.pupils_by_school).items()],
                title="By school",
                numeric=(1,),
            ),
            TableBlock(
                ["Area of need", "Pupils"],
                [[k, v] for k, v in shown_counts(f.pupils_by_area).items()],
                title="By area of need",
                numeric=(1,),
            ),
            TableBlock(
                ["SEN status", "Pupils"],
                [[k, v] for k, v in shown_counts(f.pupils_by_status).items()],
                title="EHCP or SEN support",
                numeric=(1,),
            ),
        ],
    )


def _outcomes(f: GovernorsFigures) -> Section:
    hide_all = suppressed(f.pupils_completed)
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
        else [
            a.area,
            str(a.pupils),
            *(str(a.met[k]) for k in MET_LABELS),
            f"{one_dp(Decimal(100) * a.met_or_exceeded / a.outcomes)}%" if a.outcomes else "-",
        ]
        for a in f.by_area
    ]
    area_chart = charts.outcomes_by_area(
        {a.area: a.met for a in f.by_area if a.area not in hidden_areas}, hidden=len(hidden_areas)
    )
    return Section(
        "Outcomes",
        outcome_text,
        [
            TableBlock(
                ["Area of need", "Pupils", *MET_LABELS, "Met or exceeded"],
                area_rows,
                title="Outcomes by area of need",
                numeric=(1, 2, 3, 4, 5, 6),
                note="* hidden: fewer than 5 pupils in that area of need (or hidden beside one).",
            ),
            ChartBlock(
                "Outcomes met, by area of need",
                area_chart,
                "Stacked bar chart of the share of outcomes exceeded, met, partially met and not met "
                "in each area of need.",
            ),
        ],
    )


def _gains(f: GovernorsFigures) -> Section:
    measure_rows = [
        [m.measure, SUPPRESSED, "*", "*", "*", "*"]
        if m.hidden
        else [
            m.measure,
            str(m.pupils),
            str(m.outcomes),
            f"{m.mean_gain:+}" if m.mean_gain is not None else "-",
            pounds(m.spend),
            pounds(m.per_point) if m.per_point is not None else "no gain",
        ]
        for m in f.measures
    ]
    gains_chart = charts.gains_by_measure(
        {m.measure: m.mean_gain for m in f.measures if not m.hidden and m.mean_gain is not None}
    )
    return Section(
        "Gains and £ per point, within each measure",
        [
            "Gains are in each measure's own points and are never added across measures. A positive gain is "
            "an improvement (for measures where lower is better, such as SDQ or incidents, a fall counts as a "
            "gain).",
            "£ per point is the money spent for each point of gain in that measure: the lower it is, the more "
            "progress the money bought. Each intervention's spend is shared equally between its outcomes.",
            *(
                [
                    f'{f.own_measure_outcomes} outcome(s) were measured in a school\'s own way ("Other"): they '
                    "count in the outcomes met above, but their points are not comparable between interventions, "
                    "so they have no mean gain or £ per point."
                ]
                if f.own_measure_outcomes
                else []
            ),
        ],
        [
            TableBlock(
                ["Measure", "Pupils", "Outcomes", "Mean gain", "Spend", "£ per point"],
                measure_rows,
                numeric=(1, 2, 3, 4, 5),
                note="* hidden: fewer than 5 pupils.",
            ),
            ChartBlock(
                "Mean gain per measure",
                gains_chart,
                "One small bar chart per measure showing the mean gain in that measure's points.",
            ),
        ],
    )


def _impact_forms(f: GovernorsFigures) -> Section:
    return Section(
        "Impact forms",
        [
            f"Impact forms overdue today: {f.overdue_now}.",
            f"Impact forms accepted that arrived after their due date: {f.received_late}.",
        ],
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
