"""Learn a cluster's own form: which of its labels are the spec's fields, by fuzzy matching.

``learn_labels(data)`` reads a blank or filled form (Word, or a PDF read from the page),
collects the texts that look like labels (the first cell of label | value rows, the
header cells of tables, "Label:" before a value, short lines), and matches each against
every label and "also seen as" wording of the spec's fields. It proposes a mapping with
a score (0 to 1), lists the labels it could not place, and the required fields for which
it found no label. Where a choice field's options are worded differently from the spec's
choices, it proposes which choice each option is (``learn_choices``). ``toml_block`` renders
the proposals as the ``[labels.…]`` and ``[choices.…]`` blocks to paste into cluster.toml.
Pure: bytes in, a report out; nothing is written.
"""

from __future__ import annotations

import re

from pydantic import Field

from ..results import Result
from ..spec import FORMS, FormSpec, Req, RowGroup, normalise_label
from .labels import find_identity, index_for, is_placeholder
from .learn_choices import ChoiceProposal, choice_spots, choices_block, propose_choices
from .likeness import score
from .sniff import DocumentKind, sniff

# A proposal needs at least this score; below it the label is listed as not placed.
MIN_SCORE = 0.6


class Proposal(Result):
    key: str  # senco_name, or pupil_N_ref for a table column
    label: str  # as printed on the cluster's form
    matched: str  # the spec's wording it is closest to
    score: float


class LearnReport(Result):
    form_id: str = Field(serialization_alias="form")
    known: dict[str, str] = Field(default_factory=dict)  # key -> label already recognised
    proposals: list[Proposal] = Field(default_factory=list)
    unplaced: list[str] = Field(default_factory=list)
    missing_required: list[str] = Field(default_factory=list)  # keys
    # The form's options of a choice field worded otherwise than the spec's choices.
    choices: list[ChoiceProposal] = Field(default_factory=list)
    choices_unplaced: dict[str, list[str]] = Field(default_factory=dict)  # key -> options not placed


def _candidates_docx(data: bytes) -> tuple[list[str], list[list[str]], list[str]]:
    """(label texts, header rows, all texts for the identity) of a Word form."""
    from . import docx_reader as d
    from . import docx_text as t

    zf = d.open_checked_zip(data)
    doc = d.part_xml(zf, "word/document.xml")
    body = doc.find(t.w_tag("body")) if doc is not None else None
    labels: list[str] = []
    headers: list[list[str]] = []
    texts: list[str] = []
    if body is None:
        return labels, headers, texts
    for name in zf.namelist():
        if name.startswith(("word/footer", "word/header")) and name.endswith(".xml"):
            part = d.part_xml(zf, name)
            if part is not None:
                texts.append(t.element_text(part, skip_tables=False))

    def table(tbl: object) -> None:
        header_table = False
        for n, tr in enumerate(t.table_rows(tbl)):  # type: ignore[arg-type]
            cells = [" ".join(t.paragraph_text(p) for p in t.body_blocks(tc) if p.tag == t.P).strip() for tc, _ in t.grid_cells(tr)]
            for tc, _ in t.grid_cells(tr):
                for inner in t.body_blocks(tc):
                    if inner.tag == t.TBL:
                        table(inner)
            filled = [c for c in cells if c]
            if len(filled) >= 3 and n == 0:
                headers.append(filled)  # a header row: the rows below it hold values
                header_table = True
                continue
            if header_table:
                continue
            for i, cell in enumerate(cells):
                if i % 2 == 0 and cell:
                    labels.append(cell)

    for block in t.body_blocks(body):
        if block.tag == t.P:
            for line in t.paragraph_text(block).split("\n"):
                texts.append(line)
                labels.append(line)
        else:
            table(block)
    return labels, headers, texts


def _candidates_pdf(data: bytes) -> tuple[list[str], list[list[str]], list[str]]:
    from .pdf_page import group_lines, read_words

    words, _ = read_words(data)
    lines = group_lines(words)
    labels: list[str] = []
    headers: list[list[str]] = []
    texts = [ln.text for ln in lines]
    for ln in lines:
        chunks = [c.text for c in ln.chunks]
        if len(chunks) >= 3:
            headers.append(chunks)
        labels.extend(chunks[:1] if len(chunks) < 3 else [])
    return labels, headers, texts


def _label_part(text: str) -> str:
    """The label in "Label: value" or "Label*", trimmed; "" when the text can't be a label."""
    text = " ".join(text.replace("\xa0", " ").split())
    if ":" in text:
        text = text.split(":", 1)[0]
    text = text.strip(" *:")
    if not text or is_placeholder(text) or len(text) > 120 or len(text.split()) > 16:
        return ""
    if not re.search(r"[A-Za-z]{2}", text):
        return ""
    return text


def learn_labels(data: bytes) -> LearnReport:
    """Propose how the labels of the cluster's own form map to the spec's fields.
    Raises UnreadableDocument for a file that is not a Word document or a PDF."""
    kind = sniff(data)
    labels, headers, texts = _candidates_docx(data) if kind is DocumentKind.DOCX else _candidates_pdf(data)
    spec = find_identity(texts) or _best_spec(labels, headers)
    report = LearnReport(form_id=spec.form_id)
    idx = index_for(spec)
    singles = [(f.key, w) for f in spec.single_fields() for w in f.all_labels]
    seen_texts: set[str] = set()
    for raw in labels:
        text = _label_part(raw)
        if not text or normalise_label(text) in seen_texts:
            continue
        seen_texts.add(normalise_label(text))
        if idx.is_heading(text):
            continue
        key = idx.single(text)
        if key:
            report.known.setdefault(key, text)
            continue
        _place(report, text, singles)
    for row in headers:
        found = idx.header(row)
        group = found[0] if found else _best_group(spec, row)
        if group is None:
            continue
        columns = [(f"{group.prefix}_N_{c.key}", w) for c in group.columns for w in c.all_labels]
        mapped = found[1] if found else [None] * len(row)
        lookup = idx.columns[group.name]
        for cell, key in zip(row, mapped, strict=True):
            text = _label_part(cell)
            if not text:
                continue
            key = key or lookup.get(normalise_label(text))
            if key:
                report.known.setdefault(f"{group.prefix}_N_{key}", text)
            else:
                _place(report, text, columns)
    # Each label to one key and each key to one label: the best scores first.
    taken = set(report.known)
    placed_labels: set[str] = set()
    best: dict[str, Proposal] = {}
    for p in sorted(report.proposals, key=lambda p: -p.score):
        if p.key in taken or p.label in placed_labels:
            continue
        best[p.key] = p
        taken.add(p.key)
        placed_labels.add(p.label)
    labels_tried = dict.fromkeys(p.label for p in report.proposals)
    report.unplaced.extend(label for label in labels_tried if label not in placed_labels)
    report.proposals = sorted(best.values(), key=lambda p: -p.score)
    placed = set(report.known) | set(best)
    report.missing_required = [f.key for f in spec.single_fields() if f.req is Req.REQUIRED and f.key not in placed]
    label_keys = {normalise_label(label): key for key, label in report.known.items()}
    label_keys.update({normalise_label(p.label): p.key for p in report.proposals})
    report.choices, report.choices_unplaced = propose_choices(choice_spots(data, kind), spec, idx, label_keys)
    return report


def _place(report: LearnReport, text: str, wordings: list[tuple[str, str]]) -> None:
    """Every key this label could be (its best wording each, at least MIN_SCORE); the
    choice among them is made once all labels are scored."""
    per_key: dict[str, tuple[float, str]] = {}
    for key, wording in wordings:
        value = score(text, wording)
        if value >= MIN_SCORE and value > per_key.get(key, (0.0, ""))[0]:
            per_key[key] = (value, wording)
    if not per_key:
        report.unplaced.append(text)
    for key, (value, wording) in per_key.items():
        report.proposals.append(Proposal(key=key, label=text, matched=wording, score=value))


def _best_spec(labels: list[str], headers: list[list[str]]) -> FormSpec:
    def hits(spec: FormSpec) -> float:
        wordings = [w for f in spec.single_fields() for w in f.all_labels]
        return sum(max((score(_label_part(t), w) for w in wordings), default=0) for t in labels if _label_part(t))

    return max(FORMS.values(), key=hits)


def _best_group(spec: FormSpec, row: list[str]) -> RowGroup | None:
    best, best_score = None, 0.0
    for group in spec.groups():
        wordings = [w for c in group.columns for w in c.all_labels]
        total = sum(max(score(cell, w) for w in wordings) for cell in row) / max(len(row), 1)
        if total > best_score:
            best, best_score = group, total
    return best if best_score >= MIN_SCORE else None


def toml_block(report: LearnReport) -> str:
    """The ``[labels.…]`` block to paste into cluster.toml, one line per proposal, with
    its score and the spec's wording it was matched to as a comment; then the
    ``[choices.…]`` tables of the choices' wordings, the same way. A table with nothing to
    add is left out (pasted, an empty one could repeat one the file already has)."""
    section = "application" if report.form_id == "send-application" else "impact"
    lines = [f"[labels.{section}]"] if report.proposals else []
    for p in report.proposals:
        label = p.label.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'{p.key} = ["{label}"]  # score {p.score:.2f}, like "{p.matched}"')
    choices = choices_block(section, report.choices)
    return "\n".join(lines) + ("\n" if lines else "") + (choices if lines else choices.lstrip("\n"))
