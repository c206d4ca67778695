"""The layout reader on printed forms with narrow columns, as Word or LibreOffice print them.

A four-column label | value | label | value table in a narrow page wraps labels over
four or five lines, values beside the wrapped lines of the cells to their left, a
value whose wrapped line is itself a label ("Oakfield Primary" / "School"), a row
split over two pages. A filled fillable PDF printed to PDF centres each value
between the lines of its wrapped label and draws a ticked box as a cross (✕).
The PDFs are drawn with reportlab at the positions LibreOffice gives them.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from forms_processor.readers import read_document
from forms_processor.readers.pdf_page import join_wrapped

PITCH = 14.7  # the line pitch of 10 pt text
COLUMNS = (90.0, 198.0, 306.0, 414.0)
TOP = 780.0

Cell = list[str]  # the lines of one cell, as wrapped on the page


def _table_pdf(
    rows: list[list[Cell]], identity: str = "Form SEND-APP v1", page_break_after: int | None = None
) -> bytes:
    """Rows of cells drawn in COLUMNS; each row as tall as its tallest cell, with padding between rows.

    ``page_break_after``: the line number (within the whole table) after which the
    rest of the table goes to a new page, mid-row, with a footer on each page.
    """
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 10)

    def footer() -> None:
        c.drawString(90, 40, identity)
        c.drawString(215, 40, "Page 1")

    y = TOP
    drawn = 0
    for row in rows:
        height = max(len(cell) for cell in row)
        for n in range(height):
            if page_break_after is not None and drawn == page_break_after:
                footer()
                c.showPage()
                c.setFont("Helvetica", 10)
                y = TOP
            for x, cell in zip(COLUMNS, row, strict=False):
                if n < len(cell):
                    c.drawString(x, y, cell[n])
            y -= PITCH
            drawn += 1
        y -= 10  # the cells' padding between rows
    footer()
    c.save()
    return buf.getvalue()


def test_four_narrow_columns_with_labels_wrapped_over_many_lines():
    rows = [
        [["Funding round"], ["Autumn 2026"], ["Type of", "application"], ["Group of pupils"]],
        [["School"], ["Oakfield Primary", "School"], ["SENCO name"], ["Jo Rivers"]],
        [["SENCO email"], ["senco@oakfield.", "example.org"], ["SENCO", "telephone"], ["01603 555 123"]],
        [
            ["Notional SEN", "budget this year"],
            ["£42,000.00"],
            ["Amount of the", "£10,000 high-", "level SEND", "allocation", "already used"],
            ["£10,000"],
        ],
        [
            ["Session length", "(minutes)"],
            ["20"],
            ["Delivered by"],
            ["Teaching", "assistant"],
        ],
        [
            ["Summary of", "need"],
            ["All three pupils", "read well below", "age expectations."],
            ["What the school", "has already", "tried, and its", "impact"],
            ["Phonics catch-up", "groups for two", "terms; small", "gains in", "decoding."],
        ],
        [["Headteacher"], ["Pat Lane"]],
    ]
    fields = read_document(_table_pdf(rows), "printed.pdf").fields
    assert fields == {
        "funding_round": "Autumn 2026",
        "application_type": "Group of pupils",
        "school_name": "Oakfield Primary School",
        "senco_name": "Jo Rivers",
        "senco_email": "senco@oakfield.example.org",
        "senco_phone": "01603 555 123",
        "notional_sen_budget": "£42,000.00",
        "high_needs_used": "£10,000",
        "session_minutes": "20",
        "delivered_by": "Teaching assistant",
        "summary_of_need": "All three pupils read well below age expectations.",
        "already_tried": "Phonics catch-up groups for two terms; small gains in decoding.",
        "headteacher_name": "Pat Lane",
    }


def test_a_row_split_over_two_pages():
    rows = [
        [["SENCO name"], ["Jo Rivers"]],
        [
            ["Summary of", "need"],
            ["All three pupils", "read well below", "age expectations", "and struggle", "with decoding."],
            ["What the school", "has already", "tried, and its", "impact"],
            ["Phonics catch-up", "groups for two", "terms; small", "gains in", "decoding but not", "fluency."],
        ],
        [["Headteacher"], ["Pat Lane"]],
    ]
    fields = read_document(_table_pdf(rows, page_break_after=4), "printed.pdf").fields
    assert fields == {
        "senco_name": "Jo Rivers",
        "summary_of_need": "All three pupils read well below age expectations and struggle with decoding.",
        "already_tried": "Phonics catch-up groups for two terms; small gains in decoding but not fluency.",
        "headteacher_name": "Pat Lane",
    }


def _cross_font() -> str:
    """A font with the ✕ glyph (matplotlib, a dependency, ships DejaVu Sans)."""
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(path)))
    return "DejaVuSans"


def _pdf(lines: list[tuple[float, float, str]]) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for x, y, text in lines:
        c.setFont(_cross_font() if text == "\u2715" else "Helvetica", 9)
        c.drawString(x, y, text)
    c.save()
    return buf.getvalue()


def test_a_filled_pdf_printed_to_pdf():
    """Values centred between the lines of their wrapped labels; ticked boxes drawn as crosses."""
    data = _pdf(
        [
            (42, 800, "Form SEND-APP v1"),
            (42, 700, "Notional SEN budget this year"),
            (254, 700, "£45,000.00"),
            (42, 680, "Amount of the £10,000 high-level SEND"),
            (254, 676, "£11,250.00"),
            (42, 669, "allocation already used"),
            (42, 640, "Parents/carers have been informed of this"),
            (255, 640, "\u2715"),
            (42, 629, "application"),
            (42, 610, "No pupil names or UPNs are included in this"),
            (255, 610, "\u2715"),
            (42, 599, "form"),
            (42, 580, "Signed (SENCO)"),
            (254, 580, "Jo Rivers"),
        ]
    )
    assert read_document(data, "printed.pdf").fields == {
        "notional_sen_budget": "£45,000.00",
        "high_needs_used": "£11,250.00",
        "parents_informed": True,
        "data_protection": True,
        "senco_signature": "Jo Rivers",
    }


def test_a_section_heading_wrapped_over_two_lines_ends_the_value_above():
    data = _pdf(
        [
            (42, 800, "Form SEND-IMP v1"),
            (42, 720, "Sessions delivered"),
            (254, 720, "30"),
            (42, 700, "Pupils supported: 3"),
            (42, 680, "3. Outcomes (up to 3 rows, in the same order as the"),
            (42, 668, "application)"),
            (42, 640, "Pupil voice"),
            (254, 640, "They like it."),
        ]
    )
    assert read_document(data, "printed.pdf").fields == {
        "pupils_supported": "3",
        "sessions_delivered": "30",
        "pupil_voice": "They like it.",
    }


@pytest.mark.parametrize(
    ("parts", "joined"),
    [
        (["Precision", "teaching"], "Precision teaching"),
        (["high-", "level SEND"], "high-level SEND"),
        (["WVC-2627-AU1-", "003"], "WVC-2627-AU1-003"),
        (["Stop -", "outcomes achieved"], "Stop - outcomes achieved"),
        (["Sensory and/", "or physical"], "Sensory and/or physical"),
        (["senco@oakfield.", "example.org"], "senco@oakfield.example.org"),
        (["sessions all year.", "Next term"], "sessions all year. Next term"),
        (["ends with a dot.", "then more"], "ends with a dot. then more"),
    ],
)
def test_wrapped_lines_are_joined_as_typed(parts: list[str], joined: str) -> None:
    assert join_wrapped(parts) == joined
