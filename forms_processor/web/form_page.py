"""A form's page: every field under its printed label, the history, the original beside
it (a Word original shown as a PDF made by LibreOffice where it is installed), the
previous and next forms of its list (keys j/k or n/p, static/keys.js), what became of it
(the Working Party's decision and its response form, or why it was returned), and the
Host's actions on it (forward, return, exception, move to another round, withdraw)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import FormsError, UsageError
from ..service.users import Permission, User
from ..spec import FORMS
from ..states import State, can_withdraw
from .common import page, render, state
from .sessions import Session

PICTURES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}  # a photographed or scanned form


def routes() -> list[BaseRoute]:
    return [
        Route("/forms/{reference}", form_page, methods=["GET"]),
        Route("/forms/{reference}/original", original, methods=["GET"]),
        Route("/forms/{reference}/original.pdf", original_pdf, methods=["GET"]),
        Route("/forms/{reference}/response.{kind:str}", response_form, methods=["GET"]),
        Route("/forms/{reference}/forward", forward, methods=["POST"]),
        Route("/forms/{reference}/return", return_form, methods=["POST"]),
        Route("/forms/{reference}/exception", record_exception, methods=["POST"]),
        Route("/forms/{reference}/withdraw", withdraw, methods=["POST"]),
        Route("/forms/{reference}/move", move, methods=["POST"]),
    ]


# -- a form --------------------------------------------------------------------------------

def _sections(form_id: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's fields in the printed order, under the printed labels."""
    spec = FORMS.get(form_id)
    if spec is None:
        return [{"title": "Fields", "fields": [(k, v) for k, v in fields.items()], "table": None, "after": []}]
    out = []
    for section in spec.sections:
        table = None
        if section.group is not None:
            rows = fields.get(section.group.name) or []
            cols = section.group.columns
            table = {"headers": [c.label for c in cols],
                     "rows": [[row.get(c.key) for c in cols] for row in rows if any(row.get(c.key) for c in cols)]}
        out.append({
            "title": section.title,
            "fields": [(f.label, fields.get(f.key)) for f in section.fields],
            "table": table,
            "after": [(f.label, fields.get(f.key)) for f in section.after_group],
        })
    return out


def _in_state(request: Request) -> State | None:
    """The list the Host came from (``?in=STATE``), whose previous and next forms are linked."""
    text = request.query_params.get("in") or ""
    return State(text) if text in {s.value for s in State} else None


def _form_url(request: Request, reference: str) -> str:
    listed = _in_state(request)
    return f"/forms/{reference}" + (f"?in={listed.value}" if listed else "")


def _form_context(request: Request, user: User, reference: str) -> dict[str, Any]:
    forms = state(request).forms
    form = forms.form_for(user, reference)
    shown = forms.show(form.reference)
    history = [h for h in shown["history"] if not str(h.get("action", "")).startswith("viewed")]
    form, history = forms.seen_by(user, form, history)
    host_application = user.may(Permission.CHECK) and form.form_id == "send-application"
    listed = _in_state(request) or form.state
    before, after = forms.neighbours(form, listed) if user.may(Permission.ROUNDS) else (None, None)
    suffix = Path(str(shown.get("file") or "")).suffix.lower()
    is_pdf = suffix == ".pdf"
    kind = "PDF" if is_pdf else "picture" if suffix in PICTURES else "Word"
    return {
        "form": form, "shown": shown, "sections": _sections(form.form_id, form.fields), "history": history,
        "is_pdf": is_pdf, "kind": kind, "word_as_pdf": kind == "Word" and forms.shows_word_as_pdf(),
        "may_check": host_application and form.state is State.AWAITING_CHECK,
        "may_except": host_application and form.state in (State.INVALID, State.AWAITING_CHECK),
        "may_withdraw": host_application and can_withdraw(form.state),
        "may_move": host_application and forms.may_move(form),
        "late": forms.config.is_late(form.round, shown.get("received_at")),
        "rounds": _other_rounds(request, form.round), "listed": listed, "before": before, "after": after,
        "here": f"?in={listed.value}",
        "scan": forms.scan_review(form.reference) if user.may(Permission.CHECK) else None,
        "outcome": forms.outcome_for(user, form.reference),
        "errors": {},
    }


def _other_rounds(request: Request, current: str | None) -> list[tuple[str, str, bool]]:
    """(name, label, chosen) of each round a form may move to, by deadline; the first after
    the current round's deadline is chosen."""
    config = state(request).forms.config
    rounds = sorted(config.rounds, key=config.local_deadline)
    mine = next((r for r in rounds if r.name == current), None)
    later = [r for r in rounds if mine is not None and config.local_deadline(r) > config.local_deadline(mine)]
    chosen = later[0].name if later else None
    return [(r.name, f"{r.name} (deadline {config.local_deadline(r):%d %b %Y}, meeting {r.meeting:%d %b %Y})",
             r.name == chosen) for r in rounds if r.name != current]


@page(Permission.READ_FORMS)
async def form_page(request: Request, session: Session, user: User) -> Response:
    reference = request.path_params["reference"]
    context = _form_context(request, user, reference)
    state(request).forms.record_view(user, context["form"].reference)
    return render(request, "form.html", session=session, user=user, title=context["form"].reference, **context)


@page(Permission.READ_FORMS)
async def original(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms
    doc = forms.original_of(user, request.path_params["reference"])
    forms.record_view(user, request.path_params["reference"], "viewed-original")
    inline = doc.media_type == "application/pdf" and "download" not in request.query_params
    disposition = "inline" if inline else "attachment"
    safe_name = "".join(c for c in doc.file_name if c.isalnum() or c in "._- ") or "original"
    headers = {"Content-Disposition": f'{disposition}; filename="{safe_name}"',
               "X-Frame-Options": "SAMEORIGIN",
               "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'; plugin-types application/pdf"}
    return Response(doc.data, media_type=doc.media_type, headers=headers)


@page(Permission.READ_FORMS)
async def response_form(request: Request, session: Session, user: User) -> Response:
    """The Working Party's response form (PDF or Word), once it has been sent."""
    forms = state(request).forms
    reference, kind = request.path_params["reference"], request.path_params["kind"]
    doc = forms.response_of(user, reference, kind)
    forms.record_view(user, reference, "viewed-response")
    safe_name = "".join(c for c in doc.file_name if c.isalnum() or c in "._- ") or f"response.{kind}"
    return Response(doc.data, media_type=doc.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{safe_name}"'})


@page(Permission.CHECK)
async def forward(request: Request, session: Session, user: User) -> Response:
    reference = request.path_params["reference"]
    form = state(request).forms.forward(reference, actor=user.name)
    session.flash.append(f"{form.reference} forwarded to the Working Party.")
    return RedirectResponse(_form_url(request, form.reference), status_code=303)


async def _act(request: Request, session: Session, user: User, action: str, do: Any) -> Response:
    """One of the check's actions with the text typed in the page (its reason): done, and
    back to the form's page with what happened; refused, the page again with why, beside it."""
    reference = request.path_params["reference"]
    posted = await request.form()
    text = str(posted.get("reason") or "").strip()
    try:
        note = do(reference, text, posted)
    except FormsError as exc:
        context = _form_context(request, user, reference)
        context["errors"] = {action: (exc.message, exc.hint, text)}
        return render(request, "form.html", 400 if isinstance(exc, UsageError) else 409, session=session, user=user,
                      title=context["form"].reference, **context)
    session.flash.append(note)
    return RedirectResponse(_form_url(request, state(request).forms.get(reference).reference), status_code=303)


@page(Permission.CHECK)
async def return_form(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms

    def do(reference: str, reason: str, posted: Any) -> str:
        returned, mail_id = forms.return_to_school(reference, reason, actor=user.name)
        told = ("The email with the reason is queued." if mail_id
                else "There is no email address for the school, so please tell them yourself.")
        return f"{returned.reference} returned to the school. {told}"

    return await _act(request, session, user, "return", do)


@page(Permission.CHECK)
async def record_exception(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms

    def do(reference: str, reason: str, posted: Any) -> str:
        res = forms.record_exception(reference, reason, actor=user.name)
        more = (" It still has other problems: " + "; ".join(res.remaining_errors)) if res.remaining_errors else ""
        return f"Exception recorded for {res.reference}; it is now {res.state.replace('_', ' ')}.{more}"

    return await _act(request, session, user, "exception", do)


@page(Permission.CHECK)
async def withdraw(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms

    def do(reference: str, reason: str, posted: Any) -> str:
        if not reason:
            raise UsageError("A withdrawal needs the reason: it is kept in the history.")
        form = forms.withdraw(reference, reason, actor=user.name)
        return f"{form.reference} is now {form.state.label}."

    return await _act(request, session, user, "withdraw", do)


@page(Permission.CHECK)
async def move(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms

    def do(reference: str, reason: str, posted: Any) -> str:
        res = forms.move(reference, str(posted.get("round") or ""), reason, actor=user.name)
        told = ("The school is emailed its new round." if res.mail_id
                else "There is no email address for the school, so please tell them yourself.")
        return f"{res.reference} moved from {res.from_round or 'no round'} to {res.to_round}. {told}"

    return await _act(request, session, user, "move", do)


@page(Permission.READ_FORMS)
async def original_pdf(request: Request, session: Session, user: User) -> Response:
    """The Word original as a PDF (made by LibreOffice once, then kept), to show in the page."""
    forms = state(request).forms
    reference = request.path_params["reference"]
    doc = await run_in_threadpool(forms.original_as_pdf, user, reference)
    frame = {"X-Frame-Options": "SAMEORIGIN",
             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"}
    if doc is None:
        return HTMLResponse("<!doctype html><title>Not shown</title><p style='font:16px sans-serif'>This original"
                            " could not be shown as a PDF here: use the link to download it.</p>",
                            headers=frame)
    forms.record_view(user, reference, "viewed-original")
    safe_name = "".join(c for c in doc.file_name if c.isalnum() or c in "._- ") or "original.pdf"
    headers = {**frame, "Content-Disposition": f'inline; filename="{safe_name}"',
               "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'; plugin-types application/pdf"}
    return Response(doc.data, media_type="application/pdf", headers=headers)
