"""Files the machine could not save, held: kept claimed in ``processing/`` and tried again.

A file that could not be recorded because of the machine (a full disk, a locked
database, no permission: a :class:`~forms_processor.errors.StorageError`) is not the
school's to fix, so it never goes to ``rejected/``. :class:`HeldFiles` remembers it with
its next try (:data:`HOLD_BACKOFF_SECONDS`), says while a fault that holds every file
lasts (no new file is claimed then), and queues the Host's email about the fault, once a
day for each kind, as soon as mail can be queued at all. ``FolderIntake`` does the trying.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ..errors import StorageError, storage_fault
from ..home import Home
from ..intake.folder import Claimed
from ..mail import compose
from ..mail.queue import OutgoingMail, enqueue
from ..store.db import Database

log = logging.getLogger(__name__)

# Seconds before a held file is tried again, after its 1st, 2nd... failed try (the last repeats).
HOLD_BACKOFF_SECONDS = (5, 15, 30, 60, 120, 300)
# Faults that hold every file, not just the one (no new file is claimed while they last).
BLOCKING = ("full", "read-only", "locked", "disk")


def hold_backoff(tries: int) -> timedelta:
    index = min(max(tries, 1), len(HOLD_BACKOFF_SECONDS)) - 1
    return timedelta(seconds=HOLD_BACKOFF_SECONDS[index])


@dataclass
class Held:
    claimed: Claimed
    tries: int
    due: datetime
    fault: StorageError


class HeldFiles:
    """The held files of one watcher, by their path in ``processing/``."""

    def __init__(self, home: Home, db: Database, now: Callable[[], datetime]) -> None:
        self.home = home
        self.db = db
        self.now = now
        self.files: dict[Path, Held] = {}
        self._retrying: dict[Path, Held] = {}
        # The storage problem the Host has still to be emailed about (queued once mail can be).
        self._alert: StorageError | None = None

    def __bool__(self) -> bool:
        return bool(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def blocked(self) -> bool:
        """Whether a full disk (or a locked database...) holds files now: claim no more."""
        now = self.now()
        return any(h.fault.kind in BLOCKING and h.due > now for h in self.files.values())

    def next_retry(self) -> datetime | None:
        return min((h.due for h in self.files.values()), default=None)

    def take_due(self) -> list[Claimed]:
        """The held files whose back-off has passed, oldest first, taken out to be tried
        again (their tries are remembered until :meth:`done_retrying`). The Host's email
        that could not be queued before is queued now."""
        if self._alert is not None:
            self.alert(self._alert)
        now = self.now()
        due = [h for h in sorted(self.files.values(), key=lambda h: h.due) if h.due <= now]
        self._retrying = {h.claimed.path: self.files.pop(h.claimed.path) for h in due}
        return [h.claimed for h in due]

    def done_retrying(self) -> None:
        self._retrying = {}

    def before(self, claimed: Claimed) -> Held | None:
        """The file's hold before this try, if it was held."""
        return self.files.get(claimed.path) or self._retrying.get(claimed.path)

    def remember(self, claimed: Claimed, fault: StorageError) -> timedelta:
        """Hold the file for its next try; returns how long until then."""
        before = self.before(claimed)
        tries = (before.tries if before else 0) + 1
        wait = hold_backoff(tries)
        self.files[claimed.path] = Held(claimed, tries, self.now() + wait, fault)
        return wait

    def alert(self, fault: StorageError) -> None:
        """Email the Host about the storage problem (once a day for each kind); when even
        that cannot be saved, it is queued at the next try."""
        cfg = self.home.config
        subject, body = compose.storage_problem(cfg, fault.message, fault.hint, self.now())
        day = self.now().astimezone(cfg.tz).date().isoformat()
        try:
            with self.db.atomic() as conn:
                enqueue(conn, OutgoingMail(dedupe_key=f"storage:{fault.kind}:{day}", kind="host-alert",
                                           to=(cfg.host.email,), subject=subject, body=body))
        except Exception as exc:  # noqa: BLE001 - the disk may be too full for this too: try later
            if storage_fault(exc) is None:
                log.error("could not queue the email to the Host (%s)", type(exc).__name__)
            self._alert = fault
            return
        self._alert = None
