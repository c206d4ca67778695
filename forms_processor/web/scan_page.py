"""A form read from a scan: the Host confirms or corrects the values read (the form's page
shows them beside the scan, templates/scan_confirm.html)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import FormsError
from ..service.users import Permission, User
from .common import page, state
from .sessions import Session

# The inputs of the page's form: one per uncertain value, named "value:<field key>".
PREFIX = "value:"


def routes() -> list[BaseRoute]:
    return [Route("/forms/{reference}/confirm-scan", confirm_scan, methods=["POST"])]


@page(Permission.CHECK)
async def confirm_scan(request: Request, session: Session, user: User) -> Response:
    """Confirm the values read from the scan, with the Host's corrections: each input whose text
    differs from the value read is a correction."""
    forms = state(request).forms
    reference = request.path_params["reference"]
    review = forms.scan_review(reference)
    typed = await request.form()
    read = {v.key: v.value for v in review.values} if review else {}
    corrections = {}
    for name, text in typed.items():
        if not name.startswith(PREFIX) or not isinstance(text, str):
            continue
        key = name[len(PREFIX):]
        before = read.get(key)
        shown = "" if before is None else ("yes" if before is True else "no" if before is False else str(before))
        if text.strip() != shown:
            corrections[key] = text
    try:
        done = forms.confirm_scan(reference, corrections, actor=user.name)
    except FormsError as exc:
        session.flash.append(f"Not confirmed: {exc.message} {exc.hint or ''}".strip())
        return RedirectResponse(f"/forms/{reference}", status_code=303)
    session.flash.append(f"The values read from the scan are confirmed ({len(done.corrected)} corrected).")
    return RedirectResponse(f"/forms/{done.form.reference}", status_code=303)
