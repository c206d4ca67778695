"""The finance manager's spreadsheet: ``forms export --out FILE.xlsx``.

One sheet each for applications, decisions (in force), awards (awarded, spent,
underspend) and accepted impact forms, plus one row per school; a total row under
every money column. Money cells are numbers formatted as pounds; totals are
written as values (worked out here to the penny), so they read the same in any
program. Dates are real dates (shown dd/mm/yyyy). Text from the forms is always
written as text: a title starting with "=" never becomes a formula. No pupil details.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import Field

from ..config import Config
from ..results import Result
from ..states import State
from ..store.db import Database
from .entitlement import YearData, entitlement_table, load_year, year_label
from .render import write_private
from .sheets import append_values

POUNDS = '"£"#,##0.00'
DATE = "dd/mm/yyyy"
_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="E8EEF5")


class ExportSummary(Result):
    path: Path = Field(serialization_alias="file")
    applications: int
    decisions: int
    awards: int
    impact_forms: int
    awarded: Decimal
    spent: Decimal


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]], money_cols: set[int],
           total_label_col: int = 0) -> Worksheet:
    ws = wb.create_sheet(title)
    ws.append(header)
    for c in ws[1]:
        c.font = _HEAD
        c.fill = _FILL
    for row in rows:
        for c in append_values(ws, [float(v) if isinstance(v, Decimal) else v for v in row]):
            if isinstance(c.value, date):  # a real date, so the finance manager can sort and filter by it
                c.number_format = DATE
    if money_cols:
        total: list[Any] = [None] * len(header)
        total[total_label_col] = "Total"
        for i in money_cols:
            total[i] = float(sum((r[i] for r in rows if isinstance(r[i], Decimal)), Decimal("0.00")))
        ws.append(total)
        for c in ws[ws.max_row]:
            c.font = _HEAD
    for i in money_cols:
        letter = get_column_letter(i + 1)
        for cell in ws[letter][1:]:
            cell.number_format = POUNDS
    for i, name in enumerate(header, start=1):
        width = max([len(name)] + [len(str(r[i - 1])) for r in rows if r[i - 1] is not None][:500])
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 10), 50)
    ws.freeze_panes = "A2"
    return ws


def build_workbook(config: Config, data: YearData) -> tuple[bytes, dict[str, Any]]:
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    apps = data.applications
    _sheet(wb, "Applications",
           ["Reference", "School", "Round", "Academic year", "Intervention", "Area of need", "State", "Pupils",
            "Requested"],
           [[a.reference, a.school, a.round or "", year_label(a.year), a.title, a.area_of_need,
             State(a.state).label, a.number_of_pupils, a.requested] for a in apps],
           {8})
    decided = [a for a in apps if a.decision]
    _sheet(wb, "Decisions",
           ["Reference", "School", "Round", "Decision", "Impact due", "Requested", "Awarded"],
           [[a.reference, a.school, a.round or "", State(a.decision).label if a.decision else "",
             a.impact_due, a.requested, a.awarded] for a in decided],
           {5, 6})
    awards = data.awards()
    award_rows: list[list[Any]] = []
    for a in awards:
        imp = data.impacts.get(a.reference)
        spent = imp.spend if imp else Decimal("0.00")
        award_rows.append([a.reference, a.school, a.round or "", State(a.state).label, a.impact_due,
                           imp.reference if imp else "", a.awarded, spent,
                           a.awarded - spent if imp else Decimal("0.00")])
    _sheet(wb, "Awards",
           ["Reference", "School", "Round", "State", "Impact due", "Impact form", "Awarded", "Spent", "Underspend"],
           award_rows, {6, 7, 8})
    by_app = {a.reference: a for a in apps}
    impact_rows: list[list[Any]] = []
    for ref, imp in sorted(data.impacts.items()):
        met = sum(1 for o in imp.outcomes if o.met in ("Exceeded", "Met"))
        impact_rows.append([imp.reference, ref, by_app[ref].school, imp.pupils_supported, len(imp.outcomes), met,
                            "yes" if imp.overdue else "no", by_app[ref].awarded, imp.spend,
                            by_app[ref].awarded - imp.spend])
    _sheet(wb, "Impact",
           ["Impact form", "Application", "School", "Pupils supported", "Outcomes", "Met or exceeded",
            "Received late", "Awarded", "Actual spend", "Underspend"],
           impact_rows, {7, 8, 9})
    table = entitlement_table(config, data)
    _sheet(wb, "Schools",
           ["School", "EHCP", "SEN support", "Entitlement", "Requested", "Awarded", "Spent", "Left"],
           [[r.school, r.ehcp, r.sen_support, r.entitlement, r.requested, r.awarded, r.spent, r.left]
            for r in table.rows],
           {3, 4, 5, 6, 7})
    buf = io.BytesIO()
    wb.save(buf)
    counts = {
        "applications": len(apps),
        "decisions": len(decided),
        "awards": len(awards),
        "impact_forms": len(data.impacts),
        "awarded": sum((a.awarded for a in awards), Decimal("0.00")),
        "spent": sum((i.spend for i in data.impacts.values()), Decimal("0.00")),
    }
    return buf.getvalue(), counts


def export_workbook(db: Database, config: Config, out: Path, *, year: str | None = None) -> ExportSummary:
    """Write the spreadsheet of one academic year ("2627"), or of everything, to ``out``."""
    data = load_year(db, config, year=year)
    blob, counts = build_workbook(config, data)
    write_private(out, blob)
    return ExportSummary(path=out, **counts)
