"""Response forms worded for their decision: no impact-form lines or empty money rows on a
declined, deferred or more-information response; a more-information response (form and
email) says what to send, how and by when. Real Word and PDF files, read back."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from forms_processor.api import FormsApp
from tests.host.conftest import Maker
from tests.host.test_cli import run


def respond_to(home: Path, maker: Maker, *decision: str) -> str:
    ref = maker.application()
    for args in (("check", ref, "--forward"), ("decide", ref, *decision), ("respond", ref)):
        code, _, err = run(home, *args)
        assert code == 0, err
    return ref


def texts(app: FormsApp, ref: str) -> tuple[str, str]:
    docx = Document(str(app.home.responses / f"{ref} response.docx"))
    words = [p.text for p in docx.paragraphs] + [c.text for t in docx.tables for r in t.rows for c in r.cells]
    pdf = "\n".join(p.extract_text() for p in PdfReader(app.home.responses / f"{ref} response.pdf").pages)
    return "\n".join(words), pdf


AWARD_ONLY = ("Amount awarded", "Impact form due by", "impact form by")


@pytest.mark.parametrize("decision", [
    ("--decision", "declined", "--feedback", "Not the cluster's priority this term."),
    ("--decision", "deferred", "--deferred-to", "SP1", "--feedback", "With next term's bids."),
    ("--decision", "more-information", "--information", "Itemised costs for the therapist", "--resubmit-by",
     "15/01/2027", "--feedback", "Nearly there."),
], ids=["declined", "deferred", "more-information"])
def test_no_award_lines_on_a_response_that_awards_nothing(app: FormsApp, maker: Maker, home_dir: Path,
                                                          decision: tuple[str, ...]) -> None:
    ref = respond_to(home_dir, maker, *decision)
    for text in texts(app, ref):
        for words in AWARD_ONLY:
            assert words not in text, (words, decision[1])
        assert "—" not in text and "{%" not in text and "{{" not in text
        assert "Amount requested" in text and "Feedback to the school" in text


def test_more_information_says_what_how_and_by_when(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref = respond_to(home_dir, maker, "--decision", "more-information", "--information",
                     "Itemised costs for the therapist", "--resubmit-by", "15/01/2027", "--feedback", "Nearly there.")
    for text in texts(app, ref):
        flat = " ".join(text.split())
        assert "What to send: Itemised costs for the therapist." in flat
        assert f'with {ref} in the box "Previous application reference"' in flat
        assert "By when: 15 January 2027." in flat
    body = app.db.one("SELECT body FROM outgoing_mail WHERE kind = 'response' AND reference = ?", (ref,))["body"]
    assert "send the whole form again" in body and "by Friday 15 January 2027" in body
    assert "impact form" not in body


def test_an_award_still_gives_its_impact_date(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref = respond_to(home_dir, maker, "--decision", "approved")
    docx, pdf = texts(app, ref)
    for text in (docx, pdf):
        assert "Amount awarded" in text and "Impact form due by" in text and "Please send the cluster's impact form by" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_the_more_information_response_renders_on_one_page(app: FormsApp, maker: Maker, home_dir: Path,
                                                            tmp_path: Path) -> None:
    ref = respond_to(home_dir, maker, "--decision", "more-information", "--information", "Baselines",
                     "--resubmit-by", "15/01/2027", "--feedback", "Nearly there.")
    pdf = app.home.responses / f"{ref} response.pdf"
    assert len(PdfReader(io.BytesIO(pdf.read_bytes())).pages) == 1
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    assert (tmp_path / "page-1.png").stat().st_size > 5000
