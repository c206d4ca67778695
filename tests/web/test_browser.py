"""The web page in a real browser: Playwright driving Debian's Chromium against the app
served by uvicorn on loopback (the deadline-day path is test_deadline_day.py). Each page is
checked with axe-core (no serious or critical violation) and photographed at a laptop's and a
tablet's size.

Set FORMS_WEB_SCREENSHOTS=folder to take the screenshots (at 1366x768 and 768x1024)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from forms_processor.api import FormsApp
from tests.host.conftest import AWKWARD_SCHOOL, ROUND, Maker
from tests.support import CHROMIUM, chromium
from tests.web.conftest import OTHER_SCHOOL, PASSWORD, Served

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
SIZES = {"laptop": (1366, 768), "tablet": (768, 1024)}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def shots(pg: Any, name: str, tmp_path: Path) -> None:
    """Photographs for a person to look at, taken when FORMS_WEB_SCREENSHOTS names a folder."""
    keep = os.environ.get("FORMS_WEB_SCREENSHOTS")
    if not keep:
        return
    for size, (w, h) in SIZES.items():
        pg.set_viewport_size({"width": w, "height": h})
        path = tmp_path / f"{name}-{size}.png"
        pg.screenshot(path=str(path), full_page=True)
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    pg.set_viewport_size({"width": 1366, "height": 768})


def no_serious_violations(pg: Any) -> None:
    # Evaluated through the DevTools protocol, which the page's CSP (rightly) does not let a
    # script tag do.
    pg.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = pg.evaluate("async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact,"
                         " nodes: v.nodes.map(n => n.target.join(' '))}))")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(bad, indent=1)


def sign_in(pg: Any, url: str, name: str) -> None:
    pg.goto(url + "/")
    pg.get_by_label("Username").fill(name)
    pg.get_by_label("Password").fill(PASSWORD)
    pg.get_by_role("button", name="Sign in").click()


def test_the_other_roles_pages(page: Any, browser: Any, served: Served, maker: Maker, tmp_path: Path) -> None:
    own = maker.application(AWKWARD_SCHOOL, intervention_title="<script>document.title='owned'</script> kits")
    other = maker.application(OTHER_SCHOOL)
    sign_in(page, served.url, "senco")
    page.wait_for_url("**/school")
    sync_api.expect(page.get_by_role("link", name=own)).to_be_visible()
    assert page.get_by_role("link", name=other).count() == 0
    no_serious_violations(page)
    shots(page, "school", tmp_path)
    page.get_by_role("link", name=own).click()
    sync_api.expect(page.get_by_text("<script>document.title='owned'</script> kits")).to_be_visible()
    assert "owned" not in page.title()
    assert page.get_by_role("button", name="Forward to the Working Party").count() == 0
    no_serious_violations(page)
    page.goto(f"{served.url}/forms/{other}")
    sync_api.expect(page.get_by_role("heading", name="Not done")).to_be_visible()
    no_serious_violations(page)
    shots(page, "not-found", tmp_path)
    page.goto(f"{served.url}/today")
    sync_api.expect(page.get_by_role("heading", name="Not for your role")).to_be_visible()

    viewer = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(viewer, served.url, "gov")
    viewer.wait_for_url("**/totals")
    sync_api.expect(viewer.get_by_role("rowheader", name=ROUND)).to_be_visible()
    no_serious_violations(viewer)
    shots(viewer, "totals", tmp_path)
    viewer.context.close()


def test_keyboard_alone(page: Any, served: Served, maker: Maker, forms: FormsApp) -> None:
    ref = maker.application(AWKWARD_SCHOOL)
    page.goto(served.url + "/sign-in")
    page.keyboard.type("host")  # the Username field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/today")
    link = page.get_by_role("link", name=ref)
    sync_api.expect(link).to_be_visible()
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/forms/{ref}?in=awaiting_check")  # from Today: its list
    page.get_by_role("button", name="Forward to the Working Party").focus()
    page.keyboard.press("Enter")
    sync_api.expect(page.get_by_role("status")).to_contain_text("forwarded")
    assert forms.get(ref).state.value == "with_working_party"


def test_wrong_password_and_expiry_in_the_browser(page: Any, served: Served, tmp_path: Path) -> None:
    page.goto(served.url + "/sign-in")
    no_serious_violations(page)
    shots(page, "sign-in", tmp_path)
    page.get_by_label("Username").fill("host")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("alert")).to_have_text("The username or password is not right.")
    no_serious_violations(page)
    sign_in(page, served.url, "host")
    page.wait_for_url("**/today")
    served.clock.now += 31 * 60  # idle past the timeout: the polling page goes to the sign-in page
    page.wait_for_url("**/sign-in")


def test_a_round_in_the_browser(page: Any, served: Served, maker: Maker, forms: FormsApp, tmp_path: Path) -> None:
    for school in (AWKWARD_SCHOOL, OTHER_SCHOOL, OTHER_SCHOOL):
        maker.application(school)
    clean = [s.reference for s in forms.clean_applications(ROUND)]
    sign_in(page, served.url, "host")
    page.get_by_role("link", name=ROUND).click()
    page.wait_for_url("**/rounds/AU2")
    page.get_by_label("School").select_option(AWKWARD_SCHOOL)
    page.get_by_role("button", name="Show").click()
    sync_api.expect(page.get_by_role("heading", name="Applications: 1")).to_be_visible()
    no_serious_violations(page)
    shots(page, "round", tmp_path)
    page.get_by_role("link", name="Forward the").click()
    for ref in clean:
        sync_api.expect(page.get_by_role("link", name=ref)).to_be_visible()
    no_serious_violations(page)
    shots(page, "forward-clean", tmp_path)
    page.get_by_role("button", name=f"Forward these {len(clean)} to the Working Party").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("forwarded to the Working Party")
    assert all(forms.get(ref).state.value == "with_working_party" for ref in clean)
