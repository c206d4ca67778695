"""The parsers: examples from the spec, and properties checked with Hypothesis."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms_processor.spec import APPLICATION, IMPACT, FieldType
from forms_processor.validation.parsing import (
    ParseError,
    fold_choice,
    format_date,
    format_money,
    one_ticked,
    parse_checkbox,
    parse_choice,
    parse_date,
    parse_email,
    parse_integer,
    parse_money,
    parse_number,
    ticked_options,
)

# -- money ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£1,250.50", "1250.50"),
        ("1250.5", "1250.50"),
        ("1,250", "1250.00"),
        ("£ 300", "300.00"),
        ("300.00 GBP", "300.00"),
        ("GBP 300", "300.00"),
        ("£0.5", "0.50"),
        (".75", "0.75"),
        ("0", "0.00"),
        ("nil", "0.00"),
        ("-£50", "-50.00"),
        ("£-50.00", "-50.00"),
        ("\u00a3\u00a01,000,000.00", "1000000.00"),
    ],
)
def test_money_accepts(text: str, expected: str) -> None:
    value = parse_money(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("£1.2k", "not shortened"),
        ("about 300", "no other words"),
        ("1.234", "two figures after the point"),
        ("12,50", "full stop for pence"),
        ("£300 + £200", "no other words"),
        ("300-400", "no other words"),
        ("", "amount in pounds"),
        ("£", "no other words"),
        ("1,2345", "full stop for pence"),
    ],
)
def test_money_refuses_with_plain_message(text: str, says: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_money(text)
    assert says in str(info.value)


def test_format_money() -> None:
    assert format_money(Decimal("2450")) == "£2,450.00"
    assert format_money(Decimal("-50")) == "-£50.00"
    assert format_money(Decimal("0.5")) == "£0.50"


_pence = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@given(_pence)
def test_money_round_trips_through_format(value: Decimal) -> None:
    parsed = parse_money(format_money(value))
    assert parsed == value
    assert isinstance(parsed, Decimal)
    assert format_money(parsed) == format_money(value)


@given(_pence, st.sampled_from(["{:f}", "£{:,.2f}", "£ {:f}", "{:,.2f} GBP", "GBP {:.2f}", " £{:,} "]))
def test_money_round_trips_any_written_style(value: Decimal, style: str) -> None:
    assert parse_money(style.format(value)) == value


@given(st.decimals(min_value=0, max_value=10**7, places=3, allow_nan=False, allow_infinity=False))
def test_money_never_rounds_three_decimals(value: Decimal) -> None:
    # Three decimals are refused, even "1.230": it may be a thousands point (1,230).
    with pytest.raises(ParseError):
        parse_money(f"{value:.3f}")


# -- dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "01/03/2027",
        "1/3/2027",
        "1/3/27",
        "01-03-2027",
        "01.03.2027",
        "2027-03-01",
        "1 March 2027",
        "1st March 2027",
        "1st of March 2027",
        "1 Mar 2027",
        "01-Mar-27",
        "March 1, 2027",
        "Monday 1 March 2027",
        " 1  march 2027 ",
    ],
)
def test_date_formats(text: str) -> None:
    assert parse_date(text) == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("03/13/2027", "use DD/MM/YYYY"),
        ("31/02/2027", "there is no 31 February 2027"),
        ("13/13/2027", "there is no month 13"),
        ("next Tuesday", "DD/MM/YYYY"),
        ("01/03/1927", "year does not look right"),
        ("Tuesday 1 March 2027", "is a Monday"),
        ("1 Smarch 2027", "DD/MM/YYYY"),
        ("2027/03", "DD/MM/YYYY"),
    ],
)
def test_date_refuses(text: str, says: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_date(text)
    assert says in str(info.value)


DATE_STYLES = [
    lambda d: f"{d:%d/%m/%Y}",
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: f"{d:%d/%m/%y}",
    lambda d: f"{d:%d-%m-%Y}",
    lambda d: f"{d:%d.%m.%Y}",
    lambda d: d.isoformat(),
    lambda d: format_date(d),
    lambda d: f"{d.day}{'th' if 11 <= d.day <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d.day % 10, 'th')} {d:%B %Y}",
    lambda d: f"{d.day} {d:%b %Y}",
    lambda d: f"{d:%A} {d.day} {d:%B %Y}",
    lambda d: f"{d:%B} {d.day}, {d.year}",
]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.sampled_from(DATE_STYLES))
def test_dates_round_trip_every_format(day: date, style) -> None:  # type: ignore[no-untyped-def]
    assert parse_date(style(day)) == day


@given(st.integers(1, 12), st.integers(13, 31), st.integers(2000, 2099))
def test_month_first_dates_are_refused(month: int, day: int, year: int) -> None:
    with pytest.raises(ParseError, match="DD/MM/YYYY"):
        parse_date(f"{month:02d}/{day:02d}/{year}")


# -- numbers ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [("12", 12), ("1,200", 1200), ("12.0", 12), (" 7 ", 7), ("-3", -3)])
def test_integer(text: str, expected: int) -> None:
    assert parse_integer(text) == expected


@pytest.mark.parametrize("text", ["12.5", "twelve", "12 pupils", "1e3", "1,2"])
def test_integer_refuses(text: str) -> None:
    with pytest.raises(ParseError):
        parse_integer(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("12.5", "12.5"), ("1,200", "1200"), ("85%", "85"), ("-2", "-2"), (".5", "0.5")]
)
def test_number(text: str, expected: str) -> None:
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize(("text", "says"), [("about 12", "in figures"), ("12,5", "full stop"), ("1.2.3", "in figures")])
def test_number_refuses(text: str, says: str) -> None:
    with pytest.raises(ParseError, match=says):
        parse_number(text)


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False, allow_infinity=False))
def test_number_round_trip(value: Decimal) -> None:
    assert parse_number(f"{value:f}") == value
    assert parse_number(f"{value:,f}") == value


# -- email --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("senco@school.org.uk", "senco@school.org.uk"),
        ("Jo.Bloggs+send@School.Example.ORG", "Jo.Bloggs+send@school.example.org"),
        ("mailto:senco@school.org.uk", "senco@school.org.uk"),
        ("Jo Bloggs <senco@school.org.uk>", "senco@school.org.uk"),
    ],
)
def test_email(text: str, expected: str) -> None:
    assert parse_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "senco",
        "senco@",
        "@school.org",
        "senco@school",
        "sen co@school.org",
        "a@@b.org",
        "a..b@school.org",
        "a@-x.org",
        "a@b.c",
    ],
)
def test_email_refuses(text: str) -> None:
    with pytest.raises(ParseError, match="not a valid email address"):
        parse_email(text)


# -- choices ------------------------------------------------------------------


def _choice_fields():  # type: ignore[no-untyped-def]
    seen = {}
    for spec in (APPLICATION, IMPACT):
        for key in spec.flat_keys():
            f = spec.field(key)
            if f.type is FieldType.CHOICE:
                seen[(f.choices, f.choice_aliases)] = f
    return list(seen.values())


CHOICE_FIELDS = _choice_fields()
SPELLINGS = [
    (f, s, s if s in f.choices else dict(f.choice_aliases)[s])
    for f in CHOICE_FIELDS
    for s in (*f.choices, *(a for a, _ in f.choice_aliases))
]


def test_no_two_spellings_fold_to_different_choices() -> None:
    for f in CHOICE_FIELDS:
        index: dict[str, str] = {}
        for spelling, canonical in [*((c, c) for c in f.choices), *f.choice_aliases]:
            folded = fold_choice(spelling)
            assert index.setdefault(folded, canonical) == canonical, (f.key, spelling)


@given(st.sampled_from(SPELLINGS), st.data())
def test_choice_ignores_case_punctuation_and_spaces(item, data) -> None:  # type: ignore[no-untyped-def]
    spec, spelling, canonical = item
    mangled = "".join(
        (ch.upper() if data.draw(st.booleans()) else ch.lower())
        + data.draw(st.sampled_from(["", "", " ", ".", "-", ",", "  "]))
        for ch in spelling
    )
    assert parse_choice(f" {mangled} ", spec.choices, spec.choice_aliases) == canonical


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("semh", "area_of_need", "Social emotional and mental health"),
        ("Sensory & physical", "area_of_need", "Sensory and/or physical"),
        ("Year 4", "pupil_1_year", "Y4"),
        ("4", "pupil_1_year", "Y4"),
        ("statement", "pupil_1_status", "EHCP"),
        ("Reading age", "outcome_1_measure", "Reading age (months)"),
        ("individual", "application_type", "Individual pupil"),
    ],
)
def test_choice_examples(text: str, key: str, expected: str) -> None:
    f = APPLICATION.field(key)
    assert parse_choice(text, f.choices, f.choice_aliases) == expected


@pytest.mark.parametrize(
    ("text", "key"), [("Y15", "pupil_1_year"), ("Boxall", "outcome_1_measure"), ("Teach", "delivered_by")]
)
def test_choice_refuses_unknown_or_ambiguous(text: str, key: str) -> None:
    f = APPLICATION.field(key)
    with pytest.raises(ParseError) as info:
        parse_choice(text, f.choices, f.choice_aliases)
    assert "please choose one of" in str(info.value)
    assert "Y15" not in str(info.value)  # what was typed is never quoted back


# -- checkboxes ---------------------------------------------------------------


@pytest.mark.parametrize("value", [True, "Yes", "yes", "X", "x", "☒", "☑", "✓", "✕", "✖", "true", "TRUE"])
def test_checkbox_ticked(value: str | bool) -> None:
    assert parse_checkbox(value) is True


@pytest.mark.parametrize("value", [False, "", "No", "no", "☐", "false", " "])
def test_checkbox_unticked(value: str | bool) -> None:
    assert parse_checkbox(value) is False


def test_checkbox_refuses_other_text() -> None:
    with pytest.raises(ParseError):
        parse_checkbox("maybe")


@pytest.mark.parametrize(("text", "expected"), [
    ("☐ Communication and interaction ☒ Cognition and learning ☐ SEMH", ["Cognition and learning"]),
    ("Teacher ☐ HLTA ☒ Other ☐", ["HLTA"]),
    ("☐ Teacher ☐ HLTA", []),
    ("☒ Teacher ☒ HLTA", ["Teacher", "HLTA"]),
    ("Cognition and learning", None),
    ("☒", None),
])
def test_the_options_ticked_in_a_row_of_boxes(text: str, expected: list[str] | None) -> None:
    assert ticked_options(text) == expected


def test_a_choice_printed_as_boxes_is_the_one_ticked() -> None:
    assert one_ticked("☐ Teacher ☒ HLTA") == "HLTA"
    assert one_ticked("☐ Teacher ☐ HLTA") == ""  # none ticked: blank, so "required" applies
    assert one_ticked("Teacher") == "Teacher"
    with pytest.raises(ParseError, match="tick only one"):
        one_ticked("☒ Teacher ☒ HLTA")


def test_the_clusters_own_wordings_of_a_choice_and_of_yes_and_no() -> None:
    f = APPLICATION.field("area_of_need")
    own = (("Emotional wellbeing", "Social emotional and mental health"),)
    with pytest.raises(ParseError):
        parse_choice("Emotional wellbeing", f.choices, f.choice_aliases)
    assert parse_choice("emotional WELLBEING", f.choices, (*f.choice_aliases, *own)) == own[0][1]
    assert parse_choice("SEMH", f.choices, (*f.choice_aliases, *own)) == own[0][1]  # the spec's own still taken
    yes_no = (("Informed", "Yes"), ("Not yet", "No"))
    assert parse_checkbox("informed", yes_no) is True
    assert parse_checkbox("☐ Informed ☒ Not yet", yes_no) is False
    assert parse_checkbox("☒ Informed ☐ Not yet", yes_no) is True
    assert parse_checkbox("☐ Informed ☐ Not yet", yes_no) is False
    with pytest.raises(ParseError):
        parse_checkbox("informed")


# -- anything a SENCO might type: a value or a plain refusal, never a crash -----

_TYPED = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="£$€0123456789,.- kKmpGBPnil()/\u00a0\u2212", max_size=20),
)


@given(_TYPED)
def test_money_gives_pence_or_a_plain_refusal(text: str) -> None:
    try:
        value = parse_money(text)
    except ParseError as exc:
        assert exc.text and exc.text[0].islower() and exc.text.endswith(".")
    else:
        assert isinstance(value, Decimal) and value.as_tuple().exponent == -2


@given(_TYPED | st.text(alphabet="0123456789/-. stndrhJanuaryFebMch", max_size=20))
def test_dates_give_a_date_or_a_plain_refusal(text: str) -> None:
    try:
        value = parse_date(text)
    except ParseError as exc:
        assert exc.text and exc.text.endswith(".")
    else:
        assert isinstance(value, date) and 2000 <= value.year <= 2099
