"""Whether a photo is the first page of a form, by the form's title printed at its top.

Photos sent together with no form beside them are grouped into forms before they are made
into PDFs (``intake.email_kinds.pages_of_one_form``): a new form starts at each photo of a
form's first page. The application prints on three pages and the impact form on one, so
three impact forms photographed in one email are three forms, not one.

Cheap, as it runs in the unpacking worker under its time limit: the JPEG decoded at half
size (about 100 dpi for a phone's photo of a page), turned as its EXIF says, and only its
top third given to Tesseract (one thread); about a quarter of a second a photo. A title is
recognised by its words, forgiving of OCR's slips and of a reworded title: a line that starts
with the form's own word ("Application", "Impact") and has "funding" in it, as both titles
do ("Application for cluster SEND funding", "Impact of cluster SEND funding"); no label or
heading inside the forms reads so (tests/readers/test_first_page.py checks the spec).
Anything that goes wrong (Tesseract missing or slow, a picture that can't be opened) is "no
title": the photo continues the form before it, as every photo did before.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import subprocess
import warnings
from collections.abc import Iterable

from ..spec import FORMS, FormSpec
from .ocr import TESSERACT_ARGS, ocr_available

# The top of the page read: the title is printed in its first tenth; a photo may show more
# than the page around it.
TOP_SHARE = 0.3
# The picture decoded at this fraction of its size (a JPEG's draft mode: fast, little memory).
SCALE = 2
# How alike an OCR'd word must be to the title's word (OCR's slips: "Applicaton", "fundinq").
_ALIKE = 0.8
# A title is a short line: a longer one is a sentence that happens to use the words.
_MOST_WORDS = 8


def can_tell() -> bool:
    """Whether first pages can be told here (Tesseract installed)."""
    return ocr_available()


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z ]+", " ", text.lower()).split()


def _alike(a: str, b: str) -> bool:
    return a == b or (len(a) >= 4 and difflib.SequenceMatcher(None, a, b).ratio() >= _ALIKE)


def title_in(lines: Iterable[str]) -> FormSpec | None:
    """The form whose title one of these lines is (pure: the lines OCR read at a page's top)."""
    for line in lines:
        words = _words(line)
        if not words or len(words) > _MOST_WORDS:
            continue
        for spec in FORMS.values():
            own = _words(spec.title)[0]
            if _alike(words[0], own) and any(_alike(w, "funding") for w in words[1:]):
                return spec
    return None


def top_strip(data: bytes) -> bytes | None:
    """The top of the picture's first page, upright, in grey at half size, as a PNG; None when
    it can't be opened."""
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                if img.format == "JPEG":
                    img.draft("L", (img.width // SCALE, img.height // SCALE))
                upright = ImageOps.exif_transpose(img) or img
                grey = upright.convert("L")
                if grey.width > 1400:  # not a JPEG: made smaller here
                    grey = grey.resize((grey.width // SCALE, grey.height // SCALE))
                top = grey.crop((0, 0, grey.width, max(1, int(grey.height * TOP_SHARE))))
                out = io.BytesIO()
                top.save(out, format="PNG")
                return out.getvalue()
    except Exception:  # noqa: BLE001 - any picture Pillow can't open has no title to read
        return None


def first_page_of(data: bytes, seconds: float) -> FormSpec | None:
    """The form this picture is the first page of (its title read at its top), or None: not a
    first page, or not told in ``seconds``, or Tesseract not installed."""
    if seconds <= 0 or not can_tell():
        return None
    strip = top_strip(data)
    if strip is None:
        return None
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", *TESSERACT_ARGS], input=strip, capture_output=True,
                              timeout=seconds, env={**os.environ, "OMP_THREAD_LIMIT": "1"}, check=False)
    except (subprocess.TimeoutExpired, OSError):
        return None
    if done.returncode != 0:
        return None
    return title_in(done.stdout.decode("utf-8", "replace").splitlines())
