"""What the Working Party's pack holds, whatever its format: which applications, the
summary rows and totals, each application's answers and tables, and the SEND Host's notes
(forward notes, exceptions, late arrival, moves, deferrals, what was asked)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import Field, computed_field

from ..config import Config
from ..results import Money, Result
from ..spec import APPLICATION, FieldType
from ..states import DECISION_STATES, State
from ..store import repository as repo
from ..store.db import Database
from ..store.decisions import decisions_of
from ..store.repository import FormRow, list_forms
from ..validation.parsing import format_date, format_money
from .money import RoundMoney, awarded_by_school, entitlements, year_of_round

# Applications that belong in the pack: forwarded (and, on a re-run, decided but not yet answered).
PACK_STATES = frozenset({State.WITH_WORKING_PARTY} | DECISION_STATES)
SUMMARY_HEADINGS = ("Reference", "School", "Intervention", "Area of need", "Pupils", "Amount requested",
                    "Entitlement", "Awarded this year")
# Relative widths of the summary's columns (millimetres on the PDF's landscape A4 page).
SUMMARY_WIDTHS = (36, 45, 54, 38, 16, 26, 26, 26)
DECISION_HEADINGS = ("Decision", "Award", "Conditions", "Feedback", "Information requested", "Deferred to",
                     "Resubmit by", "Reason")


class PackRow(Result):
    reference: str
    school: str
    intervention: str
    area_of_need: str
    pupils: int | None
    requested: Money
    entitlement: Money
    awarded_this_year: Money


class Pack(Result):
    round: str
    rows: list[PackRow]
    money: RoundMoney = Field(exclude=True)
    pdf: Path
    docx: Path
    xlsx: Path

    @computed_field  # type: ignore[prop-decorator]
    @property
    def applications(self) -> int:
        return len(self.rows)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_requested(self) -> Money:
        return sum((r.requested for r in self.rows), Decimal("0.00"))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def budget(self) -> Money:
        return self.money.budget

    @computed_field  # type: ignore[prop-decorator]
    @property
    def awarded(self) -> Money:
        return self.money.awarded

    @computed_field  # type: ignore[prop-decorator]
    @property
    def left(self) -> Money:
        return self.money.left


def pack_forms(db: Database, config: Config, round_name: str) -> tuple[str, list[FormRow]]:
    rnd = config.require_round(round_name)
    forms = [f for f in list_forms(db, round_name=rnd.name, form_id="send-application") if f.state in PACK_STATES]
    forms.sort(key=lambda f: (f.school or "", f.reference))
    return rnd.name, forms


def summary_rows(db: Database, config: Config, round_name: str, forms: list[FormRow]) -> list[PackRow]:
    ents = entitlements(config)
    so_far = awarded_by_school(db, config, year_of_round(config, round_name))
    rows = []
    for f in forms:
        pupils = f.fields.get("number_of_pupils")
        rows.append(PackRow(
            reference=f.reference,
            school=f.school or "",
            intervention=f.intervention or "",
            area_of_need=str(f.fields.get("area_of_need") or ""),
            pupils=int(pupils) if isinstance(pupils, (int, float)) else None,
            requested=Decimal(f.amount_requested or "0"),
            entitlement=ents.get(f.school or "", Decimal("0.00")),
            awarded_this_year=so_far.get(f.school or "", Decimal("0.00")),
        ))
    return rows


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def host_notes(db: Database, config: Config, form: FormRow) -> list[str]:
    """What the Working Party should know beyond the form: late arrival, the Host's forward
    notes and recorded exceptions, moves between rounds, and the application's history
    (deferred from an earlier round, more information asked before)."""
    notes: list[str] = []
    received = repo.received_at(db, form.reference)
    if received and config.is_late(form.round, received):
        rnd = config.round_by_name(form.round or "")
        at = datetime.fromisoformat(received).astimezone(config.tz)
        deadline = config.local_deadline(rnd)
        notes.append(f"Late: arrived {_day(at.date())} at {at:%H:%M}, after the deadline of {rnd.name} "
                     f"({_day(deadline.date())} at {deadline:%H:%M}); the SEND Host forwarded it to this round.")
    for e in repo.exceptions_of(db, form.reference):
        notes.append(f"Exception to the {str(e['rule']).replace('_', ' ')} rule, recorded by the SEND Host: {e['reason']}")
    for h in repo.history_of(db, form.reference):
        if h["action"] == "forwarded" and h["reason"]:
            notes.append(f"The SEND Host's note when forwarding: {h['reason']}")
        elif h["action"] == "moved" and h["reason"]:
            notes.append(f"Moved by the SEND Host {h['reason']}")
    for d in decisions_of(db, form.reference):
        if d["decision"] == State.DEFERRED.value and d["deferred_to"] == form.round:
            met = f" at its meeting on {_day(date.fromisoformat(d['meeting_date']))}" if d["meeting_date"] else ""
            notes.append(f"Deferred to this round by the Working Party{met}.")
    if form.linked_ref:
        earlier = repo.get_form(db, form.linked_ref)
        decision = repo.current_decision(db, form.linked_ref)
        if earlier is not None and decision is not None and decision["decision"] in ("more_information", "deferred"):
            asked = (f"asked for more information: {decision['information_requested']}"
                     if decision["decision"] == "more_information" and decision["information_requested"]
                     else f"deferred it to {decision['deferred_to']}")
            notes.append(f"Resubmission of {earlier.reference} ({earlier.round}), for which the Working Party {asked}.")
        elif earlier is not None:
            notes.append(f"Continues the earlier application {earlier.reference} ({earlier.round}, "
                         f"{earlier.state.label}).")
    return notes


# -- the contents, shared by the PDF and the Word copy -------------------------------


def _m(v: Decimal) -> str:
    return format_money(v)


def summary_table(rows: list[PackRow], money: RoundMoney) -> tuple[list[list[str]], list[list[str]]]:
    """(table rows with headings, totals lines)."""
    table = [list(SUMMARY_HEADINGS)]
    for r in rows:
        table.append([r.reference, r.school, r.intervention, r.area_of_need, "" if r.pupils is None else str(r.pupils),
                      _m(r.requested), _m(r.entitlement), _m(r.awarded_this_year)])
    total = sum((r.requested for r in rows), Decimal("0.00"))
    table.append(["Total", f"{len(rows)} applications", "", "", "", _m(total), "", ""])
    after = money.left - total
    totals = [
        ["Round budget", _m(money.budget)],
        ["Already awarded in this round", _m(money.awarded)],
        ["Money left", _m(money.left)],
        ["Requested in this pack", _m(total)],
        ["Left if every request were approved", _m(after)] if after >= 0
        else ["Short by, if every request were approved", _m(-after)],
    ]
    return table, totals


def _value(ftype: FieldType, value: Any) -> str:
    if value is None or value == "":
        return ""
    if ftype is FieldType.MONEY:
        return _m(Decimal(str(value)))
    if ftype is FieldType.DATE:
        try:
            from datetime import date

            return format_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if ftype is FieldType.CHECKBOX:
        return "Yes" if value else "No"
    return str(value)


def application_parts(form: FormRow) -> tuple[list[tuple[str, str]], list[tuple[str, list[str], list[list[str]]]]]:
    """All fields of one application: (label, value) pairs, and (title, headings, rows) per row group."""
    f = form.fields
    pairs = [(spec.label, _value(spec.type, f.get(spec.key))) for spec in APPLICATION.single_fields()]
    groups = []
    for g in APPLICATION.groups():
        rows = [[_value(c.type, row.get(c.key)) for c in g.columns] for row in f.get(g.name) or []]
        groups.append((g.name.capitalize(), list(g.header_labels), rows))
    return pairs, groups


# -- PDF ---------------------------------------------------------------------------


def forwarded_words(forms: list[FormRow]) -> str:
    """How many applications were forwarded (and, on a re-run, how many are decided already)."""
    waiting = sum(1 for f in forms if f.state == State.WITH_WORKING_PARTY)
    decided = len(forms) - waiting
    text = f"{waiting} application{'s' if waiting != 1 else ''} forwarded by the SEND Host, awaiting a decision"
    if decided:
        text += f", and {decided} decided already but not yet answered"
    return text + ". Summary first, then each application in full, with the SEND Host's notes."
