"""A round as a whole: its clean applications (awaiting the check with no error or warning)
and forwarding them together."""

from __future__ import annotations

from ..errors import NotAllowed
from ..states import State
from ..store import today as store_today
from ..workflow import check as chk
from ..workflow.today import Group, listed
from .base import ServiceBase

# A clean application has no message of these.
NOT_CLEAN = ("error", "warning")


class RoundActions(ServiceBase):
    def clean_applications(self, round_name: str) -> list[chk.CheckSummary]:
        """The round's applications awaiting the check with no error and no warning (and, for a
        scan, its values confirmed), oldest first."""
        name = self.config.require_round(round_name).name
        summaries = (chk.summarise(self.db, self.home, f) for f in chk.awaiting(self.db, self.config, name))
        return [s for s in summaries if not s.errors and not s.warnings and not (s.scan and not s.scan.confirmed)]

    def count_clean(self, round_name: str) -> int:
        """How many of the round's applications awaiting the check are clean (counted, not read)."""
        name = self.config.require_round(round_name).name
        return store_today.count_without_messages(self.db, State.AWAITING_CHECK.value, "send-application", name,
                                                  NOT_CLEAN)

    def round_applications(self, round_name: str, *, state: State | None = None, school: str | None = None,
                           among: list[str] | None = None, limit: int = 100, offset: int = 0) -> Group:
        """The round's applications (in ``state``, else every state but superseded; of one
        school; among the references ``among``), counted, and ``limit`` of them from
        ``offset``, oldest first."""
        name = self.config.require_round(round_name).name
        states = (state,) if state else tuple(s for s in State if s is not State.SUPERSEDED)
        return listed(self.db, self.config, tuple(s.value for s in states), "send-application", limit,
                      round_name=name, school=school, offset=offset, references=among)

    def forward_clean(self, round_name: str, references: list[str], *, actor: str = "host") -> list[str]:
        """Forward the listed applications, each only if it is still clean (NotAllowed names
        the first that is not, and nothing is forwarded)."""
        clean = {s.reference for s in self.clean_applications(round_name)}
        changed = [r for r in references if r not in clean]
        if changed:
            raise NotAllowed(f"{changed[0]} is no longer a clean application awaiting the check, so nothing was forwarded.",
                             hint="Look at the round's page again: the list has changed.")
        with self.db.atomic():
            return [chk.forward(self.db, self.config, r, None, actor=actor).reference for r in references]
