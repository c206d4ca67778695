"""The Host's overview: ``round_status(db, config, round_name=None, today=...)``.

For each round: applications by state, money (budget, requested, awarded, left),
responses still to write, queued, sent (and failed, or with no address to send to),
impact forms due and overdue.

A response counts in the round that decided it (a deferred application moves on to
the round it was deferred to afterwards). ``applications`` leaves out forms replaced
by a corrected one (``superseded``), which ``states`` still shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..config import Config
from ..reports.money import RoundMoney, round_money
from ..states import State
from ..store import decisions
from ..store import repository as repo
from ..store.db import Database


@dataclass(frozen=True)
class RoundStatus:
    round: str
    deadline: str
    meeting: str
    states: dict[str, int]
    money: RoundMoney
    responses_queued: int
    responses_sent: int
    responses_failed: int
    impact_due: int
    impact_overdue: int
    overdue_references: list[str] = field(default_factory=list)
    # Decisions whose response has not been written yet (forms respond --all).
    responses_to_write: int = 0
    # Responses written for a school with no email address: to be sent by hand.
    responses_no_address: int = 0

    @property
    def applications(self) -> int:
        return sum(n for state, n in self.states.items() if state != "superseded")

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "deadline": self.deadline,
            "meeting": self.meeting,
            "applications": self.applications,
            "states": self.states,
            "money": self.money.to_json(),
            "responses": {"to_write": self.responses_to_write, "queued": self.responses_queued,
                          "sent": self.responses_sent, "failed": self.responses_failed,
                          "no_address": self.responses_no_address},
            "impact": {"due": self.impact_due, "overdue": self.impact_overdue,
                       "overdue_references": self.overdue_references},
        }


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
            deadline=config.local_deadline(rnd).isoformat(),
            meeting=rnd.meeting.isoformat(),
            states=states,
            money=round_money(db, config, rnd.name),
            responses_queued=mail.get("queued", 0),
            responses_sent=mail.get("sent", 0),
            responses_failed=mail.get("failed", 0),
            responses_to_write=to_write,
            responses_no_address=mail.get("no_address", 0),
            impact_due=len(impact) - len(overdue),
            impact_overdue=len(overdue),
            overdue_references=overdue,
        ))
    return out
