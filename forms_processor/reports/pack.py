"""The Working Party's papers for one round: ``build_pack(db, home, round_name, out_dir)``.

* ``<round> pack.pdf`` (reportlab) and ``<round> pack.docx`` (python-docx): a summary
  table (school, intervention, area of need, pupils, amount requested, the school's
  entitlement and what it has been awarded this year) with totals against the
  money left, then each forwarded application in full. The summary never shows
  pupil references; the full applications do (they are the Working Party's papers).
* ``<round> decisions.xlsx`` (openpyxl): the same summary rows for the finance
  manager, with blank decision columns that ``forms decide --from`` reads back.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ..config import Config
from ..documents.response import pdf_fonts
from ..errors import NotFound
from ..home import Home
from ..spec import APPLICATION, FieldType
from ..store.db import Database
from ..store.repository import FormRow, list_forms
from ..validation.parsing import format_date, format_money
from ..workflow.states import DECISION_STATES, State
from .money import RoundMoney, awarded_by_school, entitlements, round_money, year_of_round

# Applications that belong in the pack: forwarded (and, on a re-run, decided but not yet answered).
PACK_STATES = frozenset({State.WITH_WORKING_PARTY} | DECISION_STATES)
SUMMARY_HEADINGS = ("Reference", "School", "Intervention", "Area of need", "Pupils", "Amount requested",
                    "Entitlement", "Awarded this year")
DECISION_HEADINGS = ("Decision", "Award", "Conditions", "Feedback", "Information requested", "Deferred to",
                     "Resubmit by", "Reason")


@dataclass(frozen=True)
class PackRow:
    reference: str
    school: str
    intervention: str
    area_of_need: str
    pupils: int | None
    requested: Decimal
    entitlement: Decimal
    awarded_this_year: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "school": self.school,
            "intervention": self.intervention,
            "area_of_need": self.area_of_need,
            "pupils": self.pupils,
            "requested": f"{self.requested:.2f}",
            "entitlement": f"{self.entitlement:.2f}",
            "awarded_this_year": f"{self.awarded_this_year:.2f}",
        }


@dataclass(frozen=True)
class Pack:
    round: str
    rows: list[PackRow]
    money: RoundMoney
    pdf: Path
    docx: Path
    xlsx: Path

    @property
    def total_requested(self) -> Decimal:
        return sum((r.requested for r in self.rows), Decimal("0.00"))

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "applications": len(self.rows),
            "total_requested": f"{self.total_requested:.2f}",
            **{k: v for k, v in self.money.to_json().items() if k != "requested"},
            "pdf": str(self.pdf),
            "docx": str(self.docx),
            "xlsx": str(self.xlsx),
            "rows": [r.to_json() for r in self.rows],
        }


def pack_forms(db: Database, config: Config, round_name: str) -> tuple[str, list[FormRow]]:
    rnd = config.find_round(round_name)
    if rnd is None:
        raise NotFound(f"There is no funding round called '{round_name}'.",
                       hint="Use a round name or code from cluster.toml, e.g. " + ", ".join(r.code for r in config.rounds) + ".")
    forms = [f for f in list_forms(db, round_name=rnd.name, form_id="send-application") if f.state in PACK_STATES]
    forms.sort(key=lambda f: (f.school or "", f.reference))
    return rnd.name, forms


def summary_rows(db: Database, config: Config, round_name: str, forms: list[FormRow]) -> list[PackRow]:
    ents = entitlements(config)
    so_far = awarded_by_school(db, config, year_of_round(config, round_name))
    rows = []
    for f in forms:
        pupils = f.fields.get("number_of_pupils")
        rows.append(PackRow(
            reference=f.reference,
            school=f.school or "",
            intervention=f.intervention or "",
            area_of_need=str(f.fields.get("area_of_need") or ""),
            pupils=int(pupils) if isinstance(pupils, (int, float)) else None,
            requested=Decimal(f.amount_requested or "0"),
            entitlement=ents.get(f.school or "", Decimal("0.00")),
            awarded_this_year=so_far.get(f.school or "", Decimal("0.00")),
        ))
    return rows


def build_pack(db: Database, home: Home, round_name: str, out_dir: Path) -> Pack:
    config = home.config
    name, forms = pack_forms(db, config, round_name)
    rows = summary_rows(db, config, name, forms)
    money = round_money(db, config, name)
    if not out_dir.exists():
        out_dir.mkdir(parents=True, mode=0o700)  # the pack holds pupil rows: owner-only
    pdf = out_dir / f"{name} pack.pdf"
    docx = out_dir / f"{name} pack.docx"
    xlsx = out_dir / f"{name} decisions.xlsx"
    _write_private(pdf, pack_pdf(config, name, rows, money, forms))
    _write_private(docx, pack_docx(config, name, rows, money, forms))
    _write_private(xlsx, pack_xlsx(name, rows, money))
    return Pack(name, rows, money, pdf, docx, xlsx)


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


# -- the contents, shared by the PDF and the Word copy -------------------------------


def _m(v: Decimal) -> str:
    return format_money(v)


def summary_table(rows: list[PackRow], money: RoundMoney) -> tuple[list[list[str]], list[list[str]]]:
    """(table rows with headings, totals lines)."""
    table = [list(SUMMARY_HEADINGS)]
    for r in rows:
        table.append([r.reference, r.school, r.intervention, r.area_of_need, "" if r.pupils is None else str(r.pupils),
                      _m(r.requested), _m(r.entitlement), _m(r.awarded_this_year)])
    total = sum((r.requested for r in rows), Decimal("0.00"))
    table.append(["Total", f"{len(rows)} applications", "", "", "", _m(total), "", ""])
    totals = [
        ["Round budget", _m(money.budget)],
        ["Already awarded in this round", _m(money.awarded)],
        ["Money left", _m(money.left)],
        ["Requested in this pack", _m(total)],
        ["Left if every request were approved", _m(money.left - total)],
    ]
    return table, totals


def _value(ftype: FieldType, value: Any) -> str:
    if value is None or value == "":
        return ""
    if ftype is FieldType.MONEY:
        return _m(Decimal(str(value)))
    if ftype is FieldType.DATE:
        try:
            from datetime import date

            return format_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if ftype is FieldType.CHECKBOX:
        return "Yes" if value else "No"
    return str(value)


def application_parts(form: FormRow) -> tuple[list[tuple[str, str]], list[tuple[str, list[str], list[list[str]]]]]:
    """All fields of one application: (label, value) pairs, and (title, headings, rows) per row group."""
    f = form.fields
    pairs = [(spec.label, _value(spec.type, f.get(spec.key))) for spec in APPLICATION.single_fields()]
    groups = []
    for g in APPLICATION.groups():
        rows = [[_value(c.type, row.get(c.key)) for c in g.columns] for row in f.get(g.name) or []]
        groups.append((g.name.capitalize(), list(g.header_labels), rows))
    return pairs, groups


# -- PDF ---------------------------------------------------------------------------


def pack_pdf(config: Config, round_name: str, rows: list[PackRow], money: RoundMoney, forms: list[FormRow]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = pdf_fonts()
    body = ParagraphStyle("b", fontName=regular, fontSize=8.5, leading=10.5)
    head = ParagraphStyle("h", parent=body, fontName=bold, fontSize=14, leading=18, spaceAfter=6)
    sub = ParagraphStyle("s", parent=body, fontName=bold, fontSize=11, leading=14, spaceBefore=6, spaceAfter=4)
    cellb = ParagraphStyle("cb", parent=body, fontName=bold)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7"))])
    table, totals = summary_table(rows, money)
    widths = [36 * mm, 45 * mm, 56 * mm, 38 * mm, 14 * mm, 26 * mm, 26 * mm, 26 * mm]
    last = len(table) - 1
    summary = Table([[p(c, cellb if i in (0, last) else body) for c in r] for i, r in enumerate(table)],
                    colWidths=widths, repeatRows=1)
    summary.setStyle(grid)
    story: list[Any] = [
        p(f"{config.cluster.name}: Working Party pack, {round_name}", head),
        p(f"{len(rows)} applications forwarded by the SEND Host. Summary first, then each application in full."),
        Spacer(1, 3 * mm),
        summary,
        Spacer(1, 4 * mm),
    ]
    t = Table([[p(a, cellb), p(b)] for a, b in totals], colWidths=[70 * mm, 30 * mm])
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    story.append(t)
    for form in forms:
        story.append(PageBreak())
        story.append(p(f"{form.reference}: {form.school or ''}", head))
        pairs, groups = application_parts(form)
        ft = Table([[p(a, cellb), p(b)] for a, b in pairs], colWidths=[70 * mm, 190 * mm])
        ft.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(ft)
        for title, headings, grows in groups:
            story.append(p(title, sub))
            if not grows:
                story.append(p("None given."))
                continue
            gt = Table([[p(h, cellb) for h in headings]] + [[p(c) for c in r] for r in grows], repeatRows=1)
            gt.setStyle(grid)
            story.append(gt)
    footer = f"{config.cluster.name} · {round_name} · confidential: Working Party only"

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(15 * mm, 8 * mm, footer)
        canvas.drawRightString(landscape(A4)[0] - 15 * mm, 8 * mm, f"page {doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm,
                            bottomMargin=15 * mm, title=f"Working Party pack, {round_name}", author=config.cluster.name)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


# -- Word --------------------------------------------------------------------------


def pack_docx(config: Config, round_name: str, rows: list[PackRow], money: RoundMoney, forms: list[FormRow]) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    doc.styles["Normal"].font.size = Pt(9)  # type: ignore[attr-defined]
    doc.add_heading(f"{config.cluster.name}: Working Party pack, {round_name}", level=1)
    doc.add_paragraph(f"{len(rows)} applications forwarded by the SEND Host. Summary first, then each application in full.")
    table, totals = summary_table(rows, money)
    _docx_table(doc, table)
    doc.add_paragraph()
    _docx_table(doc, totals, header=False)
    for form in forms:
        doc.add_page_break()
        doc.add_heading(f"{form.reference}: {form.school or ''}", level=2)
        pairs, groups = application_parts(form)
        _docx_table(doc, [list(pr) for pr in pairs], header=False)
        for title, headings, grows in groups:
            doc.add_heading(title, level=3)
            if grows:
                _docx_table(doc, [headings, *grows])
            else:
                doc.add_paragraph("None given.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _docx_table(doc: Any, rows: list[list[str]], header: bool = True) -> None:
    if not rows:
        return
    t = doc.add_table(rows=len(rows), cols=len(rows[0]))
    t.style = "Table Grid"
    for i, r in enumerate(rows):
        cells = t.rows[i].cells
        for j, value in enumerate(r):
            cells[j].text = value
            if (header and i == 0) or (not header and j == 0):
                for run in cells[j].paragraphs[0].runs:
                    run.bold = True


# -- spreadsheet -------------------------------------------------------------------


def pack_xlsx(round_name: str, rows: list[PackRow], money: RoundMoney) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..workflow.decide import DECISION_WORDS

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Decisions"
    headings = [*SUMMARY_HEADINGS, *DECISION_HEADINGS]
    ws.append(headings)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    money_fmt = '"£"#,##0.00'
    for r in rows:
        ws.append([r.reference, r.school, r.intervention, r.area_of_need, r.pupils, r.requested, r.entitlement,
                   r.awarded_this_year])
    last = ws.max_row
    for col in ("F", "G", "H", "J"):
        for n in range(2, last + 1):
            ws[f"{col}{n}"].number_format = money_fmt
    choices = DataValidation(type="list", formula1='"' + ",".join(DECISION_WORDS) + '"', allow_blank=True)
    ws.add_data_validation(choices)
    if rows:
        choices.add(f"I2:I{last}")
    ws.append([])
    total = sum((r.requested for r in rows), Decimal("0.00"))
    for label, value in (("Total requested", total), ("Round budget", money.budget),
                         ("Already awarded", money.awarded), ("Money left", money.left)):
        ws.append([label, None, None, None, None, value])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.cell(ws.max_row, 6).number_format = money_fmt
    for col, width in zip("ABCDEFGHIJKLMNOP", (18, 30, 40, 26, 8, 16, 14, 16, 24, 12, 30, 40, 30, 16, 14, 24),
                          strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "B2"
    info = wb.create_sheet("About")
    info.append([f"Working Party decisions, {round_name}"])
    info.append(["Fill in the Decision column (one of: " + ", ".join(DECISION_WORDS) + ") and the columns after it,"])
    info.append(["then give the file to the SEND Host: forms decide --from <this file>. Rows with no decision are left alone."])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
