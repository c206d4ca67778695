"""One report, two files: a self-contained HTML page and a PDF.

A report is a :class:`Document` (sections of paragraphs, tables and charts) built by
the report modules; this module only lays it out. The HTML page carries its charts
inside it (``<img src="data:image/png;base64,...">``) and its style inline, so it
can be emailed or put on a shared drive as one file. The PDF is drawn with
reportlab's platypus. Files are written owner-only (0o600).
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from ..home import write_private


@dataclass
class TableBlock:
    header: list[str]
    rows: list[list[str]]
    title: str = ""
    note: str = ""
    # The last row is a total (drawn in bold).
    total: bool = False
    # Columns (by index) holding numbers: right-aligned.
    numeric: tuple[int, ...] = ()


@dataclass
class ChartBlock:
    title: str
    png: bytes
    # Says in words what the chart shows (the image's alt text).
    alt: str


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    blocks: list[TableBlock | ChartBlock] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    sections: list[Section]
    footer: str = ""
    landscape: bool = False


def write_report(doc: Document, out_dir: Path, stem: str) -> list[Path]:
    """``out_dir/stem.html`` and ``out_dir/stem.pdf``; their paths."""
    html_path = out_dir / f"{stem}.html"
    pdf_path = out_dir / f"{stem}.pdf"
    write_private(html_path, to_html(doc).encode("utf-8"))
    write_private(pdf_path, to_pdf(doc))
    return [html_path, pdf_path]


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

_CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #1b1b1b; margin: 2em auto; max-width: 70em;
       padding: 0 1em; line-height: 1.45; }
h1 { color: #1d4f7a; margin-bottom: 0.1em; }
h2 { color: #1d4f7a; border-bottom: 2px solid #1d4f7a; padding-bottom: 0.2em; margin-top: 1.8em; }
h3 { margin-bottom: 0.3em; }
.subtitle { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.92em; }
th, td { border: 1px solid #c8ced6; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #e8eef5; }
td.num, th.num { text-align: right; }
tr.total td { font-weight: bold; background: #f4f6f8; }
.note { color: #555; font-size: 0.88em; }
figure { margin: 1em 0 1.6em; }
figure img { max-width: 100%; height: auto; border: 1px solid #e0e0e0; }
figcaption { font-weight: bold; margin-bottom: 0.4em; }
footer { margin-top: 3em; color: #666; font-size: 0.85em; }
"""


def _html_table(t: TableBlock) -> str:
    out: list[str] = []
    if t.title:
        out.append(f"<h3>{html.escape(t.title)}</h3>")
    out.append("<table>")
    num = ' class="num"'
    cells = "".join(
        f'<th scope="col"{num if i in t.numeric else ""}>{html.escape(h)}</th>' for i, h in enumerate(t.header)
    )
    out.append(f"<thead><tr>{cells}</tr></thead><tbody>")
    for n, row in enumerate(t.rows):
        cls = ' class="total"' if t.total and n == len(t.rows) - 1 else ""
        tds = "".join(f"<td{num if i in t.numeric else ''}>{html.escape(c)}</td>" for i, c in enumerate(row))
        out.append(f"<tr{cls}>{tds}</tr>")
    out.append("</tbody></table>")
    if t.note:
        out.append(f'<p class="note">{html.escape(t.note)}</p>')
    return "\n".join(out)


def _html_chart(c: ChartBlock) -> str:
    data = base64.b64encode(c.png).decode("ascii")
    return (
        f"<figure><figcaption>{html.escape(c.title)}</figcaption>"
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(c.alt)}"></figure>'
    )


def to_html(doc: Document) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(doc.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(doc.title)}</h1>",
        f'<p class="subtitle">{html.escape(doc.subtitle)}</p>',
    ]
    for section in doc.sections:
        parts.append(f"<section><h2>{html.escape(section.heading)}</h2>")
        parts.extend(f"<p>{html.escape(p)}</p>" for p in section.paragraphs)
        for block in section.blocks:
            parts.append(_html_table(block) if isinstance(block, TableBlock) else _html_chart(block))
        parts.append("</section>")
    if doc.footer:
        parts.append(f"<footer>{html.escape(doc.footer)}</footer>")
    parts.append("</body></html>")
    return "\n".join(parts)


def body_of(page: str) -> str:
    """What a page written by :func:`to_html` shows (between its body tags), to show it
    inside another page (the web page's Reports screen), without its own style."""
    start = page.index("<body>") + len("<body>")
    return page[start:page.rindex("</body>")].strip()


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------

_BLUE = colors.HexColor("#1d4f7a")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("T", parent=base["Title"], textColor=_BLUE, alignment=0, fontSize=20, leading=24),
        "subtitle": ParagraphStyle("S", parent=base["Normal"], textColor=colors.HexColor("#555555"), spaceAfter=8),
        "h2": ParagraphStyle("H2", parent=base["Heading2"], textColor=_BLUE, spaceBefore=12, keepWithNext=1),
        "h3": ParagraphStyle("H3", parent=base["Heading4"], spaceBefore=6, keepWithNext=1),
        "body": ParagraphStyle("B", parent=base["Normal"], fontSize=9.5, leading=13, spaceAfter=4),
        "cell": ParagraphStyle("C", parent=base["Normal"], fontSize=8, leading=10),
        "cellnum": ParagraphStyle("CN", parent=base["Normal"], fontSize=8, leading=10, alignment=2),
        "head": ParagraphStyle("HD", parent=base["Normal"], fontSize=8, leading=10, fontName="Helvetica-Bold"),
        "note": ParagraphStyle("N", parent=base["Normal"], fontSize=8, leading=10,
                               textColor=colors.HexColor("#555555"), spaceAfter=6),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(html.escape(text), style)


def _pdf_table(t: TableBlock, width: float, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = []
    if t.title:
        out.append(_p(t.title, st["h3"]))
    data: list[list[Flowable]] = [[_p(h, st["head"]) for h in t.header]]
    for row in t.rows:
        data.append([_p(c, st["cellnum"] if i in t.numeric else st["cell"]) for i, c in enumerate(row)])
    table = Table(data, colWidths=_widths(t, width), repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8ced6")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if t.total and t.rows:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f4f6f8")))
        style.append(("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"))
    table.setStyle(TableStyle(style))
    out.append(table)
    if t.note:
        out.append(_p(t.note, st["note"]))
    out.append(Spacer(1, 4 * mm))
    return out


def _widths(t: TableBlock, width: float) -> list[float]:
    """Column widths by the longest text of each column, within bounds."""
    cols = len(t.header)
    lengths = []
    for i in range(cols):
        # A heading is bold: a little wider than its letters; it may wrap between words only.
        word = max((len(w) for w in t.header[i].split()), default=0) + 2
        longest = max([len(t.header[i])] + [len(r[i]) for r in t.rows if i < len(r)])
        lengths.append(max(min(max(longest, 6), 40), word))
    total = sum(lengths)
    return [width * n / total for n in lengths]


def _pdf_chart(c: ChartBlock, width: float, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    img = Image(io.BytesIO(c.png))
    scale = min(1.0, width / img.imageWidth)
    img.drawWidth = img.imageWidth * scale
    img.drawHeight = img.imageHeight * scale
    img.hAlign = "LEFT"
    return [KeepTogether([_p(c.title, st["h3"]), img, Spacer(1, 4 * mm)])]


def to_pdf(doc: Document) -> bytes:
    buf = io.BytesIO()
    size = landscape(A4) if doc.landscape else A4
    pdf = SimpleDocTemplate(
        buf, pagesize=size, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=18 * mm,
        title=doc.title, author="forms_processor", subject=doc.subtitle,
    )
    st = _styles()
    width = size[0] - 30 * mm
    story: list[Flowable] = [_p(doc.title, st["title"]), _p(doc.subtitle, st["subtitle"])]
    for section in doc.sections:
        story.append(_p(section.heading, st["h2"]))
        story.extend(_p(p, st["body"]) for p in section.paragraphs)
        for block in section.blocks:
            if isinstance(block, TableBlock):
                story.extend(_pdf_table(block, width, st))
            else:
                story.extend(_pdf_chart(block, width, st))
    footer = doc.footer

    def _page(canvas: object, document: object) -> None:
        c = canvas
        c.saveState()  # type: ignore[attr-defined]
        c.setFont("Helvetica", 7.5)  # type: ignore[attr-defined]
        c.setFillColor(colors.HexColor("#666666"))  # type: ignore[attr-defined]
        text = f"{footer}   Page {c.getPageNumber()}" if footer else f"Page {c.getPageNumber()}"  # type: ignore[attr-defined]
        c.drawString(15 * mm, 10 * mm, text)  # type: ignore[attr-defined]
        c.restoreState()  # type: ignore[attr-defined]

    pdf.build(story, onFirstPage=_page, onLaterPages=_page)
    return buf.getvalue()

