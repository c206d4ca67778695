"""Taking files in from the inbox folder: what the watcher does with the files it has
claimed (see :mod:`forms_processor.intake.folder`), through the one ingest path.

A claimed file is read (a saved email gives each form attached to it, a zip each form in
it, both unpacked in a worker under the reading limits), recorded through
``ingest_submissions`` (readers in parallel), then moved to the archive, or to
``rejected/`` with a reason beside it. Each file has its own error boundary: an unexpected
error sends that file to ``rejected/``, tells the Host, and the batch goes on.

``rejected/`` is only for files the school must fix. A file the machine could not save
(a full disk, a locked database, no permission: a :class:`~forms_processor.errors.StorageError`)
is *held* (``held_files``): it stays claimed in ``processing/`` and is tried again with a
back-off, the Host is told on screen and, once mail can be queued, by email; while the
disk is full no new file is claimed.

Stopping: when ``stop`` is set no new file is claimed and the files in hand are finished;
when ``abort`` is set the batch ends after the file being recorded, leaving the rest
claimed in ``processing/`` (their arrival time kept) for the next watcher.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import Field

from ..errors import StorageError, UnreadableDocument, storage_fault
from ..home import Home
from ..intake.email_parts import ParsedEmail
from ..intake.files import TooLarge, read_within, unpack
from ..intake.folder import Candidate, Claimed, ProcessingArea, move_to_archive, move_to_rejected
from ..intake.submission import Source, Submission, now_utc
from ..mail import compose
from ..mail.queue import OutgoingMail, enqueue
from ..readers import ReadLimits
from ..readers.sandbox import too_big
from ..results import IntakeStatus, Result
from ..store import repository as repo
from ..store.db import Database
from ..validation.messages import Severity, points_to_correct
from .held_files import HeldFiles
from .ingest import IngestResult

log = logging.getLogger(__name__)

UNEXPECTED_REASON = "an unexpected error; the Host has been told"


class FileOutcome(Result):
    """What happened to one file taken from the inbox (a saved email: to each form in it)."""

    file: str  # where it was, relative to the inbox
    status: IntakeStatus
    reference: str | None = None
    form: str | None = None
    school: str | None = None
    moved_to: str | None = None  # relative to the home folder (None if it could not be moved)
    messages: list[str] = Field(default_factory=list)
    # How many of the messages are errors (the rest are notes for the Host).
    errors: int = Field(0, exclude=True)

    @property
    def to_correct(self) -> str:
        """"3 points for the school to correct", as the form's history says it."""
        return points_to_correct(self.errors)


_Item = tuple[Submission, str] | tuple[Submission, str, UnreadableDocument]


@dataclass
class _Part:
    """One submission taken from a claimed file (a file is one part; a saved email, one
    part per form attached). ``last`` marks the file's last part: it is moved on then."""

    claimed: Claimed
    sub: Submission
    display: str
    refusal: UnreadableDocument | None = None
    last: bool = True

    def item(self) -> _Item:
        return (self.sub, self.display) if self.refusal is None else (self.sub, self.display, self.refusal)




class IntakeService(Protocol):
    """What folder intake needs of the service (FormsApp)."""

    home: Home
    db: Database

    def ingest_submissions(self, subs: Iterable[_Item]) -> Iterator[IngestResult]: ...

    def unpack_parts(self, data: bytes, name: str) -> ParsedEmail: ...


class FolderIntake:
    """The files one watcher claims, taken in. ``outcomes`` keeps every file's outcome."""

    def __init__(self, service: IntakeService, area: ProcessingArea, *, stop: threading.Event | None = None,
                 abort: threading.Event | None = None, on_outcome: Callable[[FileOutcome], None] | None = None,
                 now: Callable[[], datetime] = now_utc) -> None:
        self.service = service
        self.home = service.home
        self.area = area
        self.stop = stop or threading.Event()
        self.abort = abort or threading.Event()
        self.on_outcome = on_outcome
        self.now = now
        self.outcomes: list[FileOutcome] = []
        # Files the machine could not save, kept claimed in processing/ to be tried again.
        self.held = HeldFiles(self.home, service.db, now)

    # -- files the machine could not save ------------------------------------------

    def blocked(self) -> bool:
        """Whether a full disk (or a locked database...) holds files now: claim no more."""
        return self.held.blocked()

    def next_retry(self) -> datetime | None:
        return self.held.next_retry()

    def retry_held(self) -> list[FileOutcome]:
        """Try again the held files whose back-off has passed."""
        due = self.held.take_due()
        if not due:
            return []
        log.info("trying again %d file(s) that could not be saved before", len(due))
        try:
            return self.take_claimed(due)
        finally:
            self.held.done_retrying()

    def _hold(self, claimed: Claimed, fault: StorageError, outcomes: list[FileOutcome],
              results: list[FileOutcome] | None = None) -> None:
        """Keep the file claimed in processing/ and try it again later; tell the Host."""
        before = self.held.before(claimed)
        wait = self.held.remember(claimed, fault)
        note = (f"Not recorded yet: {fault.message} The file is kept in processing/ and tried again"
                f" in {int(wait.total_seconds())} s; nothing is lost. {fault.hint}")
        log.warning("%s: %s", claimed.display, note)
        for outcome in results or [FileOutcome(file=claimed.display, status=IntakeStatus.WAITING)]:
            outcome.status = IntakeStatus.WAITING
            outcome.reference = outcome.reference if outcome.reference else None
            outcome.moved_to = None
            outcome.messages = [note]
            self._emit(outcomes, outcome)
        if before is None or before.fault.kind != fault.kind:
            self.held.alert(fault)

    def take_over(self) -> list[FileOutcome]:
        """Finish what stopped watchers left in ``processing/``."""
        claimed = self.area.take_over(self.now())
        if claimed:
            log.info("finishing %d file(s) left in processing by a watcher that stopped", len(claimed))
        return self.take_claimed(claimed)

    def take(self, cands: list[Candidate], *, before_claim: Callable[[Candidate], None] | None = None,
             cannot_claim: Callable[[Candidate, OSError], None] | None = None) -> list[FileOutcome]:
        """Claim and process files, reading several at once; stop early when asked."""
        if not cands:
            return []
        in_hand: deque[_Part] = deque()
        outcomes: list[FileOutcome] = []

        def submissions() -> Iterator[_Item]:
            for cand in cands:
                if self.stop.is_set():
                    return
                if before_claim is not None:
                    before_claim(cand)
                try:
                    claimed = self.area.claim(cand, self.now())
                except OSError as exc:
                    if cannot_claim is not None:
                        cannot_claim(cand, exc)
                    continue
                if claimed is None:
                    continue  # another watcher took it first
                for part in self._parts(claimed, outcomes):
                    in_hand.append(part)
                    yield part.item()

        return self._run_batch(submissions(), in_hand, outcomes)

    def take_claimed(self, claimed: list[Claimed]) -> list[FileOutcome]:
        in_hand: deque[_Part] = deque()
        outcomes: list[FileOutcome] = []

        def submissions() -> Iterator[_Item]:
            for c in claimed:
                if self.stop.is_set():
                    return
                for part in self._parts(c, outcomes):
                    in_hand.append(part)
                    yield part.item()

        return self._run_batch(submissions(), in_hand, outcomes)

    def _run_batch(self, subs: Iterator[_Item], in_hand: deque[_Part], outcomes: list[FileOutcome]) -> list[FileOutcome]:
        # A stop (Ctrl-C) claims no more files and lets the batch finish those in hand;
        # an abort (Ctrl-C twice) leaves after the file being recorded.
        done: dict[Path, list[tuple[_Part, IngestResult]]] = {}
        try:
            for result in self.service.ingest_submissions(subs):
                self._collect(in_hand.popleft(), result, done, outcomes)
                if self.abort.is_set():
                    break
        except Exception as exc:  # noqa: BLE001 - fall back to one file at a time, each in its own boundary
            log.warning("a batch stopped on an unexpected error (%s); finishing its files one by one", type(exc).__name__)
            while in_hand and not self.abort.is_set():
                part = in_hand.popleft()
                try:
                    result = next(iter(self.service.ingest_submissions([part.item()])))
                except Exception as err:  # noqa: BLE001 - one bad file never stops the watcher
                    while in_hand and in_hand[0].claimed is part.claimed:  # the rest of the same file
                        in_hand.popleft()
                    done.pop(part.claimed.path, None)
                    fault = storage_fault(err)
                    if fault is not None:
                        self._hold(part.claimed, fault, outcomes)
                    else:
                        self._emit(outcomes, self._unexpected(part.claimed, err))
                    continue
                self._collect(part, result, done, outcomes)
        # Files claimed but not finished (after an abort) stay in processing/ with their
        # arrival time; the next watcher to start finishes them (parts recorded already
        # come back as duplicates: nothing is acknowledged twice).
        return outcomes

    def _collect(self, part: _Part, result: IngestResult, done: dict[Path, list[tuple[_Part, IngestResult]]],
                 outcomes: list[FileOutcome]) -> None:
        """Keep a file's results until its last part is recorded, then move the file on."""
        results = done.setdefault(part.claimed.path, [])
        results.append((part, result))
        if part.last:
            del done[part.claimed.path]
            for outcome in self._finish(part.claimed, results, outcomes):
                self._emit(outcomes, outcome)

    def _parts(self, claimed: Claimed, outcomes: list[FileOutcome]) -> list[_Part]:
        """What a claimed file holds for ingest: itself, or, for a saved email (.eml, .msg)
        or a zip, each form in it (as ``forms ingest`` does), or a refusal when it has none."""
        try:
            limit = int(self.home.config.storage.max_file_mb * 1024 * 1024)
            try:
                data = read_within(claimed.path, limit)  # the size checked before any byte is read
            except TooLarge as big:  # refused unread: never held in memory nor copied to the archive
                self._emit(outcomes, self._too_big(claimed, big.size, limit))
                return []
            held = unpack(data, claimed.name, Source.FOLDER, claimed.received_at, self.service.unpack_parts,
                          origin=str(claimed.path), authorised=self.home.config.is_school_address)
            if held.refusal is not None or held.whole:
                return [_Part(claimed, held.subs[0], claimed.display, held.refusal)]
            parts = [(sub, None) for sub in held.subs] + [(sub, why) for sub, why in held.not_read]
            return [
                _Part(claimed, sub, f"{claimed.display} > {sub.file_name}", why, last=n == len(parts))
                for n, (sub, why) in enumerate(parts, start=1)
            ]
        except Exception as exc:  # noqa: BLE001 - one bad file never stops the watcher
            fault = storage_fault(exc, "reading a file in processing/")
            if fault is not None:
                self._hold(claimed, fault, outcomes)
            else:
                self._emit(outcomes, self._unexpected(claimed, exc))
            return []

    def _emit(self, outcomes: list[FileOutcome], outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        self.outcomes.append(outcome)
        if self.on_outcome is not None:
            try:
                self.on_outcome(outcome)
            except Exception:  # noqa: BLE001 - a display problem must not stop intake
                log.debug("on_outcome failed", exc_info=True)

    def _finish(self, claimed: Claimed, results: list[tuple[_Part, IngestResult]],
                batch: list[FileOutcome]) -> list[FileOutcome]:
        """Move the processed file out of processing/: to the archive when any of its forms
        was recorded, else to rejected/ with the reason beside it. When any of its forms
        could not be saved, the file is held in processing/ and tried again (the forms
        recorded meanwhile come back as duplicates then: nothing is sent twice)."""
        outcomes = [
            FileOutcome(file=part.display, status=r.status, reference=r.reference, form=r.form, school=r.school,
                        messages=[m.full for m in r.messages],
                        errors=sum(1 for m in r.messages if m.severity == Severity.ERROR))
            for part, r in results
        ]
        waiting = next((r for _, r in results if r.status == IntakeStatus.WAITING), None)
        if waiting is not None:
            fault = StorageError(waiting.messages[0].message.removeprefix("Not recorded yet: "),
                                 waiting.messages[0].hint, kind=waiting.fault_kind or "disk")
            self._hold(claimed, fault, batch, outcomes)
            return []
        refused = all(r.status == "rejected" or (r.status == "duplicate" and not r.reference) for _, r in results)
        try:
            if refused:
                moved = move_to_rejected(self.home.rejected, claimed, self._reason(claimed, [r for _, r in results]))
            else:
                first = next((r for _, r in results if r.reference), results[0][1])
                day = claimed.received_at.astimezone(self.home.config.tz).date().isoformat()
                moved = move_to_archive(self.home.archive, claimed, day, first.reference, first.sha256)
            for outcome in outcomes:
                outcome.moved_to = self.home.relative(moved)
        except OSError as exc:
            # Recorded, but not moved: it stays in processing/ and is tried again (a
            # duplicate then, so nothing is sent twice).
            log.warning("%s was recorded but could not be moved (%s); it stays in processing and is tried again",
                        claimed.display, exc.strerror or type(exc).__name__)
            self.held.remember(claimed, storage_fault(exc, "moving a file on") or StorageError(
                f"A file could not be moved on ({exc.strerror or type(exc).__name__}).", kind="disk"))
        return outcomes

    def _reason(self, claimed: Claimed, results: list[IngestResult]) -> str:
        """The plain-English note written beside a file in rejected/."""
        problems: list[str] = []
        hints: list[str] = []
        for r in results:
            if r.status == "duplicate":
                problem, hint = self._original_reason(r)
            else:
                first = r.messages[0] if r.messages else None
                problem = first.message if first else "This file could not be read as a form."
                hint = first.hint if first else ""
            problems.append(problem if len(results) == 1 else f"{r.file}: {problem}")
            if hint and hint not in hints:
                hints.append(hint)
        return reason_text(claimed.display, "\n  ".join(problems), " ".join(hints))

    def _original_reason(self, r: IngestResult) -> tuple[str, str]:
        text = "This file was received before and could not be read then."
        if r.submission_id is not None:
            dup = repo.submission_of(self.service.db, r.submission_id)
            if dup is not None and dup["duplicate_of"] is not None:
                orig = repo.submission_of(self.service.db, dup["duplicate_of"])
                if orig is not None and orig["reason_text"]:
                    text = f"This file was received before and could not be read then: {orig['reason_text']}"
        return text, "Send the form again as a Word (.docx) or PDF file made from the cluster's template."

    def _too_big(self, claimed: Claimed, size: int, limit: int) -> FileOutcome:
        err = too_big(size, ReadLimits(max_bytes=limit))
        log.warning("%s is larger than max_file_mb; moved to rejected unread", claimed.display)
        outcome = FileOutcome(file=claimed.display, status=IntakeStatus.REJECTED, messages=[f"{err.message} {err.hint}"])
        try:
            moved = move_to_rejected(self.home.rejected, claimed, reason_text(claimed.display, err.message, err.hint))
            outcome.moved_to = self.home.relative(moved)
        except OSError as exc:
            self._keep(claimed, exc)
        return outcome

    def _unexpected(self, claimed: Claimed, exc: BaseException) -> FileOutcome:
        log.error("%s: an unexpected error (%s); moved to rejected", claimed.display, type(exc).__name__)
        log.debug("unexpected error", exc_info=True)
        outcome = FileOutcome(file=claimed.display, status=IntakeStatus.REJECTED,
                              messages=[f"This file could not be processed: {UNEXPECTED_REASON}."])
        try:
            moved = move_to_rejected(
                self.home.rejected,
                claimed,
                reason_text(
                    claimed.display,
                    f"This file could not be processed because of {UNEXPECTED_REASON}.",
                    "Nothing needs doing by the school yet: the Host will look at it and get in touch if needed.",
                ),
            )
            outcome.moved_to = self.home.relative(moved)
        except OSError as exc:
            self._keep(claimed, exc)
        self._tell_host(claimed)
        return outcome

    def _keep(self, claimed: Claimed, exc: OSError) -> None:
        """A file for rejected/ that could not be moved there: it stays in processing/ and
        is tried again later."""
        log.error("%s could not be moved to rejected (%s); it stays in processing and is tried again",
                  claimed.display, exc.strerror or type(exc).__name__)
        self.held.remember(claimed, storage_fault(exc) or StorageError("A file could not be moved to rejected/.", kind="disk"))

    def _tell_host(self, claimed: Claimed) -> None:
        """Queue an email to the Host (no file name or contents in it)."""
        cfg = self.home.config
        subject, body = compose.file_needs_looking_at(cfg, claimed.received_at)
        try:
            with self.service.db.atomic() as conn:
                enqueue(conn, OutgoingMail(
                    dedupe_key=f"watch-error:{claimed.path.name}",
                    kind="host-alert",
                    to=(cfg.host.email,),
                    subject=subject,
                    body=body,
                ))
        except Exception as exc:  # noqa: BLE001 - telling the Host must not stop intake either
            log.error("could not queue the email to the Host (%s)", type(exc).__name__)


def reason_text(file: str, problem: str, hint: str) -> str:
    lines = [
        f"File: {file}",
        "",
        "Why it is here:",
        f"  {problem}",
        "",
        "What to do:",
        f"  {hint or 'Send the form again as a Word (.docx) or PDF file made from the cluster template.'}",
        "",
        "Nothing has been deleted: this file is kept here as it arrived.",
    ]
    return "\n".join(lines)
