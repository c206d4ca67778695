"""A PDF page as the page reader sees it: its words with their positions (the printed
text, and the values of flattened or still-live fields), the cells of its drawn tables,
and the words grouped into lines and chunks.

pdfminer has no resource limits: run this in a ``ReaderPool`` worker.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .glyphs import as_tick, drawn_ticks, repair_encodings
from .labels import (
    TICKED,
    UNTICKED,
)
from .pdf_fields import PUSHBUTTON_FLAG, RADIO_FLAG

# Words whose tops differ by less than this are on one line (points).
LINE_TOLERANCE = 3.0
# A horizontal gap wider than this separates two chunks (label | value, cells).
CHUNK_GAP = 7.0
# How far (points) x positions may differ and still count as aligned.
ALIGN = 4.0
# A label may wrap onto at most this many lines (a narrow column of a four-column table).
MAX_LABEL_LINES = 6
PAGE_OFFSET = 10_000.0
PAGE_NUMBER = re.compile(r"^(page\s*)?\d+(\s*(of|/)\s*\d+)?$", re.IGNORECASE)
NUMBERED = re.compile(r"^\d+\.\s")
# A line ending in one of these continues on the next without a space ("high-" "level", "a/" "b").
_JOINERS = ("-", "/")


def join_wrapped(parts: Iterable[str]) -> str:
    """Lines of one wrapped value joined: with a space, except after a word broken at a hyphen or slash,
    or inside an email address broken after a dot ("jo@school." "example.org")."""
    out = ""
    for part in parts:
        if not out:
            out = part
            continue
        last = out.rsplit(" ", 1)[-1]
        glued = (last.endswith(_JOINERS) and len(last) > 1 and last[-2].isalnum()) or (
            "@" in last and last.endswith(".") and part[:1].isalnum()
        )
        out = out + part if glued else f"{out} {part}"
    return out


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    # The drawn box (a flattened field's appearance) the word was drawn in, if any: all the
    # words of one box are one value, even when a long one runs past its cell's rule.
    box: int | None = None
    # How sure the reader is of the word (0-100): OCR's confidence for a scan; a PDF's text is sure.
    conf: float = 100.0


def lowest(words: Iterable[Word]) -> float:
    """The lowest confidence of these words (100 when there are none)."""
    return min((w.conf for w in words), default=100.0)


@dataclass(frozen=True)
class Cell:
    """A table cell as the page's rules draw it (page offset added to top and bottom)."""

    x0: float
    x1: float
    top: float
    bottom: float

    def holds(self, word: Word) -> bool:
        cx, cy = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
        return self.x0 - 1 <= cx <= self.x1 + 1 and self.top - 1 <= cy <= self.bottom + 1


@dataclass
class Chunk:
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1


@dataclass
class Line:
    words: list[Word]
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Label:
    key: str
    line: int  # first line
    last_line: int  # last line (a wrapped label)
    x0: float
    x1: float
    value: str = ""  # a value on the label's own chunk ("Label: value")
    value_conf: float = 100.0  # the lowest confidence of the words of that value


def lines_close(above: Line, below: Line) -> bool:
    """True when ``below`` is the next line of the same wrapped text block as ``above`` (or on the next page)."""
    if int(above.top // PAGE_OFFSET) != int(below.top // PAGE_OFFSET):
        return True
    height = max(w.bottom - w.top for w in above.words)
    return below.top - above.top <= 1.8 * height


def group_lines(words: list[Word]) -> list[Line]:
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines and abs(word.top - lines[-1].words[0].top) <= LINE_TOLERANCE:
            lines[-1].words.append(word)
        else:
            lines.append(Line([word]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
        chunks: list[Chunk] = []
        for word in line.words:
            if chunks and word.x0 - chunks[-1].x1 <= CHUNK_GAP:
                chunks[-1].words.append(word)
            else:
                chunks.append(Chunk([word]))
        line.chunks = chunks
    return lines


def _boxes_of_chars(page: Any) -> dict[int, int]:
    """For each character of the page (by ``id`` of pdfplumber's char dict), the small drawn
    box (a form XObject: a flattened field's appearance) it was drawn in.

    pdfplumber lists a page's characters in the order of pdfminer's layout tree, so the
    tree is walked in the same order. A box as large as a good part of the page (a page
    drawn as one XObject by a print driver) is no field's box and is not counted.
    """
    from pdfminer.layout import LTChar, LTContainer, LTFigure

    limit = 0.25 * float(page.width) * float(page.height)
    order: list[int | None] = []
    counter = [0]

    def walk(objs: Iterable[Any], box: int | None) -> None:
        for obj in objs:
            if isinstance(obj, LTFigure):
                small = obj.width * obj.height < limit
                counter[0] += 1
                walk(obj, counter[0] if small else box)
            elif isinstance(obj, LTContainer):
                walk(obj, box)
            elif isinstance(obj, LTChar):
                order.append(box)

    walk(page.layout, None)
    chars = page.chars
    if len(chars) != len(order):  # not the order expected: no boxes rather than wrong ones
        return {}
    return {id(ch): b for ch, b in zip(chars, order, strict=True) if b is not None}


def _page_words(page: Any, boxes: dict[int, int]) -> list[dict[str, Any]]:
    """The page's words; the characters of each drawn box made into words on their own, so a
    value that runs under the next cell's (a flattened field drawn without wrapping) is not
    interleaved with it letter by letter."""
    from pdfplumber.utils import extract_words

    groups: dict[int | None, list[dict[str, Any]]] = {}
    for ch in page.chars:
        groups.setdefault(boxes.get(id(ch)), []).append(ch)
    out = []
    for box, chars in groups.items():
        for w in extract_words(chars, keep_blank_chars=False, use_text_flow=False, extra_attrs=["fontname"]):
            w["box"] = box
            out.append(w)
    return out


def _cells(page: Any, offset: float) -> list[Cell]:
    """The table cells drawn on the page with rules (lines or rectangles)."""
    cells = []
    try:
        tables = page.find_tables()
    except Exception:  # noqa: BLE001 - a page whose rules pdfplumber cannot take has no cells
        return []
    for table in tables:
        for bbox in table.cells:
            if bbox is None:
                continue
            x0, top, x1, bottom = (float(v) for v in bbox)
            if x1 - x0 > 2 and bottom - top > 2:
                cells.append(Cell(x0, x1, top + offset, bottom + offset))
    return cells


def read_words(data: bytes) -> tuple[list[Word], list[Cell]]:
    import pdfplumber

    words: list[Word] = []
    cells: list[Cell] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        repair_encodings(pdf)
        for n, page in enumerate(pdf.pages):
            offset = n * PAGE_OFFSET
            boxes = _boxes_of_chars(page)
            cells.extend(_cells(page, offset))
            for w in _page_words(page, boxes):
                text = as_tick(str(w["text"]).strip(), str(w.get("fontname", "")))
                if text:
                    words.append(
                        Word(
                            text,
                            float(w["x0"]),
                            float(w["x1"]),
                            float(w["top"]) + offset,
                            float(w["bottom"]) + offset,
                            w.get("box"),
                        )
                    )
            fields = _field_words(page.annots, offset)
            # A checkbox drawn as a box (a flattened one): ☒ in its place when a mark is drawn in it, else ☐;
            # not where a form field is (its value is read from the field).
            for x0, x1, top, bottom, ticked in drawn_ticks(page.rects, [*page.lines, *page.curves], page.chars):
                box = Word(TICKED[0] if ticked else UNTICKED[0], x0, x1, top + offset, bottom + offset)
                if not any(_overlap(box, f) for f in fields):
                    words.append(box)
            words.extend(fields)
    return words, cells


def _overlap(a: Word, b: Word) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.top < b.bottom and b.top < a.bottom


# A field's value is placed where a printed value would be: the text size of a form's values.
_VALUE_SIZE = 9.0


def _pdf_text(value: object) -> str:
    from pdfminer.psparser import PSLiteral
    from pdfminer.utils import decode_text

    if isinstance(value, bytes):
        return decode_text(value)
    if isinstance(value, PSLiteral):
        return str(value.name)
    return "" if value is None else str(value)


def _field_words(annots: list[dict[str, Any]], offset: float) -> list[Word]:
    """The values of form fields whose names are not the spec's keys (an older form, "Text1"),
    as words at the fields' places, so the labels printed beside them find them.

    A ticked checkbox becomes ☒ and an unticked one ☐; a radio button its option's name.
    """
    from pdfminer.pdftypes import resolve1

    out: list[Word] = []
    for annot in annots:
        data = annot.get("data") or {}
        if _pdf_text(data.get("Subtype")) != "Widget":
            continue
        parent = resolve1(data.get("Parent")) or {}
        kind = _pdf_text(data.get("FT") or parent.get("FT"))
        if kind == "Btn":
            state = _pdf_text(data.get("AS") or data.get("V") or parent.get("V"))
            try:
                flags = int(resolve1(data.get("Ff") or parent.get("Ff")) or 0)
            except (TypeError, ValueError):
                flags = 0
            if flags & PUSHBUTTON_FLAG:
                continue
            if flags & RADIO_FLAG:  # only the chosen one, by its option's name
                if not state or state == "Off":
                    continue
                text = state.replace("_", " ")
            else:
                text = UNTICKED[0] if not state or state == "Off" else TICKED[0]
        else:
            text = " ".join(_pdf_text(resolve1(data.get("V") if "V" in data else parent.get("V"))).split())
        if not text:
            continue
        try:
            x0, x1, top, bottom = (float(annot[k]) for k in ("x0", "x1", "top", "bottom"))
        except (KeyError, TypeError, ValueError):
            continue
        height = bottom - top
        # In a one-line box the text is centred; in a taller box it starts at the top.
        y = top + (height - _VALUE_SIZE) / 2 if height <= 2.5 * _VALUE_SIZE else top + 2
        start = x0 + 2
        end = min(x1 - 2, start + 0.5 * _VALUE_SIZE * len(text))
        out.append(Word(text, start, max(start + 1, end), y + offset, y + _VALUE_SIZE + offset))
    return out


