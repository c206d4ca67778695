"""The Working Party's meeting in a real browser (Playwright driving Debian's Chromium, the app
under uvicorn on loopback): two decisions recorded while the money left changes, one refused
by the budget guard before and at recording, the responses sent; axe-core on the meeting and
the round's page.

Set FORMS_WEB_SCREENSHOTS=folder to keep photographs of both pages at 1366x768 and 820x1180."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from forms_processor.api import FormsApp
from tests.host.conftest import AWKWARD_SCHOOL, Maker
from tests.web.conftest import Served
from tests.web.meeting_support import BUDGET, meeting_home
from tests.web.test_browser import CHROMIUM, browser, no_serious_violations, page, shots, sign_in, sync_api  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def home_dir(tmp_path: Path, smtp_port: int) -> Path:
    return meeting_home(tmp_path, smtp_port)



def pounds(value: Decimal) -> str:
    return f"£{value:,.2f}"


def test_the_meeting(page: Any, served: Served, maker: Maker, forms: FormsApp, tmp_path: Path) -> None:  # noqa: F811
    expect = sync_api.expect
    a, b, c = (maker.application(s) for s in (AWKWARD_SCHOOL, "Marsham Primary School", "Cawston Primary School"))
    for ref in (a, b, c):
        forms.forward(ref)
    asked = {r: Decimal(forms.get(r).amount_requested or "0") for r in (a, b, c)}
    budget = Decimal(BUDGET)
    assert asked[a] + asked[b] <= budget < asked[a] + asked[b] + asked[c], asked

    named = maker.ingest(maker.values("Oulton Junior School", pupil_1_ref="Amy Jones"))  # a problem to show
    assert named.status == "invalid"
    sign_in(page, served.url, "host")
    page.wait_for_url("**/today")
    page.goto(served.url + "/rounds/AU2")
    no_serious_violations(page)
    shots(page, "round", tmp_path)
    page.get_by_role("link", name="The meeting: record the decisions").click()
    page.wait_for_url("**/rounds/AU2/meeting")
    left = page.locator("#money-left")
    expect(left).to_have_text(pounds(budget))
    no_serious_violations(page)

    # The first: approved; the guard shows what would be left, then the money left changes.
    card = page.locator(f"#card-{a}")
    card.get_by_label("Approved", exact=True).check()
    expect(card.locator(".guard")).to_contain_text(f"{pounds(budget - asked[a])} would be left")
    card.get_by_role("button", name="Record the decision").click()
    expect(left).to_have_text(pounds(budget - asked[a]))
    expect(card.get_by_role("status")).to_contain_text("Approved")
    expect(card.get_by_role("status")).to_be_focused()  # the keyboard carries on from what happened
    expect(card.locator("form[action$='/decide']")).to_have_count(0)  # decided: locked
    expect(card.get_by_role("button", name="Record the correction")).to_be_hidden()  # behind "Correct this decision"

    # The second: approved with conditions reveals its two fields.
    card = page.locator(f"#card-{b}")
    card.get_by_label("Approved with conditions").check()
    card.get_by_label("Conditions", exact=True).fill("Report the reading ages each half term.")
    card.get_by_label("Feedback to the school").fill("A clear plan with measurable outcomes.")
    expect(card.get_by_label("Amount awarded", exact=False)).to_have_count(0)
    card.get_by_role("button", name="Record the decision").click()
    after_two = budget - asked[a] - asked[b]
    expect(left).to_have_text(pounds(after_two))

    # The third would overspend: refused before recording, and at recording.
    card = page.locator(f"#card-{c}")
    card.get_by_label("Approved", exact=True).check()
    expect(card.locator(".guard")).to_contain_text("Refused before recording")
    expect(card.locator(".guard")).to_contain_text("would overspend")
    no_serious_violations(page)
    shots(page, "meeting", tmp_path)
    card.get_by_role("button", name="Record the decision").click()
    expect(card.get_by_role("alert")).to_contain_text("would overspend")
    expect(card.get_by_role("alert")).to_be_focused()
    assert forms.get(c).state.value == "with_working_party"
    expect(left).to_have_text(pounds(after_two))
    # The card was swapped for the refusal: htmx sets up its controls once it settles (20 ms).
    expect(page.locator(".htmx-added, .htmx-settling")).to_have_count(0)
    # Partly funded instead: the guard follows the amount as it is typed.
    card.get_by_label("Partially funded").check()
    card.get_by_label("Amount awarded", exact=False).fill("1000")
    expect(card.locator(".guard")).to_contain_text(f"{pounds(after_two - 1000)} would be left")

    # The responses: sent for the two decisions, and the page says so.
    page.get_by_role("button", name="Send the responses").click()
    expect(page.get_by_role("status").first).to_contain_text("2 responses made (Word and PDF); 2 emails queued")
    assert forms.get(a).state.value == "impact_due" and forms.get(b).state.value == "impact_due"
    no_serious_violations(page)
    shots(page, "meeting-after", tmp_path)


def test_the_meeting_without_script(browser: Any, served: Served, maker: Maker, forms: FormsApp,  # noqa: F811
                                    tmp_path: Path) -> None:
    expect = sync_api.expect
    ref = maker.application(AWKWARD_SCHOOL)
    forms.forward(ref)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, java_script_enabled=False)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    try:
        sign_in(pg, served.url, "wp")
        pg.goto(served.url + "/meeting")
        pg.wait_for_url("**/rounds/AU2/meeting")
        card = pg.locator(f"#card-{ref}")
        card.get_by_label("Declined").check()
        card.get_by_role("button", name="Show its fields and the money left").click()
        card = pg.locator(f"#card-{ref}")
        expect(card.locator(".guard")).to_contain_text(f"{pounds(Decimal(BUDGET))} would be left")
        card.get_by_label("Feedback to the school").fill("Not this round: the costs are not itemised.")
        # (axe-core needs script: the same markup is checked with it in test_the_meeting.)
        shots(pg, "meeting-no-script", tmp_path)
        card.get_by_role("button", name="Record the decision").click()
        expect(pg.get_by_role("status").first).to_contain_text(f"{ref}: Declined")
        assert forms.get(ref).state.value == "declined"
    finally:
        context.close()
