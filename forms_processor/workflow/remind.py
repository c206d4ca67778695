"""Reminders about impact forms: ``forms remind``.

For each award waiting for its impact form, the SENCO is emailed once when the form
is due within N days ("due soon") and once when it is overdue; never again for the
same stage, however often the command runs. Each reminder is queued on the one mail
queue (key ``reminder:<reference>:<stage>``) and recorded in ``reminders``, in one
transaction. The email names the award's reference and due date only: no pupil
details, no form contents.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from pydantic import Field, computed_field

from ..config import Config
from ..documents.fill import fill_docx, fill_pdf
from ..documents.impact_prefill import impact_values
from ..documents.templates import template_docx, template_pdf
from ..home import Home, write_private
from ..mail.compose import SIGN_OFF
from ..mail.queue import OutgoingMail, enqueue
from ..results import Result
from ..spec import IMPACT
from ..states import State
from ..store import impact as store_impact
from ..store.db import Database
from ..store.repository import FormRow
from .impact import WAITING_FOR_IMPACT, due_dates

DUE_SOON = "due_soon"
OVERDUE = "overdue"
# The stages as a person reads them.
STAGE_LABELS = {DUE_SOON: "due soon", OVERDUE: "overdue"}


class Reminder(Result):
    reference: str
    school: str | None
    stage: str
    due: date | None
    to: str | None
    mail_id: int | None = Field(exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def queued(self) -> bool:
        return self.mail_id is not None


def stage_of(state: State, due: date | None, today: date, days: int) -> str | None:
    """Which reminder an award waiting for its impact form needs today, if any."""
    if state == State.IMPACT_OVERDUE or (due is not None and due < today):
        return OVERDUE
    if due is not None and due <= today + timedelta(days=days):
        return DUE_SOON
    return None


def compose_reminder(config: Config, reference: str, stage: str, due: date | None,
                     attached: bool = False) -> tuple[str, str]:
    when = f"{due:%A %d %B %Y}" if due else "the date on your response form"
    if stage == OVERDUE:
        subject = f"Overdue: the impact form for {reference}"
        first = (f"The impact form for the cluster award {reference} was due by {when} and has not reached us yet. "
                 "Please send it as soon as you can.")
    else:
        subject = f"Reminder: the impact form for {reference} is due by {when}"
        first = f"The impact form for the cluster award {reference} is due by {when}."
    lines = [
        "Hello,",
        "",
        first,
        "",
        ("The impact form is attached, as a Word file and as a PDF, filled in already with the award's reference,"
         " the school, the intervention and each outcome with its baseline and target: please add the results"
         " and what was spent, sign it, and send it back by email or put it in the shared folder."
         if attached else
         f"Please use the cluster's impact form, quote the reference {reference}, and send it by email or put it "
         "in the shared folder."),
        "",
        f"{config.host.name}\nSEND Host, {config.cluster.name}\n{config.host.email}\n\n{SIGN_OFF}",
    ]
    return subject, "\n".join(lines)


def _recipient(config: Config, form: FormRow) -> str | None:
    return config.senco_address(form.school, form.senco_email)


def _already(conn: sqlite3.Connection, reference: str, stage: str) -> bool:
    return store_impact.reminder_sent(conn, reference, stage)


class _Prefilled:
    """The award's impact form, filled in already (Word and PDF), written once per award into
    ``outbox/reminders/`` (owner-only) and attached to its reminders."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self._templates: tuple[bytes, bytes] | None = None

    def attachments(self, form: FormRow) -> tuple[str, ...]:
        if self._templates is None:
            self._templates = (template_docx(IMPACT, self.home.config), template_pdf(IMPACT, self.home.config))
        values = impact_values(form.reference, form.school, form.fields)
        folder = self.home.outbox / "reminders"
        docx, pdf = folder / f"{form.reference} impact form.docx", folder / f"{form.reference} impact form.pdf"
        write_private(docx, fill_docx(self._templates[0], values))
        write_private(pdf, fill_pdf(self._templates[1], values))
        return self.home.relative(docx), self.home.relative(pdf)


def remind(db: Database, config: Config, today: date, days: int = 14, home: Home | None = None) -> list[Reminder]:
    """Queue the reminders due ``today`` (impact due within ``days`` days, or overdue),
    each once per award and stage. Returns the reminders of this run (one with no
    address to write to is listed with ``to`` None and not recorded as sent). With
    ``home``, each reminder carries the award's impact form, filled in already."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    prefilled = _Prefilled(home) if home is not None else None
    sent: list[Reminder] = []
    with db.atomic() as conn:
        for form, due in due_dates(conn, WAITING_FOR_IMPACT):
            stage = stage_of(form.state, due, today, days)
            if stage is None or _already(conn, form.reference, stage):
                continue
            to = _recipient(config, form)
            if to is None:  # nobody to write to: reported, and tried again next time
                sent.append(Reminder(reference=form.reference, school=form.school, stage=stage, due=due, to=None,
                                     mail_id=None))
                continue
            attachments = prefilled.attachments(form) if prefilled is not None else ()
            subject, body = compose_reminder(config, form.reference, stage, due, attached=bool(attachments))
            mail_id = enqueue(conn, OutgoingMail(
                dedupe_key=f"reminder:{form.reference}:{stage}", kind="reminder", to=(to,),
                subject=subject, body=body, reference=form.reference, attachments=attachments,
            ))
            store_impact.add_reminder(conn, form.reference, stage, due, mail_id)
            sent.append(Reminder(reference=form.reference, school=form.school, stage=stage, due=due, to=to,
                                 mail_id=mail_id))
    return sent
