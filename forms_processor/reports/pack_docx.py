"""The Working Party's pack as a Word document (python-docx): the same contents as the PDF,
for a member who wants to annotate it."""

from __future__ import annotations

import io
import re
from typing import Any
from xml.sax.saxutils import escape

from ..config import Config
from ..store.repository import FormRow
from .money import RoundMoney
from .pack_contents import SUMMARY_WIDTHS, PackRow, application_parts, forwarded_words, summary_table


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


def xml_safe(text: str) -> str:
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
        for i, line in enumerate(xml_safe(text).split("\n")):
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
        body = f'<w:t xml:space="preserve">{escape(xml_safe(text))}</w:t>'
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


