"""What every page shares: the security headers, the signed-in check (sessions, CSRF,
roles), rendering templates, and errors as pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..api import FormsApp, format_date, format_money
from ..errors import FormsError, NotAllowed, NotFound
from ..service.users import Permission, User
from .sessions import COOKIE, Session, SessionStore, Throttle, same_token

STATIC = Path(__file__).parent / "static"
HTMX = "htmx-2.0.11.min.js"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-src 'self'; object-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """The same headers on every response (the original document, shown in a frame of the
    form's page, may be framed by this site only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = {k.lower() for k, _ in message.get("headers", [])}
                frameable = b"x-frame-options" in own
                extra = [(k, v) for k, v in HEADERS if k not in own and not (frameable and k == b"content-security-policy")]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


@dataclass
class WebState:
    forms: FormsApp
    sessions: SessionStore
    throttle: Throttle
    templates: Environment
    secure: bool
    poll_seconds: float


def state(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def render(request: Request, name: str, status: int = 200, session: Session | None = None, **context: Any) -> HTMLResponse:
    web = state(request)
    flash: list[str] = []
    if session is not None:
        flash, session.flash = session.flash, []
    html = web.templates.get_template(name).render(
        request=request, csrf=session.csrf if session else "", flash=flash, htmx=HTMX, **context,
    )
    response = HTMLResponse(html, status_code=status)
    if session is not None:
        set_cookie(request, response, session)
    return response


def set_cookie(request: Request, response: Response, session: Session) -> None:
    response.set_cookie(COOKIE, session.token, httponly=True, samesite="strict", secure=state(request).secure, path="/")


def to_sign_in(request: Request) -> Response:
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": "/sign-in"})
    return RedirectResponse("/sign-in", status_code=303)


Handler = Callable[[Request, Session, User], Awaitable[Response]]


def page(permission: Permission | None = None, *, passive: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A page for a signed-in user (else to the sign-in page) who holds ``permission``
    (else 403); every POST needs the session's CSRF token (else 403). ``passive``: a
    request the page makes by itself (polling), which does not count as activity."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            web = state(request)
            session = web.sessions.get(request.cookies.get(COOKIE), touch=not passive)
            user = web.forms.current_user(session.user) if session and session.user else None
            if session is None or user is None:
                return to_sign_in(request)
            if request.method == "POST" and not await csrf_ok(request, session):
                return render(request, "error.html", 403, session, user=user, title="Refused",
                              message="This page had expired, so nothing was done.",
                              hint="Go back, reload the page and try again.")
            if permission is not None and not user.may(permission):
                return render(request, "error.html", 403, session, user=user, title="Not for your role",
                              message="Your role does not include this page.",
                              hint="Ask the SEND Host if you need it.")
            try:
                return await handler(request, session, user)
            except FormsError as exc:
                code = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, NotAllowed) else 400
                return render(request, "error.html", code, session, user=user, title="Not done",
                              message=exc.message, hint=exc.hint)

        return endpoint

    return wrap


async def csrf_ok(request: Request, session: Session) -> bool:
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await request.form()
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    return same_token(given, session.csrf)


def home_of(user: User) -> str:
    if user.may(Permission.TODAY):
        return "/today"
    if user.may(Permission.TOTALS):
        return "/totals"
    return "/school"


async def not_found(request: Request, exc: Exception) -> Response:
    web = state(request)
    session = web.sessions.get(request.cookies.get(COOKIE), touch=False)
    user = web.forms.current_user(session.user) if session and session.user else None
    if session is None or user is None:
        return to_sign_in(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    return render(request, "error.html", status, session, user=user, title="Not found",
                  message="There is no such page.", hint="Use the links at the top of the page.")


def environment() -> Environment:
    env = Environment(loader=PackageLoader("forms_processor.web", "templates"),
                      autoescape=select_autoescape(["html"], default=True))
    env.filters["money"] = lambda v: "" if v is None or v == "" else format_money(Decimal(str(v)))
    env.filters["day"] = lambda v: "" if v is None else format_date(v)
    return env
