"""'forms check' shows the whole application (pupils, outcomes, costs, the Host's notes and
exceptions), has the impact forms awaiting acceptance in its queue, and 'o' on a computer
with no desktop says where the original is, under a readable name."""

from __future__ import annotations

import random
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from forms_processor.api import FormsApp
from forms_processor.documents import fill_docx, template_docx
from forms_processor.documents.samples import sample_impact
from forms_processor.intake.submission import Source, Submission
from forms_processor.spec import IMPACT
from forms_processor.store.repository import get_form
from tests.host.conftest import Maker
from tests.host.test_cli import run, run_json


def test_the_check_shows_the_whole_application_and_the_hosts_notes(app: FormsApp, maker: Maker,
                                                                   home_dir: Path) -> None:
    result = maker.ingest(maker.values("Cawston Primary School", high_needs_used="£4,000.00"))
    ref = str(result.reference)
    assert result.status == "invalid"
    code, _, err = run(home_dir, "check", ref, "--exception", "--reason", "Allocation spent on an EHCP move-in.")
    assert code == 0, err
    code, _, err = run(home_dir, "check", input="q\n")
    assert code == 0
    for words in ("The form as the school filled it in:", "Pupil reference", "Year group", "Measure", "Baseline",
                  "Cost (£)", "Total cost:", "Amount requested from the cluster:",
                  "exception: high needs allocation: Allocation spent on an EHCP move-in. (host)",
                  "note:", "Allocation spent on an EHCP move-in."):
        assert words in err, words
    form = get_form(app.db, ref)
    assert form.fields["pupils"][0]["ref"] in err  # the Host sees the pupils' references on the screen
    # ... but never in the JSON of the queue.
    (summary,) = run_json(home_dir, "check")
    assert summary["exceptions"] and summary["host_notes"]
    assert form.fields["pupils"][0]["ref"] not in str(summary)


def test_impact_forms_awaiting_acceptance_are_in_the_queue(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    values = maker.values("Oulton Junior School", start_date="07/12/2026", end_date="04/01/2027")
    ref = str(maker.ingest(values).reference)
    for args in (("check", ref, "--forward"), ("decide", ref, "--decision", "approved"), ("respond", ref)):
        assert run(home_dir, *args)[0] == 0
    school = app.config.school_by_name("Oulton Junior School")
    impact_values = sample_impact(app.config, random.Random(5), ref, school, values, date(2027, 1, 10))
    data = fill_docx(template_docx(IMPACT, app.config), impact_values)
    impact = app.ingest(Submission(data=data, file_name="impact.docx", source=Source.CLI,
                                   received_at=datetime(2027, 1, 10, 9, 0, tzinfo=UTC)))
    assert impact.status == "accepted"
    code, _, err = run(home_dir, "check", input="a\n")
    assert code == 0, err
    assert "0 applications and 1 impact form awaiting your check" in err
    assert f"{impact.reference}   impact form" in err and f"for the award {ref}" in err
    assert "[a]ccept, [r]eturn" in err and "Accepted: the award is closed." in err
    assert "1 impact form accepted." in err
    assert get_form(app.db, ref).state.value == "closed"


def test_open_with_no_desktop_says_where_the_original_is(app: FormsApp, maker: Maker, home_dir: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    ref = maker.application()
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, _, err = run(home_dir, "check", input="o\nq\n")
    assert code == 0
    assert "This computer has no desktop to open it on. The original is at:" in err
    assert "xdg-open" not in err
    line = next(x.strip() for x in err.splitlines() if f"{ref} " in x and "by-date" in x)
    path = Path(line)
    assert path.is_file() and path.name.startswith(f"{ref} application")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Asking again gives the same file, not another copy.
    run(home_dir, "check", input="o\nq\n")
    assert len(list(path.parent.glob(f"{ref} *"))) == 1
