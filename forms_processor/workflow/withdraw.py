"""A school withdraws an application: any time before a decision."""

from __future__ import annotations

from ..errors import NotAllowed
from ..states import State, can_withdraw
from ..store import decisions
from ..store import repository as repo
from ..store.db import Database
from .advice import before_withdrawing


def withdraw(db: Database, reference: str, reason: str, actor: str) -> repo.FormRow:
    """Move the application to ``withdrawn`` with the reason; refuse after a decision."""
    with db.atomic() as conn:
        form = repo.get_form(conn, reference)
        if form is None:
            from ..errors import NotFound

            raise NotFound(f"There is no form with the reference {reference}.", hint="Run 'forms list' to see them.")
        if form.form_id != "send-application":
            raise NotAllowed(f"{form.reference} is an impact form; only applications can be withdrawn.")
        if not can_withdraw(form.state):
            decision = repo.current_decision(conn, form.reference)
            answered = decision is not None and decisions.has_response(conn, decision["id"])
            raise NotAllowed(
                f"{form.reference} is {form.state.label}; an application can be withdrawn only before a decision.",
                hint=before_withdrawing(form, answered),
            )
        repo.transition(conn, form, State.WITHDRAWN, actor=actor, reason=reason, action="withdrawn")
    updated = repo.get_form(db, reference)
    assert updated is not None
    return updated
