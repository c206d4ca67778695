"""The Working Party's meeting for a round: the forwarded applications side by side, each
decision with the fields it needs, the money left previewed before a decision is recorded
(the budget guard), members from the applying school not voting, decided ones locked, and
the Host's "Send the responses".

With htmx, choosing a decision reveals its fields and the money left after it; without
script, "Check the money left" does the same by reloading the page.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import FormsError, NotAllowed, NotFound, UsageError
from ..references import normalise_reference
from ..service.users import Permission, User
from ..states import DECISION_LABELS, DECISION_WORDS
from .common import page, render, state
from .sessions import Session

TEXT_FIELDS = ("award", "conditions", "feedback", "information_requested", "deferred_to", "resubmit_by")


def routes() -> list[BaseRoute]:
    return [
        Route("/meeting", next_meeting, methods=["GET"]),
        Route("/rounds/{code}/meeting", meeting_page, methods=["GET"]),
        Route("/rounds/{code}/meeting/respond", send_responses, methods=["POST"]),
        Route("/rounds/{code}/meeting/{reference}/preview", preview, methods=["POST"]),
        Route("/rounds/{code}/meeting/{reference}/decide", decide, methods=["POST"]),
        Route("/rounds/{code}/meeting/{reference}/correct", correct, methods=["POST"]),
    ]


def _context(request: Request, user: User) -> dict[str, Any]:
    forms = state(request).forms
    rnd = forms.config.require_round(request.path_params["code"])
    return {
        "rnd": rnd, "m": forms.meeting(rnd.name, user.name), "fields_of": forms.decision_fields(),
        "decisions": [(word, DECISION_LABELS[s]) for word, s in DECISION_WORDS.items()],
        "may_respond": user.may(Permission.RESPOND), "may_correct": user.may(Permission.CORRECT), "open": {},
    }


def _typed(form: FormData) -> dict[str, str]:
    values = {k: str(form.get(k) or "").strip() for k in ("decision", *TEXT_FIELDS, "reason")}
    if values["decision"] not in DECISION_WORDS:
        values["decision"] = ""
    return values


def _input(request: Request, reference: str, values: dict[str, str], *, correcting: bool = False) -> Any:
    """The decision as typed: only the fields the chosen decision takes are read (and the
    reason, for the Host's correction only)."""
    forms = state(request).forms
    if not values["decision"]:
        raise UsageError("Choose a decision first.", field="decision")
    wanted = forms.decision_fields()[values["decision"]]
    given = {"decision": values["decision"], **{k: values[k] for k in wanted if values[k]}}
    if correcting:
        given["reason"] = values["reason"]
    return forms.decision_input(reference, given)


def _open_card(request: Request, reference: str, values: dict[str, str], *, error: FormsError | None = None,
               correcting: bool = False) -> dict[str, Any]:
    """One card as it is being filled in: the values typed, the money left after them (or
    the guard's refusal), and the error of a refused recording (and the field it is about).
    ``correcting``: the Host's correction of a recorded decision, open on the card."""
    forms = state(request).forms
    card: dict[str, Any] = {"typed": values, "preview": None, "error": None, "correcting": correcting}
    if error is not None:
        card["error"] = (error.message, error.hint)
        card["error_field"] = error.field
    if values["decision"]:
        try:
            card["preview"] = forms.preview_decision(_input(request, reference, values))
        except FormsError as exc:  # e.g. an amount that is not one: said where the money is
            card["guard_error"] = (exc.message, exc.hint)
    return card


def _card_response(request: Request, session: Session, user: User, reference: str, card: dict[str, Any] | None,
                   status: int = 200, part: str = "card") -> Response:
    """The card alone (an htmx request) or the whole meeting with the card open."""
    context = _context(request, user)
    item = _item(context, reference)
    if card is not None:
        context["open"] = {item.reference: card}
    if request.headers.get("hx-request"):
        # htmx swaps only a 2xx answer: a refusal is shown in the card it came from.
        name = "meeting_guard.html" if part == "guard" else "meeting_card.html"
        # The session gives the fragment's forms their CSRF token (a fragment shows no flash).
        return render(request, name, session=session, user=user, item=item, card=card, oob=part == "card", **context)
    return render(request, "meeting.html", status, session=session, user=user,
                  title=f"Meeting: {context['rnd'].name}", **context)


def _item(context: dict[str, Any], reference: str) -> Any:
    """The meeting's card of ``reference``; NotFound for an application not at this meeting."""
    item = next((i for i in context["m"].items if i.reference == normalise_reference(reference)), None)
    if item is None:
        raise NotFound(f"{reference} is not one of the applications of {context['rnd'].name} at this meeting.",
                       hint="Go back to the meeting's page.")
    return item


@page(Permission.MEETING)
async def next_meeting(request: Request, session: Session, user: User) -> Response:
    """The meeting of the round met next (today's, or the next to come; else the last one)."""
    forms = state(request).forms
    rounds = sorted(forms.config.rounds, key=lambda r: r.meeting)
    if not rounds:
        raise NotAllowed("No rounds are configured in cluster.toml, so there is no meeting.")
    coming = [r for r in rounds if r.meeting >= forms.today()]
    return RedirectResponse(f"/rounds/{(coming or rounds[-1:])[0].code}/meeting", status_code=303)


@page(Permission.MEETING)
async def meeting_page(request: Request, session: Session, user: User) -> Response:
    context = _context(request, user)
    return render(request, "meeting.html", session=session, user=user, title=f"Meeting: {context['rnd'].name}",
                  **context)


@page(Permission.MEETING)
async def preview(request: Request, session: Session, user: User) -> Response:
    reference = request.path_params["reference"]
    posted = await request.form()
    values = _typed(posted)
    part = "guard" if request.query_params.get("part") == "guard" else "card"
    correcting = bool(posted.get("correcting")) and user.may(Permission.CORRECT)
    return _card_response(request, session, user, reference, _open_card(request, reference, values,
                                                                        correcting=correcting), part=part)


@page(Permission.MEETING)
async def decide(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms
    reference = request.path_params["reference"]
    values = _typed(await request.form())
    _item(_context(request, user), reference)  # only this round's applications are decided here
    try:
        record = forms.record_decision(_input(request, reference, values), actor=user.name)
    except FormsError as exc:
        status = 400 if isinstance(exc, UsageError) else 409
        return _card_response(request, session, user, reference, _open_card(request, reference, values, error=exc),
                              status)
    note = record.describe()
    if request.headers.get("hx-request"):
        return _card_response(request, session, user, reference, {"done": note})
    session.flash.append(note)
    return RedirectResponse(f"/rounds/{request.path_params['code']}/meeting#card-{record.reference}", status_code=303)


@page(Permission.CORRECT)
async def correct(request: Request, session: Session, user: User) -> Response:
    """The Host corrects a recorded decision: the decision as now given and the reason for the
    correction, recorded as ``forms decide REF --reason`` records it (and refused as it is,
    e.g. once the response has gone)."""
    forms = state(request).forms
    reference = request.path_params["reference"]
    values = _typed(await request.form())
    _item(_context(request, user), reference)
    try:
        if not values["reason"]:
            raise UsageError("A correction needs the reason for the correction: it is kept with the corrected decision.",
                             field="reason")
        record = forms.record_decision(_input(request, reference, values, correcting=True), actor=user.name)
    except FormsError as exc:
        status = 400 if isinstance(exc, UsageError) else 409
        card = _open_card(request, reference, values, error=exc, correcting=True)
        return _card_response(request, session, user, reference, card, status)
    note = record.describe() if record.unchanged else f"Corrected: {record.describe()}"
    if request.headers.get("hx-request"):
        return _card_response(request, session, user, reference, {"done": note})
    session.flash.append(note)
    return RedirectResponse(f"/rounds/{request.path_params['code']}/meeting#card-{record.reference}", status_code=303)


@page(Permission.RESPOND)
async def send_responses(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms
    rnd = forms.config.require_round(request.path_params["code"])
    results = forms.respond_round(rnd.name, actor=user.name)
    session.flash.append(_responses_note(results))
    return RedirectResponse(f"/rounds/{rnd.code}/meeting", status_code=303)


def _responses_note(results: list[Any]) -> str:
    if not results:
        return "Every decision already has its response written and its email queued or sent."
    queued = sum(1 for r in results if r.status in ("queued", "resent"))
    by_hand = sum(1 for r in results if r.status == "no-address")
    made = sum(1 for r in results if r.status != "already-sent")
    text = (f"{made} response{'s' if made != 1 else ''} made (Word and PDF);"
            f" {queued} email{'s' if queued != 1 else ''} queued to the schools.")
    if by_hand:
        text += f" {by_hand} school{'s have' if by_hand != 1 else ' has'} no email address: send those files by hand."
    return text
