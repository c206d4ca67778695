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

import csv
import io
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import ExitCode, FormsError, NotAllowed, NotFound, UsageError
from ..reports.money import ZERO, awarded_in_round, pence
from ..states import AWARDING, DECISION_LABELS, DECISION_STATES, DECISION_WORDS, State
from ..store import decisions
from ..store import repository as repo
from ..store.db import Database, utcnow_iso
from ..store.repository import FormRow, add_event, current_decision, get_form, transition
from ..validation.parsing import ParseError, format_date, format_money, parse_date, parse_money

_ALIASES = {
    "approve": "approved",
    "approved with condition": "approved-with-conditions",
    "conditional": "approved-with-conditions",
    "partial": "partially-funded",
    "partially": "partially-funded",
    "defer": "deferred",
    "decline": "declined",
    "more information requested": "more-information",
    "more info": "more-information",
    "information requested": "more-information",
}


# Decided: the decision in force stands (a correction until its response goes, then locked).
_DECIDED = DECISION_STATES | {State.IMPACT_DUE, State.IMPACT_OVERDUE, State.IMPACT_RECEIVED, State.CLOSED}


def parse_decision(text: str) -> str:
    """"Approved with conditions", "approved-with-conditions", "PARTIALLY FUNDED" -> the word."""
    t = " ".join(text.replace("-", " ").replace("_", " ").lower().split())
    for word, state in DECISION_WORDS.items():
        if t in {word.replace("-", " "), DECISION_LABELS[state].lower()}:
            return word
    if t in _ALIASES:
        return _ALIASES[t]
    raise UsageError(
        f"'{text}' is not a decision: use one of " + ", ".join(DECISION_WORDS) + ".",
        hint="The wording of the response form (e.g. 'Approved with conditions') is understood too.",
    )


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


@dataclass(frozen=True)
class DecisionRecord:
    id: int
    reference: str
    school: str | None
    round: str | None
    decision: str  # the state value, e.g. "partially_funded"
    label: str  # as printed: "Partially funded"
    amount_requested: str
    amount_awarded: str
    impact_due: str | None
    replaces: int | None
    round_left: str
    # True when the decision was already recorded exactly so (nothing was written).
    unchanged: bool = False

    def describe(self) -> str:
        """One line for people (see :func:`describe`)."""
        return describe(self)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RowProblem:
    row: int
    reference: str
    message: str
    exit_code: ExitCode = ExitCode.USAGE

    def __str__(self) -> str:
        ref = f" ({self.reference})" if self.reference else ""
        return f"row {self.row}{ref}: {self.message}"


class DecisionsRejected(FormsError):
    """A minutes file with at least one wrong row: nothing was applied."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        n = len(problems)
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"No decision was recorded: {n} row{'s' if n != 1 else ''} of the file "
            f"{'are' if n != 1 else 'is'} wrong.\n{lines}",
            hint="Correct those rows and run the same command again; the whole file is checked before anything is saved.",
        )
        self.problems = list(problems)
        self.exit_code = max((p.exit_code for p in problems), default=ExitCode.USAGE)


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
    (the earlier rows of the same file).
    """
    form = get_form(conn, inp.reference)
    if form is None or form.form_id != "send-application":
        raise NotFound(f"There is no application with the reference {inp.reference}.",
                       hint="Run 'forms list --form application' to see the references.")
    word = parse_decision(inp.decision)
    state = DECISION_WORDS[word]
    label = DECISION_LABELS[state]
    ref = form.reference

    replaces: int | None = None
    reason = _text(inp.reason)
    prev = current_decision(conn, ref)
    if prev is not None and form.state == State.WITH_WORKING_PARTY and _same_decision(config, prev, inp, state):
        return _unchanged(conn, config, form, prev)  # a deferral, answered: the old minutes read again
    if prev is not None and form.state in _DECIDED:
        answered = form.state not in DECISION_STATES or decisions.has_response(conn, prev["id"])
        if _same_decision(config, prev, inp, state):
            return _unchanged(conn, config, form, prev)
        if answered:
            raise NotAllowed(
                f"{ref} was decided ({DECISION_LABELS[State(prev['decision'])]}) and the response has gone to the"
                " school, so the decision can no longer change.",
                hint=("The school's corrected form will come in as a new application, to check and decide."
                      if prev["decision"] == State.MORE_INFORMATION.value
                      else "If the Working Party has changed its mind, tell the school yourself."),
            )
        if reason is None:
            raise NotAllowed(
                f"{ref} has already been decided ({form.state.label}); a decided application is locked.",
                hint="To correct the decision, give the reason (--reason, or the Reason column of a file);"
                " it is recorded with the correction.",
            )
        replaces = prev["id"]
    elif form.state != State.WITH_WORKING_PARTY:
        raise NotAllowed(
            f"{ref} is {form.state.label}; only an application with the Working Party can be decided.",
            hint=("Forward it first with 'forms check " + ref + " --forward'."
                  if form.state == State.AWAITING_CHECK else f"Run 'forms show {ref}' to see its history."),
        )

    rnd = config.round_by_name(form.round) if form.round else None
    if rnd is None:
        raise NotAllowed(f"{ref} has no funding round, so its money cannot be counted.",
                         hint="Check the round of the application with 'forms show " + ref + "'.")
    requested = pence(Decimal(form.amount_requested or "0"))

    # The award each decision allows.
    award = pence(inp.award) if inp.award is not None else None
    if state in (State.APPROVED, State.APPROVED_WITH_CONDITIONS):
        if award is not None and award != requested:
            raise UsageError(
                f"{label} awards the amount requested ({format_money(requested)}), not {format_money(award)}.",
                hint="To award less than the request, use the decision partially-funded.",
            )
        award = requested
    elif state == State.PARTIALLY_FUNDED:
        if award is None:
            raise UsageError("Partially funded needs the amount awarded (--award, or the Award column).",
                             hint=f"Give an amount above £0 and below the request of {format_money(requested)}.")
        if not ZERO < award < requested:
            raise UsageError(
                f"Partially funded must award more than £0.00 and less than the request of {format_money(requested)};"
                f" {format_money(award)} is not.",
                hint="For the whole amount use approved; for nothing use declined or deferred.",
            )
    else:
        if award not in (None, ZERO):
            raise UsageError(f"{label} awards nothing, so the award must be £0.00 (it was {format_money(award or ZERO)}).")
        award = ZERO

    # The texts each decision needs.
    conditions = _text(inp.conditions)
    feedback = _text(inp.feedback)
    information = _text(inp.information_requested)
    deferred_to: str | None = None
    if state == State.APPROVED_WITH_CONDITIONS and not conditions:
        raise UsageError("Approved with conditions needs the conditions (--conditions, or the Conditions column).")
    if conditions and state not in AWARDING:
        raise UsageError(f"{label} awards nothing, so it cannot have conditions.",
                         hint="Put what the school should know in the feedback instead.")
    if state != State.APPROVED and not feedback:
        raise UsageError(f"{label} needs feedback to the school (--feedback, or the Feedback column).")
    if state == State.MORE_INFORMATION:
        if not information:
            raise UsageError("More information requested needs the information asked for"
                             " (--information, or the Information requested column).")
        if inp.resubmit_by is None:
            raise UsageError("More information requested needs the date to resubmit by"
                             " (--resubmit-by, or the Resubmit by column).")
    elif information:
        raise UsageError("Information requested goes only with the decision more-information.")
    if state == State.DEFERRED:
        if not _text(inp.deferred_to):
            raise UsageError("Deferred needs the round it is deferred to (--deferred-to, or the Deferred to column).")
        target = config.require_round(inp.deferred_to or "")
        if config.local_deadline(target) <= config.local_deadline(rnd):
            raise UsageError(f"An application of {rnd.name} can only be deferred to a later round, not to {target.name}.")
        deferred_to = target.name
    elif _text(inp.deferred_to):
        raise UsageError("A round to defer to goes only with the decision deferred.")

    meeting = inp.meeting or rnd.meeting
    impact_due: date | None = None
    if state in AWARDING:
        end = form.fields.get("end_date")
        if not end:
            raise NotAllowed(f"{ref} has no intervention end date, so its impact due date cannot be set.")
        impact_due = date.fromisoformat(str(end)) + timedelta(days=config.cluster.impact_due_days)

    # The round's money.
    already = awarded_in_round(conn, rnd.name, excluding=ref) + also_awarded
    left = pence(rnd.budget) - already
    if award > left:
        raise NotAllowed(
            f"Awarding {format_money(award)} to {ref} would overspend {rnd.name} by {format_money(award - left)}:"
            f" {format_money(left)} is left of its {format_money(rnd.budget)}.",
            hint="Award less (partially-funded), defer it to a later round, or raise the round's budget in cluster.toml.",
        )

    return PlannedDecision(
        form=form,
        state=state,
        amount_awarded=award,
        conditions=conditions,
        feedback=feedback,
        information_requested=information,
        resubmit_by=inp.resubmit_by if state == State.MORE_INFORMATION else None,
        deferred_to=deferred_to,
        meeting_date=meeting,
        impact_due=impact_due,
        replaces=replaces,
        reason=reason,
        round_left_after=left - award,
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
        amount_requested=f"{Decimal(form.amount_requested or '0'):.2f}",
        amount_awarded=f"{plan.amount_awarded:.2f}",
        impact_due=plan.impact_due.isoformat() if plan.impact_due else None,
        replaces=plan.replaces,
        round_left=f"{plan.round_left_after:.2f}",
        unchanged=unchanged,
    )


def decide(db: Database, config: Config, inp: DecisionInput, *, actor: str = "host") -> DecisionRecord:
    """Check and record one decision, in one transaction (the budget is read and written together)."""
    with db.atomic() as conn:
        plan = plan_decision(conn, config, inp)
        return write_decision(conn, plan, actor=actor)


@dataclass
class FileRow:
    row: int
    reference: str
    values: dict[str, Any] = field(default_factory=dict)


def decide_many(db: Database, config: Config, rows: Iterable[FileRow], *, actor: str = "host") -> list[DecisionRecord]:
    """Check every row first; if any is wrong raise DecisionsRejected naming each one, and record nothing.
    Otherwise record them all in one transaction."""
    with db.atomic() as conn:
        problems: list[RowProblem] = []
        plans: list[PlannedDecision] = []
        planned_by_round: dict[str, Decimal] = {}
        seen: dict[str, int] = {}
        for r in rows:
            try:
                if r.reference.upper() in seen:
                    raise UsageError(f"the reference appears twice in the file (first on row {seen[r.reference.upper()]}).")
                seen[r.reference.upper()] = r.row
                inp = input_from_values(r.reference, r.values)
                form = get_form(conn, inp.reference)
                extra = planned_by_round.get(form.round or "", ZERO) if form is not None else ZERO
                plan = plan_decision(conn, config, inp, also_awarded=extra)
            except FormsError as exc:
                problems.append(RowProblem(r.row, r.reference, exc.message, exc.exit_code))
                continue
            plans.append(plan)
            if plan.unchanged_id is None:
                key = plan.form.round or ""
                planned_by_round[key] = planned_by_round.get(key, ZERO) + plan.amount_awarded
        if problems:
            raise DecisionsRejected(problems)
        now = utcnow_iso()
        return [write_decision(conn, p, actor=actor, now=now) for p in plans]


# -- minutes files ------------------------------------------------------------

# Column headings accepted (folded: lower case, single spaces) -> field.
_COLUMNS = {
    "reference": "reference",
    "application reference": "reference",
    "ref": "reference",
    "decision": "decision",
    "award": "award",
    "amount awarded": "award",
    "awarded": "award",
    "conditions": "conditions",
    "feedback": "feedback",
    "feedback to the school": "feedback",
    "information requested": "information_requested",
    "information": "information_requested",
    "deferred to": "deferred_to",
    "deferred to round": "deferred_to",
    "resubmit by": "resubmit_by",
    "please resubmit by": "resubmit_by",
    "meeting": "meeting",
    "meeting date": "meeting",
    "working party meeting": "meeting",
    "reason": "reason",
    "correction reason": "reason",
}


def _fold(text: str) -> str:
    return " ".join(str(text).replace("_", " ").replace("-", " ").lower().split())


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    t = str(value).strip()
    return t or None


def read_decisions_file(path: Path) -> list[FileRow]:
    """The rows of a minutes file (.csv, or the round pack's .xlsx filled in) that carry a decision.

    Row numbers are as the Host sees them (the heading is row 1). Rows with no
    decision are left out (not decided in this file).
    """
    if not path.exists():
        raise NotFound(f"There is no file at {path}.")
    suffix = path.suffix.lower()
    table: list[list[Any]]
    if suffix == ".xlsx":
        table = _xlsx_table(path)
    elif suffix in (".csv", ".txt"):
        try:
            table = [list(r) for r in csv.reader(io.StringIO(_csv_text(path.read_bytes())))]
        except csv.Error:
            raise UsageError(f"{path.name} could not be read as a CSV file.",
                             hint="Save the minutes from Excel as 'CSV UTF-8', or fill in the pack's .xlsx.") from None
    else:
        raise UsageError(f"{path.name} is not a .csv or .xlsx file.",
                         hint="Save the minutes as CSV, or fill in the decision columns of the pack's spreadsheet.")
    header_at = next((i for i, r in enumerate(table) if any(_fold(c or "") in ("reference", "application reference")
                                                               for c in r)), None)
    if header_at is None:
        raise UsageError(f"{path.name} has no 'Reference' column heading.",
                         hint="The first row should name the columns: Reference, Decision, Award, Conditions, Feedback, ...")
    names = [_COLUMNS.get(_fold(c or "")) for c in table[header_at]]
    if "decision" not in names:
        raise UsageError(f"{path.name} has no 'Decision' column.")
    out: list[FileRow] = []
    for offset, raw in enumerate(table[header_at + 1 :], start=header_at + 2):
        values: dict[str, Any] = {}
        for name, cell in zip(names, raw, strict=False):
            if name and _cell_text(cell) is not None:
                values[name] = cell
        ref = _cell_text(values.pop("reference", None))
        if not ref or _cell_text(values.get("decision")) is None:
            continue
        out.append(FileRow(offset, ref, values))
    return out


def _csv_text(data: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without Excel's byte-order mark), else Windows-1252,
    the encoding of Excel's plain "CSV (Comma delimited)" on Windows (so £ and accents survive)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _xlsx_table(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure to open is one message for the Host
        raise UsageError(f"{path.name} could not be opened as a spreadsheet ({type(exc).__name__}).") from None
    try:
        ws = wb["Decisions"] if "Decisions" in wb.sheetnames else wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _money_value(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            return pence(Decimal(str(value)))
        except InvalidOperation:
            pass
    try:
        return parse_money(str(value))
    except ParseError as exc:
        raise UsageError(f"the award '{value}': {exc.text}") from None


def _date_value(value: Any, what: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ParseError as exc:
        raise UsageError(f"the {what} '{value}': {exc.text}") from None


def input_from_values(reference: str, values: dict[str, Any]) -> DecisionInput:
    """A file row's cells (or the CLI's options, as text) as a DecisionInput; UsageError if unreadable."""
    return DecisionInput(
        reference=reference,
        decision=parse_decision(_cell_text(values.get("decision")) or ""),
        award=_money_value(values.get("award")),
        conditions=_cell_text(values.get("conditions")),
        feedback=_cell_text(values.get("feedback")),
        information_requested=_cell_text(values.get("information_requested")),
        deferred_to=_cell_text(values.get("deferred_to")),
        resubmit_by=_date_value(values.get("resubmit_by"), "resubmit-by date"),
        meeting=_date_value(values.get("meeting"), "meeting date"),
        reason=_cell_text(values.get("reason")),
    )


def describe(record: DecisionRecord) -> str:
    """One line for the Host (stderr)."""
    if record.unchanged:
        return f"{record.reference}: {record.label}, already recorded (unchanged)"
    due = f", impact form due {format_date(date.fromisoformat(record.impact_due))}" if record.impact_due else ""
    return (f"{record.reference}: {record.label}, {format_money(Decimal(record.amount_awarded))} awarded{due};"
            f" {format_money(Decimal(record.round_left))} left in {record.round}")
