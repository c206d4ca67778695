"""Tables read from the rules drawn on the page, when the spacing of the lines can't tell.

A printed form whose table rows are set as close together as the lines of a wrapped
cell: only the drawn rules say where one row ends. Drawn here with reportlab (rules as
lines, as LibreOffice prints them, and as rectangles, as a flattened form has them);
the same table without rules is read from the words' positions.
"""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from forms_processor.readers import read_document

LEFT, TOP = 50.0, 120.0
LINE = 10.0  # the pitch of a cell's lines, and of the rows: no gap tells them apart
PUPILS = [("Pupil reference", 110), ("Year group", 80), ("SEN status", 100), ("Primary need", 90)]
OUTCOMES = [("Outcome", 170), ("Measure", 120), ("Baseline", 60), ("Target", 60)]


def ruled_form(rules: str) -> bytes:
    """An application page: the pupils and outcomes tables, rows one line apart; ``rules``
    is "lines", "rects" or "none"."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    height = A4[1]

    def y(top: float) -> float:
        return height - top

    def table(top: float, columns: list[tuple[str, int]], rows: list[list[list[str]]]) -> float:
        c.setFont("Helvetica-Bold", 8)
        x = LEFT
        for title, width in columns:
            c.drawString(x + 2, y(top + 8), title)
            x += width
        tops = [top]
        t = top + LINE + 1
        for row in rows:
            tops.append(t)
            lines = max(len(cell) for cell in row)
            c.setFont("Helvetica", 8)
            x = LEFT
            for (_, width), cell in zip(columns, row, strict=True):
                for n, text in enumerate(cell):
                    c.drawString(x + 2, y(t + 8 + n * LINE), text)
                x += width
            t += lines * LINE + 1
        tops.append(t)
        right = LEFT + sum(w for _, w in columns)
        xs = [LEFT]
        for _, w in columns:
            xs.append(xs[-1] + w)
        if rules == "lines":
            c.setLineWidth(0.5)
            for top_ in tops:
                c.line(LEFT, y(top_), right, y(top_))
            for x_ in xs:
                c.line(x_, y(tops[0]), x_, y(tops[-1]))
        elif rules == "rects":
            c.setLineWidth(0.5)
            for a, b in zip(tops, tops[1:], strict=False):
                for x0, x1 in zip(xs, xs[1:], strict=False):
                    c.rect(x0, y(b), x1 - x0, b - a, stroke=1, fill=0)
        return t

    c.setFont("Helvetica-Bold", 11)
    c.drawString(LEFT, y(60), "Application for cluster SEND funding")
    c.setFont("Helvetica", 9)
    c.drawString(LEFT, y(85), "School")
    c.drawString(LEFT + 150, y(85), "Oakfield Primary School")
    c.drawString(LEFT, y(100), "Number of pupils")
    c.drawString(LEFT + 150, y(100), "3")
    c.setFont("Helvetica-Bold", 10)
    c.drawString(LEFT, y(TOP - 4), "5. Pupils (one row per pupil, up to 8 rows; no names)")
    end = table(TOP, PUPILS, [[["AB"], ["Y4"], ["SEN support"], ["SPLD"]],
                              [["CD"], ["Y5"], ["EHCP"], ["MLD"]],
                              [["OAK-0042"], ["Y4"], ["SEN support"], [""]]])
    c.setFont("Helvetica-Bold", 10)
    c.drawString(LEFT, y(end + 26), "7. Measurable outcomes (up to 3 rows)")
    table(end + 30, OUTCOMES, [[["Improve reading accuracy in", "the termly assessment"], ["Standardised score"], ["78"], ["88"]],
                               [["Improve reading age"], ["Reading age (months)"], ["84"], ["96"]]])
    c.setFont("Helvetica", 7)
    c.drawString(LEFT, 30, "Form SEND-APP v1")
    c.save()
    return buf.getvalue()


EXPECTED = {
    "pupil_1_ref": "AB", "pupil_1_year": "Y4", "pupil_1_status": "SEN support", "pupil_1_need": "SPLD",
    "pupil_2_ref": "CD", "pupil_2_year": "Y5", "pupil_2_status": "EHCP", "pupil_2_need": "MLD",
    "pupil_3_ref": "OAK-0042", "pupil_3_year": "Y4", "pupil_3_status": "SEN support",
    "outcome_1_text": "Improve reading accuracy in the termly assessment", "outcome_1_measure": "Standardised score",
    "outcome_1_baseline": "78", "outcome_1_target": "88",
    "outcome_2_text": "Improve reading age", "outcome_2_measure": "Reading age (months)",
    "outcome_2_baseline": "84", "outcome_2_target": "96",
}  # fmt: skip


@pytest.mark.parametrize("rules", ["lines", "rects"])
def test_rows_set_close_together_are_told_apart_by_their_rules(rules: str) -> None:
    form = read_document(ruled_form(rules), "printed.pdf")
    assert (form.form_id, form.reader) == ("send-application", "pdf-layout")
    got = {k: v for k, v in form.fields.items() if k.startswith(("pupil_", "outcome_"))}
    assert got == EXPECTED
    assert form.fields["school_name"] == "Oakfield Primary School"


def test_without_rules_the_rows_are_read_from_the_words() -> None:
    """No rules: a line that fills (nearly) every column the row's first line filled starts
    a row of its own, however close; a wrapped cell's next line fills only some columns."""
    form = read_document(ruled_form("none"), "printed.pdf")
    got = {k: v for k, v in form.fields.items() if k.startswith(("pupil_", "outcome_"))}
    assert got == EXPECTED
