"""A scanned or photographed form: its pages made into positioned words by Tesseract, then
read by the same page reader as a printed PDF (``pdf_layout.read_page_words``).

The steps, for each page:
1. the page as a grey picture at about 300 dpi (a PDF page rendered by poppler's
   ``pdftoppm``; a photo decoded by Pillow, turned as its EXIF says);
2. made upright and level, and cleaned of specks (``scan_image``);
3. one Tesseract call (``--psm 6``, one thread, TSV out): every word with its box and
   its confidence (0-100); a page whose words are mostly unsure is tried upside down;
4. its drawn checkboxes found, each a ☒ or ☐ word in its place;
5. the words, in points, to the page reader.

Every field of the form carries the lowest confidence of the words it was read from
(``ExtractedForm.confidence``) and the form is marked ``from_scan``: the Host confirms
the values before it goes on. A scan too poor to read (most required fields missing,
or the words mostly unsure) is refused, the school asked for the Word or PDF form.

Tesseract and poppler run as child processes under the reading's limits (the worker's
memory limit is inherited; each call has the read's time limit).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import UnreadableDocument
from ..spec import FORMS, Req
from .base import UNCERTAIN, ExtractedForm, starting_ocr, took_too_long
from .glyphs import EMPTY, TICK
from .pdf_layout import read_page_words
from .pdf_page import PAGE_OFFSET, Cell, Word
from .scan_image import Box, checkboxes, erase_rules, even_light, for_ocr, load_grey, straighten, table_cells

# Short words below this confidence are noise (specks, rules read as "|"): left out.
_NOISE = 20.0
# A page whose words' median confidence is below this is tried upside down.
_UPSIDE_DOWN = 55.0
# Too poor to read: fewer than this share of the form's required fields found ...
_REQUIRED_SHARE = 0.5
# ... or the words' median confidence below this.
_POOR = 50.0
# The pages of one scan read (a longer file's later pages are left unread).
MAX_PAGES = 12
TESSERACT_ARGS = ("--psm", "6", "-l", "eng", "-c", "tessedit_do_invert=0")


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def _refuse_scan(what: str) -> UnreadableDocument:
    return UnreadableDocument(
        f"This {what} looks like a scan or a picture of the form, and scans can't be read on this computer.",
        "Please send the Word or PDF form itself, filled in on a computer.",
        "scan",
    )


def too_poor(what: str) -> UnreadableDocument:
    return UnreadableDocument(
        f"This {what} of the form could not be read well enough: most of its answers could not be made out "
        "(a blurred, dark or handwritten page, or one that is not the cluster's form).",
        "Please send the Word or PDF form itself, filled in on a computer; a scan is read only when it is "
        "sharp and typed, with every page of the form in one file (or, for photos, in one email).",
        "scan-unreadable",
    )


class _Clock:
    """The time left of the read's limit, shared by every child process it starts."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise took_too_long()
        return left


def _run(cmd: list[str], clock: _Clock, data: bytes | None = None) -> bytes:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=clock.left(), env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise took_too_long() from exc
    except OSError as exc:  # out of memory starting it, or the program gone
        raise UnreadableDocument("This scan could not be read on this computer.",
                                 "Please send the Word or PDF form itself.", "scan") from exc
    if done.returncode != 0:
        raise UnreadableDocument("This scan could not be read; the file may be damaged.",
                                 "Please send the Word or PDF form itself.", "damaged")
    return done.stdout


# A page's /Rotate (clockwise, as a viewer turns it) done to its picture.
_TURN = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


def _embedded_pages(data: bytes) -> list[tuple[Image.Image, float | None]] | None:
    """Each page's one picture, as a scanner writes it (no rendering needed), with its
    resolution, turned as the page's /Rotate says (as a viewer shows it, and as photos of a
    form's pages are put in a PDF, ``photo_pdf``); None when a page is anything else
    (several pictures, or none)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = []
        for page in reader.pages[:MAX_PAGES]:
            images = list(page.images)
            if len(images) != 1 or images[0].image is None:
                return None
            picture = images[0].image
            width_in = float(page.mediabox.width) / 72
            dpi = picture.width / width_in if width_in > 0 else None
            turn = _TURN.get(int(page.rotation) % 360)
            pages.append((picture.transpose(turn) if turn is not None else picture, dpi))
        return pages
    except Exception:  # noqa: BLE001 - anything odd: poppler renders the pages instead
        return None


def pdf_pages(data: bytes, clock: _Clock) -> list[tuple[Image.Image, float | None]]:
    """The pages of an image-only PDF as pictures: the scanner's own, or rendered in grey at
    300 dpi by poppler's pdftoppm."""
    embedded = _embedded_pages(data)
    if embedded:
        return embedded
    if shutil.which("pdftoppm") is None:
        raise _refuse_scan("PDF")
    with tempfile.TemporaryDirectory(prefix="forms-scan-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(data)
        _run(["pdftoppm", "-r", "300", "-gray", "-l", str(MAX_PAGES), str(src), f"{tmp}/p"], clock)
        pages: list[tuple[Image.Image, float | None]] = []
        for path in sorted(Path(tmp).glob("p-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
            with Image.open(path) as img:
                img.load()
                pages.append((img.copy(), 300.0))
    return pages


def image_pages(data: bytes) -> list[tuple[Image.Image, float | None]]:
    """A photo or scanned picture's page(s) (a TIFF may hold several), with their resolution if known."""
    try:
        img = Image.open(io.BytesIO(data))
        pages: list[tuple[Image.Image, float | None]] = []
        for n in range(min(getattr(img, "n_frames", 1), MAX_PAGES)):
            img.seek(n)
            pages.append((img.copy(), believed_dpi(img)))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UnreadableDocument(
            "This picture could not be opened; it may be damaged or in a format that can't be read.",
            "Please send the Word or PDF form itself; or take the photo or scan again and send it as a JPEG or PDF.",
            "image",
        ) from exc
    return pages


def believed_dpi(img: Image.Image) -> float | None:
    """A picture's resolution when it says something of the page: a scanner's (TIFF, PNG), at
    least 100 dpi. A photo's says nothing (a phone writes 72): None."""
    dpi = img.info.get("dpi", (0, 0))[0]
    return float(dpi) if img.format in ("TIFF", "PNG") and dpi and float(dpi) >= 100 else None


def _tsv_words(tsv: str, scale: float, offset: float) -> list[Word]:
    """Tesseract's TSV rows of words as Words in points (``scale`` points per pixel).

    The words of one of Tesseract's lines share its top and bottom (the line's middle ones):
    a word's own box rises and falls with its letters ("score" has no tall letter) and with
    what deskewing left of a tilt, and the page reader would split the line there."""
    rows = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        conf = float(cols[10])
        if not text or not any(ch.isalnum() or ch in "£@" for ch in text):
            continue
        if conf < _NOISE and not (len(text) >= 4 and text.isalnum()):
            continue  # a speck or a rule read as "|", ".:": a whole word, however unsure, is kept
        left, top, width, height = (int(c) for c in cols[6:10])
        rows.append((tuple(cols[1:5]), text, conf, left, top, width, height))
    lines: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    for line, _, _, _, top, _, height in rows:
        lines.setdefault(line, []).append((top, top + height))
    level = {line: (sorted(t for t, _ in spans)[len(spans) // 2], sorted(b for _, b in spans)[len(spans) // 2])
             for line, spans in lines.items()}
    out = []
    for line, text, conf, left, _, width, _ in rows:
        top, bottom = level[line]
        out.append(Word(text, left * scale, (left + width) * scale, top * scale + offset, bottom * scale + offset,
                        conf=conf))
    return out


def _ocr(grey: Image.Image, clock: _Clock) -> str:
    buf = io.BytesIO()
    grey.save(buf, format="PNG", compress_level=1)
    return _run(["tesseract", "stdin", "stdout", *TESSERACT_ARGS, "tsv"], clock, buf.getvalue()).decode(
        "utf-8", "replace")


def _median(words: list[Word]) -> float:
    confs = sorted(w.conf for w in words)
    return confs[len(confs) // 2] if confs else 0.0


def _box_words(boxes: list[Box], scale: float, offset: float) -> list[Word]:
    return [Word(TICK if b.ticked else EMPTY, b.x0 * scale, b.x1 * scale, b.top * scale + offset,
                 b.bottom * scale + offset, conf=95.0) for b in boxes]


def _overlap(a: Word, b: Word) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.top < b.bottom and b.top < a.bottom


def _with_boxes(words: list[Word], boxes: list[Word]) -> list[Word]:
    """The page's words and its checkboxes. A square inside a word read with confidence is a
    letter (a bold "o", "D"), not a box; a short unsure word on a box is OCR's try at the
    box's drawing ("[X]", "O"), and gives way to it."""

    def is_word(w: Word) -> bool:
        return len(w.text) > 3 or (w.conf >= 70 and w.text.isalnum())

    kept = [b for b in boxes if not any(_overlap(b, w) and is_word(w) for w in words)]
    return [w for w in words if not any(_overlap(w, b) for b in kept)] + kept


def page_words(image: Image.Image, dpi: float | None, n: int, clock: _Clock) -> tuple[list[Word], list[Cell]]:
    """One page's words (and checkboxes) and its tables' cells, in points, on page ``n``.

    The rules are found on the page as scanned (a one-pixel rule of a 200 dpi scan does not
    survive the cleaning), the words on the page cleaned, at 300 dpi, with the rules painted out."""
    grey, native = load_grey(image, dpi)
    straight = straighten(even_light(grey))
    grey, dpi = for_ocr(straight, native)
    page = erase_rules(grey, dpi)
    scale, offset = 72.0 / dpi, n * PAGE_OFFSET
    words = _tsv_words(_ocr(page, clock), scale, offset)
    turned = False
    if _median(words) < _UPSIDE_DOWN:
        again = _tsv_words(_ocr(page.rotate(180), clock), scale, offset)
        if _median(again) > _median(words):
            turned, words, grey = True, again, grey.rotate(180)
    if turned:
        straight = straight.rotate(180)
    rule_scale = 72.0 / native
    cells = [Cell(x0 * rule_scale, x1 * rule_scale, top * rule_scale + offset, bottom * rule_scale + offset)
             for x0, top, x1, bottom in table_cells(straight, native)]
    return _with_boxes(words, _box_words(checkboxes(grey, dpi), scale, offset)), cells


def read_scan(pages: list[tuple[Image.Image, float | None]], what: str, clock: _Clock) -> ExtractedForm:
    """The form on scanned pages, every field with its confidence; refused when too poor to read."""
    words: list[Word] = []
    cells: list[Cell] = []
    for n, (image, dpi) in enumerate(pages):
        page, page_cells = page_words(image, dpi, n, clock)
        words.extend(page)
        cells.extend(page_cells)
    if not words:
        raise too_poor(what)
    try:
        form, confidence = read_page_words(words, cells, "scan", what)
    except UnreadableDocument as exc:
        if exc.reason == "not-a-form":
            raise too_poor(what) from exc
        raise
    spec = FORMS[form.form_id]
    required = [f.key for f in spec.single_fields() if f.req is Req.REQUIRED]
    found = sum(1 for k in required if k in form.fields)
    if (required and found < _REQUIRED_SHARE * len(required)) or _median(words) < _POOR:
        raise too_poor(what)
    form.from_scan = True
    form.confidence = {k: round(v, 1) for k, v in confidence.items()}
    unsure = sum(1 for v in confidence.values() if v < UNCERTAIN)
    form.notes.append(f"Read from a scan by OCR: {len(form.fields)} values, {unsure} of them uncertain")
    return form


def read_scanned_pdf(data: bytes, timeout_seconds: float) -> ExtractedForm:
    """An image-only PDF (a scan) read by OCR."""
    if not ocr_available():
        raise _refuse_scan("PDF")
    starting_ocr()
    clock = _Clock(timeout_seconds)
    return read_scan(list(pdf_pages(data, clock)), "scan", clock)


def read_picture(data: bytes, timeout_seconds: float) -> ExtractedForm:
    """A photo or scanned picture (JPEG, PNG, TIFF...) of a form read by OCR."""
    if not ocr_available():
        raise UnreadableDocument("This is a picture, not a form, and pictures can't be read on this computer.",
                                 "Please send the Word or PDF form itself, not a photo or scan of it.", "image")
    starting_ocr()
    clock = _Clock(timeout_seconds)
    return read_scan(image_pages(data), "picture", clock)
