"""The Word template of a form, written as raw OOXML from its FormSpec.

Every value the SENCO types lives in a content control (``w:sdt``) whose
``w:tag`` and ``w:alias`` are the spec's flat key, so readers find values by
key, not by position. The package is built part by part (no python-docx
template), with fixed zip timestamps and fixed core-property dates, so the same
config always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from ..spec import FieldSpec, FieldType, FormSpec, RowGroup
from .docx_package import (
    APP_XML,
    CONTENT_TYPES_XML,
    DOCUMENT_RELS_XML,
    ROOT_RELS_XML,
    SETTINGS_XML,
    STYLES_XML,
    W_NS,
    core_xml,
    custom_xml,
    write_zip,
)

W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NSMAP = {"w": W_NS, "w14": W14_NS, "r": R_NS, "mc": MC_NS}

# Content controls' tick glyphs (Word's own defaults): ☒ ticked, ☐ not.
CHECKED_CHAR = "\u2612"
UNCHECKED_CHAR = "\u2610"
CHECKBOX_FONT = "MS Gothic"


# A4 in twips, 2 cm margins.
PAGE_W, PAGE_H, MARGIN = 11906, 16838, 1134
TEXT_W = PAGE_W - 2 * MARGIN
LABEL_W = 3700

PLACEHOLDER = {
    FieldType.CHOICE: "Choose an item",
    FieldType.DATE: "DD/MM/YYYY",
    FieldType.MONEY: "Amount in £",
}
DEFAULT_PLACEHOLDER = "Click to type"
PLACEHOLDER_COLOR = "808080"

ChoicesOf = Callable[[FieldSpec], Sequence[str]]


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def w14(tag: str) -> str:
    return f"{{{W14_NS}}}{tag}"


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    """A child element; attribute names are w: attributes (``val`` -> ``w:val``)."""
    node = etree.SubElement(parent, tag)
    for name, value in attrs.items():
        node.set(w(name), value)
    return node


@dataclass
class _Ids:
    """Content-control ids: small integers in document order (deterministic)."""

    n: int = 0
    seen: list[str] = field(default_factory=list)

    def next(self, key: str) -> str:
        self.n += 1
        self.seen.append(key)
        return str(self.n)


# --------------------------------------------------------------------------
# Paragraphs and runs
# --------------------------------------------------------------------------


def _paragraph(
    parent: etree._Element,
    text: str = "",
    style: str | None = None,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int | None = None,
    keep_next: bool = False,
) -> etree._Element:
    p = _el(parent, w("p"))
    if style or keep_next:
        ppr = _el(p, w("pPr"))
        if style:
            _el(ppr, w("pStyle"), val=style)
        if keep_next:
            _el(ppr, w("keepNext"))
    if text:
        _run(p, text, bold=bold, italic=italic, size=size)
    return p


def _run(
    parent: etree._Element,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int | None = None,
    style: str | None = None,
) -> etree._Element:
    r = _el(parent, w("r"))
    if bold or italic or size or style:
        rpr = _el(r, w("rPr"))
        if style:
            _el(rpr, w("rStyle"), val=style)
        if style == "PlaceholderText":
            # Also directly: LibreOffice does not apply the style inside text controls.
            _el(rpr, w("color"), val=PLACEHOLDER_COLOR)
        if bold:
            _el(rpr, w("b"))
        if italic:
            _el(rpr, w("i"))
        if size:
            _el(rpr, w("sz"), val=str(size))
    t = _el(
        r,
        w("t"),
    )
    t.text = text
    if text != text.strip():
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


# --------------------------------------------------------------------------
# Content controls
# --------------------------------------------------------------------------


def content_control(parent: etree._Element, key: str, spec: FieldSpec, ids: _Ids, choices: Sequence[str]) -> None:
    """A run-level content control tagged ``key`` inside paragraph ``parent``.

    ``w:sdtPr`` children follow Word's own order: rPr, alias, tag, id,
    showingPlcHdr, the kind of control, then ``w14:checkbox``.
    """
    sdt = _el(parent, w("sdt"))
    pr = _el(sdt, w("sdtPr"))
    checkbox = spec.type is FieldType.CHECKBOX
    if checkbox:
        _box_font(_el(pr, w("rPr")))
    _el(pr, w("alias"), val=key)
    _el(pr, w("tag"), val=key)
    _el(pr, w("id"), val=ids.next(key))
    content = _el(sdt, w("sdtContent"))
    if checkbox:
        box = etree.SubElement(pr, w14("checkbox"))
        etree.SubElement(box, w14("checked")).set(w14("val"), "0")
        for tag, code in (("checkedState", "2612"), ("uncheckedState", "2610")):
            state = etree.SubElement(box, w14(tag))
            state.set(w14("val"), code)
            state.set(w14("font"), CHECKBOX_FONT)
        r = _el(content, w("r"))
        _box_font(_el(r, w("rPr")))
        _el(r, w("t")).text = UNCHECKED_CHAR
        return
    _el(pr, w("showingPlcHdr"))
    placeholder = PLACEHOLDER.get(spec.type, DEFAULT_PLACEHOLDER)
    if choices:
        drop = _el(pr, w("dropDownList"))
        for choice in choices:
            _el(drop, w("listItem"), displayText=choice, value=choice)
    elif spec.type is FieldType.DATE:
        date = _el(pr, w("date"))
        _el(date, w("dateFormat"), val="dd/MM/yyyy")
        _el(date, w("lid"), val="en-GB")
        _el(date, w("storeMappedDataAs"), val="dateTime")
        _el(date, w("calendar"), val="gregorian")
    else:
        text = _el(pr, w("text"))
        if spec.type is FieldType.MULTILINE:
            text.set(w("multiLine"), "1")
            placeholder = "Click to type (Enter starts a new line)"
    _run(content, placeholder, style="PlaceholderText")


def _box_font(rpr: etree._Element) -> None:
    _el(rpr, w("rFonts"), ascii=CHECKBOX_FONT, eastAsia=CHECKBOX_FONT, hAnsi=CHECKBOX_FONT)
    _el(rpr, w("sz"), val="24")


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------


def _table(parent: etree._Element, widths: Sequence[int], *, header: bool = False) -> etree._Element:
    tbl = _el(parent, w("tbl"))
    pr = _el(tbl, w("tblPr"))
    _el(pr, w("tblStyle"), val="FormTable")
    _el(pr, w("tblW"), w=str(sum(widths)), type="dxa")
    _el(pr, w("tblLayout"), type="fixed")
    _el(
        pr,
        w("tblLook"),
        val="04A0" if header else "0000",
        firstRow="1" if header else "0",
        lastRow="0",
        firstColumn="0",
        lastColumn="0",
        noHBand="1",
        noVBand="1",
    )
    grid = _el(tbl, w("tblGrid"))
    for width in widths:
        _el(grid, w("gridCol"), w=str(width))
    return tbl


def _row(tbl: etree._Element, *, header: bool = False, cant_split: bool = True) -> etree._Element:
    tr = _el(tbl, w("tr"))
    trpr = _el(tr, w("trPr"))
    if cant_split:
        _el(trpr, w("cantSplit"))
    if header:
        _el(trpr, w("tblHeader"))
    return tr


def _cell(tr: etree._Element, width: int, *, shade: str | None = None) -> etree._Element:
    tc = _el(tr, w("tc"))
    pr = _el(tc, w("tcPr"))
    _el(pr, w("tcW"), w=str(width), type="dxa")
    if shade:
        _el(pr, w("shd"), val="clear", color="auto", fill=shade)
    return tc


LABEL_SHADE = "EEF2F7"
HEADER_SHADE = "DCE4EE"


def _field_table(body: etree._Element, fields: Sequence[FieldSpec], ids: _Ids, choices_of: ChoicesOf) -> None:
    widths = (LABEL_W, TEXT_W - LABEL_W)
    tbl = _table(body, widths)
    for spec in fields:
        tr = _row(tbl)
        label = _cell(tr, widths[0], shade=LABEL_SHADE)
        _paragraph(label, spec.label, "FieldLabel")
        value = _cell(tr, widths[1])
        p = _paragraph(value, style="FieldValue")
        content_control(p, spec.key, spec, ids, choices_of(spec))
    _paragraph(body, style="Gap")


def column_weight(spec: FieldSpec, choices: Sequence[str]) -> float:
    """Relative width of a row-group column (shared with the PDF layout)."""
    if spec.type is FieldType.TEXT:
        return 1.6 if spec.max_length and spec.max_length <= 20 else 3.6
    if choices:
        longest = max(len(c) for c in choices)
        return min(2.6, max(1.0, longest / 9))
    if spec.type is FieldType.MONEY:
        return 1.3
    return 1.0


def column_widths(total: float, group: RowGroup, choices_of: ChoicesOf) -> list[float]:
    weights = [column_weight(c, choices_of(c)) for c in group.columns]
    scale = total / sum(weights)
    return [wgt * scale for wgt in weights]


def _group_table(body: etree._Element, group: RowGroup, ids: _Ids, choices_of: ChoicesOf) -> None:
    raw = column_widths(TEXT_W, group, choices_of)
    widths = [int(x) for x in raw]
    widths[-1] += TEXT_W - sum(widths)
    tbl = _table(body, widths, header=True)
    tr = _row(tbl, header=True)
    for col, width in zip(group.columns, widths, strict=True):
        tc = _cell(tr, width, shade=HEADER_SHADE)
        _paragraph(tc, col.label, "ColumnHeader")
    for n in range(1, group.max_rows + 1):
        tr = _row(tbl)
        for col, width in zip(group.columns, widths, strict=True):
            tc = _cell(tr, width)
            p = _paragraph(tc, style="FieldValue")
            content_control(p, group.flat_key(n, col.key), col, ids, choices_of(col))
    _paragraph(body, style="Gap")


# --------------------------------------------------------------------------
# The parts of the package
# --------------------------------------------------------------------------


def _document_xml(spec: FormSpec, cluster_name: str, choices_of: ChoicesOf) -> bytes:
    root = etree.Element(w("document"), nsmap=NSMAP)
    root.set(f"{{{MC_NS}}}Ignorable", "w14")
    body = _el(root, w("body"))
    ids = _Ids()
    _paragraph(body, spec.title, "Title")
    _paragraph(body, cluster_name, "Subtitle")
    if spec.intro:
        _paragraph(body, spec.intro, "Intro")
    for section in spec.sections:
        _paragraph(body, section.title, "Heading1", keep_next=True)
        if section.note:
            _paragraph(body, section.note, "Note", keep_next=True)
        if section.fields:
            _field_table(body, section.fields, ids, choices_of)
        if section.group is not None:
            _group_table(body, section.group, ids, choices_of)
        if section.after_group:
            _field_table(body, section.after_group, ids, choices_of)
    sect = _el(body, w("sectPr"))
    ref = _el(sect, w("footerReference"), type="default")
    ref.set(f"{{{R_NS}}}id", "rIdFooter1")
    _el(sect, w("pgSz"), w=str(PAGE_W), h=str(PAGE_H))
    _el(
        sect,
        w("pgMar"),
        top=str(MARGIN),
        right=str(MARGIN),
        bottom=str(MARGIN),
        left=str(MARGIN),
        header="567",
        footer="567",
        gutter="0",
    )
    _el(sect, w("cols"), space="708")
    _el(sect, w("docGrid"), linePitch="360")
    return _xml(root)


def _footer_xml(spec: FormSpec) -> bytes:
    root = etree.Element(w("ftr"), nsmap={"w": W_NS, "r": R_NS})
    _paragraph(root, spec.identity_text, "Footer")
    return _xml(root)


def _xml(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def build_docx(spec: FormSpec, cluster_name: str, choices_of: ChoicesOf) -> bytes:
    """The Word template of ``spec`` as bytes (deterministic)."""
    return write_zip(
        [
            ("[Content_Types].xml", CONTENT_TYPES_XML),
            ("_rels/.rels", ROOT_RELS_XML),
            ("docProps/core.xml", core_xml(spec, cluster_name)),
            ("docProps/app.xml", APP_XML),
            ("docProps/custom.xml", custom_xml(spec)),
            ("word/document.xml", _document_xml(spec, cluster_name, choices_of)),
            ("word/_rels/document.xml.rels", DOCUMENT_RELS_XML),
            ("word/styles.xml", STYLES_XML),
            ("word/settings.xml", SETTINGS_XML),
            ("word/footer1.xml", _footer_xml(spec)),
        ]
    )
