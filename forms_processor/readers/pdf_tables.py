"""The page reader's row-group tables: a header row (Pupil reference | Year group | ...)
found on the page's lines, and the rows under it read into the group's numbered fields.

Each following line is a row, its words assigned to columns by the drawn cell they lie in
or else by their x position; the drawn rules (or, without them, the spacing of the lines)
say where a row ends and a wrapped cell's next line belongs to the row above.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from ..spec import RowGroup
from .labels import EXTRA_ROWS_READ, LabelIndex, is_placeholder
from .pdf_cells import smallest_cell
from .pdf_page import ALIGN, PAGE_NUMBER, PAGE_OFFSET, Cell, Chunk, Line, Word, join_wrapped, lowest


class PageTables(ABC):
    """A page's lines as the page reader walks them, and its row-group tables; the reader
    that extends it says where a table ends and keeps the values."""

    def __init__(self, lines: list[Line], idx: LabelIndex, cells: list[Cell]) -> None:
        self.lines = lines
        self.idx = idx
        self.cells = cells
        self.rows_ignored: dict[str, int] = {}
        self.rows_used: dict[str, int] = {}
        self.skip = [self._is_furniture(line) for line in lines]

    @abstractmethod
    def ends_table(self, k: int) -> bool:
        """True when line k is no row of a table (a label, a heading, another header row)."""

    @abstractmethod
    def put(self, key: str, value: str, conf: float = 100.0) -> None:
        """Keep a value read from the page."""

    def _is_furniture(self, line: Line) -> bool:
        text = line.text.strip()
        return bool(PAGE_NUMBER.match(text)) or self.idx.spec.identity_text.lower() in text.lower()

    def _aligned_chunk(self, j: int, x0: float) -> Chunk | None:
        if j >= len(self.lines):
            return None
        for chunk in self.lines[j].chunks:
            if abs(chunk.x0 - x0) <= ALIGN:
                return chunk
        return None

    def header_at(self, i: int) -> tuple[RowGroup, list[tuple[float, str]], int] | None:
        """(group, [(x0, column key)], last header line) if line i starts a header row."""
        line = self.lines[i]
        texts = [c.text for c in line.chunks]
        found = self.idx.header(texts)
        best = None
        if found is not None:
            best = (found[0], [(c.x0, k) for c, k in zip(line.chunks, found[1], strict=True) if k], i)
        # Header cells wrapped onto a second line.
        if i + 1 < len(self.lines):
            merged = []
            for c in line.chunks:
                below = self._aligned_chunk(i + 1, c.x0)
                merged.append(c.text + (" " + below.text if below is not None else ""))
            found2 = self.idx.header(merged)
            if found2 is not None and (best is None or len([k for k in found2[1] if k]) > len(best[1])):
                best = (found2[0], [(c.x0, k) for c, k in zip(line.chunks, found2[1], strict=True) if k], i + 1)
        return best

    def _band(self, line: Line) -> tuple[float, float] | None:
        """The top and bottom of the drawn table row the line lies in, or None (no rules)."""
        for word in line.words:
            cell = smallest_cell(self.cells, word)
            if cell is not None:
                return (round(cell.top), round(cell.bottom))
        return None

    def _column(self, word: Word, columns: list[tuple[float, str]], boxes: dict[int, str]) -> str | None:
        """The column a word of a table row belongs to: its drawn box's (a value that runs
        past its cell is still one value), else the drawn cell it lies in, else the last
        column whose header starts left of it."""
        if word.box is not None and word.box in boxes:
            return boxes[word.box]
        cell = smallest_cell(self.cells, word)
        if cell is not None:
            inside = [col for x0, col in columns if cell.x0 - ALIGN <= x0 < cell.x1 - ALIGN]
            if len(inside) == 1:
                return inside[0]
        key = None
        for x0, col in columns:
            if word.x0 >= x0 - ALIGN:
                key = col
        return key

    def _row_spacing(self, start: int, pitch: float) -> bool:
        """True when the table's rows are spaced wider than the lines of a wrapped cell."""
        tops = [ln.top for ln in self.lines[start : start + 40]]
        return any(pitch + 1.5 < b - a < PAGE_OFFSET / 2 for a, b in zip(tops, tops[1:], strict=False))

    def _line_cells(self, line: Line, columns: list[tuple[float, str]], boxes: dict[int, str]) -> dict[str, list[Word]]:
        """A table line's words by column (a drawn box's column, once its first word has
        found it, holds the box's other words)."""
        cells: dict[str, list[Word]] = {}
        for word in line.words:
            key = self._column(word, columns, boxes)
            if key is None:
                continue
            if word.box is not None:
                boxes.setdefault(word.box, key)
            cells.setdefault(key, []).append(word)
        return cells

    def table(self, group: RowGroup, columns: list[tuple[float, str]], start: int) -> int:
        """Read rows from line ``start``; returns the first line after the table."""
        columns = sorted(columns)
        first_key = columns[0][1]
        rows: list[dict[str, list[Word]]] = []
        # Lines of one wrapped cell are closer together than the rows of the table.
        tops = [ln.top for ln in self.lines[start : start + 40]]
        steps = [b - a for a, b in zip(tops, tops[1:], strict=False) if 0 < b - a < PAGE_OFFSET / 2]
        pitch = min(steps) if steps else 0.0
        last_top: float | None = None
        row_band: tuple[float, float] | None = None
        row_first: set[str] = set()  # the columns the current row's first line filled
        # A drawn box's column, once its first word has found it (box ids are page-wide).
        boxes: dict[int, str] = {}
        k = start
        while k < len(self.lines):
            if self.skip[k]:
                k += 1
                continue
            line = self.lines[k]
            if self.ends_table(k):
                break
            cells = self._line_cells(line, columns, boxes)
            band = self._band(line)
            if not cells:
                break
            if band is not None and row_band is not None:
                # Drawn rules say where a row ends: a cell's wrapped lines stay in it, and
                # rows set close together stay apart.
                same_row = bool(rows) and band == row_band
            else:
                close = last_top is not None and pitch > 0 and line.top - last_top <= pitch + 1.5
                # A line filling (nearly) every column the row's first line filled is a row of
                # its own, however close: a wrapped cell's next line fills only some of them.
                full = len(cells) >= 2 and len(cells) >= len(row_first) - 1
                same_row = bool(rows) and (
                    first_key not in cells or (close and not full and self._row_spacing(start, pitch))
                )
            if same_row:
                for key, words in cells.items():
                    rows[-1].setdefault(key, []).extend(words)
            else:
                rows.append(cells)
                row_first = set(cells)
            row_band = band
            last_top = line.top
            k += 1
        self._store_rows(group, rows)
        return k

    def _store_rows(self, group: RowGroup, rows: list[dict[str, list[Word]]]) -> None:
        """Keep a table's rows as the group's numbered fields (blank and placeholder rows
        skipped; rows beyond the form's own counted as ignored)."""
        for row in rows:
            cells = {key: words for key, words in row.items() if not is_placeholder(" ".join(w.text for w in words))}
            if not cells:
                continue
            n = self.rows_used.get(group.name, 0) + 1
            self.rows_used[group.name] = n
            if n > group.max_rows + EXTRA_ROWS_READ:
                self.rows_ignored[group.name] = self.rows_ignored.get(group.name, 0) + 1
                continue
            for key, words in cells.items():
                self.put(group.flat_key(n, key), join_wrapped(w.text for w in words), lowest(words))

    def notes(self) -> list[str]:
        out = []
        for name, n in self.rows_ignored.items():
            group = self.idx.spec.group(name)
            out.append(
                f"{n} {'row' if n == 1 else 'rows'} of the {name} table {'was' if n == 1 else 'were'} ignored: "
                f"the table has room for {group.max_rows}"
            )
        return out

