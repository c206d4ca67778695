"""The folder watcher (and the mail lanes) on a thread of their own, beside another loop:
``forms web --watch`` serves the web page and takes in the inbox in one process.

    beside = WatcherThread(home, settings, on_outcome=print)
    beside.start()
    ...                      # serve until Ctrl-C or SIGTERM
    beside.stop()            # finish the files in hand; then the caller closes its app

The watcher has an app (a database connection and reader processes) of its own, as the
mail lanes do, so intake never waits for a page or a page for intake; :meth:`stop` returns
only when the watcher and its lanes have stopped and its app is closed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..api import FileOutcome, FormsApp
from ..home import Home
from .scheduler import mail_tasks
from .watcher import FolderWatcher, WatchSettings

log = logging.getLogger(__name__)


class WatcherThread:
    def __init__(self, home: Home, settings: WatchSettings,
                 on_outcome: Callable[[FileOutcome], None] | None = None) -> None:
        self.app = FormsApp(home)
        self.watcher = FolderWatcher(self.app, settings, on_outcome=on_outcome)
        self.tasks = mail_tasks(self.app, on_outcome=on_outcome)
        self.thread = threading.Thread(target=self._run, name="folder-watcher", daemon=True)
        self.failed: BaseException | None = None
        self._grace = settings.side_task_grace

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            self.watcher.run(periodic=self.tasks.periodic, after_batch=self.tasks.send,
                             interrupt=self.tasks.interrupt)
        except Exception as exc:  # the page goes on serving; the watcher's end is reported
            self.failed = exc
            log.exception("the folder watcher stopped")

    def stop(self) -> None:
        """Take no new file and finish the files in hand (a few seconds); if that takes too
        long, stop after the file being recorded (the others stay in processing/ for next
        time). Then the mail lanes stop and the watcher's app closes."""
        if self.thread.is_alive():
            self.watcher.stop()
            self.thread.join(self._grace + 5)
        if self.thread.is_alive():
            self.watcher.abort()
            self.thread.join(self._grace + 5)
        self.tasks.close()
        self.app.close()
