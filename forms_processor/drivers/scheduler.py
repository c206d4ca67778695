"""The watcher's side tasks: sending the mail queue and polling the school mailbox, each on
a thread of its own ("lanes"), so a slow or silent mail server never holds up the folder."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..api import FileOutcome, FormsApp
from ..config import Imap
from ..errors import FormsError, MailUnavailable

log = logging.getLogger(__name__)


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
                safely("sending mail", self.after_batch)
            if self._stopping.is_set():
                with self._lock:
                    if not self._send_wanted:
                        return
                continue
            due = [t.next_at for t in self.periodic]
            wait = max(0.0, min(due) - self.clock()) if due else None
            self._wake.wait(timeout=wait)
            self._wake.clear()


def safely(name: str, fn: Callable[[], object]) -> None:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - a side task must never stop intake
        log.warning("%s failed (%s)", name, type(exc).__name__)


@dataclass
class MailTasks:
    """Sending the mail queue (after each batch and on a timer) and polling the school
    mailbox (when ``[imap]`` is configured), for :meth:`FolderWatcher.run`."""

    send: Callable[[], object]
    periodic: list[Periodic]
    close: Callable[[], None]
    # Cut a send or a mailbox poll in progress short (a stop that cannot wait for a slow server).
    interrupt: Callable[[], None] = lambda: None


def mail_tasks(app: FormsApp, send_every: float = 30.0,
               on_outcome: Callable[[FileOutcome], None] | None = None) -> MailTasks:
    """The mail side of the watcher. ``on_outcome`` is told of every form that came
    by email, as the watcher tells of every file (for the one line per form).

    Sending and polling run on threads of their own (lanes "send" and "mailbox"), so
    each has an app of its own (its own database connection; the mailbox's reader
    process starts only when an email brings a form): the threads share nothing but
    the database file, as two watchers do. Sending is one at a time (one connection to
    the mail server), whichever lane asks for it."""
    home = app.home
    transport = app.mail_transport()
    sender = FormsApp(home, workers=1)
    apps = [sender]
    one_at_a_time = threading.Lock()
    # The apps in use by a lane right now: never closed under it (its database connection).
    in_use: dict[int, int] = {}
    counting = threading.Lock()

    def using(a: FormsApp, delta: int) -> None:
        with counting:
            in_use[id(a)] = in_use.get(id(a), 0) + delta

    def send() -> None:
        using(sender, 1)
        try:
            with one_at_a_time:
                report = sender.send_mail(transport)
        finally:
            using(sender, -1)
        if report.sent:
            log.info("sent %d email(s)", len(report.sent))
        if report.unavailable and cut.is_set():
            log.warning("the mail server was still silent at the stop: its connection was cut; mail stays queued"
                        " and is sent next time")
        elif report.unavailable:
            log.warning("the mail server could not be reached; mail stays queued and is tried again later")

    periodic = [Periodic("sending mail", send_every, send, lane="send")]
    cuts: list[Callable[[], None]] = [transport.abort]
    cut = threading.Event()  # set when the stop cut the connections
    imap = home.config.imap
    if imap is not None:
        reader = FormsApp(home, workers=1)
        apps.append(reader)
        cuts.append(reader.interrupt_mailbox)

        poll = _poll_task(reader, imap, using, cut, on_outcome, send)
        periodic.append(Periodic("polling the mailbox", float(imap.poll_seconds), poll, lane="mailbox"))

    def close() -> None:
        """Close the connections and databases the lanes no longer use. A lane still
        waiting for a server (after :func:`interrupt`) keeps its own: the process ends
        without closing a database under a thread that uses it."""
        busy = [a for a in apps if in_use.get(id(a), 0) > 0]
        if not busy:
            transport.close()
        for a in apps:
            if a not in busy:
                a.close()
        if busy:
            log.debug("left %d mail lane(s) busy at the stop", len(busy))

    def interrupt() -> None:
        """Cut the SMTP and IMAP connections now: a lane waiting for a silent server fails at once."""
        cut.set()
        for one in cuts:
            safely("cutting a mail connection", one)

    return MailTasks(send, periodic, close, interrupt)


def _poll_task(reader: FormsApp, imap: Imap, using: Callable[[FormsApp, int], None], cut: threading.Event,
               on_outcome: Callable[[FileOutcome], None] | None, send: Callable[[], None]) -> Callable[[], None]:
    """One poll of the mailbox, for its lane: each form that came shown, then the mail sent.
    A poll whose connection the stop cut (``cut``) says so, once, in plain words."""

    def poll() -> None:
        using(reader, 1)
        try:
            report = reader.poll_mailbox(imap)
        except MailUnavailable:
            if not cut.is_set():
                raise
            log.warning("the mailbox server was still silent at the stop: its connection was cut; the mail"
                        " waits on the server and is read next time")
            return
        finally:
            using(reader, -1)
        if on_outcome is not None:
            for message in report.messages:
                for r in message.results:
                    try:
                        on_outcome(email_outcome(r))
                    except Exception:  # noqa: BLE001 - a display problem must not stop intake
                        log.debug("on_outcome failed", exc_info=True)
        send()

    return poll


def email_outcome(result: dict[str, Any]) -> FileOutcome:
    """A form that came by email (an IngestResult as JSON), as a FileOutcome for display."""
    return FileOutcome(
        file=str(result.get("file") or ""),
        status=str(result.get("status") or ""),
        moved_to=None,
        reference=result.get("reference"),
        form=result.get("form"),
        school=result.get("school"),
        messages=[" ".join(filter(None, (str(m.get("message", "")), str(m.get("hint") or ""))))
                  for m in result.get("messages") or [] if isinstance(m, dict)],
    )
