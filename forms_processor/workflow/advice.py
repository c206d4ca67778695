"""What to tell the Host when an action is refused because of where a form is in its life:
advice that can be followed (never 'forms decide' for a decision that can no longer change)."""

from __future__ import annotations

from ..states import AWARDED_STATES, DECISION_STATES, State
from ..store.repository import FormRow


def after_its_life(form: FormRow) -> str | None:
    """For a form whose life has ended or moved on, what can still be done; None otherwise."""
    if form.state == State.SUPERSEDED:
        later = form.superseded_by or "a later form"
        return f"It was replaced by {later}, the form in force: act on that one instead."
    if form.state == State.WITHDRAWN:
        return ("The school withdrew it, and a withdrawal is final: if the school wants it considered after all, "
                "it sends the form again as a new application.")
    if form.state == State.CLOSED:
        return ("Its life has ended: the response has gone and nothing more is due, so nothing can change on it. "
                "A new request from the school comes as a new application.")
    if form.state in AWARDED_STATES - DECISION_STATES:
        return ("The response has gone to the school, so the award stands. If the school will not use it, it says so "
                "on its impact form (the spend it reports is what counts, and the rest is underspend), "
                "due by the date shown with the form.")
    return None


def before_withdrawing(form: FormRow, answered: bool) -> str:
    """Why a decided application cannot be withdrawn, and what to do instead."""
    later = after_its_life(form)
    if later:
        return later
    if form.state in DECISION_STATES and not answered:
        return ("The Working Party has decided it, but the response has not gone yet: if the school no longer wants "
                "it, correct the decision to Declined with the feedback \"Withdrawn by the school.\" ('Correct this "
                f"decision' on the meeting's page, or forms decide {form.reference} --decision declined "
                "--feedback \"Withdrawn by the school.\" --reason \"The school withdrew it before the response.\")")
    return ("The response has gone to the school, so the decision stands; if the Working Party should know, "
            "tell it at its next meeting.")
