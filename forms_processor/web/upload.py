"""A school's upload: a SENCO sends a form for their own school through the page. It goes
through the same intake as the inbox (read in the sandbox, validated, recorded,
acknowledged by email), and the page says what became of it in plain English.

The size is checked before the body is read: a request longer than [storage] max_file_mb
(and a little room for the other fields) is refused from its Content-Length, unread; a
file that is still too large once its part is read is refused before its bytes are
loaded (Starlette spools an upload to a temporary file)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..api import IngestResult
from ..errors import NotAllowed
from ..service.users import Permission, Role, User
from .common import COOKIE, page, render, state, to_sign_in
from .sessions import Session

FIELD = "form_file"
ROOM = 64 * 1024  # the other fields and the multipart framing, beside the file itself
DRAIN = 4  # a refused body is read (and dropped) up to this many times the limit, so the browser sees the answer


def routes() -> list[BaseRoute]:
    return [
        Route("/upload", upload_page, methods=["GET"]),
        Route("/upload", SizeLimited(request_response(upload)), methods=["POST"]),
    ]


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


class SizeLimited:
    """Refuse a request whose Content-Length is over the upload limit before reading it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        limit = state(request).forms.upload_limit()
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) <= limit + ROOM:
            await self.app(scope, receive, send)
            return
        response = await _refused_unread(request, int(length) if length.isdigit() else None, limit)
        drained = 0
        while drained <= DRAIN * limit:
            message = await receive()
            drained += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        await response(scope, receive, send)


async def _refused_unread(request: Request, length: int | None, limit: int) -> Response:
    web = state(request)
    session = web.sessions.get(request.cookies.get(COOKIE))
    user = web.forms.current_user(session.user) if session and session.user else None
    if session is None or user is None:
        return to_sign_in(request)
    if not user.may(Permission.UPLOAD) or user.role is not Role.SCHOOL:
        return _not_a_school(request, session, user)
    message = (f"This file is larger than the largest accepted, {_mb(limit)}, so it was not taken."
               if length is not None else "The browser did not say how large the file is, so it was not taken.")
    return render(request, "error.html", 413, session, user=user, title="Not sent", message=message,
                  hint="Please remove large pictures or scans from the form, save it again and send it again.")


def _context(request: Request, user: User, **more: Any) -> dict[str, Any]:
    return {"title": "Send a form", "limit": _mb(state(request).forms.upload_limit()), **more}


def _not_a_school(request: Request, session: Session, user: User) -> Response:
    return render(request, "error.html", 403, session, user=user, title="Not for your role",
                  message="Only a school's user sends forms through this page.",
                  hint="Forms sent to you are taken in from the inbox folder, the school mailbox or 'forms ingest'.")


@page(Permission.UPLOAD)
async def upload_page(request: Request, session: Session, user: User) -> Response:
    if user.role is not Role.SCHOOL:
        return _not_a_school(request, session, user)
    return render(request, "upload.html", session=session, user=user, **_context(request, user))


@page(Permission.UPLOAD)
async def upload(request: Request, session: Session, user: User) -> Response:
    if user.role is not Role.SCHOOL:
        return _not_a_school(request, session, user)
    forms = state(request).forms
    chosen = (await request.form()).get(FIELD)
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        return render(request, "upload.html", 400, session=session, user=user,
                      **_context(request, user, problem="Choose the form's file first, then press \"Send the form\"."))
    limit = forms.upload_limit()
    name = chosen.filename
    try:
        if chosen.size is not None and chosen.size > limit:
            result = await run_in_threadpool(forms.upload_form, user, b"", name, size=chosen.size)
        else:
            data = await chosen.read(limit + 1)
            size = len(data) if len(data) > limit else None
            result = await run_in_threadpool(forms.upload_form, user, b"" if size else data, name, size=size)
    except NotAllowed as exc:  # another school's form: refused, said on the same page
        return render(request, "upload.html", 409, session=session, user=user,
                      **_context(request, user, refused=(exc.message, exc.hint)))
    return render(request, "upload.html", 200 if result.status in ("accepted", "invalid", "duplicate") else 400,
                  session=session, user=user, **_context(request, user, result=result, said=said(result)))


def said(result: IngestResult) -> str:
    """What became of the form, in a sentence."""
    ref = result.reference
    return {
        "accepted": f"Thank you: your form is recorded as {ref}. It now waits for the SEND Host's check, "
                    "and an acknowledgement is on its way by email.",
        "invalid": f"Your form is recorded as {ref}, but it needs correcting before it can go further. "
                   "Please correct what is listed below and send the form again (an email lists it too).",
        "rejected": "The file was not taken in.",
        "duplicate": f"This exact file was received before{f' as {ref}' if ref else ''}, so nothing new was recorded.",
        "waiting": "The form could not be recorded just now (a problem with this computer, not with your form). "
                   "Please try again in a few minutes.",
    }.get(str(result.status), "The file was not taken in.")
