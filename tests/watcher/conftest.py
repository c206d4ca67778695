"""A real home, real filled forms, and ways to run the real watcher (thread or process)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from forms_processor.api import FileOutcome, FormsApp
from forms_processor.documents import fill_docx, fill_pdf, sample_application, template_docx, template_pdf
from forms_processor.drivers.watcher import FolderWatcher, WatchSettings
from forms_processor.home import Home, init_home, open_home
from forms_processor.spec import APPLICATION
from forms_processor.store.db import Database

SETTLE = 0.3



@dataclass(frozen=True)
class Form:
    name: str
    data: bytes


@pytest.fixture(scope="session")
def forms(tmp_path_factory: pytest.TempPathFactory) -> list[Form]:
    """220 real filled application forms, each with different content (so different SHA-256s):
    mostly Word (quick to make), every seventh a PDF, every tenth with a mistake."""
    made = make_forms(tmp_path_factory.mktemp("forms-home"), 220, seed=20261129)
    assert len({f.data for f in made}) == len(made)
    return made


def make_forms(folder: Path, count: int, *, seed: int) -> list[Form]:
    """``count`` real filled application forms for the example cluster (a home made in
    ``folder``): mostly Word, every seventh a PDF, every tenth with a mistake."""
    root, _ = init_home(folder)
    config = open_home(root).config
    docx, pdf = template_docx(APPLICATION, config), template_pdf(APPLICATION, config)
    rng = random.Random(seed)
    made: list[Form] = []
    for i in range(count):
        values, _ = sample_application(config, rng, mistakes=1 if i % 10 == 9 else 0)
        if i % 7 == 3:
            made.append(Form(f"form {i:03d}.pdf", fill_pdf(pdf, values)))
        else:
            made.append(Form(f"form {i:03d}.docx", fill_docx(docx, values)))
    return made


@pytest.fixture
def home(tmp_path: Path) -> Home:
    root, _ = init_home(tmp_path / "home")
    return open_home(root)


def drop(home: Home, form: Form, sub: str = "") -> Path:
    """Write a form into the inbox the way a copy does: a temporary name, then a rename."""
    folder = home.inbox / sub if sub else home.inbox
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (form.name + ".part")
    tmp.write_bytes(form.data)
    final = folder / form.name
    os.rename(tmp, final)
    return final


def inbox_files(home: Home) -> list[Path]:
    return sorted(p for p in home.inbox.rglob("*") if p.is_file())


def archived(home: Home) -> list[Path]:
    base = home.archive / "by-date"
    return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


def rejected(home: Home) -> list[Path]:
    return sorted(p for p in home.rejected.iterdir() if not p.name.endswith(".reason.txt"))


def processing(home: Home) -> list[Path]:
    return sorted(p for p in home.processing.rglob("*") if p.is_file() and p.name != ".lock")


def db_counts(home: Home) -> dict[str, Any]:
    """Submissions by status, forms, and outgoing mail per dedupe key (read-only)."""
    db = Database(home.database)
    try:
        subs = {r[0]: r[1] for r in db.query("SELECT status, COUNT(*) FROM submissions GROUP BY status")}
        forms = db.one("SELECT COUNT(*) FROM forms")
        per_key = db.query("SELECT dedupe_key, COUNT(*) AS n FROM outgoing_mail GROUP BY dedupe_key")
        per_ref = db.query(
            "SELECT reference, COUNT(*) AS n FROM outgoing_mail WHERE kind LIKE 'ack%' GROUP BY reference"
        )
        names = db.query("SELECT file_name, COUNT(*) AS n FROM submissions WHERE status != 'duplicate' GROUP BY file_name")
        return {
            "submissions": subs,
            "forms": forms[0] if forms else 0,
            "mail_keys": {r["dedupe_key"]: r["n"] for r in per_key},
            "acks_per_ref": {r["reference"]: r["n"] for r in per_ref},
            "recorded_names": {r["file_name"]: r["n"] for r in names},
        }
    finally:
        db.close()


class ThreadWatcher:
    """The real watcher (real FormsApp, real reader pool) running in a thread."""

    def __init__(self, home: Home, settings: WatchSettings) -> None:
        self.app = FormsApp(home)
        self.outcomes: list[FileOutcome] = []
        self.watcher = FolderWatcher(self.app, settings, on_outcome=self.outcomes.append)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.watcher.run()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def __enter__(self) -> ThreadWatcher:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.watcher.stop()
        self.thread.join(timeout=30)
        self.app.close()
        assert not self.thread.is_alive()
        assert self.error is None, repr(self.error)


@pytest.fixture
def run_watcher(home: Home) -> Iterator[Callable[..., ThreadWatcher]]:
    started: list[ThreadWatcher] = []

    def start(**kw: Any) -> ThreadWatcher:
        settings = WatchSettings(settle_seconds=kw.pop("settle", SETTLE), rescan_seconds=kw.pop("rescan", 30.0), **kw)
        tw = ThreadWatcher(home, settings).__enter__()
        started.append(tw)
        return tw

    yield start
    for tw in started:
        if tw.thread.is_alive():
            tw.__exit__()


def start_process(home: Home, *args: str, stderr: Any = subprocess.PIPE) -> subprocess.Popen[bytes]:
    """``python -m forms_processor watch`` as a separate process (its own process group)."""
    return subprocess.Popen(
        [sys.executable, "-m", "forms_processor", "--home", str(home.root), "watch", "--settle", str(SETTLE), *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        start_new_session=True,
    )


def kill_hard(proc: subprocess.Popen[bytes]) -> None:
    """kill -9 the watcher and its reader workers (the whole process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)
