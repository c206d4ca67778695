"""Several paper forms photographed and sent in one email, with no Word or PDF form beside the photos:
the photos grouped into forms, a new form at each photo of a form's first page (its title read at the
top by Tesseract, readers/first_page.py), each group read as one form with one acknowledgement.

The impact form prints on one page, the application on three: three impact forms photographed (one
photo each) are three forms; an application's three photos then an impact form's photo are two. The
photos are made as tests/mail/test_pages_by_email.py makes them: the filled Word forms printed to PDF
by LibreOffice, each page rendered by pdftoppm, turned, speckled, unevenly lit, saved as a JPEG; real
.eml files taken in by 'forms ingest'.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from forms_processor.api import FormsApp
from forms_processor.home import Home, init_home, open_home
from forms_processor.intake.email_kinds import Attachment, pages_of_one_form
from forms_processor.spec import APPLICATION, IMPACT
from tests.mail.test_mailbox import outgoing
from tests.mail.test_pages_by_email import ingest_eml, streams
from tests.mail.test_photo_by_email import CONFIRM, senco_of
from tests.paper.makers import compare, missing, photographed_pages, printed_word, sample_values, spec_of

pytestmark = pytest.mark.slow

# Seeds whose forms are all of one school (sample_values picks the school by seed; 8 schools).
SEEDS = (5, 13, 21)
# The share of an impact form's fields read right from its photo (measured: all of them).
LEAST = 0.9
Values = dict[str, str | bool]


class Papers:
    """Three different filled impact forms photographed (one JPEG each) and an application's pages."""

    def __init__(self, impacts: list[tuple[Values, bytes]], application: tuple[Values, list[bytes]]) -> None:
        self.impacts, self.application = impacts, application

    @property
    def school(self) -> str:
        return str(self.application[0]["school_name"])


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> Papers:
    reason = missing("soffice", "pdftoppm", "tesseract")
    if reason:
        pytest.skip(f"a photographed form needs LibreOffice, poppler and Tesseract: {reason}")
    folder = tmp_path_factory.mktemp("forms")
    root, _ = init_home(folder / "values-home")
    config = open_home(root).config
    impacts, application = [], None
    for seed in SEEDS:
        values = sample_values(config, seed=seed)
        wanted = values if application is None else {IMPACT.form_id: values[IMPACT.form_id]}
        printed = printed_word(folder / f"seed{seed}", config, wanted, [("A4", "normal")])
        pdfs = {form_id: data for (form_id, _, _), data in printed.items()}
        (impact,) = photographed_pages(folder / f"seed{seed}", pdfs[IMPACT.form_id], "impact", angle=-1.0, seed=seed)
        impacts.append((values[IMPACT.form_id], impact))
        if application is None:
            pages = photographed_pages(folder / f"seed{seed}", pdfs[APPLICATION.form_id], "app", angle=1.5, seed=4)
            application = (values[APPLICATION.form_id], pages)
    assert application is not None and len(application[1]) == 3, "the application prints on three pages"
    schools = {str(v["school_name"]) for v, _ in impacts}
    assert schools == {str(application[0]["school_name"])}, schools
    return Papers(impacts, application)


def scanned_forms(home: Home, rows: list[dict[str, Any]], sender: str) -> list[Any]:
    """Each row a form recorded from a scan, awaiting the Host's confirmation, and one acknowledgement
    of a scan to the school for each."""
    with FormsApp(home) as app:
        assert app.db.one("SELECT COUNT(*) AS n FROM forms")["n"] == len(rows)
        forms = []
        for row in rows:
            assert row["status"] == "accepted" and row["reference"], row
            form = app.get(row["reference"])
            assert form.reader == "scan" and form.awaits_scan_confirmation
            forms.append(form)
        mails = outgoing(app)
    assert [m["kind"] for m in mails] == ["ack-accepted"] * len(rows), mails
    assert all(CONFIRM in m["body"] and "(a scan)" in m["subject"] and sender in m["to_addrs"] for m in mails)
    assert len({m["subject"] for m in mails}) == len(rows)  # one each, by its own reference
    return forms


def share_right(form_id: str, expected: Values, got: dict[str, Any]) -> float:
    wrong = compare(spec_of(form_id), expected, got)
    share = (len(expected) - len([w for w in wrong if w.split(":")[0] in expected])) / len(expected)
    print(f"{form_id}: {share:.1%} of {len(expected)} fields right; {wrong}")
    return share


def test_three_impact_forms_photographed_in_one_email_are_three_forms(
        papers: Papers, home: Home, tmp_path: Path) -> None:
    sender = senco_of(home.config, papers.school)
    names = ["IMG_6101.jpg", "IMG_6102.jpg", "IMG_6103.jpg"]
    rows, err = ingest_eml(home, tmp_path, sender,
                           [(n, photo, ("image", "jpeg")) for n, (_, photo) in zip(names, papers.impacts, strict=True)])
    assert len(rows) == 3, (rows, err)
    assert sorted(r["file"].rsplit("/", 1)[-1].split(" ")[-1] for r in rows) == names, rows
    forms = scanned_forms(home, rows, sender)
    by_name = {r["file"].rsplit("/", 1)[-1].split(" ")[-1]: f for r, f in zip(rows, forms, strict=True)}
    for name, (values, photo) in zip(names, papers.impacts, strict=True):
        form = by_name[name]
        assert form.form_id == IMPACT.form_id
        assert share_right(IMPACT.form_id, values, form.raw) >= LEAST
        with FormsApp(home) as app:
            review = app.scan_review(form.reference)
        assert review is not None and review.picture and review.scan is not None
        assert review.scan.read_bytes() == photo  # each kept as the picture it came as


def test_an_applications_three_photos_then_an_impact_forms_photo_are_two_forms(
        papers: Papers, home: Home, tmp_path: Path) -> None:
    sender = senco_of(home.config, papers.school)
    values, pages = papers.application
    impact_values, impact = papers.impacts[1]
    attached = [(f"page {n}.jpg", page, ("image", "jpeg")) for n, page in enumerate(pages, 1)]
    rows, err = ingest_eml(home, tmp_path, sender, [*attached, ("impact.jpg", impact, ("image", "jpeg"))])
    assert len(rows) == 2, (rows, err)
    forms = scanned_forms(home, rows, sender)
    kinds = {f.form_id: (r, f) for r, f in zip(rows, forms, strict=True)}
    row, form = kinds[APPLICATION.form_id]
    assert row["file"].endswith("page 1 to page 3 (3 photos).pdf"), row
    assert share_right(APPLICATION.form_id, values, form.raw) >= 0.95
    with FormsApp(home) as app:
        review = app.scan_review(form.reference)
    assert review is not None and review.scan is not None and streams(review.scan.read_bytes()) == pages
    row, form = kinds[IMPACT.form_id]
    assert row["file"].endswith("impact.jpg"), row
    assert share_right(IMPACT.form_id, impact_values, form.raw) >= LEAST


def test_twelve_photos_are_told_apart_well_inside_the_unpacking_workers_time(papers: Papers) -> None:
    """Two applications and six impact forms (12 photos): eight forms, told in a few seconds (the
    worker's limit is 30 seconds; telling first pages is given a third of it)."""
    pages = papers.application[1]
    impacts = [photo for _, photo in papers.impacts]
    photos = [*pages, impacts[0], impacts[1], *pages, impacts[2], impacts[0], impacts[1], impacts[2]]
    assert len(photos) == 12
    started = time.monotonic()
    groups = pages_of_one_form([Attachment(f"IMG_{n:04d}.jpg", p) for n, p in enumerate(photos)], [])
    took = time.monotonic() - started
    print(f"12 photos grouped into {len(groups)} forms and combined in {took:.2f} s")
    assert [g.file_name for g in groups] == [
        "IMG_0000 to IMG_0002 (3 photos).pdf", "IMG_0003.jpg", "IMG_0004.jpg", "IMG_0005 to IMG_0007 (3 photos).pdf",
        "IMG_0008.jpg", "IMG_0009.jpg", "IMG_0010.jpg", "IMG_0011.jpg"]
    assert took < 10
