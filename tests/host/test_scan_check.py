"""The rule for forms read from a scan, without OCR: the real Word form read, then marked as a
scan (as readers/ocr.py marks it) with a confidence for each value. Accepted for the Host,
never forwarded unconfirmed, each correction recorded as the Host's, pupils' details kept out
of the history. (tests/readers/test_scans.py does the same with real scans and Tesseract.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.documents import fill_docx, template_docx
from forms_processor.errors import NotAllowed, UsageError
from forms_processor.intake.submission import Source, Submission
from forms_processor.readers import read_document
from forms_processor.readers.base import ExtractedForm
from forms_processor.spec import APPLICATION
from forms_processor.store.db import fetch_all
from forms_processor.workflow.ingest import Ingestor
from tests.host.conftest import RECEIVED, ROUND, Maker


def read_as_scan(data: bytes, name: str) -> ExtractedForm:
    form = read_document(data, name)
    form.from_scan, form.reader = True, "scan"
    form.confidence = {key: 96.0 for key in form.fields}
    form.confidence["sessions_per_week"] = 41.0
    return form


def _ingest(app: FormsApp, maker: Maker, **over: Any) -> str:
    """A real filled Word form taken in as if OCR had read it from a scan."""
    values = maker.values(**over)
    data = fill_docx(template_docx(APPLICATION, app.config), values)
    sub = Submission(data=data, file_name="scan.pdf", source=Source.CLI, received_at=RECEIVED)
    result = Ingestor(app.home, app.db, read_as_scan).process(sub)
    assert result.status == "accepted", [m.message for m in result.messages]
    return str(result.reference)


def test_a_scan_is_accepted_for_the_host_and_never_forwarded_unconfirmed(app: FormsApp) -> None:
    maker = Maker(app)
    ref = _ingest(app, maker)
    review = app.scan_review(ref)
    assert review is not None and not review.confirmed
    assert [v.key for v in review.uncertain] == ["sessions_per_week"]
    with pytest.raises(NotAllowed, match="read from a scan"):
        app.forward(ref)
    assert ref not in {s.reference for s in app.clean_applications(ROUND)}
    subjects = [r["subject"] for r in fetch_all(app.db, "SELECT subject FROM outgoing_mail WHERE reference = ?", (ref,))]
    assert subjects == [f"Received: your application form (a scan), reference {ref}"]


def test_a_scan_with_points_to_correct_still_goes_to_the_host_first(app: FormsApp) -> None:
    ref = _ingest(app, Maker(app), total_cost="£1.00")
    form = app.get(ref)
    assert form.state.value == "awaiting_check" and app.check_summary(form).errors


def test_corrections_are_the_hosts_and_pupils_details_stay_out_of_the_history(app: FormsApp) -> None:
    ref = _ingest(app, Maker(app), parents_informed=True)
    before = app.get(ref).raw
    with pytest.raises(UsageError, match="no field"):
        app.confirm_scan(ref, {"favourite_colour": "blue"})
    with pytest.raises(UsageError, match="yes or no"):
        app.confirm_scan(ref, {"parents_informed": "maybe"})
    app.confirm_scan(ref, {"sessions_per_week": "7", "pupil_1_ref": "QZ9", "parents_informed": "yes"},
                     actor="jo.host")
    form = app.get(ref)
    assert form.raw["sessions_per_week"] == "7" and form.fields["sessions_per_week"] == 7
    assert form.fields["pupils"][0]["ref"] == "QZ9" and form.scan_confirmed_by == "jo.host"
    corrected = [h for h in app.show(ref)["history"] if h["action"] == "corrected"]
    reasons = sorted(h["reason"] for h in corrected)
    assert {h["actor"] for h in corrected} == {"jo.host"} and len(corrected) == 2  # the tick was already ticked
    assert any(f"'{before['sessions_per_week']}' → '7'" in r for r in reasons)
    pupil = next(r for r in reasons if "pupil row 1" in r)
    assert "QZ9" not in pupil and str(before.get("pupil_1_ref")) not in pupil
    assert app.forward(ref).state.value == "with_working_party"
    with pytest.raises(NotAllowed):
        app.confirm_scan(ref, {})


def test_the_cli_refuses_then_confirms(app: FormsApp) -> None:
    ref = _ingest(app, Maker(app))
    root = str(app.home.root)
    refused = CliRunner().invoke(cli, ["--home", root, "check", ref, "--forward"])
    assert refused.exit_code != 0 and "read from a scan" in refused.stderr
    shown = CliRunner().invoke(cli, ["--home", root, "check", ref])
    assert "READ FROM A SCAN" in shown.stderr and "? Session" in shown.stderr
    bad = CliRunner().invoke(cli, ["--home", root, "check", ref, "--confirm-scan", "--set", "nonsense"])
    assert bad.exit_code != 0 and "FIELD=VALUE" in bad.stderr
    done = CliRunner().invoke(cli, ["--home", root, "check", ref, "--confirm-scan", "--set", "sessions_per_week=3"])
    assert done.exit_code == 0, done.stderr
    assert CliRunner().invoke(cli, ["--home", root, "check", ref, "--forward"]).exit_code == 0


def test_only_values_that_change_count_as_corrections(app: FormsApp) -> None:
    """A --set giving the value already read changes nothing: not recorded, not counted."""
    ref = _ingest(app, Maker(app), parents_informed=True)
    read = app.get(ref).raw
    same = str(read["sessions_per_week"])
    root = str(app.home.root)
    done = CliRunner().invoke(cli, ["--home", root, "check", ref, "--confirm-scan", "--set", f"sessions_per_week={same}",
                                    "--set", "parents_informed=Yes", "--set", "intervention_title=Lego therapy club"])
    assert done.exit_code == 0, done.stderr
    assert "(1 corrected, 2 already as read)" in done.stderr
    corrected = [h for h in app.show(ref)["history"] if h["action"] == "corrected"]
    assert len(corrected) == 1 and "Intervention title" in corrected[0]["reason"]
    confirmed = next(h for h in app.show(ref)["history"] if h["action"] == "scan-confirmed")
    assert "1 corrected" in confirmed["reason"]


def test_the_confirmation_says_how_many_values_changed(app: FormsApp) -> None:
    """FormsApp, the CLI's --json and the web page count the values changed, not those given."""
    from starlette.testclient import TestClient

    from forms_processor.web.app import create_app
    from tests.web.conftest import PASSWORD, csrf_of, sign_in

    first = _ingest(app, Maker(app))
    as_read = str(app.get(first).raw["sessions_per_week"])
    done = app.confirm_scan(first, {"sessions_per_week": as_read, "session_minutes": "45"})
    assert done.corrected == ("session_minutes",) and done.form.scan_confirmed_at

    second = _ingest(app, Maker(app), intervention_title="Sensory circuits")
    out = CliRunner().invoke(cli, ["--home", str(app.home.root), "check", second, "--confirm-scan", "--json",
                                   "--set", f"sessions_per_week={app.get(second).raw['sessions_per_week']}"])
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["corrected"] == []

    third = _ingest(app, Maker(app), intervention_title="Precision teaching", parents_informed=True)
    app.add_user("web-host", "host", PASSWORD)
    with TestClient(create_app(app), base_url="http://127.0.0.1") as client:
        sign_in(client, "web-host")
        page = client.get(f"/forms/{third}")
        # The tick box typed "Yes" where "yes" was read: the same value, so no correction.
        typed = {"csrf": csrf_of(page.text), "value:parents_informed": "Yes",
                 "value:sessions_per_week": str(app.get(third).raw["sessions_per_week"])}
        shown = client.post(f"/forms/{third}/confirm-scan", data=typed)
    assert shown.status_code == 200 and "confirmed (0 corrected)" in shown.text
    assert app.get(third).scan_confirmed_by == "web-host"
