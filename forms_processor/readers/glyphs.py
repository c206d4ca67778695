"""Ticks as the sender's machine drew them, made into the one glyph the readers understand.

A symbol font's characters carry the letters of its code, not what they look like: a
ZapfDingbats tick is the character "4", a Wingdings one "þ". Which font a page uses
depends on the sender's machine (poppler draws ZapfDingbats with URW's D050000L when
fonts-urw-base35 is installed, and as plain text when it is not), so a tick is known by
its font's name and its code. A tick drawn as lines inside a small square (a flattened
checkbox appearance) is known by its shape: see ``drawn_ticks``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..spec.ticks import TICKED_GLYPHS, UNTICKED_GLYPHS

TICK = TICKED_GLYPHS[0]  # ☒
EMPTY = UNTICKED_GLYPHS[0]  # ☐

# Codes of ticks and empty boxes in each symbol font (by the font's family).
_ZAPF = {
    "3": TICK, "4": TICK, "5": TICK, "6": TICK, "7": TICK, "8": TICK,  # ✓ ✔ ✕ ✖ ✗ ✘
    "n": TICK, "l": TICK, "u": TICK,  # ■ ● ◆ (a filled box or dot)
    "o": EMPTY, "p": EMPTY, "q": EMPTY, "r": EMPTY,  # ❏ ❐ ❑ ❒
}  # fmt: skip
_WINGDINGS = {
    "\u00fe": TICK, "\u00fd": TICK, "\u00fc": TICK, "\u00fb": TICK, "x": TICK,  # ☑ ☒ ✓ ✗ ⌧
    "n": TICK, "l": TICK,  # ■ ●
    "\u00a8": EMPTY, "o": EMPTY, "q": EMPTY,  # ☐ □ ❑
}  # fmt: skip
_WINGDINGS2 = {"P": TICK, "O": TICK, "Q": TICK, "R": TICK, "S": TICK, "T": TICK, "\u00a3": EMPTY}
_FONTS: tuple[tuple[re.Pattern[str], Mapping[str, str]], ...] = (
    (re.compile(r"wingdings[-_ ]?2", re.IGNORECASE), _WINGDINGS2),
    (re.compile(r"wingdings", re.IGNORECASE), _WINGDINGS),
    # ZapfDingbats and the fonts drawn in its place (URW D050000L, "Dingbats", Acrobat's ZaDb).
    (re.compile(r"zapf|dingbat|d050000l|zadb", re.IGNORECASE), _ZAPF),
)
# Unicode ticks that mean the box is ticked / empty whatever the font (☒ ✓ ✔ ...).
_UNICODE = {
    **{g: TICK for g in TICKED_GLYPHS},
    **{g: EMPTY for g in UNTICKED_GLYPHS},
    "\u2705": TICK, "\u25cf": TICK, "\u25c6": TICK, "\u2327": TICK,  # ✅ ● ◆ ⌧
    "\u274f": EMPTY, "\u2750": EMPTY, "\u2751": EMPTY, "\u2752": EMPTY,  # ❏ ❐ ❑ ❒
}  # fmt: skip


def _symbol_map(fontname: str) -> Mapping[str, str] | None:
    name = fontname.split("+", 1)[-1]  # a subset's "ABCDEF+" prefix
    for pattern, codes in _FONTS:
        if pattern.search(name):
            return codes
    return None


def as_tick(text: str, fontname: str) -> str:
    """``text`` as the reader should see it: ☒/☐ for a tick or empty box drawn in a symbol font
    (by its code) or as a Unicode tick; otherwise unchanged."""
    codes = _symbol_map(fontname)
    if codes is not None:
        mapped = [codes.get(ch) or _UNICODE.get(ch) for ch in text if not ch.isspace()]
        if mapped and all(mapped):
            return TICK if TICK in mapped else EMPTY
        return text
    stripped = text.strip()
    if len(stripped) == 1 and stripped in _UNICODE:
        return _UNICODE[stripped]
    return text


# A checkbox is a square this size (points) ...
_BOX_MIN, _BOX_MAX = 5.0, 24.0
# ... whose sides differ by at most this much.
_SQUARE = 3.0


def _num(obj: Mapping[str, Any], key: str) -> float:
    return float(obj[key])


def _outline(obj: Mapping[str, Any], box_width: float) -> bool:
    """A path about the box's size that only runs along horizontal and vertical edges: the
    box's own border drawn as a path (a flattened checkbox's appearance draws its square
    so), not a mark. A tick or a cross has a slanted stroke; a filled square mark is smaller."""
    pts = obj.get("pts") or []
    if len(pts) < 3 or _num(obj, "x1") - _num(obj, "x0") < 0.85 * box_width:
        return False
    for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
        if abs(ax - bx) > 0.5 and abs(ay - by) > 0.5:
            return False
    return True


def drawn_ticks(
    rects: Iterable[Mapping[str, Any]],
    strokes: Iterable[Mapping[str, Any]],
    chars: Iterable[Mapping[str, Any]],
) -> list[tuple[float, float, float, float, bool]]:
    """Checkboxes drawn as small squares with no text inside: (x0, x1, top, bottom, ticked),
    ticked when a mark is drawn inside.

    ``rects`` are pdfplumber's rectangles, ``strokes`` its lines and curves. A mark is a stroke,
    or a filled rectangle clearly smaller than the box, lying inside the box and centred in it
    (so the box's own border, or a table rule passing by, is not a mark).
    """
    rects = list(rects)
    strokes = list(strokes)
    boxes = []
    for r in rects:
        w, h = _num(r, "x1") - _num(r, "x0"), _num(r, "bottom") - _num(r, "top")
        if _BOX_MIN <= w <= _BOX_MAX and _BOX_MIN <= h <= _BOX_MAX and abs(w - h) <= _SQUARE:
            boxes.append((_num(r, "x0"), _num(r, "x1"), _num(r, "top"), _num(r, "bottom")))
    # A square inside another is the other's mark (a filled dot), not a box of its own.
    boxes = [
        b
        for b in boxes
        if not any(o != b and o[0] <= b[0] and b[1] <= o[1] and o[2] <= b[2] and b[3] <= o[3] for o in boxes)
    ]
    if not boxes:
        return []
    chars = list(chars)
    found = []
    for x0, x1, top, bottom in boxes:
        inset = 0.15 * (x1 - x0)

        def inside(o: Mapping[str, Any], x0: float = x0, x1: float = x1, top: float = top, bottom: float = bottom) -> bool:
            return (
                _num(o, "x0") >= x0 - 0.5
                and _num(o, "x1") <= x1 + 0.5
                and _num(o, "top") >= top - 0.5
                and _num(o, "bottom") <= bottom + 0.5
            )

        def clear_of_edges(
            o: Mapping[str, Any], x0: float = x0, x1: float = x1, top: float = top, bottom: float = bottom, inset: float = inset
        ) -> bool:
            # Not the box's own border: some part of the mark is well inside.
            cx = (_num(o, "x0") + _num(o, "x1")) / 2
            cy = (_num(o, "top") + _num(o, "bottom")) / 2
            return x0 + inset < cx < x1 - inset and top + inset < cy < bottom - inset

        if any(inside(ch) for ch in chars):
            continue
        small = [
            r
            for r in rects
            if r.get("fill") and _num(r, "x1") - _num(r, "x0") < 0.85 * (x1 - x0)
        ]
        ticked = any(inside(m) and clear_of_edges(m) and not _outline(m, x1 - x0) for m in [*strokes, *small])
        found.append((x0, x1, top, bottom, ticked))
    return found


def _glyph_names() -> Mapping[str, str]:
    from pdfminer.glyphlist import glyphname2unicode

    return glyphname2unicode


def _truncated_name(name: str) -> str | None:
    """The character of a glyph name cut short ("sterlin" for "sterling", as ghostscript
    10.0 writes some names when it re-distils a PDF), when exactly one known name starts so."""
    names = _glyph_names()
    if name in names or len(name) < 4:
        return None
    found = {names[n] for n in names if n.startswith(name) and len(n) <= len(name) + 2}
    return found.pop() if len(found) == 1 else None


def repair_encodings(pdf: Any) -> None:
    """Mend the fonts of a pdfplumber ``PDF`` whose characters would read wrong: a simple
    font without a ToUnicode map whose ``/Differences`` name a glyph by a name cut short
    (pdfminer would fall back to the code's letter in the base encoding, so "£" read as
    "1" or "."). Each font is made once in pdfminer's font cache and its map corrected
    there, so every page that uses it reads the right character."""
    from pdfminer.pdftypes import PDFObjRef, resolve1
    from pdfminer.psparser import PSLiteral

    seen: set[int] = set()
    for page in pdf.pages:
        resources = resolve1(page.page_obj.resources) or {}
        fonts = resolve1(resources.get("Font")) or {}
        if not isinstance(fonts, dict):
            continue
        for ref in fonts.values():
            if not isinstance(ref, PDFObjRef) or ref.objid in seen:
                continue
            seen.add(ref.objid)
            spec = resolve1(ref)
            if not isinstance(spec, dict) or "ToUnicode" in spec:
                continue
            encoding = resolve1(spec.get("Encoding"))
            differences = resolve1(encoding.get("Differences")) if isinstance(encoding, dict) else None
            if not isinstance(differences, list):
                continue
            fixes: dict[int, str] = {}
            code = 0
            for item in differences:
                item = resolve1(item)
                if isinstance(item, int):
                    code = item
                    continue
                if isinstance(item, PSLiteral):
                    char = _truncated_name(str(item.name))
                    if char:
                        fixes[code] = char
                    code += 1
            if not fixes:
                continue
            try:
                font = pdf.rsrcmgr.get_font(ref.objid, spec)
            except Exception:  # noqa: BLE001 - a font pdfminer cannot make is left to it
                continue
            table = getattr(font, "cid2unicode", None)
            if isinstance(table, dict):
                table.update(fixes)
