"""A full disk (or a database that cannot be written) is the machine's fault, not the
school's: the forms stay in processing/ and are tried again, the Host is told, and
rejected/ is kept for files the school must fix."""

from __future__ import annotations

import errno
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.drivers.watcher import FolderWatcher, WatchSettings
from forms_processor.errors import ExitCode, storage_fault
from forms_processor.home import Home, init_home, open_home
from tests.watcher.conftest import Form, archived, db_counts, drop, inbox_files, processing, rejected

from .conftest import DiskFull, fill_disk, integrity_ok, stray_temporaries

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def good(forms: list[Form], n: int, start: int = 0) -> list[Form]:
    return [f for i, f in enumerate(forms[start:], start) if i % 10 != 9][:n]


def test_a_full_disk_holds_the_forms_and_they_are_recorded_once_space_is_freed(
        home: Home, forms: list[Form], disk: DiskFull) -> None:
    now = Clock(T0)
    app = FormsApp(home)
    watcher = FolderWatcher(app, WatchSettings(settle_seconds=0, read_ahead=False), now=now)
    seen: list[str] = []
    watcher.intake.on_outcome = lambda o: seen.append(o.status)
    try:
        watcher.start()
        batch = good(forms, 4)
        for form in batch:
            drop(home, form)
        disk.full = True
        watcher.rescan()
        first = watcher.step()
        assert disk.refused >= 4
        assert [o.status for o in first] == ["waiting"] * 4
        assert "disk is full" in first[0].messages[0] and "tried again" in first[0].messages[0]
        # Nothing rejected, nothing recorded, nothing half-written; the files wait in processing/.
        assert rejected(home) == [] and not any(home.rejected.iterdir())
        assert len(processing(home)) == 4 and archived(home) == []
        assert stray_temporaries(home.archive) == []
        counts = db_counts(home)
        assert counts["submissions"] == {} and counts["forms"] == 0
        # The Host is told (an email queued: the database could still be written).
        alerts = [k for k in counts["mail_keys"] if k.startswith("storage:full:")]
        assert len(alerts) == 1
        # While the disk is full no new file is claimed, and the held ones wait their back-off.
        late = good(forms, 1, start=20)[0]
        drop(home, late)
        watcher.rescan()
        assert watcher.step() == [] and (home.inbox / late.name).exists()
        # Still full at the first retry: held again, a longer wait, the Host not told twice.
        now.at = T0 + timedelta(seconds=6)
        assert [o.status for o in watcher.step()] == ["waiting"] * 4
        now.at = T0 + timedelta(seconds=12)
        assert watcher.step() == []  # the second back-off (15 s) has not passed
        # Space is freed: at the next retry every form is recorded once, and the late one too.
        disk.full = False
        now.at = T0 + timedelta(seconds=30)
        done = watcher.step()
        assert sorted(o.status for o in done) == ["accepted"] * 5
    finally:
        watcher.close()
        app.close()
    counts = db_counts(home)
    assert counts["recorded_names"] == {f.name: 1 for f in [*batch, late]}
    assert all(n == 1 for n in counts["acks_per_ref"].values()) and len(counts["acks_per_ref"]) == 5
    assert len([k for k in counts["mail_keys"] if k.startswith("storage:")]) == 1
    assert processing(home) == [] and inbox_files(home) == [] and len(archived(home)) == 5
    assert stray_temporaries(home.root) == []
    assert integrity_ok(home.database)


def test_a_full_disk_in_forms_ingest_records_nothing_half_and_exits_with_its_own_code(
        home: Home, forms: list[Form], disk: DiskFull, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    for form in good(forms, 3):
        (folder / form.name).write_bytes(form.data)
    disk.full = True
    runner = CliRunner()
    result = runner.invoke(cli, ["--home", str(home.root), "ingest", str(folder), "--json"])
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert "disk is full" in result.stderr and "Traceback" not in result.output
    import json

    rows = json.loads(result.stdout)
    assert [r["status"] for r in rows] == ["waiting"] * 3
    assert stray_temporaries(home.archive) == [] and db_counts(home)["forms"] == 0
    disk.full = False
    again = runner.invoke(cli, ["--home", str(home.root), "ingest", str(folder), "--json"])
    assert again.exit_code in (0, 1), again.output
    assert sorted(r["status"] for r in json.loads(again.stdout)) == ["accepted"] * 3
    assert integrity_ok(home.database)


def test_forms_respond_on_a_full_disk_says_so_with_its_own_code(home: Home, disk: DiskFull) -> None:
    from forms_processor.workflow.check import forward
    from forms_processor.workflow.decide import DecisionInput, decide
    from tests.host.conftest import Maker

    app = FormsApp(home)
    try:
        maker = Maker(app)
        ref = maker.application()
        forward(app.db, app.config, ref)
        decide(app.db, app.config, DecisionInput(ref, "approved"))
    finally:
        app.close()
    disk.full = True
    result = CliRunner().invoke(cli, ["--home", str(home.root), "respond", "--all"])
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert "disk is full" in result.stderr and "--out" not in result.stderr and "Traceback" not in result.output
    assert stray_temporaries(home.root) == []
    disk.full = False
    again = CliRunner().invoke(cli, ["--home", str(home.root), "respond", "--all"])
    assert again.exit_code == 0, again.output


def test_mail_send_on_a_full_database_says_so_with_its_own_code(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    import forms_processor.mail.sender as sender

    def full(*args: object, **kwargs: object) -> int:
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = 13  # type: ignore[attr-defined]  # SQLITE_FULL, as SQLite raises it
        raise error

    monkeypatch.setattr(sender, "recover_stuck", full)
    result = CliRunner().invoke(cli, ["--home", str(home.root), "mail", "send"])
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert "disk is full" in result.stderr and "unexpected" not in result.stderr


def test_storage_faults_are_told_apart_by_their_codes_not_their_words() -> None:
    assert storage_fault(OSError(errno.ENOSPC, "whatever the words")).kind == "full"  # type: ignore[union-attr]
    assert storage_fault(OSError(errno.EACCES, "x")).kind == "permission"  # type: ignore[union-attr]
    assert storage_fault(OSError(errno.ENOENT, "No space left on device")) is None
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = 5  # type: ignore[attr-defined]
    assert storage_fault(locked).kind == "locked"  # type: ignore[union-attr]
    assert storage_fault(ValueError("disk full")) is None


@pytest.mark.slow
def test_a_real_small_disk_holds_the_forms_then_records_each_once(small_disk: Path, forms: list[Form]) -> None:
    root, _ = init_home(small_disk / "home")
    home = open_home(root)
    batch = good(forms, 25)
    for form in batch:
        drop(home, form)
    app = FormsApp(home)  # the database made while there is room
    filler = fill_disk(small_disk, leave=150 * 1024)
    try:
        first = FolderWatcher(app, WatchSettings(settle_seconds=0, read_ahead=False)).run(once=True)
    finally:
        app.close()
    statuses = [o.status for o in first]
    assert "waiting" in statuses, statuses  # the disk really was too small for them all
    assert set(statuses) <= {"accepted", "waiting"}
    assert not any(home.rejected.iterdir()) and stray_temporaries(home.archive) == []
    # Every form is recorded or still waiting in processing/.
    assert len(archived(home)) + len(processing(home)) + len(inbox_files(home)) == 25
    filler.unlink()
    app = FormsApp(home)
    try:
        FolderWatcher(app, WatchSettings(settle_seconds=0, read_ahead=False)).run(once=True)
    finally:
        app.close()
    counts = db_counts(home)
    assert counts["recorded_names"] == {f.name: 1 for f in batch}
    assert len(counts["acks_per_ref"]) == 25 and all(n == 1 for n in counts["acks_per_ref"].values())
    assert processing(home) == [] and len(archived(home)) == 25 and not any(home.rejected.iterdir())
    assert stray_temporaries(home.root) == []
    assert integrity_ok(home.database)


def test_forms_mail_send_into_a_full_outbox_says_so_and_keeps_the_mail(home: Home, disk: DiskFull) -> None:
    from forms_processor.mail.queue import OutgoingMail, enqueue
    from forms_processor.store.db import Database

    db = Database(home.database)
    try:
        with db.atomic() as conn:
            enqueue(conn, OutgoingMail(dedupe_key="full:1", kind="ack-accepted", to=("a@aldborough.example.org",),
                                       subject="Received", body="Hello"))
    finally:
        db.close()
    disk.full = True
    runner = CliRunner()
    result = runner.invoke(cli, ["--home", str(home.root), "mail", "send"])
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert "disk is full" in result.stderr and "unexpected" not in result.stderr
    assert list(home.mail_outbox.glob("*.eml")) == [] and stray_temporaries(home.root) == []
    db = Database(home.database)
    try:
        assert [r["status"] for r in db.query("SELECT status FROM outgoing_mail")] == ["queued"]
    finally:
        db.close()
    disk.full = False
    again = runner.invoke(cli, ["--home", str(home.root), "mail", "send"])
    assert again.exit_code == 0, again.output
    assert len(list(home.mail_outbox.glob("*.eml"))) == 1
