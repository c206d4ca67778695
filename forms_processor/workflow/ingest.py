"""Ingest: one submission in, one outcome out. The same path for every source.

The steps, in order (each a small function below):
1. ``find_duplicate``  — the same bytes seen before: record, report, no email.
2. ``archive``         — keep the original, named by its SHA-256, owner-only.
3. read                — the readers (under limits), or a refusal with a reason.
4. validate            — the schema and the cluster's rules: all messages at once.
5. ``record``          — one transaction: the submission, a reference, the form,
                         its messages, its state and history, the earlier invalid
                         form it supersedes, and the acknowledgement email queued.

Step 5 being one transaction is what makes intake crash-safe: a form is either
fully recorded with its acknowledgement queued, or not at all; a re-run then
sees the same bytes as a duplicate and sends nothing twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from ..config import Config, academic_year, fold_plain
from ..errors import UnreadableDocument, storage_fault
from ..home import Home
from ..intake.originals import keep_original
from ..intake.submission import Submission
from ..mail import compose
from ..mail.queue import OutgoingMail, enqueue
from ..readers.base import ExtractedForm
from ..results import IntakeStatus, Result
from ..states import State
from ..store import repository as repo
from ..store.db import Database, utcnow_iso
from ..store.repository import add_event, get_form, next_reference, normalise_reference, transition
from ..validation import ValidationContext, ValidationResult, validate
from ..validation.context import KnownApplication
from ..validation.messages import Message, Severity, points_to_correct
from .impact import on_impact_recorded
from .lookup import known_application

ReadFn = Callable[[bytes, str], ExtractedForm]

FORM_TITLES = {"send-application": "Application form", "send-impact": "Impact form"}
# Earlier forms that a corrected one replaces.
_REPLACEABLE = (State.INVALID, State.RETURNED, State.MORE_INFORMATION, State.AWAITING_CHECK)


class IngestResult(Result):
    """One file or attachment taken in."""

    file: str
    status: IntakeStatus
    reference: str | None = None
    form: str | None = None
    school: str | None = None
    messages: list[Message] = Field(default_factory=list)
    submission_id: int | None = Field(default=None, exclude=True)
    sha256: str = Field(default="", exclude=True)
    # For a 'waiting' result: the kind of storage problem (errors.StorageError.kind).
    fault_kind: str | None = Field(default=None, exclude=True)


class Ingestor:
    """Runs submissions through the steps above. ``read`` is the reader (a ReaderPool's
    ``read`` in real use; a plain function in unit tests). Times come from each
    Submission's ``received_at``, set by the intake that made it."""

    def __init__(self, home: Home, db: Database, read: ReadFn, actor: str = "intake", workers: int = 2) -> None:
        self.home = home
        self.config: Config = home.config
        self.db = db
        self.read = read
        self.actor = actor
        self.workers = max(1, workers)

    # -- the whole path -----------------------------------------------------

    def process(self, sub: Submission, display: str | None = None) -> IngestResult:
        return self._finish(sub, display or sub.file_name, self._read(sub))

    def process_many(self, subs: Iterable[tuple[Submission, str] | tuple[Submission, str, UnreadableDocument]]) -> Iterator[IngestResult]:
        """Read several submissions at once (the reader pool has ``workers`` processes),
        then record them one by one, in order. An item may carry a refusal decided
        before reading (an email with no form attached): it is recorded as rejected."""
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            pending: list[tuple[Submission, str, Future[ExtractedForm | UnreadableDocument] | UnreadableDocument | None]] = []
            seen: set[str] = set()
            for item in subs:
                sub, display = item[0], item[1]
                refusal = item[2] if len(item) == 3 else None  # type: ignore[misc]
                skip = sub.sha256 in seen or self.find_duplicate(sub) is not None
                seen.add(sub.sha256)
                outcome: Future[ExtractedForm | UnreadableDocument] | UnreadableDocument | None
                if refusal is not None:
                    outcome = refusal
                else:
                    outcome = None if skip else pool.submit(self._read, sub)
                pending.append((sub, display, outcome))
                if len(pending) >= self.workers * 4:
                    yield self._drain_one(pending)
            while pending:
                yield self._drain_one(pending)

    def _drain_one(
        self,
        pending: list[tuple[Submission, str, Future[ExtractedForm | UnreadableDocument] | UnreadableDocument | None]],
    ) -> IngestResult:
        sub, display, outcome = pending.pop(0)
        if isinstance(outcome, Future):
            return self._finish(sub, display, outcome.result())
        return self._finish(sub, display, outcome)

    def read_submission(self, sub: Submission) -> ExtractedForm | UnreadableDocument:
        """Read one submission (in the sandbox), without recording anything."""
        return self._read(sub)

    def process_read(self, sub: Submission, display: str, outcome: ExtractedForm | UnreadableDocument) -> IngestResult:
        """Record a submission already read with :meth:`read_submission` (not read again)."""
        return self._finish(sub, display, outcome)

    def _read(self, sub: Submission) -> ExtractedForm | UnreadableDocument:
        try:
            return self.read(sub.data, sub.file_name)
        except UnreadableDocument as exc:
            return exc

    def _finish(self, sub: Submission, display: str, outcome: ExtractedForm | UnreadableDocument | None) -> IngestResult:
        """Record one submission. When the machine cannot save it (a full disk, a locked
        database, no permission) nothing of it is kept and it comes back ``waiting``:
        the form is the school's no less, and is tried again (see folder_intake.py)."""
        try:
            return self._record_one(sub, display, outcome)
        except Exception as exc:
            fault = storage_fault(exc)
            if fault is None:
                raise
            return IngestResult(
                file=display, status=IntakeStatus.WAITING, sha256=sub.sha256, fault_kind=fault.kind,
                messages=[Message(field="", label="", severity=Severity.ERROR,
                                  message=f"Not recorded yet: {fault.message}", hint=fault.hint)],
            )

    def _record_one(self, sub: Submission, display: str,
                    outcome: ExtractedForm | UnreadableDocument | None) -> IngestResult:
        dup = self.find_duplicate(sub)
        if dup is not None:
            return self.record_duplicate(sub, display, dup)
        if sub.unread_size is not None and isinstance(outcome, UnreadableDocument):
            # Refused unread for its size: only a note of it (name, size, time), no copy.
            return self.record_rejected(sub, display, None, outcome)
        archived = self.archive(sub)
        if outcome is None:  # skipped as a duplicate of an earlier file of this batch
            outcome = self._read(sub)
        if isinstance(outcome, UnreadableDocument):
            return self.record_rejected(sub, display, archived, outcome)
        result = validate(outcome, self.context_for(sub))
        if not result.ok and self._exception_carries_over(result):
            result = validate(outcome, self.context_for(sub, high_needs_exception=True))
        return self.record(sub, display, archived, outcome, result)

    # -- steps ----------------------------------------------------------------

    # Only forms that were read count: a file refused before (empty, damaged, a picture)
    # is refused again with its reason, so whoever sends it next is told why.
    _RECORDED = ("accepted", "invalid")

    def find_duplicate(self, sub: Submission) -> sqlite3.Row | None:
        """The first recording of the same bytes, if any."""
        return repo.first_recording(self.db, sub.sha256, self._RECORDED)

    def _duplicate_in(self, conn: sqlite3.Connection, sub: Submission) -> sqlite3.Row | None:
        """The same, asked again inside the write transaction (BEGIN IMMEDIATE), so two
        watchers handling the same bytes at once never both record them."""
        return repo.first_recording(conn, sub.sha256, self._RECORDED)

    def archive(self, sub: Submission) -> Path:
        """Keep the original bytes, named by SHA-256 (the same bytes are kept once)."""
        return keep_original(self.home.archive, sub)

    def context_for(self, sub: Submission, high_needs_exception: bool = False) -> ValidationContext:
        return ValidationContext(
            config=self.config,
            received_at=sub.received_at,
            lookup_application=self.lookup_application,
            high_needs_exception=high_needs_exception,
        )

    def _exception_carries_over(self, result: ValidationResult) -> bool:
        """A Host's exception to the £10,000 rule, recorded on an earlier form of the same
        school and intervention, holds for its corrected resubmission too."""
        if result.form_id != "send-application" or not result.school:
            return False
        if not any(m.field == "high_needs_used" for m in result.errors):
            return False
        title = fold_plain(str(result.fields_json().get("intervention_title") or ""))
        found = repo.exception_interventions(self.db, "send-application", result.school, "high_needs_allocation")
        return bool(title) and any(fold_plain(i) == title for i in found)

    def lookup_application(self, reference: str) -> KnownApplication | None:
        return known_application(self.db, reference)

    def _insert_submission(
        self,
        conn: sqlite3.Connection,
        sub: Submission,
        status: str,
        archived: Path | None,
        *,
        reason: str | None = None,
        reason_text: str | None = None,
        duplicate_of: int | None = None,
        form_ref: str | None = None,
    ) -> int:
        return repo.insert_submission(conn, {
            "sha256": sub.sha256,
            "file_name": sub.file_name,
            "source": sub.source.value,
            "sender": sub.sender,
            "subject": sub.subject,
            "message_id": sub.message_id,
            "received_at": sub.received_at.isoformat(timespec="seconds"),
            "size": sub.size,
            "archive_path": self.home.relative(archived) if archived else None,
            "status": status,
            "reason": reason,
            "reason_text": reason_text,
            "duplicate_of": duplicate_of,
            "form_ref": form_ref,
        })

    def record_duplicate(self, sub: Submission, display: str, original: sqlite3.Row) -> IngestResult:
        """The same bytes as a form already read: recorded, reported, not queued, not emailed."""
        ref = original["form_ref"]
        with self.db.atomic() as conn:
            sid = self._insert_submission(
                conn, sub, "duplicate", None, reason="duplicate", duplicate_of=original["id"], form_ref=ref
            )
            add_event(conn, action="duplicate", actor=self.actor, reference=ref, submission_id=sid)
        text = f"This file was received before (reference {ref}); it has not been queued again."
        form = get_form(self.db, ref)
        return IngestResult(
            file=display,
            status="duplicate",
            reference=ref,
            form=form.form_id if form else None,
            school=form.school if form else None,
            messages=[Message(field="", label="", severity=Severity.WARNING, message=text)],
            submission_id=sid,
            sha256=sub.sha256,
        )

    def record_rejected(self, sub: Submission, display: str, archived: Path | None,
                        err: UnreadableDocument) -> IngestResult:
        with self.db.atomic() as conn:
            dup = self._duplicate_in(conn, sub)
            if dup is not None:  # the same bytes were recorded meanwhile by another watcher
                return self.record_duplicate(sub, display, dup)
            sid = self._insert_submission(conn, sub, "rejected", archived, reason=err.reason, reason_text=err.message)
            add_event(conn, action="rejected", actor=self.actor, submission_id=sid, reason=err.reason)
            if sub.sender:
                subject, body = compose.ack_rejected(self.config, sub.file_name, err.message, err.hint)
                enqueue(
                    conn,
                    OutgoingMail(
                        # The same bytes from the same sender, refused for the same reason, are
                        # answered once (a re-run after a crash sends nothing twice).
                        dedupe_key=f"ack-rejected:{sub.sha256}:{err.reason}:{sub.sender}{_unread(sub)}",
                        kind="ack-rejected",
                        to=(sub.sender,),
                        subject=subject,
                        body=body,
                    ),
                )
        return IngestResult(
            file=display,
            status="rejected",
            messages=[Message(field="", label="", severity=Severity.ERROR, message=err.message, hint=err.hint or "")],
            submission_id=sid,
            sha256=sub.sha256,
        )

    def reference_prefix(self, form_id: str, result: ValidationResult, received: datetime) -> str:
        code = self.config.cluster.code
        if form_id == "send-impact":
            return f"{code}-{academic_year(received.astimezone(self.config.tz).date())}-IMP"
        rnd = None
        if result.round:
            rnd = self.config.round_by_name(result.round)
        if rnd is None:
            rnd = self.config.round_for_time(received)
        if rnd is None:
            return f"{code}-{academic_year(received.astimezone(self.config.tz).date())}-NR"
        return f"{code}-{academic_year(rnd.deadline.date())}-{rnd.code}"

    def record(
        self,
        sub: Submission,
        display: str,
        archived: Path,
        extracted: ExtractedForm,
        result: ValidationResult,
    ) -> IngestResult:
        form_id = extracted.form_id
        # A scan goes to the Host whatever the checker found: its problems may be misreadings,
        # which the Host corrects before anything is said to the school or the Working Party.
        accepted = result.ok or extracted.from_scan
        status = "accepted" if accepted else "invalid"
        new_state = State.AWAITING_CHECK if accepted else State.INVALID
        fields_json = result.fields_json()
        title = _text(fields_json.get("intervention_title"))
        linked = _text(fields_json.get("application_reference") or fields_json.get("continuation_of"))
        now = utcnow_iso()
        earlier = self.lookup_application(linked) if form_id == "send-application" and linked else None
        resubmission = earlier if earlier is not None and earlier.awaits_resubmission else None
        with self.db.atomic() as conn:
            dup = self._duplicate_in(conn, sub)
            if dup is not None:  # the same bytes were recorded meanwhile by another watcher
                return self.record_duplicate(sub, display, dup)
            reference = next_reference(conn, self.reference_prefix(form_id, result, sub.received_at))
            sid = self._insert_submission(conn, sub, status, archived, form_ref=reference)
            repo.insert_form(conn, _form_row(reference, form_id, sid, result, extracted, fields_json, now))
            add_event(
                conn, action="received", actor=self.actor, reference=reference, submission_id=sid,
                to_state=State.RECEIVED.value, reason=f"{sub.source.value}: {sub.file_name}", at=now,
            )
            stored = get_form(conn, reference)
            assert stored is not None
            transition(conn, stored, new_state, actor="checker", action="checked",
                       reason=_check_reason(result, extracted))
            repo.add_messages(conn, reference, [(m.field, m.label, m.severity.value, m.message) for m in result.messages])
            replaced = self._supersede_earlier(conn, reference, form_id, result.school, title, linked, result.ok)
            if form_id == "send-impact":
                on_impact_recorded(conn, reference, normalise_reference(linked) if linked else None, result.ok)
            self._queue_ack(conn, sub, reference, form_id, result, fields_json, replaced, resubmission,
                            from_scan=extracted.from_scan)
        return IngestResult(
            file=display,
            status=status,
            reference=reference,
            form=form_id,
            school=result.school,
            messages=list(result.messages),
            submission_id=sid,
            sha256=sub.sha256,
        )

    def _supersede_earlier(
        self,
        conn: sqlite3.Connection,
        reference: str,
        form_id: str,
        school: str | None,
        title: str | None,
        linked: str | None,
        accepted: bool,
    ) -> list[str]:
        """A corrected form from the same school for the same intervention (or, for an
        impact form, the same award) replaces the earlier one that was not accepted. An
        accepted application naming, as its previous application, one whose decision asked
        for more information or deferred it, is its resubmission and replaces it too.
        Returns the references replaced."""
        replaced: list[str] = []
        if not school:
            return replaced
        rows = repo.open_forms_of_school(conn, form_id, school, reference)
        for row in rows:
            state = State(row["state"])
            earlier_ref = row["reference"]
            if form_id == "send-application" and accepted and linked and earlier_ref == normalise_reference(linked):
                decision = repo.current_decision(conn, earlier_ref)
                resubmitted = decision is not None and decision["decision"] in ("more_information", "deferred")
                if resubmitted and state in (State.MORE_INFORMATION, State.DEFERRED, State.WITH_WORKING_PARTY):
                    earlier = get_form(conn, earlier_ref)
                    assert earlier is not None
                    transition(conn, earlier, State.SUPERSEDED, actor=self.actor, action="resubmitted",
                               reason=f"resubmitted as {reference}")
                    repo.mark_superseded(conn, earlier_ref, reference)
                    replaced.append(earlier_ref)
                    continue
            if state not in _REPLACEABLE:
                continue
            if form_id == "send-impact":
                same = bool(linked) and row["linked_ref"] == normalise_reference(linked or "")
            else:
                same = bool(title) and fold_plain(row["intervention"] or "") == fold_plain(title or "")
            if not same:
                continue
            if state == State.AWAITING_CHECK and not accepted:
                # An accepted form is replaced only by a newer form that is accepted too.
                continue
            earlier = get_form(conn, earlier_ref)
            assert earlier is not None
            transition(conn, earlier, State.SUPERSEDED, actor=self.actor, action="superseded",
                       reason=f"replaced by {reference}")
            repo.mark_superseded(conn, earlier_ref, reference)
            replaced.append(earlier_ref)
        return replaced

    def _queue_ack(
        self,
        conn: sqlite3.Connection,
        sub: Submission,
        reference: str,
        form_id: str,
        result: ValidationResult,
        fields_json: dict[str, Any],
        replaced: list[str] | None = None,
        resubmission: KnownApplication | None = None,
        from_scan: bool = False,
    ) -> None:
        to = sub.sender or self.config.senco_address(result.school, _text(fields_json.get("senco_email")))
        if not to:
            return
        title = FORM_TITLES[form_id]
        rnd = self.config.round_by_name(result.round) if result.round else None
        if from_scan:
            subject, body = compose.ack_scan(self.config, reference, title, rnd, form_id=form_id,
                                             replaces=replaced or (), now=sub.received_at)
            kind = "ack-accepted"
        elif result.ok:
            subject, body = compose.ack_accepted(
                self.config, reference, title, rnd, result.warnings, form_id=form_id, replaces=replaced or (),
                now=sub.received_at, resubmission_of=resubmission.reference if resubmission else None)
            kind = "ack-accepted"
        else:
            subject, body = compose.ack_invalid(
                self.config, reference, title, result.messages, rnd=rnd, form_id=form_id, replaces=replaced or (),
                now=sub.received_at, resubmit_by=resubmission.resubmit_by if resubmission else None)
            kind = "ack-invalid"
        enqueue(conn, OutgoingMail(dedupe_key=f"ack:{reference}", kind=kind, to=(to,), subject=subject, body=body, reference=reference))


def _check_reason(result: ValidationResult, extracted: ExtractedForm) -> str | None:
    if extracted.from_scan:
        found = f"; the checker found {points_to_correct(len(result.errors))}" if result.errors else ""
        return f"read from a scan: the Host confirms its values{found}"
    return None if result.ok else points_to_correct(len(result.errors))


def _unread(sub: Submission) -> str:
    """Two different files refused unread share the SHA-256 of nothing: tell them apart."""
    return "" if sub.unread_size is None else f":{sub.unread_size}:{sub.file_name}"


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _form_row(reference: str, form_id: str, submission_id: int, result: ValidationResult, extracted: ExtractedForm,
              fields_json: dict[str, Any], now: str) -> dict[str, Any]:
    """The forms row of a form just read and checked (state: received)."""
    linked = _text(fields_json.get("application_reference") or fields_json.get("continuation_of"))
    return {
        "reference": reference,
        "form_id": form_id,
        "submission_id": submission_id,
        "school": result.school,
        "round": result.round,
        "state": State.RECEIVED.value,
        "intervention": _text(fields_json.get("intervention_title")),
        "amount_requested": _text(fields_json.get("amount_requested")),
        "senco_email": _text(fields_json.get("senco_email")),
        "linked_ref": normalise_reference(linked) if linked else None,
        "reader": extracted.reader,
        "fields_json": json.dumps(fields_json),
        "raw_json": json.dumps(extracted.fields, ensure_ascii=False),
        "scan_json": json.dumps(extracted.confidence) if extracted.from_scan else None,
        "created_at": now,
        "updated_at": now,
    }
