"""The smaller faults: names that are not UTF-8, tnefparse's own traceback, modes of
files taken over, hard links in the inbox, and saved emails from strangers."""

from __future__ import annotations

import json
import logging
import os
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from forms_processor.api import FormsApp
from forms_processor.drivers.watcher import FolderWatcher, WatchSettings
from forms_processor.home import Home
from forms_processor.intake.email_parts import build_message
from forms_processor.store.db import Database
from tests.watcher.conftest import Form, archived, db_counts, drop

from .conftest import integrity_ok


def forms_cli(home: Home, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "forms_processor", "--home", str(home.root), *args],
                          capture_output=True, timeout=120)


def once(home: Home) -> list[object]:
    app = FormsApp(home)
    try:
        return list(FolderWatcher(app, WatchSettings(settle_seconds=0, read_ahead=False)).run(once=True))
    finally:
        app.close()


def test_a_name_that_is_not_utf8_keeps_the_json_valid(home: Home, forms: list[Form], tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    odd = os.path.join(os.fsencode(folder), b"caf\xe9 form.docx")
    with open(odd, "wb") as fh:
        fh.write(forms[0].data)
    (folder / forms[1].name).write_bytes(forms[1].data)
    done = forms_cli(home, "ingest", str(folder), "--json")
    assert done.returncode in (0, 1), done.stderr
    rows = json.loads(done.stdout.decode("utf-8"))
    assert len(rows) == 2 and any("caf\ufffd form.docx" in r["file"] for r in rows)
    # The watcher: one JSON object per line, and the list at the end with --once.
    with open(os.path.join(os.fsencode(home.inbox), b"r\xe9sum\xe9.docx"), "wb") as fh:
        fh.write(forms[2].data)
    watched = forms_cli(home, "watch", "--once", "--settle", "0", "--json")
    assert watched.returncode in (0, 1), watched.stderr
    (row,) = json.loads(watched.stdout.decode("utf-8"))
    assert row["file"] == "r\ufffdsum\ufffd.docx" and row["status"] in ("accepted", "invalid")


def winmail_with_a_long_version() -> bytes:
    def attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
        return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)

    return struct.pack("<IH", 0x223E9F78, 1) + attribute(1, 0x9006, 0x0008, b"\x00\x00\x02\x00\x99\x99\x99\x99")


def test_a_winmail_dat_with_a_long_version_prints_no_traceback(home: Home, tmp_path: Path) -> None:
    msg = build_message("senco@aldborough.example.org", "forms@wensum-high.example.org", "form", "attached",
                        [("winmail.dat", winmail_with_a_long_version())])
    path = tmp_path / "outlook.eml"
    path.write_bytes(bytes(msg))
    done = forms_cli(home, "ingest", str(path))
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, err
    assert "Traceback" not in err and "Logging error" not in err
    assert "no Word or PDF form" in err


def test_files_taken_over_and_the_dated_archive_are_owner_only(home: Home, forms: list[Form]) -> None:
    os.umask(0o022)
    dead = home.processing / "watch-0123456789ab"
    dead.mkdir(parents=True)
    left = dead / f"{'a' * 32}-1764667200000__{forms[3].name}"
    left.write_bytes(forms[3].data)
    os.chmod(left, 0o644)
    outcomes = once(home)
    assert len(outcomes) == 1
    (kept,) = archived(home)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    folder = kept.parent
    while folder != home.archive:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        folder = folder.parent


def test_a_hard_link_in_the_inbox_is_left_alone_with_a_warning(home: Home, forms: list[Form], tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    outside = tmp_path / "someone else's form.docx"
    outside.write_bytes(forms[4].data)
    os.chmod(outside, 0o644)
    os.link(outside, home.inbox / "linked.docx")
    drop(home, forms[5])
    with caplog.at_level(logging.WARNING):
        outcomes = once(home)
    assert [getattr(o, "file", None) for o in outcomes] == [forms[5].name]
    assert (home.inbox / "linked.docx").exists() and stat.S_IMODE(outside.stat().st_mode) == 0o644
    assert sum("hard link" in r.getMessage() for r in caplog.records) == 1


def test_a_saved_email_from_a_stranger_is_recorded_and_answered_to_nobody(home: Home, forms: list[Form],
                                                                         tmp_path: Path) -> None:
    stranger = "someone@elsewhere.example.com"
    msg = build_message(stranger, "forms@wensum-high.example.org", "form", "attached", [(forms[6].name, forms[6].data)])
    dropped = home.inbox / "from a stranger.eml"
    dropped.write_bytes(bytes(msg))
    (outcome,) = once(home)
    assert outcome.status == "rejected"
    named = tmp_path / "named.eml"
    msg2 = build_message(stranger, "forms@wensum-high.example.org", "again", "attached",
                         [(forms[7].name, forms[7].data)])
    named.write_bytes(bytes(msg2))
    done = forms_cli(home, "ingest", str(named), "--json")
    (row,) = json.loads(done.stdout)
    assert row["status"] == "rejected" and "not from an address configured for a school" in row["messages"][0]["message"]
    db = Database(home.database)
    try:
        to = [r["to_addrs"] for r in db.query("SELECT to_addrs FROM outgoing_mail")]
        recorded = db.query("SELECT status, reason FROM submissions")
    finally:
        db.close()
    assert not any(stranger in t for t in to)
    assert [(r["status"], r["reason"]) for r in recorded] == [("rejected", "unknown-sender")] * 2
    assert db_counts(home)["forms"] == 0
    assert integrity_ok(home.database)
