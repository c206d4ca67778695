"""A form's page: every field under its printed label, the history, the original beside
it, and the Host's actions on it (forward, return, exception, withdraw)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import FormsError, UsageError
from ..service.users import Permission, User
from ..spec import FORMS
from ..states import State, can_withdraw
from .common import page, render, state
from .sessions import Session


def routes() -> list[BaseRoute]:
    return [
        Route("/forms/{reference}", form_page, methods=["GET"]),
        Route("/forms/{reference}/original", original, methods=["GET"]),
        Route("/forms/{reference}/forward", forward, methods=["POST"]),
        Route("/forms/{reference}/return", return_form, methods=["POST"]),
        Route("/forms/{reference}/exception", record_exception, methods=["POST"]),
        Route("/forms/{reference}/withdraw", withdraw, methods=["POST"]),
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


def _form_context(request: Request, user: User, reference: str) -> dict[str, Any]:
    forms = state(request).forms
    form = forms.form_for(user, reference)
    shown = forms.show(form.reference)
    history = [h for h in shown["history"] if not str(h.get("action", "")).startswith("viewed")]
    host_application = user.may(Permission.CHECK) and form.form_id == "send-application"
    return {
        "form": form, "shown": shown, "sections": _sections(form.form_id, form.fields), "history": history,
        "is_pdf": str(shown.get("file") or "").lower().endswith(".pdf"),
        "may_check": host_application and form.state is State.AWAITING_CHECK,
        "may_except": host_application and form.state in (State.INVALID, State.AWAITING_CHECK),
        "may_withdraw": host_application and can_withdraw(form.state),
        "scan": forms.scan_review(form.reference) if user.may(Permission.CHECK) else None,
        "errors": {},
    }


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


@page(Permission.CHECK)
async def forward(request: Request, session: Session, user: User) -> Response:
    reference = request.path_params["reference"]
    form = state(request).forms.forward(reference, actor=user.name)
    session.flash.append(f"{form.reference} forwarded to the Working Party.")
    return RedirectResponse(f"/forms/{form.reference}", status_code=303)


async def _act(request: Request, session: Session, user: User, action: str, do: Any) -> Response:
    """One of the check's actions with the text typed in the page (its reason): done, and
    back to the form's page with what happened; refused, the page again with why, beside it."""
    reference = request.path_params["reference"]
    text = str((await request.form()).get("reason") or "").strip()
    try:
        note = do(reference, text)
    except FormsError as exc:
        context = _form_context(request, user, reference)
        context["errors"] = {action: (exc.message, exc.hint, text)}
        return render(request, "form.html", 400 if isinstance(exc, UsageError) else 409, session=session, user=user,
                      title=context["form"].reference, **context)
    session.flash.append(note)
    return RedirectResponse(f"/forms/{state(request).forms.get(reference).reference}", status_code=303)


@page(Permission.CHECK)
async def return_form(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms

    def do(reference: str, reason: str) -> str:
        returned, mail_id = forms.return_to_school(reference, reason, actor=user.name)
        told = ("The email with the reason is queued." if mail_id
                else "There is no email address for the school, so please tell them yourself.")
        return f"{returned.reference} returned to the school. {told}"

    return await _act(request, session, user, "return", do)


@page(Permission.CHECK)
async def record_exception(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms

    def do(reference: str, reason: str) -> str:
        res = forms.record_exception(reference, reason, actor=user.name)
        more = (" It still has other problems: " + "; ".join(res.remaining_errors)) if res.remaining_errors else ""
        return f"Exception recorded for {res.reference}; it is now {res.state.replace('_', ' ')}.{more}"

    return await _act(request, session, user, "exception", do)


@page(Permission.CHECK)
async def withdraw(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms

    def do(reference: str, reason: str) -> str:
        if not reason:
            raise UsageError("A withdrawal needs the reason: it is kept in the history.")
        form = forms.withdraw(reference, reason, actor=user.name)
        return f"{form.reference} is now {form.state.label}."

    return await _act(request, session, user, "withdraw", do)
