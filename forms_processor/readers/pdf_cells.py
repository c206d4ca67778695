"""Label | value rows read by the cells the page's rules draw.

A printed form's label | value table (or label | value | label | value): a cell whose
whole text is one of the form's labels takes as its value exactly the text of the cell
to its right in the same row, all its lines joined as wrapped lines are, however they
fall beside the label's lines (a value of three lines beside a label of one, a label
centred in its cell); an empty cell to its right is an empty field, never the next
row's text. A row that breaks over a page goes on in the first row of the next page's
table, its cells under the row's (its first cell empty, or the end of the label).

A checkbox's tick may sit in the cell to the left of its label instead (☒ | label | ☐ |
label). Rows of a row group's table (a header row and the rows below it) are left to the
table reader. Where the page has no cells, nothing is read here: the page reader reads
by word positions.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .labels import TICKED, UNTICKED, LabelIndex
from .pdf_page import ALIGN, PAGE_OFFSET, Cell, Line, Word, group_lines, join_wrapped, lowest

# How far (points) the rules of one row's cells may be apart and still be one row.
ROW_SLACK = 2.0


@dataclass(frozen=True)
class CellField:
    """A field read from its row's cells: the key, the value's text and its lowest confidence."""

    key: str
    value: str
    conf: float


@dataclass
class CellRead:
    fields: list[CellField] = field(default_factory=list)
    # ids of the words of the cells read (labels and values): the page reader leaves them alone.
    words: set[int] = field(default_factory=set)


def smallest_cell(cells: list[Cell], word: Word) -> Cell | None:
    """The smallest drawn cell holding the word's centre."""
    held = [c for c in cells if c.holds(word)]
    return min(held, key=lambda c: (c.x1 - c.x0) * (c.bottom - c.top)) if held else None


def _words_in(cells: list[Cell], words: list[Word]) -> dict[Cell, list[Word]]:
    """Each cell's words (a word is in every cell that holds its centre: a checkbox drawn as a
    small box of its own is still in the table cell around it)."""
    ordered = sorted(words, key=lambda w: (w.top + w.bottom) / 2)
    middles = [(w.top + w.bottom) / 2 for w in ordered]
    out: dict[Cell, list[Word]] = {}
    for cell in cells:
        start = bisect.bisect_left(middles, cell.top - 1)
        end = bisect.bisect_right(middles, cell.bottom + 1)
        out[cell] = [w for w in ordered[start:end] if cell.holds(w)]
    return out


def _text(words: list[Word]) -> str:
    """A cell's text: its lines in order, joined as the lines of a wrapped value."""
    return join_wrapped(line.text for line in group_lines(list(words)))


def _same_band(a: Cell, b: Cell) -> bool:
    return abs(a.top - b.top) <= ROW_SLACK and abs(a.bottom - b.bottom) <= ROW_SLACK


def _rows(cells: list[Cell]) -> list[list[Cell]]:
    """The cells in rows (the same top and bottom rules), each row left to right, top row first."""
    rows: list[list[Cell]] = []
    near: list[list[Cell]] = []  # the rows whose top is close to the current cell's
    for cell in sorted(cells, key=lambda c: (c.top, c.x0)):
        near = [r for r in near if cell.top - r[0].top <= ROW_SLACK]
        row = next((r for r in near if _same_band(r[0], cell)), None)
        if row is None:
            row = [cell]
            rows.append(row)
            near.append(row)
        else:
            row.append(cell)
    for row in rows:
        row.sort(key=lambda c: c.x0)
    return sorted(rows, key=lambda r: r[0].top)


def _aligned(a: Cell, b: Cell) -> bool:
    return abs(a.x0 - b.x0) <= ALIGN and abs(a.x1 - b.x1) <= ALIGN


# A cell as the reader takes it: one drawn cell, or its two parts when its row breaks over a page.
Slot = tuple[Cell, ...]


class _CellReader:
    def __init__(self, words: list[Word], cells: list[Cell], idx: LabelIndex) -> None:
        self.idx = idx
        cells = list(dict.fromkeys(cells))  # a cell found twice is one cell
        self.held = _words_in(cells, words)
        self.rows = _rows(cells)
        self.tops = [r[0].top for r in self.rows]
        self.texts = {cell: _text(ws) for cell, ws in self.held.items()}
        self.result = CellRead()

    def _below(self, row: list[Cell]) -> list[Cell] | None:
        """The row of the same table drawn directly under this one, if any."""
        bottom, x0, x1 = row[0].bottom, row[0].x0, row[-1].x1
        start = bisect.bisect_left(self.tops, bottom - ROW_SLACK)
        end = bisect.bisect_right(self.tops, bottom + ROW_SLACK)
        return next((r for r in self.rows[start:end] if min(x1, r[-1].x1) - max(x0, r[0].x0) > ALIGN), None)

    def _words(self, slot: Slot) -> list[Word]:
        return [w for cell in slot for w in self.held[cell]]

    def _text(self, slot: Slot) -> str:
        return join_wrapped(t for cell in slot if (t := self.texts[cell]))

    def _table_rows(self) -> set[int]:
        """Indexes of the rows that are a row group's header row or lie below one in its table."""
        out: set[int] = set()
        index = {id(r): n for n, r in enumerate(self.rows)}
        for n, row in enumerate(self.rows):
            if n in out or self.idx.header([self.texts[c] for c in row]) is None:
                continue
            current: list[Cell] | None = row
            while current is not None and index[id(current)] not in out:
                out.add(index[id(current)])
                current = self._below(current)
        return out

    def _continuation(self, n: int) -> int | None:
        """The index of row n's part on the next page, when the row breaks over a page: row n the
        last row of its page in its columns, the first row of the next page there, its cells
        under row n's."""
        row = self.rows[n]
        page = int(row[0].top // PAGE_OFFSET)
        for m in range(n + 1, len(self.rows)):
            nxt = self.rows[m]
            if min(row[-1].x1, nxt[-1].x1) <= max(row[0].x0, nxt[0].x0):
                continue
            if int(nxt[0].top // PAGE_OFFSET) == page:
                return None  # a row below it on its page: the row does not break over the page
            if int(nxt[0].top // PAGE_OFFSET) != page + 1:
                return None
            aligned = len(nxt) == len(row) and all(_aligned(a, b) for a, b in zip(row, nxt, strict=True))
            return m if aligned and self._goes_on(row, nxt) else None
        return None

    def _goes_on(self, row: list[Cell], nxt: list[Cell]) -> bool:
        """True when ``nxt`` is the rest of ``row`` (not a new table's first row): none of its cells
        a label of its own, and its first cell empty or the end of a label begun in the row's."""
        if any(self.idx.single(self.texts[c]) for c in nxt):
            return False
        first, rest = self.texts[row[0]], self.texts[nxt[0]]
        return not rest or (not self.idx.single(first) and bool(self.idx.single(join_wrapped([first, rest]))))

    def read(self) -> CellRead:
        done = self._table_rows()
        for n, row in enumerate(self.rows):
            if n in done:
                continue
            slots: list[Slot] = [(cell,) for cell in row]
            m = self._continuation(n)
            if m is not None and m not in done:
                slots = [(a, b) for a, b in zip(row, self.rows[m], strict=True)]
                done.add(m)
            self._read_row(slots)
        return self.result

    def _read_row(self, row: list[Slot]) -> None:
        used: set[int] = set()  # the row's cells read already, as a label or a value
        for i, label in enumerate(row):
            text = self._text(label)
            key = self.idx.single(text) if text and i not in used else None
            if key is None:
                continue
            if self._tick_on_left(key, row, i, used):
                value = i - 1  # ☒ | label | ☐ | label: each box is the label's to its right
            elif i + 1 < len(row) and abs(row[i + 1][0].x0 - label[0].x1) <= ALIGN:
                value = i + 1
            else:
                continue
            if self.idx.single(self._text(row[value])):
                continue  # a label beside a label: no value cell drawn for this one
            words = self._words(row[value])
            self.result.fields.append(CellField(key, self._text(row[value]), lowest(words)))
            self.result.words.update(id(w) for w in (*self._words(label), *words))
            used.update((i, value))

    def _tick_on_left(self, key: str, row: list[Slot], i: int, used: set[int]) -> bool:
        """A checkbox whose tick is in a cell of its own to the left of its label, not the value
        of the label before it (label | ☒ | label | ☐)."""
        if i == 0 or i - 1 in used or not self.idx.is_checkbox(key):
            return False
        left = self._text(row[i - 1])
        return len(left) == 1 and left in TICKED + UNTICKED


def read_cells(lines: list[Line], cells: list[Cell], idx: LabelIndex) -> CellRead:
    """The label | value rows of the page read by their drawn cells, and the words they took."""
    if not cells:
        return CellRead()
    words = [w for line in lines for w in line.words]
    return _CellReader(words, cells, idx).read()
