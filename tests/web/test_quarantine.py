"""The Mail screen's "This is a school's address": a real IMAP server (pymap) on loopback,
an email from an address cluster.toml does not know quarantined by a real poll, then the
address added to the school's allow-list (one line of cluster.toml) and the email taken in
through the same intake as the mailbox."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from forms_processor.api import FormsApp
from forms_processor.config import load_config
from forms_processor.documents import fill_docx, template_docx
from forms_processor.home import open_home
from forms_processor.spec import APPLICATION
from forms_processor.web.app import create_app
from forms_processor.workflow.allow_list import with_address
from tests.host.conftest import AWKWARD_SCHOOL, Maker, _in_process_read
from tests.mail.test_mailbox import DOCX, FOLDER, PASSWORD, USER, append, folder_subjects, imap_port, message  # noqa: F401
from tests.web.conftest import PASSWORD as WEB_PASSWORD
from tests.web.conftest import FakeClock, csrf_of, sign_in

STRANGER = "zoe.office@homemail.example.net"


@pytest.fixture
def mail_forms(home_dir: Path, imap_port: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[FormsApp]:  # noqa: F811
    monkeypatch.setenv("FORMS_TEST_IMAP_PW", PASSWORD)
    cfg = home_dir / "cluster.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + f"""
# The school mailbox (a test server on this machine).
[imap]
host = "127.0.0.1"
port = {imap_port}
username = "{USER}"
password_env = "FORMS_TEST_IMAP_PW"
security = "plain"
folder = "{FOLDER}"
""", encoding="utf-8")
    with FormsApp(open_home(home_dir), read=_in_process_read) as app:
        app.add_user("host", "host", WEB_PASSWORD)
        yield app


def test_a_quarantined_email_is_taken_in(mail_forms: FormsApp, imap_port: int) -> None:  # noqa: F811
    forms = mail_forms
    maker = Maker(forms)
    data = fill_docx(template_docx(APPLICATION, forms.config), maker.values(AWKWARD_SCHOOL))
    append(imap_port, message(STRANGER, "Our application", attachments=[("application.docx", data, DOCX)]))
    report = forms.poll_mailbox()
    assert [m.outcome for m in report.messages] == ["quarantined"]
    assert folder_subjects(imap_port, forms.config.imap.quarantine_folder) == ["Our application"]  # type: ignore[union-attr]
    path = forms.home.root / "cluster.toml"
    before = path.read_text(encoding="utf-8")

    client = TestClient(create_app(forms, clock=FakeClock()), base_url="http://127.0.0.1")
    sign_in(client, "host")
    page = client.get("/mail")
    assert STRANGER in page.text and ">This is a school's address</button>" in page.text
    r = client.post("/mail/school-address", data={"csrf": csrf_of(page.text), "school": AWKWARD_SCHOOL,
                                                  "mailbox": f"{USER}@127.0.0.1/{FOLDER}", "uidvalidity": "x", "uid": "1"})
    assert r.status_code == 404  # the wrong message: nothing changed
    assert path.read_text(encoding="utf-8") == before
    q = forms.quarantined_mail()[0]
    r = client.post("/mail/school-address", data={"csrf": csrf_of(page.text), "school": AWKWARD_SCHOOL,
                                                  "mailbox": q["mailbox"], "uidvalidity": q["uidvalidity"], "uid": q["uid"]})
    assert r.status_code == 200 and "The address now belongs to" in r.text and "The email was taken in:" in r.text
    assert "Nothing in quarantine." in r.text

    # cluster.toml: exactly one line more, under the school's email_domains; every comment kept.
    after = path.read_text(encoding="utf-8").splitlines()
    old = before.splitlines()
    at = next(n for n, line in enumerate(after) if line.startswith("sender_emails"))
    assert after[at] == f'sender_emails = ["{STRANGER}"]'
    assert after[at - 1] == 'email_domains = ["zoe-darc.example.org"]'
    assert after[:at] + after[at + 1:] == old
    assert load_config(path).school_by_name(AWKWARD_SCHOOL).owns_address(STRANGER)
    assert oct(path.stat().st_mode & 0o777) == "0o600"

    # The email is taken in as the poll takes one in: the form recorded, acknowledged to the sender.
    [form] = forms.list_forms(school_text=AWKWARD_SCHOOL)
    assert form.reference in r.text and form.state.value == "awaiting_check"
    conn = sqlite3.connect(forms.home.database)
    sub = conn.execute("SELECT source, sender FROM submissions WHERE form_ref = ?", (form.reference,)).fetchone()
    assert sub == ("email", STRANGER)
    ack = conn.execute("SELECT kind, to_addrs FROM outgoing_mail WHERE reference = ?", (form.reference,)).fetchone()
    assert ack[0] == "ack-accepted" and STRANGER in ack[1]
    assert conn.execute("SELECT actor FROM events WHERE action = 'school-address-added'").fetchone() == ("host",)
    assert folder_subjects(imap_port, forms.config.imap.quarantine_folder) == []  # type: ignore[union-attr]
    assert folder_subjects(imap_port, forms.config.imap.processed_folder) == ["Our application"]  # type: ignore[union-attr]
    # Once only: the same button again is refused, and a new poll takes nothing twice.
    again = client.post("/mail/school-address", data={"csrf": csrf_of(r.text), "school": AWKWARD_SCHOOL,
                                                      "mailbox": q["mailbox"], "uidvalidity": q["uidvalidity"], "uid": q["uid"]})
    assert again.status_code == 404 and "no longer in the quarantine list" in again.text
    assert forms.poll_mailbox().messages == []
    assert conn.execute("SELECT COUNT(*) FROM forms").fetchone() == (1,)


def test_an_address_added_already_is_taken_in_with_one_press(mail_forms: FormsApp, imap_port: int) -> None:  # noqa: F811
    forms = mail_forms
    data = fill_docx(template_docx(APPLICATION, forms.config), Maker(forms).values(AWKWARD_SCHOOL))
    append(imap_port, message(STRANGER, "Second try", attachments=[("application.docx", data, DOCX)]))
    assert [m.outcome for m in forms.poll_mailbox().messages] == ["quarantined"]
    forms.add_school_address(AWKWARD_SCHOOL, STRANGER)  # as when the mail server was down the first time
    client = TestClient(create_app(forms, clock=FakeClock()), base_url="http://127.0.0.1")
    sign_in(client, "host")
    page = client.get("/mail")
    assert f'aria-label="Take it in: the email from {STRANGER}">Take it in</button>' in page.text
    q = forms.quarantined_mail()[0]
    r = client.post("/mail/take-in", data={"csrf": csrf_of(page.text), "mailbox": q["mailbox"],
                                           "uidvalidity": q["uidvalidity"], "uid": q["uid"]})
    assert r.status_code == 200 and "The email was taken in:" in r.text
    assert len(forms.list_forms(school_text=AWKWARD_SCHOOL)) == 1
    assert path_lines_with(forms, STRANGER) == 1


def path_lines_with(forms: FormsApp, text: str) -> int:
    return sum(text in line for line in (forms.home.root / "cluster.toml").read_text(encoding="utf-8").splitlines())


def test_the_edit_changes_one_line_only() -> None:
    text = (
        "# the cluster\n"
        "[[schools]]\n"
        'name = "A"   # first\n'
        'code = "AAA"\n'
        'sender_emails = ["one@a.example.org"]  # kept, this comment\n'
        "\n"
        "[[schools]]\n"
        'name = "B"\n'
        'code = "BBB"\n'
        "email_domains = [\n"
        '  "b.example.org",\n'
        "]\n"
    )
    a = with_address(text, 0, "two@a.example.org")
    assert a.splitlines()[4] == 'sender_emails = ["one@a.example.org", "two@a.example.org"]  # kept, this comment'
    assert a.splitlines()[:4] + a.splitlines()[5:] == text.splitlines()[:4] + text.splitlines()[5:]
    # email_domains over several lines: the new line goes under the code, outside the list.
    b = with_address(text, 1, "office@b.example.org").splitlines()
    assert b[9] == 'sender_emails = ["office@b.example.org"]' and b[8] == 'code = "BBB"'
