"""The folder rules on a real folder: what is a candidate, claims, moves."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forms_processor.errors import ConfigError
from forms_processor.home import Home
from forms_processor.intake.folder import (
    ProcessingArea,
    candidate,
    claimed_arrival,
    move_no_overwrite,
    move_to_archive,
    move_to_rejected,
    original_name,
    scan,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_scan_takes_regular_files_in_sub_folders_and_ignores_clutter(home: Home, tmp_path: Path) -> None:
    inbox = home.inbox
    (inbox / "school a").mkdir()
    for name in ("form.docx", "school a/form.pdf", "~$form.docx", "copy.tmp", "x.part", "y.crdownload",
                 "~wrl0001.tmp", ".hidden.docx", ".DS_Store", "Thumbs.db", "desktop.ini"):
        (inbox / name).write_bytes(b"data")
    (inbox / ".git").mkdir()
    (inbox / ".git" / "inside.docx").write_bytes(b"data")
    outside = tmp_path / "secret.docx"
    outside.write_bytes(b"secret")
    (inbox / "link.docx").symlink_to(outside)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "deep.docx").write_bytes(b"x")
    (inbox / "linked folder").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    found = sorted(str(c.path.relative_to(inbox)) for c in scan(inbox))
    assert found == ["form.docx", "school a/form.pdf"]
    assert candidate(inbox, inbox / "link.docx") is None
    assert candidate(inbox, inbox / "linked folder" / "deep.docx") is None
    assert candidate(inbox, outside) is None


def test_two_claims_of_one_file_only_one_wins(home: Home) -> None:
    f = home.inbox / "form.docx"
    f.write_bytes(b"PK")
    a, b = ProcessingArea(home.processing, home.inbox), ProcessingArea(home.processing, home.inbox)
    a.open()
    b.open()
    try:
        cand = candidate(home.inbox, f)
        assert cand is not None
        first, second = a.claim(cand, NOW), b.claim(cand, NOW)
        assert first is not None and second is None
        assert first.name == "form.docx" and original_name(first.path.name) == "form.docx"
        assert first.path.parent == a.folder and not f.exists()
    finally:
        a.close()
        b.close()


def test_a_stopped_watchers_files_are_taken_over_but_a_running_ones_are_not(home: Home) -> None:
    running, stopped, new = (ProcessingArea(home.processing, home.inbox) for _ in range(3))
    running.open()
    stopped.open()
    for area, name in ((running, "a.docx"), (stopped, "b.docx")):
        (home.inbox / name).write_bytes(b"x")
        cand = candidate(home.inbox, home.inbox / name)
        assert cand is not None and area.claim(cand, NOW) is not None
    stopped.close()  # releases its lock; its file stays
    (home.processing / "loose.pdf").write_bytes(b"y")
    new.open()
    try:
        taken = new.take_over(NOW)
        assert sorted(c.name for c in taken) == ["b.docx", "loose.pdf"]
        assert all(c.path.parent == new.folder for c in taken)
        assert len(running.leftovers()) == 1
        assert not stopped.folder.exists()
    finally:
        running.close()
        new.close()


def test_moves_never_overwrite(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "form.docx").write_bytes(b"old")
    src = tmp_path / "form.docx"
    src.write_bytes(b"new")
    moved = move_no_overwrite(src, dest, "form.docx")
    assert moved.name == "form (2).docx" and moved.read_bytes() == b"new"
    assert (dest / "form.docx").read_bytes() == b"old" and not src.exists()


def test_a_move_interrupted_after_the_link_is_finished(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    src = tmp_path / "form.docx"
    src.write_bytes(b"x")
    os.link(src, dest / "form.docx")  # a crash between link and unlink
    moved = move_no_overwrite(src, dest, "form.docx")
    assert moved == dest / "form.docx" and not src.exists() and len(list(dest.iterdir())) == 1


def test_rejected_files_get_a_reason_beside_them(home: Home) -> None:
    area = ProcessingArea(home.processing, home.inbox)
    area.open()
    try:
        (home.inbox / "bad.pdf").write_bytes(b"junk")
        cand = candidate(home.inbox, home.inbox / "bad.pdf")
        assert cand is not None
        claimed = area.claim(cand, NOW)
        assert claimed is not None
        moved = move_to_rejected(home.rejected, claimed, "Because.")
        assert moved == home.rejected / "bad.pdf"
        note = home.rejected / "bad.pdf.reason.txt"
        assert note.read_text() == "Because.\n" and (note.stat().st_mode & 0o777) == 0o600
    finally:
        area.close()


def test_processing_on_another_drive_is_refused(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    area = ProcessingArea(home.processing, home.inbox)
    real_stat = os.stat
    inbox = str(home.inbox)

    def fake_stat(path: os.PathLike[str] | str, *a: object, **kw: object) -> os.stat_result:
        st = real_stat(path)
        if str(path) == inbox:
            return os.stat_result((st.st_mode, st.st_ino, st.st_dev + 1, *tuple(st)[3:]))
        return st

    monkeypatch.setattr(os, "stat", fake_stat)
    with pytest.raises(ConfigError):
        area.open()


def test_a_claimed_file_keeps_its_arrival_time_through_a_crash(home: Home) -> None:
    crashed, next_one = ProcessingArea(home.processing, home.inbox), ProcessingArea(home.processing, home.inbox)
    crashed.open()
    f = home.inbox / "form.docx"
    f.write_bytes(b"PK")
    cand = candidate(home.inbox, f)
    assert cand is not None
    claimed = crashed.claim(cand, datetime.now(UTC))
    assert claimed is not None
    # The arrival time is written into the claimed name (to the millisecond).
    stamp = claimed_arrival(claimed.path.name)
    assert stamp is not None and abs((stamp - claimed.received_at).total_seconds()) < 0.001
    # A file claimed an hour ago, just before a deadline, by a watcher that then died (kill -9).
    arrived = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=250000)
    old = crashed.folder / f"{'a' * 32}-{int(arrived.timestamp() * 1000)}__late.docx"
    old.write_bytes(b"PK old")
    crashed._lock.release()  # type: ignore[union-attr]  # as kill -9 does: the lock dies, the files stay
    next_one.open()
    try:
        taken = {c.name: c for c in next_one.take_over(datetime.now(UTC))}
        assert set(taken) == {"form.docx", "late.docx"}
        # Moved about since, and finished much later: each keeps the time it arrived.
        assert taken["late.docx"].received_at == arrived
        assert abs((taken["form.docx"].received_at - claimed.received_at).total_seconds()) < 0.001
    finally:
        next_one.close()


def test_long_non_ascii_names_are_claimed_archived_and_rejected(home: Home) -> None:
    name = "申請書" * 27 + ".docx"  # 81 characters, 248 bytes: a legal name on disk
    assert len(name.encode()) <= 255
    area = ProcessingArea(home.processing, home.inbox)
    area.open()
    try:
        for n, dest in ((1, "archive"), (2, "rejected")):
            f = home.inbox / name
            f.write_bytes(b"PK" + bytes([n]))
            cand = candidate(home.inbox, f)
            assert cand is not None
            claimed = area.claim(cand, NOW)
            assert claimed is not None and original_name(claimed.path.name).endswith(".docx")
            if dest == "archive":
                moved = move_to_archive(home.archive, claimed, "2026-11-29", "WVC-2627-AU2-001", "0" * 64)
            else:
                moved = move_to_rejected(home.rejected, claimed, "Because.")
                assert (moved.parent / (moved.name + ".reason.txt")).exists()
            assert moved.read_bytes() == b"PK" + bytes([n]) and moved.suffix == ".docx"
            assert len(moved.name.encode()) <= 255
        assert area.leftovers() == []
    finally:
        area.close()


def test_watchers_starting_together_never_take_over_each_other(home: Home) -> None:
    import threading

    lost: list[str] = []
    for _ in range(20):
        areas = [ProcessingArea(home.processing, home.inbox) for _ in range(6)]
        barrier = threading.Barrier(len(areas))

        def start(area: ProcessingArea, barrier: threading.Barrier) -> None:
            barrier.wait()
            area.open()
            area.take_over(NOW)  # as a watcher does at once after opening its own folder

        threads = [threading.Thread(target=start, args=(a, barrier)) for a in areas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        lost += [a.folder.name for a in areas if not a.folder.is_dir()]
        for a in areas:
            a.close()
    assert lost == []
    assert [p.name for p in home.processing.iterdir()] == []
