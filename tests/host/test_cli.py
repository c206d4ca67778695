"""The Host's commands through the real CLI entry point (exit codes, JSON on stdout), and the pack."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from forms_processor.cli import main
from forms_processor.errors import ExitCode
from forms_processor.store.repository import current_decision, get_form, has_exception

from .conftest import ROUND


def run(home: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    with runner.isolation(input=input) as (out, err, _):
        try:
            main(["--home", str(home), *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        return code, out.getvalue().decode(), err.getvalue().decode()


def run_json(home: Path, *args: str) -> Any:
    code, out, err = run(home, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_check_forward_return_and_list(app, maker, home_dir: Path) -> None:
    a, b, c = (maker.application() for _ in range(3))
    waiting = run_json(home_dir, "check", "--round", "AU2")
    assert [w["reference"] for w in waiting] == [a, b, c]
    assert all(Decimal(w["requested"]) > 0 and w["entitlement"] for w in waiting)
    assert "pupils" in waiting[0] and "ref" not in json.dumps(waiting[0]).lower().replace("reference", "")

    assert run_json(home_dir, "check", a, "--forward", "--note", "all good")["state"] == "with_working_party"
    code, _, err = run(home_dir, "check", b, "--return")
    assert code == ExitCode.USAGE and "so a return needs the reason (--reason)." in err, err
    pupil = get_form(app.db, b).fields["pupils"][0]["ref"] if get_form(app.db, b).fields.get("pupils") else None
    if pupil:
        code, _, err = run(home_dir, "check", b, "--return", "--reason", f"Row for {pupil} is unclear")
        assert code == ExitCode.USAGE and "pupil" in err
    out = run_json(home_dir, "check", b, "--return", "--reason", "The costs & totals do not agree.")
    assert out["state"] == "returned" and out["mail_id"]
    mail = app.db.one("SELECT * FROM outgoing_mail WHERE id = ?", (out["mail_id"],))
    assert mail["kind"] == "returned" and "costs & totals" in mail["body"]
    # A forwarded application cannot be returned.
    code, _, err = run(home_dir, "check", a, "--return", "--reason", "x")
    assert code == ExitCode.NOT_ALLOWED
    code, _, _ = run(home_dir, "check", "WVC-0000-XX-999", "--forward")
    assert code == ExitCode.NOT_FOUND


def test_interactive_walk(app, maker, home_dir: Path) -> None:
    a, b, c = (maker.application() for _ in range(3))
    code, _, err = run(home_dir, "check", input="f\ns\nr\nNot signed by the head.\n")
    assert code == 0, err
    assert "1 forwarded, 1 returned, 1 skipped" in err
    assert [get_form(app.db, r).state.value for r in (a, b, c)] == ["with_working_party", "awaiting_check", "returned"]


def test_exception_to_the_high_needs_rule(app, maker, home_dir: Path) -> None:
    values = maker.values(high_needs_used="£6,000.00")
    result = maker.ingest(values)
    assert result.status == "invalid"
    ref = result.reference
    out = run_json(home_dir, "check", ref, "--exception", "--reason", "Allocation went on an emergency EHCP transfer.")
    assert out["moved"] is True and out["state"] == "awaiting_check" and out["remaining_errors"] == []
    assert has_exception(app.db, ref, "high_needs_allocation")
    # A form with another error as well stays invalid, with the exception recorded.
    values = maker.values(high_needs_used="£6,000.00", parents_informed=False)
    ref2 = maker.ingest(values).reference
    out = run_json(home_dir, "check", ref2, "--exception", "--reason", "Same reason.")
    assert out["moved"] is False and out["state"] == "invalid" and out["remaining_errors"]


def _forward_all(home_dir: Path, refs: list[str]) -> None:
    for ref in refs:
        assert run_json(home_dir, "check", ref, "--forward")["state"] == "with_working_party"


def test_pack_xlsx_totals_and_decide_from_it(app, maker, home_dir: Path, tmp_path: Path) -> None:
    refs = [maker.application() for _ in range(4)]
    _forward_all(home_dir, refs)
    out_dir = tmp_path / "Working Party"
    data = run_json(home_dir, "pack", "AU2", "--out", str(out_dir))
    assert data["applications"] == 4
    requested = {r: Decimal(get_form(app.db, r).amount_requested) for r in refs}
    assert Decimal(data["total_requested"]) == sum(requested.values())

    wb = load_workbook(data["xlsx"])
    ws = wb["Decisions"]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    assert head[:8] == ["Reference", "School", "Intervention", "Area of need", "Pupils", "Amount requested",
                        "Entitlement", "Awarded this year"]
    assert "Decision" in head and "Award" in head
    body = [r for r in rows[1:] if r[0] in requested]
    assert sum(Decimal(str(r[5])) for r in body) == sum(requested.values())
    assert all(r[head.index("Decision")] is None for r in body)
    totals = {r[0]: Decimal(str(r[5])) for r in rows if r[0] in ("Total requested", "Round budget", "Money left")}
    assert totals["Total requested"] == sum(requested.values())
    assert totals["Round budget"] == Decimal("20000") == totals["Money left"]
    # No pupil references in the summary (workbook) nor in the summary table of the PDF.
    pupil_refs = {p["ref"] for r in refs for p in get_form(app.db, r).fields.get("pupils") or []}
    flat = " ".join(str(c) for r in rows for c in r if c is not None)
    assert not any(f" {p} " in f" {flat} " for p in pupil_refs)
    pdf = PdfReader(data["pdf"])
    summary_page = pdf.pages[0].extract_text()
    assert "Money left" in summary_page and refs[0] in summary_page
    assert len(pdf.pages) >= 5  # the summary, then each application in full
    full = "\n".join(p.extract_text() for p in pdf.pages[1:])
    assert all(r in full for r in refs)
    doc = Document(data["docx"])
    assert doc.tables[0].rows[1].cells[0].text in refs

    # The finance manager fills in the decisions; the Host reads them back.
    by_ref = {r[0]: i + 1 for i, r in enumerate(rows) if r[0] in requested}
    col = {name: head.index(name) + 1 for name in head}
    ws.cell(by_ref[refs[0]], col["Decision"], "Approved")
    ws.cell(by_ref[refs[1]], col["Decision"], "partially funded")
    ws.cell(by_ref[refs[1]], col["Award"], float(requested[refs[1]] / 2))
    ws.cell(by_ref[refs[1]], col["Feedback"], "Half the TA time.")
    ws.cell(by_ref[refs[2]], col["Decision"], "declined")
    ws.cell(by_ref[refs[2]], col["Feedback"], "Not the cluster's priority this term.")
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    records = run_json(home_dir, "decide", "--from", str(filled))
    assert sorted(r["reference"] for r in records) == sorted(refs[:3])
    records = sorted(records, key=lambda r: refs.index(r["reference"]))
    assert current_decision(app.db, refs[3]) is None
    assert Decimal(records[1]["amount_awarded"]) == (requested[refs[1]] / 2).quantize(Decimal("0.01"))

    status = run_json(home_dir, "status", "--round", "AU2")["rounds"]
    assert status[0]["states"] == {"approved": 1, "partially_funded": 1, "declined": 1, "with_working_party": 1}
    expected_awarded = requested[refs[0]] + Decimal(records[1]["amount_awarded"])
    assert Decimal(status[0]["money"]["awarded"]) == expected_awarded
    assert Decimal(status[0]["money"]["left"]) == Decimal("20000.00") - expected_awarded

    responses = run_json(home_dir, "respond", "--all")
    assert len(responses) == 3 and all(r["status"] == "queued" for r in responses)
    status = run_json(home_dir, "status", "--round", "AU2")["rounds"]
    assert status[0]["responses"] == {"to_write": 0, "queued": 3, "sent": 0, "failed": 0, "no_address": 0}
    assert status[0]["impact"]["due"] == 2 and status[0]["impact"]["overdue"] == 0
    assert run_json(home_dir, "respond", "--all") == []


def test_decisions_file_with_two_bad_rows_rejected_whole(app, maker, home_dir: Path, tmp_path: Path) -> None:
    refs = [maker.application() for _ in range(3)]
    _forward_all(home_dir, refs)
    path = tmp_path / "minutes.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Reference", "Decision", "Award", "Conditions", "Feedback", "Deferred to", "Resubmit by"])
        w.writerow([refs[0], "approved", "", "", "", "", ""])
        w.writerow([refs[1], "declined", "", "", "", "", ""])  # no feedback
        w.writerow([refs[2], "deferred", "", "", "Next term", "Narnia", ""])  # unknown round
    code, out, err = run(home_dir, "decide", "--from", str(path))
    assert code in (ExitCode.USAGE, ExitCode.NOT_FOUND), err
    assert f"row 3 ({refs[1]}): Declined needs feedback to the school (the Feedback column)." in err
    assert "row 4" in err and refs[2] in err and "Narnia" in err
    assert "row 2" not in err
    assert all(current_decision(app.db, r) is None for r in refs)
    assert out == ""


def test_decide_cli_single_and_overspend(app, maker, home_dir: Path) -> None:
    refs = [maker.application() for _ in range(9)]
    _forward_all(home_dir, refs)
    code, _, err = run(home_dir, "decide", refs[0], "--decision", "partially-funded", "--award", "£1,000",
                       "--feedback", "Part.", "--json")
    assert code == 0, err
    code, _, err = run(home_dir, "decide", refs[0], "--decision", "approved")
    assert code == ExitCode.NOT_ALLOWED and "locked" in err and "with the reason for it (--reason)." in err
    # The library's refusal names the field; the command line adds the option that gives it.
    code, _, err = run(home_dir, "decide", refs[1], "--decision", "declined")
    assert code == ExitCode.USAGE and "Error: Declined needs feedback to the school (--feedback)." in err
    code, _, err = run(home_dir, "decide", refs[1], "--decision", "deferred", "--feedback", "Later.")
    assert code == ExitCode.USAGE and "Deferred needs the round it is deferred to (--deferred-to)." in err
    code, out, err = run(home_dir, "decide", refs[0], "--decision", "approved", "--reason", "Minutes corrected",
                         "--json")
    assert code == 0 and json.loads(out)[0]["replaces"] is not None
    code, _, err = run(home_dir, "decide", refs[1], "--decision", "more-information", "--feedback", "x",
                       "--information", "Baselines", "--resubmit-by", "31/02/2027")
    assert code == ExitCode.USAGE and "February" in err
    # Spend the round down, then the next award is refused with the shortfall named.
    left = Decimal(run_json(home_dir, "status", "--round", ROUND)["rounds"][0]["money"]["left"])
    for ref in refs[1:]:
        req = Decimal(get_form(app.db, ref).amount_requested)
        code, _, err = run(home_dir, "decide", ref, "--decision", "approved")
        if req > left:
            assert code == ExitCode.NOT_ALLOWED and "overspend" in err and f"£{req - left:,.2f}" in err
            break
        left -= req
    else:
        raise AssertionError("the sample requests should exceed the round's budget")


def test_help_on_every_host_command(home_dir: Path) -> None:
    for cmd in ("check", "pack", "decide", "respond", "status"):
        code, out, _ = run(home_dir, cmd, "--help")
        assert code == 0 and "Usage" in out


def test_returned_form_is_superseded_by_the_resubmission(app, maker, home_dir: Path) -> None:
    values = maker.values()
    ref = maker.ingest(values).reference
    run_json(home_dir, "check", ref, "--return", "--reason", "Please add the second quote.")
    values["senco_phone"] = "01603 999999"  # the school corrects and sends the whole form again
    new = maker.ingest(values)
    assert new.status == "accepted"
    old = get_form(app.db, ref)
    assert old.state.value == "superseded" and old.superseded_by == new.reference
    assert [w["reference"] for w in run_json(home_dir, "check")] == [new.reference]
