"""The Working Party's pack as a PDF (reportlab, landscape A4): the summary and its
totals, then each forwarded application on about a page of its own, the SEND Host's notes
above it."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from ..config import Config
from ..documents.response import pdf_fonts
from ..store.repository import FormRow
from .money import RoundMoney
from .pack_contents import SUMMARY_WIDTHS, PackRow, application_parts, forwarded_words, summary_table
from .pack_docx import xml_safe


def pack_pdf(config: Config, round_name: str, rows: list[PackRow], money: RoundMoney, forms: list[FormRow],
             notes: dict[str, list[str]] | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    w = _PdfPack()
    story: list[Any] = w.summary(config, round_name, rows, money, forms)
    for form in forms:
        story.append(PageBreak())
        story += w.fitted(w.application(form, (notes or {}).get(form.reference) or []))
    footer = f"{config.cluster.name} · {round_name} · confidential: Working Party only"

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(w.regular, 7.5)
        canvas.drawString(15 * mm, 8 * mm, footer)
        canvas.drawRightString(landscape(A4)[0] - 15 * mm, 8 * mm, f"page {doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm,
                            bottomMargin=15 * mm, title=f"Working Party pack, {round_name}", author=config.cluster.name)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


class _PdfPack:
    """The pack's styles, and the parts of its story."""

    def __init__(self) -> None:
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_RIGHT
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm
        from reportlab.platypus import TableStyle

        self.regular, bold = pdf_fonts()
        self.body = ParagraphStyle("b", fontName=self.regular, fontSize=8.5, leading=10.5)
        self.head = ParagraphStyle("h", parent=self.body, fontName=bold, fontSize=14, leading=18, spaceAfter=6)
        self.sub = ParagraphStyle("s", parent=self.body, fontName=bold, fontSize=10, leading=12, spaceBefore=3,
                                  spaceAfter=2)
        self.cellb = ParagraphStyle("cb", parent=self.body, fontName=bold)
        self.num = ParagraphStyle("n", parent=self.body, alignment=TA_RIGHT)
        self.numb = ParagraphStyle("nb", parent=self.cellb, alignment=TA_RIGHT)
        self.small = ParagraphStyle("sm", parent=self.body, fontSize=8, leading=9.6)
        self.small_b = ParagraphStyle("smb", parent=self.small, fontName=bold)
        self.app_head = ParagraphStyle("ah", parent=self.head, fontSize=12, leading=15, spaceAfter=3)
        self.grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7"))])
        self.cell_style = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                      ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                      ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F5F7FA"))])
        self.tight = [("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
        self.colors, self.mm = colors, mm
        # The page's frame.
        self.frame_w, self.frame_h = landscape(A4)[0] - 30 * mm, landscape(A4)[1] - 27 * mm - 12

    def p(self, text: str, style: Any = None) -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(escape(xml_safe(text)).replace("\n", "<br/>"), style or self.body)

    def summary(self, config: Config, round_name: str, rows: list[PackRow], money: RoundMoney,
                forms: list[FormRow]) -> list[Any]:
        """The opening page: what was forwarded, the summary table, the round's money."""
        from reportlab.platypus import Spacer, Table, TableStyle

        mm, colors = self.mm, self.colors
        table, totals = summary_table(rows, money)
        last = len(table) - 1

        def cell(i: int, j: int, text: str) -> Any:
            strong = i in (0, last)
            if j >= 4:  # pupils and money: right-aligned
                return self.p(text, self.numb if strong else self.num)
            return self.p(text, self.cellb if strong else self.body)

        summary = Table([[cell(i, j, c) for j, c in enumerate(r)] for i, r in enumerate(table)],
                        colWidths=[w * mm for w in SUMMARY_WIDTHS], repeatRows=1, splitInRow=1)
        summary.setStyle(self.grid)
        t = Table([[self.p(a, self.cellb), self.p(b, self.num)] for a, b in totals], colWidths=[80 * mm, 30 * mm])
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
        return [
            self.p(f"{config.cluster.name}: Working Party pack, {round_name}", self.head),
            self.p(forwarded_words(forms)),
            Spacer(1, 3 * mm),
            summary,
            Spacer(1, 4 * mm),
            t,
        ]

    def application(self, form: FormRow, form_notes: list[str]) -> list[Any]:
        """One application: the Host's notes, its answers, its pupils, outcomes and costs."""
        from reportlab.platypus import Spacer, Table, TableStyle

        mm, colors = self.mm, self.colors
        story: list[Any] = [self.p(f"{form.reference}: {form.school or ''}", self.app_head)]
        if form_notes:
            nt = Table([[self.p("The SEND Host's notes", self.cellb), self.p("\n".join(f"• {n}" for n in form_notes))]],
                       colWidths=[45 * mm, 222 * mm])
            nt.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#B45309")),
                                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FFF7ED")),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [nt, Spacer(1, 2 * mm)]
        pairs, groups = application_parts(form)
        # Short answers two to a row, long ones across the page: an application fits on about a page.
        story.append(self._short_answers([(a, b) for a, b in pairs if len(b) <= 60]))
        story.append(self._row_groups(groups))
        long = [(a, b) for a, b in pairs if len(b) > 60]
        if long:
            # splitInRow: a long answer (a description of a page or more) runs on over the page.
            lt = Table([[self.p(a, self.small_b), self.p(b, self.small)] for a, b in long],
                       colWidths=[55 * mm, 212 * mm], splitInRow=1)
            lt.setStyle(self.cell_style)
            lt.setStyle(TableStyle(self.tight))
            story += [Spacer(1, 2 * mm), lt]
        return story

    def _short_answers(self, short: list[tuple[str, str]]) -> Any:
        from reportlab.platypus import Table, TableStyle

        mm, colors = self.mm, self.colors
        per_row = 3
        grid_rows = []
        for i in range(0, len(short), per_row):
            chunk = short[i:i + per_row]
            chunk += [("", "")] * (per_row - len(chunk))
            grid_rows.append([x for a, b in chunk for x in (self.p(a, self.small_b), self.p(b, self.small))])
        st = Table(grid_rows, colWidths=[38 * mm, 51 * mm] * per_row, splitInRow=1)
        st.setStyle(TableStyle([*self.tight, ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                *[("BACKGROUND", (c, 0), (c, -1), colors.HexColor("#F5F7FA"))
                                  for c in range(0, 2 * per_row, 2)]]))
        return st

    def _row_groups(self, groups: list[tuple[str, list[str], list[list[str]]]]) -> Any:
        """The pupils, outcomes and costs, each kept whole (at most 8 rows: it moves to the next
        page whole rather than leaving a few rows behind), side by side when there is room."""
        from reportlab.platypus import Table, TableStyle

        mm = self.mm
        blocks = []
        for title, headings, grows in groups:
            if not grows:
                blocks.append([self.p(title, self.sub), self.p("None given.", self.small)])
                continue
            gt = Table([[self.p(h, self.small_b) for h in headings]] + [[self.p(c, self.small) for c in r] for r in grows],
                       repeatRows=1)
            gt.setStyle(self.grid)
            gt.setStyle(TableStyle(self.tight))
            blocks.append([self.p(title, self.sub), gt])
        side = Table([[b for b in blocks]], colWidths=[72 * mm, 110 * mm, 85 * mm][:len(blocks)])
        side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 4)]))
        return side  # one row: it never splits, so it moves to the next page whole

    def fitted(self, story: list[Any]) -> list[Any]:
        """An application a little longer than a page is shrunk onto its page, rather than
        leaving a few rows on a page of their own; a much longer one runs on over the pages."""
        from reportlab.platypus import KeepInFrame

        height = sum(f.wrap(self.frame_w, self.frame_h)[1] for f in story)
        if height <= self.frame_h * 1.3:
            return [KeepInFrame(self.frame_w, self.frame_h, story, mode="shrink")]
        return story
