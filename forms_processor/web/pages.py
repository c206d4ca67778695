"""The pages: sign-in, Today, the totals, a school's list, a form's page and its actions.

Each handler calls FormsApp methods and renders a template; none holds a rule of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import FormsError, UsageError
from ..service.users import Permission, Role, User
from ..spec import FORMS
from ..states import State, can_withdraw
from .common import COOKIE, client_address, home_of, page, render, set_cookie, state, to_sign_in
from .sessions import Session, same_token

WRONG = "The username or password is not right."
SHOWN = 100  # the oldest applications awaiting the check listed on Today, per round
TOO_MANY = "Too many tries for this name. Wait a minute, then try again."


def routes() -> list[BaseRoute]:
    return [
        Route("/sign-in", sign_in_page, methods=["GET"]),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/sign-out", sign_out, methods=["POST"]),
        Route("/today", today, methods=["GET"]),
        Route("/today/panel", today_panel, methods=["GET"]),
        Route("/totals", totals, methods=["GET"]),
        Route("/school", school, methods=["GET"]),
        Route("/rounds/{code}", round_page, methods=["GET"]),
        Route("/rounds/{code}/forward-clean", forward_clean_page, methods=["GET"]),
        Route("/rounds/{code}/forward-clean", forward_clean, methods=["POST"]),
        Route("/forms/{reference}", form_page, methods=["GET"]),
        Route("/forms/{reference}/original", original, methods=["GET"]),
        Route("/forms/{reference}/forward", forward, methods=["POST"]),
        Route("/forms/{reference}/return", return_form, methods=["POST"]),
        Route("/forms/{reference}/exception", record_exception, methods=["POST"]),
        Route("/forms/{reference}/withdraw", withdraw, methods=["POST"]),
    ]


# -- signing in ---------------------------------------------------------------------------

async def root(request: Request) -> Response:
    web = state(request)
    session = web.sessions.get(request.cookies.get(COOKIE))
    user = web.forms.current_user(session.user) if session and session.user else None
    if session is None or user is None:
        return to_sign_in(request)
    return RedirectResponse(home_of(user), status_code=303)


def _anonymous(request: Request) -> Session:
    web = state(request)
    session = web.sessions.get(request.cookies.get(COOKIE))
    if session is None or session.user is not None:
        session = web.sessions.new()
    return session


async def sign_in_page(request: Request) -> Response:
    web = state(request)
    session = web.sessions.get(request.cookies.get(COOKIE))
    user = web.forms.current_user(session.user) if session and session.user else None
    if user is not None:
        return RedirectResponse(home_of(user), status_code=303)
    return render(request, "sign_in.html", session=_anonymous(request), title="Sign in", user=None)


async def sign_in(request: Request) -> Response:
    web = state(request)
    form = await request.form()
    session = web.sessions.get(request.cookies.get(COOKIE))
    csrf = form.get("csrf")
    if session is None or not same_token(csrf if isinstance(csrf, str) else None, session.csrf):
        return render(request, "sign_in.html", 403, session=_anonymous(request), title="Sign in", user=None,
                      error="The sign-in page had expired. Please try again.")
    name = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")
    if not web.throttle.allow(name, client_address(request)):
        web.forms.record_sign_in(name, "sign-in-throttled")
        return render(request, "sign_in.html", 429, session=session, title="Sign in", user=None, error=TOO_MANY,
                      username=name)
    user = web.forms.authenticate(name, password) if name and password else None
    if user is None:
        web.forms.record_sign_in(name, "sign-in-refused")
        return render(request, "sign_in.html", 401, session=session, title="Sign in", user=None, error=WRONG,
                      username=name)
    web.sessions.end(session.token)
    fresh = web.sessions.new(user.name)
    web.forms.record_sign_in(user.name, "signed-in")
    response = RedirectResponse(home_of(user), status_code=303)
    set_cookie(request, response, fresh)
    return response


@page()
async def sign_out(request: Request, session: Session, user: User) -> Response:
    state(request).sessions.end(session.token)
    state(request).forms.record_sign_in(user.name, "signed-out")
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# -- Today ------------------------------------------------------------------------------------

def _today(request: Request) -> dict[str, Any]:
    forms = state(request).forms
    now = datetime.now(forms.config.tz)
    rounds = forms.round_status()
    awaiting = {r.round: forms.awaiting_check(r.round) for r in rounds}
    shown = {name: waiting[:SHOWN] for name, waiting in awaiting.items()}
    meetings = [r for r in rounds if r.meeting >= now.date()]
    mail = forms.mail_status()
    return {
        "now": now,
        "rounds": rounds,
        "awaiting": awaiting,
        "shown": shown,
        "codes": {r.name: r.code for r in forms.config.rounds},
        "countdown": {r.round: _countdown(r.deadline, now) for r in rounds},
        "waiting_for_school": forms.list_forms(state=State.RETURNED.value) + forms.list_forms(state=State.INVALID.value),
        "failed_mail": mail["counts"].get("failed", 0),
        "queued_mail": mail["counts"].get("queued", 0),
        "next_meeting": min(meetings, key=lambda r: r.meeting) if meetings else None,
        "poll": state(request).poll_seconds,
    }


def _countdown(deadline: datetime, now: datetime) -> str:
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "the deadline has passed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h to the deadline"
    return f"{hours} h {minutes} min to the deadline"


@page(Permission.TODAY)
async def today(request: Request, session: Session, user: User) -> Response:
    return render(request, "today.html", session=session, user=user, title="Today", **_today(request))


@page(Permission.TODAY, passive=True)
async def today_panel(request: Request, session: Session, user: User) -> Response:
    return render(request, "today_panel.html", session=None, user=user, **_today(request))


@page(Permission.TOTALS)
async def totals(request: Request, session: Session, user: User) -> Response:
    return render(request, "totals.html", session=session, user=user, title="Totals",
                  rounds=state(request).forms.round_status(),
                  codes={r.name: r.code for r in state(request).forms.config.rounds})


@page(Permission.READ_FORMS)
async def school(request: Request, session: Session, user: User) -> Response:
    if user.role is not Role.SCHOOL:
        return RedirectResponse(home_of(user), status_code=303)
    return render(request, "school.html", session=session, user=user, title="Your school's forms",
                  forms=state(request).forms.forms_of_school(user))


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


# -- a round ----------------------------------------------------------------------------------

@page(Permission.ROUNDS)
async def round_page(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms
    rnd = forms.config.require_round(request.path_params["code"])
    chosen_state = request.query_params.get("state") or None
    chosen_school = request.query_params.get("school") or None
    if chosen_state not in {s.value for s in State}:
        chosen_state = None
    if chosen_school is not None and forms.config.find_school(chosen_school) is None:
        chosen_school = None
    applications = forms.list_forms(state=chosen_state, round_text=rnd.name, school_text=chosen_school,
                                    form_id="send-application")
    return render(request, "round.html", session=session, user=user, title=rnd.name, rnd=rnd,
                  rs=forms.round_status(rnd.name)[0], applications=applications,
                  states=[s for s in State if s is not State.ACCEPTED], schools=forms.config.schools,
                  chosen_state=chosen_state, chosen_school=chosen_school, entitlement=forms.entitlement(),
                  clean=len(forms.clean_applications(rnd.name)) if user.may(Permission.CHECK) else 0)


@page(Permission.CHECK)
async def forward_clean_page(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms
    rnd = forms.config.require_round(request.path_params["code"])
    return render(request, "forward_clean.html", session=session, user=user, title=f"Forward the clean ones: {rnd.name}",
                  rnd=rnd, clean=forms.clean_applications(rnd.name))


@page(Permission.CHECK)
async def forward_clean(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms
    rnd = forms.config.require_round(request.path_params["code"])
    references = [str(r) for r in (await request.form()).getlist("reference")]
    done = forms.forward_clean(rnd.name, references, actor=user.name)
    session.flash.append(f"{len(done)} application{'s' if len(done) != 1 else ''} forwarded to the Working Party.")
    return RedirectResponse(f"/rounds/{rnd.code}", status_code=303)
