"""Photos of a form's pages made into one image-only PDF (readers/photo_pdf.py), and the email's and
zip's pictures with no form beside them taken as the pages of one form (intake/email_kinds.py):
real JPEGs, PNGs and TIFFs made by Pillow, the PDF read back by pypdf, checked by qpdf and drawn
by poppler, the emails and zips parsed by the code the unpacking worker runs. No OCR here: the
pages read by Tesseract are tests/mail/test_pages_by_email.py.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from forms_processor.errors import UnreadableDocument
from forms_processor.intake.email_kinds import ParsedEmail
from forms_processor.intake.email_parts import natural_order, parse_email
from forms_processor.intake.unpacking import parse_zip
from forms_processor.mail.compose import describe_file
from forms_processor.readers.ocr import MAX_PAGES, _embedded_pages
from forms_processor.readers.photo_pdf import combine, combined_name, photos_in, without_exif
from forms_processor.readers.sandbox import ReadLimits, read_document
from forms_processor.readers.scan_image import load_grey
from tests.mail.test_mailbox import message

ORIENTATION = 0x0112


def page_photo(label: str, size: tuple[int, int] = (1240, 1754), orientation: int | None = None,
               fmt: str = "JPEG", **save: object) -> bytes:
    """A picture of a page: a frame, the label written large at its top (to tell the pages apart)
    and a dark block in its top left corner (to tell which way up it is); with an EXIF orientation
    when given (the pixels then stored turned, as a phone stores them)."""
    page = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((10, 10, size[0] - 10, size[1] - 10), outline="black", width=6)
    draw.rectangle((40, 40, 240, 240), fill="black")
    draw.text((300, 100), label, fill="black", font_size=80)
    if orientation is not None:
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        exif[0x010F] = "PhoneMaker"  # the camera's maker: left out of the PDF with the rest of the EXIF
        # Stored as a phone stores a picture taken turned: the EXIF orientation says how to undo it.
        undo = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270, 3: Image.Transpose.ROTATE_180}
        page = page.transpose(undo[orientation]) if orientation in undo else page
        save["exif"] = exif.tobytes()
    out = io.BytesIO()
    page.save(out, format=fmt, **save)
    return out.getvalue()


def with_xmp(jpeg: bytes) -> bytes:
    """The JPEG with an XMP segment (APP1) after its others, saying where it was taken, as some phones write."""
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>52,37.5N</exif:GPSLatitude></x:xmpmeta>"
    segment = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    return jpeg[:2] + segment + jpeg[2:]


def upright_corner_dark(picture: Image.Image) -> bool:
    """Whether the page's dark block is at its top left (the page upright)."""
    grey = np.asarray(picture.convert("L"))
    h, w = grey.shape
    return grey[: h // 8, : w // 8].mean() < grey[: h // 8, -w // 8:].mean() - 60


def test_the_pages_are_put_in_order_the_jpegs_unchanged_and_the_same_photos_make_the_same_pdf(tmp_path: Path) -> None:
    photos = [page_photo(f"PAGE {n}") for n in (1, 2, 3)]
    pdf = combine(photos)
    assert combine(photos) == pdf  # no dates: the same photos sent twice are a duplicate
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    for n, page in enumerate(reader.pages):
        (image,) = page.images
        # The JPEG as sent, byte for byte (these have no EXIF block to leave out).
        assert page["/Resources"]["/XObject"]["/Im0"].get_data() == photos[n]
    assert len(pdf) < sum(map(len, photos)) + 4000  # about the photos' size together
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    if shutil.which("qpdf"):
        assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True).returncode == 0
    # The reader takes each page's picture at the resolution it gives the photo alone (A4's width).
    for (picture, dpi), photo in zip(_embedded_pages(pdf) or [], photos, strict=True):
        alone = load_grey(Image.open(io.BytesIO(photo)), None)
        assert picture.size == alone[0].size and dpi == pytest.approx(alone[1], rel=1e-4)


@pytest.mark.parametrize("orientation", [6, 8, 3])
def test_a_phones_turned_photo_is_upright_for_a_viewer_and_the_reader_and_its_exif_is_left_out(
        orientation: int, tmp_path: Path) -> None:
    photo = with_xmp(page_photo("TURNED", orientation=orientation))
    stored = Image.open(io.BytesIO(photo))
    assert stored.getexif()[ORIENTATION] == orientation and b"PhoneMaker" in photo
    pdf = combine([photo, page_photo("UPRIGHT")])
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert page.rotation == {6: 90, 8: 270, 3: 180}[orientation]
    stream = page["/Resources"]["/XObject"]["/Im0"].get_data()
    assert stream == without_exif(photo) and len(stream) < len(photo)
    assert b"PhoneMaker" not in stream and b"Exif" not in stream and b"GPSLatitude" not in stream
    # The same pixels, not compressed again.
    assert Image.open(io.BytesIO(stream)).tobytes() == stored.tobytes()
    # What the reader takes: upright, at the upright page's guessed resolution.
    (picture, dpi), _ = _embedded_pages(pdf) or []
    assert picture.height > picture.width and upright_corner_dark(picture)
    assert dpi == pytest.approx(1240 / 8.27, rel=1e-3)
    # What a viewer shows (poppler draws the page): upright too.
    if shutil.which("pdftoppm"):
        (tmp_path / "p.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-png", str(tmp_path / "p.pdf"),
                        str(tmp_path / "shown")], check=True, capture_output=True)
        (shown,) = tmp_path.glob("shown*.png")
        drawn = Image.open(shown)
        assert drawn.height > drawn.width and upright_corner_dark(drawn)


def test_other_pictures_are_put_in_losslessly_at_a_scanners_resolution() -> None:
    png = page_photo("SCANNED PNG", fmt="PNG", dpi=(300, 300))
    frames = [Image.open(io.BytesIO(page_photo(f"TIFF {n}"))).convert("L") for n in (1, 2)]
    tiff = io.BytesIO()
    frames[0].save(tiff, format="TIFF", save_all=True, append_images=frames[1:], dpi=(200, 200))
    pdf = combine([png, tiff.getvalue()])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3  # the PNG, and each of the TIFF's two frames
    pages = _embedded_pages(pdf) or []
    assert [round(dpi or 0) for _, dpi in pages] == [300, 200, 200]
    assert pages[0][0].convert("RGB").tobytes() == Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    assert pages[2][0].tobytes() == frames[1].tobytes()
    # A4 at 300 dpi is 8.27 inches wide whatever its pixels: the page is the paper's size.
    assert float(reader.pages[0].mediabox.width) == pytest.approx(1240 * 72 / 300, abs=0.01)


def test_the_name_says_how_many_photos_and_the_school_is_told_so() -> None:
    name = combined_name(["IMG_2041.jpg", "IMG_2042.jpg", "IMG_2043.jpg"], 3)
    assert name == "IMG_2041 to IMG_2043 (3 photos).pdf" and photos_in(name) == 3
    assert photos_in("IMG_2041.jpg") is None and photos_in("scan.pdf") is None
    assert describe_file(name) == "a form photographed page by page (3 photos, read together as one form)"
    assert describe_file("scan.pdf") == "a PDF file"
    # The size limit is of the photos together, said so.
    big = combine([page_photo("1", size=(2480, 3508), quality=100), page_photo("2", size=(2480, 3508), quality=100)])
    with pytest.raises(UnreadableDocument) as err:
        read_document(big, name, ReadLimits(max_bytes=len(big) - 1))
    assert err.value.reason == "too-large" and "The 3 photos of the form come to" in err.value.message
    assert "smaller size" in (err.value.hint or "")


def _pictures_email(pictures: list[tuple[str, bytes]], forms: list[tuple[str, bytes]] = ()) -> ParsedEmail:  # type: ignore[assignment]
    attachments = [(n, d, ("image", "jpeg")) for n, d in pictures] + [(n, d, ("application", "pdf")) for n, d in forms]
    return parse_email(message("senco@school.example.org", "Our form", attachments=attachments).as_bytes())


def test_an_emails_pictures_with_no_form_beside_them_are_one_form_in_the_order_attached() -> None:
    photos = [(f"IMG_{n}.jpg", page_photo(f"PAGE {n}")) for n in (7, 3, 5)]
    parsed = _pictures_email(photos)
    (attachment,) = parsed.attachments
    assert attachment.file_name == "IMG_7 to IMG_5 (3 photos).pdf" and parsed.not_read == []
    streams = [p["/Resources"]["/XObject"]["/Im0"].get_data() for p in PdfReader(io.BytesIO(attachment.data)).pages]
    assert streams == [d for _, d in photos]  # as attached, not by name
    # One picture stays itself, read as a picture dropped in the inbox is.
    alone = _pictures_email(photos[:1])
    assert [(a.file_name, a.data) for a in alone.attachments] == [photos[0]]
    # Beside a form, pictures are passed over without a word.
    beside = _pictures_email(photos, forms=[("form.pdf", b"%PDF-1.4 a form")])
    assert [a.file_name for a in beside.attachments] == ["form.pdf"] and beside.junk == [n for n, _ in photos]


def test_a_picture_that_cant_be_opened_and_pages_past_the_limit_are_said_not_read() -> None:
    good = [(f"p{n}.jpg", page_photo(f"PAGE {n}", size=(700, 990))) for n in range(1, MAX_PAGES + 3)]
    broken = ("p0.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 70_000)
    parsed = _pictures_email([broken, *good])
    (attachment,) = parsed.attachments
    assert len(PdfReader(io.BytesIO(attachment.data)).pages) == MAX_PAGES
    assert attachment.file_name == f"p1 to p{MAX_PAGES} ({MAX_PAGES} photos).pdf"
    assert [name for name, _ in parsed.not_read] == ["p0.heic", "2 more pictures"]
    assert "could not be opened as a picture" in parsed.not_read[0][1]
    assert f"at most {MAX_PAGES} pages" in parsed.not_read[1][1]
    # Only one picture opens: it is read on its own.
    one = _pictures_email([broken, good[0]])
    assert [a.file_name for a in one.attachments] == ["p1.jpg"] and [n for n, _ in one.not_read] == ["p0.heic"]


def test_a_zips_pictures_are_one_form_in_the_natural_order_of_their_names() -> None:
    names = ["scan 10.jpg", "Scan 9.jpg", "scan 11.jpg", "__MACOSX/._scan 9.jpg"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in names:
            zf.writestr(name, page_photo(name) if "MACOSX" not in name else b"junk")
    parsed = parse_zip(out.getvalue())
    (attachment,) = parsed.attachments
    assert attachment.file_name == "Scan 9 to scan 11 (3 photos).pdf"
    pages = PdfReader(io.BytesIO(attachment.data)).pages
    assert [p["/Resources"]["/XObject"]["/Im0"].get_data() for p in pages] == [
        page_photo("Scan 9.jpg"), page_photo("scan 10.jpg"), page_photo("scan 11.jpg")]
    assert sorted(["page 10", "page 2", "Page 1", "page 1b"], key=natural_order) == [
        "Page 1", "page 1b", "page 2", "page 10"]
    # A number too long for int() orders by its digits, never an error.
    assert sorted(["p" + "9" * 5000, "p10"], key=natural_order)[0] == "p10"
