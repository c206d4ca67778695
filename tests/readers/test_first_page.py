"""Telling a form's first page by the title at its top (readers/first_page.py), and the pictures of
one email grouped into forms by it (intake/email_kinds.py): the titles matched as OCR reads them, no
label or heading inside the forms taken for a title, and real pictures (drawn by Pillow in a real
font, saved as JPEGs and PNGs, one with the pixels stored turned and an EXIF orientation, as a phone
stores them) read by real Tesseract. The photos of the printed forms: tests/mail/test_forms_split_by_email.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from forms_processor.intake import email_kinds
from forms_processor.intake.email_kinds import Attachment, pages_of_one_form
from forms_processor.readers import first_page
from forms_processor.readers.first_page import first_page_of, title_in, top_strip
from forms_processor.spec import APPLICATION, FORMS, IMPACT

BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
REGULAR = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ORIENTATION = 0x0112


def test_the_titles_are_told_as_ocr_reads_them() -> None:
    assert title_in(["Application for cluster SEND funding"]) is APPLICATION
    assert title_in(["Wensum Valley Cluster of Schools", "Impact of cluster SEND funding"]) is IMPACT
    # OCR's slips: a letter lost or misread, a quote mark before, words run on.
    assert title_in(["‘Applicaton for cluster SEND fundinq"]) is APPLICATION
    assert title_in(["lmpact of cluster SEND funding |"]) is IMPACT  # I read as l, a rule as |
    assert title_in(["Impact of clusterSEND funding"]) is IMPACT
    # A reworded title: the form's own word first, funding in it.
    assert title_in(["Application for SEND funding 2027-28"]) is APPLICATION
    assert title_in(["IMPACT OF SEND FUNDING"]) is IMPACT


def test_a_later_pages_lines_are_no_title() -> None:
    assert title_in(["Pupil reference Year group SEN status Primary need", "9. Declarations",
                     "Parents/carers have been informed of this application", "Funding round Click to type"]) is None
    # A sentence with the words is no title: too long, or not starting with the form's word.
    assert title_in(["Application for funding is made by the SENCO on behalf of the school each term"]) is None
    assert title_in(["Send this form at the end of the funded intervention."]) is None
    assert title_in([]) is None and title_in(["", "   "]) is None


def test_no_label_heading_or_note_inside_either_form_reads_as_a_title() -> None:
    texts: list[str] = []
    for spec in FORMS.values():
        texts += [spec.intro or "", spec.identity_text]
        for section in spec.sections:
            texts += [section.title, section.note or ""]
            fields = [*section.fields, *section.after_group, *(section.group.columns if section.group else ())]
            for f in fields:
                texts += [*f.all_labels, *f.choices, *(a for a, _ in f.choice_aliases)]
    assert len(texts) > 50
    taken = [t for t in texts if title_in([t]) is not None]
    assert taken == []


def page(title: str, fmt: str = "JPEG", orientation: int | None = None) -> bytes:
    """An A4 page at 200 dpi: the title at its top in bold, a line under it, then rows of labels."""
    if not BOLD.exists():
        pytest.skip("the DejaVu fonts are not installed")
    img = Image.new("L", (1654, 2339), 245)
    draw = ImageDraw.Draw(img)
    draw.text((150, 180), title, font=ImageFont.truetype(str(BOLD), 47), fill=30)
    regular = ImageFont.truetype(str(REGULAR), 32)
    draw.text((150, 260), "Wensum Valley Cluster of Schools", font=regular, fill=80)
    for n in range(12):
        draw.text((150, 420 + 110 * n), f"Question {n + 1}", font=regular, fill=20)
        draw.rectangle((700, 400 + 110 * n, 1500, 470 + 110 * n), outline=40, width=2)
    out = io.BytesIO()
    if orientation == 6:  # shown turned 90° clockwise: stored turned the other way
        exif = Image.Exif()
        exif[ORIENTATION] = 6
        img.transpose(Image.Transpose.ROTATE_90).save(out, format=fmt, exif=exif.tobytes(), quality=85)
    else:
        img.save(out, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


@pytest.fixture
def tesseract() -> None:
    if not first_page.can_tell():
        pytest.skip("Tesseract is not installed")


def test_a_pictures_first_page_is_told_by_tesseract(tesseract: None) -> None:
    assert first_page_of(page(IMPACT.title), 10) is IMPACT
    assert first_page_of(page(APPLICATION.title, "PNG"), 10) is APPLICATION
    # A phone's photo: the pixels stored turned, the EXIF saying how to show them.
    assert first_page_of(page(APPLICATION.title, orientation=6), 10) is APPLICATION
    assert first_page_of(page("3. Costs"), 10) is None
    assert first_page_of(b"not a picture", 10) is None and top_strip(b"\xff\xd8 damaged") is None
    assert first_page_of(page(IMPACT.title), 0) is None  # no time left: no title


def test_pictures_are_grouped_into_forms_at_each_first_page(tesseract: None) -> None:
    impact, app1, later = page(IMPACT.title), page(APPLICATION.title), page("4. Pupils")
    sent = [("a.jpg", impact), ("b.jpg", impact), ("c.jpg", app1), ("d.jpg", later), ("e.jpg", later),
            ("f.jpg", impact)]
    got = pages_of_one_form([Attachment(n, d) for n, d in sent], [])
    assert [a.file_name for a in got] == ["a.jpg", "b.jpg", "c to e (3 photos).pdf", "f.jpg"]
    assert got[0].data == impact and got[2].data[:5] == b"%PDF-"
    # No title anywhere: one form, as before. Pages sent last page first: one form.
    assert [a.file_name for a in pages_of_one_form([Attachment("x.jpg", later), Attachment("y.jpg", later)], [])] \
        == ["x to y (2 photos).pdf"]
    reverse = [Attachment("p3.jpg", later), Attachment("p2.jpg", later), Attachment("p1.jpg", app1),
               Attachment("imp.jpg", impact)]
    assert [a.file_name for a in pages_of_one_form(reverse, [])] == ["p3 to p1 (3 photos).pdf", "imp.jpg"]


def test_with_no_tesseract_or_no_time_the_pictures_are_one_form(monkeypatch: pytest.MonkeyPatch) -> None:
    impact = page(IMPACT.title)
    three = [Attachment(f"i{n}.jpg", impact) for n in range(3)]
    monkeypatch.setattr(first_page, "can_tell", lambda: False)
    assert [a.file_name for a in pages_of_one_form(three, [])] == ["i0 to i2 (3 photos).pdf"]
    monkeypatch.undo()
    token = email_kinds.FIRST_PAGE_SECONDS.set(0.0)
    try:
        assert [a.file_name for a in pages_of_one_form(three, [])] == ["i0 to i2 (3 photos).pdf"]
    finally:
        email_kinds.FIRST_PAGE_SECONDS.reset(token)
