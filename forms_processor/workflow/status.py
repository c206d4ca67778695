"""The Host's overview: ``round_status(db, config, round_name=None, today=...)``.

For each round: applications by state, money (budget, requested, awarded, left),
responses still to write, queued, sent (and failed, or with no address to send to),
impact forms due and overdue.

A response counts in the round that decided it (a deferred application moves on to
the round it was deferred to afterwards). ``applications`` leaves out forms replaced
by a corrected one (``superseded``), which ``states`` still shows.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, computed_field

from ..config import Config
from ..reports.money import RoundMoney, round_money
from ..results import LocalTime, Result
from ..states import State
from ..store import decisions
from ..store import repository as repo
from ..store.db import Database


class ResponseCounts(Result):
    # Decisions whose response has not been written yet (forms respond --all).
    to_write: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    # Responses written for a school with no email address: to be sent by hand.
    no_address: int = 0


class ImpactCounts(Result):
    due: int = 0
    overdue: int = 0
    overdue_references: list[str] = Field(default_factory=list)


class RoundStatus(Result):
    round: str
    deadline: LocalTime
    meeting: date
    states: dict[str, int]
    money: RoundMoney
    responses: ResponseCounts
    impact: ImpactCounts

    @computed_field  # type: ignore[prop-decorator]
    @property
    def applications(self) -> int:
        return sum(n for state, n in self.states.items() if state != State.SUPERSEDED.value)


def round_status(db: Database, config: Config, round_name: str | None = None, *, today: date) -> list[RoundStatus]:
    if round_name:
        rounds = [config.require_round(round_name)]
    else:
        rounds = sorted(config.rounds, key=lambda r: config.local_deadline(r))
    out = []
    for rnd in rounds:
        states = repo.state_counts(db, "send-application", rnd.name)
        mail = decisions.response_mail_counts(db, rnd.name)
        to_write = decisions.unanswered_in_round(db, "send-application", rnd.name)
        impact = decisions.in_force_of_round(db, rnd.name, (State.IMPACT_DUE.value, State.IMPACT_OVERDUE.value))
        overdue = sorted(r["reference"] for r in impact
                         if r["state"] == State.IMPACT_OVERDUE.value or (r["impact_due"] and date.fromisoformat(r["impact_due"]) < today))
        out.append(RoundStatus(
            round=rnd.name,
            deadline=config.local_deadline(rnd),
            meeting=rnd.meeting,
            states=states,
            money=round_money(db, config, rnd.name),
            responses=ResponseCounts(to_write=to_write, queued=mail.get("queued", 0), sent=mail.get("sent", 0),
                                     failed=mail.get("failed", 0), no_address=mail.get("no_address", 0)),
            impact=ImpactCounts(due=len(impact) - len(overdue), overdue=len(overdue), overdue_references=overdue),
        ))
    return out
