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
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pydantic import Field, computed_field

from ..config import Config
from ..documents.response import pdf_fonts
from ..errors import NotAllowed, UsageError
from ..home import Home, write_private
from ..results import Money, Result
from ..spec import APPLICATION, FieldType
from ..states import DECISION_STATES, State
from ..store import repository as repo
from ..store.db import Database
from ..store.decisions import decisions_of
from ..store.repository import FormRow, list_forms
from ..validation.parsing import format_date, format_money
from .money import RoundMoney, awarded_by_school, entitlements, round_money, year_of_round

# Applications that belong in the pack: forwarded (and, on a re-run, decided but not yet answered).
PACK_STATES = frozenset({State.WITH_WORKING_PARTY} | DECISION_STATES)
SUMMARY_HEADINGS = ("Reference", "School", "Intervention", "Area of need", "Pupils", "Amount requested",
                    "Entitlement", "Awarded this year")
# Relative widths of the summary's columns (millimetres on the PDF's landscape A4 page).
SUMMARY_WIDTHS = (36, 45, 54, 38, 16, 26, 26, 26)
DECISION_HEADINGS = ("Decision", "Award", "Conditions", "Feedback", "Information requested", "Deferred to",
                     "Resubmit by", "Reason")


class PackRow(Result):
    reference: str
    school: str
    intervention: str
    area_of_need: str
    pupils: int | None
    requested: Money
    entitlement: Money
    awarded_this_year: Money


class Pack(Result):
    round: str
    rows: list[PackRow]
    money: RoundMoney = Field(exclude=True)
    pdf: Path
    docx: Path
    xlsx: Path

    @computed_field  # type: ignore[prop-decorator]
    @property
    def applications(self) -> int:
        return len(self.rows)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_requested(self) -> Money:
        return sum((r.requested for r in self.rows), Decimal("0.00"))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def budget(self) -> Money:
        return self.money.budget

    @computed_field  # type: ignore[prop-decorator]
    @property
    def awarded(self) -> Money:
        return self.money.awarded

    @computed_field  # type: ignore[prop-decorator]
    @property
    def left(self) -> Money:
        return self.money.left


def pack_forms(db: Database, config: Config, round_name: str) -> tuple[str, list[FormRow]]:
    rnd = config.require_round(round_name)
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


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def host_notes(db: Database, config: Config, form: FormRow) -> list[str]:
    """What the Working Party should know beyond the form: late arrival, the Host's forward
    notes and recorded exceptions, moves between rounds, and the application's history
    (deferred from an earlier round, more information asked before)."""
    notes: list[str] = []
    received = repo.received_times(db).get(form.reference)
    if received and config.is_late(form.round, received):
        rnd = config.round_by_name(form.round or "")
        at = datetime.fromisoformat(received).astimezone(config.tz)
        deadline = config.local_deadline(rnd)
        notes.append(f"Late: arrived {_day(at.date())} at {at:%H:%M}, after the deadline of {rnd.name} "
                     f"({_day(deadline.date())} at {deadline:%H:%M}); the SEND Host forwarded it to this round.")
    for e in repo.exceptions_of(db, form.reference):
        notes.append(f"Exception to the {str(e['rule']).replace('_', ' ')} rule, recorded by the SEND Host: {e['reason']}")
    for h in repo.history_of(db, form.reference):
        if h["action"] == "forwarded" and h["reason"]:
            notes.append(f"The SEND Host's note when forwarding: {h['reason']}")
        elif h["action"] == "moved" and h["reason"]:
            notes.append(f"Moved by the SEND Host {h['reason']}")
    for d in decisions_of(db, form.reference):
        if d["decision"] == State.DEFERRED.value and d["deferred_to"] == form.round:
            met = f" at its meeting on {_day(date.fromisoformat(d['meeting_date']))}" if d["meeting_date"] else ""
            notes.append(f"Deferred to this round by the Working Party{met}.")
    if form.linked_ref:
        earlier = repo.get_form(db, form.linked_ref)
        decision = repo.current_decision(db, form.linked_ref)
        if earlier is not None and decision is not None and decision["decision"] in ("more_information", "deferred"):
            asked = (f"asked for more information: {decision['information_requested']}"
                     if decision["decision"] == "more_information" and decision["information_requested"]
                     else f"deferred it to {decision['deferred_to']}")
            notes.append(f"Resubmission of {earlier.reference} ({earlier.round}), for which the Working Party {asked}.")
        elif earlier is not None:
            notes.append(f"Continues the earlier application {earlier.reference} ({earlier.round}, "
                         f"{earlier.state.label}).")
    return notes


def build_pack(db: Database, home: Home, round_name: str, out_dir: Path) -> Pack:
    config = home.config
    name, forms = pack_forms(db, config, round_name)
    if not forms:
        raise NotAllowed(f"No application of {name} is with the Working Party, so there is no pack to write.",
                         hint="Forward the applications first: forms check --round " + round_name)
    rows = summary_rows(db, config, name, forms)
    money = round_money(db, config, name)
    pdf = out_dir / f"{name} pack.pdf"
    docx = out_dir / f"{name} pack.docx"
    xlsx = out_dir / f"{name} decisions.xlsx"
    notes = {f.reference: host_notes(db, config, f) for f in forms}
    files = ((pdf, pack_pdf(config, name, rows, money, forms, notes)),
             (docx, pack_docx(config, name, rows, money, forms, notes)),
             (xlsx, pack_xlsx(name, rows, money)))
    try:
        if not out_dir.exists():
            out_dir.mkdir(parents=True, mode=0o700)  # the pack holds pupil rows: owner-only
        for path, data in files:
            write_private(path, data)
    except OSError as exc:
        raise UsageError(f"The pack could not be written into {out_dir}: {exc.strerror or exc}.",
                         hint="Give a folder you can write to with --out (a new one is made for you).") from None
    return Pack(round=name, rows=rows, money=money, pdf=pdf, docx=docx, xlsx=xlsx)



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
    after = money.left - total
    totals = [
        ["Round budget", _m(money.budget)],
        ["Already awarded in this round", _m(money.awarded)],
        ["Money left", _m(money.left)],
        ["Requested in this pack", _m(total)],
        ["Left if every request were approved", _m(after)] if after >= 0
        else ["Short by, if every request were approved", _m(-after)],
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


def forwarded_words(forms: list[FormRow]) -> str:
    """How many applications were forwarded (and, on a re-run, how many are decided already)."""
    waiting = sum(1 for f in forms if f.state == State.WITH_WORKING_PARTY)
    decided = len(forms) - waiting
    text = f"{waiting} application{'s' if waiting != 1 else ''} forwarded by the SEND Host, awaiting a decision"
    if decided:
        text += f", and {decided} decided already but not yet answered"
    return text + ". Summary first, then each application in full, with the SEND Host's notes."


def pack_pdf(config: Config, round_name: str, rows: list[PackRow], money: RoundMoney, forms: list[FormRow],
             notes: dict[str, list[str]] | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepInFrame, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = pdf_fonts()
    body = ParagraphStyle("b", fontName=regular, fontSize=8.5, leading=10.5)
    head = ParagraphStyle("h", parent=body, fontName=bold, fontSize=14, leading=18, spaceAfter=6)
    sub = ParagraphStyle("s", parent=body, fontName=bold, fontSize=10, leading=12, spaceBefore=3, spaceAfter=2)
    cellb = ParagraphStyle("cb", parent=body, fontName=bold)
    num = ParagraphStyle("n", parent=body, alignment=TA_RIGHT)
    numb = ParagraphStyle("nb", parent=cellb, alignment=TA_RIGHT)
    small = ParagraphStyle("sm", parent=body, fontSize=8, leading=9.6)
    small_b = ParagraphStyle("smb", parent=small, fontName=bold)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(_xml_safe(text)).replace("\n", "<br/>"), style)

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7"))])
    table, totals = summary_table(rows, money)
    widths = [w * mm for w in SUMMARY_WIDTHS]
    last = len(table) - 1

    def summary_cell(i: int, j: int, text: str) -> Paragraph:
        strong = i in (0, last)
        if j >= 4:  # pupils and money: right-aligned
            return p(text, numb if strong else num)
        return p(text, cellb if strong else body)

    summary = Table([[summary_cell(i, j, c) for j, c in enumerate(r)] for i, r in enumerate(table)],
                    colWidths=widths, repeatRows=1, splitInRow=1)
    summary.setStyle(grid)
    story: list[Any] = [
        p(f"{config.cluster.name}: Working Party pack, {round_name}", head),
        p(forwarded_words(forms)),
        Spacer(1, 3 * mm),
        summary,
        Spacer(1, 4 * mm),
    ]
    t = Table([[p(a, cellb), p(b, num)] for a, b in totals], colWidths=[80 * mm, 30 * mm])
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    story.append(t)
    cell_style = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F5F7FA"))])
    tight = [("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
    app_head = ParagraphStyle("ah", parent=head, fontSize=12, leading=15, spaceAfter=3)
    frame_w, frame_h = landscape(A4)[0] - 30 * mm, landscape(A4)[1] - 27 * mm - 12  # the page's frame
    for form in forms:
        story.append(PageBreak())
        main = story
        story = []
        story.append(p(f"{form.reference}: {form.school or ''}", app_head))
        form_notes = (notes or {}).get(form.reference) or []
        if form_notes:
            nt = Table([[p("The SEND Host's notes", cellb), p("\n".join(f"• {n}" for n in form_notes))]],
                       colWidths=[45 * mm, 222 * mm])
            nt.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#B45309")),
                                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FFF7ED")),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [nt, Spacer(1, 2 * mm)]
        pairs, groups = application_parts(form)
        # Short answers two to a row, long ones across the page: an application fits on about a page.
        short = [(a, b) for a, b in pairs if len(b) <= 60]
        long = [(a, b) for a, b in pairs if len(b) > 60]
        per_row = 3
        grid_rows = []
        for i in range(0, len(short), per_row):
            chunk = short[i:i + per_row]
            chunk += [("", "")] * (per_row - len(chunk))
            grid_rows.append([x for a, b in chunk for x in (p(a, small_b), p(b, small))])
        st = Table(grid_rows, colWidths=[38 * mm, 51 * mm] * per_row, splitInRow=1)
        st.setStyle(TableStyle([*tight, ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                *[("BACKGROUND", (c, 0), (c, -1), colors.HexColor("#F5F7FA"))
                                  for c in range(0, 2 * per_row, 2)]]))
        story.append(st)
        # The pupils, outcomes and costs next, each kept whole (at most 8 rows: it moves to the next
        # page whole rather than leaving a few rows behind), side by side when there is room.
        blocks = []
        for title, headings, grows in groups:
            if not grows:
                blocks.append([p(title, sub), p("None given.", small)])
                continue
            gt = Table([[p(h, small_b) for h in headings]] + [[p(c, small) for c in r] for r in grows], repeatRows=1)
            gt.setStyle(grid)
            gt.setStyle(TableStyle(tight))
            blocks.append([p(title, sub), gt])
        side = Table([[b for b in blocks]], colWidths=[72 * mm, 110 * mm, 85 * mm][:len(blocks)])
        side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 4)]))
        story.append(side)  # one row: it never splits, so it moves to the next page whole
        if long:
            # splitInRow: a long answer (a description of a page or more) runs on over the page.
            lt = Table([[p(a, small_b), p(b, small)] for a, b in long], colWidths=[55 * mm, 212 * mm], splitInRow=1)
            lt.setStyle(cell_style)
            lt.setStyle(TableStyle(tight))
            story += [Spacer(1, 2 * mm), lt]
        # An application a little longer than a page is shrunk onto its page, rather than leaving
        # a few rows on a page of their own; a much longer one runs on over the pages.
        height = sum(f.wrap(frame_w, frame_h)[1] for f in story)
        if height <= frame_h * 1.3:
            main.append(KeepInFrame(frame_w, frame_h, story, mode="shrink"))
        else:
            main.extend(story)
        story = main
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


def pack_docx(config: Config, round_name: str, rows: list[PackRow], money: RoundMoney, forms: list[FormRow],
              notes: dict[str, list[str]] | None = None) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]  # landscape A4 with the PDF's margins, so the columns match
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin, section.bottom_margin = Mm(12), Mm(15)
    doc.styles["Normal"].font.size = Pt(9)  # type: ignore[attr-defined]
    width = int((section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)) // 635  # twips
    w = _DocxWriter(doc, width)
    w.heading(f"{config.cluster.name}: Working Party pack, {round_name}", 1)
    w.paragraph(forwarded_words(forms))
    table, totals = summary_table(rows, money)
    w.table(table, numeric_from=4, weights=SUMMARY_WIDTHS)
    w.paragraph("")
    w.table(totals, header=False, numeric_from=1, weights=(7, 3))
    for form in forms:
        w.page_break()
        w.heading(f"{form.reference}: {form.school or ''}", 2)
        form_notes = (notes or {}).get(form.reference) or []
        if form_notes:
            w.table([["The SEND Host's notes", "\n".join(f"• {n}" for n in form_notes)]], header=False,
                    weights=(7, 19))
            w.paragraph("")
        pairs, groups = application_parts(form)
        w.table([list(pr) for pr in pairs], header=False, weights=(7, 19))
        for title, headings, grows in groups:
            w.heading(title, 3)
            if grows:
                w.table([headings, *grows])
            else:
                w.paragraph("None given.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Characters XML 1.0 cannot hold (a Word vertical tab, form feeds, ...): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


class _DocxWriter:
    """Appends paragraphs, headings and tables to a python-docx document as WordprocessingML.

    The same elements python-docx writes (styles ``Heading1..3`` and ``TableGrid`` of its
    default template, bold header cells), built as text: about ten times faster than
    python-docx's own calls for a 300-application pack.
    """

    def __init__(self, doc: Any, width_twips: int) -> None:
        from docx.oxml.ns import qn

        self.body = doc.element.body
        self.sect = self.body.find(qn("w:sectPr"))
        self.width = width_twips

    def _add(self, xml: str) -> None:
        from docx.oxml import parse_xml

        el = parse_xml(f'<w:root xmlns:w="{_W}">{xml}</w:root>')
        for child in list(el):
            if self.sect is not None:
                self.sect.addprevious(child)
            else:
                self.body.append(child)

    @staticmethod
    def _runs(text: str, bold: bool = False, align_right: bool = False) -> str:
        rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
        ppr = '<w:pPr><w:jc w:val="right"/></w:pPr>' if align_right else ""
        parts = []
        for i, line in enumerate(_xml_safe(text).split("\n")):
            if i:
                parts.append("<w:br/>")
            for j, chunk in enumerate(line.split("\t")):
                if j:
                    parts.append("<w:tab/>")
                if chunk:
                    parts.append(f'<w:t xml:space="preserve">{escape(chunk)}</w:t>')
        return f"<w:p>{ppr}<w:r>{rpr}{''.join(parts)}</w:r></w:p>" if parts else f"<w:p>{ppr}</w:p>"

    def paragraph(self, text: str) -> None:
        self._add(self._runs(text))

    def heading(self, text: str, level: int) -> None:
        body = f'<w:t xml:space="preserve">{escape(_xml_safe(text))}</w:t>'
        self._add(f'<w:p><w:pPr><w:pStyle w:val="Heading{level}"/></w:pPr><w:r>{body}</w:r></w:p>')

    def page_break(self) -> None:
        self._add('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    def table(self, rows: list[list[str]], header: bool = True, numeric_from: int | None = None,
              weights: tuple[int, ...] | None = None) -> None:
        """A 'Table Grid' table; bold the first row (``header``) or else the first column;
        columns from ``numeric_from`` on right-aligned; column widths in proportion to ``weights``."""
        if not rows:
            return
        cols = len(rows[0])
        shares = weights if weights and len(weights) == cols else (1,) * cols
        widths = [self.width * w // sum(shares) for w in shares]
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        out = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/>'
               '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0"'
               f' w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
        for i, row in enumerate(rows):
            if header and i == 0:
                out.append("<w:tr><w:trPr><w:tblHeader/></w:trPr>")
            else:
                out.append("<w:tr>")
            for j, value in enumerate(row):
                bold = (header and i == 0) or (not header and j == 0)
                right = numeric_from is not None and j >= numeric_from
                out.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{widths[j]}"/></w:tcPr>'
                           f"{self._runs(value, bold, right)}</w:tc>")
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self._add("".join(out))


# -- spreadsheet -------------------------------------------------------------------


def pack_xlsx(round_name: str, rows: list[PackRow], money: RoundMoney) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..states import DECISION_WORDS
    from .sheets import append_values

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
        append_values(ws, [r.reference, r.school, r.intervention, r.area_of_need, r.pupils, r.requested,
                           r.entitlement, r.awarded_this_year])
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
