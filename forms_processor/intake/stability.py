"""When is a file in the inbox complete? Pure decisions, no I/O, the clock injected.

A file is taken when its size and modification time have not changed for the
settle time AND the document looks whole (a .docx has its zip central directory,
a PDF ends with ``%%EOF``). A file that stays unchanged but never looks whole is
taken after a longer grace period, so the reader can refuse it with a reason
instead of it waiting in the inbox for ever.

How long a file has been unchanged is counted from when the watcher first saw it
as it is now, or, when the file system can say so, from when the file last changed
(its change time, which a copy or a move always sets): a file that has sat whole in
the inbox since before the watcher started need not wait the settle time again.
That head start never goes beyond the settle time, so a file that does not look
whole still waits the full grace period from when it was first seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from enum import StrEnum

# How much of a file's end is read to look for the zip or PDF trailer.
TAIL_BYTES = 64 * 1024 + 22
HEAD_BYTES = 8
DEFAULT_GRACE_SECONDS = 60.0


class Decision(StrEnum):
    WAIT = "wait"  # still changing, or unchanged but not yet whole: look again later
    TAKE = "take"  # complete (or unchanged for the grace period): process it


def looks_complete(head: bytes, tail: bytes, size: int) -> bool:
    """Whether a document's bytes look whole, judged from its first and last bytes.

    Zip files (.docx) need the end-of-central-directory record near the end, PDFs
    an ``%%EOF`` marker in their last kilobyte. An empty file is not complete (a
    copy starts with one). Anything else is taken as it is: the reader decides.
    """
    if size <= 0:
        return False
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return b"PK\x05\x06" in tail
    if head.startswith(b"%PDF"):
        return b"%%EOF" in tail[-1024:]
    return True


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # clock time at which this size and mtime were first seen


class FileStabilityTracker:
    """Remembers each file's size and modification time, and since when they are unchanged.

    ``clock`` returns seconds (monotonic); tests pass a fake one.
    """

    def __init__(
        self,
        settle_seconds: float,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settle = max(0.0, settle_seconds)
        self.grace = max(self.settle, grace_seconds)
        self.clock = clock
        self._seen: dict[Hashable, _Seen] = {}

    def observe(self, key: Hashable, size: int, mtime_ns: int, unchanged_before: float = 0.0) -> float:
        """Record what the file looks like now; return how long it has been unchanged.

        ``unchanged_before`` is how long the file system says the file has been
        unchanged already (0 when unknown). It counts only when the file is new to the
        tracker or has just changed, and at most for the settle time."""
        now = self.clock()
        seen = self._seen.get(key)
        if seen is None or seen.size != size or seen.mtime_ns != mtime_ns:
            head_start = min(max(0.0, unchanged_before), self.settle)
            seen = self._seen[key] = _Seen(size, mtime_ns, now - head_start)
        return now - seen.since

    def unchanged_for(self, key: Hashable) -> float:
        seen = self._seen.get(key)
        return 0.0 if seen is None else self.clock() - seen.since

    def decide(self, key: Hashable, size: int, mtime_ns: int, complete: bool, unchanged_before: float = 0.0) -> Decision:
        """Observe the file and decide whether to take it now."""
        return decide(self.observe(key, size, mtime_ns, unchanged_before), complete, self.settle, self.grace)

    def forget(self, key: Hashable) -> None:
        self._seen.pop(key, None)

    def keep_only(self, keys: Iterable[Hashable]) -> None:
        wanted = set(keys)
        for key in [k for k in self._seen if k not in wanted]:
            del self._seen[key]

    def __contains__(self, key: object) -> bool:
        return key in self._seen

    def __len__(self) -> int:
        return len(self._seen)

    def keys(self) -> list[Hashable]:
        return list(self._seen)


def decide(unchanged_for: float, complete: bool, settle: float, grace: float) -> Decision:
    """Take a file unchanged for ``settle`` seconds that looks whole, or one unchanged
    for ``grace`` seconds whatever it looks like (the reader will say what is wrong)."""
    if unchanged_for >= settle and complete:
        return Decision.TAKE
    if unchanged_for >= max(settle, grace):
        return Decision.TAKE
    return Decision.WAIT
