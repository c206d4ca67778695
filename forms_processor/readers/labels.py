"""Labels of a form, as the readers look them up, and which form a document is.

A :class:`LabelIndex` holds two separate lookups built from a :class:`FormSpec`:

- single fields: normalised label or alias -> flat key (``school_name``);
- row groups: normalised column header -> column key, per group; these are
  consulted only for a table row recognised as a header row, so "Description"
  in the costs table's header is a cost column while "Description" beside a
  value is the intervention's description.

Form detection uses the identity marks first (``Form SEND-APP v1``, the
``form_id`` property or field) and, failing them, which form's labels the
document matches more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from ..errors import UnreadableDocument
from ..spec import FORMS, FieldType, FormSpec, RowGroup, normalise_label
from ..spec.response import RESPONSE_FORM_ID, RESPONSE_IDENTITY
from ..spec.ticks import TICKED_GLYPHS, TICKED_WORDS, UNTICKED_GLYPHS, UNTICKED_WORDS

# Glyphs and words that mean a checkbox is ticked / not ticked (spec/ticks.py).
TICKED = TICKED_GLYPHS
UNTICKED = UNTICKED_GLYPHS
CHECKED_GLYPH = TICKED_GLYPHS[0]  # ☒: what the readers write for a ticked box
UNCHECKED_GLYPH = UNTICKED_GLYPHS[0]  # ☐
_TRUE_WORDS = {*TICKED_WORDS, *TICKED}
_FALSE_WORDS = {*UNTICKED_WORDS, *UNTICKED}

_NOT_LOOSE = re.compile("[^0-9a-z£%" + "".join(TICKED + UNTICKED) + "]+")

# Placeholder text of empty fields (the cluster's templates and Word's defaults): no value.
PLACEHOLDERS = frozenset(
    {
        "click to type",
        "click to type (enter starts a new line)",
        "choose an item",
        "amount in £",
        "dd/mm/yyyy",
        "click or tap here to enter text",
        "click or tap to enter a date",
        "click here to enter text",
        "click here to enter a date",
    }
)


def is_placeholder(value: str) -> bool:
    text = normalise_label(value).rstrip(". ")
    # OCR may run a placeholder's words together or read a speck as a stop ("Clickto type",
    # "Choose.an item"): compared by its letters alone too.
    return text in PLACEHOLDERS or _letters(text) in _PLACEHOLDERS_TIGHT


# A form must match at least this many distinct labels to be recognised by its labels alone.
MIN_LABEL_MATCHES = 6
# Rows beyond a table's room are still read (as pupil_9_ref, ...), so the checker can tell
# the school they were too many; past this many extra rows they are only counted.
EXTRA_ROWS_READ = 50


def _letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum() or ch == "£")


_PLACEHOLDERS_TIGHT = frozenset(_letters(p) for p in PLACEHOLDERS)


def loose(text: str) -> str:
    """A looser fold than ``normalise_label``: letters, digits, £, % and tick glyphs only."""
    return _NOT_LOOSE.sub("", normalise_label(text))


@dataclass
class LabelIndex:
    spec: FormSpec
    singles: dict[str, str] = field(default_factory=dict)
    singles_loose: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    section_titles: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, spec: FormSpec, extra: dict[str, tuple[str, ...]] | None = None) -> LabelIndex:
        """The index of the spec's labels, with ``extra`` wordings (the cluster's own, by key:
        ``senco_name`` or ``pupil_N_ref``) after them; the spec's own labels win a clash."""
        extra = extra or {}
        index = cls(spec)
        for f in spec.single_fields():
            for label in (*f.all_labels, *extra.get(f.key, ())):
                index.singles.setdefault(normalise_label(label), f.key)
                index.singles_loose.setdefault(loose(label), f.key)
        for group in spec.groups():
            cols: dict[str, str] = {}
            for col in group.columns:
                for label in (*col.all_labels, *extra.get(f"{group.prefix}_N_{col.key}", ())):
                    cols.setdefault(normalise_label(label), col.key)
                    cols.setdefault(loose(label), col.key)
            index.columns[group.name] = cols
        for section in spec.sections:
            index.section_titles.add(normalise_label(section.title))
            # "4. The intervention" is also seen without its number.
            index.section_titles.add(normalise_label(re.sub(r"^\s*\d+\.\s*", "", section.title)))
        index.section_titles.add(normalise_label(spec.title))
        return index

    def single(self, text: str) -> str | None:
        """The flat key whose label (or alias) this text is, or None."""
        n = normalise_label(text)
        if not n:
            return None
        key = self.singles.get(n)
        if key is None:
            lo = loose(text)
            key = self.singles_loose.get(lo) if lo else None
        return key

    def is_heading(self, text: str) -> bool:
        n = normalise_label(text)
        return bool(n) and n in self.section_titles

    def is_checkbox(self, key: str) -> bool:
        try:
            return self.spec.field(key).type is FieldType.CHECKBOX
        except KeyError:  # a row beyond the table's room (pupil_9_ref): text, reported by the checker
            return False

    def header(self, cells: list[str]) -> tuple[RowGroup, list[str | None]] | None:
        """If these cells are a row group's header row: the group and each cell's column key."""
        best: tuple[RowGroup, list[str | None]] | None = None
        best_hits = 0
        nonempty = [c for c in cells if c.strip()]
        for group in self.spec.groups():
            cols = self.columns[group.name]
            mapping: list[str | None] = []
            seen: set[str] = set()
            for cell in cells:
                key = cols.get(normalise_label(cell)) or cols.get(loose(cell)) if cell.strip() else None
                if key in seen:
                    key = None
                if key:
                    seen.add(key)
                mapping.append(key)
            hits = len(seen)
            need = min(2, len(group.columns))
            if hits >= need and hits >= len(nonempty) - 1 and hits > best_hits:
                best, best_hits = (group, mapping), hits
        return best


# (form id, key, wordings): the cluster's own wordings ([labels] in cluster.toml) for the
# read in progress, set by ``extra_wordings`` around it.
Wordings = tuple[tuple[str, str, tuple[str, ...]], ...]
_WORDINGS: ContextVar[Wordings] = ContextVar("wordings", default=())
_INDEXES: dict[tuple[str, Wordings], LabelIndex] = {}


@contextmanager
def extra_wordings(wordings: Wordings) -> Iterator[None]:
    """Within this block, the readers also take the cluster's own wordings of the labels."""
    token = _WORDINGS.set(wordings)
    try:
        yield
    finally:
        _WORDINGS.reset(token)


def index_for(spec: FormSpec) -> LabelIndex:
    wordings = tuple(w for w in _WORDINGS.get() if w[0] == spec.form_id)
    idx = _INDEXES.get((spec.form_id, wordings))
    if idx is None or idx.spec is not spec:
        idx = LabelIndex.build(spec, {key: words for _, key, words in wordings})
        if len(_INDEXES) > 32:
            _INDEXES.clear()
        _INDEXES[(spec.form_id, wordings)] = idx
    return idx


def to_checkbox(value: str) -> bool | str | None:
    """A checkbox's value from its text: True, False, None (blank) or the text itself."""
    text = value.strip()
    if not text:
        return None
    low = normalise_label(text).strip(".! ")
    if low in _TRUE_WORDS:
        return True
    if low in _FALSE_WORDS:
        return False
    # "Yes ☒  No ☐" or "☐ Yes ☒ No": the word next to the ticked glyph.
    m = re.search(r"(yes|no)\s*([" + "".join(TICKED) + r"])", low) or re.search(
        r"([" + "".join(TICKED) + r"])\s*(yes|no)", low
    )
    if m:
        word = m.group(1) if m.group(1) in ("yes", "no") else m.group(2)
        return word == "yes"
    if any(g in text for g in TICKED) and not any(g in text for g in UNTICKED):
        return True
    if any(g in text for g in UNTICKED) and not any(g in text for g in TICKED):
        return False
    return text


def find_identity(texts: Iterable[str]) -> FormSpec | None:
    """The form named by identity text ("Form SEND-APP v1") or form id in these texts."""
    texts = list(texts)
    for text in texts:
        folded = " ".join(text.split()).lower()
        for spec in FORMS.values():
            if spec.identity_text.lower() in folded:
                return spec
        if RESPONSE_IDENTITY.lower() in folded or folded.strip() == RESPONSE_FORM_ID:
            raise UnreadableDocument(
                "This is a response form: the cluster's answer to an application, not a form to fill in.",
                "Please send the application or impact form instead. To query a decision, email the SEND Host.",
                "response-form",
            )
    for text in texts:
        folded = text.strip().lower()
        for spec in FORMS.values():
            if folded == spec.form_id:
                return spec
    return None


def not_a_form(kind: str) -> UnreadableDocument:
    return UnreadableDocument(
        f"This {kind} does not look like one of the cluster's forms (no form labels were recognised).",
        "Please fill in the cluster's application or impact form (Word or PDF) and send that.",
        "not-a-form",
    )


def choose_by_labels(scores: dict[str, int], kind: str, minimum: int = MIN_LABEL_MATCHES) -> FormSpec:
    """The form whose labels matched most, if it matched at least ``minimum``."""
    form_id, hits = max(scores.items(), key=lambda kv: kv[1])
    if hits < minimum:
        raise not_a_form(kind)
    return FORMS[form_id]
