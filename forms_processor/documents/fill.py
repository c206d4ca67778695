"""Fill the cluster's templates with values, as a SENCO would: for tests, demos and benchmarks.

Values are keyed by flat key (``school_name``, ``pupil_3_ref``): the text as
typed ("£1,250.00", "01/03/2027") or a bool for a checkbox. An empty string
leaves a field blank. A key the template does not have is an error, so a
renamed field cannot go unnoticed.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from lxml import etree
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from .docx_form import CHECKED_CHAR, UNCHECKED_CHAR, W14_NS, W_NS, write_zip

Values = Mapping[str, str | bool]

_W = f"{{{W_NS}}}"
_W14 = f"{{{W14_NS}}}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


def _read(template: Path | bytes) -> bytes:
    return template if isinstance(template, bytes) else Path(template).read_bytes()


def _unknown(keys: set[str]) -> ValueError:
    return ValueError(f"the template has no field named {', '.join(sorted(keys))}")


# --------------------------------------------------------------------------
# Word
# --------------------------------------------------------------------------


def fill_docx(template: Path | bytes, values: Values) -> bytes:
    """The template with each content control tagged by a key of ``values`` filled in."""
    data = _read(template)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = [(info.filename, zf.read(info)) for info in zf.infolist()]
    remaining = dict(values)
    out: list[tuple[str, bytes]] = []
    for name, blob in parts:
        if name == "word/document.xml" or re.fullmatch(r"word/(header|footer)\d*\.xml", name):
            root = etree.fromstring(blob, _PARSER)
            if _fill_controls(root, remaining):
                blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        out.append((name, blob))
    if remaining:
        raise _unknown(set(remaining))
    return write_zip(out)


def _fill_controls(root: etree._Element, remaining: dict[str, str | bool]) -> bool:
    changed = False
    for sdt in root.iter(f"{_W}sdt"):
        pr = sdt.find(f"{_W}sdtPr")
        tag = pr.find(f"{_W}tag") if pr is not None else None
        if pr is None or tag is None:
            continue
        key = tag.get(f"{_W}val")
        if key is None or key not in remaining:
            continue
        value = remaining.pop(key)
        content = sdt.find(f"{_W}sdtContent")
        if content is None:
            continue
        box = pr.find(f"{_W14}checkbox")
        if box is not None:
            _set_checkbox(box, content, _truthy(value))
        else:
            text = value if isinstance(value, str) else ("Yes" if value else "")
            if not text:
                continue  # blank: leave the placeholder showing
            _set_text(pr, content, text)
        changed = True
    return changed


def _truthy(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    return value.strip().lower() in {"1", "true", "yes", "y", "x", "on", CHECKED_CHAR}


def _set_checkbox(box: etree._Element, content: etree._Element, ticked: bool) -> None:
    checked = box.find(f"{_W14}checked")
    if checked is None:
        checked = etree.SubElement(box, f"{_W14}checked")
    checked.set(f"{_W14}val", "1" if ticked else "0")
    glyph = CHECKED_CHAR if ticked else UNCHECKED_CHAR
    state = box.find(f"{_W14}{'checkedState' if ticked else 'uncheckedState'}")
    if state is not None and state.get(f"{_W14}val"):
        glyph = chr(int(state.get(f"{_W14}val", "2610"), 16))
    texts = list(content.iter(f"{_W}t"))
    if texts:
        texts[0].text = glyph
        for extra in texts[1:]:
            extra.text = ""


def _set_text(pr: etree._Element, content: etree._Element, text: str) -> None:
    placeholder = pr.find(f"{_W}showingPlcHdr")
    if placeholder is not None:
        pr.remove(placeholder)
    date = pr.find(f"{_W}date")
    if date is not None:
        parsed = _parse_dmy(text)
        if parsed is not None:
            date.set(f"{_W}fullDate", parsed.strftime("%Y-%m-%dT00:00:00Z"))
    # Runs live directly in the control (run-level) or in its paragraphs (block/cell level).
    host = content
    paragraphs = content.findall(f"{_W}p")
    if paragraphs:
        host = paragraphs[0]
        for extra in paragraphs[1:]:
            content.remove(extra)
    runs = host.findall(f"{_W}r")
    rpr = None
    if runs:
        first_pr = runs[0].find(f"{_W}rPr")
        if first_pr is not None:
            rpr = etree.fromstring(etree.tostring(first_pr))
            style = rpr.find(f"{_W}rStyle")
            if style is not None and style.get(f"{_W}val") == "PlaceholderText":
                rpr.remove(style)
                color = rpr.find(f"{_W}color")
                if color is not None:
                    rpr.remove(color)
        for run in runs:
            host.remove(run)
    run = etree.SubElement(host, f"{_W}r")
    if rpr is not None and len(rpr):
        run.append(rpr)
    for n, line in enumerate(text.replace("\r\n", "\n").split("\n")):
        if n:
            etree.SubElement(run, f"{_W}br")
        t = etree.SubElement(run, f"{_W}t")
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _parse_dmy(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y")
    except ValueError:
        return None


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


def _qualified_name(field: DictionaryObject) -> str:
    parts: list[str] = []
    node: DictionaryObject | None = field
    while node is not None:
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts))


def _field_of(widget: DictionaryObject) -> DictionaryObject:
    """The field dictionary a widget belongs to (itself when merged)."""
    if "/T" in widget:
        return widget
    parent = widget.get("/Parent")
    return parent.get_object() if parent is not None else widget


def _field_type(field: DictionaryObject) -> str | None:
    node: DictionaryObject | None = field
    while node is not None:
        if "/FT" in node:
            return str(node["/FT"])
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _on_state(widget: DictionaryObject) -> NameObject:
    """A checkbox widget's real on-state, from its normal appearances (/AP /N)."""
    ap = widget.get("/AP")
    normal = ap.get_object().get("/N") if ap is not None else None
    if normal is not None:
        for state in normal.get_object().keys():
            if state != "/Off":
                return NameObject(state)
    return NameObject("/Yes")


def fill_pdf(template: Path | bytes, values: Values, *, appearances: bool = True) -> bytes:
    """The AcroForm template with its fields, matched by fully qualified name, filled in.

    NeedAppearances is set, so viewers redraw fields. With ``appearances`` (the
    default) pypdf also draws each text field's appearance, for viewers and
    printers that do not redraw; it costs about 1 ms a field, so bulk test data
    can skip it (``appearances=False``: values only, about 10x faster).
    """
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_read(template))))
    remaining = dict(values)
    for page in writer.pages:
        texts: dict[str, str] = {}
        for ref in page.get("/Annots", []) or []:
            widget = ref.get_object()
            if widget.get("/Subtype") != "/Widget":
                continue
            field = _field_of(widget)
            name = _qualified_name(field)
            if name not in values:
                continue
            remaining.pop(name, None)
            value = values[name]
            if _field_type(field) == "/Btn":
                state = _on_state(widget) if _truthy(value) else NameObject("/Off")
                field[NameObject("/V")] = state
                widget[NameObject("/AS")] = state
            else:
                text = value if isinstance(value, str) else ("Yes" if value else "")
                if text or "/V" in field:
                    texts[name] = text
        if texts and appearances:
            _fill_page_texts(writer, page, texts)
        elif texts:
            _set_values(page, texts)
    if remaining:
        raise _unknown(set(remaining))
    writer.set_need_appearances_writer(True)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _fill_page_texts(writer: PdfWriter, page: PageObject, texts: dict[str, str]) -> None:
    """Text and choice values through pypdf (which also draws their appearance)."""
    writer.update_page_form_field_values(page, texts, auto_regenerate=None)
    # pypdf also matches a bare partial name (/T); our names are unique top-level
    # fields, and values are re-set here by qualified name to be certain.
    _set_values(page, texts)


def _set_values(page: PageObject, texts: dict[str, str]) -> None:
    for ref in page.get("/Annots", []) or []:
        widget = ref.get_object()
        field = _field_of(widget)
        name = _qualified_name(field)
        if name in texts:
            field[NameObject("/V")] = TextStringObject(texts[name])
            if "/I" in field:  # a choice's selected index would contradict the new value
                del field["/I"]
