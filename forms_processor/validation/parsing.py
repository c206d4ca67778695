"""Pure parsers for the values a SENCO types into a form.

Each parser takes the raw text (as a reader gives it) and returns the value, or
raises :class:`ParseError` whose text is a plain-English sentence for the school
(without the label: the caller puts the printed label in front). Messages never
repeat what was typed, so a parser can be used on pupil rows without echoing
pupil details back.

Money is always :class:`~decimal.Decimal` quantized to pence, never float.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..spec.base import fold_choice
from ..spec.ticks import TICKED_GLYPHS, TICKED_WORDS, UNTICKED_GLYPHS, UNTICKED_WORDS

__all__ = [
    "ParseError",
    "fold_choice",
    "format_date",
    "format_money",
    "one_ticked",
    "parse_checkbox",
    "parse_choice",
    "parse_date",
    "parse_email",
    "parse_integer",
    "parse_money",
    "parse_number",
    "ticked_options",
]

PENNY = Decimal("0.01")


class ParseError(ValueError):
    """A value that cannot be read; ``str(exc)`` is the sentence for the school."""

    def __init__(self, text_for_school: str) -> None:
        super().__init__(text_for_school)
        self.text = text_for_school


def _clean(text: str) -> str:
    """Strip, and fold the odd spaces and minus signs that word processors insert."""
    for odd in ("\u00a0", "\u2009", "\u202f", "\u2007"):
        text = text.replace(odd, " ")
    return text.replace("\u2212", "-").replace("\u2013", "-").strip()


# --------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------

_MONEY_NUMBER = re.compile(r"^(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<dec>\d+))?$")
_ZERO_WORDS = frozenset({"nil", "none", "zero", "nothing"})
_MONEY_EXAMPLE = "e.g. £1,250.50"


def parse_money(text: str) -> Decimal:
    """An amount in pounds: "£1,250.50", "1250.5", "1,250", "£ 300", "300.00 GBP", "-£50".

    Returns a Decimal quantized to 0.01. Shorthand ("£1.2k"), words ("about 300"),
    more than two decimals ("1.234") and misplaced commas are errors.
    """
    t = _clean(text).lower()
    if not t:
        raise ParseError(f"please write an amount in pounds, {_MONEY_EXAMPLE}.")
    if t in _ZERO_WORDS:
        return Decimal("0.00")
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1].strip()
    if t.startswith("-"):
        negative, t = True, t[1:].strip()
    for mark in ("£", "gbp"):
        if t.startswith(mark):
            t = t[len(mark) :].strip()
    for mark in ("gbp", "pounds", "pound", "£"):
        if t.endswith(mark):
            t = t[: -len(mark)].strip()
    if t.startswith("-") and not negative:
        negative, t = True, t[1:].strip()
    m = _MONEY_NUMBER.match(t)
    if m is None or (m.group("int") is None and m.group("dec") is None):
        if re.fullmatch(r"[\d.,]+\s*(k|m|bn|grand)", t):
            raise ParseError(
                f"please write the full amount in figures, not shortened with a letter ({_MONEY_EXAMPLE})."
            )
        if re.fullmatch(r"\d+(,\d+)+(\.\d+)?", t) or re.fullmatch(r"\d+(\.\d{3})+,\d{1,2}", t):
            raise ParseError(f"please use a full stop for pence and commas only between thousands ({_MONEY_EXAMPLE}).")
        raise ParseError(f"please write just the amount in figures, with no other words ({_MONEY_EXAMPLE}).")
    whole = (m.group("int") or "0").replace(",", "")
    dec = m.group("dec") or ""
    if len(dec) > 2:
        raise ParseError(
            "please write pounds and pence with at most two figures after the point "
            f"({_MONEY_EXAMPLE}; for thousands use a comma, e.g. £1,234)."
        )
    if len(whole) > 12:
        raise ParseError("this amount is too large. Please check it.")
    value = Decimal(f"{whole}.{dec or '0'}").quantize(PENNY)
    return -value if negative and value else value


def format_money(value: Decimal) -> str:
    """£2,450.00 (negative: -£50.00)."""
    q = value.quantize(PENNY)
    sign = "-" if q < 0 else ""
    return f"{sign}£{abs(q):,.2f}"


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _n, _name in enumerate(
    (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    start=1,
):
    _MONTHS[_name] = _n
    _MONTHS[_name[:3]] = _n
_MONTHS["sept"] = 9
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_RE = re.compile(r"^(?P<wd>mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+")
_ISO = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s/-]+([a-z]+)\.?,?[\s/-]+(\d{4}|\d{2})$")
_MONTH_FIRST = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_DATE_EXAMPLE = "DD/MM/YYYY, e.g. 01/03/2027"


def _year(text: str) -> int:
    y = int(text)
    return 2000 + y if len(text) == 2 else y


def _make_date(year: int, month: int, day: int) -> date:
    if not 2000 <= year <= 2099:
        raise ParseError(f"the year does not look right. Please write the date as {_DATE_EXAMPLE}.")
    if not 1 <= month <= 12:
        raise ParseError(f"there is no month {month}. Please write the date as {_DATE_EXAMPLE}.")
    try:
        return date(year, month, day)
    except ValueError:
        month_name = date(2000, month, 1).strftime("%B")
        raise ParseError(f"there is no {day} {month_name} {year}. Please check the date.") from None


def parse_date(text: str) -> date:
    """A date: 01/03/2027, 1/3/27, 01-03-2027, 01.03.2027, 2027-03-01, 1 March 2027, 1st Mar 2027.

    Two-digit years are 20xx. Month-first dates (03/13/2027) are refused with a
    request to use DD/MM/YYYY.
    """
    t = " ".join(_clean(text).lower().split()).rstrip(".")
    weekday: int | None = None
    wd = _WEEKDAY_RE.match(t)
    if wd:
        weekday = next(i for i, name in enumerate(_WEEKDAYS) if name.startswith(wd.group("wd")[:3]))
        t = t[wd.end() :]
    result: date | None = None
    if m := _ISO.match(t):
        result = _make_date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    elif m := _NUMERIC.match(t):
        first, second, year = int(m.group(1)), int(m.group(3)), _year(m.group(4))
        if second > 12 and 1 <= first <= 12:
            raise ParseError(f"this looks like the month is written first. Please use {_DATE_EXAMPLE}.")
        result = _make_date(year, second, first)
    elif (m := _DAY_FIRST.match(t)) and m.group(2) in _MONTHS:
        result = _make_date(_year(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
    elif (m := _MONTH_FIRST.match(t)) and m.group(1) in _MONTHS:
        result = _make_date(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
    if result is None:
        raise ParseError(f"please write the date as {_DATE_EXAMPLE}.")
    if weekday is not None and result.weekday() != weekday:
        raise ParseError(
            f"{format_date(result)} is a {_WEEKDAYS[result.weekday()].title()}, not a "
            f"{_WEEKDAYS[weekday].title()}. Please check the date."
        )
    return result


def format_date(value: date) -> str:
    """1 March 2027: unambiguous in messages."""
    return f"{value.day} {value:%B %Y}"


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)$")


def parse_number(text: str) -> Decimal:
    """A number: "12.5", "1,200", "-3", "85%" (the percent sign is ignored)."""
    t = _clean(text).replace(" ", "")
    if t.endswith("%"):
        t = t[:-1]
    if not _NUMBER.match(t):
        if re.fullmatch(r"[+-]?\d+,\d{1,2}", t):
            raise ParseError("please use a full stop for decimals, e.g. 12.5.")
        raise ParseError("please write a number in figures, with no other words, e.g. 12 or 12.5.")
    try:
        return Decimal(t.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern above rules this out
        raise ParseError("please write a number in figures, e.g. 12.5.") from None


def parse_integer(text: str) -> int:
    """A whole number: "12", "1,200", "12.0"."""
    value = parse_number(text)
    if value != value.to_integral_value():
        raise ParseError("please write a whole number, e.g. 12.")
    return int(value)


# --------------------------------------------------------------------------
# Email
# --------------------------------------------------------------------------

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_EMAIL_EXAMPLE = "e.g. senco@yourschool.org.uk"


def parse_email(text: str) -> str:
    """An email address, with "mailto:" and "Name <address>" wrappers removed; domain in lower case."""
    t = _clean(text)
    if m := re.fullmatch(r"[^<>]*<([^<>]+)>", t):
        t = m.group(1).strip()
    if t.lower().startswith("mailto:"):
        t = t[len("mailto:") :]
    if t.count("@") != 1:
        raise ParseError(f"this is not a valid email address: it needs exactly one @ ({_EMAIL_EXAMPLE}).")
    local, _, domain = t.rpartition("@")
    labels = domain.split(".")
    ok = (
        len(t) <= 254
        and 0 < len(local) <= 64
        and _LOCAL.match(local) is not None
        and len(labels) >= 2
        and all(_LABEL.match(label) for label in labels)
        and re.fullmatch(r"[A-Za-z]{2,}", labels[-1]) is not None
    )
    if not ok:
        raise ParseError(f"this is not a valid email address. Please write it in full ({_EMAIL_EXAMPLE}).")
    return f"{local}@{domain.lower()}"


# --------------------------------------------------------------------------
# Choices and checkboxes
# --------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _choice_index(choices: tuple[str, ...], aliases: tuple[tuple[str, str], ...]) -> dict[str, str]:
    index: dict[str, str] = {}
    for spelling, canonical in aliases:
        index[fold_choice(spelling)] = canonical
    for choice in choices:  # a canonical spelling always wins over an alias
        index[fold_choice(choice)] = choice
    return index


def parse_choice(text: str, choices: tuple[str, ...], aliases: tuple[tuple[str, str], ...] = ()) -> str:
    """The canonical spelling of ``text`` among ``choices`` (or an alias of one).

    Matching ignores case, punctuation and spaces. As a last resort, a typed value
    of at least 5 letters that begins exactly one choice is taken as that choice
    ("Reading age" for "Reading age (months)").
    """
    folded = fold_choice(text)
    index = _choice_index(choices, aliases)
    if folded in index:
        return index[folded]
    if len(folded) >= 5:
        found = {canonical for key, canonical in index.items() if key.startswith(folded)}
        if len(found) == 1:
            return found.pop()
    raise ParseError(f"please choose one of: {', '.join(choices)}.")


_TICKED = frozenset({*TICKED_WORDS, *TICKED_GLYPHS})
_UNTICKED = frozenset({"", *UNTICKED_WORDS, *UNTICKED_GLYPHS})
_BOX = re.compile("([" + "".join(TICKED_GLYPHS + UNTICKED_GLYPHS) + "])")


def ticked_options(text: str) -> list[str] | None:
    """The options ticked in a row of boxes, as a form that prints its choices writes it:
    ["B"] for "☐ A ☒ B ☐ C" (or "A ☐ B ☒ C ☐"); None when the text has no box at all,
    or only one box with no other text (a plain tick)."""
    parts = [p.strip() for p in _BOX.split(_clean(text))]
    boxes = [i for i, p in enumerate(parts) if _BOX.fullmatch(p)]
    if not boxes or len(boxes) == 1 and not "".join(p for p in parts if not _BOX.fullmatch(p)):
        return None
    # Each box's option is the text after it, or, when the text ends with a box, before it.
    step = -1 if not parts[-1] and parts[0] else 1
    out: list[str] = []
    for i in boxes:
        option = parts[i + step] if 0 <= i + step < len(parts) else ""
        if parts[i] in TICKED_GLYPHS and option:
            out.append(option)
    return out


def one_ticked(text: str) -> str:
    """The text of a choice: the one option ticked when it is a row of boxes ("" when none
    is), else the text itself. Two or more ticked: ParseError."""
    ticked = ticked_options(text)
    if ticked is None:
        return text
    if len(ticked) > 1:
        raise ParseError("more than one box is ticked. Please tick only one.")
    return ticked[0] if ticked else ""


def parse_checkbox(value: str | bool, aliases: tuple[tuple[str, str], ...] = ()) -> bool:
    """A checkbox: a bool from a reader, or typed "Yes", "X", "☒", "true" / "", "No", "☐";
    ``aliases`` are the cluster's own wordings of "Yes" and "No" (the ticked one, in a row
    of boxes such as "☒ Informed ☐ Not yet")."""
    if isinstance(value, bool):
        return value
    t = _clean(value).lower().rstrip(".")
    if t in _TICKED:
        return True
    if t in _UNTICKED:
        return False
    own = {fold_choice(w): c == "Yes" for w, c in aliases}
    own.update({fold_choice(w): True for w in TICKED_WORDS} | {fold_choice(w): False for w in UNTICKED_WORDS})
    ticked = ticked_options(value)
    if ticked == []:
        return False  # a row of boxes, none ticked
    word = fold_choice(ticked[0] if ticked is not None and len(ticked) == 1 else value)
    if word in own:
        return own[word]
    raise ParseError("please tick the box (or write Yes) to confirm, or leave it empty.")
