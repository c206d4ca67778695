"""The fillable PDF template of a form: a reportlab AcroForm laid out from its FormSpec.

Field names are exactly the spec's flat keys. Labels are printed beside each
field; repeating groups are grids under a header row of column labels. Only the
standard Helvetica fonts are used (they draw £ through WinAnsi), so the bytes do
not depend on which fonts a machine has; ``invariant=1`` fixes dates and ids.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from ..spec import FieldSpec, FieldType, FormSpec, RowGroup
from .docx_form import column_widths

ChoicesOf = Callable[[FieldSpec], Sequence[str]]

PAGE_W, PAGE_H = A4
MARGIN = 42.0
CONTENT_W = PAGE_W - 2 * MARGIN
BOTTOM = 56.0  # lowest y for content: the footer sits below
LABEL_W = 200.0
GAP = 10.0
FIELD_X = MARGIN + LABEL_W + GAP
FIELD_W = PAGE_W - MARGIN - FIELD_X

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
FONT_ITALIC = "Helvetica-Oblique"
LABEL_SIZE = 9.0
FIELD_SIZE = 9.0
TEXT_H = 18.0
MULTILINE_H = 66.0
CHECK_SIZE = 13.0
ROW_H = 18.0
# A free-text column narrower than this (an outcome) holds two lines of smaller text.
WRAP_BELOW = 300.0
WRAP_SIZE = 8.0
WRAP_ROW_H = 26.0
LEADING = 11.0

INK = HexColor("#1F3864")
GREY = HexColor("#44546A")
SHADE = HexColor("#DCE4EE")
FIELD_FILL = HexColor("#F4F7FB")
FIELD_BORDER = HexColor("#8EA2BC")
BLACK = Color(0, 0, 0)


class _Layout:
    """A canvas with a cursor; starts a new page (with footer) when space runs out."""

    def __init__(self, spec: FormSpec, title: str) -> None:
        self.spec = spec
        self.buf = io.BytesIO()
        self.c = Canvas(self.buf, pagesize=A4, invariant=1, pageCompression=1)
        self.c.setTitle(spec.title)
        self.c.setAuthor(title)
        self.c.setSubject(spec.identity_text)
        self.c.setCreator("forms_processor")
        self.y = PAGE_H - MARGIN
        self._footer()

    def _footer(self) -> None:
        c = self.c
        c.setFont(FONT, 8)
        c.setFillColor(GREY)
        c.drawString(MARGIN, 30, self.spec.identity_text)
        c.setStrokeColor(FIELD_BORDER)
        c.setLineWidth(0.5)
        c.line(MARGIN, 42, PAGE_W - MARGIN, 42)
        c.setFillColor(BLACK)

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.c.showPage()
            self.y = PAGE_H - MARGIN
            self._footer()

    def text(
        self,
        text: str,
        font: str,
        size: float,
        *,
        color: Color = BLACK,
        width: float = CONTENT_W,
        x: float = MARGIN,
        after: float = 4.0,
    ) -> None:
        lines = simpleSplit(text, font, size, width)
        leading = size * 1.25
        self.need(leading * len(lines))
        self.c.setFont(font, size)
        self.c.setFillColor(color)
        for line in lines:
            self.y -= leading
            self.c.drawString(x, self.y + 0.25 * size, line)
        self.c.setFillColor(BLACK)
        self.y -= after

    def finish(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def _field_kw(name: str, x: float, y: float, width: float, height: float) -> dict[str, object]:
    return {
        "name": name,
        "tooltip": name,
        "x": x,
        "y": y,
        "width": width,
        "height": height,
        "fontName": FONT,
        "fontSize": FIELD_SIZE,
        "borderWidth": 0.75,
        "borderColor": FIELD_BORDER,
        "fillColor": FIELD_FILL,
        "textColor": BLACK,
        "forceBorder": True,
    }


def draw_field(
    c: Canvas,
    key: str,
    spec: FieldSpec,
    choices: Sequence[str],
    x: float,
    y: float,
    width: float,
    height: float,
    wrap: bool = False,
) -> None:
    """One AcroForm field named ``key`` with its lower-left corner at (x, y).

    ``wrap``: a text field that wraps its text over lines (multiline), in smaller type.
    """
    form = c.acroForm
    if spec.type is FieldType.CHECKBOX:
        form.checkbox(
            name=key,
            tooltip=key,
            x=x,
            y=y,
            size=CHECK_SIZE,
            buttonStyle="cross",
            borderWidth=0.75,
            borderColor=FIELD_BORDER,
            fillColor=FIELD_FILL,
            textColor=BLACK,
            forceBorder=True,
            fieldFlags="",
            checked=False,
        )
    elif choices:
        # A blank first option so an optional choice can be cleared; editable so a
        # school can type a value (an alias) that the checker then matches.
        # (value=[""]: reportlab 5 fails on a plain "" for a choice.)
        form.choice(
            options=["", *choices],
            value=[""],
            fieldFlags="combo edit",
            maxlen=None,
            **_field_kw(key, x, y, width, height),
        )  # type: ignore[arg-type]
    elif wrap:
        kw = _field_kw(key, x, y, width, height) | {"fontSize": WRAP_SIZE}
        form.textfield(value="", fieldFlags="multiline", maxlen=None, **kw)  # type: ignore[arg-type]
    elif spec.type is FieldType.MULTILINE:
        form.textfield(value="", fieldFlags="multiline", maxlen=None, **_field_kw(key, x, y, width, height))  # type: ignore[arg-type]
    else:
        form.textfield(value="", fieldFlags="", maxlen=None, **_field_kw(key, x, y, width, height))  # type: ignore[arg-type]


def _field_rows(lay: _Layout, fields: Sequence[FieldSpec], choices_of: ChoicesOf) -> None:
    for spec in fields:
        lines = simpleSplit(spec.label, FONT_BOLD, LABEL_SIZE, LABEL_W)
        label_h = len(lines) * LEADING
        if spec.type is FieldType.MULTILINE:
            field_h = MULTILINE_H
        elif spec.type is FieldType.CHECKBOX:
            field_h = CHECK_SIZE
        else:
            field_h = TEXT_H
        row_h = max(label_h, field_h) + 6
        lay.need(row_h)
        top = lay.y
        lay.c.setFont(FONT_BOLD, LABEL_SIZE)
        lay.c.setFillColor(INK)
        ty = top - LEADING + 2
        if len(lines) == 1 and field_h >= TEXT_H:
            ty = top - (TEXT_H + LABEL_SIZE) / 2 + 1.5
        for line in lines:
            lay.c.drawString(MARGIN, ty, line)
            ty -= LEADING
        lay.c.setFillColor(BLACK)
        draw_field(lay.c, spec.key, spec, choices_of(spec), FIELD_X, top - field_h, FIELD_W, field_h)
        lay.y = top - row_h


def wrapped_columns(group: RowGroup, choices_of: ChoicesOf) -> set[str]:
    """The free-text columns too narrow for a line of text (an outcome): their fields wrap."""
    widths = column_widths(CONTENT_W, group, choices_of)
    return {
        col.key
        for col, wd in zip(group.columns, widths, strict=True)
        if col.type is FieldType.TEXT and col.max_length is None and not choices_of(col) and wd < WRAP_BELOW
    }


def _row_height(group: RowGroup, choices_of: ChoicesOf) -> float:
    return WRAP_ROW_H if wrapped_columns(group, choices_of) else ROW_H


def _group_height(group: RowGroup, choices_of: ChoicesOf) -> float:
    return 2 * LEADING + 6 + group.max_rows * _row_height(group, choices_of)


def _group_grid(lay: _Layout, group: RowGroup, choices_of: ChoicesOf) -> None:
    widths = column_widths(CONTENT_W, group, choices_of)
    wrapped = wrapped_columns(group, choices_of)
    row_h = _row_height(group, choices_of)
    header_lines = [
        simpleSplit(col.label, FONT_BOLD, LABEL_SIZE, wd - 6) for col, wd in zip(group.columns, widths, strict=True)
    ]
    header_h = max(len(lines) for lines in header_lines) * LEADING + 6

    def header() -> None:
        lay.need(header_h + row_h)
        top = lay.y
        lay.c.setFillColor(SHADE)
        lay.c.setStrokeColor(FIELD_BORDER)
        lay.c.setLineWidth(0.75)
        lay.c.rect(MARGIN, top - header_h, CONTENT_W, header_h, stroke=1, fill=1)
        lay.c.setFillColor(INK)
        lay.c.setFont(FONT_BOLD, LABEL_SIZE)
        x = MARGIN
        for lines, wd in zip(header_lines, widths, strict=True):
            ty = top - LEADING + 1
            for line in lines:
                lay.c.drawString(x + 3, ty, line)
                ty -= LEADING
            x += wd
        lay.c.setFillColor(BLACK)
        lay.y = top - header_h

    # Keep a group's table on one page when it fits on one.
    whole = header_h + group.max_rows * row_h
    if whole <= PAGE_H - MARGIN - BOTTOM - 40:
        lay.need(whole)
    header()
    for n in range(1, group.max_rows + 1):
        if lay.y - row_h < BOTTOM:
            lay.need(row_h)
            header()
        x = MARGIN
        for col, wd in zip(group.columns, widths, strict=True):
            key = group.flat_key(n, col.key)
            draw_field(lay.c, key, col, choices_of(col), x, lay.y - row_h, wd, row_h, col.key in wrapped)
            x += wd
        lay.y -= row_h
    lay.y -= 8


def build_pdf(spec: FormSpec, cluster_name: str, choices_of: ChoicesOf) -> bytes:
    """The fillable PDF template of ``spec`` as bytes (deterministic)."""
    lay = _Layout(spec, cluster_name)
    c = lay.c
    # Identity: a read-only field, top right.
    c.setFont(FONT, 7)
    c.setFillColor(GREY)
    c.drawRightString(PAGE_W - MARGIN - 92, PAGE_H - MARGIN - 9, "Form id")
    c.acroForm.textfield(
        name="form_id",
        value=spec.form_id,
        fieldFlags="readOnly",
        tooltip="form_id",
        x=PAGE_W - MARGIN - 88,
        y=PAGE_H - MARGIN - 12,
        width=88,
        height=13,
        fontName=FONT,
        fontSize=7,
        borderWidth=0,
        fillColor=None,
        borderColor=None,
        textColor=GREY,
        maxlen=None,
    )
    c.setFillColor(BLACK)
    lay.y -= 18
    lay.text(spec.title, FONT_BOLD, 17, color=INK, after=2)
    lay.text(cluster_name, FONT, 11.5, color=GREY, after=6)
    if spec.intro:
        lay.text(spec.intro, FONT, 9.5, after=6)
    for section in spec.sections:
        first = TEXT_H + 8.0
        if not section.fields and section.group is not None:
            first = min(_group_height(section.group, choices_of), PAGE_H - MARGIN - BOTTOM - 80)
        lay.need(29 + first + (14 if section.note else 0))
        lay.y -= 6
        c.setFillColor(SHADE)
        c.rect(MARGIN, lay.y - 17, CONTENT_W, 17, stroke=0, fill=1)
        c.setFillColor(INK)
        c.setFont(FONT_BOLD, 11)
        c.drawString(MARGIN + 4, lay.y - 12.5, section.title)
        c.setFillColor(BLACK)
        lay.y -= 23
        if section.note:
            lay.text(section.note, FONT_ITALIC, 8.5, color=GREY, after=4)
        _field_rows(lay, section.fields, choices_of)
        if section.group is not None:
            _group_grid(lay, section.group, choices_of)
        _field_rows(lay, section.after_group, choices_of)
    return lay.finish()
