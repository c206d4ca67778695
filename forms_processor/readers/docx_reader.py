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
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from ..spec import FORMS, FormSpec, RowGroup
from .base import ExtractedForm
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

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


P, T, TAB, BR, CR, SYM = _w("p"), _w("t"), _w("tab"), _w("br"), _w("cr"), _w("sym")
TBL, TR, TC, SDT, SDT_PR, SDT_CONTENT = _w("tbl"), _w("tr"), _w("tc"), _w("sdt"), _w("sdtPr"), _w("sdtContent")
FLD_CHAR, FF_DATA, VAL = _w("fldChar"), _w("ffData"), _w("val")
CUSTOM_XML, INS, MOVE_TO = _w("customXml"), _w("ins"), _w("moveTo")
SMART_TAG, TXBX = _w("smartTag"), _w("txbxContent")
FALLBACK = f"{{{MC}}}Fallback"
NO_BREAK_HYPHEN = _w("noBreakHyphen")

_SKIP = {
    _w("del"),
    _w("moveFrom"),
    _w("instrText"),
    _w("delText"),
    _w("delInstrText"),
    _w("sdtPr"),
    _w("sdtEndPr"),
    _w("rPr"),
    _w("pPr"),
    _w("tblPr"),
    _w("tblGrid"),
    _w("tcPr"),
    _w("trPr"),
    _w("fldData"),
    f"{{{MC}}}Fallback",
}
# Wingdings characters Word uses for typed boxes.
_SYM_TICKED = {"F0FE", "F078", "F0FD", "F0FB", "F0FC", "F0D6"}
_SYM_UNTICKED = {"F0A8", "F06F", "F071"}
# Several labels may be on one line of a paragraph; a line is at most this long to be a label.
_TRUTHY = ("1", "true", "on")


# ---------------------------------------------------------------------------
# Text of elements
# ---------------------------------------------------------------------------


def _truthy(el: etree._Element | None, attr: str, default: bool) -> bool:
    if el is None:
        return False
    val = el.get(attr)
    if val is None:
        return default
    return val.strip().lower() in _TRUTHY


def _sdt_pr(sdt: etree._Element) -> etree._Element | None:
    return sdt.find(SDT_PR)


def _is_placeholder(sdt: etree._Element) -> bool:
    pr = _sdt_pr(sdt)
    return (
        pr is not None and pr.find(_w("showingPlcHdr")) is not None and _truthy(pr.find(_w("showingPlcHdr")), VAL, True)
    )


def _checkbox_state(sdt: etree._Element) -> bool | None:
    """True/False for a checkbox content control, None for another kind."""
    pr = _sdt_pr(sdt)
    if pr is None:
        return None
    box = pr.find(f"{{{W14}}}checkbox")
    if box is None:
        return None
    return _truthy(box.find(f"{{{W14}}}checked"), f"{{{W14}}}val", True)


def _sdt_text(sdt: etree._Element, skip_tables: bool) -> str:
    if _is_placeholder(sdt):
        return ""
    state = _checkbox_state(sdt)
    if state is not None:
        return CHECKED_GLYPH if state else UNCHECKED_GLYPH
    content = sdt.find(SDT_CONTENT)
    text = "" if content is None else _text(content, skip_tables)
    if not text.strip():
        pr = _sdt_pr(sdt)
        date = pr.find(_w("date")) if pr is not None else None
        full = date.get(_w("fullDate")) if date is not None else None
        if full:
            return full[:10]
    return text


def _legacy_field(fld: etree._Element) -> str:
    """What a legacy form field's begin mark stands for (checkbox glyph, dropdown entry)."""
    ff = fld.find(FF_DATA)
    if ff is None:
        return ""
    box = ff.find(_w("checkBox"))
    if box is not None:
        checked = box.find(_w("checked"))
        if checked is not None:
            state = _truthy(checked, VAL, True)
        else:
            state = _truthy(box.find(_w("default")), VAL, False)
        return CHECKED_GLYPH if state else UNCHECKED_GLYPH
    dd = ff.find(_w("ddList"))
    if dd is not None:
        entries = [e.get(VAL, "") for e in dd.findall(_w("listEntry"))]
        chosen = dd.find(_w("result"))
        if chosen is None:
            chosen = dd.find(_w("default"))
        try:
            n = int(chosen.get(VAL, "0")) if chosen is not None else 0
        except ValueError:
            n = 0
        return entries[n] if 0 <= n < len(entries) else ""
    return ""


def _walk(el: etree._Element, out: list[str], skip_tables: bool, boxes: bool = True) -> None:
    """The text of ``el`` into ``out``. With ``boxes`` false, text boxes are left out (a
    paragraph's own text: its text boxes are read as blocks of their own, see ``_blocks``)."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP or (tag == TXBX and not boxes):
            continue
        if tag == T:
            out.append(child.text or "")
        elif tag == TAB:
            out.append("\t")
        elif tag in (BR, CR):
            out.append("\n")
        elif tag == NO_BREAK_HYPHEN:
            out.append("-")
        elif tag == SYM:
            char = (child.get(_w("char")) or "").upper()
            if char in _SYM_TICKED:
                out.append(CHECKED_GLYPH)
            elif char in _SYM_UNTICKED:
                out.append(UNCHECKED_GLYPH)
        elif tag == P:
            _walk(child, out, skip_tables, boxes)
            out.append("\n")
        elif tag == TBL:
            if not skip_tables:
                _walk(child, out, skip_tables, boxes)
        elif tag == TC:
            _walk(child, out, skip_tables, boxes)
            out.append("\t")
        elif tag == SDT:
            out.append(_sdt_text(child, skip_tables))
        elif tag == FLD_CHAR:
            if child.get(_w("fldCharType")) == "begin":
                out.append(_legacy_field(child))
        else:
            _walk(child, out, skip_tables, boxes)


def _text(el: etree._Element, skip_tables: bool = True) -> str:
    out: list[str] = []
    _walk(el, out, skip_tables)
    return "".join(out)


def _para_text(p: etree._Element) -> str:
    """A paragraph's own text: its runs, without what its text boxes hold."""
    out: list[str] = []
    _walk(p, out, True, boxes=False)
    return "".join(out).replace("\xa0", " ")


def _text_boxes(p: etree._Element) -> Iterator[etree._Element]:
    """The text boxes anchored in paragraph ``p`` (not those inside another text box, which
    that box gives), each once: the DrawingML one, never its VML fallback copy."""
    for box in p.iter(TXBX):
        up = box.getparent()
        while up is not None and up is not p and up.tag not in (FALLBACK, TXBX):
            up = up.getparent()
        if up is p:
            yield box


# ---------------------------------------------------------------------------
# Structure: blocks, rows, cells
# ---------------------------------------------------------------------------


def _blocks(container: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables in document order, through block content controls."""
    for child in container:
        tag = child.tag
        if tag == P:
            yield child
            for box in _text_boxes(child):
                yield from _blocks(box)
        elif tag == TBL:
            yield child
        elif tag == SDT:
            if _is_placeholder(child):
                continue
            content = child.find(SDT_CONTENT)
            if content is not None:
                yield from _blocks(content)
        elif tag in (CUSTOM_XML, INS, MOVE_TO, SMART_TAG):
            yield from _blocks(child)


def _rows(tbl: etree._Element) -> Iterator[etree._Element]:
    for child in tbl:
        if child.tag == TR:
            pr = child.find(_w("trPr"))
            if pr is not None and pr.find(_w("del")) is not None:
                continue  # a deleted row (tracked change)
            yield child
        elif child.tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None and not _is_placeholder(child):
                yield from _rows(content)
        elif child.tag == CUSTOM_XML:
            yield from _rows(child)


def _cells(tr: etree._Element) -> Iterator[tuple[etree._Element, etree._Element | None]]:
    for child in tr:
        if child.tag == TC:
            yield child, None
        elif child.tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None:
                for tc, _ in _cells(content):
                    yield tc, child
        elif child.tag == CUSTOM_XML:
            yield from _cells(child)


@dataclass
class _Cell:
    col: int  # first grid column
    span: int
    text: str


def _grid_int(el: etree._Element | None) -> int:
    if el is None:
        return 0
    try:
        return max(0, int(el.get(VAL, "0")))
    except ValueError:
        return 0


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
    def row_cells(self, tr: etree._Element) -> list[_Cell]:
        cells: list[_Cell] = []
        pr = tr.find(_w("trPr"))
        col = _grid_int(pr.find(_w("gridBefore"))) if pr is not None else 0
        for tc, wrapper in _cells(tr):
            tc_pr = tc.find(_w("tcPr"))
            span = _grid_int(tc_pr.find(_w("gridSpan"))) if tc_pr is not None else 0
            span = max(span, 1)
            vmerge = tc_pr.find(_w("vMerge")) if tc_pr is not None else None
            self.nested.extend(b for b in _blocks(tc) if b.tag == TBL)
            if vmerge is not None and vmerge.get(VAL, "continue") != "restart":
                text = ""  # the lower part of a vertically merged cell: shown once, above
            elif wrapper is not None and _is_placeholder(wrapper):
                text = ""
            elif wrapper is not None and _checkbox_state(wrapper) is not None:
                text = CHECKED_GLYPH if _checkbox_state(wrapper) else UNCHECKED_GLYPH
            else:
                text = "\n".join(_para_text(p) for p in _blocks(tc) if p.tag == P)
            cells.append(_Cell(col, span, text.strip()))
            col += span
        return cells

    def table(self, tbl: etree._Element) -> None:
        idx = self.idx
        group: RowGroup | None = None
        header: list[tuple[int, int, str]] = []
        table_pending: str | None = None
        pending_before = self.pending
        self.flush()
        rows = list(_rows(tbl))
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

    def group_row(self, group: RowGroup, header: list[tuple[int, int, str]], cells: list[_Cell]) -> None:
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
        for block in _blocks(body):
            if block.tag == P:
                for line in _para_text(block).split("\n"):
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
        pr = _sdt_pr(sdt)
        if pr is None:
            continue
        names = [el.get(VAL) for el in (pr.find(_w("tag")), pr.find(_w("alias"))) if el is not None]
        key = next((n for n in names if n in keys), None)
        if key is None or _is_placeholder(sdt):
            continue
        text = _sdt_text(sdt, skip_tables=False).replace("\xa0", " ").strip()
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


def _xml(zf: zipfile.ZipFile, name: str) -> etree._Element | None:
    data = read_member(zf, name)
    if data is None:
        return None
    return parse_xml(data)


def read_docx(data: bytes) -> ExtractedForm:
    """Read a filled Word form. Raises UnreadableDocument."""
    zf = open_checked_zip(data)
    try:
        doc = _xml(zf, "word/document.xml")
        if doc is None:
            raise damaged_word()
        body = doc.find(_w("body"))
        if body is None:
            raise damaged_word()
        marks: list[str] = []
        for name in zf.namelist():
            if name.startswith(("word/footer", "word/header")) and name.endswith(".xml"):
                part = _xml(zf, name)
                if part is not None:
                    marks.append(_text(part, skip_tables=False))
        custom = _custom_form_id(read_member(zf, "docProps/custom.xml"))
    except etree.XMLSyntaxError as exc:
        raise damaged_word() from exc
    if custom:
        marks.append(custom)
    spec = find_identity(marks)
    if spec is None:
        spec = find_identity(_para_text(p) for p in body.iter(P))
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
