"""The SEND Host's and the Working Party's actions: the check (forward, return, exception),
withdrawing, the pack, decisions, responses and the round's status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..reports.pack import Pack, build_pack
from ..states import State
from ..store import today as store_today
from ..store.repository import FormRow
from ..workflow import check as chk
from ..workflow import decide as dec
from ..workflow import minutes
from ..workflow.move import MOVABLE, MoveResult, move
from ..workflow.respond import ResponseResult, respond
from ..workflow.scan_check import ScanConfirmed, ScanReview, confirm_scan, scan_review
from ..workflow.status import RoundStatus, round_status
from ..workflow.today import Today, TodayCounted, host_today, round_is_empty, today_counted
from ..workflow.withdraw import withdraw
from .base import ServiceBase


class HostActions(ServiceBase):
    # -- the check ---------------------------------------------------------------------------

    def application(self, reference: str) -> FormRow:
        """An application by its reference (NotFound when there is none)."""
        return chk.application(self.db, reference)

    def awaiting_check(self, round_name: str | None = None) -> list[FormRow]:
        """Applications awaiting the Host's check (of one round, or all), oldest first."""
        return chk.awaiting(self.db, self.config, round_name)

    def check_summary(self, form: FormRow) -> chk.CheckSummary:
        """Everything the Host needs to judge one application (or accept one impact form)."""
        if form.form_id == "send-impact":
            return chk.summarise_impact(self.db, self.home, form)
        return chk.summarise(self.db, self.home, form)

    def impacts_awaiting(self) -> list[FormRow]:
        """Impact forms awaiting the Host's acceptance (in the check's queue after the applications)."""
        return chk.impacts_awaiting(self.db)

    def readable_original(self, form: FormRow) -> Path | None:
        """The original file, under a readable name, to open by hand."""
        return chk.readable_original(self.db, self.home, form)

    def form(self, reference: str) -> FormRow:
        """Any form by its reference (NotFound when there is none)."""
        return self.get(reference)  # type: ignore[attr-defined, no-any-return]

    def check_reason(self, form: FormRow, text: str) -> None:
        """Refuse a reason or note that quotes a pupil's details (UsageError, with why)."""
        chk.check_no_pupil_details(form, text)

    def scan_review(self, reference: str) -> ScanReview | None:
        """The values read from a form's scan, with their confidence and the scan's file (None: not a scan)."""
        return scan_review(self.db, self.home, self.form(reference))

    def confirm_scan(self, reference: str, corrections: dict[str, str], *, actor: str = "host") -> ScanConfirmed:
        """Confirm the values read from a form's scan, correcting those in ``corrections``
        (field key → the right value); each value that changes is recorded as the Host's
        correction, and counted in ``corrected`` (one given as read changes nothing)."""
        return confirm_scan(self.db, self.config, reference, corrections, actor=actor)

    def forward(self, reference: str, note: str | None = None, *, actor: str = "host") -> FormRow:
        return chk.forward(self.db, self.config, reference, note, actor=actor)

    def return_to_school(self, reference: str, reason: str, *, actor: str = "host") -> tuple[FormRow, int | None]:
        """Return an application with a reason; the school's email is queued (its id, or None
        when the school has no address)."""
        mail_id = chk.return_to_school(self.db, self.config, reference, reason, actor=actor)
        return chk.application(self.db, reference), mail_id

    def record_exception(self, reference: str, reason: str, *, actor: str = "host") -> chk.ExceptionResult:
        return chk.record_exception(self.db, self.config, reference, reason, actor=actor)

    def move(self, reference: str, round_text: str, reason: str, *, actor: str = "host") -> MoveResult:
        """Move an application (not yet decided) to another round; the school is emailed."""
        return move(self.db, self.config, reference, round_text, reason, actor=actor)

    def may_move(self, form: FormRow) -> bool:
        """Whether an application may still change round (before a decision)."""
        return form.form_id == "send-application" and form.state in MOVABLE

    def withdraw(self, reference: str, reason: str, *, actor: str = "host") -> FormRow:
        return withdraw(self.db, reference, reason, actor)

    # -- the Working Party ---------------------------------------------------------------------

    def pack(self, round_name: str, out_dir: Path) -> Pack:
        """The round's pack for the Working Party (PDF, Word and a spreadsheet)."""
        return build_pack(self.db, self.home, round_name, out_dir)

    def decision_input(self, reference: str, values: dict[str, Any], **overrides: Any) -> dec.DecisionInput:
        """A decision as typed on the command line or in a form on a page."""
        inp = minutes.input_from_values(reference, values)
        return dec.DecisionInput(**{**inp.__dict__, **overrides}) if overrides else inp

    def decide(self, inp: dec.DecisionInput, *, actor: str = "host") -> dec.DecisionRecord:
        return dec.decide(self.db, self.config, inp, actor=actor)

    def read_decisions_file(self, path: Path) -> list[minutes.FileRow]:
        return minutes.read_decisions_file(path)

    def decide_many(self, rows: Iterable[minutes.FileRow], *, actor: str = "host") -> list[dec.DecisionRecord]:
        """Every decision of a minutes file, all or none."""
        return minutes.decide_many(self.db, self.config, rows, actor=actor)

    def respond(self, references: Sequence[str] | None = None, *, every: bool = False, resend: bool = False,
                **kw: Any) -> list[ResponseResult]:
        """Response forms (Word and PDF) for decided applications, their emails queued."""
        return respond(self.db, self.home, list(references) if references else None, every=every, resend=resend, **kw)

    def host_today(self, now: datetime | None = None) -> Today:
        """What needs the Host now, each with its reference, and the next deadline and meeting."""
        return host_today(self.db, self.config, now or datetime.now(self.config.tz))

    def host_today_counted(self, now: datetime | None = None, limit: int = 100) -> TodayCounted:
        """The same lists as :meth:`host_today`, and the forms waiting for a school's correction,
        each counted with only its first ``limit`` read (a page's Today, quick on deadline day)."""
        return today_counted(self.db, self.config, now or datetime.now(self.config.tz), limit)

    def neighbours(self, form: FormRow, in_state: State | None = None) -> tuple[str | None, str | None]:
        """The forms before and after ``form`` in its list: the forms of its kind and round in
        ``in_state`` (else its own state), oldest first."""
        state = in_state or form.state
        return store_today.neighbours(self.db, form.reference, form.form_id, state.value, form.round)

    def round_is_empty(self, status: RoundStatus) -> bool:
        return round_is_empty(status)

    def round_status(self, round_name: str | None = None, *, today: date | None = None) -> list[RoundStatus]:
        return round_status(self.db, self.config, round_name, today=today or self.today())
