"""Moving an application to another funding round (a late form, a round that is full).

    move(db, config, "WVC-2627-AU2-014", "SP1", reason="Arrived after the Autumn 2 deadline")

The state is kept; the history records who, when and why (from which round to which);
the school is emailed its new round and meeting date. Reports and the pack follow the
form's round, so they follow the move. A decided application is locked and is not moved
(a deferral names its round instead).
"""

from __future__ import annotations

from datetime import datetime

from ..config import Config
from ..errors import NotAllowed, UsageError
from ..mail.compose import moved_to_round
from ..mail.queue import OutgoingMail, enqueue
from ..results import Result
from ..states import State
from ..store import repository as repo
from ..store.db import Database
from .check import application, check_no_pupil_details

# Before a decision, an application may change round.
MOVABLE = frozenset({State.INVALID, State.AWAITING_CHECK, State.RETURNED, State.WITH_WORKING_PARTY})


class MoveResult(Result):
    reference: str
    state: str
    from_round: str | None
    to_round: str
    mail_id: int | None


def move(db: Database, config: Config, reference: str, round_text: str, reason: str, *, actor: str = "host",
         now: datetime | None = None) -> MoveResult:
    reason = (reason or "").strip()
    if not reason:
        raise UsageError("Moving an application needs the reason (--reason): it is kept in the history and "
                         "the school is told it.")
    form = application(db, reference)
    new = config.require_round(round_text)
    if form.round == new.name:
        raise NotAllowed(f"{form.reference} is already in {new.name}.", hint="Name another round with --round.")
    if form.state not in MOVABLE:
        hint = ("A decided application is locked; to consider it later, record the decision 'deferred' with "
                "--deferred-to." if form.state not in (State.SUPERSEDED, State.WITHDRAWN, State.CLOSED)
                else "Its life has ended; nothing is moved.")
        raise NotAllowed(f"{form.reference} is {form.state.label}: it cannot change round now.", hint=hint)
    check_no_pupil_details(form, reason)
    to = config.senco_address(form.school, form.senco_email)
    subject, body = moved_to_round(config, form.reference, form.round, new, reason,
                                   now=now or datetime.now(config.tz))
    with db.atomic() as conn:
        current = repo.state_of(conn, form.reference)
        if current not in MOVABLE:
            raise NotAllowed(f"{form.reference} is {current.label}: it cannot change round now.")
        repo.set_round(conn, form.reference, new.name)
        moves = repo.count_events(conn, form.reference, "moved")
        repo.add_event(conn, action="moved", actor=actor, reference=form.reference, from_state=current.value,
                       to_state=current.value, reason=f"from {form.round or 'no round'} to {new.name}: {reason}")
        mail_id = enqueue(conn, OutgoingMail(
            dedupe_key=f"moved:{form.reference}:{moves + 1}", kind="moved", to=(to,) if to else (),
            subject=subject, body=body, reference=form.reference,
        ))
    return MoveResult(reference=form.reference, state=current.value, from_round=form.round, to_round=new.name,
                      mail_id=mail_id)
