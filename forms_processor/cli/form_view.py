"""``forms show`` without ``--json``: one form laid out as it reads on paper.

Pure: the data of ``FormsApp.show`` in, lines of text out. Labels as printed on the form
(from ``spec/``), money as £1,250.00, dates as 4 Dec 2026, times in the cluster's zone,
ticks as Yes/No, blanks as a dash; never ``None`` nor an ISO timestamp.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from ..api import format_money
from ..spec import FORMS, FieldSpec, FieldType
from ..states import State

BLANK = "-"


def short_date(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def when(value: str | None, tz: tzinfo) -> str:
    """An ISO timestamp as "2 Dec 2026 at 14:14" in the cluster's zone."""
    if not value:
        return BLANK
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return f"{short_date(moment.date())} at {moment:%H:%M}"


def state_words(value: str | None) -> str:
    if not value:
        return BLANK
    try:
        return State(value).label
    except ValueError:
        return value.replace("_", " ")


def show_value(spec: FieldSpec | None, value: Any) -> str:
    """One value as a person reads it on the form."""
    if value is None or value == "":
        return BLANK
    kind = spec.type if spec else None
    if isinstance(value, bool) or kind == FieldType.CHECKBOX:
        return "Yes" if value else "No"
    if kind == FieldType.MONEY:
        try:
            return format_money(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if kind == FieldType.DATE:
        try:
            return short_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def _field_line(label: str, shown: str, width: int = 40) -> list[str]:
    head = f"  {label}:"
    if len(head) + 1 + len(shown) <= 100 and "\n" not in shown:
        return [f"{head:<{width}} {shown}" if len(head) < width else f"{head} {shown}"]
    return [head, *("    " + line for line in _wrap(shown, 92))]


def _table(columns: list[FieldSpec], rows: list[dict[str, Any]]) -> list[str]:
    cells = [[show_value(c, row.get(c.key)) for c in columns] for row in rows]
    widths = [max(len(c.label), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    money = [c.type in (FieldType.MONEY, FieldType.NUMBER, FieldType.INTEGER) for c in columns]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if m else v.ljust(w) for v, w, m in zip(values, widths, money, strict=True)]
        return "  " + "  ".join(parts).rstrip()

    return [line([c.label for c in columns]), *(line(r) for r in cells)]


def render_sections(form_id: str, fields: dict[str, Any], indent: str = "") -> list[str]:
    """Each section of the form with its labels and values (tables for the repeating rows)."""
    spec = FORMS.get(form_id)
    if spec is None:
        return []
    out: list[str] = []
    for section in spec.sections:
        out += ["", section.title]
        for f in section.fields:
            out += _field_line(f.label, show_value(f, fields.get(f.key)))
        if section.group is not None:
            rows = [r for r in fields.get(section.group.name) or [] if any(v not in (None, "") for v in r.values())]
            if rows:
                out += _table(list(section.group.columns), rows)
            else:
                out.append("  (no rows filled in)")
        for f in section.after_group:
            out += _field_line(f.label, show_value(f, fields.get(f.key)))
    return [indent + line if line else line for line in out]


def render_form(data: dict[str, Any], tz: tzinfo) -> list[str]:
    """The lines of ``forms show``: the heading, each section of the form with its labels,
    the points for the school, and the history."""
    spec = FORMS.get(data.get("form") or "")
    fields: dict[str, Any] = data.get("fields") or {}
    title = spec.title if spec else (data.get("form") or "Form")
    out = [f"{data['reference']}  {title}", f"State: {data.get('state_label') or state_words(data.get('state'))}"]
    out.append(f"School: {data.get('school') or BLANK}    Round: {data.get('round') or BLANK}")
    received = f"Received: {when(data.get('received_at'), tz)}"
    if data.get("source"):
        received += f" by {data['source']}"
    if data.get("sender"):
        received += f" from {data['sender']}"
    if data.get("file"):
        received += f', as "{data["file"]}"'
    out.append(received)
    if data.get("linked_reference"):
        out.append(f"Linked to: {data['linked_reference']}")
    if data.get("superseded_by"):
        out.append(f"Replaced by: {data['superseded_by']} (a later copy of the same form)")
    for extra in data.get("notes_for_show", []):
        out.append(extra)
    if spec is not None:
        out += render_sections(spec.form_id, fields)
    else:
        out.append("")
        for key, value in fields.items():
            out += _field_line(key, show_value(None, value))
    messages = data.get("messages") or []
    errors = [m for m in messages if m.get("severity") == "error"]
    notes = [m for m in messages if m.get("severity") != "error"]
    if errors:
        out += ["", f"To correct ({len(errors)} point{'s' if len(errors) != 1 else ''}):"]
        out += [f"  - {m['message']}" for m in errors]
    if notes:
        out += ["", f"For the Host to look at ({len(notes)}):"]
        out += [f"  - {m['message']}" for m in notes]
    out += ["", "History:"]
    for h in data.get("history") or []:
        line = f"  {when(h.get('at'), tz)}  {h.get('actor') or BLANK}: {str(h.get('action') or '').replace('_', ' ')}"
        if h.get("to") and h.get("to") not in (h.get("from"), h.get("action")):
            line += f", now {state_words(h['to'])}"
        if h.get("reason"):
            line += f" ({h['reason']})"
        out.append(line)
    return out
