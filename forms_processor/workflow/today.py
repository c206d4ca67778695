"""The SEND Host's "today": what needs the Host now, each with its reference.

    host_today(db, config, now)   # -> Today

Applications to check (late ones marked), impact forms to accept, responses to write,
impact forms due this month and overdue, emails that failed, and the next deadline and
meeting. ``forms status`` shows it above the rounds.

    today_counted(db, config, now, limit=100)   # -> TodayCounted

The same lists for a page: each counted, with only its first ``limit`` rows read (and never
a form's fields), so Today stays quick with thousands of forms on deadline day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from ..config import Config
from ..results import LocalTime, Money, Result
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
    day = _the_rest(db, config, now, None)
    day.to_check, day.impact_to_accept = to_check, impact_to_accept
    return day


def _the_rest(db: Database, config: Config, now: datetime, limit: int | None) -> Today:
    """Today without the forms to check and accept: responses to write (the first ``limit``),
    impact forms due and overdue, failed emails, the next deadline and meeting."""
    today = now.astimezone(config.tz).date()
    to_write = []
    for ref in decisions.unanswered_references(db)[:limit]:
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


# -- the same lists, counted and cut short (the web page's Today) ------------------------------

class Listed(Item):
    """A form in one of Today's lists, with what a table of them shows."""

    round: str | None = None
    state: State | None = None
    intervention: str | None = None
    requested: Money | None = None
    received: LocalTime | None = None
    late: bool = False


class Group(Result):
    """A list counted: how many in all, and the first (oldest) of them."""

    total: int = 0
    items: list[Listed] = Field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.items)


class RoundToCheck(Group):
    round: str | None = None


class TodayCounted(Result):
    day: date
    to_check: list[RoundToCheck] = Field(default_factory=list)
    late: Group = Field(default_factory=Group)
    impact_to_accept: Group = Field(default_factory=Group)
    responses_to_write: Group = Field(default_factory=Group)
    impact_due_this_month: Group = Field(default_factory=Group)
    impact_overdue: Group = Field(default_factory=Group)
    waiting_for_school: Group = Field(default_factory=Group)
    failed_emails: Group = Field(default_factory=Group)
    next_deadline: NextDeadline | None = None
    next_meeting: NextMeeting | None = None

    @property
    def nothing_to_do(self) -> bool:
        return not (any(g.total for g in self.to_check) or self.impact_to_accept.total or self.responses_to_write.total
                    or self.impact_overdue.total or self.failed_emails.total)


AWAITING = (State.AWAITING_CHECK.value,)
WITH_SCHOOL = (State.RETURNED.value, State.INVALID.value)


def _listed(config: Config, row: Any, late: bool = False, detail: str = "") -> Listed:
    received = datetime.fromisoformat(row["received_at"]).astimezone(config.tz) if row["received_at"] else None
    amount = row["amount_requested"]
    return Listed(reference=row["reference"], school=row["school"], detail=detail, round=row["round"],
                  state=State(row["state"]),
                  intervention=row["intervention"], requested=Money(amount) if amount else None,
                  received=received, late=late)


def _deadline_utc(config: Config, round_name: str | None) -> str | None:
    rnd = next((r for r in config.rounds if r.name == round_name), None)
    return config.local_deadline(rnd).isoformat() if rnd is not None else None


def _to_check(db: Database, config: Config, limit: int) -> tuple[list[RoundToCheck], Group]:
    """Applications awaiting the check, by round (the configured rounds in deadline order, then
    any other), and the late ones among them (arrived after their round's deadline)."""
    counts = store_today.counts_by_round(db, AWAITING, "send-application")
    names: list[str | None] = [r.name for r in sorted(config.rounds, key=config.local_deadline)]
    names += sorted((n for n in counts if n not in names), key=lambda n: (n is not None, n or ""))
    groups, late = [], Group()
    for name in names:
        deadline = _deadline_utc(config, name)
        if deadline and not store_today.any_received_after(db, deadline):
            deadline = None  # nothing has arrived since the deadline: none of the round can be late
        late_rows = (store_today.first_forms(db, AWAITING, "send-application", limit, round_name=name,
                                             received_after=deadline) if deadline and counts.get(name) else [])
        late_refs = {r["reference"] for r in late_rows}
        if late_rows:
            late.total += len(late_rows) if len(late_rows) < limit else store_today.count_forms(
                db, AWAITING, "send-application", round_name=name, received_after=deadline)
            late.items += [_listed(config, r, late=True, detail=f"{name}, LATE") for r in late_rows]
        rows = store_today.first_forms(db, AWAITING, "send-application", limit, round_name=name) if counts.get(name) else []
        groups.append(RoundToCheck(round=name, total=counts.get(name, 0),
                                   items=[_listed(config, r, late=r["reference"] in late_refs) for r in rows]))
    late.items = sorted(late.items, key=lambda i: (i.received is None, i.received))[:limit]
    return groups, late


def _counted(db: Database, config: Config, states: tuple[str, ...], form_id: str | None, limit: int,
             detail: Any = None) -> Group:
    rows = store_today.first_forms(db, states, form_id, limit)
    total = len(rows) if len(rows) < limit else store_today.count_forms(db, states, form_id)
    return Group(total=total, items=[_listed(config, r, detail=detail(r) if detail else "") for r in rows])


def today_counted(db: Database, config: Config, now: datetime, limit: int = 100) -> TodayCounted:
    """What needs the Host (the lists of :func:`host_today`, and the forms waiting for a
    school's correction), each counted and cut to its first ``limit``."""
    full = _the_rest(db, config, now, limit)
    to_check, late = _to_check(db, config, limit)
    return TodayCounted(
        day=full.day, to_check=to_check, late=late,
        impact_to_accept=_counted(db, config, AWAITING, "send-impact", limit,
                                  lambda r: f"for {r['linked_ref']}" if r["linked_ref"] else ""),
        waiting_for_school=_counted(db, config, WITH_SCHOOL, None, limit, lambda r: State(r["state"]).label),
        responses_to_write=Group(total=store_today.count_unanswered(db),
                                 items=[Listed(**i.model_dump()) for i in full.responses_to_write]),
        impact_due_this_month=_group(full.impact_due_this_month, limit),
        impact_overdue=_group(full.impact_overdue, limit),
        failed_emails=_group(full.failed_emails, limit),
        next_deadline=full.next_deadline, next_meeting=full.next_meeting,
    )


def _group(items: list[Item], limit: int) -> Group:
    return Group(total=len(items), items=[Listed(**i.model_dump()) for i in items[:limit]])


def listed(db: Database, config: Config, states: tuple[str, ...], form_id: str | None, limit: int, *,
           round_name: str | None = None, school: str | None = None, offset: int = 0,
           references: list[str] | None = None) -> Group:
    """Forms in one of ``states`` (of a round, of a school), counted, and ``limit`` of them
    from ``offset``, oldest first."""
    rows = store_today.first_forms(db, states, form_id, limit, round_name=round_name, school=school, offset=offset,
                                   references=references)
    total = store_today.count_forms(db, states, form_id, round_name=round_name, school=school, references=references)
    return Group(total=total, items=[_listed(config, r) for r in rows])
