"""What became of a form, as its school is told it on the web page: an application's
decision in force (to the school once its response has gone), with the response form to
download, and why a form the Host returned came back.

    out = outcome(db, form, answered_only=True)   # a school's view
    out.decision, out.response_pdf, out.returned_reason
    form, history = as_the_school_sees(db, form, history)  # the decision kept back until it is sent
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from ..results import Money, Result
from ..states import DECISION_LABELS, State
from ..store import decisions
from ..store.db import Database
from ..store.repository import FormRow, current_decision, history_of


class Outcome(Result):
    reference: str
    decision: str | None = None  # as printed on the response form, e.g. "Partially funded"
    award: Money | None = None
    conditions: str | None = None
    feedback: str | None = None
    information_requested: str | None = None
    resubmit_by: date | None = None
    deferred_to: str | None = None
    impact_due: date | None = None
    answered: bool = False  # its response has been written and queued to the school
    response_pdf: str | None = None  # the response form, relative to the home
    response_docx: str | None = None
    returned_reason: str | None = None  # why the Host returned it to the school (while it is returned)

    @property
    def told(self) -> bool:
        """Whether there is anything to say."""
        return self.decision is not None or self.returned_reason is not None


def outcome(db: Database, form: FormRow, *, answered_only: bool = False) -> Outcome:
    """``form``'s outcome; ``answered_only``: a decision only once its response has gone (a
    school learns the Working Party's decision from its response, which a correction may
    still precede)."""
    out = Outcome(reference=form.reference)
    if form.state == State.RETURNED:
        returned = [h for h in history_of(db, form.reference) if h["action"] == "returned"]
        out.returned_reason = returned[-1]["reason"] if returned else None
    d = current_decision(db, form.reference) if form.form_id == "send-application" else None
    if d is None:
        return out
    sent = decisions.responses_to(db, d["id"])
    if answered_only and not sent:
        return out
    out.decision = DECISION_LABELS[State(d["decision"])]
    out.award = Decimal(d["amount_awarded"])
    out.conditions, out.feedback = d["conditions"], d["feedback"]
    out.information_requested, out.deferred_to = d["information_requested"], d["deferred_to"]
    out.resubmit_by = date.fromisoformat(d["resubmit_by"]) if d["resubmit_by"] else None
    out.impact_due = date.fromisoformat(d["impact_due"]) if d["impact_due"] else None
    if sent:
        out.answered = True
        out.response_pdf, out.response_docx = sent[-1]["pdf_path"], sent[-1]["docx_path"]
    return out


# The events that record the Working Party's decision (and its corrections).
DECISION_ACTIONS = ("decided", "decision corrected")


def as_the_school_sees(db: Database, form: FormRow, history: list[dict[str, Any]] | None = None
                       ) -> tuple[FormRow, list[dict[str, Any]]]:
    """``form`` and its ``history`` as its school is shown them. The school learns the
    Working Party's decision from its response: an application decided whose response has
    not gone is still "with the Working Party", and the events of the decision and its
    corrections (the Working Party's and the Host's own record) are left out; the response's
    event, and the decision section beside it, say what was decided."""
    history = [h for h in history or [] if h.get("action") not in DECISION_ACTIONS]
    if form.form_id != "send-application" or form.state not in DECISION_LABELS:
        return form, history
    d = current_decision(db, form.reference)
    if d is not None and decisions.responses_to(db, d["id"]):
        return form, history
    return dataclasses.replace(form, state=State.WITH_WORKING_PARTY), history
