"""The Working Party's meeting (the web page's): the round's applications side by side, a
decision previewed against the budget guard, recorded in the signed-in member's name, and
the round's responses sent; and the check's problems of a round's applications."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..reports.pack import Pack, build_pack
from ..store import repository as repo
from ..workflow import check as chk
from ..workflow import decide as dec
from ..workflow import meeting as mtg
from ..workflow.problems import PROBLEMS, problems_of_round
from ..workflow.respond import ResponseResult, respond
from .base import ServiceBase
from .users import User


class MeetingActions(ServiceBase):
    def meeting(self, round_name: str, user_name: str | None = None) -> mtg.Meeting:
        """The round's forwarded and decided applications, the members who do not vote on
        each (and whether ``user_name`` does), and the round's money."""
        return mtg.meeting(self.db, self.config, round_name, user_name)

    def decision_fields(self) -> dict[str, tuple[str, ...]]:
        """The fields each decision takes (its word -> the DecisionInput fields)."""
        return dict(mtg.DECISION_FIELDS)

    def preview_decision(self, inp: dec.DecisionInput) -> mtg.DecisionPreview:
        """The money left in the round after ``inp``, or the budget guard's refusal; nothing is written."""
        return mtg.preview(self.db, self.config, inp)

    def record_decision(self, inp: dec.DecisionInput, *, actor: str) -> dec.DecisionRecord:
        """Record a decision in the name of the person signed in (``actor``); a Working Party
        member from the applying school is refused (they do not vote on it)."""
        form = chk.application(self.db, inp.reference)
        mtg.check_may_vote(self.config, actor, form)
        return dec.decide(self.db, self.config, inp, actor=actor)

    def respond_round(self, round_name: str, *, actor: str) -> list[ResponseResult]:
        """The response forms of the round's decisions not yet answered, their emails queued."""
        refs = mtg.unanswered_in_round(self.db, self.config, round_name)
        return respond(self.db, self.home, refs, actor=actor) if refs else []

    def problem_kinds(self) -> dict[str, str]:
        """The kinds of problem the check finds, each with its words for people."""
        return dict(PROBLEMS)

    def round_problems(self, round_name: str) -> dict[str, list[str]]:
        """reference -> the kinds of problem of each of the round's forms that has any."""
        return problems_of_round(self.db, self.config, round_name)

    @contextmanager
    def pack_files(self, round_name: str) -> Iterator[Pack]:
        """The round's pack written into a private temporary folder, removed afterwards."""
        folder = Path(tempfile.mkdtemp(prefix="forms-pack-"))  # mode 0700
        try:
            yield build_pack(self.db, self.home, round_name, folder / "pack")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def record_pack_download(self, user: User, round_name: str, file_name: str) -> None:
        """Who took the round's pack (it holds the applications in full), and when (the event log)."""
        with self.db.atomic() as conn:
            repo.add_event(conn, action="pack-downloaded", actor=user.name, reason=f"{round_name}: {file_name}")
