"""A mail server that takes 30 s for every reply: sending gives up on its own timeout,
and 'forms watch' still stops within a few seconds of SIGTERM, without touching a
closed database."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime

import pytest

from forms_processor.home import Home
from forms_processor.mail.queue import OutgoingMail, enqueue
from forms_processor.mail.sender import send_due, transport_for
from forms_processor.store.db import Database
from tests.support import wait_for
from tests.watcher.conftest import Form, archived, drop, start_process

from .conftest import HostileServer, integrity_ok, with_smtp


def add_smtp(home: Home, port: int, timeout: float | None = None) -> None:
    extra = f"timeout_seconds = {timeout}\n" if timeout else ""
    text = (home.root / "cluster.toml").read_text()
    (home.root / "cluster.toml").write_text(
        text + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "plain"\n'
        f'sender = "send.host@wensum-high.example.org"\n{extra}')


def test_a_stalling_server_is_given_up_on_after_the_timeout(home: Home, hostile: HostileServer) -> None:
    hostile.handler.delay = 30
    h = with_smtp(home, hostile.port, timeout_seconds=1.0)
    db = Database(h.database)
    try:
        with db.atomic() as conn:
            enqueue(conn, OutgoingMail(dedupe_key="slow:1", kind="ack-accepted", to=("a@aldborough.example.org",),
                                       subject="s", body="b"))
        transport = transport_for(h)
        start = time.monotonic()
        try:
            report = send_due(db, h, transport, datetime.now(UTC))
        finally:
            transport.close()
        took = time.monotonic() - start
    finally:
        db.close()
    assert report.unavailable and took < 5, (report, took)
    assert integrity_ok(h.database)


@pytest.mark.slow
def test_forms_watch_stops_within_seconds_on_sigterm_with_a_stalling_server(
        home: Home, forms: list[Form], hostile: HostileServer) -> None:
    hostile.handler.delay = 30
    add_smtp(home, hostile.port)
    proc = start_process(home)
    try:
        drop(home, forms[0])
        wait_for(lambda: len(archived(home)) == 1, timeout=60)
        time.sleep(1.0)  # the mail lane is now waiting for the server's first reply
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        took = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    text = err.decode("utf-8", "replace")
    assert proc.returncode == 0, (proc.returncode, text)
    assert took < 8, (took, text)
    assert "Traceback" not in text and "ProgrammingError" not in text and "unexpected" not in text
    db = Database(home.database)
    try:
        rows = db.query("SELECT status FROM outgoing_mail")
    finally:
        db.close()
    assert [r["status"] for r in rows] in (["queued"], ["sending"])  # never lost, never marked sent
    assert integrity_ok(home.database)


