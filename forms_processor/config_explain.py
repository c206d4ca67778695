"""What the configuration's models and the TOML parser refuse, said in plain English with
the line of the mistake (the parser's and pydantic's own wording never reaches a person).
The checks of :mod:`.config_check` run first; this explains what they let through."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from .config_check import (
    KEY_LINE,
    UK_DATE,
    Locator,
    Path_,
    Problem,
    model_at,
    model_fields_of,
    strip_comment,
    table_name,
    uk_date_advice,
    unknown_setting,
    where_in_file,
)

# -- what the models refuse, in plain English -------------------------------------------------

_CODE_RULES: dict[Path_, str] = {
    ("cluster",): '2 to 5 capital letters, such as "WVC"',
    ("schools",): '2 to 6 capital letters or digits, such as "ALD"',
    ("rounds",): '1 to 4 capital letters or digits, such as "AU2"',
}
_EXAMPLES = {
    "deadline": "2027-02-05T12:00:00", "meeting": "2027-02-10", "census_date": "2026-10-01",
    "name": '"…"', "code": '"…"', "email": '"send.host@school.example.org"', "host": '"smtp.example.org"',
    "username": '"send.forms@school.example.org"', "amount": '"3000.00"',
}


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return "a table" if isinstance(value, dict) else "a list"
    return str(value)


def _explain_one(err: Any, raw: dict[str, Any], root: type[BaseModel]) -> tuple[Path_, str]:
    loc: Path_ = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    key = next((p for p in reversed(loc) if isinstance(p, str)), "")
    spot = where_in_file(loc, raw)
    it = f"it is {_shown(value)}"
    if kind == "missing":
        example = _EXAMPLES.get(key, "…")
        if loc[:-1]:
            return loc, f"{table_name(loc[:-1], raw)} needs a line {key} = {example}"
        if key in ("cluster", "host"):
            return loc, f"the file needs a [{key}] table; run 'forms init' in an empty folder to see an example"
        return loc, f"the file needs [[{key}]] tables" if key == "schools" else f"the file needs {key}"
    if kind.startswith("decimal") or (kind.startswith("float") and key in ("w_ehcp", "w_support")):
        if key in ("w_ehcp", "w_support"):
            return loc, f'{spot} must be a number in quotes, such as "3"; {it}'
        return loc, f'{spot} must be an amount of money in quotes, with no £ sign or commas, such as "10000.00"; {it}'
    if kind.startswith("int"):
        return loc, f"{spot} must be a whole number without quotes, such as 4; {it}"
    if kind.startswith("float"):
        return loc, f"{spot} must be a number without quotes, such as 25; {it}"
    if kind.startswith("bool"):
        return loc, f"{spot} must be true or false, without quotes; {it}"
    if kind.startswith("datetime"):
        return loc, f"{spot} must be a date and time, year-month-day then T and the time, without quotes, such as {key} = 2027-02-05T12:00:00; {it}"
    if kind == "date_from_datetime_inexact":
        return loc, f"{spot} must be a day only, without a time, such as {key} = 2027-02-10"
    if kind.startswith("date"):
        return loc, f"{spot} must be a date, year-month-day without quotes, such as {key} = 2027-02-10; {it}"
    if kind == "string_pattern_mismatch":
        if key == "code":
            table = tuple(p for p in loc[:1])
            return loc, f"{spot} must be {_CODE_RULES.get(table, 'capital letters')}; {it}"
        if key == "security":
            choices = "starttls, ssl or plain" if loc[:1] == ("smtp",) else "ssl, starttls or plain"
            return loc, f'{spot} must be one of {choices} (in quotes); {it}'
        return loc, f"{spot} is not written as it should be; {it}"
    if kind in ("string_type",):
        return loc, f'{spot} must be text in quotes, such as {key} = "…"; {it}'
    if kind == "list_type":
        return loc, f'{spot} must be a list in square brackets, such as {key} = ["…", "…"]; {it}'
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if not loc[:-1] and key in ("schools", "rounds"):
            return loc, f"{key} must be written as [[{key}]] tables, one for each"
        return loc, f"{spot} must be a table of settings; {it}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {"greater_than_equal": "at least", "greater_than": "more than",
                 "less_than_equal": "at most", "less_than": "less than"}[kind]
        limit = next(iter(ctx.values()), "")
        return loc, f"{spot} must be {words} {limit}; {it}"
    if kind == "extra_forbidden":
        model = model_at(root, loc[:-1]) or root
        return loc, unknown_setting(key, value, loc[:-1], model_fields_of(model), raw)
    if kind == "value_error":
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        return loc, f"{spot}: {msg}" if loc else msg
    return loc, f"{spot} is not valid here; {it}"


def explain_validation_error(exc: ValidationError, raw: dict[str, Any], locator: Locator,
                             root: type[BaseModel], covered: set[Path_]) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        if loc in covered or (not loc and covered):
            continue
        path, text = _explain_one(err, raw, root)
        problems.append(Problem(locator.line_of(path), text))
    return problems


# -- a file that is not TOML at all -------------------------------------------------------------

_AT_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


def explain_syntax_error(message: str, text: str) -> Problem:
    """A TOML parser's complaint, as a line and a sentence a person can act on."""
    m = _AT_LINE.search(message)
    number = int(m.group(1)) if m else None
    lines = text.splitlines()
    line = strip_comment(lines[number - 1]) if number and number <= len(lines) else ""
    if number is None:
        locator = Locator(text)
        if locator.repeated:
            number, what = locator.repeated[0]
            return Problem(number, f"{what} is written a second time here; keep only one of them")
    key_match = KEY_LINE.match(line)
    key = key_match.group(1) if key_match else ""
    uk = UK_DATE.search(line)
    if uk and key:
        return Problem(number, uk_date_advice(key, uk.group(0), uk, None))
    if "Cannot declare" in message or "Cannot overwrite" in message:
        return Problem(number, "this table or setting is written a second time; keep only one of them")
    if "Illegal character '\\n'" in message or "Unterminated" in message:
        return Problem(number, "a text value on this line has no closing quote: put \" at both ends")
    if "Expected '=' after a key" in message or "Invalid initial character for a key" in message:
        return Problem(number, 'each setting is written name = value on its own line (a name has no spaces), '
                               'such as senco_email = "senco@school.example.org"')
    if key and ("Invalid value" in message or "Expected newline" in message):
        value = line[key_match.end():].strip() if key_match else ""
        if value and value[0].isalpha() and value not in ("true", "false"):
            return Problem(number, f'the value of {key} is text, so it goes in quotes: {key} = "{value}"')
        if "£" in value or "," in value:
            digits = re.sub(r"[£,\s\"]", "", value)
            return Problem(number, f'{key} is written {value}; money is written in quotes with no £ sign or '
                                   f'commas: {key} = "{digits}"')
    if "Unclosed" in message or "array" in message.lower():
        return Problem(number, "a list or table on this line is not closed: check the [ ] and { } brackets")
    return Problem(number, "this line is not written the way cluster.toml needs: text and money go in quotes "
                           '("Marsham", "1250.00"), dates as 2026-12-04, a deadline as 2026-12-04T12:00:00, '
                           "true and false without quotes")
