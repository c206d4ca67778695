"""The text of a Word document's XML, as a reader sees it: paragraphs with their runs,
tabs and breaks; content controls (their checkbox state, their placeholder as empty);
legacy form fields; text boxes once (DrawingML, never its VML fallback again); tracked
insertions kept and deletions dropped; and a table's rows and cells in grid order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from .labels import (
    CHECKED_GLYPH,
    UNCHECKED_GLYPH,
)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def w_tag(tag: str) -> str:
    return f"{{{W}}}{tag}"


P, T, TAB, BR, CR, SYM = w_tag("p"), w_tag("t"), w_tag("tab"), w_tag("br"), w_tag("cr"), w_tag("sym")
TBL, TR, TC, SDT, SDT_PR, SDT_CONTENT = w_tag("tbl"), w_tag("tr"), w_tag("tc"), w_tag("sdt"), w_tag("sdtPr"), w_tag("sdtContent")
FLD_CHAR, FF_DATA, VAL = w_tag("fldChar"), w_tag("ffData"), w_tag("val")
CUSTOM_XML, INS, MOVE_TO = w_tag("customXml"), w_tag("ins"), w_tag("moveTo")
SMART_TAG, TXBX = w_tag("smartTag"), w_tag("txbxContent")
FALLBACK = f"{{{MC}}}Fallback"
NO_BREAK_HYPHEN = w_tag("noBreakHyphen")

_SKIP = {
    w_tag("del"),
    w_tag("moveFrom"),
    w_tag("instrText"),
    w_tag("delText"),
    w_tag("delInstrText"),
    w_tag("sdtPr"),
    w_tag("sdtEndPr"),
    w_tag("rPr"),
    w_tag("pPr"),
    w_tag("tblPr"),
    w_tag("tblGrid"),
    w_tag("tcPr"),
    w_tag("trPr"),
    w_tag("fldData"),
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


def truthy(el: etree._Element | None, attr: str, default: bool) -> bool:
    if el is None:
        return False
    val = el.get(attr)
    if val is None:
        return default
    return val.strip().lower() in _TRUTHY


def sdt_properties(sdt: etree._Element) -> etree._Element | None:
    return sdt.find(SDT_PR)


def sdt_is_placeholder(sdt: etree._Element) -> bool:
    pr = sdt_properties(sdt)
    return (
        pr is not None and pr.find(w_tag("showingPlcHdr")) is not None and truthy(pr.find(w_tag("showingPlcHdr")), VAL, True)
    )


def checkbox_state(sdt: etree._Element) -> bool | None:
    """True/False for a checkbox content control, None for another kind."""
    pr = sdt_properties(sdt)
    if pr is None:
        return None
    box = pr.find(f"{{{W14}}}checkbox")
    if box is None:
        return None
    return truthy(box.find(f"{{{W14}}}checked"), f"{{{W14}}}val", True)


def sdt_text(sdt: etree._Element, skip_tables: bool) -> str:
    if sdt_is_placeholder(sdt):
        return ""
    state = checkbox_state(sdt)
    if state is not None:
        return CHECKED_GLYPH if state else UNCHECKED_GLYPH
    content = sdt.find(SDT_CONTENT)
    text = "" if content is None else element_text(content, skip_tables)
    if not text.strip():
        pr = sdt_properties(sdt)
        date = pr.find(w_tag("date")) if pr is not None else None
        full = date.get(w_tag("fullDate")) if date is not None else None
        if full:
            return full[:10]
    return text


def legacy_field(fld: etree._Element) -> str:
    """What a legacy form field's begin mark stands for (checkbox glyph, dropdown entry)."""
    ff = fld.find(FF_DATA)
    if ff is None:
        return ""
    box = ff.find(w_tag("checkBox"))
    if box is not None:
        checked = box.find(w_tag("checked"))
        if checked is not None:
            state = truthy(checked, VAL, True)
        else:
            state = truthy(box.find(w_tag("default")), VAL, False)
        return CHECKED_GLYPH if state else UNCHECKED_GLYPH
    dd = ff.find(w_tag("ddList"))
    if dd is not None:
        entries = [e.get(VAL, "") for e in dd.findall(w_tag("listEntry"))]
        chosen = dd.find(w_tag("result"))
        if chosen is None:
            chosen = dd.find(w_tag("default"))
        try:
            n = int(chosen.get(VAL, "0")) if chosen is not None else 0
        except ValueError:
            n = 0
        return entries[n] if 0 <= n < len(entries) else ""
    return ""


def walk(el: etree._Element, out: list[str], skip_tables: bool, boxes: bool = True) -> None:
    """The text of ``el`` into ``out``. With ``boxes`` false, text boxes are left out (a
    paragraph's own text: its text boxes are read as blocks of their own, see ``body_blocks``)."""
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
            char = (child.get(w_tag("char")) or "").upper()
            if char in _SYM_TICKED:
                out.append(CHECKED_GLYPH)
            elif char in _SYM_UNTICKED:
                out.append(UNCHECKED_GLYPH)
        elif tag == P:
            walk(child, out, skip_tables, boxes)
            out.append("\n")
        elif tag == TBL:
            if not skip_tables:
                walk(child, out, skip_tables, boxes)
        elif tag == TC:
            walk(child, out, skip_tables, boxes)
            out.append("\t")
        elif tag == SDT:
            out.append(sdt_text(child, skip_tables))
        elif tag == FLD_CHAR:
            if child.get(w_tag("fldCharType")) == "begin":
                out.append(legacy_field(child))
        else:
            walk(child, out, skip_tables, boxes)


def element_text(el: etree._Element, skip_tables: bool = True) -> str:
    out: list[str] = []
    walk(el, out, skip_tables)
    return "".join(out)


def paragraph_text(p: etree._Element) -> str:
    """A paragraph's own text: its runs, without what its text boxes hold."""
    out: list[str] = []
    walk(p, out, True, boxes=False)
    return "".join(out).replace("\xa0", " ")


def text_boxes(p: etree._Element) -> Iterator[etree._Element]:
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


def body_blocks(container: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables in document order, through block content controls."""
    for child in container:
        tag = child.tag
        if tag == P:
            yield child
            for box in text_boxes(child):
                yield from body_blocks(box)
        elif tag == TBL:
            yield child
        elif tag == SDT:
            if sdt_is_placeholder(child):
                continue
            content = child.find(SDT_CONTENT)
            if content is not None:
                yield from body_blocks(content)
        elif tag in (CUSTOM_XML, INS, MOVE_TO, SMART_TAG):
            yield from body_blocks(child)


def table_rows(tbl: etree._Element) -> Iterator[etree._Element]:
    for child in tbl:
        if child.tag == TR:
            pr = child.find(w_tag("trPr"))
            if pr is not None and pr.find(w_tag("del")) is not None:
                continue  # a deleted row (tracked change)
            yield child
        elif child.tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None and not sdt_is_placeholder(child):
                yield from table_rows(content)
        elif child.tag == CUSTOM_XML:
            yield from table_rows(child)


def grid_cells(tr: etree._Element) -> Iterator[tuple[etree._Element, etree._Element | None]]:
    for child in tr:
        if child.tag == TC:
            yield child, None
        elif child.tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None:
                for tc, _ in grid_cells(content):
                    yield tc, child
        elif child.tag == CUSTOM_XML:
            yield from grid_cells(child)


@dataclass
class GridCell:
    col: int  # first grid column
    span: int
    text: str


def grid_int(el: etree._Element | None) -> int:
    if el is None:
        return 0
    try:
        return max(0, int(el.get(VAL, "0")))
    except ValueError:
        return 0


