"""The outgoing queue against a real SMTP server on loopback (aiosmtpd), and the .eml outbox."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from forms_processor.errors import ConfigError
from forms_processor.home import Home
from forms_processor.mail.queue import OutgoingMail, enqueue
from forms_processor.mail.sender import (
    MAX_ATTEMPTS,
    claim_next,
    mail_status,
    recover_stuck,
    retry,
    send_due,
    transport_for,
)
from forms_processor.mail.smtp import SmtpTransport
from forms_processor.mail.transport import FileTransport
from forms_processor.store.db import Database
from tests.support import free_port, wait_for

from .conftest import SmtpServer, make_cert, with_smtp

T0 = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


def queue(db: Database, n: int = 1, attachments: tuple[str, ...] = (), kind: str = "ack-accepted",
          cc: tuple[str, ...] = ()) -> list[int]:
    ids = []
    with db.atomic() as conn:
        for i in range(n):
            mail_id = enqueue(conn, OutgoingMail(
                dedupe_key=f"test:{kind}:{i}", kind=kind, to=(f"senco{i}@aldborough.example.org",),
                subject=f"Received: your application form, reference WVC-2627-AU2-{i:03d}",
                body=f"Hello,\n\nYour reference: WVC-2627-AU2-{i:03d}\n", reference=f"WVC-2627-AU2-{i:03d}",
                attachments=attachments, cc=cc,
            ))
            assert mail_id is not None
            ids.append(mail_id)
    # Make them due at T0 whatever the real clock says.
    db.execute("UPDATE outgoing_mail SET next_attempt_at = ?, created_at = ?", (T0.isoformat(), T0.isoformat()))
    return ids


def statuses(db: Database) -> dict[int, str]:
    return {r["id"]: r["status"] for r in db.query("SELECT id, status FROM outgoing_mail")}


@pytest.fixture
def db(home: Home) -> Database:
    d = Database(home.database)
    yield d
    d.close()


def test_smtp_delivers_with_attachment_cc_and_no_file_magic(home: Home, db: Database, smtp_server: SmtpServer) -> None:
    resp = home.responses
    resp.mkdir(parents=True, exist_ok=True)
    (resp / "Réponse WVC-2627-AU2-000.pdf").write_bytes(b"%PDF-1.4 response form")
    # A body that is the path of a real file must be sent as text, never attached.
    secret = home.root / "cluster.toml"
    db_ids = queue(db, 1, attachments=("outbox/responses/Réponse WVC-2627-AU2-000.pdf",), cc=("head@aldborough.example.org",))
    db.execute("UPDATE outgoing_mail SET body = ?", (str(secret),))
    h = with_smtp(home, smtp_server.port)
    transport = transport_for(h)
    assert isinstance(transport, SmtpTransport)
    try:
        report = send_due(db, h, transport, T0)
    finally:
        transport.close()
    assert [s["id"] for s in report.sent] == db_ids
    got = wait_for(lambda: smtp_server.received)
    assert len(got) == 1
    rec = got[0]
    assert set(rec.rcpt_tos) == {"senco0@aldborough.example.org", "head@aldborough.example.org"}
    msg = rec.message
    assert msg["Subject"] == "Received: your application form, reference WVC-2627-AU2-000"
    assert msg["Cc"] == "head@aldborough.example.org"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Forms-Reference"] == "WVC-2627-AU2-000"
    names = [p.get_filename() for p in msg.iter_attachments()]
    assert names == ["Réponse WVC-2627-AU2-000.pdf"]
    att = next(msg.iter_attachments())
    assert att.get_content() == b"%PDF-1.4 response form"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert str(secret) in text
    assert b"[cluster]" not in rec.data  # the file was not attached
    row = db.one("SELECT status, sent_via, sent_at FROM outgoing_mail")
    assert row["status"] == "sent" and row["sent_via"].startswith("smtp:") and row["sent_at"]


def test_server_down_then_up_each_mail_delivered_exactly_once(home: Home, db: Database) -> None:
    server = SmtpServer()  # a port with nothing listening yet
    ids = queue(db, 3)
    h = with_smtp(home, server.port)
    transport = transport_for(h)
    report = send_due(db, h, transport, T0)
    assert report.sent == [] and report.unavailable
    row = db.one("SELECT * FROM outgoing_mail WHERE id = ?", (ids[0],))
    assert row["status"] == "queued" and row["attempts"] == 1 and row["last_error"]
    assert row["next_attempt_at"] == (T0 + timedelta(minutes=1)).isoformat()
    # The rest wait with it, without an attempt counted.
    others = db.query("SELECT attempts, next_attempt_at FROM outgoing_mail WHERE id != ?", (ids[0],))
    assert all(r["attempts"] == 0 and r["next_attempt_at"] == row["next_attempt_at"] for r in others)
    # Not due yet: nothing is tried.
    assert send_due(db, h, transport, T0 + timedelta(seconds=30)).deferred == []
    # Still down a minute later: backoff grows.
    report = send_due(db, h, transport, T0 + timedelta(minutes=1))
    assert report.unavailable
    row = db.one("SELECT attempts, next_attempt_at FROM outgoing_mail WHERE id = ?", (ids[0],))
    assert row["attempts"] == 2 and row["next_attempt_at"] == (T0 + timedelta(minutes=3)).isoformat()
    assert set(statuses(db).values()) == {"queued"}

    server.start()
    try:
        later = T0 + timedelta(minutes=3)
        report = send_due(db, h, transport, later)
        assert sorted(s["id"] for s in report.sent) == ids
        # Running again sends nothing more.
        assert send_due(db, h, transport, later + timedelta(hours=1)).sent == []
        got = wait_for(lambda: len(server.received) >= 3 and server.received)
        transport.close()
        assert sorted(r.rcpt_tos[0] for r in got) == [f"senco{i}@aldborough.example.org" for i in range(3)]
        assert len({r.message["Message-ID"] for r in got}) == 3
    finally:
        server.stop()
    assert set(statuses(db).values()) == {"sent"}


def test_failed_after_max_attempts_then_retry_by_hand(home: Home, db: Database) -> None:
    ids = queue(db, 1)
    h = with_smtp(home, free_port())
    transport = transport_for(h)
    now = T0
    for _ in range(MAX_ATTEMPTS):
        send_due(db, h, transport, now)
        now += timedelta(hours=2)
    row = db.one("SELECT status, attempts FROM outgoing_mail")
    assert row["status"] == "failed" and row["attempts"] == MAX_ATTEMPTS
    status = mail_status(db, now)
    assert status["counts"]["failed"] == 1
    assert status["errors"][0]["id"] == ids[0] and "body" not in status["errors"][0]
    result = retry(db, None, now)
    assert result["requeued"] == ids
    assert statuses(db) == {ids[0]: "queued"}


def test_two_senders_never_claim_the_same_mail(home: Home, db: Database) -> None:
    queue(db, 5)
    other = Database(home.database)
    try:
        claimed = []
        for _ in range(6):
            for d in (db, other):
                m = claim_next(d, T0)
                if m is not None:
                    claimed.append(m.id)
        assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 5
    finally:
        other.close()


def test_mail_stuck_in_sending_is_recovered_after_its_lease(home: Home, db: Database, smtp_server: SmtpServer) -> None:
    queue(db, 1)
    mail = claim_next(db, T0)  # ... and the process dies here
    assert mail is not None
    assert recover_stuck(db, T0 + timedelta(minutes=1)) == 0  # maybe another process is sending it
    assert recover_stuck(db, T0 + timedelta(minutes=11)) == 1
    h = with_smtp(home, smtp_server.port)
    t = transport_for(h)
    report = send_due(db, h, t, T0 + timedelta(minutes=11))
    t.close()
    assert len(report.sent) == 1
    wait_for(lambda: len(smtp_server.received) == 1)


def test_refused_recipient_fails_at_once(home: Home, db: Database) -> None:
    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
            return "550 no such user"

    server = SmtpServer()
    server.sink = Refuse()  # type: ignore[assignment]
    server.start()
    try:
        queue(db, 1)
        h = with_smtp(home, server.port)
        t = transport_for(h)
        report = send_due(db, h, t, T0)
        t.close()
    finally:
        server.stop()
    assert len(report.failed) == 1
    assert db.one("SELECT status FROM outgoing_mail")["status"] == "failed"


def test_missing_attachment_fails_without_connecting(home: Home, db: Database) -> None:
    queue(db, 1, attachments=("outbox/responses/gone.pdf",))
    t = transport_for(with_smtp(home, free_port()))
    report = send_due(db, home, t, T0)
    assert report.failed and "missing" in report.failed[0]["error"]


def test_starttls_verifies_the_certificate_and_logs_in(home: Home, db: Database, tmp_path: Path) -> None:
    certs = make_cert(tmp_path / "tls")

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"forms" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    server = SmtpServer(tls_context=certs.server_context(), require_starttls=True, authenticator=authenticator,
                        auth_required=True)
    server.start()
    os.environ["FORMS_TEST_SMTP_PW"] = "s3cret"
    try:
        queue(db, 2)
        h = with_smtp(home, server.port, security="starttls", username="forms", password_env="FORMS_TEST_SMTP_PW")
        # An untrusted certificate (the system's default trust store) is refused: verification is on.
        untrusted = transport_for(h)
        report = send_due(db, h, untrusted, T0)
        assert report.unavailable and "certificate" in report.unavailable
        assert server.received == []
        trusted = transport_for(h, ssl_context=certs.client_context())
        report = send_due(db, h, trusted, T0 + timedelta(hours=1))
        trusted.close()
        assert len(report.sent) == 2
        wait_for(lambda: len(server.received) == 2)
        # A wrong password is reported, and the mail stays queued.
        queue_more = db.execute("UPDATE outgoing_mail SET status = 'queued', next_attempt_at = ?", (T0.isoformat(),))
        assert queue_more.rowcount == 2
        os.environ["FORMS_TEST_SMTP_PW"] = "wrong"
        bad = transport_for(h, ssl_context=certs.client_context())
        report = send_due(db, h, bad, T0 + timedelta(hours=2))
        assert report.unavailable and "password" in report.unavailable
    finally:
        os.environ.pop("FORMS_TEST_SMTP_PW", None)
        server.stop()


def test_password_env_missing_is_a_config_error(home: Home) -> None:
    h = with_smtp(home, 2525, security="starttls", username="forms", password_env="FORMS_TEST_UNSET_VAR")
    with pytest.raises(ConfigError) as err:
        transport_for(h)
    assert "FORMS_TEST_UNSET_VAR" in err.value.message


def test_plain_smtp_only_to_localhost(home: Home) -> None:
    from pydantic import ValidationError

    from forms_processor.config import Smtp

    # The configuration refuses it first ...
    with pytest.raises(ValidationError, match="only for a server on this machine"):
        Smtp(host="smtp.example.org", security="plain")
    # ... and the transport refuses it again, should a Smtp be built without checks.
    with pytest.raises(ConfigError):
        SmtpTransport(Smtp.model_construct(host="smtp.example.org", port=25, security="plain"), home.root,
                      sender="a@b.example.org")


def test_file_transport_writes_readable_owner_only_eml(home: Home, db: Database) -> None:
    resp = home.responses
    resp.mkdir(parents=True, exist_ok=True)
    (resp / "response.docx").write_bytes(b"PK fake docx")
    ids = queue(db, 2, attachments=("outbox/responses/response.docx",))
    transport = transport_for(home)
    assert isinstance(transport, FileTransport)
    report = send_due(db, home, transport, T0)
    assert [s["id"] for s in report.sent] == ids
    files = sorted(home.mail_outbox.glob("*.eml"))
    assert [f.name for f in files] == [
        "2026-11-29 0930 ack WVC-2627-AU2-000.eml",
        "2026-11-29 0930 ack WVC-2627-AU2-001.eml",
    ]
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.mail_outbox.stat().st_mode) == 0o700
    msg = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert msg["To"] == "senco0@aldborough.example.org"
    assert "WVC-2627-AU2-000" in msg.get_body(preferencelist=("plain",)).get_content()
    assert [a.get_filename() for a in msg.iter_attachments()] == ["response.docx"]
    row = db.one("SELECT sent_via FROM outgoing_mail WHERE id = ?", (ids[0],))
    assert row["sent_via"] == f"file:{files[0]}"
    # Sending the same queued mail again (a crash before 'sent' was recorded) writes no second file.
    from forms_processor.mail.sender import _row_to_mail

    again = transport.send(_row_to_mail(db.one("SELECT * FROM outgoing_mail WHERE id = ?", (ids[0],))))
    assert again == f"file:{files[0]}"
    assert len(list(home.mail_outbox.glob("*.eml"))) == 2


def test_a_mail_left_sending_by_a_killed_process_goes_at_the_next_send(home: Home, db: Database,
                                                                         smtp_server: SmtpServer) -> None:
    queue(db, 2)
    assert claim_next(db, T0) is not None  # a sender claims one ... and is killed (its lock dies with it)
    h = with_smtp(home, smtp_server.port)
    t = transport_for(h)
    try:
        report = send_due(db, h, t, T0 + timedelta(seconds=5))  # not ten minutes later: at once
    finally:
        t.close()
    assert report.recovered == 1 and len(report.sent) == 2
    wait_for(lambda: len(smtp_server.received) == 2)
    assert set(statuses(db).values()) == {"sent"}


def test_only_one_process_sends_at_a_time(home: Home, db: Database, smtp_server: SmtpServer) -> None:
    import subprocess
    import sys

    from forms_processor.mail.sender import SENDER_LOCK

    queue(db, 2)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX);"
         " print('locked', flush=True); time.sleep(60)", str(home.database.parent / SENDER_LOCK)],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        h = with_smtp(home, smtp_server.port)
        t = transport_for(h)
        report = send_due(db, h, t, T0)
        assert report.busy and report.sent == [] and set(statuses(db).values()) == {"queued"}
    finally:
        holder.kill()
        holder.wait()
    report = send_due(db, h, t, T0)  # the other process has gone: this one sends
    t.close()
    assert len(report.sent) == 2 and not report.busy
