"""The mailbox poller against a real IMAP server (pymap, started here) with real messages."""

from __future__ import annotations

import io
import os
import random
import socket
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from imap_tools import MailBoxUnencrypted

from forms_processor.api import FormsApp
from forms_processor.config import Config, Imap
from forms_processor.documents.fill import fill_docx, fill_pdf
from forms_processor.documents.samples import sample_application
from forms_processor.documents.templates import template_docx, template_pdf
from forms_processor.home import Home
from forms_processor.intake.email_parts import parse_email
from forms_processor.spec import APPLICATION
from forms_processor.workflow.mailbox import poll_mailbox
from tests.support import free_port, wait_for

USER, PASSWORD = "demouser", "demopass"
FOLDER = "SchoolForms"


# -- a real IMAP server ------------------------------------------------------------


def _pymap_command(port: int) -> list[str]:
    exe = Path(sys.executable).with_name("pymap")
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "pymap"]
    return [*base, "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict", "--demo-data",
            "--demo-user", USER, "--demo-password", PASSWORD]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            return s.recv(64).startswith(b"* OK")
    except OSError:
        return False


@pytest.fixture
def imap_port(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    log = open(tmp_path / "pymap.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(_pymap_command(port), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: proc.poll() is not None or _accepts(port), timeout=30)
        assert proc.poll() is None, (tmp_path / "pymap.log").read_text()
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def client(port: int) -> MailBoxUnencrypted:
    return MailBoxUnencrypted("127.0.0.1", port).login(USER, PASSWORD, initial_folder=None)


def append(port: int, msg: EmailMessage | bytes, folder: str = FOLDER) -> None:
    with client(port) as box:
        if not box.folder.exists(folder):
            box.folder.create(folder)
        box.append(msg if isinstance(msg, bytes) else msg.as_bytes(), folder, dt=None, flag_set=())


def folder_subjects(port: int, folder: str) -> list[str]:
    with client(port) as box:
        if not box.folder.exists(folder):
            return []
        box.folder.set(folder)
        return sorted(m.subject for m in box.fetch(mark_seen=False, bulk=False))


# -- real messages -----------------------------------------------------------------


class Forms:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.docx_t = template_docx(APPLICATION, config)
        self.pdf_t = template_pdf(APPLICATION, config)
        self.rng = random.Random(7)

    def application(self, school_index: int, kind: str = "docx", title: str | None = None) -> bytes:
        school = self.config.schools[school_index]
        values, _ = sample_application(self.config, self.rng, school=school, today=date(2026, 11, 20))
        if title:
            values["intervention_title"] = title
        return fill_docx(self.docx_t, values) if kind == "docx" else fill_pdf(self.pdf_t, values)


DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def message(sender: str, subject: str, body: str = "Please find our form attached.",
            attachments: list[tuple[str, bytes, tuple[str, str]]] = ()) -> EmailMessage:  # type: ignore[assignment]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "send.forms@wensum-high.example.org"
    msg["Subject"] = subject
    msg["Date"] = "Sun, 29 Nov 2026 09:15:00 +0000"
    msg["Message-ID"] = f"<{abs(hash(subject))}@test.example.org>"
    msg.set_content(body)
    for name, data, (maintype, subtype) in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def tnef_blob(files: list[tuple[str, bytes]]) -> bytes:
    """A minimal Outlook winmail.dat: signature, key, then per file the attachment
    attributes (rendering data starts an attachment; title; data), each
    level | id | type | length | data | checksum."""

    def attr(level: int, name: int, typ: int, data: bytes) -> bytes:
        return struct.pack("<BHHI", level, name, typ, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attr(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # TNEF version
    for name, data in files:
        out += attr(2, 0x9002, 0x0006, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8)  # rendering: starts one
        out += attr(2, 0x8010, 0x0001, name.encode("ascii") + b"\x00")  # file name
        out += attr(2, 0x800F, 0x0006, data)  # contents
    return out


def zip_of(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(name, data)
    return buf.getvalue()


def test_tnef_builder_is_read_by_the_parser() -> None:
    blob = tnef_blob([("form.docx", b"PK docx bytes")])
    em = message("a@b.example.org", "w", attachments=[("winmail.dat", blob, ("application", "ms-tnef"))])
    parsed = parse_email(em.as_bytes())
    assert [(a.file_name, a.data) for a in parsed.attachments] == [("form.docx", b"PK docx bytes")]


# -- the poll ----------------------------------------------------------------------


@pytest.fixture
def mail_app(home: Home, imap_port: int) -> Iterator[tuple[FormsApp, Imap]]:
    os.environ["FORMS_TEST_IMAP_PW"] = PASSWORD
    cfg = Imap(host="127.0.0.1", port=imap_port, username=USER, password_env="FORMS_TEST_IMAP_PW",
               security="plain", folder=FOLDER)
    h = Home(home.root, home.config.model_copy(update={"imap": cfg}))
    with FormsApp(h) as app:
        yield app, cfg
    os.environ.pop("FORMS_TEST_IMAP_PW", None)


def outgoing(app: FormsApp) -> list[dict[str, Any]]:
    return [dict(r) for r in app.db.query("SELECT id, kind, to_addrs, reference, subject, body FROM outgoing_mail ORDER BY id")]


def test_poll_real_mailbox_exactly_once(mail_app: tuple[FormsApp, Imap], imap_port: int) -> None:
    app, cfg = mail_app
    config = app.config
    forms = Forms(config)
    aldborough = config.schools[1]
    brampton = config.schools[2]
    assert aldborough.senco_email and brampton.senco_email
    a_addr, b_addr = aldborough.senco_email, brampton.senco_email

    # 1. A Word form with a non-ASCII name.
    append(imap_port, message(a_addr, "Application Élève", attachments=[
        ("Candidature_Élève_Ω.docx", forms.application(1, title="Speech and language groups"), DOCX)]))
    # 2. A PDF form inside a forwarded .eml.
    inner = message(b_addr, "Our application", attachments=[
        ("application.pdf", forms.application(2, "pdf", title="Sensory circuits"), ("application", "pdf"))])
    outer = message(b_addr, "Fwd: Our application", body="Forwarding the form below.")
    outer.add_attachment(inner)  # message/rfc822
    append(imap_port, outer)
    # 3. A winmail.dat holding a form.
    append(imap_port, message(a_addr, "Outlook form", attachments=[
        ("winmail.dat", tnef_blob([("funding.docx", forms.application(1, title="Lego therapy"))]),
         ("application", "ms-tnef"))]))
    # 4. A .zip of two forms.
    append(imap_port, message(b_addr, "Two forms zipped", attachments=[
        ("forms.zip", zip_of([("one.docx", forms.application(2, title="Precision teaching")),
                              ("two.pdf", forms.application(2, "pdf", title="Nurture group"))]),
         ("application", "zip"))]))
    # 5. No attachment: gets a reply.
    append(imap_port, message(a_addr, "Question about the deadline", body="When is the deadline?"))
    # 6. An unknown sender: quarantined, never answered.
    append(imap_port, message("someone@phish.example.com", "Invoice", attachments=[
        ("form.docx", forms.application(1, title="Fake"), DOCX)]))

    report = poll_mailbox(app, cfg)
    outcomes = {m.outcome for m in report.messages}
    assert len(report.messages) == 6, report
    assert [m.outcome for m in report.messages].count("ingested") == 4
    assert outcomes == {"ingested", "no-attachment", "quarantined"}
    assert all(m.moved for m in report.messages)

    subs = app.db.query("SELECT file_name, source, sender, subject, message_id, status, form_ref FROM submissions")
    names = sorted(s["file_name"] for s in subs)
    assert names == sorted(["Candidature_Élève_Ω.docx", "application.pdf", "funding.docx", "one.docx", "two.pdf"])
    assert all(s["source"] == "email" and s["message_id"] and s["sender"] in (a_addr, b_addr) for s in subs)
    assert all(s["status"] in ("accepted", "invalid") and s["form_ref"] for s in subs), [dict(s) for s in subs]
    assert app.db.one("SELECT COUNT(*) AS n FROM forms")["n"] == 5

    mails = outgoing(app)
    acks = [m for m in mails if m["kind"].startswith("ack")]
    assert len(acks) == 5
    replies = [m for m in mails if m["kind"] == "no-attachment"]
    assert len(replies) == 1 and a_addr in replies[0]["to_addrs"]
    assert "no form attached" in replies[0]["body"]
    assert not any("phish" in m["to_addrs"] for m in mails)

    assert folder_subjects(imap_port, FOLDER) == []
    assert folder_subjects(imap_port, cfg.quarantine_folder) == ["Invoice"]
    assert len(folder_subjects(imap_port, cfg.processed_folder)) == 5

    # Polling again processes nothing twice.
    again = poll_mailbox(app, cfg)
    assert again.messages == []
    assert len(outgoing(app)) == len(mails)
    assert app.db.one("SELECT COUNT(*) AS n FROM submissions")["n"] == 5


def test_failed_move_still_prevents_reprocessing(mail_app: tuple[FormsApp, Imap], imap_port: int) -> None:
    app, cfg = mail_app
    school = app.config.schools[1]
    append(imap_port, message(school.senco_email or "", "Just a question"))
    # The real server, with MOVE failing once (a dropped connection, a full quota...).
    from forms_processor.intake.mailbox import connect_imap

    def failing_move(c: Imap) -> Any:
        box = connect_imap(c)

        def move(uids: Any, folder: str) -> None:
            raise OSError("connection reset during MOVE")

        box.move = move
        return box

    first = poll_mailbox(app, cfg, connect=failing_move)
    assert [m.outcome for m in first.messages] == ["no-attachment"]
    assert first.messages[0].moved is False
    again = poll_mailbox(app, cfg, connect=failing_move)
    assert again.messages == [] and again.skipped == 1
    assert folder_subjects(imap_port, FOLDER) == ["Just a question"]
    assert len(outgoing(app)) == 1
    # When the move works again the next poll moves it, without processing it again.
    fixed = poll_mailbox(app, cfg)
    assert fixed.messages == [] and fixed.moves_retried == 1
    assert folder_subjects(imap_port, cfg.processed_folder) == ["Just a question"]


def test_overlapping_polls_claim_each_message_once(mail_app: tuple[FormsApp, Imap], imap_port: int) -> None:
    from forms_processor.workflow import mailbox as mb

    app, cfg = mail_app
    append(imap_port, message(app.config.schools[1].senco_email or "", "Hello there"))
    with client(imap_port) as box:
        box.folder.set(FOLDER)
        uidvalidity = str(box.folder.status(FOLDER, ["UIDVALIDITY"])["UIDVALIDITY"])
        uid = box.uids("ALL")[0]
    now = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
    # Another poll has just claimed the message:
    assert mb._claim(app, mb.mailbox_key(cfg), uidvalidity, uid, now)
    report = poll_mailbox(app, cfg, now=lambda: now)
    assert report.messages == [] and report.skipped == 1
    assert outgoing(app) == []
    # ... and died: after the lease the message is processed, once.
    later = now + mb.CLAIM_LEASE
    report = poll_mailbox(app, cfg, now=lambda: later)
    assert [m.outcome for m in report.messages] == ["no-attachment"]
    assert len(outgoing(app)) == 1


def test_acknowledgements_reach_a_real_smtp_server_without_pupil_details(
    mail_app: tuple[FormsApp, Imap], imap_port: int
) -> None:
    from forms_processor.mail.sender import send_due, transport_for

    from .conftest import SmtpServer, with_smtp

    app, cfg = mail_app
    config = app.config
    school = config.schools[1]
    rng = random.Random(11)
    for _ in range(50):  # a sample that names pupils
        values, _ = sample_application(config, rng, school=school, today=date(2026, 11, 20))
        if values.get("pupil_1_ref"):
            break
    assert values.get("pupil_1_ref")
    private = [str(values[k]) for k in values if k.startswith("pupil_") and k.endswith("_ref") and values[k]]
    private += [str(values["summary_of_need"]), str(values["intervention_description"])]
    form = fill_docx(template_docx(APPLICATION, config), values)
    append(imap_port, message(school.senco_email or "", "Our form", attachments=[("Form.docx", form, DOCX)]))
    append(imap_port, message(school.senco_email or "", "Forgot it", body="Sorry!"))
    poll_mailbox(app, cfg)

    server = SmtpServer()
    server.start()
    try:
        h = with_smtp(app.home, server.port)
        transport = transport_for(h)
        report = send_due(app.db, h, transport, datetime.now(UTC))
        transport.close()
        assert len(report.sent) == 2, report
        got = wait_for(lambda: len(server.received) >= 2 and server.received)
    finally:
        server.stop()
    ref = app.db.one("SELECT reference FROM forms")["reference"]
    by_subject = {r.message["Subject"]: r for r in got}
    ack = next(r for s, r in by_subject.items() if ref in s)
    assert ack.rcpt_tos == [school.senco_email]
    assert ref in ack.message.get_body(preferencelist=("plain",)).get_content()
    reply = next(r for s, r in by_subject.items() if s == "Re: Forgot it")
    assert "no form attached" in reply.message.get_body(preferencelist=("plain",)).get_content()
    for r in got:
        assert list(r.message.iter_attachments()) == []
        m = r.message
        text = str(m["Subject"]) + "".join(
            str(part.get_content()) for part in m.walk() if part.get_content_maintype() == "text"
        )
        assert ref in text or "no form attached" in text
        for secret in private:
            assert secret not in text


def test_forms_mail_check_command(home: Home, imap_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from click.testing import CliRunner

    from forms_processor.cli import cli
    from forms_processor.errors import ExitCode

    runner = CliRunner()
    res = runner.invoke(cli, ["--home", str(home.root), "mail", "check"])
    assert res.exit_code == ExitCode.CONFIG  # no [imap] yet
    with open(home.root / "cluster.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[imap]\nhost = "127.0.0.1"\nport = {imap_port}\nusername = "{USER}"\n'
                 f'password_env = "FORMS_TEST_IMAP_PW"\nsecurity = "plain"\nfolder = "{FOLDER}"\n')
    monkeypatch.setenv("FORMS_TEST_IMAP_PW", PASSWORD)
    append(imap_port, message(home.config.schools[1].senco_email or "", "No form here"))
    res = runner.invoke(cli, ["--home", str(home.root), "mail", "check", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [m["outcome"] for m in data["messages"]] == ["no-attachment"]
    res = runner.invoke(cli, ["--home", str(home.root), "mail", "check", "--json"])
    assert json.loads(res.stdout)["messages"] == []
    monkeypatch.setenv("FORMS_TEST_IMAP_PW", "wrong")
    res = runner.invoke(cli, ["--home", str(home.root), "mail", "check"])
    assert res.exit_code == ExitCode.MAIL_UNAVAILABLE


def test_imap_starttls_verifies_the_certificate(home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from forms_processor.errors import MailUnavailable
    from forms_processor.intake.mailbox import connect_imap

    from .conftest import make_cert

    certs = make_cert(tmp_path / "tls")
    port = free_port()
    cmd = _pymap_command(port)
    cmd.remove("--no-tls")
    cmd[cmd.index("dict"):cmd.index("dict")] = ["--cert", str(certs.cert), "--key", str(certs.key)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: proc.poll() is not None or _accepts(port), timeout=30)
        assert proc.poll() is None
        monkeypatch.setenv("FORMS_TEST_IMAP_PW", PASSWORD)
        cfg = Imap(host="localhost", port=port, username=USER, password_env="FORMS_TEST_IMAP_PW", security="starttls")
        with pytest.raises(MailUnavailable) as err:
            connect_imap(cfg)  # the system's trust store does not know this certificate
        assert "certificate" in err.value.message
        box = connect_imap(cfg, ssl_context=certs.client_context())
        try:
            assert box.folder.exists("INBOX")
        finally:
            box.logout()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_claim_left_by_a_killed_poll_is_taken_over_at_once(mail_app: tuple[FormsApp, Imap], imap_port: int) -> None:
    import socket

    from forms_processor.workflow import mailbox as mb

    app, cfg = mail_app
    append(imap_port, message(app.config.schools[1].senco_email or "", "First"))
    append(imap_port, message(app.config.schools[1].senco_email or "", "Second"))
    with client(imap_port) as box:
        box.folder.set(FOLDER)
        uidvalidity = str(box.folder.status(FOLDER, ["UIDVALIDITY"])["UIDVALIDITY"])
        first, second = box.uids("ALL")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        now = datetime.now(UTC)
        host = socket.gethostname()
        for uid, holder in ((first, f"{host} {dead.pid} 0123456789ab"), (second, f"{host} {alive.pid} 0123456789ab")):
            app.db.execute(
                "INSERT INTO processed_mail (mailbox, uidvalidity, uid, outcome, processed_at, detail)"
                " VALUES (?, ?, ?, 'processing', ?, ?)",
                (mb.mailbox_key(cfg), uidvalidity, uid, now.isoformat(timespec="seconds"), holder),
            )
        report = poll_mailbox(app, cfg)
    finally:
        alive.kill()
        alive.wait()
    # The poll killed mid-message is finished now (not 30 minutes later); the running one is left to it.
    assert [(m.uid, m.outcome) for m in report.messages] == [(first, "no-attachment")] and report.skipped == 1
    assert folder_subjects(imap_port, FOLDER) == ["Second"]
    assert mb.claim_is_dead(f"{socket.gethostname()} {os.getpid()} {'f' * 12}")  # this pid, an earlier run
    assert not mb.claim_is_dead(mb.claimant()) and not mb.claim_is_dead("otherhost 1 abc")


def test_forms_watch_once_reads_the_mailbox_and_shows_each_form(home: Home, imap_port: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from click.testing import CliRunner

    from forms_processor.cli import cli

    with open(home.root / "cluster.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[imap]\nhost = "127.0.0.1"\nport = {imap_port}\nusername = "{USER}"\n'
                 f'password_env = "FORMS_TEST_IMAP_PW"\nsecurity = "plain"\nfolder = "{FOLDER}"\n')
    monkeypatch.setenv("FORMS_TEST_IMAP_PW", PASSWORD)
    forms = Forms(home.config)
    sender = home.config.schools[1].senco_email or ""
    append(imap_port, message(sender, "Our form", attachments=[("Form.docx", forms.application(1), DOCX)]))
    append(imap_port, message(sender, "A photo of it", attachments=[("Form.jpg", b"\xff\xd8\xff\xe0" + bytes(100_000),
                                                                      ("image", "jpeg"))]))
    res = CliRunner().invoke(cli, ["--home", str(home.root), "watch", "--once", "--json"])
    assert res.exit_code in (0, 1), res.output
    rows = json.loads(res.stdout)
    # The picture, with no form beside it, is read as the form photographed: this one can't be opened.
    assert [r["file"] for r in rows] == [f"email from {sender}: Form.docx", f"email from {sender}: Form.jpg"]
    assert rows[0]["reference"] and rows[0]["status"] in ("accepted", "invalid")
    assert rows[1]["status"] == "rejected"
    assert f"email from {sender}: Form.docx" in res.stderr
    # The acknowledgement and the reply were sent (written to outbox/mail: no [smtp]).
    emls = sorted(home.mail_outbox.glob("*.eml"))
    assert len(emls) == 2
    from email import message_from_bytes, policy

    sent = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in emls]
    reply = next(m for m in sent if m["Subject"] == "We could not read the file you sent").get_body(
        preferencelist=("plain",))
    assert reply is not None
    text = reply.get_content()
    assert "picture could not be opened" in text and "Word or PDF form" in text and "Form.jpg" not in text


def test_a_message_that_keeps_failing_is_left_for_a_person_and_the_host_told(
    mail_app: tuple[FormsApp, Imap], imap_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    app, cfg = mail_app

    def broken_reader(data: bytes, name: str) -> Any:
        raise RuntimeError("a bug in a reader")

    append(imap_port, message(app.config.schools[1].senco_email or "", "Our form",
                              attachments=[("Form.docx", Forms(app.config).application(1), DOCX)]))
    with FormsApp(app.home, read=broken_reader) as buggy:
        outcomes = [poll_mailbox(buggy, cfg).messages for _ in range(4)]
    assert [[m.outcome for m in ms] for ms in outcomes] == [["error"], ["error"], ["failed"], []]
    assert folder_subjects(imap_port, FOLDER) == ["Our form"]  # left where it was, for a person
    alerts = [m for m in outgoing(app) if m["kind"] == "host-alert"]
    assert len(alerts) == 1 and app.config.host.email in alerts[0]["to_addrs"]
    assert "Form.docx" not in alerts[0]["body"] and "Our form" not in alerts[0]["body"]
    assert not any(r.exc_info for r in caplog.records if r.levelname != "DEBUG")  # no traceback on the terminal


def test_one_email_unpacks_at_most_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from forms_processor.intake import email_parts

    monkeypatch.setattr(email_parts, "MAX_EMAIL_TOTAL", 1500)
    inner = zip_of([("a.docx", b"PK" + b"a" * 600), ("b.docx", b"PK" + b"b" * 600)])
    em = message("a@b.example.org", "zips", attachments=[
        ("one.zip", inner, ("application", "zip")), ("two.zip", zip_of([("c.zip", inner)]), ("application", "zip"))])
    parsed = parse_email(em.as_bytes())
    assert [a.file_name for a in parsed.attachments] == ["a.docx", "b.docx"]
    assert any("too large to unpack" in n for n in parsed.ignored)
