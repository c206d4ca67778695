"""``python -m forms_processor watch`` as real processes: two at once, kill -9, SIGTERM."""

from __future__ import annotations

import signal
import subprocess
from datetime import UTC, datetime

from forms_processor.home import Home
from forms_processor.store.db import Database
from tests.support import wait_for

from .conftest import Form, archived, db_counts, drop, inbox_files, kill_hard, processing, rejected, start_process


def _every_file_once(home: Home, batch: list[Form]) -> None:
    assert not inbox_files(home) and not processing(home) and not rejected(home)
    assert len(archived(home)) == len(batch)
    assert sorted(p.name.split(" ", 1)[1] for p in archived(home)) == sorted(f.name for f in batch)
    counts = db_counts(home)
    assert counts["recorded_names"] == {f.name: 1 for f in batch}
    assert counts["forms"] == len(batch)
    assert set(counts["mail_keys"].values()) == {1}
    assert set(counts["acks_per_ref"].values()) == {1}
    emls = [p.name for p in home.mail_outbox.glob("*.eml")]
    acked = set(counts["acks_per_ref"])
    assert len(emls) == len(acked)
    assert all(sum(1 for n in emls if ref in n) == 1 for ref in acked)


def _once(home: Home) -> subprocess.CompletedProcess[bytes]:
    proc = start_process(home, "--once")
    out, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err, err.decode()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_two_watchers_on_one_folder_take_each_file_once(home: Home, forms: list[Form]) -> None:
    batch = forms[:60]
    # The database is made first: two processes creating a new one at the same instant is a
    # separate problem of the store's migrations (reported), not of the watchers.
    Database(home.database).close()
    procs = [start_process(home, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        for f in batch:
            drop(home, f)
        wait_for(lambda: len(archived(home)) == len(batch), timeout=90)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            assert p.wait(timeout=30) == 0
    _once(home)  # send any mail the two left queued
    _every_file_once(home, batch)


def test_kill_9_mid_batch_then_restart_processes_every_file_exactly_once(home: Home, forms: list[Form]) -> None:
    batch = forms[:120]
    for f in batch:
        drop(home, f)
    dropped = datetime.now(UTC).replace(microsecond=0)
    for at_least in (10, 60):
        proc = start_process(home, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: len(archived(home)) >= at_least, timeout=90)  # noqa: B023 - used at once
        finally:
            kill_hard(proc)
    assert len(archived(home)) < len(batch)  # killed mid-batch: some files were still to do
    _once(home)
    _every_file_once(home, batch)
    # Every form keeps the time it arrived, also those finished after a crash (lateness depends on it).
    db = Database(home.database)
    try:
        rows = db.query("SELECT received_at, status FROM submissions")
    finally:
        db.close()
    # (A file recorded but not yet moved when killed comes back as a duplicate: one more row.)
    assert sum(1 for r in rows if r["status"] != "duplicate") == len(batch)
    assert max(datetime.fromisoformat(r["received_at"]) for r in rows) <= dropped


def test_sigterm_stops_cleanly_and_a_restart_finishes(home: Home, forms: list[Form]) -> None:
    batch = forms[120:160]
    proc = start_process(home)
    for f in batch:
        drop(home, f)
    wait_for(lambda: len(archived(home)) >= 1, timeout=60)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"finishing the files in hand" in err
    # The files in hand were finished: nothing is left claimed in processing/.
    assert not processing(home)
    assert len(archived(home)) + len(inbox_files(home)) == len(batch)
    _once(home)
    _every_file_once(home, batch)
