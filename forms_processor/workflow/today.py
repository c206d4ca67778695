"""The SEND Host's "today": what needs the Host now, each with its reference.

    host_today(db, config, now)   # -> Today

Applications to check (late ones marked), impact forms to accept, responses to write,
impact forms due this month and overdue, emails that failed, and the next deadline and
meeting. ``forms status`` shows it above the rounds.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from ..config import Config
from ..results import LocalTime, Result
from ..states import State
from ..store import decisions
from ..store import repository as repo
from ..store import today as store_today
from ..store.db import Database


class Item(Result):
    """One thing for the Host: its reference, the school, and a few words."""

    reference: str | None
    school: str | None = None
    detail: str = ""


class NextDeadline(Result):
    round: str
    at: LocalTime


class NextMeeting(Result):
    round: str
    on: date


class Today(Result):
    day: date
    to_check: list[Item] = Field(default_factory=list)
    impact_to_accept: list[Item] = Field(default_factory=list)
    responses_to_write: list[Item] = Field(default_factory=list)
    impact_due_this_month: list[Item] = Field(default_factory=list)
    impact_overdue: list[Item] = Field(default_factory=list)
    failed_emails: list[Item] = Field(default_factory=list)
    next_deadline: NextDeadline | None = None
    next_meeting: NextMeeting | None = None

    @property
    def nothing_to_do(self) -> bool:
        return not (self.to_check or self.impact_to_accept or self.responses_to_write or self.impact_overdue
                    or self.failed_emails)


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def host_today(db: Database, config: Config, now: datetime) -> Today:
    """What needs the Host on the day of ``now`` (an aware datetime)."""
    today = now.astimezone(config.tz).date()
    received = repo.received_times(db)
    to_check = []
    for f in repo.list_forms(db, state=State.AWAITING_CHECK.value, form_id="send-application"):
        late = config.is_late(f.round, received.get(f.reference))
        to_check.append(Item(reference=f.reference, school=f.school,
                             detail=f"{f.round or 'no round'}" + (", LATE" if late else "")))
    impact_to_accept = [
        Item(reference=f.reference, school=f.school, detail=f"for {f.linked_ref}" if f.linked_ref else "")
        for f in repo.list_forms(db, state=State.AWAITING_CHECK.value, form_id="send-impact")
    ]
    to_write = []
    for ref in decisions.unanswered_references(db):
        form = repo.get_form(db, ref)
        decision = repo.current_decision(db, ref)
        word = str(decision["decision"]).replace("_", " ") if decision is not None else ""
        to_write.append(Item(reference=ref, school=form.school if form else None, detail=word))
    due_month, overdue = [], []
    for row in store_today.impact_awaited(db):
        due = date.fromisoformat(row["impact_due"]) if row["impact_due"] else None
        if row["state"] == State.IMPACT_OVERDUE.value or (due is not None and due < today):
            overdue.append(Item(reference=row["reference"], school=row["school"],
                                detail=f"was due {_day(due)}" if due else "overdue"))
        elif due is not None and (due.year, due.month) == (today.year, today.month):
            due_month.append(Item(reference=row["reference"], school=row["school"], detail=f"due {_day(due)}"))
    failed = [Item(reference=r["reference"], detail=f"{r['kind']} email (id {r['id']})")
              for r in store_today.failed_mail(db)]
    upcoming = sorted((config.local_deadline(r), r.name) for r in config.rounds if config.local_deadline(r) > now)
    meetings = sorted((r.meeting, r.name) for r in config.rounds if r.meeting >= today)
    return Today(
        day=today,
        to_check=to_check,
        impact_to_accept=impact_to_accept,
        responses_to_write=to_write,
        impact_due_this_month=due_month,
        impact_overdue=overdue,
        failed_emails=failed,
        next_deadline=NextDeadline(round=upcoming[0][1], at=upcoming[0][0]) if upcoming else None,
        next_meeting=NextMeeting(round=meetings[0][1], on=meetings[0][0]) if meetings else None,
    )


def round_is_empty(status: Any) -> bool:
    """A round with nothing in it yet (no application, award, response or impact form)."""
    rs, imp = status.responses, status.impact
    return (not status.applications and not status.money.awarded and not rs.sent and not rs.queued
            and not rs.to_write and not imp.due and not imp.overdue)
