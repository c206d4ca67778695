"""A paper form photographed page by page with a phone and emailed, one photo a page, with no Word or
PDF form beside the photos: read as ONE form (the photos made into one image-only PDF, in the order
attached, inside the unpacking worker), with one acknowledgement; the same in a zip, by the natural
order of the photos' names; one photo alone still read as a picture.

The photos are made as tests/mail/test_photo_by_email.py makes one: the filled application form
printed to PDF by LibreOffice (three pages), each page rendered by pdftoppm, turned, speckled,
unevenly lit, saved as a JPEG. Real .eml files are taken in by 'forms ingest'; the Host's page is
shown by Chromium (Playwright) with the PDF of the pages beside the values read.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.home import Home, init_home, open_home
from forms_processor.spec import APPLICATION, IMPACT
from tests.mail.test_mailbox import outgoing
from tests.mail.test_photo_by_email import CONFIRM, poor_photo, senco_of
from tests.paper.makers import compare, missing, photographed_pages, printed_word, sample_values, spec_of
from tests.paper.test_junk import signed
from tests.support import chromium, free_port, wait_for

pytestmark = pytest.mark.slow

# As the 300 dpi scan must read (tests/readers/test_scans.py): the photos are of a 200 dpi page.
LEAST = 0.95
Values = dict[str, str | bool]


class Paper:
    """The filled forms printed and photographed: the application's pages, one JPEG a page, and the
    impact form's one page."""

    def __init__(self, values: dict[str, Values], pages: list[bytes], impact: bytes) -> None:
        self.values, self.pages, self.impact = values, pages, impact

    @property
    def school(self) -> str:
        return str(self.values[APPLICATION.form_id]["school_name"])


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Paper:
    reason = missing("soffice", "pdftoppm", "tesseract")
    if reason:
        pytest.skip(f"a photographed form needs LibreOffice, poppler and Tesseract: {reason}")
    folder = tmp_path_factory.mktemp("pages")
    root, _ = init_home(folder / "values-home")
    values = sample_values(open_home(root).config, seed=5)
    printed = printed_word(folder, open_home(root).config, values, [("A4", "normal")])
    pdfs = {form_id: data for (form_id, _, _), data in printed.items()}
    pages = photographed_pages(folder, pdfs[APPLICATION.form_id], "application", angle=1.5, seed=4)
    assert len(pages) >= 2, "the application form prints on several pages"
    (impact,) = photographed_pages(folder, pdfs[IMPACT.form_id], "impact", angle=-1.0, seed=6)
    return Paper(values, pages, impact)


def ingest_eml(home: Home, folder: Path, sender: str, attachments: list[tuple[str, bytes, tuple[str, str]]]) -> tuple[list[dict[str, Any]], str]:
    """An email as Outlook sends one (a signature's logo inside the text), the attachments after,
    saved as .eml and taken in by 'forms ingest --json': (the rows, stderr)."""
    em = signed(sender, "Application form", body="Please find photos of our application form.", attachments=attachments)
    eml = folder / "Application form.eml"
    eml.write_bytes(em.as_bytes())
    done = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", "--json", str(eml)], catch_exceptions=False)
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout), done.stderr


def jpegs(paper: Paper, names: list[str], order: list[int]) -> list[tuple[str, bytes, tuple[str, str]]]:
    return [(names[n], paper.pages[n], ("image", "jpeg")) for n in order]


def streams(pdf: bytes) -> list[bytes]:
    """Each page's picture, as put in the PDF."""
    return [p["/Resources"]["/XObject"]["/Im0"].get_data() for p in PdfReader(io.BytesIO(pdf)).pages]


def share_right(expected: Values, got: dict[str, Any]) -> tuple[float, list[str]]:
    wrong = compare(spec_of(APPLICATION.form_id), expected, got)
    return (len(expected) - len([w for w in wrong if w.split(":")[0] in expected])) / len(expected), wrong


def one_scanned_form(app: FormsApp, row: dict[str, Any], sender: str) -> tuple[Any, Any]:
    """The one form the email became: recorded from a scan, awaiting the Host's confirmation, with
    one acknowledgement of a scan to the school. (form, its scan review)."""
    assert row["status"] == "accepted" and row["reference"], row
    assert app.db.one("SELECT COUNT(*) AS n FROM submissions")["n"] == 1
    assert app.db.one("SELECT COUNT(*) AS n FROM forms")["n"] == 1
    form = app.get(row["reference"])
    review = app.scan_review(row["reference"])
    assert form.form_id == APPLICATION.form_id and form.reader == "scan"
    assert form.state.value == "awaiting_check" and form.awaits_scan_confirmation
    assert review is not None and not review.confirmed and review.values and not review.picture
    mails = outgoing(app)
    assert [m["kind"] for m in mails] == ["ack-accepted"], mails
    assert CONFIRM in mails[0]["body"] and "(a scan)" in mails[0]["subject"] and sender in mails[0]["to_addrs"]
    return form, review


@pytest.fixture(scope="module")
def in_order(paper: Paper, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    """A home that took in the email with the pages attached in order: (its root, the row, stderr)."""
    folder = tmp_path_factory.mktemp("in-order")
    root, _ = init_home(folder / "home")
    home = open_home(root)
    names = [f"IMG_30{n:02d}.jpg" for n in range(1, len(paper.pages) + 1)]
    rows, err = ingest_eml(home, folder, senco_of(home.config, paper.school),
                           jpegs(paper, names, list(range(len(paper.pages)))))
    assert len(rows) == 1, (rows, err)  # one form, not one a page
    return root, rows[0], err


def test_the_pages_photographed_and_attached_to_one_email_are_read_as_one_form(
        paper: Paper, in_order: tuple[Path, dict[str, Any], str]) -> None:
    root, row, _ = in_order
    home = open_home(root)
    count = len(paper.pages)
    assert row["file"].endswith(f"IMG_3001 to IMG_30{count:02d} ({count} photos).pdf"), row
    with FormsApp(home) as app:
        form, review = one_scanned_form(app, row, senco_of(home.config, paper.school))
        sub = app.db.one("SELECT file_name, source FROM submissions")
        assert (sub["file_name"], sub["source"]) == (f"IMG_3001 to IMG_30{count:02d} ({count} photos).pdf", "eml")
    share, wrong = share_right(paper.values[APPLICATION.form_id], form.raw)
    print(f"in the order attached: {share:.1%} of {len(paper.values[APPLICATION.form_id])} fields right; {wrong}")
    assert share >= LEAST, wrong
    # The original kept is the one PDF of the photos, in the order attached (each JPEG as sent).
    assert review.scan is not None and review.scan.read_bytes()[:5] == b"%PDF-"
    assert streams(review.scan.read_bytes()) == paper.pages


def test_the_same_photos_sent_again_are_a_duplicate_answered_by_nothing(
        paper: Paper, in_order: tuple[Path, dict[str, Any], str], tmp_path: Path) -> None:
    """The same photos make the same PDF, byte for byte (another email, its own MIME boundaries)."""
    root, first, _ = in_order
    home = open_home(root)
    names = [f"IMG_30{n:02d}.jpg" for n in range(1, len(paper.pages) + 1)]
    with FormsApp(home) as app:
        before = len(outgoing(app))
    rows, err = ingest_eml(home, tmp_path, senco_of(home.config, paper.school),
                           jpegs(paper, names, list(range(len(paper.pages)))))
    assert [r["status"] for r in rows] == ["duplicate"], (rows, err)
    with FormsApp(home) as app:
        assert len(outgoing(app)) == before and app.db.one("SELECT COUNT(*) AS n FROM forms")["n"] == 1


def test_the_pages_attached_in_reverse_are_put_in_the_order_attached_and_still_read(
        paper: Paper, home: Home, tmp_path: Path) -> None:
    """The order is the school's: the last page first in the PDF too. The page reader finds each
    field by its printed label on whichever page it is, so the form still reads (as measured here:
    the same share of fields as in order)."""
    count = len(paper.pages)
    names = [f"page {n}.jpg" for n in range(1, count + 1)]
    sender = senco_of(home.config, paper.school)
    rows, err = ingest_eml(home, tmp_path, sender, jpegs(paper, names, list(reversed(range(count)))))
    assert len(rows) == 1, (rows, err)
    assert rows[0]["file"].endswith(f"page {count} to page 1 ({count} photos).pdf")
    with FormsApp(home) as app:
        form, review = one_scanned_form(app, rows[0], sender)
    assert streams(review.scan.read_bytes()) == paper.pages[::-1]
    share, wrong = share_right(paper.values[APPLICATION.form_id], form.raw)
    print(f"in reverse: {share:.1%} right; {wrong}")
    assert share >= LEAST, wrong


def test_a_zip_of_the_pages_is_one_form_in_the_natural_order_of_their_names(
        paper: Paper, home: Home, tmp_path: Path) -> None:
    """Named "Scan 9", "Scan 10", "Scan 11" (by letters, 10 and 11 would come before 9) and put in
    the zip in another order."""
    count = len(paper.pages)
    names = [f"Form/Scan {9 + n}.jpg" for n in range(count)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for n in [*range(1, count), 0]:
            zf.writestr(names[n], paper.pages[n])
        zf.writestr("__MACOSX/Form/._Scan 9.jpg", b"a Mac's resource fork")
    sender = senco_of(home.config, paper.school)
    rows, err = ingest_eml(home, tmp_path, sender, [("Form.zip", out.getvalue(), ("application", "zip"))])
    assert len(rows) == 1, (rows, err)
    with FormsApp(home) as app:
        form, review = one_scanned_form(app, rows[0], sender)
    assert streams(review.scan.read_bytes()) == paper.pages
    share, wrong = share_right(paper.values[APPLICATION.form_id], form.raw)
    assert share >= LEAST, wrong


def test_pages_too_poor_to_read_get_one_refusal_saying_what_was_sent(home: Home, tmp_path: Path) -> None:
    sender = home.config.schools[0].senco_email
    assert sender
    rows, err = ingest_eml(home, tmp_path, sender, [(f"IMG_50{n}.jpg", poor_photo(), ("image", "jpeg")) for n in (1, 2)])
    assert [r["status"] for r in rows] == ["rejected"], (rows, err)
    with FormsApp(home) as app:
        mails = outgoing(app)
    assert [m["kind"] for m in mails] == ["ack-rejected"], mails
    body = mails[0]["body"]
    assert "We received a form photographed page by page (2 photos, read together as one form)" in body
    assert "could not be read well enough" in body and "Word or PDF form" in body and "IMG_50" not in body


def test_one_photo_alone_is_still_read_as_a_picture(paper: Paper, home: Home, tmp_path: Path) -> None:
    school = str(paper.values[IMPACT.form_id]["school_name"])
    sender = senco_of(home.config, school)
    rows, err = ingest_eml(home, tmp_path, sender, [("IMG_4001.jpg", paper.impact, ("image", "jpeg"))])
    assert [r["status"] for r in rows] == ["accepted"], (rows, err)
    with FormsApp(home) as app:
        form = app.get(rows[0]["reference"])
        review = app.scan_review(rows[0]["reference"])
        assert form.form_id == IMPACT.form_id and form.reader == "scan" and form.awaits_scan_confirmation
        # Kept as it came: the JPEG itself, shown as a picture.
        assert review is not None and review.picture and review.scan is not None
        assert review.scan.read_bytes() == paper.impact
        assert app.db.one("SELECT file_name FROM submissions")["file_name"] == "IMG_4001.jpg"
        assert [m["kind"] for m in outgoing(app)] == ["ack-accepted"]


# -- the Host's page, in a real browser ------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def test_the_hosts_page_shows_every_page_beside_the_values(
        paper: Paper, in_order: tuple[Path, dict[str, Any], str], browser: Any, tmp_path: Path) -> None:
    import uvicorn

    from forms_processor.web.app import create_app
    from tests.web.conftest import PASSWORD
    from tests.web.test_browser import no_serious_violations

    root, row, _ = in_order
    reference = row["reference"]
    with FormsApp(open_home(root)) as forms:
        forms.add_user("pages-host", "host", PASSWORD)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(forms), host="127.0.0.1", port=port, log_level="warning",
                                               access_log=False))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            wait_for(lambda: server.started, timeout=10)
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            pg = context.new_page()
            pg.set_default_timeout(15_000)
            url = f"http://127.0.0.1:{port}"
            pg.goto(url + "/")
            pg.get_by_label("Username").fill("pages-host")
            pg.get_by_label("Password").fill(PASSWORD)
            pg.get_by_role("button", name="Sign in").click()
            pg.goto(f"{url}/forms/{reference}")
            assert pg.get_by_role("heading", name="Read from a scan").is_visible()
            assert pg.get_by_role("button", name="Confirm these values").is_visible()
            # The pages are shown as the one PDF kept, in the page, and downloaded as one file.
            frame = pg.locator("aside.original iframe")
            assert frame.get_attribute("src") == f"/forms/{reference}/original#navpanes=0"
            shown = pg.request.get(f"{url}/forms/{reference}/original")
            assert shown.headers["content-type"] == "application/pdf"
            assert len(PdfReader(io.BytesIO(shown.body())).pages) == len(paper.pages)
            download = pg.request.get(f"{url}/forms/{reference}/original?download=1")
            assert download.headers["content-disposition"].startswith("attachment;")
            assert download.body() == shown.body()
            assert pg.get_by_role("link", name="Download the original (PDF)").is_visible()
            pg.wait_for_load_state("networkidle")
            no_serious_violations(pg)
            frame.scroll_into_view_if_needed()
            shot = tmp_path / "combined-scan-form.png"
            pg.screenshot(path=str(shot), full_page=True)
            keep = os.environ.get("FORMS_WEB_SCREENSHOTS")
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(keep) / shot.name)
            context.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
