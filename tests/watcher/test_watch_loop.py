"""The real watcher (in a thread) on a real folder, with real filled forms."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli._common import cli
from forms_processor.drivers.watcher import FolderWatcher, WatchSettings
from forms_processor.errors import ConfigError, ExitCode
from forms_processor.home import Home
from forms_processor.readers import read_document
from forms_processor.readers.base import ExtractedForm
from tests.support import wait_for

from .conftest import SETTLE, Form, ThreadWatcher, archived, db_counts, drop, inbox_files, processing, rejected


def slow_write(path: Path, data: bytes, pieces: int = 8, pause: float = 0.4) -> None:
    """A slow copy: the file grows in pieces with pauses longer than the settle time."""
    step = len(data) // pieces + 1
    with open(path, "wb") as fh:
        for i in range(0, len(data), step):
            fh.write(data[i : i + step])
            fh.flush()
            time.sleep(pause)  # the writer's own pace, not the test waiting


def test_a_slow_writer_is_taken_once_and_whole(home: Home, forms: list[Form], run_watcher: Callable[..., ThreadWatcher]) -> None:
    tw = run_watcher()
    docx = next(f for f in forms if f.name.endswith(".docx"))
    pdf = next(f for f in forms if f.name.endswith(".pdf"))
    writers = [threading.Thread(target=slow_write, args=(home.inbox / f.name, f.data)) for f in (docx, pdf)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    wait_for(lambda: len(archived(home)) == 2)
    assert not rejected(home) and not inbox_files(home)
    by_name = {p.name.split(" ", 1)[1]: p.read_bytes() for p in archived(home)}
    assert by_name == {docx.name: docx.data, pdf.name: pdf.data}
    assert [o.status for o in tw.outcomes].count("rejected") == 0 and len(tw.outcomes) == 2
    counts = db_counts(home)
    assert counts["recorded_names"] == {docx.name: 1, pdf.name: 1}


def test_lock_files_and_partial_downloads_are_left_alone(home: Home, forms: list[Form],
                                                           run_watcher: Callable[..., ThreadWatcher]) -> None:
    clutter = {"~$form.docx": b"lock", "report.docx.crdownload": forms[1].data[:500], "copy.part": b"p",
               "~WRL0001.tmp": b"t", "x.tmp": b"t", ".DS_Store": b"d", "Thumbs.db": b"t", "desktop.ini": b"i"}
    for name, data in clutter.items():
        (home.inbox / name).write_bytes(data)
    run_watcher()
    drop(home, forms[0])
    wait_for(lambda: len(archived(home)) == 1)
    left = {p.name: p.read_bytes() for p in inbox_files(home)}
    assert left == clutter
    assert not rejected(home)


def test_two_hundred_files_at_once_each_processed_once(home: Home, forms: list[Form],
                                                         run_watcher: Callable[..., ThreadWatcher]) -> None:
    batch = forms[:200]
    tw = run_watcher()
    for i, f in enumerate(batch):
        drop(home, f, sub="school a" if i % 5 == 0 else "")
    wait_for(lambda: len(archived(home)) == 200, timeout=90)
    assert not inbox_files(home) and not processing(home) and not rejected(home)
    counts = db_counts(home)
    assert counts["recorded_names"] == {f.name: 1 for f in batch}
    assert counts["forms"] == 200 and "duplicate" not in counts["submissions"]
    assert counts["acks_per_ref"] and set(counts["acks_per_ref"].values()) == {1}
    assert len(tw.outcomes) == 200
    assert {o.status for o in tw.outcomes} <= {"accepted", "invalid"}
    assert sum(1 for o in tw.outcomes if o.file.startswith("school a/")) == 40
    assert {p.stat().st_mode & 0o777 for p in archived(home)} == {0o600}  # owner-only, however they were copied in


def test_a_symlink_to_a_file_outside_is_not_followed(home: Home, forms: list[Form], tmp_path: Path,
                                                      run_watcher: Callable[..., ThreadWatcher]) -> None:
    outside = tmp_path / "outside.docx"
    outside.write_bytes(forms[2].data)
    (home.inbox / "link.docx").symlink_to(outside)
    run_watcher()
    drop(home, forms[3])
    wait_for(lambda: len(archived(home)) == 1)
    assert (home.inbox / "link.docx").is_symlink() and outside.read_bytes() == forms[2].data
    assert "outside.docx" not in db_counts(home)["recorded_names"] and "link.docx" not in db_counts(home)["recorded_names"]


def test_unreadable_files_go_to_rejected_with_a_reason(home: Home, forms: list[Form],
                                                        run_watcher: Callable[..., ThreadWatcher]) -> None:
    run_watcher(grace_seconds=1.0)
    (home.inbox / "notes.pdf").write_bytes(b"these are not the forms you are looking for")
    (home.inbox / "half.docx").write_bytes(forms[4].data[: len(forms[4].data) // 2])  # never finished
    wait_for(lambda: len(rejected(home)) == 2)
    for name in ("notes.pdf", "half.docx"):
        note = (home.rejected / f"{name}.reason.txt").read_text()
        assert "Why it is here:" in note and "What to do:" in note and "Nothing has been deleted" in note
    assert (home.rejected / "half.docx").read_bytes() == forms[4].data[: len(forms[4].data) // 2]
    assert {p.stat().st_mode & 0o777 for p in home.rejected.iterdir()} == {0o600}


def test_a_half_copied_file_is_waited_for_not_refused(home: Home, forms: list[Form],
                                                       run_watcher: Callable[..., ThreadWatcher]) -> None:
    tw = run_watcher(grace_seconds=60.0)
    target = home.inbox / forms[5].name
    data = forms[5].data
    target.write_bytes(data[: len(data) // 2])
    # Long past the settle time the half file is still waiting in the inbox…
    wait_for(lambda: tw.watcher.tracker.unchanged_for(target) > SETTLE * 4)
    assert target.exists() and not rejected(home) and not archived(home)
    with open(target, "ab") as fh:  # …and the rest arrives.
        fh.write(data[len(data) // 2 :])
    wait_for(lambda: len(archived(home)) == 1)
    assert archived(home)[0].read_bytes() == data and not rejected(home)


def test_one_bad_file_never_stops_the_watcher(home: Home, forms: list[Form]) -> None:
    def read(data: bytes, name: str) -> ExtractedForm:
        if "boom" in name:
            raise RuntimeError("a bug in a reader")
        return read_document(data, name)

    app = FormsApp(home, read=read)
    watcher = FolderWatcher(app, WatchSettings(settle_seconds=SETTLE))
    (home.inbox / "boom.docx").write_bytes(forms[6].data)
    drop(home, forms[7])
    drop(home, forms[8])
    try:
        watcher.run(once=True)
    finally:
        app.close()
    assert len(archived(home)) == 2
    assert [p.name for p in rejected(home)] == ["boom.docx"]
    note = (home.rejected / "boom.docx.reason.txt").read_text()
    assert "an unexpected error; the Host has been told" in note and "bug" not in note
    assert any(k.startswith("watch-error:") for k in db_counts(home)["mail_keys"])


def test_once_exit_codes(home: Home, forms: list[Form]) -> None:
    runner = CliRunner()
    args = ["--home", str(home.root), "watch", "--once", "--settle", str(SETTLE), "--json"]
    empty = runner.invoke(cli, args)
    assert empty.exit_code == 0, empty.output
    good = [f for i, f in enumerate(forms[:9]) if i % 10 != 9]
    drop(home, good[0])
    first = runner.invoke(cli, args)
    assert first.exit_code in (0, 1)
    import json

    rows = json.loads(first.stdout)
    assert len(rows) == 1 and rows[0]["moved_to"].startswith("archive/by-date/")
    expected = 0 if rows[0]["status"] == "accepted" else 1
    assert first.exit_code == expected
    drop(home, forms[9])  # made with a mistake
    (home.inbox / "again.docx").write_bytes(good[0].data)  # the same bytes again: a duplicate
    second = runner.invoke(cli, args)
    assert second.exit_code == 1
    statuses = sorted(r["status"] for r in json.loads(second.stdout))
    assert statuses == ["duplicate", "invalid"]
    assert len(list((home.mail_outbox).glob("*.eml"))) == 2  # one acknowledgement each, none for the duplicate


def test_refuses_to_start_with_folders_inside_the_inbox(home: Home) -> None:
    cfg = home.root / "cluster.toml"
    cfg.write_text(cfg.read_text().replace('processing = "processing"', 'processing = "inbox/processing"', 1))
    result = CliRunner().invoke(cli, ["--home", str(home.root), "watch", "--once"])
    if isinstance(result.exception, ConfigError):
        assert "inside the inbox" in result.exception.message
    else:
        assert result.exit_code == ExitCode.CONFIG and "inside the inbox" in result.output


def test_polling_instead_of_file_events(home: Home, forms: list[Form], run_watcher: Callable[..., ThreadWatcher]) -> None:
    tw = run_watcher(poll_seconds=0.2)
    drop(home, forms[10], sub="deep/er")
    wait_for(lambda: len(archived(home)) == 1)
    assert tw.outcomes[0].file == f"deep/er/{forms[10].name}"


def test_files_already_whole_in_the_inbox_at_start_need_not_settle_again(home: Home, forms: list[Form]) -> None:
    drop(home, forms[11])
    half = home.inbox / "half.docx"
    half.write_bytes(forms[12].data[: len(forms[12].data) // 2])
    # The injected wall clock says five minutes have passed since the files were written.
    later = datetime.now(UTC) + timedelta(minutes=5)
    for trusted, expected in ((True, [forms[11].name]), (False, [])):
        app = FormsApp(home)
        settings = WatchSettings(settle_seconds=30.0, grace_seconds=600.0, trust_file_times=trusted)
        watcher = FolderWatcher(app, settings, now=lambda: later)
        try:
            watcher.start()
            # A whole file unchanged on disk for longer than the settle time is taken at once; a file
            # that does not look whole still waits (its grace period counts from now).
            assert [c.path.name for c in watcher.ready()] == expected
        finally:
            watcher.close()
            app.close()


class GatedReader:
    """The real reader, held at a gate so a test can stop the watcher with files in hand."""

    def __init__(self) -> None:
        self.gate = threading.Event()

    def __call__(self, data: bytes, name: str) -> ExtractedForm:
        if not self.gate.wait(timeout=60):
            raise AssertionError("the gate was never opened")
        return read_document(data, name)


def _start_gated(home: Home, n_files: int, forms: list[Form]) -> tuple[FormsApp, FolderWatcher, threading.Thread, GatedReader]:
    reader = GatedReader()
    app = FormsApp(home, read=reader)
    watcher = FolderWatcher(app, WatchSettings(settle_seconds=SETTLE))
    for f in forms:
        drop(home, f)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    wait_for(lambda: len(processing(home)) == n_files)  # every file claimed, none read yet
    return app, watcher, thread, reader


def test_a_stop_finishes_the_files_in_hand(home: Home, forms: list[Form]) -> None:
    batch = forms[20:26]
    app, watcher, thread, reader = _start_gated(home, len(batch), batch)
    try:
        watcher.stop()
        reader.gate.set()
        thread.join(timeout=60)
        assert not thread.is_alive()
    finally:
        app.close()
    assert len(archived(home)) == len(batch) and not processing(home) and not inbox_files(home)
    assert watcher.unfinished == 0 and len(watcher.outcomes) == len(batch)


def test_an_abort_leaves_the_rest_claimed_and_the_next_watcher_finishes_them(home: Home, forms: list[Form]) -> None:
    batch = forms[30:36]
    app, watcher, thread, reader = _start_gated(home, len(batch), batch)
    try:
        watcher.abort()
        reader.gate.set()
        thread.join(timeout=60)
        assert not thread.is_alive()
    finally:
        app.close()
    assert len(watcher.outcomes) == 1 and watcher.unfinished == len(batch) - 1
    assert len(processing(home)) == len(batch) - 1 and not inbox_files(home)
    # The next watcher finishes them first, each recorded once.
    app = FormsApp(home)
    try:
        FolderWatcher(app, WatchSettings(settle_seconds=SETTLE)).run(once=True)
    finally:
        app.close()
    assert len(archived(home)) == len(batch) and not processing(home)
    counts = db_counts(home)
    assert counts["recorded_names"] == {f.name: 1 for f in batch}
    assert set(counts["acks_per_ref"].values()) == {1}


def test_a_file_over_the_size_limit_is_refused_unread(home: Home, forms: list[Form]) -> None:
    storage = home.config.storage.model_copy(update={"max_file_mb": 0.001})
    small = Home(home.root, home.config.model_copy(update={"storage": storage}))
    big = forms[13]
    assert len(big.data) > 1100
    drop(small, big)
    app = FormsApp(small)
    try:
        outcomes = FolderWatcher(app, WatchSettings(settle_seconds=SETTLE)).run(once=True)
    finally:
        app.close()
    assert [o.status for o in outcomes] == ["rejected"] and "the largest accepted is" in outcomes[0].messages[0]
    assert (home.rejected / big.name).read_bytes() == big.data
    note = (home.rejected / f"{big.name}.reason.txt").read_text()
    assert "the largest accepted is" in note and "What to do:" in note
    assert not archived(home) and db_counts(home)["submissions"] == {}


def test_a_file_that_cannot_be_moved_is_left_alone_and_the_rest_go_on(
    home: Home, forms: list[Form], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from forms_processor.intake import folder

    real_claim = folder.ProcessingArea.claim

    def claim(self: folder.ProcessingArea, cand: folder.Candidate, now: datetime) -> folder.Claimed | None:
        if cand.path.name == "locked.docx":  # as a file owned by another user on a shared folder
            raise PermissionError(13, "Permission denied")
        return real_claim(self, cand, now)

    monkeypatch.setattr(folder.ProcessingArea, "claim", claim)
    (home.inbox / "locked.docx").write_bytes(forms[14].data)
    drop(home, forms[15])
    app = FormsApp(home)
    try:
        outcomes = FolderWatcher(app, WatchSettings(settle_seconds=SETTLE)).run(once=True)
    finally:
        app.close()
    assert [o.file for o in outcomes] == [forms[15].name]
    assert (home.inbox / "locked.docx").read_bytes() == forms[14].data
    assert "locked.docx could not be taken from the inbox (Permission denied)" in caplog.text


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on loopback that accepts connections and never says a word (a hung
    mail server: the client waits for its greeting until its own timeout)."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield int(listener.getsockname()[1])
    listener.close()
    for conn in held:
        conn.close()


def test_a_hung_mailbox_never_holds_up_the_folder(home: Home, forms: list[Form], silent_server: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from forms_processor.config import Imap
    from forms_processor.drivers.scheduler import mail_tasks

    monkeypatch.setenv("FORMS_TEST_IMAP_PW", "x")
    imap = Imap(host="127.0.0.1", port=silent_server, username="forms", password_env="FORMS_TEST_IMAP_PW",
                security="plain", poll_seconds=5)
    hung = Home(home.root, home.config.model_copy(update={"imap": imap}))
    app = FormsApp(hung)
    tasks = mail_tasks(app)
    watcher = FolderWatcher(app, WatchSettings(settle_seconds=SETTLE, side_task_grace=1.0))
    thread = threading.Thread(target=watcher.run, kwargs={"periodic": tasks.periodic, "after_batch": tasks.send},
                              daemon=True)
    try:
        thread.start()
        wait_for(lambda: any(t.name == "forms-mailbox" for t in threading.enumerate()))
        drop(hung, forms[16])
        # The mailbox poll waits for a greeting that never comes (60 s); the form is taken and
        # its acknowledgement written meanwhile, well within the 5 s goal.
        started = time.monotonic()
        wait_for(lambda: list(hung.mail_outbox.glob("*.eml")), timeout=10)
        assert time.monotonic() - started < 5
        assert len(archived(hung)) == 1
        watcher.stop()
        stopping = time.monotonic()
        thread.join(timeout=10)
        assert not thread.is_alive() and time.monotonic() - stopping < 5  # not the 60 s of the mailbox
    finally:
        watcher.stop()
        thread.join(timeout=10)
        tasks.close()
        app.close()


def test_a_saved_email_dropped_in_the_folder_gives_its_forms_as_forms_ingest_does(home: Home, forms: list[Form]) -> None:
    from forms_processor.intake.email_parts import build_message

    senco = home.config.schools[1].senco_email or ""
    with_forms = build_message(senco, "send.host@example.org", "Our forms", "Attached.",
                               [("one.docx", forms[17].data), ("broken.pdf", b"%PDF-1.4 not really")])
    (home.inbox / "Our forms.eml").write_bytes(with_forms.as_bytes())
    (home.inbox / "Just a note.eml").write_bytes(build_message(senco, "x@example.org", "Hi", "No form.", []).as_bytes())
    app = FormsApp(home)
    try:
        outcomes = FolderWatcher(app, WatchSettings(settle_seconds=SETTLE)).run(once=True)
    finally:
        app.close()
    by_file = {o.file: o for o in outcomes}
    assert set(by_file) == {"Our forms.eml > one.docx", "Our forms.eml > broken.pdf", "Just a note.eml"}
    assert by_file["Our forms.eml > one.docx"].status in ("accepted", "invalid")
    assert by_file["Our forms.eml > one.docx"].reference
    assert by_file["Our forms.eml > broken.pdf"].status == "rejected"
    # The email with a form is archived whole; the one without is in rejected/, with why.
    assert [p.name.split(" ", 1)[1] for p in archived(home)] == ["Our forms.eml"]
    assert by_file["Our forms.eml > one.docx"].moved_to == by_file["Our forms.eml > broken.pdf"].moved_to
    note = (home.rejected / "Just a note.eml.reason.txt").read_text()
    assert "This email has no Word or PDF form attached." in note
    counts = db_counts(home)
    assert counts["recorded_names"] == {"one.docx": 1, "broken.pdf": 1, "Just a note.eml": 1}


def test_a_settling_file_is_parsed_ahead_once_and_taken_only_when_settled(home: Home, forms: list[Form]) -> None:
    calls: list[str] = []
    lock = threading.Lock()

    def read(data: bytes, name: str) -> ExtractedForm:
        with lock:
            calls.append(hashlib.sha256(data).hexdigest())
        return read_document(data, name)

    clock = [1000.0]
    app = FormsApp(home, read=read)
    watcher = FolderWatcher(app, WatchSettings(settle_seconds=5.0, trust_file_times=False), clock=lambda: clock[0])
    try:
        watcher.start()
        drop(home, forms[12])
        watcher.hint(home.inbox / forms[12].name)
        assert watcher.ready() == []  # first sighting: not taken, but its parsing starts
        wait_for(lambda: len(calls) == 1)
        clock[0] += 2.0
        assert watcher.ready() == []  # still settling; the same bytes are not parsed again
        clock[0] += 4.0
        outcomes = watcher.step()
        assert [o.status for o in outcomes] == ["accepted"]
        assert calls == [hashlib.sha256(forms[12].data).hexdigest()]  # the claimed bytes used the early parse
    finally:
        watcher.close()
        app.close()
