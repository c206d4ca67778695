"""The folder watcher: every complete file in the inbox, taken exactly once.

Events from watchdog are hints only; the folder is the truth. At start-up the
watcher finishes what stopped watchers left in ``processing/``, scans the inbox,
then looks again at anything an event names and rescans the whole folder every
``rescan_seconds`` (or only rescans, every ``poll_seconds``, with polling).

A file is taken when :class:`~forms_processor.intake.stability.FileStabilityTracker`
says it is settled and whole, claimed by a rename (see :mod:`forms_processor.intake.folder`), read and
recorded through the same library path as ``forms ingest``
(:mod:`forms_processor.workflow.folder_intake`, reached through the service) (readers in parallel; a
saved email, ``.eml`` or ``.msg``, gives each form attached to it, a zip each form in it), then moved to the archive or
to ``rejected/`` with a reason. Each file has its own error boundary: an unexpected
error sends that file to ``rejected/`` and the watcher goes on.

Mail is sent, and the school mailbox polled, on threads of their own (see
:mod:`.scheduler`): a slow mail server never holds up the folder.

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..api import FileOutcome, FormsApp
from ..intake.folder import Candidate, ProcessingArea, candidate, display_name, is_complete, scan
from ..intake.stability import DEFAULT_GRACE_SECONDS, Decision, FileStabilityTracker, decide
from ..intake.submission import now_utc
from .scheduler import Periodic, SideLanes, safely

log = logging.getLogger(__name__)

# While files are still arriving, the mail of those done waits at most this long (seconds).
SEND_DELAY_MAX = 10.0
# The longest the loop sleeps at once (see run: a stop asked by a signal is seen within it).
SIGNAL_CHECK_SECONDS = 0.5
# Files unpacked (in their own worker) rather than read: never read ahead.
UNPACKED = (".eml", ".msg", ".zip")


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
    # After a stop, how long to wait for mail being sent or fetched before cutting the mail
    # connections (a healthy server sends a batch's mail in well under a second; what is
    # not sent stays queued).
    side_task_grace: float = 1.0
    # Parse whole-looking files while they settle (only their parsing starts early).
    read_ahead: bool = True
    read_ahead_max_bytes: int = 25 * 1024 * 1024


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
        self.intake = app.folder_intake(self.area, stop=self.stop_event, abort=self.abort_event,
                                        on_outcome=on_outcome, now=now)

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
        """Finish what stopped watchers left in ``processing/``."""
        return self.intake.take_over()

    @property
    def outcomes(self) -> list[FileOutcome]:
        return self.intake.outcomes

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
        if cand.path.suffix.lower() in UNPACKED or cand.size > self.settings.read_ahead_max_bytes:
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
        """Try again the files held by a storage problem whose time has come; then, unless
        the disk is still full (or the database locked), take the files that are ready."""
        done = self.intake.retry_held()
        if self.intake.blocked():
            return done
        return done + self.process(self.ready())

    def _until_retry(self) -> float | None:
        """Seconds until the next held file is tried again, or None when none is held."""
        due = self.intake.next_retry()
        if due is None:
            return None
        return max(0.05, (due - self.now()).total_seconds())

    # -- processing -----------------------------------------------------------------------

    def process(self, cands: list[Candidate]) -> list[FileOutcome]:
        """Claim and process files, reading several at once; stop early when asked."""
        if not cands:
            return []
        return self.intake.take(cands, before_claim=lambda c: self.tracker.forget(c.path),
                                cannot_claim=self._cannot_claim)

    def _cannot_claim(self, cand: Candidate, exc: OSError) -> None:
        """A file that cannot be moved out of the inbox (no permission, a name the disk
        refuses): left where it is, and looked at again only once it changes."""
        self._unclaimable[cand.path] = (cand.size, cand.mtime_ns)
        log.warning("%s could not be taken from the inbox (%s); it is left where it is",
                    display_name(self.inbox, cand.path), exc.strerror or type(exc).__name__)

    # -- the loop -----------------------------------------------------------------------------

    def run(self, once: bool = False, periodic: list[Periodic] | None = None,
            after_batch: Callable[[], object] | None = None,
            interrupt: Callable[[], object] | None = None) -> list[FileOutcome]:
        """Watch until :meth:`stop` (or, with ``once``, until the inbox is empty).

        ``periodic`` tasks run on their timers (first at start-up) and ``after_batch``
        after every batch that processed files (e.g. send the mail queued), both on a
        thread of their own: a slow or silent mail server never holds up the folder.
        At the end ``after_batch`` runs once more; with ``once`` the watcher waits for
        the side tasks to finish, after a stop only ``side_task_grace`` seconds; then
        ``interrupt`` cuts a mail connection still waiting for its server, and the
        watcher leaves within a second or two more."""
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
                    safely("taking over files left in processing", self.take_over)
                    safely("rescanning the inbox", self.rescan)
                    next_rescan = now + interval
                if self.stop_event.is_set():
                    break
                if self.pending() or self._rescan_again_at is not None:
                    wait = tick
                else:
                    wait = max(0.0, next_rescan - self.clock())
                retry = self._until_retry()
                if retry is not None:
                    wait = min(wait, retry)
                # Never long: a SIGTERM taken by another thread (the mail lanes, the readers)
                # is handled here only once this thread runs again.
                self.wake.wait(timeout=min(wait, SIGNAL_CHECK_SECONDS))
                self.wake.clear()
        finally:
            if observer is not None:
                # watchdog may log a harmless error while its thread winds down: not for people.
                logging.getLogger("watchdog").setLevel(logging.CRITICAL)
                observer.stop()
                observer.join(timeout=5)
            stopped = self.stop_event.is_set() or not once
            finished = side.finish(self.settings.side_task_grace if stopped else None, cancel=self.abort_event)
            if not finished and interrupt is not None:
                safely("cutting the mail connection", interrupt)
                finished = side.finish(2.0)
            if not finished:
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
