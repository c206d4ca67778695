"""Mail: the outgoing queue (its counts and the latest emails, never their bodies), failed
emails with "Try again", and the quarantine of unknown senders with "This is a school's
address" (the address added to the school's allow-list, then the email taken in)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import UsageError
from ..service.mail import TakenIn
from ..service.users import Permission, User
from .common import page, render, state
from .sessions import Session

SHOWN = 20


def routes() -> list[BaseRoute]:
    return [
        Route("/mail", mail, methods=["GET"]),
        Route("/mail/retry", retry, methods=["POST"]),
        Route("/mail/school-address", school_address, methods=["POST"]),
        Route("/mail/take-in", take_in, methods=["POST"]),
    ]


@page(Permission.MAIL)
async def mail(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms
    quarantined = forms.quarantined_mail(50)
    for q in quarantined:
        q["known"] = bool(q.get("sender")) and forms.config.is_school_address(str(q["sender"]))
    return render(request, "mail.html", session=session, user=user, title="Mail", queue=forms.mail_status(),
                  latest=forms.latest_mail(limit=SHOWN), failed=forms.latest_mail("failed", limit=100),
                  quarantined=quarantined, schools=forms.config.schools, mailbox=forms.config.imap is not None)


@page(Permission.MAIL)
async def retry(request: Request, session: Session, user: User) -> Response:
    form = await request.form()
    given = [str(v) for v in form.getlist("id")]
    if not all(v.isdigit() for v in given):
        raise UsageError("That is not an email's number.", hint="Reload the Mail page.")
    done = state(request).forms.retry_mail([int(v) for v in given] if given else None, actor=user.name)
    n = len(done.get("requeued", []))
    session.flash.append(f"{n} email{'s' if n != 1 else ''} queued to be sent again." if n
                         else "Nothing was queued again: " + "; ".join(
                             f"email {s['id']} is {s['reason']}" for s in done.get("skipped", [])) + ".")
    return RedirectResponse("/mail", status_code=303)


@page(Permission.MAIL)
async def school_address(request: Request, session: Session, user: User) -> Response:
    form = await request.form()
    fields = {k: str(form.get(k) or "") for k in ("school", "mailbox", "uidvalidity", "uid")}
    if not fields["school"]:
        raise UsageError("Choose the school the address belongs to.", hint="Go back and choose it from the list.")
    forms = state(request).forms
    done = await run_in_threadpool(
        lambda: forms.school_address_and_take_in(fields["school"], fields["mailbox"], fields["uidvalidity"],
                                                 fields["uid"], actor=user.name))
    session.flash.append(f"The address now belongs to {done.school} in cluster.toml. " + _taken(done))
    return RedirectResponse("/mail", status_code=303)


@page(Permission.MAIL)
async def take_in(request: Request, session: Session, user: User) -> Response:
    """A quarantined email whose sender is a school's already (added since, or one the
    receiving server did not confirm): taken in now, if the checks pass this time."""
    form = await request.form()
    fields = [str(form.get(k) or "") for k in ("mailbox", "uidvalidity", "uid")]
    forms = state(request).forms
    outcome = await run_in_threadpool(lambda: forms.take_in_quarantined(*fields))
    session.flash.append(_taken(TakenIn(school="", outcome=outcome)))
    return RedirectResponse("/mail", status_code=303)


def _taken(done: TakenIn) -> str:
    if done.outcome is None:
        return f"The email could not be taken in yet: {done.problem} {done.hint or ''}".strip()
    refs = [str(r.get("reference")) for r in done.outcome.results if r.get("reference")]
    if refs:
        return f"The email was taken in: {', '.join(refs)}."
    if done.outcome.outcome == "no-attachment":
        return "The email had no form attached; the school has been answered."
    return "The email was taken in."
