"""The web application: Starlette routes over one ``FormsApp``, with the security every
page shares (sign-in, sessions, CSRF, headers, the event log of who saw what).

``create_app(forms_app)`` builds it; ``forms web`` (``web/server.py``) serves it.
"""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..api import FormsApp
from . import pages
from .common import STATIC, SecurityHeaders, WebState, environment, not_found
from .sessions import Clock, SessionStore, Throttle


def create_app(forms: FormsApp, *, secure: bool = False, idle_minutes: float | None = None,
               poll_seconds: float = 10.0, clock: Clock = time.monotonic) -> Starlette:
    idle = (idle_minutes if idle_minutes is not None else forms.config.web.idle_minutes) * 60
    routes = [
        *pages.routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={404: not_found, 405: not_found})
    app.state.web = WebState(forms=forms, sessions=SessionStore(idle, clock), throttle=Throttle(clock=clock),
                             templates=environment(), secure=secure, poll_seconds=poll_seconds)
    return app
