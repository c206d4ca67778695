"""Label | value rows of a Word form printed to PDF, read by the cells the rules draw.

The forms are written here with python-docx (bordered tables, as a school's own Word form
has them) and printed to PDF by LibreOffice on A4 and Letter. Their rows hold a value
wrapped over three lines beside a one-line label, a label wrapped over three lines in a
narrow cell, empty value cells followed by filled rows (one of them a row of the school's
own, no label of the form), a label | value | label | value table, ticks in cells and a
pupils table. Laid out three ways: Word's default (text at the top left of its cell),
every cell's text centred top to bottom, and the labels centred both ways as well.
Ticks in cells of their own, left or right of their labels, are drawn with reportlab.
"""

from __future__ import annotations

import io
import os

import pytest
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Inches, Length

from forms_processor.readers import read_document
from forms_processor.readers.pdf_page import PAGE_OFFSET, read_words
from tests.paper.makers import missing, soffice_convert

PAGES = {"A4": (Cm(21.0), Cm(29.7)), "Letter": (Inches(8.5), Inches(11))}
STYLES = ("top", "middle", "centred")
LONG_EVIDENCE = (
    "Funded a part-time teaching assistant for two pupils with EHCPs awaiting assessment, "
    "speech and language therapy sessions every week, specialist seating for one pupil and "
    "a sensory room refresh."
)
LONG_TITLE = (
    "Precision teaching for reading and spelling: a short daily session for each pupil with a "
    "teaching assistant, and a weekly review of their progress by the class teacher and the SENCO"
)
Row = tuple[str, ...]

SECTIONS: list[tuple[str, list[Row]]] = [
    ("1. About the application", [
        ("Funding round", "Autumn 2026"),
        ("Type of application", "Group of pupils"),
        ("Previous application reference (if this continues an earlier award)", ""),
    ]),
    ("2. School and contacts", [
        ("School", "Oakfield Primary School"),
        ("SENCO name", ""),
        ("Deputy SENCO", "Sam Hill"),  # the school's own row: no label of the form
        ("SENCO email", "senco@oakfield.example.org"),
        ("SENCO telephone", "01603 555 123"),
        ("Headteacher", "Pat Lane"),
    ]),
    ("3. The school's own SEND funding", [
        ("Notional SEN budget this year", "£42,000.00"),
        ("Amount of the £10,000 high-level SEND allocation already used", "£10,000"),
        ("How the £10,000 high-level SEND allocation has been used", LONG_EVIDENCE),
    ]),
    ("4. The intervention", [
        ("Intervention title", LONG_TITLE),
        ("Primary area of need", "Cognition and learning"),
    ]),
    ("", [
        ("Start date", "01/09/2026", "End date", ""),
        ("Sessions per week", "5", "Session length (minutes)", "20"),
        ("Delivered by", "Teaching assistant", "Number of pupils", "2"),
    ]),
    ("5. Pupils (one row per pupil, up to 8 rows; no names)", [
        ("Pupil reference", "Year group", "SEN status", "Primary need"),
        ("AB", "Y4", "SEN support", "SPLD"),
        ("CD", "Y5", "EHCP", ""),
    ]),
    ("9. Declarations", [
        ("Parents/carers have been informed of this application", "\u2612"),
        ("No pupil names or UPNs are included in this form", "\u2610"),
        ("Signed (SENCO)", "Jo Rivers"),
        ("Date (SENCO)", "10/07/2026"),
    ]),
]  # fmt: skip

EXPECTED: dict[str, str | bool] = {
    "funding_round": "Autumn 2026",
    "application_type": "Group of pupils",
    "school_name": "Oakfield Primary School",
    "senco_email": "senco@oakfield.example.org",
    "senco_phone": "01603 555 123",
    "headteacher_name": "Pat Lane",
    "notional_sen_budget": "£42,000.00",
    "high_needs_used": "£10,000",
    "high_needs_evidence": LONG_EVIDENCE,
    "intervention_title": LONG_TITLE,
    "area_of_need": "Cognition and learning",
    "start_date": "01/09/2026",
    "sessions_per_week": "5",
    "session_minutes": "20",
    "delivered_by": "Teaching assistant",
    "number_of_pupils": "2",
    "pupil_1_ref": "AB", "pupil_1_year": "Y4", "pupil_1_status": "SEN support", "pupil_1_need": "SPLD",
    "pupil_2_ref": "CD", "pupil_2_year": "Y5", "pupil_2_status": "EHCP",
    "parents_informed": True,
    "data_protection": False,
    "senco_signature": "Jo Rivers",
    "senco_signed_date": "10/07/2026",
}  # fmt: skip


def _widths(row: Row, text_width: Length) -> list[Length]:
    """Narrow label cells, so long labels wrap: 4.5 cm beside one value, 3 cm beside two."""
    if len(row) == 2:
        return [Cm(4.5), Length(text_width - Cm(4.5))]
    if row[0] == "Pupil reference":
        return [Length(text_width // 4)] * 4
    return [Cm(3), Length(text_width // 2 - Cm(3))] * 2


def word_form(page: str, style: str, sections: list[tuple[str, list[Row]]] = SECTIONS) -> bytes:
    """The form as a school's own Word file: bordered label | value tables, 2 cm margins."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = PAGES[page]
    section.left_margin = section.right_margin = Cm(2)
    text_width = Length(section.page_width - 2 * Cm(2))
    doc.add_heading("Application for cluster SEND funding", 0)
    for title, rows in sections:
        if title:
            doc.add_heading(title, 1)
        table = doc.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        table.autofit = False
        widths = _widths(rows[0], text_width)
        for n, width in enumerate(widths):
            table.columns[n].width = width
        labels_in = range(0, len(rows[0]), 2) if rows[0][0] != "Pupil reference" else range(0)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                cell = table.cell(r, c)
                cell.width = widths[c]
                cell.text = text
                if style in ("middle", "centred"):
                    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                if style == "centred" and c in labels_in:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    section.footer.paragraphs[0].text = "Form SEND-APP v1    Page 1"
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], bytes]:
    reason = missing("soffice")
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("cell-rows")
    files = []
    for page in PAGES:
        for style in STYLES:
            path = folder / f"{page}-{style}.docx"
            path.write_bytes(word_form(page, style))
            files.append(path)
    return {tuple(p.stem.split("-")): p.read_bytes() for p in soffice_convert(folder, files)}  # type: ignore[misc]


def _lines_of(pdf: bytes, first: str, last: str) -> int:
    """How many lines a value takes, from its first word to its last, in its column."""
    words, _ = read_words(pdf)
    start = min((w for w in words if w.text == first), key=lambda w: w.top)
    bottom = max(w.top for w in words if w.text == last)
    return len({round(w.top) for w in words if start.top - 1 <= w.top <= bottom + 1 and w.x0 >= start.x0 - 1})


@pytest.mark.slow
@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("style", STYLES)
def test_label_value_rows_read_by_their_cells(printed: dict[tuple[str, str], bytes], page: str, style: str) -> None:
    pdf = printed[(page, style)]
    # The form is what the test says: the title and the evidence wrap over three lines in their cells.
    assert _lines_of(pdf, "Precision", "SENCO") >= 3
    assert _lines_of(pdf, "Funded", "refresh.") >= 3
    form = read_document(pdf, f"{page}-{style}.pdf")
    assert (form.form_id, form.reader) == ("send-application", "pdf-layout")
    for key in sorted(set(EXPECTED) | set(form.fields)):
        assert (key, form.fields.get(key)) == (key, EXPECTED.get(key)), f"{page} {style}"



# About a page and a half of text: its row must break over the page.
LONG_SUMMARY = " ".join(
    f"Pupil {n} reads well below the expected level for the year group and finds decoding new words hard, "
    "so lessons in every subject are harder than they need to be." for n in range(1, 25)
)
SPLIT: list[tuple[str, list[Row]]] = [
    ("2. School and contacts", [("School", "Oakfield Primary School"), ("SENCO name", "Jo Rivers")]),
    ("6. Need", [
        ("Summary of need", LONG_SUMMARY),
        ("What the school has already tried, and its impact", ""),
        ("Why this cannot be met from the school's own resources", "Our TA hours are fully committed."),
    ]),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("style", ["top", "centred"])
def test_a_row_that_breaks_over_a_page(tmp_path_factory: pytest.TempPathFactory, style: str) -> None:
    """A value too long for one page goes on in its cell on the next: read as one value, the
    empty row after it stays empty."""
    reason = missing("soffice")
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("split")
    (folder / "split.docx").write_bytes(word_form("A4", style, SPLIT))
    pdf = soffice_convert(folder, [folder / "split.docx"])[0].read_bytes()
    words, _ = read_words(pdf)
    assert {int(w.top // PAGE_OFFSET) for w in words if w.text == "Pupil"} == {0, 1}  # on two pages
    form = read_document(pdf, "split.pdf")
    assert form.fields == {
        "school_name": "Oakfield Primary School",
        "senco_name": "Jo Rivers",
        "summary_of_need": LONG_SUMMARY,
        "why_cluster_funding": "Our TA hours are fully committed.",
    }


DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def ruled_page(rows: list[tuple[list[str], list[float]]]) -> bytes:
    """A page of one table drawn with reportlab, each cell a rectangle (as a flattened form has
    them): its rows' texts and their cells' widths."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", DEJAVU))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("DejaVuSans", 8)
    c.drawString(40, 30, "Form SEND-APP v1")
    top = A4[1] - 100
    for row, widths in rows:
        x = 40.0
        for text, width in zip(row, widths, strict=True):
            c.rect(x, top - 20, width, 20)
            c.drawString(x + 3, top - 13, text)
            x += width
        top -= 20
    c.save()
    return buf.getvalue()


@pytest.mark.skipif(not os.path.exists(DEJAVU), reason="no DejaVu font to draw the ticks with")
@pytest.mark.parametrize("ticks", ["left", "right"])
def test_ticks_in_cells_of_their_own(ticks: str) -> None:
    """☒ | label | ☐ | label, or label | ☒ | label | ☐: each box is its own label's."""
    pairs = [("Parents informed", "\u2612"), ("Data protection confirmed", "\u2610")]
    boxes = [cell for label, box in pairs for cell in ((box, label) if ticks == "left" else (label, box))]
    pairs_widths = [20.0, 200.0, 20.0, 200.0] if ticks == "left" else [200.0, 20.0, 200.0, 20.0]
    widths = [90.0, 130.0, 90.0, 130.0]
    rows = [(["School", "Oakfield Primary", "Headteacher", "Pat Lane"], widths), (boxes, pairs_widths),
            (["Start date", "01/09/2026", "End date", ""], widths)]
    form = read_document(ruled_page(rows), "p.pdf")
    assert form.fields == {
        "school_name": "Oakfield Primary",
        "headteacher_name": "Pat Lane",
        "parents_informed": True,
        "data_protection": False,
        "start_date": "01/09/2026",
    }
