"""The Working Party's meeting for one round: its applications side by side, each with the
decision in force (a decided one is locked), the members who do not vote on it, and the
money left; a decision previewed against the budget guard before it is recorded.

    m = meeting(db, config, "Autumn 2 2026")
    p = preview(db, config, DecisionInput(ref, "partially-funded", award=Decimal("1500")))
    check_may_vote(config, "pshah", form)   # NotAllowed for a member from the applying school

The rules are decide.py's (the award each decision allows, the budget guard); this module
only reads them out before anything is written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from ..config import Config
from ..errors import FormsError, NotAllowed
from ..reports.money import RoundMoney, awarded_in_round, pence, round_money
from ..reports.pack_contents import PACK_STATES, PackRow, summary_rows
from ..results import Money, Result
from ..states import AWARDED_STATES, DECISION_LABELS, DECISION_WORDS, State, parse_decision
from ..store import decisions
from ..store.db import Database
from ..store.repository import FormRow, current_decision, get_form, list_forms
from .decide import DecisionInput, check_award, check_budget, plan_decision

# The fields each decision takes, as decide.py's rules want them (check_award, check_texts,
# check_deferral): approved awards the request and needs nothing more.
DECISION_FIELDS: dict[str, tuple[str, ...]] = {
    "approved": (),
    "approved-with-conditions": ("conditions", "feedback"),
    "partially-funded": ("award", "feedback"),
    "deferred": ("deferred_to", "feedback"),
    "declined": ("feedback",),
    "more-information": ("information_requested", "resubmit_by", "feedback"),
}
assert set(DECISION_FIELDS) == set(DECISION_WORDS)

# Shown at the meeting: forwarded, decided, and decided and answered (awards and closures).
MEETING_STATES = PACK_STATES | AWARDED_STATES | {State.CLOSED}


class Decided(Result):
    """The decision in force on an application."""

    word: str  # as DECISION_WORDS spells it, e.g. "partially-funded"
    label: str
    award: Money
    conditions: str | None = None
    feedback: str | None = None
    information_requested: str | None = None
    deferred_to: str | None = None
    resubmit_by: date | None = None
    decided_by: str
    answered: bool  # its response has been written and queued


class MeetingItem(PackRow):
    """An application as the pack's summary shows it, with who may vote on it and its decision."""

    not_voting: list[str] = Field(default_factory=list)  # members from the applying school
    votes: bool = True  # False when the person looking is one of them
    decided: Decided | None = None

    @property
    def locked(self) -> bool:
        return self.decided is not None


class Meeting(Result):
    round: str
    meeting: date
    money: RoundMoney
    items: list[MeetingItem]
    # Decisions whose response is not written yet (what "Send the responses" does).
    unanswered: list[str] = Field(default_factory=list)
    later_rounds: list[str] = Field(default_factory=list)  # where an application may be deferred to


class DecisionPreview(Result):
    """What recording a decision would do to the round's money, before it is recorded."""

    reference: str
    decision: str  # the word, e.g. "partially-funded"
    label: str
    award: Money | None
    left_now: Money
    left_after: Money | None
    refused: str | None = None  # the budget guard's (or the award rule's) message
    hint: str | None = None


def meeting(db: Database, config: Config, round_name: str, user_name: str | None = None) -> Meeting:
    """The round's meeting, as ``user_name`` (a Working Party member, or anyone) sees it."""
    rnd = config.require_round(round_name)
    forms = [f for f in list_forms(db, round_name=rnd.name, form_id="send-application") if f.state in MEETING_STATES]
    forms = [f for f in forms if f.state in PACK_STATES or current_decision(db, f.reference) is not None]
    forms.sort(key=lambda f: (f.school or "", f.reference))
    me = config.member_for_user(user_name) if user_name else None
    items = []
    for row in summary_rows(db, config, rnd.name, forms):
        members = config.members_from(row.school)
        items.append(MeetingItem(**row.model_dump(), not_voting=[m.name for m in members], votes=me not in members,
                                 decided=_decided(db, row.reference)))
    unanswered = set(decisions.unanswered_references(db))
    later = [r.name for r in config.rounds if config.local_deadline(r) > config.local_deadline(rnd)]
    return Meeting(round=rnd.name, meeting=rnd.meeting, money=round_money(db, config, rnd.name), items=items,
                   unanswered=[i.reference for i in items if i.reference in unanswered], later_rounds=later)


def _decided(db: Database, reference: str) -> Decided | None:
    form = get_form(db, reference)
    d = current_decision(db, reference)
    if form is None or d is None or form.state == State.WITH_WORKING_PARTY:
        return None  # a deferred application back with the Working Party is to decide again
    state = State(d["decision"])
    return Decided(
        word=next(w for w, s in DECISION_WORDS.items() if s == state), label=DECISION_LABELS[state], award=Decimal(d["amount_awarded"]), conditions=d["conditions"],
        feedback=d["feedback"], information_requested=d["information_requested"], deferred_to=d["deferred_to"],
        resubmit_by=date.fromisoformat(d["resubmit_by"]) if d["resubmit_by"] else None,
        decided_by=d["decided_by"], answered=decisions.has_response(db, d["id"]),
    )


def preview(db: Database, config: Config, inp: DecisionInput) -> DecisionPreview:
    """The money left after ``inp`` (nothing is written), or the budget guard's refusal.

    Only the money rules are read here (the award the decision allows, the round's budget);
    the texts a decision needs are checked when it is recorded."""
    word = parse_decision(inp.decision)
    state = DECISION_WORDS[word]
    with db.atomic() as conn:
        form = get_form(conn, inp.reference)
        rnd = config.round_by_name(form.round) if form is not None and form.round else None
        if form is None or form.form_id != "send-application" or rnd is None:
            plan_decision(conn, config, inp)  # raises the decision's own NotFound or NotAllowed
            raise NotAllowed(f"{inp.reference} cannot be decided.")
        left = pence(rnd.budget) - awarded_in_round(conn, rnd.name, excluding=form.reference)
        out = DecisionPreview(reference=form.reference, decision=word, label=DECISION_LABELS[state], award=None,
                              left_now=pence(rnd.budget) - awarded_in_round(conn, rnd.name), left_after=None)
        try:
            award = check_award(state, pence(Decimal(form.amount_requested or "0")), inp.award)
            out.award = award
            check_budget(form.reference, rnd, award, left)
        except FormsError as exc:
            out.refused, out.hint = exc.message, exc.hint
            return out
        out.left_after = left - award
        return out


def check_may_vote(config: Config, user_name: str, form: FormRow) -> None:
    """A member from the applying school does not vote on its application, so does not
    record its decision either."""
    member = config.member_for_user(user_name)
    if member is not None and member in config.members_from(form.school):
        raise NotAllowed(
            f"{member.name} is from {form.school}, so does not vote on its application {form.reference}.",
            hint="Another member of the Working Party, or the SEND Host, records this decision.",
        )


def unanswered_in_round(db: Database, config: Config, round_name: str) -> list[str]:
    """The round's decisions whose response is not written yet."""
    name = config.require_round(round_name).name
    pending = set(decisions.unanswered_references(db))
    return [f.reference for f in list_forms(db, round_name=name, form_id="send-application") if f.reference in pending]


__all__ = ["DecisionPreview", "Meeting", "MeetingItem", "check_may_vote", "meeting", "preview",
           "unanswered_in_round"]
