"""The Host on deadline day: the walk stopped early, re-run minutes files, long texts, deferred rounds.

Real filled Word forms ingested through FormsApp, the CLI through its entry point,
real PDF/Word/xlsx files read back with pypdf, python-docx and openpyxl.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from forms_processor.errors import ExitCode, NotAllowed, NotFound
from forms_processor.store.repository import current_decision, get_form
from forms_processor.workflow.check import forward, quotes_pupil_ref
from forms_processor.workflow.decide import DecisionInput, decide
from forms_processor.workflow.minutes import decide_many, read_decisions_file
from forms_processor.workflow.respond import respond
from forms_processor.workflow.status import round_status

from .conftest import ROUND
from .test_cli import run, run_json

LONG = ("The group meets in the nurture room & works on <turn-taking> with the £5 kits chosen by Zoë. " * 30
        + "\n") * 4


def _forwarded(app, maker, n: int = 1, **over) -> list[str]:
    refs = [maker.application(**over) for _ in range(n)]
    for ref in refs:
        forward(app.db, app.config, ref)
    return refs


# -- forms check -----------------------------------------------------------------------------


def test_walk_quit_and_end_of_input_keep_what_was_done(app, maker, home_dir: Path) -> None:
    a, b, c = (maker.application() for _ in range(3))
    # r then an empty reason goes back to the choices; then forward; then quit.
    code, _, err = run(home_dir, "check", input="r\n\nf\nq\n")
    assert code == 0, err
    assert "1 forwarded, 0 returned, 0 skipped." in err and "2 still awaiting a check" in err
    assert get_form(app.db, a).state.value == "with_working_party"
    # The input ends in the middle (as Ctrl-C would): what was done is kept, no traceback.
    code, _, err = run(home_dir, "check", input="r\nThe totals do not add up.\n")
    assert code == 0, err
    assert "Stopped. 0 forwarded, 1 returned, 0 skipped." in err and "Traceback" not in err
    assert "forms mail send" in err
    assert get_form(app.db, b).state.value == "returned"
    assert get_form(app.db, c).state.value == "awaiting_check"


def test_walk_shows_money_already_forwarded(app, maker, home_dir: Path) -> None:
    first = maker.application()
    maker.application()
    forward(app.db, app.config, first)
    code, _, err = run(home_dir, "check", input="s\n")
    assert code == 0, err
    asked = Decimal(get_form(app.db, first).amount_requested)
    assert f"£{asked:,.2f} asked for by those already forwarded" in err
    data = run_json(home_dir, "check")
    assert Decimal(data[0]["round_forwarded"]) == asked


def test_open_original_says_where_the_file_is_when_it_cannot_open_it(app, maker, home_dir: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import click

    maker.application()
    monkeypatch.setenv("DISPLAY", ":0")  # a desktop, but opening the file fails
    monkeypatch.setattr(click, "launch", lambda *a, **k: 1)
    code, _, err = run(home_dir, "check", input="o\nq\n")
    assert code == 0, err
    assert "could not be opened from here" in err and str(home_dir / "archive") in err


def test_check_refuses_what_is_not_awaiting_a_check(app, maker, home_dir: Path) -> None:
    ref = _forwarded(app, maker)[0]
    code, _, err = run(home_dir, "check", ref, "--forward")
    assert code == ExitCode.NOT_ALLOWED and "not awaiting the Host's check" in err
    code, _, err = run(home_dir, "check", ref, "--return", "--reason", "Too late.")
    assert code == ExitCode.NOT_ALLOWED and "not awaiting the Host's check" in err
    # A reference that is not awaiting a check is shown, not offered for forwarding.
    code, _, err = run(home_dir, "check", ref)
    assert code == 0 and "with the Working Party" in err and "[f]orward" not in err
    # Options that would be silently ignored are refused.
    other = maker.application()
    code, _, err = run(home_dir, "check", other, "--note", "hello")
    assert code == ExitCode.USAGE and "--note goes with --forward" in err
    code, _, err = run(home_dir, "check", other, "--forward", "--reason", "x")
    assert code == ExitCode.USAGE
    assert get_form(app.db, other).state.value == "awaiting_check"


def test_pupil_initials_are_matched_as_written() -> None:
    assert quotes_pupil_ref("AT", "Row 2 (AT) has no baseline.")
    assert not quotes_pupil_ref("AT", "The costs at row 2 do not add up.")
    assert quotes_pupil_ref("P1234", "p1234 has no result")
    assert not quotes_pupil_ref("JB", "JBS has no result")


# -- forms decide ------------------------------------------------------------------------------


def _minutes(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(["Reference", "Decision", "Award", "Conditions", "Feedback", "Information requested",
                    "Deferred to", "Resubmit by"])
        w.writerows(rows)
    return path


def test_minutes_file_run_twice_records_once(app, maker, home_dir: Path, tmp_path: Path) -> None:
    a, b, c = _forwarded(app, maker, 3)
    path = _minutes(tmp_path / "minutes.csv", [[a, "approved", "", "", "", "", "", ""],
                                              [b, "declined", "", "", "Not this round.", "", "", ""],
                                              [c, "deferred", "", "", "Next term.", "", "SP1", ""]])
    first = run_json(home_dir, "decide", "--from", str(path))
    assert [r["unchanged"] for r in first] == [False, False, False]
    count = app.db.one("SELECT COUNT(*) FROM decisions")[0]
    again = run_json(home_dir, "decide", "--from", str(path))
    assert [r["unchanged"] for r in again] == [True] * 3 and [r["id"] for r in again] == [r["id"] for r in first]
    assert app.db.one("SELECT COUNT(*) FROM decisions")[0] == count
    # Still safe once the responses have gone (the deferred one is now in the next round).
    respond(app.db, app.home, every=True)
    assert get_form(app.db, c).round == "Spring 1 2027"
    assert all(r["unchanged"] for r in run_json(home_dir, "decide", "--from", str(path)))
    assert app.db.one("SELECT COUNT(*) FROM decisions")[0] == count
    # A different decision in the same file is still refused, naming the row.
    _minutes(path, [[a, "approved", "", "", "", "", "", ""], [b, "approved", "", "", "", "", "", ""]])
    code, _, err = run(home_dir, "decide", "--from", str(path))
    assert code == ExitCode.NOT_ALLOWED and "row 3" in err and "can no longer change" in err


def test_more_information_is_locked_once_its_response_has_gone(app, maker) -> None:
    ref = _forwarded(app, maker)[0]
    decide(app.db, app.config, DecisionInput(ref, "more-information", feedback="Nearly there.",
                                             information_requested="Baseline scores", resubmit_by=date(2027, 1, 15)))
    respond(app.db, app.home, [ref])
    assert get_form(app.db, ref).state.value == "more_information"
    with pytest.raises(NotAllowed, match="response has gone") as err:
        decide(app.db, app.config, DecisionInput(ref, "approved", reason="The school phoned with the scores."))
    assert "resubmission" in err.value.hint and "previous application" in err.value.hint
    assert current_decision(app.db, ref)["decision"] == "more_information"


def test_excel_csv_in_windows_encoding_keeps_pounds_and_accents(app, maker, tmp_path: Path) -> None:
    ref = _forwarded(app, maker)[0]
    half = (Decimal(get_form(app.db, ref).amount_requested) / 2).quantize(Decimal("0.01"))
    path = _minutes(tmp_path / "minutes.csv", [[ref, "Partially funded", f"£{half:,.2f}", "",
                                                "Half now — Zoë's plan & £ for resources", "", "", ""]],
                    encoding="cp1252")
    [rec] = decide_many(app.db, app.config, read_decisions_file(path))
    assert Decimal(rec.amount_awarded) == half
    assert current_decision(app.db, ref)["feedback"] == "Half now — Zoë's plan & £ for resources"


# -- forms respond -----------------------------------------------------------------------------


def test_named_responses_are_all_checked_before_any_is_written(app, maker) -> None:
    a, b = _forwarded(app, maker, 2)
    decide(app.db, app.config, DecisionInput(a, "approved"))
    with pytest.raises(NotAllowed, match="no decision yet"):
        respond(app.db, app.home, [a, b])
    with pytest.raises(NotFound):
        respond(app.db, app.home, [a, "WVC-2627-AU2-999"])
    assert app.db.one("SELECT COUNT(*) FROM responses")[0] == 0
    assert not list(app.home.responses.glob("*")) if app.home.responses.exists() else True


def test_long_feedback_runs_over_the_page(app, maker) -> None:
    ref = _forwarded(app, maker)[0]
    decide(app.db, app.config, DecisionInput(ref, "declined", feedback=LONG))
    [res] = respond(app.db, app.home, [ref])
    pdf = PdfReader(app.home.root / res.pdf)
    assert len(pdf.pages) >= 2
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "works on <turn-taking> with the £5 kits chosen by Zoë" in text and "Form SEND-RESP v1" in text
    doc = Document(io.BytesIO((app.home.root / res.docx).read_bytes()))
    feedback = next(r.cells[1].text for r in doc.tables[0].rows if r.cells[0].text == "Feedback to the school")
    assert feedback == LONG.rstrip("\n") or feedback.strip() == LONG.strip()


# -- forms pack --------------------------------------------------------------------------------


def test_pack_with_a_long_application_and_a_shortfall(app, maker, home_dir: Path, tmp_path: Path) -> None:
    refs = _forwarded(app, maker, 6)
    long_ref = _forwarded(app, maker, intervention_description=LONG)[0]
    data = run_json(home_dir, "pack", ROUND, "--out", str(tmp_path / "wp"))
    total = sum(Decimal(get_form(app.db, r).amount_requested) for r in [*refs, long_ref])
    assert Decimal(data["total_requested"]) == total > Decimal("20000")
    pdf = PdfReader(data["pdf"])
    first = " ".join(pdf.pages[0].extract_text().split()) + " ".join(pdf.pages[1].extract_text().split())
    assert f"Short by, if every request were approved £{total - Decimal('20000'):,.2f}" in first
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert text.count("<turn-taking>") == LONG.count("<turn-taking>")  # nothing lost over the pages
    assert "works on <turn-taking> with the £5 kits chosen by Zoë" in text
    doc = Document(data["docx"])
    summary = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert summary[0][:5] == ["Reference", "School", "Intervention", "Area of need", "Pupils"]
    assert {row[0] for row in summary[1:-1]} == {*refs, long_ref}
    assert summary[-1][5] == f"£{total:,.2f}"
    described = [r.cells[1].text for t in doc.tables for r in t.rows
                 if r.cells[0].text.startswith("Description of the intervention")]
    assert get_form(app.db, long_ref).fields["intervention_description"] in described
    assert [p.style.name for p in doc.paragraphs if p.style.name.startswith("Heading")][:2] == ["Heading 1", "Heading 2"]
    ws = load_workbook(data["xlsx"])["Decisions"]
    assert ws["A1"].value == "Reference" and ws.max_row >= 8


# -- forms status ------------------------------------------------------------------------------


def test_status_counts_a_deferred_response_in_the_round_that_decided_it(app, maker, home_dir: Path) -> None:
    a, b, c = _forwarded(app, maker, 3)
    decide(app.db, app.config, DecisionInput(a, "deferred", feedback="Next round.", deferred_to="SP1"))
    decide(app.db, app.config, DecisionInput(b, "approved"))
    respond(app.db, app.home, [a])
    today = date(2026, 12, 10)
    au2 = round_status(app.db, app.config, ROUND, today=today)[0]
    sp1 = round_status(app.db, app.config, "SP1", today=today)[0]
    assert (au2.responses.queued, au2.responses.to_write) == (1, 1)  # a's queued, b's still to write
    assert (sp1.responses.queued, sp1.applications, sp1.states) == (0, 1, {"with_working_party": 1})
    assert au2.applications == 2 and au2.states == {"approved": 1, "with_working_party": 1}
    # A resend of the deferral still belongs to the round that decided it.
    respond(app.db, app.home, [a], resend=True)
    assert round_status(app.db, app.config, ROUND, today=today)[0].responses.queued == 2
    # A form replaced by a corrected one is shown but not counted as an application.
    values = maker.values()
    old = maker.ingest(values).reference
    run_json(home_dir, "check", old, "--return", "--reason", "Please add the second quote.")
    values["senco_phone"] = "01603 999999"  # the school corrects the form and sends it again
    assert maker.ingest(values).status == "accepted"
    au2 = round_status(app.db, app.config, ROUND, today=today)[0]
    assert au2.states["superseded"] == 1 and au2.applications == 3  # b, c and the corrected form
    code, out, _ = run(home_dir, "status", "--round", ROUND)
    assert code == 0 and "1 earlier form replaced by a corrected one" in out and "meeting 9 December 2026" in out
    assert "1 to write" in out
    assert json.loads(run(home_dir, "status", "--round", ROUND, "--json")[1])["rounds"][0]["applications"] == au2.applications
    assert get_form(app.db, c).state.value == "with_working_party"


def test_exception_only_for_the_high_needs_rule_and_recorded_once(app, maker, home_dir: Path) -> None:
    ref = maker.ingest(maker.values(high_needs_used="£6,000.00")).reference
    for _ in range(2):
        out = run_json(home_dir, "check", ref, "--exception", "--reason", "Allocation went on an EHCP transfer.")
        assert out["state"] == "awaiting_check"
    assert app.db.one("SELECT COUNT(*) FROM host_exceptions WHERE reference = ?", (ref,))[0] == 1
    # A form with other problems but not that one needs no exception.
    other = maker.ingest(maker.values(parents_informed=False))
    assert other.status == "invalid"
    code, _, err = run(home_dir, "check", other.reference, "--exception", "--reason", "Please.")
    assert code == ExitCode.NOT_ALLOWED and "needs no exception" in err
    assert app.db.one("SELECT COUNT(*) FROM host_exceptions WHERE reference = ?", (other.reference,))[0] == 0


def test_bad_inputs_get_a_plain_message_not_a_traceback(app, maker, home_dir: Path, tmp_path: Path) -> None:
    code, _, err = run(home_dir, "pack", "SP2", "--out", str(tmp_path / "empty"))
    assert code == ExitCode.NOT_ALLOWED and "no pack to write" in err and not (tmp_path / "empty").exists()
    _forwarded(app, maker)
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    code, _, err = run(home_dir, "pack", ROUND, "--out", str(blocker / "pack"))
    assert code == ExitCode.USAGE and "could not be written" in err and "unexpected" not in err
    garbage = tmp_path / "minutes.csv"
    garbage.write_bytes(b'Reference,Decision\n"unterminated\x00\r\n' + bytes(range(256)) * 4)
    code, _, err = run(home_dir, "decide", "--from", str(garbage))
    assert code == ExitCode.USAGE and "unexpected" not in err
    not_xlsx = tmp_path / "minutes.xlsx"
    not_xlsx.write_text("Reference,Decision\n")
    code, _, err = run(home_dir, "decide", "--from", str(not_xlsx))
    assert code == ExitCode.USAGE and "could not be opened as a spreadsheet" in err


def test_a_broken_restyled_template_is_named_before_anything_is_written(app, maker, home_dir: Path) -> None:
    ref = _forwarded(app, maker)[0]
    decide(app.db, app.config, DecisionInput(ref, "approved"))
    (home_dir / "form_templates").mkdir()
    template = home_dir / "form_templates" / "response.docx"
    template.write_text("saved as plain text by mistake")
    code, _, err = run(home_dir, "respond", "--all")
    assert code == ExitCode.CONFIG and "not a Word .docx file" in err and str(template) in err
    doc = Document()
    doc.add_paragraph("Letterhead {{ cluster_name } for the cluster")
    doc.save(str(template))
    code, _, err = run(home_dir, "respond", "--all")
    assert code == ExitCode.CONFIG and "placeholder is mistyped" in err
    assert app.db.one("SELECT COUNT(*) FROM responses")[0] == 0


def test_pdf_font_without_a_system_dejavu_still_draws_every_letter(monkeypatch: pytest.MonkeyPatch) -> None:
    import forms_processor.documents.response as response

    monkeypatch.setattr(response, "_FONT_PATHS", ())  # as on a machine without DejaVu installed
    response.pdf_fonts.cache_clear()
    try:
        assert response.pdf_fonts() == ("FormsSans", "FormsSans-Bold")
        values = response.response_values(
            reference="WVC-2627-AU2-001", school_name="Szkoła Łąka & Zoë's — £", intervention_title="Ørsted",
            funding_round=ROUND, decision_label="Declined", amount_requested="10", decision={"feedback": "No."},
            signer="Sam Patel", signed_on=date(2026, 12, 10), cluster_name="Cluster")
        text = PdfReader(io.BytesIO(response.render_pdf(values))).pages[0].extract_text()
        assert "Szkoła Łąka & Zoë's — £" in text and "■" not in text
    finally:
        response.pdf_fonts.cache_clear()


def test_a_title_typed_as_a_formula_stays_text_in_the_decisions_sheet(tmp_path: Path) -> None:
    import io
    from decimal import Decimal

    from forms_processor.reports.money import RoundMoney
    from forms_processor.reports.pack import PackRow, pack_xlsx

    row = PackRow(reference="WVC-2627-AU2-001", school="Marsham Primary School",
                  intervention='=HYPERLINK("http://x.example","click")', area_of_need="Cognition and learning",
                  pupils=3, requested=Decimal("1200.00"), entitlement=Decimal("9000.00"),
                  awarded_this_year=Decimal("0.00"))
    money = RoundMoney(round="Autumn 2 2026", budget=Decimal("20000"), requested=Decimal("1200"), awarded=Decimal(0))
    data = pack_xlsx("Autumn 2 2026", [row], money)
    cell = load_workbook(io.BytesIO(data))["Decisions"]["C2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x.example","click")'
