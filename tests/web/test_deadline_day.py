"""The deadline-day path in a real browser (Playwright driving Debian's Chromium against the
app served by uvicorn on loopback): the Host signs in, forms arrive while Today is open (one
dropped in the inbox with the folder watcher running, others taken in through the library)
and Today updates by itself; the Host opens one, forwards it, goes on to the next with the
keyboard, returns one with a reason and moves a late form to the next round.

Each page is checked with axe-core (no serious or critical violation) and walked with the Tab
key alone (every control reached). Set FORMS_WEB_SCREENSHOTS=folder to photograph them at a
laptop's size (1366x768) and a tablet's (820x1180)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from forms_processor.api import FileOutcome, FormsApp
from forms_processor.documents import fill_docx, template_docx
from forms_processor.drivers.beside import WatcherThread
from forms_processor.drivers.watcher import WatchSettings
from forms_processor.readers.legacy import libreoffice
from forms_processor.spec import APPLICATION
from tests.host.conftest import AWKWARD_SCHOOL, ROUND, Maker
from tests.host.test_move import late_application
from tests.web.conftest import OTHER_SCHOOL, Served
from tests.web.test_browser import CHROMIUM, browser, no_serious_violations, page, sign_in  # noqa: F401

NEXT_ROUND = "Spring 1 2027"
SIZES = {"laptop": (1366, 768), "tablet": (820, 1180)}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api")


def shots(pg: Any, name: str, tmp_path: Path) -> None:
    """Photographs for a person to look at, taken when FORMS_WEB_SCREENSHOTS names a folder."""
    keep = os.environ.get("FORMS_WEB_SCREENSHOTS")
    if not keep:
        return
    for size, (w, h) in SIZES.items():
        pg.set_viewport_size({"width": w, "height": h})
        paths = [tmp_path / f"{name}-{size}.png"]
        pg.screenshot(path=str(paths[0]), full_page=True)
        if pg.locator("iframe").count():  # the original as the screen shows it (a whole-page photograph
            pg.locator("iframe").scroll_into_view_if_needed()  # stretches the frame, which then repaints)
            pg.wait_for_timeout(1500)  # only for the photographs: the PDF viewer paints after it loads
            paths.append(tmp_path / f"{name}-{size}-original.png")
            pg.screenshot(path=str(paths[1]))
        Path(keep).mkdir(parents=True, exist_ok=True)
        for path in paths:
            shutil.copy(path, Path(keep) / path.name)
    pg.set_viewport_size({"width": 1366, "height": 768})


def every_control_reachable(pg: Any, presses: int = 300) -> None:
    """Tab from the top of the page until every visible control (link, button, field,
    summary, the original's frame) has had the focus. A group of radio buttons is one stop
    of the Tab key (the arrow keys choose within it), so it counts once."""
    names = pg.evaluate("""() => {
        const all = [...document.querySelectorAll(
            'a[href], button, input:not([type=hidden]), select, textarea, summary, iframe')];
        const visible = all.filter(e => e.getClientRects().length > 0 && !e.closest('details:not([open]) > :not(summary)'));
        const groups = new Map();
        const shown = [];
        visible.forEach(e => {
            if (e.type === 'radio' && e.name) {
                const key = [...document.forms].indexOf(e.form) + ':' + e.name;
                if (groups.has(key)) { e.dataset.kb = groups.get(key); return; }
                groups.set(key, String(shown.length));
            }
            e.dataset.kb = String(shown.length);
            shown.push(e);
        });
        if (document.activeElement) { document.activeElement.blur(); }
        return shown.map(e => (e.textContent || e.getAttribute('title') || e.id || e.tagName).trim().slice(0, 40));
    }""")
    seen: set[int] = set()
    for _ in range(presses):
        pg.keyboard.press("Tab")
        kb = pg.evaluate("() => document.activeElement && document.activeElement.dataset.kb")
        if kb is not None:
            seen.add(int(kb))
        if len(seen) == len(names):
            return
    missing = [names[i] for i in range(len(names)) if i not in seen]
    assert not missing, f"not reached with the Tab key: {missing}"


def drop_in_inbox(forms: FormsApp, maker: Maker, school: str) -> None:
    """A real Word form copied into the inbox as a person would (written beside it, moved in whole)."""
    data = fill_docx(template_docx(APPLICATION, forms.config), maker.values(school))
    part = forms.home.inbox.parent / "deadline-day.docx.part"
    part.write_bytes(data)
    part.rename(forms.home.inbox / "deadline-day.docx")


def test_deadline_day(page: Any, served: Served, maker: Maker, forms: FormsApp, tmp_path: Path) -> None:  # noqa: F811 - the fixture
    page.goto(served.url + "/today")
    assert page.url.endswith("/sign-in")  # not signed in: to the sign-in page
    sign_in(page, served.url, "host")
    page.wait_for_url("**/today")
    count = page.locator(f'.count[data-round="{ROUND}"]')
    sync_api.expect(count).to_have_text("0")

    # Forms arrive while Today is open: it updates by itself.
    outcomes: list[FileOutcome] = []
    watcher = WatcherThread(forms.home, WatchSettings(settle_seconds=0.3, rescan_seconds=1), on_outcome=outcomes.append)
    watcher.start()
    try:
        drop_in_inbox(forms, maker, AWKWARD_SCHOOL)
        sync_api.expect(count).to_have_text("1", timeout=60_000)
        second = maker.application(OTHER_SCHOOL, kind="pdf")
        late = late_application(forms, maker)
        sync_api.expect(count).to_have_text("3", timeout=60_000)
    finally:
        watcher.stop()
    (dropped,) = [o.reference for o in outcomes if o.status == "accepted"]
    assert page.url.endswith("/today")  # no reload: the page's panel was swapped in
    sync_api.expect(page.locator("section.late").get_by_role("link", name=late)).to_be_visible()
    no_serious_violations(page)
    every_control_reachable(page)
    shots(page, "today", tmp_path)

    # Open the form that came through the inbox: its Word original is shown as a PDF.
    with page.expect_response(lambda r: r.url.endswith("/original.pdf"), timeout=60_000) as shown:
        page.locator("section.round").get_by_role("link", name=dropped).click()
    assert shown.value.status == 200
    page.wait_for_url(f"**/forms/{dropped}?in=awaiting_check", wait_until="domcontentloaded")
    sync_api.expect(page.get_by_role("heading", name=dropped, level=1)).to_be_visible()
    if libreoffice() is not None:
        assert shown.value.headers["content-type"] == "application/pdf"
        sync_api.expect(page.locator("iframe[title='The original Word form, shown as a PDF']")).to_be_visible()
    no_serious_violations(page)
    every_control_reachable(page)
    shots(page, "form-word", tmp_path)

    # Forward it, then on to the next of the list with the keyboard alone (j).
    page.get_by_role("button", name="Forward to the Working Party").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("forwarded to the Working Party")
    sync_api.expect(page.locator("#state")).to_have_text("with the Working Party")
    assert forms.get(dropped).state.value == "with_working_party"
    page.wait_for_load_state("domcontentloaded")  # keys.js is deferred: it listens once the page is parsed
    page.keyboard.press("j")
    page.wait_for_url(f"**/forms/{second}?in=awaiting_check", wait_until="domcontentloaded")
    sync_api.expect(page.locator("iframe[title='The original form as received']")).to_be_visible()
    no_serious_violations(page)
    shots(page, "form-pdf", tmp_path)

    # Return it with a reason: an empty reason is stopped by the browser.
    returning = page.locator("form[action*='/return']")
    returning.get_by_role("button", name="Return to the school").click()
    assert forms.get(second).state.value == "awaiting_check"
    # Typed keys in a field stay in the field (n, j, k and p here do not leave the page).
    returning.get_by_label("Reason").press_sequentially("The costs in section 5 do not add up: please adjust them.")
    assert page.url.endswith(f"/forms/{second}?in=awaiting_check")
    returning.get_by_role("button", name="Return to the school").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("returned to the school")
    assert forms.get(second).state.value == "returned"
    assert [h["actor"] for h in forms.show(second)["history"] if h["action"] == "returned"] == ["host"]

    # The late form, next in the list (n this time): move it to the next round.
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press("n")
    page.wait_for_url(f"**/forms/{late}?in=awaiting_check", wait_until="domcontentloaded")
    sync_api.expect(page.locator("#late")).to_contain_text("arrived after the deadline")
    moving = page.locator("#move")
    sync_api.expect(moving.get_by_label("Round to move it to")).to_have_value(NEXT_ROUND)
    no_serious_violations(page)
    every_control_reachable(page)
    shots(page, "form-late", tmp_path)
    moving.get_by_label("Reason").fill("It arrived after the Autumn 2 deadline.")
    moving.get_by_role("button", name="Move to this round").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text(f"moved from {ROUND} to {NEXT_ROUND}")
    assert forms.get(late).round == NEXT_ROUND

    page.get_by_role("link", name="Today").click()
    sync_api.expect(count).to_have_text("0")
    sync_api.expect(page.locator(f'.count[data-round="{NEXT_ROUND}"]')).to_have_text("1")
    sync_api.expect(page.locator("#waiting-school")).to_contain_text("1")
    no_serious_violations(page)
