"""Settings: cluster.toml shown read-only, with its mistakes and warnings in plain English,
each beside its line (what the commands would say about the file)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..service.users import Permission, User
from .common import page, render, state
from .sessions import Session


def routes() -> list[BaseRoute]:
    return [Route("/settings", settings, methods=["GET"])]


@page(Permission.SETTINGS)
async def settings(request: Request, session: Session, user: User) -> Response:
    view = state(request).forms.config_view()
    by_line: dict[int, list[str]] = {}
    for note in view.notes:
        if note.line:
            by_line.setdefault(note.line, []).append(note.kind)
    return render(request, "settings.html", session=session, user=user, title="Settings", view=view, by_line=by_line)
