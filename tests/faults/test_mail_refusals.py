"""A mail server that refuses one email, for good (5xx) or for now (4xx), at RCPT or at
DATA: that email fails or waits on its own, and the others go on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from forms_processor.cli import cli
from forms_processor.home import Home
from forms_processor.mail.queue import OutgoingMail, enqueue
from forms_processor.mail.sender import mail_status, send_due, transport_for
from forms_processor.store.db import Database

from .conftest import HostileServer, integrity_ok, with_smtp

T0 = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


def queue_four(db: Database) -> list[int]:
    ids = []
    with db.atomic() as conn:
        for i in range(4):
            mail_id = enqueue(conn, OutgoingMail(
                dedupe_key=f"fault:{i}", kind="ack-accepted", to=(f"senco{i}@aldborough.example.org",),
                subject=f"Received: your form, reference WVC-2627-AU2-{i:03d} (mail{i})",
                body=f"Hello,\n\nmail{i}\n", reference=f"WVC-2627-AU2-{i:03d}",
            ))
            assert mail_id is not None
            ids.append(mail_id)
    db.execute("UPDATE outgoing_mail SET next_attempt_at = ?, created_at = ?", (T0.isoformat(), T0.isoformat()))
    return ids


def row(db: Database, mail_id: int) -> dict[str, object]:
    return dict(db.query("SELECT status, attempts, next_attempt_at, last_error FROM outgoing_mail WHERE id = ?",
                         (mail_id,))[0])


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_refused_email_fails_or_waits_alone_and_the_others_go(home: Home, hostile: HostileServer, stage: str) -> None:
    if stage == "rcpt":
        hostile.handler.rcpt_replies = {
            "senco0@aldborough.example.org": "550 5.1.1 No such mailbox here",
            "senco1@aldborough.example.org": "451 4.3.0 Try again later, greylisted",
        }
    else:
        hostile.handler.data_replies = {
            b"(mail0)": "550 5.7.1 Message rejected as spam",
            b"(mail1)": "451 4.3.0 Try again later, greylisted",
        }
    h = with_smtp(home, hostile.port)
    db = Database(h.database)
    try:
        ids = queue_four(db)
        transport = transport_for(h)
        try:
            report = send_due(db, h, transport, T0)
        finally:
            transport.close()
        # The two that were accepted went, although two before them were refused.
        assert sorted(s["id"] for s in report.sent) == ids[2:]
        assert len(hostile.handler.received) == 2
        assert report.unavailable is None
        # 5xx: failed at once, with the server's words.
        permanent = row(db, ids[0])
        assert permanent["status"] == "failed" and permanent["attempts"] == 1
        assert "550" in str(permanent["last_error"]) and ("No such mailbox" in str(permanent["last_error"])
                                                          or "rejected as spam" in str(permanent["last_error"]))
        # 4xx: waits for its own back-off; nothing else was postponed.
        temporary = row(db, ids[1])
        assert temporary["status"] == "queued" and temporary["attempts"] == 1
        assert datetime.fromisoformat(str(temporary["next_attempt_at"])) > T0
        assert "451" in str(temporary["last_error"]) and "greylisted" in str(temporary["last_error"])
        assert [d["id"] for d in report.deferred] == [ids[1]]
        assert [f["id"] for f in report.failed] == [ids[0]]

        # The Host sees the server's words in 'forms mail status'.
        status = mail_status(db, T0)
        errors = {e["id"]: e for e in status["errors"]}
        assert errors[ids[0]]["status"] == "failed" and "550" in errors[ids[0]]["last_error"]

        # Later the server takes the greylisted one: sent once, after its back-off, not before.
        hostile.handler.rcpt_replies, hostile.handler.data_replies = (
            {"senco0@aldborough.example.org": "550 5.1.1 No such mailbox here"} if stage == "rcpt" else {}, {})
        transport = transport_for(h)
        try:
            assert send_due(db, h, transport, T0 + timedelta(seconds=10)).sent == []
            later = send_due(db, h, transport, T0 + timedelta(minutes=2))
        finally:
            transport.close()
        assert [s["id"] for s in later.sent] == [ids[1]]
        assert row(db, ids[0])["status"] == "failed"  # a permanent refusal is never retried by itself
        assert len(hostile.handler.received) == 3
    finally:
        db.close()
    assert integrity_ok(h.database)


def test_mail_status_shows_the_servers_words(home: Home, hostile: HostileServer) -> None:
    hostile.handler.data_replies = {b"(mail0)": "554 5.7.1 Rejected: attachment type not allowed"}
    h = with_smtp(home, hostile.port)
    db = Database(h.database)
    try:
        ids = queue_four(db)
        transport = transport_for(h)
        try:
            send_due(db, h, transport, T0)
        finally:
            transport.close()
    finally:
        db.close()
    (h.root / "cluster.toml").write_text((h.root / "cluster.toml").read_text()
                                          + f'\n[smtp]\nhost = "127.0.0.1"\nport = {hostile.port}\nsecurity = "plain"\n')
    result = CliRunner().invoke(cli, ["--home", str(h.root), "mail", "status"])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if ln.strip().startswith(str(ids[0])))
    assert "failed" in line and "554" in line and "attachment type not allowed" in line
