"""Senders you can trust: a school's From address counts only when the receiving server
authenticated it (Authentication-Results, RFC 8601); a forged one is quarantined.

The mailbox tests run against the real IMAP server (pymap); the .eml test through
``forms ingest``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.config import Imap
from forms_processor.home import Home
from forms_processor.intake import authresults
from forms_processor.intake.email_parts import parse_email
from forms_processor.workflow.mailbox import poll_mailbox

from .conftest import Pymap
from .test_mailbox import DOCX, FOLDER, PASSWORD, USER, Forms, append, folder_subjects, message


@pytest.fixture
def imap(tmp_path: Path) -> Iterator[int]:
    server = Pymap(tmp_path / "pymap.log")
    yield server.port
    server.stop()


@pytest.fixture
def box_app(home: Home, imap: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FormsApp, Imap]]:
    monkeypatch.setenv("FORMS_TEST_IMAP_PW", PASSWORD)
    cfg = Imap(host="127.0.0.1", port=imap, username=USER, password_env="FORMS_TEST_IMAP_PW",
               security="plain", folder=FOLDER)
    with FormsApp(Home(home.root, home.config.model_copy(update={"imap": cfg}))) as app:
        yield app, cfg

GOOGLE_PASS = (
    "mx.google.com;\r\n dkim=pass header.i=@aldborough.example.org header.s=s1 header.b=AbCd;\r\n"
    " spf=pass (google.com: domain of senco@aldborough.example.org designates 192.0.2.1 as permitted sender)"
    " smtp.mailfrom=senco@aldborough.example.org;\r\n dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE)"
    " header.from=aldborough.example.org"
)
MICROSOFT_FAIL = (
    "spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=phish.example.com; dkim=none (message not signed)"
    " header.d=none;dmarc=fail action=quarantine header.from=aldborough.example.org;compauth=fail reason=000"
)


def _with(headers: list[str], sender: str = "senco@aldborough.example.org") -> EmailMessage:
    msg = EmailMessage()
    for value in headers:
        msg["Authentication-Results"] = value.replace("\r\n", "")
    msg["From"] = sender
    msg.set_content("x")
    return msg


def received(msg: EmailMessage, header: str) -> bytes:
    """The message as the receiving server stores it: its Authentication-Results added on top."""
    return b"Authentication-Results: " + header.encode() + b"\r\n" + msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def test_parse_google_and_microsoft_headers() -> None:
    g = authresults.parse(GOOGLE_PASS)
    assert g.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in g.results] == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert g.results[2].props["header.from"] == "aldborough.example.org"
    m = authresults.parse(MICROSOFT_FAIL)
    assert m.authserv_id is None  # Microsoft 365 names no server
    assert [(r.method, r.result) for r in m.results][:3] == [("spf", "fail"), ("dkim", "none"), ("dmarc", "fail")]


def test_verdicts() -> None:
    addr = "senco@aldborough.example.org"
    assert authresults.check_sender(_with([GOOGLE_PASS]), addr).trusted
    forged = authresults.check_sender(_with([MICROSOFT_FAIL]), addr)
    assert not forged.trusted and "dmarc=fail" in forged.reason
    # A forger's own "pass" header below the receiving server's "fail" is not read.
    assert not authresults.check_sender(_with([MICROSOFT_FAIL, GOOGLE_PASS]), addr).trusted
    # With the server pinned, a header naming another server is not read at all.
    fake_top = "mx.attacker.example; dmarc=pass header.from=aldborough.example.org"
    assert authresults.check_sender(_with([fake_top, MICROSOFT_FAIL]), addr).trusted  # unpinned: the top one
    pinned = authresults.check_sender(_with([fake_top, GOOGLE_PASS.replace("dmarc=pass", "dmarc=fail")]), addr,
                                      authserv_id="mx.google.com")
    assert not pinned.trusted
    # No DMARC verdict: an aligned DKIM pass is enough; one for another domain is not.
    dkim_only = "mx.example.net; dkim=pass header.d=mail.aldborough.example.org; spf=none"
    assert authresults.check_sender(_with([dkim_only]), addr).trusted
    other = "mx.example.net; dkim=pass header.d=phish.example.com; spf=pass smtp.mailfrom=x@phish.example.com"
    assert not authresults.check_sender(_with([other]), addr).trusted
    # dmarc=pass for a different From domain than this message's is not a pass.
    assert not authresults.check_sender(_with(["mx.example.net; dmarc=pass header.from=phish.example.com"]),
                                        addr).trusted
    # Inside the mailbox's own organisation nothing may be checked (dmarc=none): taken,
    # unless something failed; another school's domain with nothing checked is not.
    internal = "dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=wensum-high.example.org"
    own = "wensum-high.example.org"
    assert authresults.check_sender(_with([internal]), "senco@wensum-high.example.org", own_domain=own).trusted
    assert not authresults.check_sender(_with([internal.replace("wensum-high", "aldborough")]), addr,
                                        own_domain=own).trusted
    spoofed = "spf=fail smtp.mailfrom=wensum-high.example.org; " + internal
    assert not authresults.check_sender(_with([spoofed]), "senco@wensum-high.example.org", own_domain=own).trusted
    # No header: trusted on the From address unless required; "off" never checks.
    assert authresults.check_sender(_with([]), addr).trusted
    assert not authresults.check_sender(_with([]), addr, mode="required").trusted
    assert authresults.check_sender(_with([MICROSOFT_FAIL]), addr, mode="off").trusted


def test_forged_school_sender_is_quarantined_with_the_reason_shown(
    box_app: tuple[FormsApp, Imap], imap: int, home: Home,
) -> None:
    app, cfg = box_app
    forms = Forms(app.config)
    addr = app.config.schools[1].senco_email
    assert addr and addr.endswith("@aldborough.example.org")
    forged = message(addr, "Forged application", attachments=[
        ("form.docx", forms.application(1, title="Forged"), DOCX)])
    # The forger added a "pass" of their own; the receiving server's "fail" is on top.
    forged["Authentication-Results"] = "mx.google.com; dmarc=pass header.from=aldborough.example.org"
    real = message(addr, "Real application", attachments=[
        ("form.docx", forms.application(1, title="Real"), DOCX)])
    append(imap, received(forged, MICROSOFT_FAIL))
    append(imap, received(real, GOOGLE_PASS))

    report = poll_mailbox(app, cfg)
    by_outcome = {m.outcome: m for m in report.messages}
    assert set(by_outcome) == {"quarantined", "ingested"}, report
    assert "dmarc=fail" in (by_outcome["quarantined"].detail or "")
    assert folder_subjects(imap, cfg.quarantine_folder) == ["Forged application"]
    assert folder_subjects(imap, cfg.processed_folder) == ["Real application"]
    # Nothing from the forged message was read or answered: one form, one acknowledgement.
    assert app.db.one("SELECT COUNT(*) AS n FROM forms")["n"] == 1
    acks = app.db.query("SELECT subject FROM outgoing_mail")
    assert len(acks) == 1

    res = CliRunner().invoke(cli, ["--home", str(home.root), "mail", "status"])
    assert res.exit_code == 0, res.output
    assert "quarantine" in res.stdout and "sender not authenticated: dmarc=fail" in res.stdout
    res = CliRunner().invoke(cli, ["--home", str(home.root), "mail", "status", "--json"])
    data = json.loads(res.stdout)
    assert [q["detail"].split(":")[0] for q in data["quarantined"]] == ["sender not authenticated"]


def test_required_and_off(box_app: tuple[FormsApp, Imap], imap: int) -> None:
    app, cfg = box_app
    forms = Forms(app.config)
    addr = app.config.schools[1].senco_email or ""
    append(imap, message(addr, "No header", attachments=[("a.docx", forms.application(1, title="A"), DOCX)]))
    required = cfg.model_copy(update={"sender_authentication": "required"})
    report = poll_mailbox(app, required)
    assert [m.outcome for m in report.messages] == ["quarantined"]
    assert "no Authentication-Results header" in (report.messages[0].detail or "")

    forged = message(addr, "Server headers ignored", attachments=[("b.docx", forms.application(1, title="B"), DOCX)])
    append(imap, received(forged, MICROSOFT_FAIL))
    off = cfg.model_copy(update={"sender_authentication": "off"})
    report = poll_mailbox(app, off)
    assert [m.outcome for m in report.messages] == ["ingested"]


def test_eml_with_a_forged_sender_is_not_answered_there(home: Home, tmp_path: Path) -> None:
    """A saved email whose From the receiving server found forged: the form is read (the
    Host put the file there), but the acknowledgement goes to the school's own SENCO
    address, never to the forged one."""
    forms = Forms(home.config)
    school = home.config.schools[1]
    forged = message("head@aldborough.example.org", "Forged", attachments=[
        ("form.docx", forms.application(1, title="Forged"), DOCX)])
    forged_bytes = received(forged, MICROSOFT_FAIL)
    assert parse_email(forged_bytes).sender is None
    assert "dmarc=fail" in parse_email(forged_bytes).sender_check
    good = message("head@aldborough.example.org", "Good", attachments=[
        ("form.docx", forms.application(1, title="Good"), DOCX)])
    assert parse_email(received(good, GOOGLE_PASS.replace("senco@", "head@"))).sender == "head@aldborough.example.org"

    (tmp_path / "forged.eml").write_bytes(forged_bytes)
    res = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", str(tmp_path / "forged.eml"), "--json"])
    assert res.exit_code in (0, 1), res.output
    with FormsApp(home) as app:
        to = [json.loads(r["to_addrs"]) for r in app.db.query("SELECT to_addrs FROM outgoing_mail")]
        sender = app.db.one("SELECT sender FROM submissions")["sender"]
    assert sender is None
    assert to == [[school.senco_email]]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('abcdfimpsv.=;()"\\ @-_/12')), max_size=120))
def test_any_header_text_is_read_without_error(value: str) -> None:
    parsed = authresults.parse(value)
    assert all(r.method and r.result for r in parsed.results)
    check = authresults.check_sender(_with([value.replace("\n", " ")]) if value.strip() else _with([]),
                                     "senco@aldborough.example.org")
    assert isinstance(check.trusted, bool) and check.reason
