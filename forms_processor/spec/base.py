"""The vocabulary of form specifications: fields, repeating row groups, forms.

A form is described once, here, as data. The template writers, the readers, the
validators and the response writer all work from these descriptions, so a label
changes in one place only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum


class FieldType(str, Enum):
    TEXT = "text"
    MULTILINE = "multiline"
    EMAIL = "email"
    DATE = "date"
    MONEY = "money"
    INTEGER = "integer"
    NUMBER = "number"
    CHOICE = "choice"
    CHECKBOX = "checkbox"


class Req(str, Enum):
    REQUIRED = "R"
    OPTIONAL = "O"
    CONDITIONAL = "C"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form.

    For a column of a repeating row group, ``key`` is the column name (``ref``)
    and the flat keys are ``<prefix>_<n>_<key>`` (``pupil_1_ref``).
    """

    key: str
    label: str
    aliases: tuple[str, ...]
    type: FieldType
    req: Req
    choices: tuple[str, ...] = ()
    # Extra accepted spellings of a choice: spelling -> canonical choice.
    choice_aliases: tuple[tuple[str, str], ...] = ()
    # Configured choices (such as the list of schools) are filled in at run time.
    choices_from_config: str | None = None
    min_length: int | None = None
    max_length: int | None = None

    @property
    def all_labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class RowGroup:
    """A table of repeating rows (pupils, outcomes, costs)."""

    name: str  # "pupils": the key of the list in normalised fields
    prefix: str  # "pupil": flat keys are pupil_1_ref, pupil_2_ref, ...
    max_rows: int
    columns: tuple[FieldSpec, ...]

    def flat_key(self, row: int, column: str) -> str:
        return f"{self.prefix}_{row}_{column}"

    def flat_keys(self) -> list[str]:
        return [self.flat_key(n, c.key) for n in range(1, self.max_rows + 1) for c in self.columns]

    @property
    def header_labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.columns)


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[FieldSpec, ...] = ()
    group: RowGroup | None = None
    # Fields printed after the group's table (number_of_pupils stands before it,
    # the cost totals after it).
    after_group: tuple[FieldSpec, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class FormSpec:
    form_id: str
    version: int
    title: str
    identity_text: str  # printed in the footer: "Form SEND-APP v1"
    sections: tuple[Section, ...]
    intro: str = ""
    _index: dict[str, FieldSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, FieldSpec] = {}
        for spec in self.single_fields():
            index[spec.key] = spec
        for group in self.groups():
            for n in range(1, group.max_rows + 1):
                for col in group.columns:
                    index[group.flat_key(n, col.key)] = col
        self._index.update(index)

    def single_fields(self) -> list[FieldSpec]:
        """Fields that appear once (not in a row group), in form order."""
        out: list[FieldSpec] = []
        for section in self.sections:
            out.extend(section.fields)
            out.extend(section.after_group)
        return out

    def groups(self) -> list[RowGroup]:
        return [s.group for s in self.sections if s.group is not None]

    def group(self, name: str) -> RowGroup:
        for g in self.groups():
            if g.name == name:
                return g
        raise KeyError(name)

    def field(self, flat_key: str) -> FieldSpec:
        """The spec of a flat key: ``school_name`` or ``pupil_3_ref``."""
        return self._index[flat_key]

    def flat_keys(self) -> list[str]:
        """Every key a filled form can carry, in form order (as the PDF's field names)."""
        keys: list[str] = []
        for section in self.sections:
            keys.extend(f.key for f in section.fields)
            if section.group is not None:
                keys.extend(section.group.flat_keys())
            keys.extend(f.key for f in section.after_group)
        return keys

    def label_of(self, flat_key: str) -> str:
        """The label as printed on the form, with the row for repeating fields."""
        m = _ROW_KEY.match(flat_key)
        spec = self.field(flat_key)
        if m:
            prefix, row, _ = m.groups()
            for group in self.groups():
                if group.prefix == prefix:
                    noun = group.name[:-1] if group.name.endswith("s") else group.name
                    return f"{spec.label} ({noun} row {row})"
        return spec.label


_ROW_KEY = re.compile(r"^([a-z]+)_(\d+)_([a-z_]+)$")


def normalise_label(text: str) -> str:
    """Fold a label as the spec says labels are matched.

    Ignores case, extra spaces, a trailing colon or ``*`` and a trailing
    "(required)"; curly quotes and dashes are folded to plain ones.
    """
    t = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
    t = t.replace("\u00a0", " ")
    t = " ".join(t.split()).lower()
    while True:
        before = t
        t = t.rstrip(" :*")
        if t.endswith("(required)"):
            t = t[: -len("(required)")]
        if t == before:
            break
    return t.strip()


def fold_choice(text: str) -> str:
    """Fold a choice for matching: case, punctuation and spaces ignored; "&" reads as "and"."""
    return re.sub(r"[\W_]+", "", text.lower().replace("&", "and"))
