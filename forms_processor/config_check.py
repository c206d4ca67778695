"""Checking ``cluster.toml`` for the mistakes people make, in plain English.

``config.load_config`` calls :func:`explain_syntax_error` when the file is not TOML at all,
:func:`check_raw` on what the TOML parser read (unknown settings, UK dates, duplicate round
codes, malformed email addresses, a meeting before its deadline, the ``[choices]`` of
:mod:`.config_choices`), and
:func:`explain_validation_error` for what the typed models refuse. Each problem names the
line it is on and what to write instead; no parser or pydantic wording reaches the person.
:func:`config_warnings` gives what is allowed but probably wrong (round budgets adding up to
more than the pot to share).

This module knows the models only through ``model_fields``: it imports nothing of
``config.py``, which imports it; besides pydantic it imports only the pure :mod:`.config_choices`.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel

from .config_choices import choice_problems

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake: the line it is on (None when it cannot be told) and what to do."""

    line: int | None
    text: str

    def render(self, file_name: str) -> str:
        where = f"{file_name}, line {self.line}" if self.line else file_name
        return f"{where}: {self.sentence}"

    @property
    def sentence(self) -> str:
        """The text, ending with a full stop (once)."""
        return self.text if self.text.endswith((".", "?", "!")) else self.text + "."


# -- where things are in the file ---------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*$")
KEY_LINE = re.compile(r"""^\s*([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*=""")
_INLINE_KEY = re.compile(r"""(?:^|[{,])\s*([A-Za-z0-9_-]+)\s*=""")


def strip_comment(line: str) -> str:
    """The line without its ``# comment`` (a # inside quotes is kept)."""
    quote: str | None = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _depth_change(text: str) -> int:
    depth = 0
    quote: str | None = None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth


class Locator:
    """Line numbers (from 1) of the tables and settings of a TOML text, by path:
    ``("cluster", "code")``, ``("schools", 2, "ehcp")``, ``("entitlement", "top_slices", 0, "amount")``.
    Best effort, for messages: a path not found gives the line of its nearest parent."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Path_, int] = {}
        self.repeated: list[tuple[int, str]] = []  # (line, what) for a setting or table written twice
        counts: dict[tuple[str, ...], int] = {}
        table: Path_ = ()
        seen_here: set[Path_] = set()
        in_array: tuple[Path_, int] | None = None  # (path of the array, items started so far)
        depth = 0
        for number, raw_line in enumerate(text.splitlines(), start=1):
            line = strip_comment(raw_line)
            if in_array is not None:
                path, items = in_array
                for key in _INLINE_KEY.findall(line) if "{" in line else []:
                    self.lines.setdefault((*path, items, key), number)
                if "{" in line:
                    self.lines.setdefault((*path, items), number)
                    items += line.count("{")
                depth += _depth_change(line)
                in_array = (path, items) if depth > 0 else None
                continue
            header = _HEADER.match(line)
            if header and len(header.group(1)) == len(header.group(3)):
                names = tuple(part.strip().strip("\"'") for part in header.group(2).split("."))
                if header.group(1) == "[[":
                    index = counts.get(names, -1) + 1
                    counts[names] = index
                    table = (*names, index)
                else:
                    table = names
                    if table in self.lines:
                        self.repeated.append((number, f"[{'.'.join(names)}]"))
                self.lines.setdefault(table, number)
                seen_here = set()
                continue
            key_match = KEY_LINE.match(line)
            if not key_match:
                continue
            key = key_match.group(1).strip("\"'")
            path = (*table, key)
            if path in seen_here:
                self.repeated.append((number, key))
            seen_here.add(path)
            self.lines.setdefault(path, number)
            value = line[key_match.end():]
            for sub in _INLINE_KEY.findall(value) if "{" in value else []:
                self.lines.setdefault((*path, sub), number)
            change = _depth_change(value)
            if change > 0:
                depth = change
                in_array = (path, 0)
                if "{" in value:
                    self.lines.setdefault((*path, 0), number)
                    in_array = (path, value.count("{"))

    def line_of(self, path: Iterable[str | int]) -> int | None:
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return None


# -- the shape the models expect ---------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    model: type[BaseModel] | None  # a table of settings
    is_list: bool
    kind: type | None  # date, datetime, Decimal, int, float, bool, str, or None


def _unwrap(annotation: Any) -> _Field:
    is_list = False
    ann = annotation
    for _ in range(3):
        origin = typing.get_origin(ann)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            ann = args[0] if args else ann
        elif origin is list:
            is_list = True
            ann = typing.get_args(ann)[0]
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return _Field(ann, is_list, None)
    return _Field(None, is_list, ann if isinstance(ann, type) else None)


def model_fields_of(model: type[BaseModel]) -> dict[str, _Field]:
    return {name: _unwrap(info.annotation) for name, info in model.model_fields.items()}


def model_at(root: type[BaseModel], path: Path_) -> type[BaseModel] | None:
    model: type[BaseModel] | None = root
    for part in path:
        if isinstance(part, int) or model is None:
            continue
        field = model_fields_of(model).get(part)
        model = field.model if field else None
    return model


# -- saying where -------------------------------------------------------------------------


def table_name(path: Path_, raw: dict[str, Any]) -> str:
    """``[cluster]``, or ``the [[schools]] table for "Cawston Primary School"``."""
    if not path:
        return "the top of the file"
    names = [p for p in path if isinstance(p, str)]
    if isinstance(path[-1], int):
        item: Any = raw
        for part in path:
            try:
                item = item[part]
            except (KeyError, IndexError, TypeError):
                item = None
                break
        label = item.get("name") if isinstance(item, dict) else None
        which = f' for "{label}"' if isinstance(label, str) and label.strip() else f" number {path[-1] + 1}"
        if len(names) > 1:
            return f"{names[-1]} item{which} under [{'.'.join(names[:-1])}]"
        return f"the [[{names[0]}]] table{which}"
    return f"[{'.'.join(names)}]"


def where_in_file(path: Path_, raw: dict[str, Any]) -> str:
    """``ehcp in the [[schools]] table for "Cawston Primary School"``."""
    if not path:
        return "the file"
    if isinstance(path[-1], int):
        return table_name(path, raw)
    key = path[-1]
    parent = path[:-1]
    if not parent:
        return f"{key} at the top of the file"
    where = table_name(parent, raw)
    return f"{key} under {where}" if where.startswith("[") else f"{key} in {where}"


# -- dates written the UK way ---------------------------------------------------------------

UK_DATE = re.compile(r"(?<![\d-])(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})(?:[ T,]+(\d{1,2})[:.](\d{2}))?")


def _iso_from_uk(match: re.Match[str], with_time: bool) -> str | None:
    day, month, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if year < 100:
        year += 2000
    try:
        d = date(year, month, day)
    except ValueError:
        return None
    if not with_time:
        return d.isoformat()
    hour, minute = (int(match.group(4)), int(match.group(5))) if match.group(4) else (12, 0)
    return f"{d.isoformat()}T{hour:02d}:{minute:02d}:00"


def uk_date_advice(key: str, written: str, match: re.Match[str], kind: type | None) -> str:
    with_time = kind is datetime or key == "deadline"
    iso = _iso_from_uk(match, with_time)
    example = iso or ("2026-12-04T12:00:00" if with_time else "2026-12-04")
    what = "a date and time" if with_time else "a date"
    return (
        f"{key} is written {written}; this file needs {what} as year-month-day"
        + (", then T and the time" if with_time else "")
        + f", without quotes: {key} = {example}"
    )


# -- the checks on what the parser read ---------------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
# Settings that hold an email address: (table, key); a table of a list is written with "*".
_EMAIL_KEYS = {("host", "email"), ("schools", "*", "senco_email"), ("schools", "*", "headteacher_email"),
               ("smtp", "sender")}


def _email_problem(key: str, value: str) -> str | None:
    v = value.strip()
    if _EMAIL.match(v):
        return None
    if "@" not in v:
        why = "it has no @"
    elif v.count("@") > 1:
        why = "it has more than one @"
    elif " " in v:
        why = "it has a space in it"
    elif "." not in v.rpartition("@")[2]:
        why = "the part after the @ has no dot"
    else:
        why = "it has a character an email address cannot have"
    return f'{key} is "{value}", which is not an email address ({why}). Write it in full, such as "senco@school.example.org"'


def check_raw(raw: dict[str, Any], locator: Locator, root: type[BaseModel]) -> tuple[list[Problem], set[Path_]]:
    """The mistakes found in the parsed file before the models see it, and the paths they
    are at (so that the models' own complaint about the same setting is not given twice)."""
    problems: list[Problem] = []
    covered: set[Path_] = set()

    def add(path: Path_, text: str) -> None:
        problems.append(Problem(locator.line_of(path), text))
        covered.add(path)

    def walk(table: dict[str, Any], model: type[BaseModel], path: Path_) -> None:
        fields = model_fields_of(model)
        for key, value in table.items():
            here = (*path, key)
            field = fields.get(key)
            if field is None:
                add(here, unknown_setting(key, value, path, fields, raw))
                continue
            if field.model is not None:
                if field.is_list and isinstance(value, list):
                    for i, item in enumerate(value):
                        if isinstance(item, dict):
                            walk(item, field.model, (*here, i))
                elif isinstance(value, dict):
                    walk(value, field.model, here)
                continue
            if field.kind in (date, datetime) and isinstance(value, str):
                m = UK_DATE.search(value)
                if m:
                    add(here, uk_date_advice(key, f'"{value}"', m, field.kind))
            generic = tuple("*" if isinstance(p, int) else p for p in here)
            if generic in _EMAIL_KEYS and isinstance(value, str) and value.strip():
                bad = _email_problem(key, value)
                if bad:
                    add(here, bad)
            if key == "email_domains" and isinstance(value, list):
                for d in value:
                    if isinstance(d, str) and not _DOMAIN.match(d.strip()):
                        after = d.rpartition("@")[2] if "@" in d else "school.example.org"
                        add(here, f'email_domains has "{d}", which is not a mail domain: write only the part after '
                                  f'the @ of the school\'s addresses, such as "{after}"')

    walk(raw, root, ())
    rounds = raw.get("rounds")
    names = [r["name"] for r in rounds if isinstance(r, dict) and isinstance(r.get("name"), str)] if isinstance(rounds, list) else []
    for path, text in choice_problems(raw.get("choices"), names):
        add(path, text)
    _check_duplicates(raw, add, covered)
    _check_meetings(raw, add)
    return problems, covered


def unknown_setting(key: str, value: Any, path: Path_, fields: dict[str, _Field], raw: dict[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
    if not path and isinstance(value, dict | list):
        brackets = "[[{}]]" if isinstance(value, list) else "[{}]"
        known = [brackets.format(n) if fields[n].is_list else f"[{n}]" for n in fields if fields[n].model]
        text = f"there is no table {brackets.format(key)} in this file."
        if close:
            return text + f" Did you mean {brackets.format(close[0]) if fields[close[0]].is_list else '[' + close[0] + ']'}?"
        return text + f" The tables are {', '.join(known)}."
    where = table_name(path, raw)
    text = f'there is no setting called "{key}" ' + (f"under {where}" if where.startswith("[") else f"in {where}") + "."
    if close:
        return text + f' Did you mean "{close[0]}"?'
    return text + f" The settings there are: {', '.join(fields)}."


def _check_duplicates(raw: dict[str, Any], add: Any, covered: set[Path_]) -> None:
    for table, keys in (("rounds", ("code", "name")), ("schools", ("code", "name"))):
        items = raw.get(table)
        if not isinstance(items, list):
            continue
        for key in keys:
            first: dict[str, int] = {}
            for i, item in enumerate(items):
                if not isinstance(item, dict) or not isinstance(item.get(key), str):
                    continue
                folded = " ".join(item[key].lower().split())
                if folded in first:
                    j = first[folded]
                    other = items[j].get("name", f"number {j + 1}")
                    what = "round" if table == "rounds" else "school"
                    add((table, i, key),
                        f'the {what} {key} "{item[key]}" is already used by the {what} "{other}" '
                        f"(the [[{table}]] table number {j + 1}). Each {what} needs its own {key}: "
                        + ("forms are given their round by it, so two rounds with one code mix their forms up."
                           if table == "rounds" and key == "code" else "change one of them."))
                else:
                    first[folded] = i


def _check_meetings(raw: dict[str, Any], add: Any) -> None:
    rounds = raw.get("rounds")
    if not isinstance(rounds, list):
        return
    for i, rnd in enumerate(rounds):
        if not isinstance(rnd, dict):
            continue
        deadline, meeting = rnd.get("deadline"), rnd.get("meeting")
        if not isinstance(deadline, date) or not isinstance(meeting, date):
            continue
        deadline_day = deadline.date() if isinstance(deadline, datetime) else deadline
        meeting_day = meeting.date() if isinstance(meeting, datetime) else meeting
        if meeting_day < deadline_day:
            name = rnd.get("name", f"number {i + 1}")
            add(("rounds", i, "meeting"),
                f'the Working Party meeting of the round "{name}" ({_day(meeting_day)}) is before its deadline '
                f"({_day(deadline_day)}): the meeting decides the forms that arrived by the deadline, so it must "
                "be on or after it. Check both dates (year-month-day)")


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


# -- allowed, but probably wrong -----------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"£{value:,.2f}"


def config_warnings(config: Any, text: str | None = None) -> list[Problem]:
    """What is allowed but probably a mistake: the round budgets of an academic year adding
    up to more than the pot less its top-slices."""
    locator = Locator(text) if text is not None else None
    ent = config.entitlement
    warnings: list[Problem] = []
    try:
        share = Decimal(ent.pot) - sum((Decimal(t.amount) for t in ent.top_slices), Decimal("0"))
    except (InvalidOperation, TypeError):
        return warnings
    if ent.pot <= 0:
        return warnings
    by_year: dict[str, Decimal] = {}
    for rnd in config.rounds:
        d = rnd.deadline.date()
        start = d.year if d.month >= 9 else d.year - 1
        year = f"{start}-{(start + 1) % 100:02d}"
        by_year[year] = by_year.get(year, Decimal("0")) + rnd.budget
    for year, total in sorted(by_year.items()):
        if total > share:
            line = locator.line_of(("entitlement", "pot")) if locator else None
            slices = f" less the top-slices ({_money(share)} to share)" if ent.top_slices else ""
            warnings.append(Problem(line, (
                f"the budgets of the {year} rounds add up to {_money(total)}, more than the pot of "
                f"{_money(Decimal(ent.pot))}{slices}. Awards could go beyond the money there is: lower "
                "the rounds' budgets, or correct the pot")))
    return warnings
