"""Scanned and photographed forms, made here with the real tools and read by Tesseract.

The filled Word form is printed to PDF by LibreOffice, rendered by pdftoppm at 300 and 200 dpi,
turned by up to 3 degrees, speckled with noise and put back into an image-only PDF (one JPEG a
page, as a scanner writes it); the impact form is also "photographed" (a JPEG with no resolution,
turned, grainy, unevenly lit). Each is read once per module, and compared field by field with
what was filled in. Then the whole path: a scan ingested through FormsApp is accepted but
awaits the Host's confirmation, is refused forwarding until confirmed (FormsApp and the CLI),
and the Host's corrections are recorded in the history.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.errors import NotAllowed, UnreadableDocument
from forms_processor.home import init_home, open_home
from forms_processor.readers import read_document
from forms_processor.readers.base import ExtractedForm
from forms_processor.spec import APPLICATION, IMPACT
from forms_processor.store.db import fetch_all
from tests.paper.makers import compare, missing, photographed, printed_word, sample_values, scanned, spec_of

pytestmark = pytest.mark.slow

Values = dict[str, dict[str, str | bool]]


def _skip_without_tools() -> None:
    reason = missing("soffice", "pdftoppm", "tesseract")
    if reason:
        pytest.skip(f"scans need LibreOffice, poppler and Tesseract: {reason}")


@pytest.fixture(scope="module")
def home_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root, _ = init_home(tmp_path_factory.mktemp("scans") / "home")
    return root


@pytest.fixture(scope="module")
def paper(home_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Values, dict[str, bytes]]:
    """The filled forms (the home's own cluster) printed to PDF by LibreOffice, on A4."""
    _skip_without_tools()
    folder = tmp_path_factory.mktemp("printed")
    config = open_home(home_root).config
    values = sample_values(config, seed=5)
    printed = printed_word(folder, config, values, [("A4", "normal")])
    return folder, values, {form_id: data for (form_id, _, _), data in printed.items()}


@pytest.fixture(scope="module")
def scans(paper: tuple[Path, Values, dict[str, bytes]]) -> dict[str, tuple[str, bytes]]:
    folder, _, pdfs = paper
    app, impact = pdfs[APPLICATION.form_id], pdfs[IMPACT.form_id]
    return {
        "300 dpi": (APPLICATION.form_id, scanned(folder, app, "s300", dpi=300, angle=1.5, noise=0.01, seed=1)),
        "200 dpi": (APPLICATION.form_id, scanned(folder, app, "s200", dpi=200, angle=-3.0, noise=0.01, seed=2)),
        "photo": (IMPACT.form_id, photographed(folder, impact, "photo", angle=2.0, seed=3)),
    }


@pytest.fixture(scope="module")
def read(scans: dict[str, tuple[str, bytes]]) -> dict[str, ExtractedForm]:
    """Each scan read once (OCR), in this process; the 300 dpi scan is read through FormsApp below."""
    return {kind: read_document(data, "scan.pdf" if kind != "photo" else "photo.jpg")
            for kind, (_, data) in scans.items() if kind != "300 dpi"}


def _share_right(form_id: str, expected: dict[str, str | bool], got: dict[str, Any]) -> tuple[float, list[str]]:
    wrong = compare(spec_of(form_id), expected, got)
    return (len(expected) - len([w for w in wrong if w.split(":")[0] in expected])) / len(expected), wrong


@pytest.mark.parametrize(("kind", "least"), [("200 dpi", 0.85), ("photo", 0.90)])
def test_scans_and_photos_read_field_by_field(kind: str, least: float, scans: dict[str, tuple[str, bytes]],
                                              read: dict[str, ExtractedForm], paper: Any) -> None:
    form_id = scans[kind][0]
    form = read[kind]
    assert (form.form_id, form.reader, form.from_scan) == (form_id, "scan", True)
    share, wrong = _share_right(form_id, paper[1][form_id], form.fields)
    assert share >= least, (kind, share, wrong)
    # Every value read carries the lowest confidence of its words, 0-100.
    assert set(form.confidence) == set(form.fields)
    assert all(0 <= c <= 100 for c in form.confidence.values())


def test_a_page_too_poor_to_read_is_refused_asking_for_the_form(tmp_path: Path) -> None:
    """A blurred, dark photo (or a page of handwriting Tesseract cannot make out): refused politely."""
    _skip_without_tools()
    from PIL import Image, ImageDraw, ImageFilter

    page = Image.new("L", (1654, 2339), 90)
    draw = ImageDraw.Draw(page)
    for n in range(40):
        draw.line((100, 100 + 50 * n, 1500, 120 + 50 * n), fill=30, width=9)
    out = io.BytesIO()
    page.filter(ImageFilter.GaussianBlur(6)).save(out, format="JPEG")
    with pytest.raises(UnreadableDocument) as err:
        read_document(out.getvalue(), "photo.jpg")
    assert err.value.reason == "scan-unreadable"
    assert "Word or PDF form" in (err.value.hint or "")


# -- the whole path: accepted for the Host to confirm, never forwarded unconfirmed ------------------


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--home", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def ingested(home_root: Path, scans: dict[str, tuple[str, bytes]], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The 300 dpi scan taken in by 'forms ingest' (read in the reading workers, under their limits)."""
    path = tmp_path_factory.mktemp("drop") / "scanned form.pdf"
    path.write_bytes(scans["300 dpi"][1])
    code, out, err = run(home_root, "ingest", "--json", str(path))
    results = json.loads(out)
    assert results[0]["status"] == "accepted", (code, results, err)
    return str(results[0]["reference"])


def test_a_300_dpi_scan_is_read_right_and_awaits_confirmation(home_root: Path, ingested: str, paper: Any) -> None:
    with FormsApp(open_home(home_root)) as app:
        form = app.get(ingested)
        review = app.scan_review(ingested)
    assert form.state.value == "awaiting_check" and form.reader == "scan"
    share, wrong = _share_right(APPLICATION.form_id, paper[1][APPLICATION.form_id], form.raw)
    assert share >= 0.95, wrong
    assert review is not None and not review.confirmed and review.scan is not None and review.scan.is_file()
    assert {v.key for v in review.values} == set(form.raw)
    # The acknowledgement says the Host will confirm the values read from the scan.
    with FormsApp(open_home(home_root)) as app:
        bodies = [r["body"] for r in fetch_all(app.db, "SELECT body FROM outgoing_mail WHERE reference = ?", (ingested,))]
    assert bodies and "will confirm the values read from the scan" in bodies[0]


def test_an_unconfirmed_scan_is_never_forwarded(home_root: Path, ingested: str) -> None:
    with FormsApp(open_home(home_root)) as app:
        with pytest.raises(NotAllowed) as err:
            app.forward(ingested)
        assert "read from a scan" in err.value.message
        form = app.get(ingested)
        if form.round:
            assert ingested not in {s.reference for s in app.clean_applications(form.round)}
    code, _, stderr = run(home_root, "check", ingested, "--forward")
    assert code != 0 and "read from a scan" in stderr and "Traceback" not in stderr
    # forms check shows the values read, with their confidence, and the scan's file.
    code, _, stderr = run(home_root, "check", ingested)
    assert "READ FROM A SCAN" in stderr and "% sure" in stderr and "The scan: " in stderr


def test_the_web_page_shows_the_scan_and_confirms_its_values(home_root: Path, ingested: str,
                                                             scans: dict[str, tuple[str, bytes]],
                                                             tmp_path: Path) -> None:
    """The photo taken in too; on its page the Host sees the values read beside the scan, each uncertain
    one in a labelled box, and confirms them with one correction (recorded as the Host's)."""
    from starlette.testclient import TestClient

    from forms_processor.web.app import create_app
    from tests.web.conftest import PASSWORD, csrf_of, sign_in

    photo = tmp_path / "IMG_2041.jpg"
    photo.write_bytes(scans["photo"][1])
    with FormsApp(open_home(home_root), read=lambda data, name: read_document(data, name)) as app:
        (result,) = list(app.ingest_paths([photo]))
        assert result.status == "accepted" and result.reference
        reference = result.reference
        app.add_user("web-host", "host", PASSWORD)
        with TestClient(create_app(app), base_url="http://127.0.0.1") as client:
            sign_in(client, "web-host")
            page = client.get(f"/forms/{reference}")
            assert page.status_code == 200
            assert "Read from a scan" in page.text and "Confirm these values" in page.text
            assert f'<img class="scan" src="/forms/{reference}/original"' in page.text
            assert client.get(f"/forms/{reference}/original").headers["content-type"] == "image/jpeg"
            # The 300 dpi application, not yet confirmed: forwarding it from its page is refused.
            other = client.get(f"/forms/{ingested}")
            refused = client.post(f"/forms/{ingested}/forward", data={"csrf": csrf_of(other.text)})
            assert refused.status_code == 409 and "read from a scan" in refused.text
            review = app.scan_review(reference)
            assert review is not None
            key = next(v.key for v in review.values if isinstance(v.value, str))
            for v in review.uncertain:
                assert f'<label for="scan-{v.key}">' in page.text and f'name="value:{v.key}"' in page.text
            typed = {"csrf": csrf_of(page.text), f"value:{key}": "Corrected by the Host"}
            done = client.post(f"/forms/{reference}/confirm-scan", data=typed)
            assert done.status_code == 200 and "confirmed (1 corrected)" in done.text
        form = app.get(reference)
        assert form.scan_confirmed_by == "web-host" and form.raw[key] == "Corrected by the Host"
        corrected = [h for h in app.show(reference)["history"] if h["action"] == "corrected"]
        assert [h["actor"] for h in corrected] == ["web-host"]


def test_the_host_confirms_and_corrects_then_it_can_go_forward(home_root: Path, ingested: str) -> None:
    with FormsApp(open_home(home_root)) as app:
        before = app.get(ingested).raw.get("sessions_per_week")
    code, out, err = run(home_root, "check", ingested, "--confirm-scan", "--set", "sessions_per_week=4", "--json")
    assert code == 0, err
    assert json.loads(out)["scan_confirmed"] is True
    with FormsApp(open_home(home_root)) as app:
        form = app.get(ingested)
        assert form.raw["sessions_per_week"] == "4" and form.fields["sessions_per_week"] == 4
        history = app.show(ingested)["history"]
        corrected = [h for h in history if h["action"] == "corrected"]
        assert len(corrected) == 1 and corrected[0]["actor"] == "host"
        assert f"'{before}' → '4'" in corrected[0]["reason"] and "the Host's correction" in corrected[0]["reason"]
        assert any(h["action"] == "scan-confirmed" for h in history)
        assert app.forward(ingested).state.value == "with_working_party"
