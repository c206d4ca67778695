"""After the meeting, in a real browser (Playwright driving Debian's Chromium, the app under
uvicorn on loopback): the Host corrects a decision at the meeting, with its reason, and sends
the responses; then the school's SENCO signs in, sees the decision on its list and its form,
downloads the response, sees the form the Host returned and why, sends the corrected form (a
real Word form filled by the project's own helpers) through "Send a form", and sees it arrive
in its list, the returned one replaced; the other school's forms stay out of sight.

Each page is checked with axe-core (no serious or critical violation). Set
FORMS_WEB_SCREENSHOTS=folder to photograph them at 1366x768 and 820x1180."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from forms_processor.api import FormsApp
from forms_processor.documents import fill_docx, template_docx
from forms_processor.spec import APPLICATION
from tests.host.conftest import AWKWARD_SCHOOL, Maker
from tests.web.conftest import OTHER_SCHOOL, Served
from tests.web.test_browser import CHROMIUM, browser, no_serious_violations, page, sign_in, sync_api  # noqa: F401
from tests.web.test_deadline_day import every_control_reachable, shots

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]

RETURNED = "Please say who leads the sessions and how their progress is reviewed."


def the_meeting_and_its_responses(page: Any, served: Served, forms: FormsApp, own: str, other: str,  # noqa: F811
                                  tmp_path: Path) -> Decimal:
    """The Host records the two decisions, corrects the school's, and sends the responses;
    returns the amount finally awarded to the school."""
    expect = sync_api.expect
    sign_in(page, served.url, "host")
    page.wait_for_url("**/today")
    page.goto(served.url + "/rounds/AU2/meeting")
    mine = page.locator(f"#card-{own}")
    mine.get_by_label("Declined").check()
    mine.get_by_label("Feedback to the school").fill("The plan does not say how progress is measured.")
    mine.get_by_role("button", name="Record the decision").click()
    expect(mine.get_by_role("status")).to_contain_text(f"{own}: Declined")
    theirs = page.locator(f"#card-{other}")
    theirs.get_by_label("Approved", exact=True).check()
    theirs.get_by_role("button", name="Record the decision").click()
    expect(theirs.get_by_role("status")).to_contain_text(f"{other}: Approved")

    # The minutes were misread: the Host corrects the school's decision, with its reason.
    mine.get_by_text("Correct this decision").click()
    expect(mine.get_by_label("Declined")).to_be_checked()  # the decision in force, filled in
    mine.get_by_label("Partially funded").check()
    half = (Decimal(forms.get(own).amount_requested or "0") / 2).quantize(Decimal("1"))
    mine.get_by_label("Amount awarded", exact=False).fill(str(half))
    expect(mine.locator(".guard")).to_contain_text("would be left")
    mine.get_by_label("Feedback to the school").fill("Half now: show the progress measures for the rest.")
    mine.get_by_role("button", name="Record the correction").click()  # no reason: the browser stops it
    assert forms.get(own).state.value == "declined"
    mine.get_by_label("Reason for the correction").fill("The minutes were misread: the Working Party funded half.")
    no_serious_violations(page)
    every_control_reachable(page)  # the correction's fields too, with the keyboard alone
    shots(page, "meeting-correcting", tmp_path)
    mine.get_by_role("button", name="Record the correction").click()
    expect(mine.get_by_role("status")).to_contain_text(f"Corrected: {own}: Partially funded, £{half:,.2f} awarded")
    expect(mine.get_by_role("status")).to_be_focused()
    assert forms.get(own).state.value == "partially_funded"

    page.get_by_role("button", name="Send the responses").click()
    expect(page.get_by_role("status").first).to_contain_text("2 responses made (Word and PDF); 2 emails queued")
    expect(mine).not_to_contain_text("Correct this decision")  # the response has gone: locked for good
    page.get_by_role("button", name="Sign out").click()
    return half


def test_the_school_after_the_meeting(page: Any, served: Served, maker: Maker, forms: FormsApp,  # noqa: F811
                                      tmp_path: Path) -> None:
    expect = sync_api.expect
    own, other = maker.application(AWKWARD_SCHOOL), maker.application(OTHER_SCHOOL)
    for ref in (own, other):
        forms.forward(ref)
    values = maker.values(AWKWARD_SCHOOL)
    returned = str(maker.ingest(values).reference)
    forms.return_to_school(returned, RETURNED)
    half = the_meeting_and_its_responses(page, served, forms, own, other, tmp_path)

    # The SENCO signs in: their list says what became of each form.
    sign_in(page, served.url, "senco")
    page.wait_for_url("**/school")
    row = page.locator(f"#row-{own}")
    expect(row).to_contain_text(f"Partially funded: £{half:,.2f}")
    expect(row).to_contain_text("impact form due")
    expect(page.locator(f"#row-{returned}")).to_contain_text(f"Returned: {RETURNED}")
    expect(page.get_by_role("link", name=other)).to_have_count(0)
    no_serious_violations(page)
    every_control_reachable(page)
    shots(page, "school-after-meeting", tmp_path)

    # Its application: the decision in full and the response to download.
    page.get_by_role("link", name=own, exact=True).click()
    page.wait_for_url(f"**/forms/{own}", wait_until="domcontentloaded")
    decision = page.locator("#decision")
    expect(decision).to_contain_text(f"Partially funded: £{half:,.2f} awarded.")
    expect(decision).to_contain_text("Half now: show the progress measures for the rest.")
    expect(decision).to_contain_text("Impact form due")
    with page.expect_download() as fetched:
        decision.get_by_role("link", name="Download the response (PDF)").click()
    saved = tmp_path / fetched.value.suggested_filename
    fetched.value.save_as(saved)
    assert saved.name == f"{own} response.pdf" and saved.read_bytes().startswith(b"%PDF")
    no_serious_violations(page)
    every_control_reachable(page)
    shots(page, "school-decision", tmp_path)

    # The form the Host returned, and why; the corrected form sent through "Send a form".
    page.get_by_role("link", name="Your school's forms").click()
    page.locator(f"#row-{returned}").get_by_role("link", name=returned).click()
    page.wait_for_url(f"**/forms/{returned}", wait_until="domcontentloaded")
    expect(page.locator("#returned")).to_contain_text(RETURNED)
    no_serious_violations(page)
    every_control_reachable(page)
    shots(page, "school-returned", tmp_path)
    corrected = tmp_path / "our corrected application.docx"
    led = f"{values['intervention_description']} Our HLTA leads each session; the SENCO reviews progress each half term."
    corrected.write_bytes(fill_docx(template_docx(APPLICATION, forms.config), {**values, "intervention_description": led}))
    page.locator("#returned").get_by_role("link", name="Send a form").click()
    page.wait_for_url("**/upload")
    page.get_by_label("Your filled-in form").set_input_files(str(corrected))
    page.get_by_role("button", name="Send the form").click()
    outcome = page.get_by_role("status")
    expect(outcome).to_contain_text("Thank you: your form is recorded as ")
    new = outcome.locator("h2").inner_text().split("recorded as ", 1)[1].split(".", 1)[0]
    assert forms.get(new).school == AWKWARD_SCHOOL and forms.get(returned).state.value == "superseded"
    no_serious_violations(page)
    every_control_reachable(page)
    shots(page, "school-upload", tmp_path)

    # It arrives in the list, awaiting the Host's check; the returned one is replaced by it.
    page.get_by_role("link", name="Your school's forms").first.click()
    page.wait_for_url("**/school")
    expect(page.locator(f"#row-{new}")).to_contain_text("awaiting the Host's check")
    expect(page.locator(f"#row-{returned}")).to_contain_text("superseded by a newer form")
    expect(page.locator(f"#row-{returned}")).not_to_contain_text("Returned:")
    expect(page.get_by_role("link", name=other)).to_have_count(0)
    no_serious_violations(page)
    shots(page, "school-after-upload", tmp_path)

    # The other school's forms stay out of sight, its response too.
    for path in (f"/forms/{other}", f"/forms/{other}/response.pdf"):
        r = page.goto(served.url + path)
        assert r is not None and r.status == 404, path
        expect(page.get_by_role("heading", level=1)).not_to_contain_text(other)
