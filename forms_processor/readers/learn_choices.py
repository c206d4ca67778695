"""Learn a cluster's own form's choices: where a choice field's options (a drop-down list, or a
box beside each option) are worded differently from the spec's choices, propose which of the
spec's choices each option is, by fuzzy matching.

``choice_spots(data, kind)`` finds the lists of options on a form: a Word form's drop-down
content controls and legacy drop-down fields, a fillable PDF's choice fields, and (in Word
cells and paragraphs, and on a PDF's lines) a run of boxes, each with its option ("☐ One
pupil ☐ Small group"). Each spot carries what names its field: the control's tag, its
label (the cell before it, its column's header, the text before it in its paragraph).
``propose_choices`` resolves each spot to a choice field of the spec (the tick boxes' Yes/No,
the school and the rounds are left out: the first are read as ticks, the others come from
cluster.toml) and matches its options against the spec's choices and their other spellings.
Each choice takes at most one option, the best scores first; when one option and one choice
are left over they are proposed together, marked as the only one left. Pure: nothing is written.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..config_choices import choice_fields, generic_key, known_spellings
from ..results import Result
from ..spec import FieldSpec, FieldType, FormSpec, fold_choice, normalise_label
from ..spec.ticks import TICKED_GLYPHS, UNTICKED_GLYPHS
from .labels import LabelIndex, is_placeholder
from .likeness import score
from .sniff import DocumentKind

# An option is proposed for a choice from this score up (choices are short: lower than labels').
MIN_CHOICE_SCORE = 0.5
_BOX = re.compile("[" + "".join(TICKED_GLYPHS + UNTICKED_GLYPHS) + "]")


class ChoiceProposal(Result):
    key: str  # the choice field: area_of_need, or pupil_N_status for a table's column
    choice: str  # the spec's choice
    wording: str  # the option as the cluster's form words it
    matched: str  # the spec's spelling of the choice it is closest to
    score: float
    only_one_left: bool = False  # paired because it was the one option and the one choice left


@dataclass
class Spot:
    """A list of options on the form, with what may name its field."""

    options: tuple[str, ...]
    tag: str | None = None
    label: str | None = None


# -- finding the lists of options ------------------------------------------------------


def choice_spots(data: bytes, kind: DocumentKind) -> list[Spot]:
    """The lists of options on a Word form or a PDF (fields, or runs of boxes on its lines)."""
    if kind is DocumentKind.DOCX:
        return _docx_spots(data)
    if kind is DocumentKind.PDF:
        return _pdf_field_spots(data) + _pdf_line_spots(data)
    return []


def _boxed(text: str) -> tuple[str, tuple[str, ...]] | None:
    """("Label", options) of a text with two or more boxes, each before its option; else None."""
    parts = _BOX.split(" ".join(text.replace("\xa0", " ").split()))
    if len(parts) < 3:
        return None
    options = tuple(o.strip(" ,;/|") for o in parts[1:])
    options = tuple(o for o in options if o)
    label = parts[0].strip().rstrip(":*").strip()
    return (label, options) if len(options) >= 2 else None


def _docx_spots(data: bytes) -> list[Spot]:
    from . import docx_reader as d
    from . import docx_text as t

    zf = d.open_checked_zip(data)
    doc = d.part_xml(zf, "word/document.xml")
    if doc is None:
        return []
    spots: list[Spot] = []
    for sdt in doc.iter(t.SDT):
        pr = t.sdt_properties(sdt)
        lists = [] if pr is None else [el for el in pr if el.tag in (t.w_tag("dropDownList"), t.w_tag("comboBox"))]
        if not lists:
            continue
        options = tuple((item.get(t.w_tag("displayText")) or item.get(t.w_tag("value")) or "").strip()
                        for item in lists[0].findall(t.w_tag("listItem")))
        tag = pr.find(t.w_tag("tag")) if pr is not None else None
        spots.append(Spot(options, tag.get(t.VAL) if tag is not None else None, _docx_label(sdt)))
    for fld in doc.iter(t.FLD_CHAR):
        dd = fld.find(f"{t.FF_DATA}/{t.w_tag('ddList')}")
        if dd is None:
            continue
        name = fld.find(f"{t.FF_DATA}/{t.w_tag('name')}")
        options = tuple(e.get(t.VAL, "").strip() for e in dd.findall(t.w_tag("listEntry")))
        spots.append(Spot(options, name.get(t.VAL) if name is not None else None, _docx_label(fld)))
    for tc in doc.iter(t.TC):
        found = _boxed(_cell_text(tc))
        if found:
            spots.append(Spot(found[1], None, found[0] or _docx_label(tc)))
    for p in doc.iter(t.P):
        if not any(a.tag == t.TC for a in p.iterancestors()):
            found = _boxed(t.paragraph_text(p))
            if found and found[0]:
                spots.append(Spot(found[1], None, found[0]))
    return spots


def _docx_label(el: etree._Element) -> str | None:
    """What labels a control: the text before it in its paragraph (after any control before
    it), else the cell before its cell in the row, else its column's header (the first row)."""
    from . import docx_text as t

    para = next((a for a in el.iterancestors() if a.tag == t.P), None)
    if para is not None:
        nodes = list(para.iter())
        before: list[str] = []
        for node in nodes[:nodes.index(el)]:
            if node.tag in (t.SDT, t.FLD_CHAR) and node not in el.iterancestors():
                before = []  # another control: the label is what follows it
            elif node.tag == t.T and not any(a.tag == t.SDT for a in node.iterancestors()):
                before.append(node.text or "")
        text = " ".join("".join(before).split()).rstrip(":*").strip()
        if text:
            return text
    cell = el if el.tag == t.TC else next((a for a in el.iterancestors() if a.tag == t.TC), None)
    row = next((a for a in cell.iterancestors() if a.tag == t.TR), None) if cell is not None else None
    if cell is None or row is None:
        return None
    cells = [tc for tc, _ in t.grid_cells(row)]
    n = cells.index(cell) if cell in cells else -1
    if n > 0:
        text = _cell_text(cells[n - 1])
        if text and not _BOX.search(text):
            return text
    table = next((a for a in row.iterancestors() if a.tag == t.TBL), None)
    first = next(iter(t.table_rows(table)), None) if table is not None else None
    if first is not None and first is not row and n >= 0:
        heads = [tc for tc, _ in t.grid_cells(first)]
        if n < len(heads):
            return _cell_text(heads[n]) or None
    return None


def _cell_text(tc: etree._Element) -> str:
    from . import docx_text as t

    return " ".join(" ".join(t.paragraph_text(p) for p in tc.iter(t.P)).split())


def _pdf_field_spots(data: bytes) -> list[Spot]:
    from pypdf import PdfReader

    try:
        fields: dict[str, Any] = PdfReader(io.BytesIO(data)).get_fields() or {}
    except Exception:  # noqa: BLE001 - a PDF whose fields can't be read has none to learn from
        return []
    spots = []
    for name, f in fields.items():
        opts = f.get("/Opt") if f.get("/FT") == "/Ch" else None
        if not opts:
            continue
        options = tuple(str(o[-1] if isinstance(o, list) else o).strip() for o in opts)
        spots.append(Spot(options, str(name).rsplit(".", 1)[-1]))
    return spots


def _pdf_line_spots(data: bytes) -> list[Spot]:
    from .pdf_page import group_lines, read_words

    words, _ = read_words(data)
    spots = []
    for ln in group_lines(words):
        found = _boxed(ln.text)
        if found and found[0]:
            spots.append(Spot(found[1], None, found[0]))
    return spots


# -- which field, and which choice each option is ----------------------------------------


def _field_of(spot: Spot, spec: FormSpec, idx: LabelIndex, label_keys: dict[str, str]) -> str | None:
    """The choice field (generic key) a list of options is, by its tag or its label."""
    fields = choice_fields(spec.form_id)
    if spot.tag and generic_key(spot.tag) in fields:
        return generic_key(spot.tag)
    if not spot.label:
        return None
    label = normalise_label(spot.label.split(":", 1)[0].strip(" *"))
    key = label_keys.get(label) or idx.single(spot.label)
    if key is None:
        for group in spec.groups():
            col = idx.columns[group.name].get(label)
            if col:
                key = f"{group.prefix}_N_{col}"
                break
    return key if key in fields else None


def propose_choices(spots: list[Spot], spec: FormSpec, idx: LabelIndex,
                    label_keys: dict[str, str]) -> tuple[list[ChoiceProposal], dict[str, list[str]]]:
    """The proposals, best first within each field, and each field's options not placed."""
    fields = choice_fields(spec.form_id)
    by_key: dict[str, dict[str, str]] = {}  # key -> folded option -> option as worded
    for spot in spots:
        key = _field_of(spot, spec, idx, label_keys)
        field = fields.get(key or "")
        if key is None or field is None or field.type is FieldType.CHECKBOX or field.choices_from_config:
            continue
        options = by_key.setdefault(key, {})
        for option in spot.options:
            if option and not is_placeholder(option) and fold_choice(option):
                options.setdefault(fold_choice(option), option)
    proposals: list[ChoiceProposal] = []
    unplaced: dict[str, list[str]] = {}
    for key, options in by_key.items():
        placed, left = _match(key, fields[key], options)
        proposals += placed
        if left:
            unplaced[key] = left
    return proposals, unplaced


def _match(key: str, field: FieldSpec, options: dict[str, str]) -> tuple[list[ChoiceProposal], list[str]]:
    """One field's options matched to its choices: those the checker already takes are known;
    each other option to at most one choice not yet taken, the best scores first."""
    index = known_spellings(field, ())
    choices = field.choices
    taken = {index[folded] for folded in options if folded in index}
    new = [o for folded, o in options.items() if folded not in index]
    spellings = [(c, c) for c in choices] + [(spelling, c) for spelling, c in field.choice_aliases]
    scored = sorted(((score(o, s), o, c, s) for o in new for s, c in spellings), key=lambda x: -x[0])
    placed: list[ChoiceProposal] = []
    used: set[str] = set()
    for value, option, choice, spelling in scored:
        if value < MIN_CHOICE_SCORE:
            break
        if option in used or choice in taken:
            continue
        placed.append(ChoiceProposal(key=key, choice=choice, wording=option, matched=spelling, score=value))
        used.add(option)
        taken.add(choice)
    left = [o for o in new if o not in used]
    free = [c for c in choices if c not in taken]
    if len(left) == 1 and len(free) == 1:
        value, spelling = max(((score(left[0], s), s) for s, c in spellings if c == free[0]), default=(0.0, free[0]))
        placed.append(ChoiceProposal(key=key, choice=free[0], wording=left[0], matched=spelling, score=value,
                                     only_one_left=True))
        left = []
    return placed, left


def choices_block(section: str, proposals: list[ChoiceProposal]) -> str:
    """The ``[choices.<section>.<field>]`` tables to paste into cluster.toml, one line per
    choice with its score (and the spec's spelling it is like) as a comment."""
    lines: list[str] = []
    for key in dict.fromkeys(p.key for p in proposals):
        lines += ["", f"[choices.{section}.{key}]"]
        for p in (p for p in proposals if p.key == key):
            how = "the only choice left" if p.only_one_left else f'like "{p.matched}"'
            lines.append(f'{_quoted(p.choice)} = [{_quoted(p.wording)}]  # score {p.score:.2f}, {how}')
    return "\n".join(lines) + ("\n" if lines else "")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
