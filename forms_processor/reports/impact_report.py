"""Collated impact, for the cluster's headteachers: every funded intervention's outcomes
(baseline, target, result, met), by school and area of need.

From the accepted impact forms of a round or a year. "Met" is the value computed from
baseline, target and result in the measure's direction (the school's own statement is
shown beside it when it differs). Pupil counts from 1 to 4 are shown as
"fewer than 5"; no pupil is listed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..config import Config, academic_year
from ..store.db import Database
from . import charts
from .entitlement import Application, Impact, YearData, load_year, year_label
from .governors import cell, gain, one_dp, pounds, suppressed
from .render import ChartBlock, Document, Section, TableBlock, write_report


@dataclass(frozen=True)
class Intervention:
    application: Application
    impact: Impact


def completed(data: YearData) -> list[Intervention]:
    """Awards with an accepted impact form, by school then area of need then reference."""
    out = [Intervention(a, data.impacts[a.reference]) for a in data.awards() if a.reference in data.impacts]
    out.sort(key=lambda i: (i.application.school, i.application.area_of_need, i.application.reference))
    return out


def impact_document(config: Config, data: YearData, today: date) -> Document:
    items = completed(data)
    by_school_area: dict[tuple[str, str], list[Intervention]] = defaultdict(list)
    for it in items:
        by_school_area[(it.application.school, it.application.area_of_need)].append(it)
    sections = [_summary(items, by_school_area)]
    for school in sorted({it.application.school for it in items}):
        sections.append(_school_section(school, items, by_school_area))
    label = data.label
    return Document(
        title=f"{config.cluster.name}: impact of cluster SEND funding",
        subtitle=f"Outcomes of funded interventions, {label}. For cluster headteachers; made on {today:%d %B %Y}.",
        sections=sections,
        footer=f"{config.cluster.name} - impact, {label}. No pupil is named or listed.",
        landscape=True,
    )


def _summary(items: list[Intervention], by_school_area: dict[tuple[str, str], list[Intervention]]) -> Section:
    """The whole year (or round): a row per school and area of need, and the chart."""
    met_by_area: dict[str, Counter[str]] = defaultdict(Counter)
    pupils_by_area: dict[str, int] = defaultdict(int)
    for it in items:
        pupils_by_area[it.application.area_of_need] += it.impact.pupils_supported
        for o in it.impact.outcomes:
            met_by_area[it.application.area_of_need][o.met] += 1
    summary_rows: list[list[str]] = []
    for (school, area), group in by_school_area.items():
        outs = [o for it in group for o in it.impact.outcomes]
        met = sum(1 for o in outs if o.met in ("Exceeded", "Met"))
        summary_rows.append([
            school, area, str(len(group)), cell(sum(it.impact.pupils_supported for it in group)),
            f"{met} of {len(outs)}", pounds(sum((it.impact.spend for it in group), Decimal("0"))),
        ])
    total_outs = [o for it in items for o in it.impact.outcomes]
    total_met = sum(1 for o in total_outs if o.met in ("Exceeded", "Met"))
    intro = [
        f"{len(items)} funded intervention(s) with an accepted impact form; "
        f"{total_met} of {len(total_outs)} outcomes met or exceeded"
        + (f" ({one_dp(Decimal(100) * total_met / len(total_outs))}%)." if total_outs else "."),
        "\"Met\" is worked out from the baseline, target and result in the measure's direction "
        "(for SDQ, Boxall diagnostic profile and incidents, lower is better). Pupil numbers from 1 to 4 are "
        "shown as \"fewer than 5\".",
    ]
    chart = charts.outcomes_by_area(
        {a: met_by_area[a] for a in sorted(met_by_area) if not suppressed(pupils_by_area[a])},
        hidden=sum(1 for a in met_by_area if suppressed(pupils_by_area[a])),
    )
    return Section(
        "Summary",
        intro,
        [
            TableBlock(["School", "Area of need", "Interventions", "Pupils", "Outcomes met", "Spent"],
                       summary_rows, numeric=(2, 3, 5)),
            ChartBlock("Outcomes met, by area of need", chart,
                       "Stacked bar chart of the share of outcomes exceeded, met, partially met and not met "
                       "in each area of need."),
        ],
    )


def _school_section(school: str, items: list[Intervention],
                    by_school_area: dict[tuple[str, str], list[Intervention]]) -> Section:
    """One school: a table per area of need, a row per outcome of each intervention."""
    blocks: list[TableBlock | ChartBlock] = []
    for area in sorted({it.application.area_of_need for it in items if it.application.school == school}):
        rows: list[list[str]] = []
        for it in by_school_area[(school, area)]:
            a, imp = it.application, it.impact
            for n, o in enumerate(imp.outcomes):
                stated = "" if o.met_stated in (None, o.met) else f" (school said {o.met_stated})"
                head = [f"{a.reference}: {a.title}", cell(imp.pupils_supported), pounds(imp.spend)] if n == 0 \
                    else ["", "", ""]
                rows.append([*head, o.measure, _num(o.baseline), _num(o.target), _num(o.result),
                             f"{gain(o):+}", o.met + stated])
        blocks.append(TableBlock(
            ["Intervention", "Pupils", "Spent", "Measure", "Baseline", "Target", "Result", "Gain", "Met"],
            rows, title=area, numeric=(1, 2, 4, 5, 6, 7),
        ))
    return Section(school, [], blocks)


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else str(value)


def write_impact_report(
    db: Database, config: Config, out_dir: Path, *, round_name: str | None, year: str | None, today: date
) -> tuple[YearData, list[Path]]:
    """Write ``impact-<round or year>.html`` and ``.pdf`` into ``out_dir``. Neither round nor
    year: the current academic year."""
    if round_name is None:
        year = year or academic_year(today)
    data = load_year(db, config, year=None if round_name else year, round_name=round_name)
    stem = f"impact-{config.round_by_name(round_name).code}" if round_name else f"impact-{year_label(year or '')}"
    return data, write_report(impact_document(config, data, today), out_dir, stem)
