"""A round's page: its applications filtered, the money beside them, and forwarding the
clean ones at once after a confirmation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..service.users import Permission, User
from ..states import State
from .common import page, render, state
from .sessions import Session

SHOWN = 100  # applications listed at a time


def routes() -> list[BaseRoute]:
    return [
        Route("/rounds/{code}", round_page, methods=["GET"]),
        Route("/rounds/{code}/forward-clean", forward_clean_page, methods=["GET"]),
        Route("/rounds/{code}/forward-clean", forward_clean, methods=["POST"]),
    ]


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
    school = forms.config.find_school(chosen_school) if chosen_school else None
    start = _start(request)
    applications = forms.round_applications(rnd.name, state=State(chosen_state) if chosen_state else None,
                                            school=school.name if school else None, limit=SHOWN, offset=start)
    return render(request, "round.html", session=session, user=user, title=rnd.name, rnd=rnd,
                  rs=forms.round_status(rnd.name)[0], applications=applications, start=start, shown=SHOWN,
                  states=[s for s in State if s is not State.ACCEPTED], schools=forms.config.schools,
                  chosen_state=chosen_state, chosen_school=chosen_school, entitlement=forms.school_money(),
                  clean=forms.count_clean(rnd.name) if user.may(Permission.CHECK) else 0)


def _start(request: Request) -> int:
    """Where the page of the list starts (``?from=``, a multiple of SHOWN; else the start)."""
    text = request.query_params.get("from", "0")
    return int(text) // SHOWN * SHOWN if text.isdigit() and len(text) < 7 else 0


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
