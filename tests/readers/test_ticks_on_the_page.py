"""Ticks on a page without fields, however the sender's machine drew them.

Real PDFs drawn with reportlab (ZapfDingbats is one of its standard fonts; drawn boxes with
lines and curves), and a filled PDF printed to PDF by poppler with and without the real fonts.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from forms_processor.readers import read_document
from forms_processor.readers.glyphs import as_tick


def _form(draw_tick, draw_empty) -> bytes:  # type: ignore[no-untyped-def]
    """The two confirmations of an application: the first ticked, the second not."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 10)
    c.drawString(40, 800, "Form SEND-APP v1")
    c.drawString(40, 770, "School")
    c.drawString(200, 770, "Oakfield Primary")
    c.drawString(40, 740, "Parents/carers have been informed of this application")
    draw_tick(c, 330, 738)
    c.setFont("Helvetica", 10)
    c.drawString(40, 710, "Data protection confirmed")
    draw_empty(c, 330, 708)
    c.setFont("Helvetica", 10)
    c.drawString(40, 680, "Intervention title")
    c.drawString(200, 680, "Year 4 reading")
    c.save()
    return buf.getvalue()


# What reportlab is given (it writes the font's code on the page: ✔ is the character "4").
ZAPF = {"3": "\u2713", "4": "\u2714", "5": "\u2715", "6": "\u2716", "7": "\u2717", "8": "\u2718", "n": "\u25a0", "o": "\u274f"}


def _glyph(code: str):  # type: ignore[no-untyped-def]
    def draw(c, x, y):  # type: ignore[no-untyped-def]
        c.setFont("ZapfDingbats", 10)
        c.drawString(x, y, ZAPF[code])

    return draw


def _box(mark: str | None):  # type: ignore[no-untyped-def]
    def draw(c, x, y):  # type: ignore[no-untyped-def]
        c.setLineWidth(0.8)
        c.rect(x, y - 2, 11, 11)
        if mark == "cross":
            c.line(x + 2, y, x + 9, y + 7)
            c.line(x + 2, y + 7, x + 9, y)
        elif mark == "check":
            p = c.beginPath()
            p.moveTo(x + 2, y + 3)
            p.curveTo(x + 3, y + 2, x + 4, y + 1, x + 4.5, y)
            p.lineTo(x + 9, y + 8)
            c.drawPath(p, stroke=1, fill=0)
        elif mark == "filled":
            c.rect(x + 3, y + 1, 5, 5, fill=1)

    return draw


EXPECTED = {
    "school_name": "Oakfield Primary",
    "parents_informed": True,
    "data_protection": False,
    "intervention_title": "Year 4 reading",
}


@pytest.mark.parametrize("code", ["4", "8", "5", "3", "6", "7", "n"])
def test_zapfdingbats_ticks_by_their_code(code):
    form = read_document(_form(_glyph(code), _glyph("o")), "p.pdf")
    assert {k: form.fields.get(k) for k in EXPECTED} == EXPECTED


@pytest.mark.parametrize("glyph", ["\u2612", "\u2713", "\u2714", "X"])
def test_unicode_ticks(glyph):
    def draw(c, x, y):  # type: ignore[no-untyped-def]
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        font = "DejaVuSans"
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(font, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
        c.setFont(font, 10)
        c.drawString(x, y, glyph)

    if glyph != "X" and not os.path.exists("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        pytest.skip("no DejaVu font to draw the glyph with")
    form = read_document(_form(draw, _box(None)), "p.pdf")
    assert {k: form.fields.get(k) for k in EXPECTED} == EXPECTED


@pytest.mark.parametrize("mark", ["cross", "check", "filled"])
def test_ticks_drawn_as_lines_in_a_box(mark):
    form = read_document(_form(_box(mark), _box(None)), "p.pdf")
    assert {k: form.fields.get(k) for k in EXPECTED} == EXPECTED


def test_symbol_fonts_by_name_and_code():
    assert as_tick("4", "ABCDEF+ZapfDingbats") == "\u2612"
    assert as_tick("5", "FQHYXS+D050000L") == "\u2612"
    assert as_tick("o", "Dingbats") == "\u2610"
    assert as_tick("\u00fe", "Wingdings-Regular") == "\u2612"
    assert as_tick("\u00fd", "Wingdings") == "\u2612"
    assert as_tick("\u00fc", "Wingdings") == "\u2612"
    assert as_tick("\u00a8", "Wingdings") == "\u2610"
    assert as_tick("R", "Wingdings2") == "\u2612"
    assert as_tick("\u2714", "DejaVuSans") == "\u2612"
    # Digits and letters of ordinary fonts are left alone, and so is text in a symbol font that is not a tick.
    assert as_tick("4", "Helvetica") == "4"
    assert as_tick("5", "NimbusSans-Regular") == "5"
    assert as_tick("Hello", "ZapfDingbats") == "Hello"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftocairo") is None, reason="poppler-utils (pdftocairo) is not installed")
def test_zapfdingbats_page_printed_again_by_poppler(tmp_path):
    """poppler re-draws the page with whatever ZapfDingbats the machine has (URW's D050000L with
    fonts-urw-base35): the ticks still read as ticks."""
    (tmp_path / "in.pdf").write_bytes(_form(_glyph("4"), _glyph("o")))
    subprocess.run(["pdftocairo", "-pdf", str(tmp_path / "in.pdf"), str(tmp_path / "out.pdf")], check=True, timeout=60)
    form = read_document((tmp_path / "out.pdf").read_bytes(), "out.pdf")
    assert {k: form.fields.get(k) for k in EXPECTED} == EXPECTED
