"""The reports as files: the PDF opened and read, the HTML parsed, its charts embedded."""

from __future__ import annotations

import base64
import stat
from html.parser import HTMLParser
from pathlib import Path

from pypdf import PdfReader

from forms_processor.reports.governors_document import write_governors_report
from forms_processor.reports.impact_report import write_impact_report

from .conftest import TODAY, Cluster, hand_cluster

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a)
        if tag in {"script", "link"} or (tag == "img" and not str(a.get("src", "")).startswith("data:")):
            self.external.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages)


def test_governors_report_pdf_and_html(cluster: Cluster, tmp_path: Path) -> None:
    hand_cluster(cluster)
    out = tmp_path / "reports"
    _, paths = write_governors_report(cluster.db, cluster.config, out, year="2627", today=TODAY)
    html_path, pdf_path = paths
    assert html_path.name == "governors-2026-27.html" and pdf_path.name == "governors-2026-27.pdf"
    for p in paths:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600

    page = _parse(html_path)
    assert not page.external, "the page must be self-contained"
    assert len(page.images) == 3
    for img in page.images:
        src = str(img["src"])
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG_MAGIC)
        assert img.get("alt")
    text = " ".join(" ".join(page.text).split())
    assert "£8,000.00" in text and "£3,000.00" in text and "£2,400.00" in text and "£200.00" in text
    assert "Cost per pupil (spent / pupils in completed interventions): £184.62." in text
    assert "Outcomes met or exceeded: 3 of 5 (60.0%)." in text
    assert "fewer than 5" in text
    # Per round, and the SEN support count hidden beside the small EHCP count (see test_figures).
    assert "Money by funding round" in text and "Autumn 1 2026 £5,000.00 £3,000.00 £2,400.00 £200.00" in text
    assert "EHCP fewer than 5 SEN support hidden" in text
    assert "Approved with conditions 1" in text
    # No pupil references from the applications' pupil rows.
    assert "P1" not in text.split()

    pdf = _pdf_text(pdf_path)
    assert "value for money" in pdf
    assert "£184.62" in pdf and "60.0%" in pdf and "£158.33" in pdf
    assert "fewer than 5" in pdf


def test_impact_report_for_headteachers(cluster: Cluster, tmp_path: Path) -> None:
    hand_cluster(cluster)
    _, paths = write_impact_report(cluster.db, cluster.config, tmp_path, round_name="Autumn 1 2026", year=None,
                                   today=TODAY)
    html_path, pdf_path = paths
    assert html_path.name == "impact-AU1.html"
    page = _parse(html_path)
    assert len(page.images) == 1 and str(page.images[0]["src"]).startswith("data:image/png;base64,")
    text = " ".join(" ".join(page.text).split())
    # Every intervention's outcomes, by school and area of need.
    for expected in ("Aldby Primary", "Brook Primary", "Social emotional and mental health",
                     "SDQ total difficulties", "Exceeded", "Not met", "Partially met", "3 of 5 outcomes met"):
        assert expected in text
    pdf = _pdf_text(pdf_path)
    assert "TVC-2627-AU1-003" in pdf and "Incidents per week" in pdf and "Reading age (months)" in pdf
