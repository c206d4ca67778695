"""Response forms: for each decision not yet sent, the Word and PDF files and one queued email.

    results = respond(db, home, references=None, every=True)

For each decision in force that has no response yet (or every one named, with
``resend=True``):

1. the response form is written as ``<reference> response.docx`` and ``.pdf`` in
   ``outbox/responses/`` (owner-only; a later decision of the same application,
   e.g. after a deferral, gets ``<reference> response 2.pdf``);
2. in one transaction: the ``responses`` row, the email to the SENCO (copy to the
   headteacher where configured) with both files attached, queued under the key
   ``response:<decision id>`` (so it is queued and sent once, whatever re-runs),
   and the application's move: awarding decisions -> impact due, declined ->
   closed, deferred -> with the Working Party again in the round deferred to,
   more information -> unchanged (until the school's new form supersedes it).

``resend=True`` queues the same decision again on purpose, under a new key.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import date, datetime

from pydantic import Field

from ..config import Config
from ..documents.response import find_template, render_docx, render_pdf, response_values
from ..errors import NotAllowed, NotFound, UsageError
from ..home import Home, write_private
from ..mail import compose
from ..mail.queue import OutgoingMail, enqueue
from ..results import Result
from ..states import AWARDING, DECISION_LABELS, State
from ..store import decisions
from ..store import repository as repo
from ..store.db import Database, utcnow_iso
from ..store.repository import FormRow, add_event, current_decision, get_form, normalise_reference, transition


class ResponseResult(Result):
    reference: str
    decision_id: int
    status: str  # queued | already-sent | resent | no-address
    docx: str | None = None  # relative to the home
    pdf: str | None = None
    mail_id: int | None = None
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    state: str | None = None


def recipients(config: Config, form: FormRow) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(to, cc): the SENCO (``Config.senco_address``); the headteacher in copy where an
    address is configured and is a different person."""
    school = next((s for s in config.schools if s.name == form.school), None)
    senco = config.senco_address(form.school, form.senco_email)
    to: tuple[str, ...] = (senco,) if senco else ()
    cc: tuple[str, ...] = ()
    if school and school.headteacher_email and not school.senco_is_headteacher:
        if not senco or school.headteacher_email.lower() != senco.lower():
            cc = (school.headteacher_email,)
    if not to and cc:
        to, cc = cc, ()
    return to, cc



def _pending_references(db: Database) -> list[str]:
    """Applications whose decision in force has no response yet."""
    return decisions.unanswered_references(db)


def _file_stem(conn: sqlite3.Connection, reference: str, decision_id: int) -> str:
    """'REF response' for the first decision answered, 'REF response 2' for the next, ..."""
    earlier = decisions.decisions_answered_before(conn, reference, decision_id)
    return f"{reference} response" + (f" {earlier + 1}" if earlier else "")


# 'forms respond' writes into the home's outbox/responses (it has no --out).
_RESPONSES_HINT = "Check that the account running forms may write to outbox/responses in the home folder."

_NEXT_STATE = {
    State.APPROVED: State.IMPACT_DUE,
    State.APPROVED_WITH_CONDITIONS: State.IMPACT_DUE,
    State.PARTIALLY_FUNDED: State.IMPACT_DUE,
    State.DECLINED: State.CLOSED,
    State.DEFERRED: State.WITH_WORKING_PARTY,
}


class Responder:
    """Writes and queues responses for one home. The template is read once per Responder."""

    def __init__(self, home: Home, db: Database, *, actor: str = "host", today: date | None = None) -> None:
        self.home = home
        self.config = home.config
        self.db = db
        self.actor = actor
        self.today = today or datetime.now(self.config.tz).date()
        self.template = find_template(home.root)

    def run(self, references: list[str] | None = None, *, every: bool = False, resend: bool = False) -> list[ResponseResult]:
        if references:
            refs = [normalise_reference(r) for r in references]
        elif every:
            if resend:
                raise UsageError("--resend needs the references to send again; it cannot be used with --all.")
            refs = _pending_references(self.db)
        else:
            raise UsageError("Name the applications to respond to, or use --all for every decision not yet sent.")
        if references:  # every named one checked before anything is written
            for ref in refs:
                self._decision_of(ref)
        self.home.responses.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home.responses, 0o700)
        return [self.respond_one(ref, resend=resend) for ref in refs]

    def _decision_of(self, reference: str) -> tuple[FormRow, sqlite3.Row]:
        form = get_form(self.db, reference)
        if form is None or form.form_id != "send-application":
            raise NotFound(f"There is no application with the reference {reference}.",
                           hint="Run 'forms list --form application' to see the references.")
        decision = current_decision(self.db, form.reference)
        if decision is None:
            raise NotAllowed(f"{form.reference} has no decision yet, so there is no response to send.",
                             hint=f"Record the Working Party's decision first: forms decide {form.reference} --decision ...")
        return form, decision

    def respond_one(self, reference: str, *, resend: bool = False) -> ResponseResult:
        form, decision = self._decision_of(reference)
        sent = decisions.responses_to(self.db, decision["id"])
        if sent and not resend:
            first = sent[0]
            return ResponseResult(reference=form.reference, decision_id=decision["id"], status="already-sent",
                                  docx=first["docx_path"], pdf=first["pdf_path"], mail_id=first["mail_id"],
                                  state=form.state.value)

        with self.db.atomic() as conn:
            stem = _file_stem(conn, form.reference, decision["id"])
        docx_path = self.home.responses / f"{stem}.docx"
        pdf_path = self.home.responses / f"{stem}.pdf"
        values = self.values_for(form, decision)
        write_private(docx_path, render_docx(self.template, values), hint=_RESPONSES_HINT)
        write_private(pdf_path, render_pdf(values), hint=_RESPONSES_HINT)

        to, cc = recipients(self.config, form)
        subject, body = compose.response_sent(self.config, form.reference, form.round, decision["decision"],
                                              decision["resubmit_by"])
        rel_docx, rel_pdf = self.home.relative(docx_path), self.home.relative(pdf_path)
        with self.db.atomic() as conn:
            n = decisions.count_responses(conn, decision["id"])
            if n and not resend:  # another run answered it meanwhile: never twice by accident
                return ResponseResult(reference=form.reference, decision_id=decision["id"], status="already-sent",
                                      docx=rel_docx, pdf=rel_pdf, state=form.state.value)
            key = f"response:{decision['id']}" if n == 0 else f"response:{decision['id']}:resend:{n}"
            # The round that decided: a deferred application has moved on since its first response.
            earlier = decisions.responses_to(conn, decision["id"])
            decided_in = earlier[0]["round"] if earlier and earlier[0]["round"] else form.round
            mail_id = enqueue(conn, OutgoingMail(
                dedupe_key=key, kind="response", to=to, cc=cc, subject=subject, body=body,
                attachments=(rel_docx, rel_pdf), reference=form.reference,
            ))
            decisions.insert_response(conn, {
                "reference": form.reference, "decision_id": decision["id"], "dedupe_key": key,
                "docx_path": rel_docx, "pdf_path": rel_pdf, "mail_id": mail_id, "resend": int(n > 0),
                "created_at": utcnow_iso(), "created_by": self.actor, "round": decided_in,
            })
            state = self._move(conn, form, decision) if n == 0 else form.state
            if n > 0:
                add_event(conn, action="response resent", actor=self.actor, reference=form.reference,
                          reason=f"decision {decision['id']}")
        status = "no-address" if not to else ("resent" if n > 0 else "queued")
        return ResponseResult(reference=form.reference, decision_id=decision["id"], status=status, docx=rel_docx,
                              pdf=rel_pdf, mail_id=mail_id, to=list(to), cc=list(cc), state=state.value)

    def _move(self, conn: sqlite3.Connection, form: FormRow, decision: sqlite3.Row) -> State:
        current = repo.state_of(conn, form.reference)
        why = f"response to decision {decision['id']} queued"
        nxt = _NEXT_STATE.get(current)
        if nxt is None:  # more information: unchanged until the school's new form arrives
            add_event(conn, action="response", actor=self.actor, reference=form.reference, reason=why)
            return current
        if current == State.DEFERRED and decision["deferred_to"]:
            repo.set_round(conn, form.reference, decision["deferred_to"])
            why += f"; goes to {decision['deferred_to']}"
        transition(conn, form, nxt, actor=self.actor, reason=why, action="response")
        return nxt

    def values_for(self, form: FormRow, decision: sqlite3.Row) -> dict[str, str]:
        host = self.config.host
        signer = f"{host.chair} (chair of the Working Party)" if host.chair else f"{host.name} (SEND Host)"
        state = State(decision["decision"])
        deferred = self.config.find_round(decision["deferred_to"]) if decision["deferred_to"] else None
        return response_values(
            reference=form.reference,
            school_name=form.school or str(form.fields.get("school_name") or ""),
            intervention_title=form.intervention or "",
            funding_round=form.round or "",
            decision_label=DECISION_LABELS[state],
            amount_requested=form.amount_requested,
            decision=dict(decision) | ({} if state in AWARDING else {"impact_due": None}),
            signer=signer,
            signed_on=self.today,
            cluster_name=self.config.cluster.name,
            decision_state=state.value,
            deferred_meeting=deferred.meeting if deferred else None,
        )


def respond(
    db: Database,
    home: Home,
    references: list[str] | None = None,
    *,
    every: bool = False,
    resend: bool = False,
    actor: str = "host",
    today: date | None = None,
) -> list[ResponseResult]:
    return Responder(home, db, actor=actor, today=today).run(references, every=every, resend=resend)
