"""'forms watch' beside a mail server that goes silent at any stage (before its greeting,
in the middle of the TLS handshake, after EHLO, MAIL or DATA; an IMAP server before its greeting, at LOGIN or at the first
folder command) stops on SIGTERM within a few seconds: the connection is cut from the
stopping side, the mail and mailbox threads have stopped before the database is closed,
nothing is lost and nothing doubled."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from forms_processor.home import Home
from forms_processor.store.db import Database
from tests.support import wait_for
from tests.watcher.conftest import Form, archived, drop, start_process

from .conftest import Stalling, integrity_ok

# Generous enough for a loaded 2-core machine; the stop measured here is about 1.5 s.
STOP_BOUND = 5.0


def configure(home: Home, text: str) -> None:
    path = home.root / "cluster.toml"
    path.write_text(path.read_text() + text)


def stop_and_measure(proc: subprocess.Popen[bytes]) -> tuple[float, str]:
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return time.monotonic() - start, err.decode("utf-8", "replace")


def assert_clean_stop(proc: subprocess.Popen[bytes], took: float, err: str, home: Home, what: str) -> None:
    print(f"stop beside {what}: {took:.2f} s")
    assert proc.returncode == 0, (proc.returncode, err)
    assert took < STOP_BOUND, (what, took, err)
    for bad in ("Traceback", "ProgrammingError", "unexpected", "stopping without waiting"):
        assert bad not in err, (what, bad, err)  # the last: a lane still running at the close
    assert integrity_ok(home.database)


@pytest.mark.slow
@pytest.mark.parametrize(("stage", "security"), [("connect", "plain"), ("handshake", "ssl"), ("EHLO", "plain"),
                                                 ("MAIL", "plain"), ("DATA", "plain")])
def test_stop_beside_a_stalled_smtp_server(home: Home, forms: list[Form], stage: str, security: str) -> None:
    with Stalling("smtp", stage) as server:
        configure(home, f'\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "{security}"\n'
                  'sender = "send.host@wensum-high.example.org"\n')
        proc = start_process(home)
        try:
            drop(home, forms[0])
            wait_for(lambda: len(archived(home)) == 1, timeout=60)
            assert server.stalled.wait(30), "the watcher never reached the stalled stage"
        except BaseException:
            proc.kill()
            proc.communicate()
            raise
        took, err = stop_and_measure(proc)
    assert_clean_stop(proc, took, err, home, f"an SMTP server silent at {stage}")
    db = Database(home.database)
    try:
        rows = [r["status"] for r in db.query("SELECT status FROM outgoing_mail")]
        forms_recorded = db.one("SELECT COUNT(*) FROM forms")[0]
    finally:
        db.close()
    assert forms_recorded == 1
    assert rows in (["queued"], ["sending"]), rows  # never lost, never marked sent


@pytest.mark.slow
@pytest.mark.parametrize(("stage", "security"), [("connect", "plain"), ("handshake", "ssl"), ("LOGIN", "plain"),
                                                 ("LIST", "plain")])
def test_stop_beside_a_stalled_imap_server(home: Home, forms: list[Form], stage: str, security: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMS_TEST_STALL_PW", "secret")
    with Stalling("imap", stage) as server:
        configure(home, f'\n[imap]\nhost = "127.0.0.1"\nport = {server.port}\nusername = "forms@wensum-high.example.org"\n'
                  f'password_env = "FORMS_TEST_STALL_PW"\nsecurity = "{security}"\npoll_seconds = 60\n')
        proc = start_process(home)
        try:
            assert server.stalled.wait(30), "the watcher never reached the stalled stage"
            for form in forms[:2]:
                drop(home, form)
            wait_for(lambda: len(archived(home)) == 2, timeout=60)
        except BaseException:
            proc.kill()
            proc.communicate()
            raise
        took, err = stop_and_measure(proc)
    assert_clean_stop(proc, took, err, home, f"an IMAP server silent at {stage}")
    db = Database(home.database)
    try:
        subs = db.one("SELECT COUNT(*) FROM submissions")[0]
        forms_recorded = db.one("SELECT COUNT(*) FROM forms")[0]
        keys = [r["dedupe_key"] for r in db.query("SELECT dedupe_key FROM outgoing_mail")]
    finally:
        db.close()
    assert (subs, forms_recorded) == (2, 2)  # each form once
    assert len(keys) == len(set(keys)) == 2  # one acknowledgement each, none twice
