"""The generic half of validation: read each field by its spec, collect messages.

:class:`FormChecker` parses one flat key by its type (required, parse errors,
lengths), reads the filled rows of a row group, and records messages with the
label as printed. The form-specific rules (application.py, impact.py) build on it.
:class:`ValidationResult` is what a validation returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticValidationError

from ..config import School
from ..spec import FORMS, MEASURES_BY_NAME, FieldSpec, FieldType, FormSpec, Req
from .context import ValidationContext
from .messages import Message, Severity, error, warning
from .models import ApplicationForm, ImpactForm
from .parsing import (
    ParseError,
    fold_choice,
    format_date,
    one_ticked,
    parse_checkbox,
    parse_choice,
    parse_date,
    parse_email,
    parse_integer,
    parse_money,
    parse_number,
)

if TYPE_CHECKING:  # readers are not imported at run time: validation needs only the data
    from ..readers.base import ExtractedForm

# Computed keys that are not spec fields, with their type for fields_json().
COMPUTED_TYPES: dict[str, FieldType] = {"underspend": FieldType.MONEY, "overdue": FieldType.CHECKBOX}


@dataclass
class ValidationResult:
    """The outcome of checking one form.

    ``fields`` holds every value that could be read, normalised (Decimal money,
    date dates, canonical choices, the configured school and round names); a key
    is present only when its value could be read. Row groups are lists of dicts
    under ``pupils``, ``outcomes`` and ``costs``, one per filled row, with every
    column key (None where empty or unreadable). ``form`` is the typed model when
    there are no errors.
    """

    form_id: str
    fields: dict[str, Any]
    messages: list[Message]
    school: str | None = None
    round: str | None = None
    form: ApplicationForm | ImpactForm | None = None

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def fields_json(self) -> dict[str, Any]:
        """``fields`` made JSON-ready: money "1250.00", dates "2027-03-01", numbers as numbers.

        Every key of the form is there, in the form's order (null where blank or unreadable;
        an empty list for a table with no filled rows), so a script can rely on the keys.
        """
        spec = FORMS.get(self.form_id)
        out: dict[str, Any] = {}
        if spec is not None:
            for section in spec.sections:
                for f in section.fields:
                    out[f.key] = None
                if section.group is not None:
                    out[section.group.name] = []
                for f in section.after_group:
                    out[f.key] = None
        for key, value in self.fields.items():
            if isinstance(value, list) and spec is not None:
                group = spec.group(key)
                types = {c.key: c.type for c in group.columns}
                out[key] = [{k: _json_value(types.get(k), v) for k, v in row.items()} for row in value]
            else:
                ftype = COMPUTED_TYPES.get(key)
                if ftype is None and spec is not None:
                    try:
                        ftype = spec.field(key).type
                    except KeyError:
                        ftype = None
                out[key] = _json_value(ftype, value)
        return out


def _json_value(ftype: FieldType | None, value: Any) -> Any:
    if isinstance(value, Decimal):
        if ftype is FieldType.MONEY:
            return f"{value.quantize(Decimal('0.01')):f}"
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def fmt_number(value: Decimal) -> str:
    """A number for a message: 40, 12.5."""
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


def same_text(a: str, b: str) -> bool:
    """Equal ignoring case, spaces and punctuation (names, titles, signatures)."""
    return fold_choice(a) == fold_choice(b)


class FormChecker:
    """Reads the fields of one extracted form by its spec and gathers messages."""

    def __init__(self, spec: FormSpec, extracted: ExtractedForm, ctx: ValidationContext) -> None:
        self.spec = spec
        self.raw = extracted.fields
        self.ctx = ctx
        self.fields: dict[str, Any] = {}
        self.messages: list[Message] = []
        self.school: School | None = None
        self.round: str | None = None

    # -- messages ---------------------------------------------------------
    def label(self, key: str) -> str:
        return self.spec.label_of(key) if key else ""

    def error(self, key: str, text: str) -> None:
        self.messages.append(error(key, self.label(key), text))

    def warn(self, key: str, text: str) -> None:
        self.messages.append(warning(key, self.label(key), text))

    # -- reading fields ---------------------------------------------------
    def present(self, key: str) -> bool:
        raw = self.raw.get(key)
        if isinstance(raw, bool):
            return raw
        return isinstance(raw, str) and bool(raw.strip())

    def raw_text(self, key: str) -> str:
        raw = self.raw.get(key)
        return raw.strip() if isinstance(raw, str) else ""

    def parse(self, key: str, *, required: bool | None = None, check_length: bool = True) -> Any:
        """The value of ``key`` read by its spec, or None (message recorded when needed)."""
        spec = self.spec.field(key)
        raw = self.raw.get(key)
        # The cluster's own wordings of this field's choices ([choices] in cluster.toml).
        own = self.ctx.config.choice_aliases(self.spec.form_id, key)
        if spec.type is FieldType.CHECKBOX:
            try:
                return parse_checkbox(raw if raw is not None else False, own)
            except ParseError as exc:
                self.error(key, exc.text)
                return None
        if isinstance(raw, bool):
            if raw:
                self.error(key, "this could not be read as typed text. Please type the value.")
                return None
            raw = ""
        text = (raw or "").strip()
        if spec.type is FieldType.CHOICE:
            try:  # a form that prints its choices with a box each: the one ticked
                text = one_ticked(text)
            except ParseError as exc:
                self.error(key, exc.text)
                return None
        if not text:
            if required is None:
                required = spec.req is Req.REQUIRED
            if required:
                self.error(key, "this is required. Please fill it in.")
            return None
        try:
            value = _parse_by_type(spec, text, own)
        except ParseError as exc:
            self.error(key, exc.text)
            return None
        if check_length and isinstance(value, str) and spec.type in (FieldType.TEXT, FieldType.MULTILINE):
            self._check_length(key, spec, value)
        return value

    def take(self, key: str, *, required: bool | None = None) -> Any:
        """Parse a single field and keep its value in ``fields``."""
        value = self.parse(key, required=required)
        if value is not None:
            self.fields[key] = value
        return value

    def _check_length(self, key: str, spec: FieldSpec, value: str) -> None:
        n = len(value)
        if spec.min_length is not None and n < spec.min_length:
            self.error(key, f"please write at least {spec.min_length} characters (this has {n}).")
        if spec.max_length is not None and n > spec.max_length:
            self.error(key, f"please keep this to at most {spec.max_length} characters (this has {n}).")

    def rows(
        self, group_name: str, required: frozenset[str], skip_length: frozenset[str] = frozenset()
    ) -> list[tuple[int, dict[str, Any]]]:
        """The filled rows of a group as (row number, {column: value or None})."""
        group = self.spec.group(group_name)
        out: list[tuple[int, dict[str, Any]]] = []
        for n in range(1, group.max_rows + 1):
            keys = {c.key: group.flat_key(n, c.key) for c in group.columns}
            if not any(self.present(k) for k in keys.values()):
                continue
            row = {
                col: self.parse(key, required=col in required, check_length=col not in skip_length)
                for col, key in keys.items()
            }
            out.append((n, row))
        extra = sorted(
            {
                int(k.split("_")[1])
                for k in self.raw
                if k.startswith(group.prefix + "_")
                and k.split("_")[1].isdigit()
                and int(k.split("_")[1]) > group.max_rows
            }
        )
        if extra:
            self.messages.append(
                error(
                    "",
                    "",
                    f"The {group.name} table has room for {group.max_rows} rows; rows after row "
                    f"{group.max_rows} were not read. Please send the rest on a separate form.",
                )
            )
        return out

    # -- checks shared by the forms ---------------------------------------
    def check_school(self) -> School | None:
        text = self.take("school_name")
        if text is None:
            return None
        school = self.ctx.config.find_school(text)
        if school is None:
            names = ", ".join(s.name for s in self.ctx.config.schools)
            self.error(
                "school_name",
                f"this is not one of the cluster's schools. Please write the school's name as one of: {names}.",
            )
            return None
        self.fields["school_name"] = school.name
        self.school = school
        return school

    def check_senco_email(self) -> None:
        email = self.take("senco_email")
        school = self.school
        if email is None or school is None or not (school.email_domains or school.senco_email):
            return
        if not school.owns_address(email):
            domains = ", ".join("@" + d for d in school.email_domains) or school.senco_email or ""
            self.warn(
                "senco_email",
                f"this address is not one of {school.name}'s ({domains}). Please check it is right, "
                "and use a school address where you can.",
            )

    def check_not_after_received(self, key: str) -> None:
        value = self.fields.get(key)
        if value is not None and value > self.ctx.today:
            self.error(
                key,
                f"{format_date(value)} is after the day this form was received ({format_date(self.ctx.today)}). "
                "Please check the date.",
            )

    def check_money_not_negative(self, key: str) -> None:
        value = self.fields.get(key)
        if value is not None and value < 0:
            self.error(key, "this cannot be less than £0.00. Please correct the amount.")

    def check_in_range(self, key: str, measure: str | None, value: Decimal | None) -> None:
        """A score within its measure's range (scores are never quoted back)."""
        if measure is None or value is None:
            return
        m = MEASURES_BY_NAME[measure]
        if m.low is not None and value < m.low or m.high is not None and value > m.high:
            if m.high is None:
                span = f"is {fmt_number(m.low)} or more" if m.low is not None else "has no range"
            else:
                span = f"runs from {fmt_number(m.low or Decimal(0))} to {fmt_number(m.high)}"
            self.error(key, f"this is outside the range of the measure ({m.name} {span}). Please check it.")

    def result(self, model: type[ApplicationForm] | type[ImpactForm]) -> ValidationResult:
        # Messages in the order of the form, so a SENCO can work down it; form-wide ones last.
        order = {key: i for i, key in enumerate(self.spec.flat_keys())}
        self.messages.sort(key=lambda m: order.get(m.field, len(order)))
        res = ValidationResult(
            form_id=self.spec.form_id,
            fields=self.fields,
            messages=self.messages,
            school=self.school.name if self.school else None,
            round=self.round,
        )
        if res.ok:
            try:
                res.form = model.model_validate(self.fields)
            except PydanticValidationError as exc:  # a value no rule caught: report it, never crash
                for err in exc.errors():
                    key = str(err["loc"][0]) if err["loc"] else ""
                    label = self.label(key) if key in self.spec.flat_keys() else ""
                    self.messages.append(error(key, label, "this could not be read. Please check it."))
        return res


def _parse_by_type(spec: FieldSpec, text: str, own: tuple[tuple[str, str], ...] = ()) -> Any:
    t = spec.type
    if t is FieldType.TEXT:
        return " ".join(text.split())
    if t is FieldType.MULTILINE:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return "\n".join(line.rstrip() for line in lines).strip()
    if t is FieldType.EMAIL:
        return parse_email(text)
    if t is FieldType.DATE:
        return parse_date(text)
    if t is FieldType.MONEY:
        return parse_money(text)
    if t is FieldType.INTEGER:
        return parse_integer(text)
    if t is FieldType.NUMBER:
        return parse_number(text)
    if t is FieldType.CHOICE:
        return parse_choice(text, spec.choices, (*spec.choice_aliases, *own))
    raise AssertionError(f"unhandled field type {t}")  # pragma: no cover
