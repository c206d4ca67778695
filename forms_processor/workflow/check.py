"""The SEND Host's check: forward to the Working Party, return to the school, or record an exception.

    for form in awaiting(db, config, "Autumn 2 2026"):
        summary = summarise(db, home, form)   # what the Host reads before choosing
    forward(db, config, ref, note="...")
    return_to_school(db, config, ref, reason="...")   # queues the email to the school
    record_exception(db, config, ref, reason="...")   # the £10,000 rule; re-checks the form

Returning queues one email (key ``returned:<reference>``) with the Host's reasons
and no pupil details: a reason that quotes one of the form's pupil references is
refused. The school resubmits the corrected form, which supersedes this one.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import Field

from ..config import Config
from ..errors import NotAllowed, NotFound, UsageError
from ..home import Home, write_private
from ..intake.folder import archive_name
from ..mail import compose
from ..mail.queue import OutgoingMail, enqueue
from ..reports.money import awarded_by_school, entitlements, forwarded_in_round, round_money, year_of_round
from ..results import Money, Result
from ..states import State
from ..store import repository as repo
from ..store.db import Database, utcnow_iso
from ..store.repository import (
    FormRow,
    add_event,
    get_form,
    has_exception,
    list_forms,
    messages_of,
    submission_of,
    transition,
)
from ..validation import ValidationContext, validate
from .advice import after_its_life
from .lookup import known_application
from .scan_check import ScanReview, refuse_unconfirmed, scan_review

current_decision_of = repo.current_decision

HIGH_NEEDS_RULE = "high_needs_allocation"
# The field the checker flags when a school has not used its high-level SEND allocation.
HIGH_NEEDS_FIELD = "high_needs_used"


class CheckSummary(Result):
    """Everything the Host needs to judge one application."""

    reference: str
    state: str
    school: str | None
    round: str | None
    intervention: str | None
    area_of_need: str | None
    pupils: int | None
    requested: Money
    entitlement: Money | None
    awarded_this_year: Money | None
    round_budget: Money | None
    round_left: Money | None
    # Requested by the round's applications already with the Working Party (awaiting its decision).
    round_forwarded: Money | None = None
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    original: Path | None = None
    # Arrived after the deadline of the round it is in.
    late: bool = False
    # "application", or "impact" for an impact form awaiting the Host's acceptance.
    kind: str = "application"
    # An impact form: the award it reports on.
    for_application: str | None = None
    # What the Host (or anyone but the intake) wrote in the history: notes, exceptions, moves.
    host_notes: list[str] = Field(default_factory=list)
    # The Host's recorded exceptions to a rule, with their reasons.
    exceptions: list[str] = Field(default_factory=list)
    # Read from a scan: the values read with their confidence, and whether the Host has confirmed them.
    scan: ScanReview | None = None
    # The form's fields (pupils, outcomes, costs...), for the screen only: never in the JSON.
    fields: dict[str, Any] = Field(default_factory=dict, exclude=True)


def application(db: Database, reference: str) -> FormRow:
    form = get_form(db, reference)
    if form is None or form.form_id != "send-application":
        raise NotFound(f"There is no application with the reference {reference}.",
                       hint="Run 'forms list --status awaiting_check' to see what is waiting.")
    return form


def awaiting(db: Database, config: Config, round_name: str | None = None) -> list[FormRow]:
    """Applications awaiting the Host's check (of one round, or all), oldest first."""
    rnd = None
    if round_name:
        rnd = config.require_round(round_name).name
    return list_forms(db, state=State.AWAITING_CHECK.value, round_name=rnd, form_id="send-application")


def summarise(db: Database, home: Home, form: FormRow) -> CheckSummary:
    """What the Host needs to decide: the request against the school's entitlement and the round's money."""
    config = home.config
    f = form.fields
    ents = entitlements(config)
    year = year_of_round(config, form.round) if form.round else None
    so_far = awarded_by_school(db, config, year) if year else {}
    rm = round_money(db, config, form.round) if form.round else None
    msgs = messages_of(db, form.reference)
    sub = submission_of(db, form.submission_id)
    original = home.root / sub["archive_path"] if sub is not None and sub["archive_path"] else None
    pupils = f.get("number_of_pupils")
    return CheckSummary(
        reference=form.reference,
        state=form.state.value,
        school=form.school,
        round=form.round,
        intervention=form.intervention,
        area_of_need=f.get("area_of_need"),
        pupils=int(pupils) if isinstance(pupils, (int, float)) else None,
        requested=Decimal(form.amount_requested or "0"),
        entitlement=ents.get(form.school) if form.school else None,
        awarded_this_year=so_far.get(form.school) if form.school else None,
        round_budget=rm.budget if rm else None,
        round_left=rm.left if rm else None,
        round_forwarded=forwarded_in_round(db, form.round) if form.round else None,
        warnings=[m["message"] for m in msgs if m["severity"] == "warning"],
        errors=[m["message"] for m in msgs if m["severity"] == "error"],
        original=original,
        late=config.is_late(form.round, sub["received_at"] if sub is not None else None),
        host_notes=host_notes(db, form.reference),
        exceptions=[f"{e['rule'].replace('_', ' ')}: {e['reason']} ({e['recorded_by']})"
                    for e in repo.exceptions_of(db, form.reference)],
        scan=scan_review(db, home, form),
        fields=f,
    )


def host_notes(db: Database, reference: str) -> list[str]:
    """The history lines written by a person (not the intake or the checker), with their reasons."""
    out = []
    for h in repo.history_of(db, reference):
        if h["actor"] in ("intake", "checker") or not h["reason"]:
            continue
        when = h["at"][:10]
        out.append(f"{when} {h['actor']}, {str(h['action']).replace('_', ' ')}: {h['reason']}")
    return out


def impacts_awaiting(db: Database) -> list[FormRow]:
    """Impact forms awaiting the Host's acceptance, oldest first."""
    return list_forms(db, state=State.AWAITING_CHECK.value, form_id="send-impact")


def summarise_impact(db: Database, home: Home, form: FormRow) -> CheckSummary:
    """What the Host needs to accept or return an impact form: the award, the spend, the checks."""
    msgs = messages_of(db, form.reference)
    sub = submission_of(db, form.submission_id)
    award = current_decision_of(db, form.linked_ref) if form.linked_ref else None
    pupils = form.fields.get("pupils_supported")
    spend = form.fields.get("actual_spend")
    return CheckSummary(
        reference=form.reference, state=form.state.value, school=form.school, round=None,
        intervention=form.intervention, area_of_need=None,
        pupils=int(pupils) if isinstance(pupils, (int, float)) else None,
        requested=Decimal(str(spend)) if spend else Decimal("0"),
        entitlement=None, awarded_this_year=Decimal(award["amount_awarded"]) if award is not None else None,
        round_budget=None, round_left=None,
        warnings=[m["message"] for m in msgs if m["severity"] == "warning"],
        errors=[m["message"] for m in msgs if m["severity"] == "error"],
        original=home.root / sub["archive_path"] if sub is not None and sub["archive_path"] else None,
        kind="impact", for_application=form.linked_ref, host_notes=host_notes(db, form.reference),
        scan=scan_review(db, home, form), fields=form.fields,
    )


def readable_original(db: Database, home: Home, form: FormRow) -> Path | None:
    """The original file under a readable name (``archive/by-date/DAY/<reference> <file name>``,
    owner-only), made from the archive's copy when there is none yet; None when it is gone."""
    sub = submission_of(db, form.submission_id)
    if sub is None or not sub["archive_path"]:
        return None
    kept = home.root / sub["archive_path"]
    if not kept.is_file():
        return None
    day = datetime.fromisoformat(sub["received_at"]).astimezone(home.config.tz).date().isoformat()
    folder = home.archive / "by-date" / day
    if folder.is_dir():
        for existing in sorted(folder.glob(f"{form.reference} *")):
            return existing
    target = folder / archive_name(form.reference, sub["sha256"], sub["file_name"])
    write_private(target, kept.read_bytes())
    return target


def _awaiting_check(form: FormRow, action: str) -> None:
    """Refuse, in plain words, to forward or return an application that is not awaiting the Host's check."""
    if form.state != State.AWAITING_CHECK:
        raise NotAllowed(
            f"{form.reference} is {form.state.label}, not awaiting the Host's check, so it cannot be {action}.",
            hint=after_its_life(form) or f"Run 'forms show {form.reference}' to see its history.",
        )


def forward(db: Database, config: Config, reference: str, note: str | None = None, *, actor: str = "host") -> FormRow:
    """Awaiting check -> with the Working Party (with the Host's note, if any, in the history)."""
    form = application(db, reference)
    _awaiting_check(form, "forwarded")
    refuse_unconfirmed(form)
    with db.atomic() as conn:
        transition(conn, form, State.WITH_WORKING_PARTY, actor=actor, reason=(note or "").strip() or None,
                   action="forwarded")
    return application(db, form.reference)


def pupil_refs(form: FormRow) -> list[str]:
    return [str(p.get("ref")) for p in form.fields.get("pupils") or [] if p.get("ref")]


def quotes_pupil_ref(ref: str, text: str) -> bool:
    """Whether ``text`` quotes the pupil reference ``ref`` as a word of its own.

    Initials written in capitals (``AT``, ``NE``) are matched as written, so ordinary
    words ("at", "ne") are not mistaken for them; any other reference (``P1234``,
    ``Jb``) is matched whatever the case.
    """
    ref = ref.strip()
    if not ref:
        return False
    flags = 0 if ref.isalpha() and ref.isupper() else re.IGNORECASE
    return re.search(rf"(?<![\w]){re.escape(ref)}(?![\w])", text, flags=flags) is not None


def check_no_pupil_details(form: FormRow, text: str) -> None:
    """Refuse text meant for an email that quotes one of the form's pupil references."""
    for ref in pupil_refs(form):
        if quotes_pupil_ref(ref, text):
            raise UsageError(
                "The reason quotes a pupil reference from the form; emails to schools carry no pupil details.",
                hint="Describe the problem without naming the pupil (e.g. 'pupil row 2').",
            )


def return_to_school(db: Database, config: Config, reference: str, reason: str, *, actor: str = "host") -> int | None:
    """Awaiting check -> returned, and the email with the reason queued. Returns the mail id."""
    reason = (reason or "").strip()
    if not reason:
        raise UsageError("The school is told why it is returned, so a return needs the reason.", field="reason")
    form = application(db, reference)
    _awaiting_check(form, "returned")
    check_no_pupil_details(form, reason)
    to = config.senco_address(form.school, form.senco_email)
    rnd = config.find_round(form.round) if form.round else None
    subject, body = compose.returned_to_school(config, form.reference, reason, rnd, datetime.now(config.tz))
    with db.atomic() as conn:
        transition(conn, form, State.RETURNED, actor=actor, reason=reason, action="returned")
        return enqueue(conn, OutgoingMail(
            dedupe_key=f"returned:{form.reference}", kind="returned", to=(to,) if to else (),
            subject=subject, body=body, reference=form.reference,
        ))


class ExceptionResult(Result):
    reference: str
    state: str
    moved: bool
    remaining_errors: list[str]


def record_exception(db: Database, config: Config, reference: str, reason: str, *, actor: str = "host") -> ExceptionResult:
    """Record the Host's exception to the high-level SEND (£10,000) rule and check the form again.

    When that rule was its only error, an invalid application becomes awaiting check.
    """
    from ..readers.base import ExtractedForm

    reason = (reason or "").strip()
    if not reason:
        raise UsageError("An exception is recorded with why it is made, so it needs the reason.", field="reason")
    form = application(db, reference)
    if form.state not in (State.INVALID, State.AWAITING_CHECK):
        raise NotAllowed(f"{form.reference} is {form.state.label}: an exception can be recorded only for an application"
                         " that is invalid or awaiting the Host's check.")
    sub = submission_of(db, form.submission_id)
    received = datetime.fromisoformat(sub["received_at"]) if sub is not None else datetime.now(config.tz)

    def check(exception: bool) -> Any:
        ctx = ValidationContext(config=config, received_at=received, high_needs_exception=exception,
                                lookup_application=lambda ref: known_application(db, ref))
        return validate(ExtractedForm(form.form_id, dict(form.raw), form.reader or "stored"), ctx)

    already = has_exception(db, form.reference, HIGH_NEEDS_RULE)
    if not already and not any(m.field == HIGH_NEEDS_FIELD for m in check(False).errors):
        raise NotAllowed(
            f"{form.reference} does not break the £10,000 high-level SEND rule, so it needs no exception.",
            hint=f"Its problems are listed by 'forms show {form.reference}'; the school corrects those.",
        )
    result = check(True)
    now = utcnow_iso()
    moved = False
    with db.atomic() as conn:
        if not already:  # recorded once, however often it is asked for
            repo.add_exception(conn, form.reference, HIGH_NEEDS_RULE, reason, actor, now)
            add_event(conn, action="exception", actor=actor, reference=form.reference,
                      reason=f"{HIGH_NEEDS_RULE}: {reason}", at=now)
        if result.ok:
            fields_json = result.fields_json()
            repo.set_fields(conn, form.reference, {
                "fields_json": json.dumps(fields_json),
                "school": result.school or form.school,
                "round": result.round or form.round,
                "amount_requested": str(fields_json.get("amount_requested") or form.amount_requested or ""),
            })
            repo.replace_messages(conn, form.reference,
                                  [(m.field, m.label, m.severity.value, m.message) for m in result.messages])
            if form.state == State.INVALID:
                transition(conn, form, State.AWAITING_CHECK, actor=actor, action="checked",
                           reason="valid with the Host's exception to the high-level SEND rule")
                moved = True
    new = application(db, form.reference)
    return ExceptionResult(reference=form.reference, state=new.state.value, moved=moved,
                           remaining_errors=[m.message for m in result.errors])
