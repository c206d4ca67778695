"""The life of a form, written down in one place (domain.md, "Life of an application").

Every change of state goes through :func:`check_transition`; the store records
each one in the append-only event log with who, when and why.

Application:
    received -> invalid | awaiting_check
    invalid -> superseded | awaiting_check (Host's exception) | withdrawn
    awaiting_check -> with_working_party | returned | superseded | withdrawn
    returned -> superseded | withdrawn
    with_working_party -> approved | approved_with_conditions | partially_funded
                          | declined | deferred | more_information | withdrawn
                          | superseded (the resubmission of a deferred application)
    a decision -> another decision (a recorded correction, with a reason)
    approved | approved_with_conditions | partially_funded -> impact_due (response sent)
    declined -> closed (response sent)
    deferred -> with_working_party (response sent; it goes to the named round)
              | superseded (the school's resubmission)
    more_information -> superseded (the school's new form) | withdrawn
    impact_due -> impact_overdue (timer) | impact_received
    impact_overdue -> impact_received
    impact_received -> closed (Host accepts the impact form) | impact_due (returned)

Impact form:
    received -> invalid | awaiting_check
    invalid -> superseded
    awaiting_check -> accepted | returned | superseded
    returned -> superseded
"""

from __future__ import annotations

from enum import Enum

from .errors import NotAllowed, UsageError
from .spec.response import AWARDING_DECISIONS, DECISIONS


class State(str, Enum):
    RECEIVED = "received"
    INVALID = "invalid"
    AWAITING_CHECK = "awaiting_check"
    RETURNED = "returned"
    WITH_WORKING_PARTY = "with_working_party"
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    PARTIALLY_FUNDED = "partially_funded"
    DECLINED = "declined"
    DEFERRED = "deferred"
    MORE_INFORMATION = "more_information"
    IMPACT_DUE = "impact_due"
    IMPACT_OVERDUE = "impact_overdue"
    IMPACT_RECEIVED = "impact_received"
    CLOSED = "closed"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"
    # Impact forms only.
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    State.RECEIVED: "received",
    State.INVALID: "invalid: school asked to correct",
    State.AWAITING_CHECK: "awaiting the Host's check",
    State.RETURNED: "returned to the school",
    State.WITH_WORKING_PARTY: "with the Working Party",
    State.APPROVED: "approved",
    State.APPROVED_WITH_CONDITIONS: "approved with conditions",
    State.PARTIALLY_FUNDED: "partially funded",
    State.DECLINED: "declined",
    State.DEFERRED: "deferred",
    State.MORE_INFORMATION: "more information requested",
    State.IMPACT_DUE: "impact form due",
    State.IMPACT_OVERDUE: "impact form overdue",
    State.IMPACT_RECEIVED: "impact form received",
    State.CLOSED: "closed",
    State.SUPERSEDED: "superseded by a newer form",
    State.WITHDRAWN: "withdrawn by the school",
    State.ACCEPTED: "accepted",
}

DECISION_STATES = frozenset(
    {
        State.APPROVED,
        State.APPROVED_WITH_CONDITIONS,
        State.PARTIALLY_FUNDED,
        State.DECLINED,
        State.DEFERRED,
        State.MORE_INFORMATION,
    }
)
AWARD_STATES = frozenset({State.APPROVED, State.APPROVED_WITH_CONDITIONS, State.PARTIALLY_FUNDED})
# The same, as the decisions table stores them ("approved", ...).
AWARD_DECISIONS = frozenset(s.value for s in AWARD_STATES)
# States in which the application's money counts as awarded.
AWARDED_STATES = AWARD_STATES | {State.IMPACT_DUE, State.IMPACT_OVERDUE, State.IMPACT_RECEIVED, State.CLOSED}
# Before a decision: the school may withdraw.
_WITHDRAWABLE = {State.INVALID, State.AWAITING_CHECK, State.RETURNED, State.WITH_WORKING_PARTY, State.MORE_INFORMATION}

APPLICATION_TRANSITIONS: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.INVALID, State.AWAITING_CHECK}),
    State.INVALID: frozenset({State.SUPERSEDED, State.AWAITING_CHECK, State.WITHDRAWN}),
    State.AWAITING_CHECK: frozenset({State.WITH_WORKING_PARTY, State.RETURNED, State.SUPERSEDED, State.WITHDRAWN}),
    State.RETURNED: frozenset({State.SUPERSEDED, State.WITHDRAWN}),
    State.WITH_WORKING_PARTY: DECISION_STATES | {State.WITHDRAWN, State.SUPERSEDED},
    State.APPROVED: (DECISION_STATES - {State.APPROVED}) | {State.IMPACT_DUE},
    State.APPROVED_WITH_CONDITIONS: (DECISION_STATES - {State.APPROVED_WITH_CONDITIONS}) | {State.IMPACT_DUE},
    State.PARTIALLY_FUNDED: (DECISION_STATES - {State.PARTIALLY_FUNDED}) | {State.IMPACT_DUE},
    State.DECLINED: (DECISION_STATES - {State.DECLINED}) | {State.CLOSED},
    State.DEFERRED: (DECISION_STATES - {State.DEFERRED}) | {State.WITH_WORKING_PARTY, State.SUPERSEDED},
    State.MORE_INFORMATION: (DECISION_STATES - {State.MORE_INFORMATION}) | {State.SUPERSEDED, State.WITHDRAWN},
    State.IMPACT_DUE: frozenset({State.IMPACT_OVERDUE, State.IMPACT_RECEIVED}),
    State.IMPACT_OVERDUE: frozenset({State.IMPACT_RECEIVED}),
    State.IMPACT_RECEIVED: frozenset({State.CLOSED, State.IMPACT_DUE}),
    State.CLOSED: frozenset(),
    State.SUPERSEDED: frozenset(),
    State.WITHDRAWN: frozenset(),
}

IMPACT_TRANSITIONS: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.INVALID, State.AWAITING_CHECK}),
    State.INVALID: frozenset({State.SUPERSEDED}),
    State.AWAITING_CHECK: frozenset({State.ACCEPTED, State.RETURNED, State.SUPERSEDED}),
    State.RETURNED: frozenset({State.SUPERSEDED}),
    State.ACCEPTED: frozenset(),
    State.SUPERSEDED: frozenset(),
}

TRANSITIONS = {"send-application": APPLICATION_TRANSITIONS, "send-impact": IMPACT_TRANSITIONS}


def allowed(form_id: str, current: State, new: State) -> bool:
    return new in TRANSITIONS[form_id].get(current, frozenset())


def check_transition(form_id: str, reference: str, current: State, new: State) -> None:
    """Raise NotAllowed, in plain words, when ``current -> new`` is not in the table."""
    if not allowed(form_id, current, new):
        raise NotAllowed(
            f"{reference} is {current.label}; it cannot become {new.label}.",
            hint="Run 'forms show " + reference + "' to see its history.",
        )


def can_withdraw(state: State) -> bool:
    return state in _WITHDRAWABLE


# The words used on the command line and in minutes files, and the state each records.
DECISION_WORDS: dict[str, State] = {
    "approved": State.APPROVED,
    "approved-with-conditions": State.APPROVED_WITH_CONDITIONS,
    "partially-funded": State.PARTIALLY_FUNDED,
    "deferred": State.DEFERRED,
    "declined": State.DECLINED,
    "more-information": State.MORE_INFORMATION,
}
# The decision as printed on the response form.
DECISION_LABELS: dict[State, str] = dict(zip(DECISION_WORDS.values(), DECISIONS, strict=True))
AWARDING: frozenset[State] = frozenset(s for s, label in DECISION_LABELS.items() if label in AWARDING_DECISIONS)

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
