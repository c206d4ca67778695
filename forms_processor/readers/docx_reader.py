"""Read a filled Word form (.docx) from its XML.

python-docx drops content controls, tracked insertions, cells wrapped in
content controls and nested tables, and repeats merged cells (tech-notes.md),
so the document XML is read directly with a hardened lxml parser.

What is recognised:

- label | value table rows, two or four columns, and "Label: value" in one
  cell or one paragraph; a label alone on a line takes the lines below it;
- header-row tables of the row groups (pupils, outcomes, costs): each filled
  row becomes ``pupil_1_ref`` ... numbered from 1 in order, blank rows skipped;
- content controls (text, checkbox, dropdown, date; wrapping runs, cells or
  rows); one tagged with a spec key (``w:tag`` or ``w:alias``) is trusted
  directly; placeholder text of an empty control counts as empty;
- legacy form fields (text, checkbox, dropdown) and typed ticks for checkboxes;
- tracked changes: insertions kept, deletions dropped.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

from lxml import etree

from ..spec import FORMS, FormSpec, RowGroup
from .base import ExtractedForm
from .docx_text import (
    SDT,
    TBL,
    VAL,
    GridCell,
    P,
    body_blocks,
    checkbox_state,
    element_text,
    grid_cells,
    grid_int,
    paragraph_text,
    sdt_is_placeholder,
    sdt_properties,
    sdt_text,
    table_rows,
    w_tag,
)
from .labels import (
    CHECKED_GLYPH,
    EXTRA_ROWS_READ,
    TICKED,
    UNCHECKED_GLYPH,
    UNTICKED,
    LabelIndex,
    choose_by_labels,
    find_identity,
    index_for,
    is_placeholder,
    to_checkbox,
)
from .sniff import damaged_word, open_checked_zip, parse_xml, read_member

# ---------------------------------------------------------------------------
# Collecting values
# ---------------------------------------------------------------------------


@dataclass
class _Collector:
    idx: LabelIndex
    fields: dict[str, str | bool] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    rows_used: dict[str, int] = field(default_factory=dict)
    rows_ignored: dict[str, int] = field(default_factory=dict)
    pending: str | None = None
    pending_lines: list[str] = field(default_factory=list)
    nested: list[etree._Element] = field(default_factory=list)

    # -- values --------------------------------------------------------------
    def put(self, key: str, value: str) -> None:
        self.seen.add(key)
        text = "" if is_placeholder(value) else value.strip()
        result: str | bool | None
        if self.idx.is_checkbox(key):
            result = to_checkbox(text)
        else:
            result = text or None
        if result is None:
            return
        current = self.fields.get(key)
        if current is None or current == "" or (current is False and result is True):
            self.fields[key] = result

    # -- lines (paragraphs, or the lines of one cell) ----------------------------
    def match_line(self, line: str) -> tuple[str, str] | None:
        idx = self.idx
        text = line.strip()
        if not text:
            return None
        key = idx.single(text)
        if key:
            return key, ""
        glyphs = TICKED + UNTICKED
        if text[0] in glyphs:
            key = idx.single(text[1:])
            if key:
                return key, text[0]
        if text[-1] in glyphs:
            key = idx.single(text[:-1])
            if key:
                return key, text[-1]
        for sep in (":", "\t"):
            start = 0
            while True:
                pos = text.find(sep, start)
                if pos <= 0:
                    break
                key = idx.single(text[:pos])
                if key:
                    return key, text[pos + 1 :].strip()
                start = pos + 1
        return None

    def flush(self) -> None:
        if self.pending is not None:
            self.put(self.pending, "\n".join(self.pending_lines))
        self.pending = None
        self.pending_lines = []

    def line(self, line: str) -> None:
        found = self.match_line(line)
        if found:
            self.flush()
            key, value = found
            if value:
                self.put(key, value)
            else:
                self.seen.add(key)
                self.pending = key
            return
        if self.idx.is_heading(line):
            self.flush()
            return
        if self.pending is not None and (line.strip() or self.pending_lines):
            self.pending_lines.append(line.strip())

    def lines(self, text: str) -> None:
        for line in text.split("\n"):
            self.line(line)
        self.flush()

    # -- tables ----------------------------------------------------------------
    def row_cells(self, tr: etree._Element) -> list[GridCell]:
        cells: list[GridCell] = []
        pr = tr.find(w_tag("trPr"))
        col = grid_int(pr.find(w_tag("gridBefore"))) if pr is not None else 0
        for tc, wrapper in grid_cells(tr):
            tc_pr = tc.find(w_tag("tcPr"))
            span = grid_int(tc_pr.find(w_tag("gridSpan"))) if tc_pr is not None else 0
            span = max(span, 1)
            vmerge = tc_pr.find(w_tag("vMerge")) if tc_pr is not None else None
            self.nested.extend(b for b in body_blocks(tc) if b.tag == TBL)
            if vmerge is not None and vmerge.get(VAL, "continue") != "restart":
                text = ""  # the lower part of a vertically merged cell: shown once, above
            elif wrapper is not None and sdt_is_placeholder(wrapper):
                text = ""
            elif wrapper is not None and checkbox_state(wrapper) is not None:
                text = CHECKED_GLYPH if checkbox_state(wrapper) else UNCHECKED_GLYPH
            else:
                text = "\n".join(paragraph_text(p) for p in body_blocks(tc) if p.tag == P)
            cells.append(GridCell(col, span, text.strip()))
            col += span
        return cells

    def table(self, tbl: etree._Element) -> None:
        idx = self.idx
        group: RowGroup | None = None
        header: list[tuple[int, int, str]] = []
        table_pending: str | None = None
        pending_before = self.pending
        self.flush()
        rows = list(table_rows(tbl))
        for tr in rows:
            start_nested = len(self.nested)
            cells = self.row_cells(tr)
            texts = [c.text for c in cells]
            filled = [t for t in texts if t]
            # A label paragraph above a one-cell box: the box holds the value.
            if pending_before is not None:
                if len(rows) == 1 and len(filled) == 1 and not idx.single(filled[0]):
                    self.put(pending_before, filled[0])
                    pending_before = None
                    continue
                pending_before = None
            found = idx.header(texts)
            if found is not None:
                group = found[0]
                header = [(c.col, c.col + c.span, key) for c, key in zip(cells, found[1], strict=True) if key]
                table_pending = None
            elif group is not None and not (filled and idx.single(filled[0])):
                self.group_row(group, header, cells)
            else:
                group = None
                if table_pending is not None and len(filled) == 1 and not self.match_line(filled[0]):
                    self.put(table_pending, filled[0])
                    table_pending = None
                else:
                    table_pending = self.label_row(texts)
            for nested in self.nested[start_nested:]:
                self.table(nested)
            del self.nested[start_nested:]

    def group_row(self, group: RowGroup, header: list[tuple[int, int, str]], cells: list[GridCell]) -> None:
        values: dict[str, str] = {}
        for cell in cells:
            for start, end, key in header:
                if start <= cell.col < end:
                    if cell.text and key not in values and not is_placeholder(cell.text):
                        values[key] = cell.text
                    break
        if not any(values.values()):
            return
        n = self.rows_used.get(group.name, 0) + 1
        self.rows_used[group.name] = n
        if n > group.max_rows + EXTRA_ROWS_READ:
            self.rows_ignored[group.name] = self.rows_ignored.get(group.name, 0) + 1
            return
        for key, value in values.items():
            self.put(group.flat_key(n, key), value)

    def label_row(self, texts: list[str]) -> str | None:
        """Label | value cells (2 or 4 columns). Returns a label left without a value."""
        idx = self.idx
        left_alone: str | None = None
        i = 0
        while i < len(texts):
            text = texts[i]
            key = idx.single(text) if text else None
            if key:
                nxt = texts[i + 1] if i + 1 < len(texts) else None
                if nxt is not None and not self.match_line(nxt):
                    value = nxt
                    if not value and idx.is_checkbox(key) and i > 0 and texts[i - 1][:1] in TICKED + UNTICKED:
                        value = texts[i - 1]
                    self.put(key, value)
                    i += 2
                    continue
                if idx.is_checkbox(key) and i > 0 and texts[i - 1]:
                    self.put(key, texts[i - 1])
                else:
                    self.seen.add(key)
                    if len([t for t in texts if t]) == 1:
                        left_alone = key
                i += 1
                continue
            if text:
                self.lines(text)
            i += 1
        return left_alone

    # -- the body --------------------------------------------------------------
    def body(self, body: etree._Element) -> None:
        for block in body_blocks(body):
            if block.tag == P:
                for line in paragraph_text(block).split("\n"):
                    self.line(line)
            else:
                self.table(block)
        self.flush()

    def notes(self) -> list[str]:
        out = []
        for name, n in self.rows_ignored.items():
            group = self.idx.spec.group(name)
            rows = "row" if n == 1 else "rows"
            out.append(
                f"{n} {rows} of the {name} table {'was' if n == 1 else 'were'} ignored: "
                f"the table has room for {group.max_rows}"
            )
        return out


def _tagged(root: etree._Element, spec: FormSpec, collector: _Collector) -> None:
    """Content controls tagged with a spec key are trusted directly."""
    keys = set(spec.flat_keys())
    for sdt in root.iter(SDT):
        pr = sdt_properties(sdt)
        if pr is None:
            continue
        names = [el.get(VAL) for el in (pr.find(w_tag("tag")), pr.find(w_tag("alias"))) if el is not None]
        key = next((n for n in names if n in keys), None)
        if key is None or sdt_is_placeholder(sdt):
            continue
        text = sdt_text(sdt, skip_tables=False).replace("\xa0", " ").strip()
        if is_placeholder(text):
            # LibreOffice keeps the placeholder text but drops the mark that says it is one.
            text = ""
        if collector.idx.is_checkbox(key):
            value = to_checkbox(text)
            if value is not None:
                collector.fields[key] = value
        elif text:
            collector.fields[key] = text
        else:
            collector.fields.pop(key, None)


def _custom_form_id(data: bytes | None) -> str | None:
    if not data:
        return None
    root = parse_xml(data)
    for prop in root.iter("{*}property"):
        if (prop.get("name") or "").strip().lower() == "form_id":
            return "".join(prop.itertext()).strip()
    return None


def part_xml(zf: zipfile.ZipFile, name: str) -> etree._Element | None:
    data = read_member(zf, name)
    if data is None:
        return None
    return parse_xml(data)


def read_docx(data: bytes) -> ExtractedForm:
    """Read a filled Word form. Raises UnreadableDocument."""
    zf = open_checked_zip(data)
    try:
        doc = part_xml(zf, "word/document.xml")
        if doc is None:
            raise damaged_word()
        body = doc.find(w_tag("body"))
        if body is None:
            raise damaged_word()
        marks: list[str] = []
        for name in zf.namelist():
            if name.startswith(("word/footer", "word/header")) and name.endswith(".xml"):
                part = part_xml(zf, name)
                if part is not None:
                    marks.append(element_text(part, skip_tables=False))
        custom = _custom_form_id(read_member(zf, "docProps/custom.xml"))
    except etree.XMLSyntaxError as exc:
        raise damaged_word() from exc
    if custom:
        marks.append(custom)
    spec = find_identity(marks)
    if spec is None:
        spec = find_identity(paragraph_text(p) for p in body.iter(P))
    notes: list[str] = []
    if spec is None:
        collectors = {}
        for form in FORMS.values():
            c = _Collector(index_for(form))
            c.body(body)
            collectors[form.form_id] = c
        spec = choose_by_labels({k: len(c.seen) for k, c in collectors.items()}, "Word document")
        collector = collectors[spec.form_id]
        notes.append("The form has no identity mark; it was recognised by its labels")
    else:
        collector = _Collector(index_for(spec))
        collector.body(body)
    _tagged(body, spec, collector)
    notes.extend(collector.notes())
    return ExtractedForm(spec.form_id, collector.fields, "docx", notes)
