"""Signing in and out, and the root, which leads to the signed-in user's home page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..service.users import User
from .common import COOKIE, client_address, home_of, page, render, set_cookie, state, to_sign_in
from .sessions import Session, same_token

WRONG = "The username or password is not right."
TOO_MANY = "Too many tries for this name. Wait a minute, then try again."


def routes() -> list[BaseRoute]:
    return [
        Route("/", root),
        Route("/sign-in", sign_in_page, methods=["GET"]),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/sign-out", sign_out, methods=["POST"]),
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
