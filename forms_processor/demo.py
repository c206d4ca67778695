"""The demo: a deadline-day batch of invented forms (documents/batch.py) dropped in the
inbox and taken in by the real watcher, with the emails written as files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .api import FileOutcome, FormsApp
from .drivers.scheduler import mail_tasks
from .drivers.watcher import FolderWatcher, WatchSettings
from .intake.submission import now_utc
from .service.setup import Batch, write_batch


@dataclass
class DemoReport:
    home: Path
    batch: Batch
    outcomes: list[FileOutcome]
    emails: list[Path]


def run_demo(app: FormsApp, *, count: int = 24, seed: int | None = None) -> DemoReport:
    """Drop a deadline-day batch into the inbox and take it in as ``forms watch --once`` does:
    read, check, record, file away, and send (or, with no SMTP server, write) the emails."""
    home = app.home
    today = now_utc().astimezone(app.config.tz).date()
    batch = write_batch(app.config, home.inbox, count=count, mistake_share=0.2, seed=seed, today=today)
    # The files are written whole before the watcher starts: no need to wait for them to settle.
    settings = WatchSettings(settle_seconds=0.0, rescan_seconds=app.config.watch.rescan_seconds, grace_seconds=0.0)
    watcher = FolderWatcher(app, settings)
    tasks = mail_tasks(app)
    try:
        outcomes = watcher.run(once=True, periodic=tasks.periodic, after_batch=tasks.send)
        tasks.send()
    finally:
        tasks.close()
    emails = sorted(home.mail_outbox.glob("*.eml")) if home.mail_outbox.exists() else []
    return DemoReport(home=home.root, batch=batch, outcomes=outcomes, emails=emails)
