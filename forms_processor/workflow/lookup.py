"""What the checker may know of an earlier application, read from the store.

Validation asks for it (continuations, impact forms) through
``ValidationContext.lookup_application``; this is the store side of that question.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..states import AWARD_DECISIONS, AWARDED_STATES, State
from ..store import impact as store_impact
from ..store.db import Database, stored_date
from ..store.repository import current_decision, get_form
from ..validation.context import KnownApplication


def known_application(db: Database, reference: str) -> KnownApplication | None:
    """What the checker may know of an earlier application (for continuations and impact forms)."""
    form = get_form(db, reference)
    if form is None or form.form_id != "send-application":
        return None
    asked = form.reference
    seen = {form.reference}
    # A form replaced by a later copy: the application in force is the last of the chain.
    while form.state == State.SUPERSEDED and form.superseded_by and form.superseded_by not in seen:
        later = get_form(db, form.superseded_by)
        if later is None or later.form_id != "send-application":
            break
        seen.add(later.reference)
        form = later
    f = form.fields
    decision = current_decision(db, form.reference)
    impact_accepted = store_impact.has_impact_form(db, form.reference, State.ACCEPTED)
    return KnownApplication(
        reference=form.reference,
        school=form.school or "",
        state=form.state.value,
        intervention_title=f.get("intervention_title") or "",
        application_type=f.get("application_type") or "",
        start_date=stored_date(f.get("start_date")),
        end_date=stored_date(f.get("end_date")),
        amount_requested=Decimal(f["amount_requested"]) if f.get("amount_requested") else None,
        amount_awarded=Decimal(decision["amount_awarded"]) if decision is not None else None,
        outcome_measures=[o.get("measure") or "" for o in f.get("outcomes") or []],
        impact_accepted=impact_accepted,
        awarded=_awards_money(form.state, decision),
        impact_due=stored_date(decision["impact_due"]) if decision is not None else None,
        decision=decision["decision"] if decision is not None else None,
        deferred_to=decision["deferred_to"] if decision is not None else None,
        resubmit_by=stored_date(decision["resubmit_by"]) if decision is not None else None,
        round=form.round,
        asked_as=asked if asked != form.reference else None,
    )


def _awards_money(state: State, decision: Any) -> bool:
    """Money was awarded: the decision in force awards some, and the application has
    not left that path (a declined application also ends 'closed')."""
    if decision is None or state not in AWARDED_STATES:
        return False
    return decision["decision"] in AWARD_DECISIONS and Decimal(decision["amount_awarded"]) > 0

