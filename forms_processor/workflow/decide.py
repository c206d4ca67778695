"""Recording the Working Party's decisions (response.md's rules).

    plan = plan_decision(conn, config, DecisionInput("WVC-2627-AU2-014", "approved"))
    record = decide(db, config, DecisionInput(...))           # one decision
    records = decide_many(db, config, read_decisions_file(p))  # a minutes file, all or nothing

Rules, each refused with a plain message:

* the decision is one of :data:`DECISION_WORDS`;
* the award each decision allows: approved and approved-with-conditions award the
  amount requested; partially-funded more than £0 and less than the request;
  deferred, declined and more-information £0.00;
* the texts each decision needs: conditions (approved-with-conditions), feedback
  (all but approved), information requested and a resubmit-by date
  (more-information), the round deferred to (deferred: a later configured round);
* the round's awards never add up to more than its budget: the decision that
  would overspend is refused, naming the shortfall;
* only an application with the Working Party can be decided; a decided one is
  locked: changing it is a correction, a new decision row that ``replaces`` the
  one in force and needs a reason; once its response has gone it cannot change.

The same decision given again (e.g. a minutes file run a second time) is not an
error: it is reported as already recorded, and nothing is written.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..config import Config, Round
from ..errors import NotAllowed, NotFound, UsageError
from ..reports.money import ZERO, awarded_in_round, pence
from ..results import Money, Result
from ..states import AWARDING, DECISION_LABELS, DECISION_STATES, DECISION_WORDS, State, parse_decision
from ..store import decisions
from ..store import repository as repo
from ..store.db import Database, utcnow_iso
from ..store.repository import FormRow, add_event, current_decision, get_form, transition
from ..validation.parsing import format_date, format_money
from .advice import after_its_life

# Decided: the decision in force stands (a correction until its response goes, then locked).
_DECIDED = DECISION_STATES | {State.IMPACT_DUE, State.IMPACT_OVERDUE, State.IMPACT_RECEIVED, State.CLOSED}


@dataclass(frozen=True)
class DecisionInput:
    reference: str
    decision: str  # a key of DECISION_WORDS (or any spelling parse_decision accepts)
    award: Decimal | None = None
    conditions: str | None = None
    feedback: str | None = None
    information_requested: str | None = None
    deferred_to: str | None = None
    resubmit_by: date | None = None
    meeting: date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class PlannedDecision:
    """A decision that passed every rule, ready to be written."""

    form: FormRow
    state: State
    amount_awarded: Decimal
    conditions: str | None
    feedback: str | None
    information_requested: str | None
    resubmit_by: date | None
    deferred_to: str | None
    meeting_date: date
    impact_due: date | None
    replaces: int | None
    reason: str | None
    round_left_after: Decimal
    # The same as the decision in force (its id): nothing to write.
    unchanged_id: int | None = None


class DecisionRecord(Result):
    id: int
    reference: str
    school: str | None
    round: str | None
    decision: str  # the state value, e.g. "partially_funded"
    label: str  # as printed: "Partially funded"
    amount_requested: Money
    amount_awarded: Money
    impact_due: date | None
    replaces: int | None
    round_left: Money
    # True when the decision was already recorded exactly so (nothing was written).
    unchanged: bool = False

    def describe(self) -> str:
        """One line for people (see :func:`describe`)."""
        return describe(self)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    t = value.strip()
    return t or None


def plan_decision(
    conn: sqlite3.Connection,
    config: Config,
    inp: DecisionInput,
    *,
    also_awarded: Decimal = ZERO,
) -> PlannedDecision:
    """Check ``inp`` against every rule; raise a FormsError naming what is wrong.

    ``also_awarded`` is money awarded in the same round by decisions not yet written
    (the earlier rows of the same file). The reads come first; each rule is a small
    named check below that raises its own error.
    """
    form = get_form(conn, inp.reference)
    if form is None or form.form_id != "send-application":
        raise NotFound(f"There is no application with the reference {inp.reference}.",
                       hint="Run 'forms list --form application' to see the references.")
    state = DECISION_WORDS[parse_decision(inp.decision)]
    reason = _text(inp.reason)
    prev = current_decision(conn, form.reference)
    if prev is not None and form.state in _DECIDED | {State.WITH_WORKING_PARTY} and _same_decision(config, prev, inp, state):
        return _unchanged(conn, config, form, prev)  # the old minutes read again (a deferral answered, too)
    replaces = _correction(conn, form, prev, reason)
    rnd = _round_of(config, form)
    award = check_award(state, pence(Decimal(form.amount_requested or "0")), inp.award)
    conditions, feedback, information = check_texts(state, inp)
    deferred_to = check_deferral(config, state, rnd, inp.deferred_to)
    impact_due = _impact_due(config, state, form)
    left = pence(rnd.budget) - awarded_in_round(conn, rnd.name, excluding=form.reference) - also_awarded
    check_budget(form.reference, rnd, award, left)
    return PlannedDecision(
        form=form,
        state=state,
        amount_awarded=award,
        conditions=conditions,
        feedback=feedback,
        information_requested=information,
        resubmit_by=inp.resubmit_by if state == State.MORE_INFORMATION else None,
        deferred_to=deferred_to,
        meeting_date=inp.meeting or rnd.meeting,
        impact_due=impact_due,
        replaces=replaces,
        reason=reason,
        round_left_after=left - award,
    )


def _correction(conn: sqlite3.Connection, form: FormRow, prev: sqlite3.Row | None, reason: str | None) -> int | None:
    """The decision a new one corrects (its id), or None for a first decision. A decided
    application is locked: it changes only with a reason, and never once answered."""
    ref = form.reference
    if prev is None or form.state not in _DECIDED:
        if form.state != State.WITH_WORKING_PARTY:
            raise NotAllowed(
                f"{ref} is {form.state.label}; only an application with the Working Party can be decided.",
                hint=("Forward it first with 'forms check " + ref + " --forward'."
                      if form.state == State.AWAITING_CHECK else
                      after_its_life(form) or f"Run 'forms show {ref}' to see its history."),
            )
        return None
    if form.state not in DECISION_STATES or decisions.has_response(conn, prev["id"]):
        raise NotAllowed(
            f"{ref} was decided ({DECISION_LABELS[State(prev['decision'])]}) and the response has gone to the"
            " school, so the decision can no longer change.",
            hint=("The school's new form, naming this reference as its previous application, comes in as its"
                  " resubmission, to check and decide." if prev["decision"] == State.MORE_INFORMATION.value
                  else after_its_life(form)
                  or "If the Working Party has changed its mind, tell the school yourself."),
        )
    if reason is None:
        raise NotAllowed(
            f"{ref} has already been decided ({form.state.label}), so it is locked: a decided application changes"
            " only as a correction, with the reason for it.",
            hint="The reason is recorded with the corrected decision.",
            field="reason",
        )
    return int(prev["id"])


def _round_of(config: Config, form: FormRow) -> Round:
    rnd = config.round_by_name(form.round) if form.round else None
    if rnd is None:
        raise NotAllowed(f"{form.reference} has no funding round, so its money cannot be counted.",
                         hint="Check the round of the application with 'forms show " + form.reference + "'.")
    return rnd


def check_award(state: State, requested: Decimal, asked: Decimal | None) -> Decimal:
    """The award each decision allows: approved (with or without conditions) the amount
    requested; partially funded more than £0 and less than the request; the others £0."""
    label = DECISION_LABELS[state]
    award = pence(asked) if asked is not None else None
    if state in (State.APPROVED, State.APPROVED_WITH_CONDITIONS):
        if award is not None and award != requested:
            raise UsageError(
                f"{label} awards the amount requested ({format_money(requested)}), not {format_money(award)}.",
                hint="To award less than the request, use the decision Partially funded.", field="award",
            )
        return requested
    if state == State.PARTIALLY_FUNDED:
        if award is None:
            raise UsageError("Partially funded needs the amount awarded.", field="award",
                             hint=f"Give an amount above £0 and below the request of {format_money(requested)}.")
        if not ZERO < award < requested:
            raise UsageError(
                f"Partially funded must award more than £0.00 and less than the request of {format_money(requested)};"
                f" {format_money(award)} is not.",
                hint="For the whole amount use Approved; for nothing use Declined or Deferred.", field="award",
            )
        return award
    if award not in (None, ZERO):
        raise UsageError(f"{label} awards nothing, so the award must be £0.00, not {format_money(award or ZERO)}.",
                         field="award")
    return ZERO


def check_texts(state: State, inp: DecisionInput) -> tuple[str | None, str | None, str | None]:
    """The texts each decision needs: (conditions, feedback, information requested)."""
    label = DECISION_LABELS[state]
    conditions, feedback, information = _text(inp.conditions), _text(inp.feedback), _text(inp.information_requested)
    if state == State.APPROVED_WITH_CONDITIONS and not conditions:
        raise UsageError("Approved with conditions needs the conditions.", field="conditions")
    if conditions and state not in AWARDING:
        raise UsageError(f"{label} awards nothing, so it cannot have conditions.", field="conditions",
                         hint="Put what the school should know in the feedback instead.")
    if state != State.APPROVED and not feedback:
        raise UsageError(f"{label} needs feedback to the school.", field="feedback")
    if state != State.MORE_INFORMATION:
        if information:
            raise UsageError("Information requested goes only with the decision More information requested.",
                             field="information_requested")
    elif not information:
        raise UsageError("More information requested needs the information requested of the school.",
                         field="information_requested")
    elif inp.resubmit_by is None:
        raise UsageError("More information requested needs the date to resubmit by.", field="resubmit_by")
    return conditions, feedback, information


def check_deferral(config: Config, state: State, rnd: Round, deferred_to: str | None) -> str | None:
    """The round a deferred application goes to: a configured round after its own."""
    if state != State.DEFERRED:
        if _text(deferred_to):
            raise UsageError("A round to defer to goes only with the decision Deferred.", field="deferred_to")
        return None
    if not _text(deferred_to):
        raise UsageError("Deferred needs the round it is deferred to.", field="deferred_to")
    target = config.require_round(deferred_to or "")
    if config.local_deadline(target) <= config.local_deadline(rnd):
        raise UsageError(f"An application of {rnd.name} can only be deferred to a later round, not to {target.name}.",
                         field="deferred_to")
    return target.name


def _impact_due(config: Config, state: State, form: FormRow) -> date | None:
    """An award's impact form is due ``impact_due_days`` after the intervention ends."""
    if state not in AWARDING:
        return None
    end = form.fields.get("end_date")
    if not end:
        raise NotAllowed(f"{form.reference} has no intervention end date, so its impact due date cannot be set.")
    return date.fromisoformat(str(end)) + timedelta(days=config.cluster.impact_due_days)


def check_budget(reference: str, rnd: Round, award: Decimal, left: Decimal) -> None:
    """The round's awards never add up to more than its budget."""
    if award > left:
        raise NotAllowed(
            f"Awarding {format_money(award)} to {reference} would overspend {rnd.name} by {format_money(award - left)}:"
            f" {format_money(left)} is left of its {format_money(rnd.budget)}.",
            hint="Award less (Partially funded), defer it to a later round, or raise the round's budget in cluster.toml.",
        )


def _same_decision(config: Config, prev: sqlite3.Row, inp: DecisionInput, state: State) -> bool:
    """Whether ``inp`` says exactly what the decision in force ``prev`` says (blank award and
    meeting meaning "as recorded")."""
    if prev["decision"] != state.value:
        return False
    if inp.award is not None and pence(inp.award) != Decimal(prev["amount_awarded"]):
        return False
    if inp.meeting is not None and inp.meeting.isoformat() != prev["meeting_date"]:
        return False
    for key, value in (("conditions", inp.conditions), ("feedback", inp.feedback),
                       ("information_requested", inp.information_requested)):
        if _text(value) != prev[key]:
            return False
    resubmit = inp.resubmit_by.isoformat() if inp.resubmit_by else None
    if state == State.MORE_INFORMATION and resubmit != prev["resubmit_by"]:
        return False
    target = config.find_round(inp.deferred_to or "") if _text(inp.deferred_to) else None
    return (target.name if target else _text(inp.deferred_to)) == prev["deferred_to"]


def _unchanged(conn: sqlite3.Connection, config: Config, form: FormRow, prev: sqlite3.Row) -> PlannedDecision:
    """The plan for a decision already recorded exactly so: nothing to write."""
    rnd = config.round_by_name(form.round) if form.round else None
    left = pence(rnd.budget) - awarded_in_round(conn, rnd.name) if rnd is not None else ZERO
    day = date.fromisoformat
    return PlannedDecision(
        form=form, state=State(prev["decision"]), amount_awarded=Decimal(prev["amount_awarded"]),
        conditions=prev["conditions"], feedback=prev["feedback"], information_requested=prev["information_requested"],
        resubmit_by=day(prev["resubmit_by"]) if prev["resubmit_by"] else None, deferred_to=prev["deferred_to"],
        meeting_date=day(prev["meeting_date"]), impact_due=day(prev["impact_due"]) if prev["impact_due"] else None,
        replaces=prev["replaces"], reason=prev["reason"], round_left_after=left, unchanged_id=prev["id"],
    )


def write_decision(conn: sqlite3.Connection, plan: PlannedDecision, *, actor: str, now: str | None = None) -> DecisionRecord:
    """Insert the decision row and move the application (inside the caller's transaction).
    A plan that repeats the decision in force writes nothing."""
    at = now or utcnow_iso()
    form = plan.form
    if plan.unchanged_id is not None:
        return _record(plan, plan.unchanged_id, unchanged=True)
    decision_id = decisions.insert_decision(conn, {
        "reference": form.reference,
        "decision": plan.state.value,
        "amount_awarded": f"{plan.amount_awarded:.2f}",
        "conditions": plan.conditions,
        "feedback": plan.feedback,
        "information_requested": plan.information_requested,
        "resubmit_by": plan.resubmit_by.isoformat() if plan.resubmit_by else None,
        "deferred_to": plan.deferred_to,
        "meeting_date": plan.meeting_date.isoformat(),
        "impact_due": plan.impact_due.isoformat() if plan.impact_due else None,
        "decided_at": at,
        "decided_by": actor,
        "replaces": plan.replaces,
        "reason": plan.reason,
    })
    why = f"decision {decision_id}: {DECISION_LABELS[plan.state]}, {format_money(plan.amount_awarded)}"
    if plan.replaces is not None:
        why += f"; corrects decision {plan.replaces}: {plan.reason}"
    current = repo.state_of(conn, form.reference)
    if current == plan.state:  # a correction that keeps the decision (e.g. a new amount)
        add_event(conn, action="decision corrected", actor=actor, reference=form.reference,
                  from_state=current.value, to_state=current.value, reason=why, at=at)
    else:
        transition(conn, form, plan.state, actor=actor, reason=why,
                   action="decision corrected" if plan.replaces is not None else "decided")
    return _record(plan, decision_id)


def _record(plan: PlannedDecision, decision_id: int, *, unchanged: bool = False) -> DecisionRecord:
    form = plan.form
    return DecisionRecord(
        id=decision_id,
        reference=form.reference,
        school=form.school,
        round=form.round,
        decision=plan.state.value,
        label=DECISION_LABELS[plan.state],
        amount_requested=pence(Decimal(form.amount_requested or "0")),
        amount_awarded=plan.amount_awarded,
        impact_due=plan.impact_due,
        replaces=plan.replaces,
        round_left=plan.round_left_after,
        unchanged=unchanged,
    )


def decide(db: Database, config: Config, inp: DecisionInput, *, actor: str = "host") -> DecisionRecord:
    """Check and record one decision, in one transaction (the budget is read and written together)."""
    with db.atomic() as conn:
        plan = plan_decision(conn, config, inp)
        return write_decision(conn, plan, actor=actor)


def describe(record: DecisionRecord) -> str:
    """One line for the Host (stderr)."""
    if record.unchanged:
        return f"{record.reference}: {record.label}, already recorded (unchanged)"
    due = f", impact form due {format_date(record.impact_due)}" if record.impact_due else ""
    return (f"{record.reference}: {record.label}, {format_money(record.amount_awarded)} awarded{due};"
            f" {format_money(record.round_left)} left in {record.round}")
