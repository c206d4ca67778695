"""OAuth 2.0 sign-in, end to end on loopback: a small identity provider written here
(tests/mail/idp.py: device authorization, token and introspection endpoints), aiosmtpd
with an XOAUTH2 authenticator accepting only tokens that provider issued, and pymap
taught XOAUTH2 (tests/mail/pymap_xoauth2.py) checking each token with the provider."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from imap_tools import MailBoxUnencrypted
from keyring.backends import fail

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.config import Imap, Smtp
from forms_processor.errors import ExitCode, MailUnavailable, NotAllowed
from forms_processor.home import Home
from forms_processor.mail import oauth, oauth_login
from forms_processor.mail.queue import OutgoingMail, enqueue
from forms_processor.mail.smtp import SmtpTransport
from tests.support import free_port, wait_for

from .conftest import Received, _imap_greets, pymap_args
from .idp import CLIENT_ID, IdentityProvider, IdpServer
from .test_mailbox import DOCX, FOLDER, Forms, message

USER = "send.host@wensum-high.example.org"
SMTP_SCOPES = ["https://outlook.office.com/SMTP.Send", "offline_access"]
IMAP_SCOPES = ["https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"]
T0 = datetime(2026, 12, 31, 9, 0, tzinfo=UTC)

# The test servers run on loopback without TLS, with AUTH required.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(autouse=True)
def no_system_keyring() -> Iterator[None]:
    """No keyring on this test machine (the file is used), whatever the machine has."""
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


@pytest.fixture
def idp() -> Iterator[IdentityProvider]:
    provider = IdentityProvider(approve_after_polls=2)
    server = IdpServer(provider).start()
    yield provider
    server.stop()


def oauth_keys(idp: IdentityProvider, scopes: list[str]) -> dict[str, Any]:
    return {"auth": "oauth2", "oauth_provider": "custom", "oauth_client_id": CLIENT_ID,
            "oauth_device_url": idp.url("/device"), "oauth_token_url": idp.url("/token"),
            "oauth_scopes": scopes}


def toml_keys(keys: dict[str, Any]) -> str:
    return "".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items())


# -- an SMTP server taking XOAUTH2 ------------------------------------------------------------


class XOAuthSink:
    """aiosmtpd handler: accepts XOAUTH2 with a token the identity provider issued for
    SMTP.Send, keeps every message; each message moves the clock on (a long batch)."""

    def __init__(self, idp: IdentityProvider, tick: float = 0.0) -> None:
        self.idp = idp
        self.tick = tick
        self.received: list[Received] = []
        self.tokens_seen: list[str] = []

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:  # noqa: N802 - aiosmtpd's naming
        raw = base64.b64decode(args[1]) if len(args) > 1 else await server.challenge_auth("")
        user, _, rest = raw.decode().removeprefix("user=").partition("\x01auth=Bearer ")
        token = rest.rstrip("\x01")
        self.tokens_seen.append(token)
        if self.idp.valid(token, "SMTP.Send") != user:
            return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")
        return AuthResult(success=True, auth_data=user)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        self.idp.clock.now += self.tick
        return "250 OK"


@pytest.fixture
def smtp_oauth(home: Home, idp: IdentityProvider) -> Iterator[tuple[Home, XOAuthSink]]:
    sink = XOAuthSink(idp, tick=1800.0)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, auth_require_tls=False, auth_required=True)
    controller.start()
    cfg = Smtp(host="127.0.0.1", port=port, security="plain", username=USER, sender=USER,
               **oauth_keys(idp, SMTP_SCOPES))
    with open(home.root / "cluster.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "plain"\nusername = "{USER}"\n'
                 f'sender = "{USER}"\n' + toml_keys(oauth_keys(idp, SMTP_SCOPES)))
    yield Home(home.root, home.config.model_copy(update={"smtp": cfg})), sink
    controller.stop()


def login(h: Home, section: str, idp: IdentityProvider) -> str:
    shown: list[oauth_login.DeviceCode] = []
    with FormsApp(h) as app:
        where = app.mail_login(section, shown.append, sleep=lambda s: None, clock=idp.clock)
    assert shown and shown[0].user_code
    return where


def queue(h: Home, n: int, due: datetime = T0) -> None:
    with FormsApp(h) as app, app.db.atomic() as conn:
        for i in range(n):
            enqueue(conn, OutgoingMail(dedupe_key=f"o:{i}", kind="ack-accepted", to=(f"s{i}@aldborough.example.org",),
                                       subject=f"Received {i}", body="Hello,\n"))
    with FormsApp(h) as app:
        app.db.execute("UPDATE outgoing_mail SET next_attempt_at = ?", (due.isoformat(),))


def transport(h: Home, idp: IdentityProvider) -> SmtpTransport:
    assert h.config.smtp is not None
    return SmtpTransport(h.config.smtp, h.root, sender=USER,
                         tokens=oauth.source_for("smtp", h.config.smtp, h.data, clock=idp.clock))


# -- signing in -------------------------------------------------------------------------------


def test_forms_mail_login_runs_the_device_flow_and_keeps_the_sign_in_owner_only(
    smtp_oauth: tuple[Home, XOAuthSink], idp: IdentityProvider, monkeypatch: pytest.MonkeyPatch,
) -> None:
    h, _ = smtp_oauth
    res = CliRunner().invoke(cli, ["--home", str(h.root), "mail", "login", "--smtp"])
    assert res.exit_code == 0, res.output
    assert "https://idp.test/device" in res.stderr and "enter the code" in res.stderr
    assert "Signed in for [smtp]" in res.stdout
    assert idp.log[:3] == ["device", "poll", "poll"]  # pending once, then approved
    files = list((h.data / "oauth").iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((h.data / "oauth").stat().st_mode) == 0o700
    saved = json.loads(files[0].read_text())
    assert saved["refresh_token"] in idp.refresh and saved["client_id"] == CLIENT_ID
    assert saved["refresh_token"] not in res.output and saved["access_token"] not in res.output


def test_login_needs_a_section_and_oauth(home: Home) -> None:
    res = CliRunner().invoke(cli, ["--home", str(home.root), "mail", "login"])
    assert res.exit_code == ExitCode.USAGE and "--imap" in res.stderr
    res = CliRunner().invoke(cli, ["--home", str(home.root), "mail", "login", "--smtp"])
    assert res.exit_code == ExitCode.CONFIG and "[smtp]" in res.stderr
    assert "Traceback" not in res.output


def test_login_declined_or_too_late(smtp_oauth: tuple[Home, XOAuthSink], idp: IdentityProvider) -> None:
    h, _ = smtp_oauth
    idp.approve_after_polls = None
    with FormsApp(h) as app:
        with pytest.raises(NotAllowed) as err:
            app.mail_login("smtp", lambda code: idp.deny(code.user_code), sleep=lambda s: None, clock=idp.clock)
        assert "declined" in err.value.message

        def wait(seconds: float) -> None:
            idp.clock.now += 400  # the person never comes: the code runs out (900 s)

        with pytest.raises(NotAllowed) as err:
            app.mail_login("smtp", lambda code: None, sleep=wait, clock=idp.clock)
        assert "expired" in err.value.message and "forms mail login --smtp" in err.value.hint
    assert not (h.data / "oauth").exists()


def test_the_system_keyring_is_used_when_there_is_one(smtp_oauth: tuple[Home, XOAuthSink], idp: IdentityProvider,
                                                      ) -> None:
    class MemoryKeyring(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]
        items: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.items.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.items[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.items.pop((service, username), None)

    keyring.set_keyring(MemoryKeyring())
    h, _ = smtp_oauth
    assert login(h, "smtp", idp) == "the system keyring"
    assert not (h.data / "oauth").exists()
    (key, value), = MemoryKeyring.items.items()
    assert key == ("forms_processor-oauth", f"smtp:{USER}@127.0.0.1") and json.loads(value)["refresh_token"]


# -- sending ------------------------------------------------------------------------------------


def test_sending_with_tokens_refreshed_when_one_expires_mid_batch(
    smtp_oauth: tuple[Home, XOAuthSink], idp: IdentityProvider,
) -> None:
    h, sink = smtp_oauth
    login(h, "smtp", idp)
    queue(h, 3)
    t = transport(h, idp)
    with FormsApp(h) as app:
        report = app.send_mail(t, now=T0)
    t.close()
    assert len(report.sent) == 3 and report.unavailable is None, report
    assert len(sink.received) == 3
    # Each message moved the clock on 30 minutes: the first token ran out after the
    # second message; a renewed one signed the connection in again for the third.
    assert idp.log.count("refresh") == 1
    assert len(sink.tokens_seen) == 2 and sink.tokens_seen[0] != sink.tokens_seen[1]
    assert all(idp.valid(tok) is None for tok in sink.tokens_seen[:1])  # the first really had expired


def test_a_withdrawn_consent_gives_a_plain_message_and_nothing_is_lost(
    smtp_oauth: tuple[Home, XOAuthSink], idp: IdentityProvider,
) -> None:
    h, sink = smtp_oauth
    login(h, "smtp", idp)
    queue(h, 2)
    idp.revoke_all()
    idp.clock.now += 7200
    t = transport(h, idp)
    with FormsApp(h) as app:
        report = app.send_mail(t, now=T0)
        t.close()
        assert report.sent == [] and report.unavailable
        assert "forms mail login --smtp" in report.unavailable
        rows = app.db.query("SELECT status, last_error FROM outgoing_mail")
    assert [r["status"] for r in rows] == ["queued", "queued"]
    assert sink.received == [] and sink.tokens_seen == []  # the server was never given a dead token
    res = CliRunner().invoke(cli, ["--home", str(h.root), "mail", "status"])
    assert "forms mail login --smtp" in res.stdout
    # Signing in again: the queue goes.
    idp.approve_after_polls = 1
    login(h, "smtp", idp)
    t = transport(h, idp)
    with FormsApp(h) as app:
        app.db.execute("UPDATE outgoing_mail SET next_attempt_at = ?", (T0.isoformat(),))
        report = app.send_mail(t, now=T0)
    t.close()
    assert len(report.sent) == 2 and len(sink.received) == 2


def test_a_token_the_provider_did_not_issue_is_refused(smtp_oauth: tuple[Home, XOAuthSink],
                                                      idp: IdentityProvider) -> None:
    h, sink = smtp_oauth
    assert h.config.smtp is not None
    source = oauth.source_for("smtp", h.config.smtp, h.data, clock=idp.clock)
    source.store.save(oauth.Tokens("rt-forged", "at-forged", idp.clock() + 3600, CLIENT_ID, source.ep.token_url))
    queue(h, 1)
    t = SmtpTransport(h.config.smtp, h.root, sender=USER, tokens=source)
    with FormsApp(h) as app:
        report = app.send_mail(t, now=T0)
    t.close()
    # Refused; renewing it is refused too (the provider never issued it): sign in again.
    assert sink.tokens_seen == ["at-forged"] and sink.received == []
    assert report.unavailable and "forms mail login --smtp" in report.unavailable


def test_a_token_without_the_smtp_permission_is_refused_plainly(home: Home, idp: IdentityProvider) -> None:
    sink = XOAuthSink(idp)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        cfg = Smtp(host="127.0.0.1", port=port, security="plain", username=USER, sender=USER,
                   **oauth_keys(idp, IMAP_SCOPES))  # the wrong permission asked for
        h = Home(home.root, home.config.model_copy(update={"smtp": cfg}))
        login(h, "smtp", idp)
        queue(h, 1)
        t = transport(h, idp)
        with FormsApp(h) as app:
            report = app.send_mail(t, now=T0)
        t.close()
        assert len(sink.tokens_seen) == 2 and sink.received == []  # tried, renewed, tried again
        assert report.unavailable and "refused the OAuth sign-in" in report.unavailable
    finally:
        controller.stop()


def test_forms_mail_send_without_a_sign_in_exits_6_plainly(smtp_oauth: tuple[Home, XOAuthSink]) -> None:
    h, _ = smtp_oauth
    queue(h, 1, due=datetime(2020, 1, 1, tzinfo=UTC))
    res = CliRunner().invoke(cli, ["--home", str(h.root), "mail", "send"])
    assert res.exit_code == ExitCode.MAIL_UNAVAILABLE, res.output
    assert "forms mail login --smtp" in res.stderr and "Traceback" not in res.output


# -- reading the mailbox ---------------------------------------------------------------------------


@pytest.fixture
def imap_oauth(home: Home, idp: IdentityProvider, tmp_path: Path) -> Iterator[tuple[Home, int]]:
    port = free_port()
    script = Path(__file__).with_name("pymap_xoauth2.py")
    cmd = [sys.executable, str(script), idp.url("/introspect"),
           *pymap_args(port, "--no-tls", user=USER, password="demopass")]
    log = open(tmp_path / "pymap.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    try:
        wait_for(lambda: proc.poll() is not None or _imap_greets(port), timeout=30)
        assert proc.poll() is None, (tmp_path / "pymap.log").read_text()
        cfg = Imap(host="127.0.0.1", port=port, security="plain", username=USER, folder=FOLDER,
                   **oauth_keys(idp, IMAP_SCOPES))
        yield Home(home.root, home.config.model_copy(update={"imap": cfg})), port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_reading_the_mailbox_with_xoauth2_and_a_withdrawn_consent(
    imap_oauth: tuple[Home, int], idp: IdentityProvider,
) -> None:
    h, port = imap_oauth
    forms = Forms(h.config)
    sender = h.config.schools[1].senco_email or ""
    with MailBoxUnencrypted("127.0.0.1", port).login(USER, "demopass", initial_folder=None) as box:
        box.folder.create(FOLDER)
        box.append(message(sender, "Our form", attachments=[("Form.docx", forms.application(1), DOCX)]).as_bytes(),
                   FOLDER, dt=None, flag_set=())
    with FormsApp(h) as app:
        with pytest.raises(MailUnavailable) as err:  # not signed in yet
            app.poll_mailbox()
        assert "forms mail login --imap" in err.value.message
    login(h, "imap", idp)
    with FormsApp(h) as app:
        report = app.poll_mailbox()
        assert [m.outcome for m in report.messages] == ["ingested"], report
        assert app.db.one("SELECT COUNT(*) AS n FROM forms")["n"] == 1
    # The consent is withdrawn and the access token runs out: a plain message; the
    # mailbox is left as it is for the next poll.
    with MailBoxUnencrypted("127.0.0.1", port).login(USER, "demopass", initial_folder=None) as box:
        box.append(message(sender, "Second", attachments=[("Two.docx", forms.application(1, title="Two"), DOCX)])
                   .as_bytes(), FOLDER, dt=None, flag_set=())
    idp.revoke_all()
    idp.clock.now += 7200
    with FormsApp(h) as app:
        with pytest.raises(MailUnavailable) as err:
            app.poll_mailbox()
        assert "forms mail login --imap" in err.value.message and "no longer valid" in err.value.message
    with MailBoxUnencrypted("127.0.0.1", port).login(USER, "demopass", initial_folder=FOLDER) as box:
        assert [m.subject for m in box.fetch(mark_seen=False, bulk=False)] == ["Second"]


# -- configuration ------------------------------------------------------------------------------------


def test_oauth_configuration_is_checked() -> None:
    from pydantic import ValidationError

    good = {"host": "smtp.office365.com", "username": USER, "auth": "oauth2", "oauth_provider": "microsoft",
            "oauth_client_id": "0000", "oauth_tenant": "wensum-high.example.org"}
    ep = oauth.endpoints("smtp", Smtp(**good))
    assert ep.device_url == "https://login.microsoftonline.com/wensum-high.example.org/oauth2/v2.0/devicecode"
    assert ep.scopes == ("https://outlook.office.com/SMTP.Send", "offline_access")
    imap = Imap(**{**good, "host": "outlook.office365.com"})
    assert oauth.endpoints("imap", imap).scopes[0] == "https://outlook.office.com/IMAP.AccessAsUser.All"
    for bad, said in [
        ({"oauth_client_id": None}, "oauth_client_id"),
        ({"oauth_provider": None}, "oauth_provider"),
        ({"oauth_provider": "google"}, "oauth_client_secret_env"),
        ({"oauth_provider": "custom"}, "oauth_device_url"),
        ({"oauth_provider": "custom", "oauth_device_url": "http://idp.example.org/d",
          "oauth_token_url": "https://idp.example.org/t", "oauth_scopes": ["x"]}, "https://"),
        ({"username": None}, "username"),
    ]:
        with pytest.raises(ValidationError) as err:
            Smtp(**{**good, **bad})
        assert said in str(err.value)


def test_google_endpoints_and_its_client_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Imap(host="imap.gmail.com", username="forms@school.example.org", auth="oauth2", oauth_provider="google",
               oauth_client_id="123.apps.googleusercontent.com", oauth_client_secret_env="FORMS_TEST_GOOGLE_SECRET")
    monkeypatch.delenv("FORMS_TEST_GOOGLE_SECRET", raising=False)
    from forms_processor.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        oauth.endpoints("imap", cfg)
    assert "FORMS_TEST_GOOGLE_SECRET" in err.value.message
    monkeypatch.setenv("FORMS_TEST_GOOGLE_SECRET", "s3cret")
    ep = oauth.endpoints("imap", cfg)
    assert ep.flow == "browser" and ep.scopes == ("https://mail.google.com/",)
    assert ep.authorize_url == "https://accounts.google.com/o/oauth2/v2/auth"
    assert ep.token_url == "https://oauth2.googleapis.com/token" and ep.client_secret == "s3cret"


def _browser(opened: list[str]) -> Any:
    """A person's browser: opens the address, follows the provider's redirect back to
    the loopback listener, as a real browser does."""
    import threading
    import urllib.request

    def show(code: oauth_login.DeviceCode) -> None:
        assert code.user_code == "" and code.verification_uri.startswith("http://127.0.0.1:")
        opened.append(code.verification_uri)
        threading.Thread(target=lambda: urllib.request.urlopen(code.verification_uri, timeout=10).read(),
                         daemon=True).start()

    return show


def test_the_browser_flow_with_pkce_and_a_client_secret(home: Home, idp: IdentityProvider) -> None:
    idp.client_secret = "s3cret"
    ep = oauth.Endpoints("", idp.url("/token"), ("https://mail.google.com/",), CLIENT_ID,
                         authorize_url=idp.url("/authorize"), client_secret="s3cret")
    store = oauth.TokenStore("imap", USER, "imap.gmail.com", home.data)
    opened: list[str] = []
    where = oauth_login.browser_login("imap", ep, store, _browser(opened), timeout=20, clock=idp.clock)
    assert where == str(store.path) and opened
    query = dict(urllib.parse.parse_qsl(opened[0].partition("?")[2]))
    assert query["code_challenge_method"] == "S256" and query["redirect_uri"].startswith("http://127.0.0.1:")
    assert idp.log == ["authorize", "code"]
    source = oauth.TokenSource("imap", ep, store, clock=idp.clock)
    first = source.access_token()
    assert idp.valid(first) == USER
    idp.clock.now += 3600  # expired: renewed, with the client secret
    second = source.access_token()
    assert second != first and idp.valid(second) == USER and idp.log[-1] == "refresh"


def test_the_browser_flow_declined(home: Home, idp: IdentityProvider) -> None:
    idp.decline = True
    ep = oauth.Endpoints("", idp.url("/token"), ("https://mail.google.com/",), CLIENT_ID,
                         authorize_url=idp.url("/authorize"))
    store = oauth.TokenStore("imap", USER, "imap.gmail.com", home.data)
    with pytest.raises(NotAllowed) as err:
        oauth_login.browser_login("imap", ep, store, _browser([]), timeout=20)
    assert "declined" in err.value.message and not store.path.exists()
