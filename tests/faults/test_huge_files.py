"""A huge file (sparse: 30 GB that take no room) among forms: its size is checked before
anything is read, nothing of it is read or archived, and the batch goes on."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.drivers.watcher import FolderWatcher, WatchSettings
from forms_processor.home import Home
from tests.watcher.conftest import Form, archived, db_counts, drop, processing

from .conftest import integrity_ok, peak_kb, reset_peak

HUGE = 30 * 1024**3


def sparse(path: Path, size: int = HUGE) -> Path:
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def good(forms: list[Form], n: int) -> list[Form]:
    return [f for i, f in enumerate(forms) if i % 10 != 9][:n]


def archive_bytes(home: Home) -> int:
    return sum(p.stat().st_size for p in home.archive.rglob("*") if p.is_file())


def test_forms_ingest_refuses_a_huge_file_unread_and_records_the_rest(home: Home, forms: list[Form],
                                                                      tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    batch = good(forms, 4)
    for form in batch:
        (folder / form.name).write_bytes(form.data)
    sparse(folder / "scan of everything.pdf")
    if not reset_peak():
        pytest.skip("this system cannot reset a process's peak memory (/proc/self/clear_refs)")
    before = peak_kb()
    result = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", str(folder), "--json"])
    grew_kb = peak_kb() - before
    assert result.exit_code == 1, result.output
    rows = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert [rows[f.name]["status"] for f in batch] == ["accepted"] * 4
    huge = rows["scan of everything.pdf"]
    assert huge["status"] == "rejected" and "30720 MB" in huge["messages"][0]["message"]
    assert grew_kb < 200 * 1024  # nothing near the file's size was read into memory
    # Only a note of it: name, size, time and the SHA-256 of nothing read; no copy archived.
    assert archive_bytes(home) < sum(len(f.data) for f in batch) + 1024 * 1024
    db = FormsApp(home)
    try:
        note = db.db.query("SELECT file_name, size, received_at, sha256, archive_path FROM submissions"
                           " WHERE status = 'rejected'")
    finally:
        db.close()
    assert len(note) == 1
    assert note[0]["file_name"] == "scan of everything.pdf" and note[0]["size"] == HUGE
    assert note[0]["received_at"] and note[0]["archive_path"] is None
    assert note[0]["sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert (folder / "scan of everything.pdf").stat().st_size == HUGE  # left where it was
    assert integrity_ok(home.database)


def test_the_watcher_refuses_a_huge_file_unread_and_takes_the_rest(home: Home, forms: list[Form]) -> None:
    batch = good(forms, 4)
    for form in batch[:2]:
        drop(home, form)
    sparse(home.inbox / "huge.docx")
    for form in batch[2:]:
        drop(home, form)
    app = FormsApp(home)
    try:
        outcomes = FolderWatcher(app, WatchSettings(settle_seconds=0, read_ahead=True)).run(once=True)
    finally:
        app.close()
    by_file = {o.file: o for o in outcomes}
    assert by_file["huge.docx"].status == "rejected" and "30720 MB" in by_file["huge.docx"].messages[0]
    assert sorted(o.status for o in outcomes if o.file != "huge.docx") == ["accepted"] * 4
    assert len(archived(home)) == 4 and processing(home) == []
    assert archive_bytes(home) < sum(len(f.data) for f in batch) * 3 + 1024 * 1024  # no copy of it
    moved = home.rejected / "huge.docx"
    assert moved.stat().st_size == HUGE and moved.stat().st_blocks * 512 < 1024 * 1024  # moved, never copied
    assert "30720 MB" in (home.rejected / "huge.docx.reason.txt").read_text()
    assert db_counts(home)["forms"] == 4
    os.unlink(moved)
    assert integrity_ok(home.database)
