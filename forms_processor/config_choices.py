"""The cluster's own wordings of the forms' choices: ``[choices.application.area_of_need]``
in cluster.toml, each line a choice and the extra wordings the checker also takes for it,
as it takes the spec's own spellings of a choice ("SEMH" for "Social emotional and mental
health"):

    [choices.application.area_of_need]
    "Social emotional and mental health" = ["Emotional wellbeing"]

The keys are the choice fields of a form (a table's column with ``N`` for the row:
``pupil_N_year``); a yes/no box takes ``Yes`` and ``No``; ``funding_round`` takes the names
of the ``[[rounds]]``. :func:`choice_problems` gives each mistake at its path in the file
(config_check names the line); :class:`Choices` is the model, and gives the checker the
(wording, choice) pairs of one field. Pure: imports only the spec.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from .spec import FORMS, FieldSpec, FieldType, fold_choice
from .spec.ticks import TICKED_WORDS, UNTICKED_WORDS

SECTIONS = {"application": "send-application", "impact": "send-impact"}
YES_NO = ("Yes", "No")
_ROW_KEY = re.compile(r"^([a-z]+)_(\d+)_([a-z_]+)$")

Path_ = tuple[str | int, ...]


def choice_fields(form_id: str) -> dict[str, FieldSpec]:
    """The keys ``[choices.<form>]`` takes, each with its field: the choice fields, the
    yes/no boxes and the funding round; a table's columns written with ``N`` for the row."""
    spec = FORMS[form_id]
    out: dict[str, FieldSpec] = {}
    for f in spec.single_fields():
        if f.type in (FieldType.CHOICE, FieldType.CHECKBOX) or f.choices_from_config == "rounds":
            out[f.key] = f
    for group in spec.groups():
        for col in group.columns:
            if col.type in (FieldType.CHOICE, FieldType.CHECKBOX):
                out[f"{group.prefix}_N_{col.key}"] = col
    return out


def generic_key(flat_key: str) -> str:
    """``pupil_3_year`` -> ``pupil_N_year``; a single field's key as it is."""
    m = _ROW_KEY.match(flat_key)
    return f"{m.group(1)}_N_{m.group(3)}" if m else flat_key


def choices_of(field: FieldSpec, round_names: Iterable[str]) -> tuple[str, ...]:
    """The canonical choices of a field: the spec's, Yes and No, or the rounds' names."""
    if field.type is FieldType.CHECKBOX:
        return YES_NO
    if field.choices_from_config == "rounds":
        return tuple(round_names)
    return field.choices


def known_spellings(field: FieldSpec, round_names: Iterable[str]) -> dict[str, str]:
    """Folded spelling -> canonical choice, for every spelling the program already takes."""
    index: dict[str, str] = {}
    if field.type is FieldType.CHECKBOX:
        index.update({fold_choice(w): "Yes" for w in TICKED_WORDS})
        index.update({fold_choice(w): "No" for w in UNTICKED_WORDS})
    for spelling, canonical in field.choice_aliases:
        index[fold_choice(spelling)] = canonical
    for choice in choices_of(field, round_names):
        index[fold_choice(choice)] = choice
    index.pop("", None)
    return index


def wording_keys(form_id: str) -> set[str]:
    """Every key of a form, a table's columns with ``N`` for the row (``pupil_N_ref``)."""
    spec = FORMS[form_id]
    keys = {f.key for f in spec.single_fields()}
    keys |= {f"{g.prefix}_N_{c.key}" for g in spec.groups() for c in g.columns}
    return keys


def _no_field(section: str, key: str, fields: dict[str, FieldSpec]) -> str:
    if key == "school_name":
        return (f"[choices.{section}] cannot take school_name: a school's other names go in its [[schools]] "
                'table, as aliases = ["…"]')
    if key in wording_keys(SECTIONS[section]):
        return (f"[choices.{section}] cannot take {key}: it is written in, not chosen from a list "
                f"(its other labels go under [labels.{section}])")
    where = f"[choices.{section}] has no choice field {key!r}"
    close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
    if close:
        return where + f" (did you mean {close[0]}?)"
    return where + "; the choice fields are: " + ", ".join(fields)


def _no_choice(section: str, key: str, choice: str, known: tuple[str, ...], field: FieldSpec) -> str:
    where = f'[choices.{section}.{key}] has no choice "{choice}"'
    if not known:
        return where + "; funding_round's choices are the names of the [[rounds]], and this file has none"
    close = difflib.get_close_matches(choice.lower(), [k.lower() for k in known], n=1, cutoff=0.5)
    hint = ""
    if close:
        hint = f' (did you mean "{next(k for k in known if k.lower() == close[0])}"?)'
    if field.type is FieldType.CHECKBOX:
        return where + hint + '; a tick box\'s choices are "Yes" and "No"'
    return where + hint + "; the choices are: " + ", ".join(f'"{k}"' for k in known)


def choice_problems(raw: Any, round_names: Iterable[str]) -> list[tuple[Path_, str]]:
    """The mistakes of the ``[choices]`` tables as read from the file, each at its path:
    a field that is no choice field, a choice the field does not have, a wording that is
    empty, already another choice (or one of its spellings), or given twice."""
    rounds = tuple(round_names)
    problems: list[tuple[Path_, str]] = []
    if not isinstance(raw, dict):
        return problems  # the model says what it must be
    for section, table in raw.items():
        if section not in SECTIONS or not isinstance(table, dict):
            continue
        fields = choice_fields(SECTIONS[section])
        for key, options in table.items():
            path: Path_ = ("choices", section, key)
            field = fields.get(key)
            if field is None:
                problems.append((path, _no_field(section, key, fields)))
                continue
            if not isinstance(options, dict):
                first = (choices_of(field, rounds) or ("…",))[0]
                problems.append((path, f"[choices.{section}.{key}] is a table: under it, one line per choice, "
                                       f'the choice in quotes = its wordings, such as "{first}" = ["…"]'))
                continue
            problems += _option_problems(section, key, field, options, rounds)
    return problems


def _option_problems(section: str, key: str, field: FieldSpec, options: dict[str, Any],
                     rounds: tuple[str, ...]) -> list[tuple[Path_, str]]:
    problems: list[tuple[Path_, str]] = []
    index = known_spellings(field, rounds)
    given: dict[str, tuple[str, str]] = {}  # folded wording -> (choice, wording as written)
    for choice, wordings in options.items():
        here: Path_ = ("choices", section, key, choice)
        canonical = index.get(fold_choice(choice))
        if canonical is None:
            problems.append((here, _no_choice(section, key, choice, choices_of(field, rounds), field)))
            continue
        if not isinstance(wordings, list):
            continue  # the model says it must be a list
        for wording in wordings:
            if not isinstance(wording, str):
                continue
            folded = fold_choice(wording)
            if not folded:
                problems.append((here, f'[choices.{section}.{key}] "{choice}": a wording is empty'))
            elif index.get(folded, canonical) != canonical:
                problems.append((here, f'[choices.{section}.{key}]: the wording "{wording}" already stands for '
                                       f'"{index[folded]}", so it cannot also be "{canonical}"'))
            elif folded in given:
                first, written = given[folded]
                what = f'twice for "{canonical}"' if first == canonical else f'for both "{first}" and "{canonical}"'
                problems.append((here, f'[choices.{section}.{key}]: the wording "{wording}" is given {what}'
                                       + (f' (as "{written}")' if written != wording else "") + "; keep one"))
            else:
                given[folded] = (canonical, wording)
    return problems


class Choices(BaseModel):
    """``[choices.application]`` / ``[choices.impact]``: a choice field -> a choice -> the
    cluster's extra wordings of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    application: dict[str, dict[str, list[str]]] = {}
    impact: dict[str, dict[str, list[str]]] = {}

    def aliases(self, form_id: str, flat_key: str, round_names: Iterable[str] = ()) -> tuple[tuple[str, str], ...]:
        """(wording, canonical choice) for one field of a form (``pupil_3_year`` takes the
        wordings of ``pupil_N_year``), as the spec's ``choice_aliases`` are written."""
        section = next((s for s, f in SECTIONS.items() if f == form_id), None)
        table = getattr(self, section) if section else {}
        key = generic_key(flat_key)
        options = table.get(key)
        if not options:
            return ()
        field = choice_fields(form_id).get(key)
        if field is None:
            return ()
        index = known_spellings(field, round_names)
        out: list[tuple[str, str]] = []
        for choice, wordings in options.items():
            canonical = index.get(fold_choice(choice))
            if canonical is not None:
                out.extend((w, canonical) for w in wordings)
        return tuple(out)
