"""Microsoft's and Google's refusals of password sign-in, said plainly.

Real servers on loopback answer with the providers' codes (aiosmtpd for SMTP, pymap
for IMAP); the providers' host names resolve to 127.0.0.1 in these tests, and TLS is
verified against a certificate made for that name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult

from forms_processor.config import Imap, Smtp
from forms_processor.errors import MailUnavailable
from forms_processor.home import Home
from forms_processor.intake.mailbox import connect_imap
from forms_processor.mail import providers
from forms_processor.mail.queue import OutgoingMail, enqueue
from forms_processor.mail.sender import send_due
from forms_processor.mail.smtp import SmtpTransport
from forms_processor.store.db import Database

from .conftest import Pymap, SmtpServer, make_cert

T0 = datetime(2026, 12, 31, 9, 30, tzinfo=UTC)


def test_provider_and_enhanced_code_are_read_from_structure() -> None:
    assert providers.provider_of("smtp.office365.com") == "microsoft"
    assert providers.provider_of("outlook.office365.com.") == "microsoft"
    assert providers.provider_of("imap.gmail.com") == "google"
    assert providers.provider_of("mail.notgmail.com") is None
    assert providers.provider_of("mail.school.example.org") is None
    assert providers.enhanced_code(b"5.7.139 Authentication unsuccessful") == "5.7.139"
    assert providers.enhanced_code("Authentication unsuccessful 5.7.139") is None
    # 5.7.8 on a server that is not Google's is an ordinary wrong password.
    assert providers.smtp_refusal("mail.school.example.org", 535, b"5.7.8 Authentication credentials invalid") is None
    assert providers.smtp_refusal("smtp.gmail.com", 535, b"5.7.8 Username and Password not accepted") is not None


def _queue(db: Database) -> None:
    with db.atomic() as conn:
        enqueue(conn, OutgoingMail(dedupe_key="p:1", kind="ack-accepted", to=("senco@aldborough.example.org",),
                                   subject="Received", body="Hello,\n"))
    db.execute("UPDATE outgoing_mail SET next_attempt_at = ?", (T0.isoformat(),))


REFUSALS = [
    ("smtp.office365.com", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the"
     " Tenant.", "Microsoft 365 no longer accepts a password"),
    ("smtp.office365.com", "550 5.7.30 Basic authentication is not supported for Client Submission",
     "Microsoft 365 no longer accepts a password"),
    ("smtp.gmail.com", "534 5.7.9 Application-specific password required.", "Google no longer accepts"),
    ("mail.school.example.org", "535 5.7.8 Authentication credentials invalid", "refused the username or password"),
]


@pytest.mark.parametrize(("host", "answer", "said"), REFUSALS)
def test_smtp_refusal_is_explained_and_the_mail_stays_queued(
    home: Home, tmp_path: Path, resolve_to_loopback: Any, host: str, answer: str, said: str,
) -> None:
    resolve_to_loopback({host})
    certs = make_cert(tmp_path / "tls", host)
    tried: list[bytes] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        tried.append(auth_data.password)
        return AuthResult(success=False, handled=False, message=answer)

    server = SmtpServer(tls_context=certs.server_context(), require_starttls=True, authenticator=authenticator,
                        auth_required=True)
    server.start()
    db = Database(home.database)
    try:
        _queue(db)
        cfg = Smtp(host=host, port=server.port, security="starttls", username="send.host@school.example.org",
                   sender="send.host@school.example.org")
        transport = SmtpTransport(cfg, home.root, sender="send.host@school.example.org", password="pw",
                                  ssl_context=certs.client_context())
        report = send_due(db, home, transport, T0)
        transport.close()
        assert tried and tried[0] == b"pw"  # the server really was asked, after STARTTLS
        assert report.sent == [] and report.unavailable is not None
        assert said in report.unavailable
        if "no longer" in said:
            assert answer.split(" ")[1] in report.unavailable  # the enhanced code is named
        row = db.one("SELECT status, last_error FROM outgoing_mail")
        assert row["status"] == "queued" and said in row["last_error"]
        assert server.received == []
    finally:
        db.close()
        server.stop()


@pytest.mark.parametrize(("host", "said"), [
    ("outlook.office365.com", "Microsoft 365 no longer accepts a password for reading this mailbox"),
    ("imap.gmail.com", "Google refused the mailbox's password"),
    ("imap.school.example.org", "refused the login"),
])
def test_imap_password_refused_by_a_provider_is_explained(
    tmp_path: Path, resolve_to_loopback: Any, host: str, said: str,
) -> None:
    resolve_to_loopback({host})
    certs = make_cert(tmp_path / "tls", host)
    server = Pymap(tmp_path / "pymap.log", "--cert", str(certs.cert), "--key", str(certs.key))
    try:
        cfg = Imap(host=host, port=server.port, security="starttls", username="demouser")
        # The right password works (so the refusal below is the server's answer to a wrong one).
        connect_imap(cfg, password="demopass", ssl_context=certs.client_context()).logout()
        with pytest.raises(MailUnavailable) as err:
            connect_imap(cfg, password="an old password", ssl_context=certs.client_context())
        assert said in err.value.message
        if "Microsoft" in said:
            assert 'auth = "oauth2"' in err.value.hint and "forms mail login --imap" in err.value.hint
        if "Google" in said:
            assert "app password" in err.value.hint and "[imap]" in err.value.hint
    finally:
        server.stop()
