"""Impact forms tied to their award, and the Host's check of them.

    on_impact_recorded(conn, impact_ref, application_ref, accepted)  # from ingest, in its transaction
    accept_impact(db, config, ref)            # impact form accepted, application closed
    return_impact(db, config, ref, reason)    # impact form returned, email queued, impact due again
    mark_overdue(db, today)                   # the timer: impact due -> impact overdue

The application's life (states.py): impact due -> impact received (an
accepted impact form arrives; also from impact overdue) -> closed (the Host accepts
the impact form) or back to impact due (the Host returns it to the school).
"""

from __future__ import annotations

import sqlite3
from datetime import date

from ..config import Config
from ..errors import NotAllowed, NotFound, UsageError
from ..mail.compose import SIGN_OFF
from ..mail.queue import OutgoingMail, enqueue
from ..results import Result
from ..states import AWARD_DECISIONS, State
from ..store import impact as store_impact
from ..store.db import Database
from ..store.repository import FormRow, current_decision, get_form, state_of, transition
from .check import check_no_pupil_details
from .scan_check import refuse_unconfirmed

WAITING_FOR_IMPACT = (State.IMPACT_DUE, State.IMPACT_OVERDUE)


def on_impact_recorded(conn: sqlite3.Connection, impact_reference: str, linked_reference: str | None,
                       accepted: bool, *, actor: str = "intake") -> bool:
    """An impact form was just recorded (inside the caller's transaction). When it passed
    the checks and names an application waiting for its impact form, that application
    moves to impact received. Returns True when it moved."""
    if not accepted or not linked_reference:
        return False
    app = get_form(conn, linked_reference)
    if app is None or app.form_id != "send-application" or app.state not in WAITING_FOR_IMPACT:
        return False
    transition(conn, app, State.IMPACT_RECEIVED, actor=actor, reason=f"impact form {impact_reference}",
               action="impact_received")
    return True


class ImpactOutcome(Result):
    impact_reference: str
    application_reference: str
    impact_state: str
    application_state: str
    mail_id: int | None = None


def _impact_form(conn: sqlite3.Connection, reference: str) -> FormRow:
    """The impact form named by ``reference``; an application's reference names its impact
    form waiting for the Host's check."""
    form = get_form(conn, reference)
    if form is not None and form.form_id == "send-application":
        waiting = store_impact.newest_impact_form(conn, form.reference, State.AWAITING_CHECK)
        if waiting is None:
            raise NotFound(
                f"{form.reference} has no impact form waiting for a check.",
                hint="Run 'forms list --form impact' to see the impact forms received.",
            )
        form = get_form(conn, waiting)
    if form is None or form.form_id != "send-impact":
        raise NotFound(
            f"There is no impact form with the reference {reference}.",
            hint="Run 'forms list --form impact' to see the impact forms received.",
        )
    if form.state != State.AWAITING_CHECK:
        raise NotAllowed(
            f"{form.reference} is {form.state.label}; only an impact form awaiting the Host's check can be "
            "accepted or returned.",
            hint=f"Run 'forms show {form.reference}' to see its history.",
        )
    return form


def _application_of(conn: sqlite3.Connection, impact: FormRow) -> FormRow:
    app = get_form(conn, impact.linked_ref) if impact.linked_ref else None
    if app is None or app.form_id != "send-application":
        raise NotAllowed(
            f"{impact.reference} does not name an application the cluster knows.",
            hint="Return it to the school (forms impact return) with the right reference to use.",
        )
    return app


_RETURN_HINT = "Return it to the school with the reason: forms impact return {ref} --reason \"...\""


def _check_can_close(conn: sqlite3.Connection, impact: FormRow, app: FormRow) -> None:
    """Refuse, in plain words, an impact form whose application cannot be closed by it:
    one not awarded money, one already closed by another impact form, or one whose
    response has not been sent yet."""
    if app.state in WAITING_FOR_IMPACT or app.state == State.IMPACT_RECEIVED:
        return
    hint = _RETURN_HINT.format(ref=impact.reference)
    decision = current_decision(conn, app.reference)
    if decision is None or decision["decision"] not in AWARD_DECISIONS:
        what = State(decision["decision"]).label if decision is not None else app.state.label
        raise NotAllowed(
            f"{impact.reference} reports on {app.reference}, which has not been awarded money (it is {what}), "
            "so it needs no impact form.",
            hint=hint,
        )
    if app.state == State.CLOSED:
        other = store_impact.last_changed_impact_form(conn, app.reference, State.ACCEPTED)
        already = f"; its impact form {other} was accepted" if other is not None else ""
        raise NotAllowed(f"{app.reference} is already closed{already}. A second impact form is not needed.",
                         hint=hint)
    raise NotAllowed(
        f"{app.reference} is {app.state.label}: its response has not been sent yet, so no impact form is due.",
        hint=f"Send the response first (forms respond {app.reference}), then accept the impact form.",
    )


def accept_impact(db: Database, config: Config, reference: str, *, actor: str = "host") -> ImpactOutcome:
    """The Host accepts an impact form: the form becomes accepted and its application closed.

    Refused (NotAllowed) when the application was not awarded money, is already closed,
    or has not had its response yet: such a form is returned to the school instead."""
    del config  # same signature as the other Host actions
    with db.atomic() as conn:
        impact = _impact_form(conn, reference)
        refuse_unconfirmed(impact, "accepted")
        app = _application_of(conn, impact)
        _check_can_close(conn, impact, app)
        if app.state in WAITING_FOR_IMPACT:
            transition(conn, app, State.IMPACT_RECEIVED, actor=actor, reason=f"impact form {impact.reference}",
                       action="impact_received")
        transition(conn, impact, State.ACCEPTED, actor=actor, action="impact_accepted")
        transition(conn, app, State.CLOSED, actor=actor, reason=f"impact form {impact.reference} accepted",
                   action="closed")
    return ImpactOutcome(impact_reference=impact.reference, application_reference=app.reference,
                         impact_state=State.ACCEPTED.value, application_state=State.CLOSED.value)


def compose_impact_returned(config: Config, impact_reference: str, application_reference: str,
                            reason: str) -> tuple[str, str]:
    subject = f"Returned: your impact form {impact_reference} (award {application_reference})"
    lines = [
        "Hello,",
        "",
        f"The SEND Host has checked your impact form {impact_reference} for the award {application_reference}"
        " and is returning it to you for this reason:",
        "",
        *[f"  {line}" for line in reason.strip().splitlines()],
        "",
        "Please correct the form and send the whole form again (by email or to the shared folder).",
        "The corrected form replaces this one.",
        "",
        f"{config.host.name}\nSEND Host, {config.cluster.name}\n{config.host.email}\n\n{SIGN_OFF}",
    ]
    return subject, "\n".join(lines)


def return_impact(db: Database, config: Config, reference: str, reason: str, *, actor: str = "host") -> ImpactOutcome:
    """The Host returns an impact form to the school with a reason: the form becomes
    returned, the application waits for its impact form again, and an email is queued."""
    reason = (reason or "").strip()
    if not reason:
        raise UsageError("A returned impact form needs the reason (--reason): the school is told it.")
    with db.atomic() as conn:
        impact = _impact_form(conn, reference)
        app = _application_of(conn, impact)
        check_no_pupil_details(app, reason)
        transition(conn, impact, State.RETURNED, actor=actor, reason=reason, action="impact_returned")
        if app.state == State.IMPACT_RECEIVED:
            transition(conn, app, State.IMPACT_DUE, actor=actor, reason=f"impact form {impact.reference} returned",
                       action="impact_returned")
        to = config.senco_address(app.school, impact.senco_email or app.senco_email)
        subject, body = compose_impact_returned(config, impact.reference, app.reference, reason)
        mail_id = enqueue(conn, OutgoingMail(
            dedupe_key=f"impact-returned:{impact.reference}", kind="impact-returned", to=(to,) if to else (),
            subject=subject, body=body, reference=impact.reference,
        ))
        state = state_of(conn, app.reference).value
    return ImpactOutcome(impact_reference=impact.reference, application_reference=app.reference,
                         impact_state=State.RETURNED.value, application_state=state, mail_id=mail_id)


def due_dates(conn: sqlite3.Connection, states: tuple[State, ...]) -> list[tuple[FormRow, date | None]]:
    """Applications in ``states`` with the impact due date of their decision in force."""
    out: list[tuple[FormRow, date | None]] = []
    for reference, due in store_impact.impact_due_dates(conn, states):
        form = get_form(conn, reference)
        assert form is not None
        out.append((form, due))
    return out


def mark_overdue(db: Database, today: date, *, actor: str = "timer") -> list[str]:
    """Impact due -> impact overdue for every award whose due date is before ``today``.
    Returns the references moved."""
    moved: list[str] = []
    with db.atomic() as conn:
        for form, due in due_dates(conn, (State.IMPACT_DUE,)):
            if due is not None and due < today:
                transition(conn, form, State.IMPACT_OVERDUE, actor=actor,
                           reason=f"impact form due by {due.isoformat()}", action="impact_overdue")
                moved.append(form.reference)
    return moved
