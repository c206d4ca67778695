"""The Mail, Reports, Settings and upload screens in a real browser (Playwright driving
Debian's Chromium, the app under uvicorn on loopback): a SENCO sending a real Word form,
and the Host's screens, each checked with axe-core and photographed at a laptop's and a
tablet's size when FORMS_WEB_SCREENSHOTS names a folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from forms_processor.api import FormsApp
from forms_processor.documents import fill_docx, template_docx
from forms_processor.spec import APPLICATION
from tests.host.conftest import AWKWARD_SCHOOL, Maker
from tests.web.conftest import OTHER_SCHOOL, Served
from tests.web.test_browser import CHROMIUM, browser, no_serious_violations, page, shots, sign_in, sync_api  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]



def test_a_senco_sends_a_form(page: Any, served: Served, maker: Maker, forms: FormsApp, tmp_path: Path) -> None:  # noqa: F811
    ours = tmp_path / "Our application.docx"
    ours.write_bytes(fill_docx(template_docx(APPLICATION, forms.config), maker.values(AWKWARD_SCHOOL)))
    theirs = tmp_path / "Their application.docx"
    theirs.write_bytes(fill_docx(template_docx(APPLICATION, forms.config), maker.values(OTHER_SCHOOL)))

    sign_in(page, served.url, "senco")
    page.wait_for_url("**/school")
    no_serious_violations(page)
    shots(page, "school-with-upload", tmp_path)
    page.get_by_label("Your filled-in form").set_input_files(str(ours))
    page.get_by_role("button", name="Send the form").click()
    page.wait_for_url("**/upload")
    outcome = page.get_by_role("status")
    sync_api.expect(outcome).to_contain_text("Thank you: your form is recorded as")
    [form] = forms.list_forms(school_text=AWKWARD_SCHOOL)
    assert form.state.value == "awaiting_check"
    sync_api.expect(page.get_by_role("link", name="See the form as it was read")).to_be_visible()
    no_serious_violations(page)
    shots(page, "upload-accepted", tmp_path)

    # Another school's form: refused, said plainly, nothing recorded.
    page.get_by_label("Your filled-in form").set_input_files(str(theirs))
    page.get_by_role("button", name="Send the form").click()
    sync_api.expect(page.get_by_text(f"This form is for {OTHER_SCHOOL}, not")).to_be_visible()
    no_serious_violations(page)
    shots(page, "upload-other-school", tmp_path)
    assert len(forms.list_forms()) == 1
    sync_api.expect(page.get_by_label("Your filled-in form")).to_be_visible()

    # A form with mistakes: recorded, and exactly what to fix listed.
    wrong = tmp_path / "Corrected application.docx"
    wrong.write_bytes(fill_docx(template_docx(APPLICATION, forms.config), maker.values(AWKWARD_SCHOOL, mistakes=2)))
    page.get_by_label("Your filled-in form").set_input_files(str(wrong))
    page.get_by_role("button", name="Send the form").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("needs correcting")
    sync_api.expect(page.get_by_text("What to fix:")).to_be_visible()
    no_serious_violations(page)
    shots(page, "upload-invalid", tmp_path)

    page.get_by_role("link", name="Your school's forms").first.click()
    sync_api.expect(page.get_by_role("link", name=form.reference)).to_be_visible()
    conn = sqlite3.connect(forms.home.database)
    assert conn.execute("SELECT kind FROM outgoing_mail WHERE reference = ?", (form.reference,)).fetchone() == ("ack-accepted",)


def test_the_hosts_mail_reports_and_settings(page: Any, served: Served, maker: Maker, forms: FormsApp,  # noqa: F811
                                            tmp_path: Path) -> None:
    for school in (AWKWARD_SCHOOL, OTHER_SCHOOL, OTHER_SCHOOL):
        maker.application(school)
    conn = sqlite3.connect(forms.home.database)
    conn.execute("UPDATE outgoing_mail SET status = 'failed', attempts = 5,"
                 " last_error = '550 5.7.30 Basic authentication is not supported for Client Submission'"
                 " WHERE id = (SELECT MIN(id) FROM outgoing_mail)")
    conn.execute("INSERT INTO processed_mail (mailbox, uidvalidity, uid, message_id, outcome, processed_at, detail, moved,"
                 " sender) VALUES ('forms@example.org/INBOX', '1', '7', '<x@example.net>', 'quarantined',"
                 " '2026-12-02T09:40:00+00:00', 'sender not configured for a school', 1, 'office@homemail.example.net')")
    conn.execute("INSERT INTO processed_mail (mailbox, uidvalidity, uid, message_id, outcome, processed_at, detail, moved,"
                 " sender) VALUES ('forms@example.org/INBOX', '1', '8', '<y@example.net>', 'quarantined',"
                 " '2026-12-02T10:02:00+00:00', 'sender not authenticated: dmarc=fail for zoe-darc.example.org', 1,"
                 " 'senco@zoe-darc.example.org')")
    conn.commit()
    sign_in(page, served.url, "host")
    page.wait_for_url("**/today")
    page.get_by_role("link", name="Mail").click()
    sync_api.expect(page.get_by_role("heading", name="Failed emails: 1")).to_be_visible()
    sync_api.expect(page.get_by_text("office@homemail.example.net")).to_be_visible()
    sync_api.expect(page.get_by_label("School")).to_be_visible()
    sync_api.expect(page.get_by_role("button", name="Take it in: the email from senco@zoe-darc.example.org")).to_be_visible()
    no_serious_violations(page)
    shots(page, "mail", tmp_path)
    page.get_by_role("button", name="Try again").first.click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("1 email queued to be sent again.")

    page.get_by_role("link", name="Settings").click()
    sync_api.expect(page.get_by_text("None: the file has no mistakes")).to_be_visible()
    no_serious_violations(page)
    shots(page, "settings", tmp_path)

    path = forms.home.root / "cluster.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('code = "WHS"', 'code = "Wensum"', 1), encoding="utf-8")
    page.reload()
    sync_api.expect(page.get_by_role("heading", name="Mistakes to correct")).to_be_visible()
    no_serious_violations(page)
    shots(page, "settings-mistake", tmp_path)
    path.write_text(text, encoding="utf-8")

    page.get_by_role("link", name="Reports").click()
    no_serious_violations(page)
    shots(page, "reports", tmp_path)
    page.get_by_role("link", name="The impact report").click()
    sync_api.expect(page.get_by_role("heading", level=1)).to_contain_text("impact of cluster SEND funding")
    no_serious_violations(page)
    shots(page, "report-impact", tmp_path)
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download the PDF").click()
    assert pdf.value.suggested_filename == "impact-2026-27.pdf"
    page.goto(served.url + "/reports/governors")
    sync_api.expect(page.get_by_role("img").first).to_be_visible()
    no_serious_violations(page)
    shots(page, "report-governors", tmp_path)
