"""The Working Party's pack carries the Host's judgement: forward notes, recorded
exceptions, late arrivals, moves and the application's history (a resubmission after more
information); it counts as forwarded only what was forwarded; and an application is laid
out on its page instead of spilling a few rows onto a page of their own."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from forms_processor.api import FormsApp
from tests.host.conftest import Maker
from tests.host.test_cli import run, run_json
from tests.host.test_move import late_application


def pdf_text(path: str) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    return len(reader.pages), " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


@pytest.mark.slow
def test_the_pack_carries_the_hosts_notes_and_fits_its_pages(app: FormsApp, maker: Maker, home_dir: Path,
                                                             tmp_path: Path) -> None:
    refs = [maker.application() for _ in range(4)]
    for ref in refs:
        assert run(home_dir, "check", ref, "--forward", "--note", "Checked the costs with the SENCO by phone.")[0] == 0
    # An exception to the £10,000 rule.
    exc = str(maker.ingest(maker.values("Cawston Primary School", high_needs_used="£4,000.00")).reference)
    assert run(home_dir, "check", exc, "--exception", "--reason", "Allocation spent on an EHCP move-in.")[0] == 0
    assert run(home_dir, "check", exc, "--forward")[0] == 0
    # A late form, kept in its round.
    late = late_application(app, maker)
    assert run(home_dir, "check", late, "--forward")[0] == 0
    # A resubmission after more information, in the round it was asked for.
    first_values = maker.values("Oulton Junior School")
    first = str(maker.ingest(first_values).reference)
    assert run(home_dir, "check", first, "--forward")[0] == 0
    assert run(home_dir, "decide", first, "--decision", "more-information", "--information",
               "The baseline scores", "--resubmit-by", "03/12/2026", "--feedback", "Nearly there.")[0] == 0
    assert run(home_dir, "respond", first)[0] == 0
    again = maker.ingest({**first_values, "continuation_of": first})
    assert again.status == "accepted", [m.message for m in again.messages]
    assert run(home_dir, "check", str(again.reference), "--forward")[0] == 0

    pack = run_json(home_dir, "pack", "AU2", "--out", str(tmp_path / "pack"))
    assert pack["applications"] == 7
    pages, text = pdf_text(pack["pdf"])
    assert pages <= 1 + 7, pages  # the summary, then one page for each application
    assert text.count("The SEND Host's note when forwarding: Checked the costs with the SENCO by phone.") == 4
    assert "Exception to the high needs allocation rule, recorded by the SEND Host: Allocation spent on an EHCP" in text
    assert "Late: arrived 7 Dec 2026 at 09:00, after the deadline of Autumn 2 2026" in text
    assert (f"Resubmission of {first} (Autumn 2 2026), for which the Working Party asked for more information:"
            " The baseline scores") in text
    assert "7 applications forwarded by the SEND Host, awaiting a decision." in text

    # A re-run after one decision: it is not counted as forwarded.
    assert run(home_dir, "decide", refs[0], "--decision", "declined", "--feedback", "Not this term.")[0] == 0
    pack = run_json(home_dir, "pack", "AU2", "--out", str(tmp_path / "again"))
    _, text = pdf_text(pack["pdf"])
    assert "6 applications forwarded by the SEND Host, awaiting a decision, and 1 decided already" in text
    from docx import Document

    words = "\n".join(c.text for t in Document(pack["docx"]).tables for r in t.rows for c in r.cells)
    assert "Checked the costs with the SENCO by phone." in words and f"Resubmission of {first}" in words
