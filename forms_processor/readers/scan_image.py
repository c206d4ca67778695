"""A scanned or photographed page as pixels: made upright and straight, cleaned, and its
drawn checkboxes found. Pillow and numpy only; no OCR here (that is ``ocr.py``).

Every function takes and returns a greyscale Pillow image (mode "L") or plain numbers, so
each step can be tried on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps

# The resolution the OCR works at: Tesseract reads a form's 9-11 pt text best near 300 dpi.
WORK_DPI = 300
# An A4 page's width in inches: a photo's resolution is guessed from it (a phone says nothing useful).
A4_WIDTH_IN = 8.27
# Deskew: the angles tried (degrees), coarse then fine.
_MAX_SKEW = 5.0
_COARSE = 0.5
_FINE = 0.1
# Ink: darker than this (0 black .. 255 white).
_INK = 150


def load_grey(image: Image.Image, dpi: float | None) -> tuple[Image.Image, float]:
    """The page in grey at its own resolution, and that resolution: ``dpi`` when known (a PDF
    page's picture, a scanner's TIFF), otherwise guessed from the width of an A4 page."""
    image = ImageOps.exif_transpose(image) or image
    grey = image.convert("L")
    if not dpi or dpi < 50:
        dpi = max(grey.width, grey.height * 0.707) / A4_WIDTH_IN
    return grey, dpi


def even_light(grey: Image.Image) -> Image.Image:
    """The paper made white all over: each pixel divided by the brightness of the paper around it
    (a photo is lit unevenly, darker on one side), found from a small copy of the page."""
    small = grey.reduce(8) if min(grey.size) >= 80 else grey
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(4)).resize(grey.size)
    ink = np.asarray(grey, dtype=np.float32)
    light = np.maximum(np.asarray(paper, dtype=np.float32), 1.0)
    return Image.fromarray(np.clip(ink * 255.0 / light, 0, 255).astype(np.uint8))


def speckled(grey: Image.Image) -> bool:
    """Whether the page has specks of noise: dark pixels with no dark neighbour, counted in the
    middle of the page, more than one in two thousand."""
    w, h = grey.size
    pixels = np.asarray(grey.crop((w // 4, h // 4, 3 * w // 4, 3 * h // 4))) < _INK
    padded = np.pad(pixels, 1).astype(np.uint8)
    ph, pw = pixels.shape
    neighbours = sum(padded[1 + dy : 1 + dy + ph, 1 + dx : 1 + dx + pw]
                     for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx)
    return pixels.size > 0 and float((pixels & (neighbours == 0)).mean()) > 0.0005


def for_ocr(grey: Image.Image, dpi: float) -> tuple[Image.Image, float]:
    """The page cleaned of specks (a median filter, at the page's own resolution, before any
    resizing spreads them; only when it has them: the filter is a tenth of a page's time) and
    brought to about ``WORK_DPI``."""
    if speckled(grey):
        grey = grey.filter(ImageFilter.MedianFilter(3))
    scale = WORK_DPI / dpi
    if abs(scale - 1) > 0.15:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.BICUBIC)
        dpi = WORK_DPI
    return grey, dpi


def _ink(grey: Image.Image) -> np.ndarray:
    return np.asarray(grey) < _INK


def _profile_score(small: Image.Image, angle: float) -> float:
    """How sharply the rows of ink stand out when the page is turned by ``angle``: text lines
    level with the page make the row sums jump between lines and gaps."""
    turned = small.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
    rows = np.asarray(turned, dtype=np.float32).sum(axis=1)
    return float(np.square(np.diff(rows)).sum())


def skew_angle(grey: Image.Image) -> float:
    """The angle (degrees, anticlockwise) that makes the page's text lines level."""
    ink = Image.fromarray((_ink(grey) * 255).astype(np.uint8))
    factor = max(1, grey.width // 700)
    small = ink.reduce(factor) if factor > 1 else ink
    best = max(np.arange(-_MAX_SKEW, _MAX_SKEW + 1e-9, _COARSE), key=lambda a: _profile_score(small, float(a)))
    fine = np.arange(best - _COARSE, best + _COARSE + 1e-9, _FINE)
    return float(max(fine, key=lambda a: _profile_score(small, float(a))))


def quarter_turns(grey: Image.Image) -> int:
    """1 when the page lies on its side (the cluster's forms are portrait: a landscape picture is a
    page turned a quarter), else 0. Which way up it then is, the OCR itself tells (see ``ocr``).
    (A profile of the ink was tried and misled by a few degrees of skew: a table's upright rules
    and left-aligned column then outscore its smeared lines of text.)"""
    return 1 if grey.width > 1.1 * grey.height else 0


def straighten(grey: Image.Image) -> Image.Image:
    """The page upright (a quarter turn when on its side) and level (deskewed)."""
    if quarter_turns(grey):
        grey = grey.transpose(Image.Transpose.ROTATE_270)
    angle = skew_angle(grey)
    if abs(angle) >= _FINE / 2:
        grey = grey.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
    return grey


@dataclass(frozen=True)
class Box:
    """A drawn checkbox, in pixels, and whether a mark is inside it."""

    x0: int
    top: int
    x1: int
    bottom: int
    ticked: bool


def _runs(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every horizontal run of ink: (row, first column, column after the last)."""
    h = ink.shape[0]
    pad = np.zeros((h, 1), dtype=np.int8)
    d = np.diff(np.concatenate([pad, ink.astype(np.int8), pad], axis=1), axis=1)
    rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)
    return rows, starts, ends


def _side(ink: np.ndarray, x: int, top: int, bottom: int, slack: int) -> bool:
    """Ink runs down the page at column x (give or take ``slack``) from top to bottom."""
    strip = ink[top:bottom, max(0, x - slack) : x + slack + 1]
    return strip.size > 0 and float(strip.any(axis=1).mean()) >= 0.9


def checkboxes(grey: Image.Image, dpi: float) -> list[Box]:
    """The small drawn squares on the page (a form's ☐ and ☒), each ticked when there is ink inside."""
    ink = _ink(grey)
    small, large = round(5 * dpi / 72), round(14 * dpi / 72)
    slack = max(2, round(dpi / 100))
    rows, starts, ends = _runs(ink)
    keep = ((ends - starts) >= small) & ((ends - starts) <= large)
    rows, starts, ends = rows[keep], starts[keep], ends[keep]
    by_row: dict[int, list[tuple[int, int]]] = {}
    for r, s, e in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        by_row.setdefault(r, []).append((s, e))
    found: list[Box] = []
    for r, s, e in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        if any(b.x0 - slack <= s <= b.x0 + slack and b.top - slack <= r <= b.bottom for b in found):
            continue
        side = e - s
        bottom = _bottom_edge(by_row, r, s, e, side, slack)
        if bottom is None or not (_side(ink, s, r, bottom, slack) and _side(ink, e - 1, r, bottom, slack)):
            continue
        if not _stands_alone(ink, r, s, e, bottom, slack):
            continue
        inset = max(2, side // 5)
        inside = ink[r + inset : bottom - inset, s + inset : e - inset]
        found.append(Box(s, r, e, bottom, bool(inside.size) and float(inside.mean()) > 0.06))
    return found


def _stands_alone(ink: np.ndarray, top: int, s: int, e: int, bottom: int, slack: int) -> bool:
    """A drawn box has thin sides, nothing just outside them, and nothing just inside the middle of
    them (a tick's strokes cross its middle, not its sides); a letter (a bold "o", "D") has thick
    strokes and its neighbours close by."""
    side = e - s
    mid = slice(top + side // 3, bottom - side // 3 + 1)
    if mid.stop <= mid.start:
        return False
    outside = np.concatenate([ink[mid, max(0, s - 2 * slack - 2) : max(0, s - slack - 1)],
                              ink[mid, e + slack : e + 2 * slack + 1]], axis=1)
    if outside.size and float(outside.mean()) > 0.05:
        return False
    rows = ink[mid, s - slack : e + slack]
    if rows.size == 0:
        return False
    thick = max(1, side // 6)
    inner = np.concatenate([rows[:, slack + thick + 1 : slack + 2 * thick + 2],
                            rows[:, -(slack + 2 * thick + 2) : -(slack + thick + 1)]], axis=1)
    return inner.size > 0 and float(inner.mean()) < 0.2


def _bottom_edge(by_row: dict[int, list[tuple[int, int]]], top: int, s: int, e: int, side: int,
                 slack: int) -> int | None:
    """The row of a run matching (s, e) about ``side`` rows below ``top``: a square's bottom edge."""
    for r in range(top + side - 2 * slack, top + side + 2 * slack + 1):
        for s2, e2 in by_row.get(r, ()):
            if abs(s2 - s) <= slack and abs(e2 - e) <= slack:
                return r
    return None


# Rules: a table's lines are often light grey and one pixel thin; darker than this counts.
_RULE = 222


def _bridged(ink: np.ndarray, axis: int) -> np.ndarray:
    """Ink with gaps of up to two pixels along ``axis`` filled (specks of noise across a rule)."""
    out = ink.copy()
    for gap in (1, 2):
        out |= np.roll(ink, gap, axis=axis) & np.roll(ink, -gap, axis=axis)
    return out


def _long_runs(ink: np.ndarray, length: int) -> list[tuple[int, int, int]]:
    """Horizontal runs of ink at least ``length`` long, the rows of one thick rule merged:
    (row, first column, column after the last)."""
    rows, starts, ends = _runs(ink)
    keep = (ends - starts) >= length
    merged: list[tuple[int, int, int]] = []
    for r, s, e in sorted(zip(rows[keep].tolist(), starts[keep].tolist(), ends[keep].tolist(), strict=True)):
        if merged and r - merged[-1][0] <= 3 and abs(s - merged[-1][1]) < length // 4:
            last = merged[-1]
            merged[-1] = (last[0], min(last[1], s), max(last[2], e))
            continue
        merged.append((r, s, e))
    return merged


def table_cells(grey: Image.Image, dpi: float) -> list[tuple[int, int, int, int]]:
    """The cells of the page's ruled tables, in pixels: (x0, top, x1, bottom). A row of cells lies
    between two horizontal rules, split by the vertical rules that run from one to the other."""
    ink = np.asarray(grey) < _RULE
    across = _long_runs(_bridged(ink, 1), round(90 * dpi / 72))
    down = _long_runs(_bridged(ink, 0).T, round(8 * dpi / 72))
    slack = max(3, round(dpi / 60))
    cells = []
    for i, (y1, a0, a1) in enumerate(across):
        below = next(((y, b0, b1) for y, b0, b1 in across[i + 1 :]
                      if y - y1 > slack and min(a1, b1) - max(a0, b0) > (a1 - a0) // 2), None)
        if below is None:
            continue
        y2, b0, b1 = below
        x0, x1 = max(a0, b0), min(a1, b1)
        xs = sorted({x for x, top, bottom in down
                     if top <= y1 + slack and bottom >= y2 - slack and x0 - slack <= x <= x1 + slack})
        for left, right in zip(xs, xs[1:], strict=False):
            if right - left > slack:
                cells.append((left, y1, right, y2))
    return cells


def _run_mask(ink: np.ndarray, length: int) -> np.ndarray:
    """The pixels of the horizontal runs of ink at least ``length`` long."""
    rows, starts, ends = _runs(ink)
    keep = (ends - starts) >= length
    delta = np.zeros((ink.shape[0], ink.shape[1] + 1), dtype=np.int32)
    np.add.at(delta, (rows[keep], starts[keep]), 1)
    np.add.at(delta, (rows[keep], ends[keep]), -1)
    return np.cumsum(delta, axis=1)[:, :-1] > 0


def erase_rules(grey: Image.Image, dpi: float) -> Image.Image:
    """The page with its tables' rules painted out. Tesseract reads a page as lines of text;
    a rule a pixel off level beside a line of text (after deskewing) spoils the whole line."""
    ink = np.asarray(grey) < _RULE
    across = _run_mask(_bridged(ink, 1), round(60 * dpi / 72))
    down = _run_mask(_bridged(ink, 0).T, round(20 * dpi / 72)).T
    mask = across | down
    mask |= np.roll(mask, 1, axis=0) | np.roll(mask, -1, axis=0) | np.roll(mask, 1, axis=1) | np.roll(mask, -1, axis=1)
    pixels = np.asarray(grey).copy()
    pixels[mask] = 255
    return Image.fromarray(pixels)
