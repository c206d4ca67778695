"""The folder watcher: every complete file in the inbox, taken exactly once.

Events from watchdog are hints only; the folder is the truth. At start-up the
watcher finishes what stopped watchers left in ``processing/``, scans the inbox,
then looks again at anything an event names and rescans the whole folder every
``rescan_seconds`` (or only rescans, every ``poll_seconds``, with polling).

A file is taken when :class:`~forms_processor.intake.stability.FileStabilityTracker`
says it is settled and whole, claimed by a rename (see :mod:`.folder`), read and
recorded through the same library path as ``forms ingest`` (readers in parallel; a
saved email, ``.eml``, gives each form attached to it), then moved to the archive or
to ``rejected/`` with a reason. Each file has its own error boundary: an unexpected
error sends that file to ``rejected/`` and the watcher goes on.

Mail is sent, and the school mailbox polled, on threads of their own (see
:class:`SideLanes` and :func:`mail_tasks`): a slow mail server never holds up the folder.

Crash safety comes from the order of things: a file is in the inbox, or in
``processing/`` (claimed), or moved on; ingest records the form and queues its
acknowledgement in one transaction, and the same bytes again are a duplicate. So a
file found in ``processing/`` after a crash is simply run again: a duplicate result
means it was recorded already, and it is moved on without a second email. Its
arrival time is kept in its claimed name, so it is not made late by the crash.

Stopping: :meth:`FolderWatcher.stop` takes no new file and finishes the files
already claimed (a few, read ahead in parallel); :meth:`FolderWatcher.abort` stops
after the file being recorded, leaving the rest claimed in ``processing/`` for the
next watcher to finish.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FormsError, UnreadableDocument
from ..mail.queue import OutgoingMail, enqueue
from ..readers import ReadLimits
from ..readers.sandbox import too_big
from ..store import repository as repo
from ..workflow.ingest import IngestResult
from .files import unpack
from .folder import (
    Candidate,
    Claimed,
    ProcessingArea,
    candidate,
    display_name,
    is_complete,
    move_to_archive,
    move_to_rejected,
    scan,
)
from .stability import DEFAULT_GRACE_SECONDS, Decision, FileStabilityTracker, decide
from .submission import Source, Submission, now_utc

if TYPE_CHECKING:
    from ..api import FormsApp

log = logging.getLogger(__name__)

UNEXPECTED_REASON = "an unexpected error; the Host has been told"
# While files are still arriving, the mail of those done waits at most this long (seconds).
SEND_DELAY_MAX = 10.0


@dataclass(frozen=True)
class WatchSettings:
    settle_seconds: float = 2.0
    rescan_seconds: float = 30.0
    grace_seconds: float = DEFAULT_GRACE_SECONDS
    # Scan the folder every this many seconds instead of listening for file events.
    poll_seconds: float | None = None
    # How often to look again at files that are still settling.
    tick_seconds: float = 0.25
    # Count a file's unchanged time from its change time on disk (see stability.py).
    # Off for network shares (``--poll``), whose clocks may differ from this computer's.
    trust_file_times: bool = True
    # After a stop, how long to wait for mail being sent or fetched before leaving anyway.
    side_task_grace: float = 5.0
    # Parse whole-looking files while they settle (only their parsing starts early).
    read_ahead: bool = True
    read_ahead_max_bytes: int = 25 * 1024 * 1024


@dataclass
class FileOutcome:
    """What happened to one file taken from the inbox."""

    file: str  # where it was, relative to the inbox
    status: str  # accepted | invalid | duplicate | rejected
    moved_to: str | None  # relative to the home folder (None if it could not be moved)
    reference: str | None = None
    form: str | None = None
    school: str | None = None
    messages: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "reference": self.reference,
            "form": self.form,
            "school": self.school,
            "moved_to": self.moved_to,
            "messages": self.messages,
        }


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


@dataclass
class Periodic:
    """Something run every ``every`` seconds (mail sending, the mailbox poll).

    Tasks of one ``lane`` run one after another on a thread of their own, so a task
    waiting for a slow server holds up only its own lane. Its errors are logged
    (without contents) and never stop the watcher."""

    name: str
    every: float
    action: Callable[[], object]
    next_at: float = 0.0
    lane: str = "side"

    def run(self, now: float) -> None:
        self.next_at = now + self.every
        try:
            self.action()
        except FormsError as exc:  # plain English already, and never form contents
            log.warning("%s failed: %s Will try again in %.0f s.", self.name, exc.message, self.every)
        except Exception as exc:  # noqa: BLE001 - a mail server being down must not stop intake
            log.warning("%s failed (%s); will try again in %.0f s", self.name, type(exc).__name__, self.every)


class FolderWatcher:
    """The watcher's state and steps. ``run`` is the loop; the steps are public for tests.

    ``clock`` gives monotonic seconds and ``now`` aware datetimes; both injectable.
    """

    def __init__(
        self,
        app: FormsApp,
        settings: WatchSettings,
        *,
        on_outcome: Callable[[FileOutcome], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = now_utc,
    ) -> None:
        self.app = app
        self.home = app.home
        self.inbox = self.home.inbox.resolve()
        self.settings = settings
        self.on_outcome = on_outcome
        self.clock = clock
        self.now = now
        self.tracker = FileStabilityTracker(settings.settle_seconds, settings.grace_seconds, clock)
        self.area = ProcessingArea(self.home.processing, self.inbox)
        self.stop_event = threading.Event()
        self.abort_event = threading.Event()
        self.wake = threading.Event()
        # Files that could not be moved out of the inbox (no permission): left alone until they change.
        self._unclaimable: dict[Path, tuple[int, int]] = {}
        # The size and time of each file whose bytes were last handed to the reader ahead.
        self._read_ahead_of: dict[Path, tuple[int, int]] = {}
        # Files claimed but not finished when the watcher closed (kept in processing/).
        self.unfinished = 0
        self._hints: set[Path] = set()
        self._hint_lock = threading.Lock()
        self._rescan_wanted = False
        self._rescan_again_at: float | None = None
        self.outcomes: list[FileOutcome] = []

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> list[FileOutcome]:
        """Check the folders, lock this watcher's processing folder, finish what stopped
        watchers left, and scan the inbox."""
        self.home.check_layout()
        self.area.open()
        done = self.take_over()
        self.rescan()
        return done

    def close(self) -> None:
        try:
            self.unfinished = len(self.area.leftovers()) if self.area.folder.exists() else 0
        except OSError:
            self.unfinished = 0
        self.area.close()

    def stop(self) -> None:
        """Take no new file; finish the files in hand, then stop (safe from a signal handler)."""
        self.stop_event.set()
        self.wake.set()

    def abort(self) -> None:
        """Stop after the file being recorded now; files claimed but not yet recorded stay
        in ``processing/`` (their arrival time kept) for the next watcher."""
        self.abort_event.set()
        self.stop()

    # -- hints and scans --------------------------------------------------------

    def hint(self, path: str | Path, is_dir: bool = False) -> None:
        """A file event named this path (thread-safe). Only a hint: it is checked."""
        with self._hint_lock:
            if is_dir:
                # Files can land in a new folder before its events are watched: scan it now
                # and once more a moment later.
                self._rescan_wanted = True
                self._rescan_again_at = self.clock() + max(1.0, self.settings.settle_seconds)
            else:
                self._hints.add(Path(path))
        self.wake.set()

    def rescan(self) -> None:
        wall = self.now().timestamp()
        for cand in scan(self.inbox):
            if cand.path not in self.tracker:
                self.tracker.observe(cand.path, cand.size, cand.mtime_ns, self._head_start(cand, wall))

    def _head_start(self, cand: Candidate, wall: float) -> float:
        """How long the file system says the file has been unchanged (0 when not trusted)."""
        return cand.unchanged_for(wall) if self.settings.trust_file_times else 0.0

    def take_over(self) -> list[FileOutcome]:
        claimed = self.area.take_over(self.now())
        if claimed:
            log.info("finishing %d file(s) left in processing by a watcher that stopped", len(claimed))
        return self._process_claimed(claimed)

    def pending(self) -> int:
        """Files seen in the inbox and not yet taken (still settling, or waiting)."""
        return len(self.tracker)

    # -- one step --------------------------------------------------------------------

    def ready(self) -> list[Candidate]:
        """Look again at every known file; return those to take now."""
        with self._hint_lock:
            hints, self._hints = self._hints, set()
            rescan, self._rescan_wanted = self._rescan_wanted, False
            if self._rescan_again_at is not None and self.clock() >= self._rescan_again_at:
                rescan, self._rescan_again_at = True, None
        if rescan:
            self.rescan()
        for path in hints:
            if path not in self.tracker and candidate(self.inbox, path) is not None:
                self.tracker.observe(path, -1, -1)  # first sighting; its stats come below
        ready: list[Candidate] = []
        wall = self.now().timestamp()
        for key in self.tracker.keys():
            path = Path(str(key))
            cand = candidate(self.inbox, path)
            if cand is None:
                self.tracker.forget(key)
                continue
            if self._unclaimable.get(path) == (cand.size, cand.mtime_ns):
                self.tracker.forget(key)  # could not be moved last time, and has not changed since
                continue
            self._unclaimable.pop(path, None)
            unchanged = self.tracker.observe(path, cand.size, cand.mtime_ns, self._head_start(cand, wall))
            if unchanged < self.settings.settle_seconds:
                self._read_ahead(cand)
                continue
            if decide(unchanged, is_complete(cand), self.tracker.settle, self.tracker.grace) is Decision.TAKE:
                ready.append(cand)
        return sorted(ready, key=lambda c: str(c.path))

    def _read_ahead(self, cand: Candidate) -> None:
        """While a whole-looking file settles, start parsing its bytes (see
        readers/prefetch.py): it is still taken only once settled, and its result is used
        only if the bytes claimed then are the very bytes parsed now."""
        stamp = (cand.size, cand.mtime_ns)
        if not self.settings.read_ahead or self._read_ahead_of.get(cand.path) == stamp:
            return
        if cand.path.suffix.lower() == ".eml" or cand.size > self.settings.read_ahead_max_bytes:
            return
        if not is_complete(cand):
            return
        try:
            data = cand.path.read_bytes()
        except OSError:
            return
        self._read_ahead_of[cand.path] = stamp
        if len(self._read_ahead_of) > 5000:
            self._read_ahead_of.clear()
        self.app.prefetch(data, cand.path.name)

    def step(self) -> list[FileOutcome]:
        return self.process(self.ready())

    # -- processing -----------------------------------------------------------------------

    def process(self, cands: list[Candidate]) -> list[FileOutcome]:
        """Claim and process files, reading several at once; stop early when asked."""
        if not cands:
            return []
        in_hand: deque[_Part] = deque()
        outcomes: list[FileOutcome] = []

        def submissions() -> Iterator[_Item]:
            for cand in cands:
                if self.stop_event.is_set():
                    return
                self.tracker.forget(cand.path)
                try:
                    claimed = self.area.claim(cand, self.now())
                except OSError as exc:
                    self._cannot_claim(cand, exc)
                    continue
                if claimed is None:
                    continue  # another watcher took it first
                for part in self._parts(claimed, outcomes):
                    in_hand.append(part)
                    yield part.item()

        return self._run_batch(submissions(), in_hand, outcomes)

    def _process_claimed(self, claimed: list[Claimed]) -> list[FileOutcome]:
        in_hand: deque[_Part] = deque()
        outcomes: list[FileOutcome] = []

        def submissions() -> Iterator[_Item]:
            for c in claimed:
                if self.stop_event.is_set():
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
            for result in self.app.ingest_submissions(subs):
                self._collect(in_hand.popleft(), result, done, outcomes)
                if self.abort_event.is_set():
                    break
        except Exception as exc:  # noqa: BLE001 - fall back to one file at a time, each in its own boundary
            log.warning("a batch stopped on an unexpected error (%s); finishing its files one by one", type(exc).__name__)
            while in_hand and not self.abort_event.is_set():
                part = in_hand.popleft()
                try:
                    result = next(iter(self.app.ingest_submissions([part.item()])))
                except Exception as err:  # noqa: BLE001 - one bad file never stops the watcher
                    while in_hand and in_hand[0].claimed is part.claimed:  # the rest of the same file
                        in_hand.popleft()
                    done.pop(part.claimed.path, None)
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
            for outcome in self._finish(part.claimed, results):
                self._emit(outcomes, outcome)

    def _cannot_claim(self, cand: Candidate, exc: OSError) -> None:
        """A file that cannot be moved out of the inbox (no permission, a name the disk
        refuses): left where it is, and looked at again only once it changes."""
        self._unclaimable[cand.path] = (cand.size, cand.mtime_ns)
        log.warning("%s could not be taken from the inbox (%s); it is left where it is",
                    display_name(self.inbox, cand.path), exc.strerror or type(exc).__name__)

    def _parts(self, claimed: Claimed, outcomes: list[FileOutcome]) -> list[_Part]:
        """What a claimed file holds for ingest: itself, or, for a saved email (.eml), each
        form attached to it (as ``forms ingest`` does), or a refusal when it has none."""
        try:
            size = claimed.path.stat().st_size
            limit = int(self.home.config.storage.max_file_mb * 1024 * 1024)
            if size > limit:  # refused unread: never held in memory nor copied to the archive
                self._emit(outcomes, self._too_big(claimed, size, limit))
                return []
            data = claimed.path.read_bytes()
            subs, refusal = unpack(data, claimed.name, Source.FOLDER, claimed.received_at, origin=str(claimed.path))
            if refusal is not None or len(subs) == 1 and subs[0].source == Source.FOLDER:
                return [_Part(claimed, subs[0], claimed.display, refusal)]
            return [
                _Part(claimed, sub, f"{claimed.display} > {sub.file_name}", last=n == len(subs))
                for n, sub in enumerate(subs, start=1)
            ]
        except Exception as exc:  # noqa: BLE001 - one bad file never stops the watcher
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

    def _finish(self, claimed: Claimed, results: list[tuple[_Part, IngestResult]]) -> list[FileOutcome]:
        """Move the processed file out of processing/: to the archive when any of its forms
        was recorded, else to rejected/ with the reason beside it."""
        outcomes = [
            FileOutcome(part.display, r.status, None, r.reference, r.form, r.school, [m.message for m in r.messages])
            for part, r in results
        ]
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
            # Recorded, but not moved: it stays in processing/ and is moved on by the next
            # watcher to start (a duplicate then, so nothing is sent twice).
            log.warning("%s was recorded but could not be moved (%s)", claimed.display, exc.strerror or type(exc).__name__)
        return outcomes

    def _reason(self, claimed: Claimed, results: list[IngestResult]) -> str:
        """The plain-English note written beside a file in rejected/."""
        problems: list[str] = []
        hints: list[str] = []
        for r in results:
            if r.status == "duplicate":
                problem, hint = self._original_reason(r)
            else:
                problem = r.messages[0].message if r.messages else "This file could not be read as a form."
                if r.hint and problem.endswith(r.hint):
                    problem = problem[: -len(r.hint)].rstrip()
                hint = r.hint
            problems.append(problem if len(results) == 1 else f"{r.file}: {problem}")
            if hint and hint not in hints:
                hints.append(hint)
        return reason_text(claimed.display, "\n  ".join(problems), " ".join(hints))

    def _original_reason(self, r: IngestResult) -> tuple[str, str]:
        text = "This file was received before and could not be read then."
        if r.submission_id is not None:
            dup = repo.submission_of(self.app.db, r.submission_id)
            if dup is not None and dup["duplicate_of"] is not None:
                orig = repo.submission_of(self.app.db, dup["duplicate_of"])
                if orig is not None and orig["reason_text"]:
                    text = f"This file was received before and could not be read then: {orig['reason_text']}"
        return text, "Send the form again as a Word (.docx) or PDF file made from the cluster's template."

    def _too_big(self, claimed: Claimed, size: int, limit: int) -> FileOutcome:
        err = too_big(size, ReadLimits(max_bytes=limit))
        log.warning("%s is larger than max_file_mb; moved to rejected unread", claimed.display)
        outcome = FileOutcome(claimed.display, "rejected", None, messages=[f"{err.message} {err.hint}"])
        try:
            moved = move_to_rejected(self.home.rejected, claimed, reason_text(claimed.display, err.message, err.hint))
            outcome.moved_to = self.home.relative(moved)
        except OSError:
            log.error("%s could not be moved to rejected; it stays in processing", claimed.display)
        return outcome

    def _unexpected(self, claimed: Claimed, exc: BaseException) -> FileOutcome:
        log.error("%s: an unexpected error (%s); moved to rejected", claimed.display, type(exc).__name__)
        log.debug("unexpected error", exc_info=True)
        outcome = FileOutcome(claimed.display, "rejected", None, messages=[f"This file could not be processed: {UNEXPECTED_REASON}."])
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
        except OSError:
            log.error("%s could not be moved to rejected; it stays in processing", claimed.display)
        self._tell_host(claimed)
        return outcome

    def _tell_host(self, claimed: Claimed) -> None:
        """Queue an email to the Host (no file name or contents in it)."""
        cfg = self.home.config
        when = claimed.received_at.astimezone(cfg.tz).strftime("%d/%m/%Y %H:%M")
        body = (
            f"A file dropped in the forms inbox at {when} could not be processed because of an unexpected error.\n\n"
            "It has been moved to the rejected folder, with a note beside it. Nothing has been deleted.\n"
            "Please look at it, and tell whoever looks after the system.\n"
        )
        try:
            with self.app.db.atomic() as conn:
                enqueue(conn, OutgoingMail(
                    dedupe_key=f"watch-error:{claimed.path.name}",
                    kind="host-alert",
                    to=(cfg.host.email,),
                    subject="A file in the forms inbox needs looking at",
                    body=body,
                ))
        except Exception as exc:  # noqa: BLE001 - telling the Host must not stop intake either
            log.error("could not queue the email to the Host (%s)", type(exc).__name__)

    # -- the loop -----------------------------------------------------------------------------

    def run(self, once: bool = False, periodic: list[Periodic] | None = None,
            after_batch: Callable[[], object] | None = None) -> list[FileOutcome]:
        """Watch until :meth:`stop` (or, with ``once``, until the inbox is empty).

        ``periodic`` tasks run on their timers (first at start-up) and ``after_batch``
        after every batch that processed files (e.g. send the mail queued), both on a
        thread of their own: a slow or silent mail server never holds up the folder.
        At the end ``after_batch`` runs once more; with ``once`` the watcher waits for
        the side tasks to finish, after a stop only ``side_task_grace`` seconds."""
        side = SideLanes(periodic or [], after_batch, self.clock)
        observer = None
        try:
            # Events first, then the scan: a file arriving in between is seen by one or the other.
            if not once and self.settings.poll_seconds is None:
                observer = self._start_observer()
            self.start()
            side.start()
            interval = self.settings.poll_seconds or self.settings.rescan_seconds
            next_rescan = self.clock() + interval
            tick = max(0.02, min(self.settings.tick_seconds, self.settings.settle_seconds / 2 or 0.02))
            send_wanted, last_send = False, self.clock()
            while not self.stop_event.is_set():
                send_wanted = bool(self.step()) or send_wanted
                # The batch first, then its mail (both compete for the same processors); but
                # never later than SEND_DELAY_MAX while files keep arriving.
                if send_wanted and (not self.pending() or self.clock() - last_send >= SEND_DELAY_MAX):
                    side.kick()
                    send_wanted, last_send = False, self.clock()
                if once and not self.pending():
                    break
                now = self.clock()
                if now >= next_rescan:
                    _safely("taking over files left in processing", self.take_over)
                    _safely("rescanning the inbox", self.rescan)
                    next_rescan = now + interval
                if self.stop_event.is_set():
                    break
                if self.pending() or self._rescan_again_at is not None:
                    wait = tick
                else:
                    wait = max(0.0, next_rescan - self.clock())
                self.wake.wait(timeout=wait)
                self.wake.clear()
        finally:
            if observer is not None:
                # watchdog may log a harmless error while its thread winds down: not for people.
                logging.getLogger("watchdog").setLevel(logging.CRITICAL)
                observer.stop()
                observer.join(timeout=5)
            stopped = self.stop_event.is_set() or not once
            if not side.finish(self.settings.side_task_grace if stopped else None, cancel=self.abort_event):
                log.warning("a mail server is slow to answer: stopping without waiting for it. Nothing is lost:"
                            " emails still queued are sent, and the mailbox read, next time.")
            self.close()
        return self.outcomes

    def _start_observer(self) -> Any:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        watcher = self

        class Hints(FileSystemEventHandler):
            def on_created(self, event: FileSystemEvent) -> None:
                watcher.hint(str(event.src_path), event.is_directory)

            def on_modified(self, event: FileSystemEvent) -> None:
                if not event.is_directory:
                    watcher.hint(str(event.src_path))

            def on_closed(self, event: FileSystemEvent) -> None:
                watcher.hint(str(event.src_path))

            def on_moved(self, event: FileSystemEvent) -> None:
                watcher.hint(str(event.dest_path), event.is_directory)

        observer = Observer()
        observer.schedule(Hints(), str(self.inbox), recursive=True)
        observer.daemon = True
        observer.start()
        return observer


class SideLanes:
    """The periodic tasks, one thread per lane; ``after_batch`` runs on the first lane
    (the lane of the first task: sending mail)."""

    def __init__(self, periodic: list[Periodic], after_batch: Callable[[], object] | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        lanes: dict[str, list[Periodic]] = {}
        for task in periodic:
            lanes.setdefault(task.lane, []).append(task)
        if not lanes and after_batch is not None:
            lanes["side"] = []
        self.lanes = [
            SideTasks(tasks, after_batch if i == 0 else None, clock, name=f"forms-{lane}")
            for i, (lane, tasks) in enumerate(lanes.items())
        ]
        self.clock = clock

    def start(self) -> None:
        for lane in self.lanes:
            lane.start()

    def kick(self) -> None:
        if self.lanes:
            self.lanes[0].kick()

    def finish(self, timeout: float | None, cancel: threading.Event | None = None) -> bool:
        """Finish every lane, waiting at most ``timeout`` seconds in all (None: until done),
        and no longer once ``cancel`` is set. Returns False if a lane was still busy."""
        deadline = None if timeout is None else self.clock() + timeout
        for lane in self.lanes:
            lane.ask_to_finish()
        for lane in self.lanes:
            while lane.thread.is_alive():
                if cancel is not None and cancel.is_set():
                    return False
                if deadline is not None and self.clock() >= deadline:
                    return False
                lane.thread.join(0.1)
        return True


class SideTasks:
    """Periodic tasks (sending mail, or polling the mailbox) and, on the sending lane,
    the sending after each batch, run one after another on a thread of their own."""

    def __init__(self, periodic: list[Periodic], after_batch: Callable[[], object] | None,
                 clock: Callable[[], float] = time.monotonic, name: str = "forms-side") -> None:
        self.periodic = periodic
        self.after_batch = after_batch
        self.clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._send_wanted = after_batch is not None  # send what is queued at start-up
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        if self.periodic or self.after_batch is not None:
            self.thread.start()

    def kick(self) -> None:
        """A batch was processed: send its mail soon."""
        if self.after_batch is not None:
            with self._lock:
                self._send_wanted = True
            self._wake.set()

    def ask_to_finish(self) -> None:
        """Send once more, then stop (the caller waits for :attr:`thread`)."""
        self.kick()
        self._stopping.set()
        self._wake.set()

    def _run(self) -> None:
        first = True
        while True:
            for task in self.periodic:
                # Every task runs at start-up (a --once run polls the mailbox once), then on its timer.
                if first or (not self._stopping.is_set() and self.clock() >= task.next_at):
                    task.run(self.clock())
            first = False
            with self._lock:
                send, self._send_wanted = self._send_wanted, False
            if send and self.after_batch is not None:
                _safely("sending mail", self.after_batch)
            if self._stopping.is_set():
                with self._lock:
                    if not self._send_wanted:
                        return
                continue
            due = [t.next_at for t in self.periodic]
            wait = max(0.0, min(due) - self.clock()) if due else None
            self._wake.wait(timeout=wait)
            self._wake.clear()


def _safely(name: str, fn: Callable[[], object]) -> None:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - a side task must never stop intake
        log.warning("%s failed (%s)", name, type(exc).__name__)


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


@dataclass
class MailTasks:
    """Sending the mail queue (after each batch and on a timer) and polling the school
    mailbox (when ``[imap]`` is configured), for :meth:`FolderWatcher.run`."""

    send: Callable[[], object]
    periodic: list[Periodic]
    close: Callable[[], None]


def mail_tasks(app: FormsApp, send_every: float = 30.0,
               on_outcome: Callable[[FileOutcome], None] | None = None) -> MailTasks:
    """The mail side of the watcher. ``on_outcome`` is told of every form that came
    by email, as the watcher tells of every file (for the one line per form).

    Sending and polling run on threads of their own (lanes "send" and "mailbox"), so
    each has an app of its own (its own database connection; the mailbox's reader
    process starts only when an email brings a form): the threads share nothing but
    the database file, as two watchers do. Sending is one at a time (one connection to
    the mail server), whichever lane asks for it."""
    from ..api import FormsApp
    from ..mail.sender import send_due, transport_for

    home = app.home
    transport = transport_for(home)
    sender = FormsApp(home, workers=1)
    apps = [sender]
    one_at_a_time = threading.Lock()

    def send() -> None:
        with one_at_a_time:
            report = send_due(sender.db, home, transport, now_utc())
        if report.sent:
            log.info("sent %d email(s)", len(report.sent))
        if report.unavailable:
            log.warning("the mail server could not be reached; mail stays queued and is tried again later")

    periodic = [Periodic("sending mail", send_every, send, lane="send")]
    imap = home.config.imap
    if imap is not None:
        from ..workflow.mailbox import poll_mailbox

        reader = FormsApp(home, workers=1)
        apps.append(reader)

        def poll() -> None:
            report = poll_mailbox(reader, imap)
            if on_outcome is not None:
                for message in report.messages:
                    for r in message.results:
                        try:
                            on_outcome(email_outcome(r))
                        except Exception:  # noqa: BLE001 - a display problem must not stop intake
                            log.debug("on_outcome failed", exc_info=True)
            send()

        periodic.append(Periodic("polling the mailbox", float(imap.poll_seconds), poll, lane="mailbox"))

    def close() -> None:
        try:
            transport.close()
        finally:
            for a in apps:
                a.close()

    return MailTasks(send, periodic, close)


def email_outcome(result: dict[str, Any]) -> FileOutcome:
    """A form that came by email (an IngestResult as JSON), as a FileOutcome for display."""
    return FileOutcome(
        file=str(result.get("file") or ""),
        status=str(result.get("status") or ""),
        moved_to=None,
        reference=result.get("reference"),
        form=result.get("form"),
        school=result.get("school"),
        messages=[str(m.get("message", "")) for m in result.get("messages") or [] if isinstance(m, dict)],
    )
