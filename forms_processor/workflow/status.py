"""The Host's overview: ``round_status(db, config, round_name=None, today=...)``.

For each round: applications by state, money (budget, requested, awarded, left),
responses queued and sent, impact forms due and overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..config import Config
from ..errors import NotFound
from ..reports.money import RoundMoney, round_money
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

    @property
    def applications(self) -> int:
        return sum(self.states.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "deadline": self.deadline,
            "meeting": self.meeting,
            "applications": self.applications,
            "states": self.states,
            "money": self.money.to_json(),
            "responses": {"queued": self.responses_queued, "sent": self.responses_sent, "failed": self.responses_failed},
            "impact": {"due": self.impact_due, "overdue": self.impact_overdue,
                       "overdue_references": self.overdue_references},
        }


def round_status(db: Database, config: Config, round_name: str | None = None, *, today: date) -> list[RoundStatus]:
    if round_name:
        rnd = config.find_round(round_name)
        if rnd is None:
            raise NotFound(f"There is no funding round called '{round_name}'.",
                           hint="Use a round name or code from cluster.toml.")
        rounds = [rnd]
    else:
        rounds = sorted(config.rounds, key=lambda r: config.local_deadline(r))
    out = []
    for rnd in rounds:
        states = {r[0]: r[1] for r in db.query(
            "SELECT state, COUNT(*) FROM forms WHERE form_id = 'send-application' AND round = ?"
            " GROUP BY state ORDER BY state", (rnd.name,))}
        mail = {r[0]: r[1] for r in db.query(
            "SELECT CASE WHEN m.status = 'sent' THEN 'sent' WHEN m.status = 'failed' THEN 'failed' ELSE 'queued' END,"
            " COUNT(*) FROM responses r JOIN outgoing_mail m ON m.id = r.mail_id"
            " JOIN forms f ON f.reference = r.reference WHERE f.round = ? GROUP BY 1", (rnd.name,))}
        impact = db.query(
            "SELECT f.reference, f.state, d.impact_due FROM forms f"
            " JOIN decisions d ON d.id = (SELECT MAX(id) FROM decisions WHERE reference = f.reference)"
            " WHERE f.round = ? AND f.state IN ('impact_due', 'impact_overdue')", (rnd.name,))
        overdue = sorted(r["reference"] for r in impact
                         if r["state"] == "impact_overdue" or (r["impact_due"] and date.fromisoformat(r["impact_due"]) < today))
        out.append(RoundStatus(
            round=rnd.name,
            deadline=config.local_deadline(rnd).isoformat(),
            meeting=rnd.meeting.isoformat(),
            states=states,
            money=round_money(db, config, rnd.name),
            responses_queued=mail.get("queued", 0),
            responses_sent=mail.get("sent", 0),
            responses_failed=mail.get("failed", 0),
            impact_due=len(impact) - len(overdue),
            impact_overdue=len(overdue),
            overdue_references=overdue,
        ))
    return out
