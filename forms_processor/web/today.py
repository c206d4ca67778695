"""Today (the Host's home page, and the panel it polls), the totals, and a school's list."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..service.users import Permission, Role, User
from .common import home_of, page, render, state
from .sessions import Session

SHOWN = 100  # the oldest applications awaiting the check listed on Today, per round


def routes() -> list[BaseRoute]:
    return [
        Route("/today", today, methods=["GET"]),
        Route("/today/panel", today_panel, methods=["GET"]),
        Route("/totals", totals, methods=["GET"]),
        Route("/school", school, methods=["GET"]),
    ]


# -- Today ------------------------------------------------------------------------------------

def _today(request: Request) -> dict[str, Any]:
    """Today: the lists of ``forms status`` (each counted, with its first SHOWN), each round's
    figures and the deadline's countdown."""
    forms = state(request).forms
    now = datetime.now(forms.config.tz)
    rounds = forms.round_status()
    today = forms.host_today_counted(now, SHOWN)
    nxt = today.next_deadline.round if today.next_deadline else None
    # As forms status: a round with nothing in it yet is only named (but the next deadline's is shown).
    quiet = {r.round for r in rounds if forms.round_is_empty(r) and r.round != nxt}
    return {
        "now": now,
        "today": today,
        "quiet": [g.round for g in today.to_check if g.round in quiet and not g.total],
        "rounds": {r.round: r for r in rounds},
        "codes": {r.name: r.code for r in forms.config.rounds},
        "countdown": {r.round: _countdown(r.deadline, now) for r in rounds},
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


def _panel(request: Request) -> dict[str, Any]:
    """Today's lists rendered, and a digest of them: the page polls with the digest it shows,
    and is answered 204 (nothing to swap, so the keyboard's focus stays put) until they change."""
    context = _today(request)
    items = state(request).templates.get_template("today_items.html").render(**context)
    return {**context, "items": Markup(items), "seen": hashlib.sha256(items.encode()).hexdigest()[:16]}


@page(Permission.TODAY)
async def today(request: Request, session: Session, user: User) -> Response:
    return render(request, "today.html", session=session, user=user, title="Today", **_panel(request))


@page(Permission.TODAY, passive=True)
async def today_panel(request: Request, session: Session, user: User) -> Response:
    context = _panel(request)
    if request.query_params.get("seen") == context["seen"]:
        return Response(status_code=204)
    return render(request, "today_panel.html", session=None, user=user, **context)


@page(Permission.TOTALS)
async def totals(request: Request, session: Session, user: User) -> Response:
    return render(request, "totals.html", session=session, user=user, title="Totals",
                  rounds=state(request).forms.round_status(),
                  codes={r.name: r.code for r in state(request).forms.config.rounds})


@page(Permission.READ_FORMS)
async def school(request: Request, session: Session, user: User) -> Response:
    if user.role is not Role.SCHOOL:
        return RedirectResponse(home_of(user), status_code=303)
    forms = state(request).forms
    return render(request, "school.html", session=session, user=user, title="Your school's forms",
                  forms=forms.forms_of_school(user), outcomes=forms.outcomes_of_school(user))
