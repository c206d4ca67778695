"""The pure decisions: settle time with a fake clock, and whether bytes look whole."""

from __future__ import annotations

from forms_processor.intake.stability import Decision, FileStabilityTracker, decide, looks_complete


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_file_is_settled_only_after_the_settle_time_unchanged() -> None:
    clock = FakeClock()
    tr = FileStabilityTracker(2.0, grace_seconds=60, clock=clock)
    assert tr.decide("a", 10, 1, complete=True) is Decision.WAIT
    clock.t += 1.9
    assert tr.decide("a", 10, 1, complete=True) is Decision.WAIT
    clock.t += 0.2
    assert tr.decide("a", 10, 1, complete=True) is Decision.TAKE


def test_a_change_in_size_or_mtime_restarts_the_wait() -> None:
    clock = FakeClock()
    tr = FileStabilityTracker(2.0, clock=clock)
    tr.observe("a", 10, 1)
    clock.t += 1.5
    assert tr.observe("a", 20, 1) == 0.0
    clock.t += 1.5
    assert tr.observe("a", 20, 2) == 0.0
    clock.t += 1.5
    assert tr.decide("a", 20, 2, complete=True) is Decision.WAIT
    clock.t += 0.5
    assert tr.decide("a", 20, 2, complete=True) is Decision.TAKE


def test_an_incomplete_document_waits_until_the_grace_period() -> None:
    clock = FakeClock()
    tr = FileStabilityTracker(2.0, grace_seconds=60, clock=clock)
    tr.observe("a", 10, 1)
    clock.t += 30
    assert tr.decide("a", 10, 1, complete=False) is Decision.WAIT
    clock.t += 30
    assert tr.decide("a", 10, 1, complete=False) is Decision.TAKE


def test_forget_and_keep_only() -> None:
    tr = FileStabilityTracker(1.0, clock=FakeClock())
    for k in "abc":
        tr.observe(k, 1, 1)
    tr.forget("a")
    tr.keep_only(["b"])
    assert tr.keys() == ["b"] and len(tr) == 1 and "b" in tr


def test_decide_settle_zero_takes_at_once() -> None:
    assert decide(0.0, True, 0.0, 60) is Decision.TAKE
    assert decide(0.0, False, 0.0, 60) is Decision.WAIT


def test_zip_needs_its_central_directory() -> None:
    whole = b"PK\x03\x04" + b"x" * 100 + b"PK\x05\x06" + b"\0" * 18
    assert looks_complete(whole[:8], whole, len(whole))
    half = whole[:60]
    assert not looks_complete(half[:8], half, len(half))


def test_pdf_needs_eof_at_its_end() -> None:
    whole = b"%PDF-1.7\n" + b"x" * 5000 + b"\n%%EOF\n"
    assert looks_complete(whole[:8], whole, len(whole))
    assert not looks_complete(whole[:8], whole[:3000], 3000)


def test_empty_files_wait_and_other_bytes_are_left_to_the_reader() -> None:
    assert not looks_complete(b"", b"", 0)
    assert looks_complete(b"\xff\xd8\xff\xe0", b"jpeg", 4)


def test_a_file_unchanged_on_disk_for_the_settle_time_is_taken_at_first_sight() -> None:
    clock = FakeClock()
    tr = FileStabilityTracker(2.0, grace_seconds=60, clock=clock)
    # The file system says it has not changed for an hour: it need not wait again...
    assert tr.decide("old", 10, 1, complete=True, unchanged_before=3600) is Decision.TAKE
    # ...but only the settle time counts: a file that does not look whole still waits the grace.
    assert tr.decide("half", 10, 1, complete=False, unchanged_before=3600) is Decision.WAIT
    clock.t += 57.9
    assert tr.decide("half", 10, 1, complete=False, unchanged_before=3600) is Decision.WAIT
    clock.t += 0.2
    assert tr.decide("half", 10, 1, complete=False, unchanged_before=3600) is Decision.TAKE


def test_a_recent_change_on_disk_gives_no_head_start() -> None:
    clock = FakeClock()
    tr = FileStabilityTracker(2.0, grace_seconds=60, clock=clock)
    assert tr.decide("new", 10, 1, complete=True, unchanged_before=0.5) is Decision.WAIT
    clock.t += 1.4
    assert tr.decide("new", 10, 1, complete=True, unchanged_before=0.5) is Decision.WAIT
    clock.t += 0.2  # 0.5 s before it was first seen + 1.6 s since
    assert tr.decide("new", 10, 1, complete=True, unchanged_before=0.5) is Decision.TAKE
    # A change starts the count again, from what the file system says about the change.
    assert tr.decide("new", 20, 2, complete=True, unchanged_before=0.0) is Decision.WAIT
