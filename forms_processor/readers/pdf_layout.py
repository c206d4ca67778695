"""Read a PDF form that has no fields (a Word form printed or saved as PDF).

pdfplumber gives the words with their positions. Words are grouped into lines
(by vertical position) and lines into chunks (runs of words with small gaps).
Where the page's rules draw cells, a label | value row is read by its cells
(``pdf_cells``). Elsewhere a chunk that is a label (possibly wrapped over two or
three lines) takes as its value the text to its right, in its band of the page,
or else the lines below it, until the next label, heading, table or row read by
its cells. A line that is a row group's header row (Pupil reference | Year group
| ...) starts a table (``pdf_tables``).

pdfminer has no resource limits: run this in a ``ReaderPool`` worker.
"""

from __future__ import annotations

from ..errors import UnreadableDocument
from ..spec import FORMS, normalise_label
from .base import ExtractedForm
from .labels import (
    TICKED,
    UNTICKED,
    LabelIndex,
    choose_by_labels,
    find_identity,
    index_for,
    is_placeholder,
    to_checkbox,
)
from .pdf_cells import read_cells
from .pdf_fields import damaged_pdf
from .pdf_page import (
    ALIGN,
    MAX_LABEL_LINES,
    NUMBERED,
    Cell,
    Chunk,
    Label,
    Line,
    Word,
    group_lines,
    join_wrapped,
    lines_close,
    lowest,
    read_words,
)
from .pdf_tables import PageTables


def _without(line: Line, taken: set[int]) -> Line:
    """The line with the words read by their cells left out of its chunks (kept in its words,
    which say where the line lies)."""
    chunks = [Chunk(kept) for c in line.chunks if (kept := [w for w in c.words if id(w) not in taken])]
    return Line(line.words, chunks)


class _Layout(PageTables):
    def __init__(self, lines: list[Line], idx: LabelIndex, cells: list[Cell] | None = None) -> None:
        cells = cells or []
        by_cells = read_cells(lines, cells, idx)
        # Lines holding words of rows read by their cells: a value read by position stops there.
        self.cell_lines = {n for n, ln in enumerate(lines) if any(id(w) in by_cells.words for w in ln.words)}
        super().__init__(
            [_without(ln, by_cells.words) if n in self.cell_lines else ln for n, ln in enumerate(lines)], idx, cells
        )
        self.by_cells = by_cells.fields
        self.fields: dict[str, str | bool] = {}
        # key -> the lowest confidence of the words its value was read from.
        self.confidence: dict[str, float] = {}
        self.seen: set[str] = set()
        self._labels: dict[int, list[Label]] = {}
        # (line, x0) of chunks that continue a label wrapped from a line above: never labels themselves.
        self._label_parts: set[tuple[int, float]] = set()
        # (line, x0) of label-like chunks read as part of a value above them ("School" in "Oakfield Primary School").
        self._value_parts: set[tuple[int, float]] = set()
        # x positions where labels start on this page (filled by read()).
        self._label_columns: list[float] = []
        # (line, x0) of a label -> the x position of its value.
        self._value_xs: dict[tuple[int, float], float] = {}

    # -- labels ------------------------------------------------------------------
    def _chunk_label(self, chunk_text: str) -> tuple[str, str] | None:
        idx = self.idx
        key = idx.single(chunk_text)
        if key:
            return key, ""
        if ":" in chunk_text:
            pos = chunk_text.find(":")
            while pos > 0:
                key = idx.single(chunk_text[:pos])
                if key:
                    return key, chunk_text[pos + 1 :].strip()
                pos = chunk_text.find(":", pos + 1)
        glyphs = TICKED + UNTICKED
        if chunk_text[:1] in glyphs:
            key = idx.single(chunk_text[1:])
            if key:
                return key, chunk_text[0]
        return None

    def labels_on(self, i: int) -> list[Label]:
        """Labels starting on line i, with wrapped continuations joined."""
        cached = self._labels.get(i)
        if cached is None:
            cached = self._labels[i] = self._find_labels(i)
        return cached

    def _find_labels(self, i: int) -> list[Label]:
        found: list[Label] = []
        line = self.lines[i]
        for chunk in line.chunks:
            if (i, chunk.x0) in self._label_parts:
                continue
            hit = None
            hit_parts: list[tuple[int, float]] = []
            # A label wrapped over the next lines (a narrow column), aligned on its left edge;
            # a page footer between its lines (a table row split over two pages) is passed over.
            parts = [chunk]
            where: list[tuple[int, float]] = []
            j = i
            for _ in range(MAX_LABEL_LINES - 1):
                j = self._next_content_line(j)
                nxt = self._aligned_chunk(j, chunk.x0)
                if nxt is None and self._beside(j, chunk.x1):
                    # A value box centred between the label's lines sits on a line of its own.
                    j = self._next_content_line(j)
                    nxt = self._aligned_chunk(j, chunk.x0)
                if nxt is None:
                    break
                parts.append(nxt)
                where.append((j, nxt.x0))
                m = self.idx.single(" ".join(p.text for p in parts))
                if m:
                    hit = Label(m, i, j, chunk.x0, max(p.x1 for p in parts))
                    hit_parts = list(where)
            if hit is None:
                m2 = self._chunk_label(chunk.text)
                if m2:
                    hit = Label(m2[0], i, i, chunk.x0, chunk.x1, m2[1], lowest(chunk.words))
            if hit is None and len(chunk.words) > 2:
                # "Intervention title  Reading Recovery" set close together.
                for n in range(len(chunk.words) - 1, 1, -1):
                    prefix = " ".join(w.text for w in chunk.words[:n])
                    key = self.idx.single(prefix)
                    if key and len(prefix.split()) >= 2:
                        rest = " ".join(w.text for w in chunk.words[n:])
                        hit = Label(key, i, i, chunk.x0, chunk.words[n - 1].x1, rest, lowest(chunk.words[n:]))
                        break
            if hit:
                found.append(hit)
                self._label_parts.update(hit_parts)
        return found

    def _beside(self, j: int, x1: float) -> bool:
        """Line j holds only text to the right of x1 (a value beside a wrapped label)."""
        return j < len(self.lines) and j not in self.cell_lines and all(c.x0 > x1 + 1 for c in self.lines[j].chunks)

    def _next_content_line(self, j: int) -> int:
        """The index of the next line after j that is not page furniture (footer, page number)."""
        j += 1
        while j < len(self.lines) and self.skip[j]:
            j += 1
        return j

    def is_stop(self, i: int) -> bool:
        line = self.lines[i]
        return (
            i in self.cell_lines
            or bool(self.labels_on(i))
            or self.is_heading(line)
            or self.idx.header([c.text for c in line.chunks]) is not None
        )

    def is_heading(self, line: Line) -> bool:
        """A section title, or the first line of one wrapped onto two lines ("3. Outcomes (up to 3 rows, ...")."""
        if self.idx.is_heading(line.text):
            return True
        text = normalise_label(line.text)
        return bool(NUMBERED.match(text)) and any(
            t.startswith(text) and len(text) >= 12 for t in self.idx.section_titles
        )

    def _in_label_column(self, x0: float) -> bool:
        return any(abs(x0 - x) <= ALIGN for x in self._label_columns)

    def _continues_value(self, k: int, value_x: float) -> bool:
        """Line k's only labels are words in the value's column, where no label ever starts: value text."""
        labels = self.labels_on(k)
        if not labels or not self._label_columns:
            return False
        return all(
            abs(lb.x0 - value_x) <= ALIGN and lb.line == lb.last_line and not self._in_label_column(lb.x0)
            for lb in labels
        )

    # -- values ------------------------------------------------------------------
    def put(self, key: str, value: str, conf: float = 100.0) -> None:
        self.seen.add(key)
        text = "" if is_placeholder(value) else value.strip()
        result: str | bool | None
        result = to_checkbox(text) if self.idx.is_checkbox(key) else (text or None)
        if result is not None and key not in self.fields:
            self.fields[key] = result
            self.confidence[key] = conf

    def _right_of(self, line: Line, x_from: float, x_to: float) -> list[Chunk]:
        return [c for c in line.chunks if c.x0 >= x_from - 1 and c.x0 < x_to - 1]

    def value_of(self, label: Label, labels_by_line: dict[int, list[Label]]) -> tuple[str, float]:
        """The label's value, and the lowest confidence of the words it was read from."""
        same_line = labels_by_line.get(label.line, [])
        limit = min((lb.x0 for lb in same_line if lb.x0 > label.x0), default=float("inf"))
        texts: list[str] = [label.value] if label.value else []
        conf = label.value_conf if label.value else 100.0
        value_x: float | None = None
        for k in range(label.line, label.last_line + 1):
            if self.skip[k]:
                continue
            for c in self._right_of(self.lines[k], label.x1 + 1, limit):
                if any(abs(c.x0 - lb.x0) < 1 for lb in labels_by_line.get(k, [])):
                    continue
                value_x = c.x0 if value_x is None else min(value_x, c.x0)
                texts.append(c.text)
                conf = min(conf, lowest(c.words))
        below_x = value_x if value_x is not None else label.x0
        if value_x is None and label.value:
            below_x = label.x0
        if value_x is not None:
            self._value_xs[(label.line, label.x0)] = value_x
        # The columns of the cells to the left on the same row (label | value | label | value):
        # their wrapped lines may sit beside this value's own.
        siblings = [lb.x0 for lb in same_line if lb.x0 < label.x0]
        siblings += [x for lb in same_line if lb.x0 < label.x0 and (x := self._value_xs.get((lb.line, lb.x0)))]
        # Continuation lines below, in the value's column, until the next label.
        k = label.last_line + 1
        previous = self.lines[label.last_line]
        while k < len(self.lines):
            if self.skip[k]:
                k += 1
                continue
            if self.is_stop(k):
                if k in self.cell_lines or value_x is None or not self._continues_value(k, value_x):
                    break
                self._value_parts.update((k, lb.x0) for lb in self.labels_on(k))
            line = self.lines[k]
            left = [c for c in line.chunks if c.x0 < below_x - ALIGN]
            if left and not (
                all(any(abs(c.x0 - x) <= ALIGN for x in siblings) for c in left) and lines_close(previous, line)
            ):
                break
            below = [c for c in line.chunks if below_x - ALIGN <= c.x0 < limit - 1]
            if not below:
                break
            texts.extend(c.text for c in below)
            conf = min([conf, *(lowest(c.words) for c in below)])
            previous = line
            k += 1
        # Wrapped lines are joined with a space: a PDF can't tell wrapping from a typed newline.
        value = join_wrapped(t for t in texts if t)
        if not value and self.idx.is_checkbox(label.key):
            # A tick drawn to the left of the label.
            left = [c for c in self.lines[label.line].chunks if c.x1 <= label.x0]
            if left:
                value, conf = left[-1].text, lowest(left[-1].words)
        return value, conf

    # -- the page ------------------------------------------------------------------
    def ends_table(self, k: int) -> bool:
        return (
            k in self.cell_lines
            or bool(self.labels_on(k))
            or self.is_heading(self.lines[k])
            or self.header_at(k) is not None
        )

    def read(self) -> None:
        for found in self.by_cells:
            self.put(found.key, found.value, found.conf)
        labels_by_line: dict[int, list[Label]] = {}
        # Where labels start: a column of the form's labels holds at least two of them.
        starts = [lb.x0 for n in range(len(self.lines)) if not self.skip[n] for lb in self.labels_on(n)]
        self._label_columns = [x for x in starts if sum(abs(x - y) <= ALIGN for y in starts) >= 2]
        i = 0
        consumed: set[int] = set()
        while i < len(self.lines):
            if self.skip[i] or i in consumed:
                i += 1
                continue
            header = self.header_at(i)
            if header is not None:
                group, columns, last = header
                i = self.table(group, columns, last + 1)
                continue
            labels = [lb for lb in self.labels_on(i) if (i, lb.x0) not in self._value_parts]
            if labels:
                labels_by_line[i] = labels
                for label in labels:
                    self.put(label.key, *self.value_of(label, labels_by_line))
                    consumed.update(range(label.line + 1, label.last_line + 1))
            i += 1



def read_layout(data: bytes) -> ExtractedForm:
    """Read a PDF without form fields by the position of its labels and values."""
    try:
        words, cells = read_words(data)
    except (UnreadableDocument, MemoryError):
        raise
    except Exception as exc:  # pdfminer fails in many ways on damaged files
        raise damaged_pdf() from exc
    if not words:
        raise UnreadableDocument(
            "This PDF has no text or form fields: it looks like a scan or a picture of the form.",
            "Please send the Word or PDF form itself, filled in on a computer.",
            "scan",
        )
    form, _ = read_page_words(words, cells, "pdf-layout")
    return form


def read_page_words(
    words: list[Word], cells: list[Cell], reader: str, kind: str = "PDF"
) -> tuple[ExtractedForm, dict[str, float]]:
    """The form on pages of positioned words (in points, each page ``PAGE_OFFSET`` below the
    last) and drawn cells, and the lowest confidence of each field's words."""
    lines = group_lines(words)
    spec = find_identity(line.text for line in lines)
    notes: list[str] = []
    if spec is None:
        layouts = {}
        for form in FORMS.values():
            layout = _Layout(lines, index_for(form), cells)
            layout.read()
            layouts[form.form_id] = layout
        spec = choose_by_labels({k: len(v.seen) for k, v in layouts.items()}, kind)
        chosen = layouts[spec.form_id]
        notes.append(f"The {kind} has no identity mark; the form was recognised by its labels")
    else:
        chosen = _Layout(lines, index_for(spec), cells)
        chosen.read()
    notes.extend(chosen.notes())
    return ExtractedForm(spec.form_id, chosen.fields, reader, notes), chosen.confidence
