"""Reading ahead: parse a document while the watcher waits for it to settle.

The watcher takes a file only once it has been unchanged for the settle time. A
file that already looks whole can be parsed during that wait; the result is kept
under the SHA-256 of the exact bytes that were parsed. When the settled file is
claimed and its bytes come to be read, the same bytes find their result waiting;
different bytes (the file changed after all) simply miss and are read as usual.
Nothing is taken early: only the parsing is done sooner.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from ..errors import UnreadableDocument
from .base import ExtractedForm

ReadFn = Callable[[bytes, str], ExtractedForm]
Outcome = ExtractedForm | UnreadableDocument

# Refusals that another try may not repeat (the machine was busy): never served from here.
TRANSIENT = frozenset({"timeout", "memory", "crashed"})


class PrefetchingReader:
    """``read`` as the wrapped reader does; ``prefetch`` starts a read in the background.

    At most ``keep`` results wait at once (the oldest are dropped), so a folder of files
    that never settle cannot grow memory without end.
    """

    def __init__(self, read: ReadFn, workers: int = 2, keep: int = 1000) -> None:
        self._read = read
        self._keep = keep
        self._ahead: OrderedDict[str, Future[Outcome]] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="read-ahead")

    def _outcome(self, data: bytes, name: str) -> Outcome:
        try:
            return self._read(data, name)
        except UnreadableDocument as exc:
            return exc

    def prefetch(self, data: bytes, name: str) -> None:
        key = hashlib.sha256(data).hexdigest()
        with self._lock:
            if key in self._ahead:
                return
            self._ahead[key] = self._executor.submit(self._outcome, data, name)
            while len(self._ahead) > self._keep:
                _, dropped = self._ahead.popitem(last=False)
                dropped.cancel()

    def read(self, data: bytes, name: str) -> ExtractedForm:
        with self._lock:
            # Nothing read ahead (forms ingest, the mailbox): no need to hash the bytes.
            ahead = self._ahead.pop(hashlib.sha256(data).hexdigest(), None) if self._ahead else None
        if ahead is not None and not ahead.cancelled():
            outcome = ahead.result()
            if isinstance(outcome, ExtractedForm):
                return outcome
            if outcome.reason not in TRANSIENT:
                raise outcome
        return self._read(data, name)

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._ahead)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            self._ahead.clear()
