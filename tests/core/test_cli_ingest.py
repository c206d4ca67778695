"""The core path through the real CLI: init, templates, ingest, list, show.

Real filled .docx and .pdf files from the cluster's templates; absolute tmp_path
paths; exit codes and parsed JSON asserted.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.cli import cli
from forms_processor.errors import ExitCode
from forms_processor.home import Home
from tests.conftest import FormFactory

ROUND = "Spring 1 2027"


def run(home: Home | Path, *args: str) -> tuple[int, str, str]:
    root = home.root if isinstance(home, Home) else home
    result = CliRunner().invoke(cli, ["--home", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def ingest_json(home: Home, *paths: Path) -> tuple[int, list[dict]]:
    code, out, _ = run(home, "ingest", "--json", *[str(p) for p in paths])
    return code, json.loads(out)


def test_init_writes_config_and_folders_and_never_overwrites(tmp_path: Path) -> None:
    root = tmp_path / "new"
    code, _, err = run(root, "init")
    assert code == 0
    cfg = root / "cluster.toml"
    assert cfg.exists() and "[[schools]]" in cfg.read_text()
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    for folder in ("inbox", "outbox", "archive", "rejected", "data"):
        assert (root / folder).is_dir()
        assert stat.S_IMODE((root / folder).stat().st_mode) == 0o700
    cfg.write_text(cfg.read_text() + "\n# my edit\n")
    code, _, err = run(root, "init")
    assert code == 0
    assert "already set up" in err
    assert cfg.read_text().endswith("# my edit\n")


def test_broken_config_names_the_line(tmp_path: Path) -> None:
    root = tmp_path / "h"
    run(root, "init")
    cfg = root / "cluster.toml"
    lines = cfg.read_text().splitlines()
    idx = next(i for i, line in enumerate(lines) if line.startswith("ehcp = "))
    lines[idx] = 'ehcp = "lots"'
    cfg.write_text("\n".join(lines))
    code, _, err = run(root, "list")
    assert code == ExitCode.CONFIG
    assert f"line {idx + 1}" in err
    assert "ehcp" in err
    assert "Traceback" not in err


def test_toml_syntax_error_is_one_clear_message(tmp_path: Path) -> None:
    root = tmp_path / "h"
    run(root, "init")
    (root / "cluster.toml").write_text('[cluster]\nname = "unterminated\n')
    code, _, err = run(root, "list")
    assert code == ExitCode.CONFIG
    assert "line 2" in err and "Traceback" not in err


def test_templates_command_writes_four_forms(home: Home, tmp_path: Path) -> None:
    out = tmp_path / "t"
    code, stdout, _ = run(home, "templates", "--out", str(out))
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["application.docx", "application.pdf", "impact.docx", "impact.pdf", "response.docx"]
    assert len(stdout.splitlines()) == 5


def test_ingest_valid_word_and_pdf(home: Home, forms: FormFactory) -> None:
    a = forms.write(forms.values(1, funding_round=ROUND), "docx")
    b = forms.write(forms.values(2, funding_round=ROUND), "pdf")
    code, results = ingest_json(home, a, b)
    assert code == 0, results
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    assert all(r["reference"].startswith("WVC-2627-SP1-") for r in results)
    assert {r["school"] for r in results} == {home.config.schools[1].name, home.config.schools[2].name}
    assert results[0]["reference"] != results[1]["reference"]
    assert set(results[0]) == {"file", "status", "reference", "form", "school", "messages"}


def test_show_gives_normalised_fields(home: Home, forms: FormFactory) -> None:
    values = forms.values(
        1,
        funding_round=ROUND,
        cost_1_amount="£1,250.50",
        start_date="1 March 2027",
        end_date="2027-07-16",
    )
    path = forms.write(values, "pdf")
    code, results = ingest_json(home, path)
    ref = results[0]["reference"]
    code, out, _ = run(home, "show", ref, "--json")
    assert code == 0
    shown = json.loads(out)
    f = shown["fields"]
    assert shown["state"] == ("awaiting_check" if results[0]["status"] == "accepted" else "invalid")
    assert f["school_name"] == home.config.schools[1].name
    assert f["start_date"] == "2027-03-01"
    assert f["end_date"] == "2027-07-16"
    assert f["costs"][0]["amount"] == "1250.50"
    assert isinstance(f["parents_informed"], bool)
    assert isinstance(f["number_of_pupils"], int)
    assert {"ref", "year", "status", "need"} <= set(f["pupils"][0]) if f["pupils"] else True
    assert {"text", "measure", "baseline", "target"} <= set(f["outcomes"][0])
    assert [h["to"] for h in shown["history"]][:2] == ["received", shown["state"]]


def test_invalid_form_lists_every_message_with_labels(home: Home, forms: FormFactory) -> None:
    values = forms.values(3, funding_round=ROUND)
    values["total_cost"] = "£99,999.00"
    values["pupil_1_ref"] = "Amy Smith"
    values["data_protection"] = False
    path = forms.write(values, "docx")
    code, results = ingest_json(home, path)
    assert code == ExitCode.FORMS_NEED_ATTENTION
    r = results[0]
    assert r["status"] == "invalid"
    assert r["reference"]
    fields = {m["field"] for m in r["messages"] if m["severity"] == "error"}
    assert {"total_cost", "pupil_1_ref", "data_protection"} <= fields
    for m in r["messages"]:
        assert m["message"].startswith(m["label"])
        assert "Amy" not in m["message"]


def test_same_bytes_twice_is_a_duplicate_and_not_queued_again(home: Home, forms: FormFactory) -> None:
    path = forms.write(forms.values(1, funding_round=ROUND), "docx")
    _, first = ingest_json(home, path)
    code, second = ingest_json(home, path)
    assert code == ExitCode.FORMS_NEED_ATTENTION
    assert second[0]["status"] == "duplicate"
    assert second[0]["reference"] == first[0]["reference"]
    code, out, _ = run(home, "list", "--json")
    assert len(json.loads(out)) == 1


def test_corrected_form_supersedes_the_invalid_one(home: Home, forms: FormFactory) -> None:
    good = forms.values(4, funding_round=ROUND)
    bad = dict(good)
    bad["total_cost"] = "£1.00"
    _, r1 = ingest_json(home, forms.write(bad, "pdf"))
    _, r2 = ingest_json(home, forms.write(good, "docx"))
    assert r1[0]["status"] == "invalid" and r2[0]["status"] == "accepted"
    code, out, _ = run(home, "show", r1[0]["reference"], "--json")
    old = json.loads(out)
    assert old["state"] == "superseded"
    assert old["superseded_by"] == r2[0]["reference"]
    code, out, _ = run(home, "list", "--status", "awaiting_check", "--json")
    assert [x["reference"] for x in json.loads(out)] == [r2[0]["reference"]]


def test_list_filters_by_school_and_round(home: Home, forms: FormFactory) -> None:
    paths = [forms.write(forms.values(i, funding_round=ROUND), "pdf") for i in (1, 2, 2)]
    ingest_json(home, *paths)
    code, out, _ = run(home, "list", "--school", "brampton", "--json")
    rows = json.loads(out)
    assert len(rows) == 2 and {r["school"] for r in rows} == {home.config.schools[2].name}
    code, out, _ = run(home, "list", "--round", "SP1", "--json")
    assert len(json.loads(out)) == 3
    code, out, _ = run(home, "list", "--round", "AU1", "--json")
    assert json.loads(out) == []


def test_show_unknown_reference_exit_code(home: Home) -> None:
    code, _, err = run(home, "show", "WVC-0000-XX-999")
    assert code == ExitCode.NOT_FOUND
    assert "no form with the reference" in err


def test_folder_and_eml_intake(home: Home, forms: FormFactory, tmp_path: Path) -> None:
    from forms_processor.intake.email_parts import build_message

    folder = tmp_path / "batch"
    forms.folder = folder / "sub"
    a = forms.write(forms.values(1, funding_round=ROUND), "docx")
    forms.folder = folder
    (folder / "~$lockfile.docx").write_bytes(b"lock")
    (folder / "download.crdownload").write_bytes(b"partial")
    msg = build_message(
        "senco@marsham.example.org", "host@example.org", "Application", "Please find attached.",
        [("Marsham application.pdf", forms.write(forms.values(5, funding_round=ROUND), "pdf", name="../x.pdf").read_bytes())],
    )
    (tmp_path / "x.eml").write_bytes(bytes(msg))
    code, results = ingest_json(home, folder, tmp_path / "x.eml")
    statuses = {Path(r["file"].split(" > ")[0]).name: r["status"] for r in results}
    assert a.name in statuses
    assert "~$lockfile.docx" not in statuses and "download.crdownload" not in statuses
    eml = [r for r in results if r["file"].endswith("Marsham application.pdf")]
    assert eml and eml[0]["status"] == "accepted"
    assert eml[0]["school"] == "Marsham Primary School"


def test_database_and_archive_are_owner_only(home: Home, forms: FormFactory) -> None:
    ingest_json(home, forms.write(forms.values(1, funding_round=ROUND), "docx"))
    assert stat.S_IMODE(home.database.stat().st_mode) == 0o600
    archived = [p for p in home.archive.rglob("*") if p.is_file()]
    assert archived and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in archived)
    assert stat.S_IMODE(home.archive.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "name,data,reason_word",
    [
        ("empty.pdf", b"", "empty"),
        ("random.pdf", os.urandom(4000), ""),
        ("photo.pdf", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 500, "picture"),
        ("odd name \u202e \u00fcn\u00ef \u540d\u524d.docx", b"PK\x03\x04garbage", ""),
    ],
)
def test_bad_files_are_rejected_kept_and_the_batch_goes_on(
    home: Home, forms: FormFactory, tmp_path: Path, name: str, data: bytes, reason_word: str
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    safe_name = name.replace("/", "_")
    (folder / safe_name).write_bytes(data)
    forms.folder = folder
    good = forms.write(forms.values(1, funding_round=ROUND), "docx", name="zz-good.docx")
    code, out, err = run(home, "ingest", "--json", str(folder))
    assert code == ExitCode.FORMS_NEED_ATTENTION
    assert "Traceback" not in err
    results = json.loads(out)
    by_name = {Path(r["file"]).name: r for r in results}
    assert by_name[good.name]["status"] == "accepted"
    bad = by_name[safe_name]
    assert bad["status"] == "rejected"
    assert bad["messages"] and bad["messages"][0]["message"]
    if reason_word:
        assert reason_word in bad["messages"][0]["message"].lower()
    # the original is kept, byte for byte
    kept = [p.read_bytes() for p in home.archive.rglob("*") if p.is_file()]
    assert data in kept


def test_attachment_names_cannot_escape_folders() -> None:
    from datetime import datetime

    from forms_processor.intake.submission import Source, Submission

    sub = Submission(b"x", "../../etc/pass\u202ewd\x00.docx", Source.EMAIL, datetime.now(UTC))
    assert "/" not in sub.file_name and "\x00" not in sub.file_name and "\u202e" not in sub.file_name
    assert not sub.file_name.startswith(".")
    assert Submission(b"x", "..", Source.EMAIL, datetime.now(UTC)).file_name == "form"


def test_withdraw_before_a_decision_only(home: Home, forms: FormFactory) -> None:
    _, results = ingest_json(home, forms.write(forms.values(1, funding_round=ROUND), "docx"))
    ref = results[0]["reference"]
    code, out, _ = run(home, "withdraw", ref, "--reason", "School found other funding", "--json")
    assert code == 0 and json.loads(out)["state"] == "withdrawn"
    code, _, err = run(home, "withdraw", ref, "--reason", "again")
    assert code == ExitCode.NOT_ALLOWED
    assert "withdrawn" in err
    code, out, _ = run(home, "show", ref, "--json")
    last = json.loads(out)["history"][-1]
    assert last["to"] == "withdrawn" and last["reason"] == "School found other funding"


def test_retention_blanks_pupil_refs_and_deletes_originals(home: Home, forms: FormFactory) -> None:
    _, results = ingest_json(home, forms.write(forms.values(1, funding_round=ROUND, application_type="Individual pupil",
                                                            number_of_pupils="1", pupil_1_ref="JB"), "docx"))
    ref = results[0]["reference"]
    run(home, "withdraw", ref, "--reason", "no longer needed")
    from forms_processor.store.db import Database

    db = Database(home.database)
    with db.atomic() as conn:  # the form was received eight years ago
        conn.execute("UPDATE submissions SET received_at = '2018-01-10T09:00:00+00:00'")
    db.close()
    code, out, _ = run(home, "retention", "--json")
    assert json.loads(out)["due"] == [ref] and not json.loads(out)["applied"]
    assert any(home.archive.rglob("*.docx"))
    code, out, _ = run(home, "retention", "--apply", "--json")
    assert code == 0 and json.loads(out)["files_deleted"] >= 1
    assert not any(p.is_file() for p in home.archive.rglob("*.docx"))
    code, out, _ = run(home, "show", ref, "--json")
    shown = json.loads(out)
    assert all(p["ref"] is None for p in shown["fields"]["pupils"])
    assert shown["fields"]["amount_requested"]
    assert shown["history"][-1]["action"] == "anonymised"
    code, out, _ = run(home, "retention", "--json")
    assert json.loads(out)["due"] == []


def test_host_exception_carries_over_to_the_corrected_form(home: Home, forms: FormFactory) -> None:
    values = forms.values(2, funding_round=ROUND, high_needs_used="£6,000.00")
    _, r1 = ingest_json(home, forms.write(values, "docx"))
    assert r1[0]["status"] == "invalid"
    assert [m["field"] for m in r1[0]["messages"] if m["severity"] == "error"] == ["high_needs_used"]
    code, _, err = run(home, "check", r1[0]["reference"], "--exception", "--reason", "Agreed at the October meeting")
    assert code == 0, err
    # The school corrects something else and sends the form again: the exception still holds.
    values["senco_phone"] = "01603 000111"
    _, r2 = ingest_json(home, forms.write(values, "pdf"))
    assert r2[0]["status"] == "accepted", r2[0]["messages"]


def test_accepted_impact_form_moves_its_award_to_impact_received(home: Home, forms: FormFactory, tmp_path: Path) -> None:
    import random
    from datetime import date

    from forms_processor.documents.fill import fill_docx
    from forms_processor.documents.samples import sample_impact
    from forms_processor.documents.templates import template_docx
    from forms_processor.spec import IMPACT

    values = forms.values(1, funding_round=ROUND)
    _, r = ingest_json(home, forms.write(values, "docx"))
    ref = r[0]["reference"]
    assert run(home, "check", ref, "--forward")[0] == 0
    code, _, err = run(home, "decide", ref, "--decision", "approved", "--meeting", "2027-02-10")
    assert code == 0, err
    assert run(home, "respond", ref)[0] == 0
    assert json.loads(run(home, "show", ref, "--json")[1])["state"] == "impact_due"
    school = home.config.schools[1]
    impact_values = sample_impact(home.config, random.Random(3), ref, school, values, date(2026, 11, 25))
    impact_values["actual_spend"] = "£10.00"
    impact_values["headteacher_signed_date"] = "28/11/2026"  # the CLI receives it today
    path = tmp_path / "impact.docx"
    path.write_bytes(fill_docx(template_docx(IMPACT, home.config), impact_values))
    code, results = ingest_json(home, path)
    assert results[0]["form"] == "send-impact"
    if results[0]["status"] == "accepted":
        assert json.loads(run(home, "show", ref, "--json")[1])["state"] == "impact_received"
    else:  # an invalid impact form leaves the award waiting for its impact form
        assert json.loads(run(home, "show", ref, "--json")[1])["state"] == "impact_due"
        raise AssertionError(results[0]["messages"])


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_a_response_form_sent_back_is_refused_with_its_own_message(home: Home, tmp_path: Path, kind: str) -> None:
    from datetime import date

    from forms_processor.documents.response import default_template, render_docx, render_pdf, response_values

    values = response_values(
        reference="WVC-2627-SP1-001", school_name="Marsham Primary School", intervention_title="Nurture group",
        funding_round=ROUND, decision_label="Approved", amount_requested="1200.00",
        decision={"amount_awarded": "1200.00", "meeting_date": "2027-02-10", "impact_due": "2027-08-01"},
        signer="Sam Patel", signed_on=date(2027, 2, 11), cluster_name=home.config.cluster.name,
    )
    data = render_docx(default_template(), values) if kind == "docx" else render_pdf(values)
    path = tmp_path / f"response.{kind}"
    path.write_bytes(data)
    code, results = ingest_json(home, path)
    assert results[0]["status"] == "rejected"
    assert "response form" in results[0]["messages"][0]["message"]


def test_templates_never_overwrite_a_restyled_response_template(home: Home, tmp_path: Path) -> None:
    out = tmp_path / "t"
    out.mkdir()
    (out / "response.docx").write_bytes(b"our letterhead")
    code, stdout, err = run(home, "templates", "--out", str(out))
    assert code == 0 and "Kept" in err
    assert (out / "response.docx").read_bytes() == b"our letterhead"


def test_a_file_refused_for_a_passing_reason_is_read_again(home: Home, forms: FormFactory) -> None:
    from datetime import datetime

    from forms_processor.api import FormsApp
    from forms_processor.errors import UnreadableDocument
    from forms_processor.intake.submission import Source, Submission
    from forms_processor.readers import read_document

    path = forms.write(forms.values(1, funding_round=ROUND), "docx")
    sub = Submission(path.read_bytes(), path.name, Source.CLI, datetime.now(UTC))

    def busy(data: bytes, name: str) -> object:
        raise UnreadableDocument("This file took too long to read.", reason="timeout")

    with FormsApp(home, read=busy) as app:  # type: ignore[arg-type]
        assert app.ingest(sub).status == "rejected"
    with FormsApp(home, read=read_document) as app:
        again = app.ingest(sub)
        assert again.status == "accepted"
        assert app.ingest(sub).status == "duplicate"  # once read, the same bytes are a duplicate


def test_an_impact_form_for_a_declined_application_is_invalid(home: Home, forms: FormFactory, tmp_path: Path) -> None:
    import random
    from datetime import date

    from forms_processor.documents.fill import fill_docx
    from forms_processor.documents.samples import sample_impact
    from forms_processor.documents.templates import template_docx
    from forms_processor.spec import IMPACT

    values = forms.values(1, funding_round=ROUND)
    ref = ingest_json(home, forms.write(values, "docx"))[1][0]["reference"]
    run(home, "check", ref, "--forward")
    code, _, err = run(home, "decide", ref, "--decision", "declined", "--feedback", "Not this round, sorry.")
    assert code == 0, err
    run(home, "respond", ref)
    assert json.loads(run(home, "show", ref, "--json")[1])["state"] == "closed"
    impact = sample_impact(home.config, random.Random(4), ref, home.config.schools[1], values, date(2026, 11, 25))
    impact.update(actual_spend="£0.00", headteacher_signed_date="28/11/2026")
    path = tmp_path / "impact.docx"
    path.write_bytes(fill_docx(template_docx(IMPACT, home.config), impact))
    result = ingest_json(home, path)[1][0]
    assert result["status"] == "invalid"
    assert "application_reference" in [m["field"] for m in result["messages"] if m["severity"] == "error"]


def test_list_refuses_unknown_round_school_and_state(home: Home) -> None:
    assert run(home, "list", "--round", "Midsummer")[0] == ExitCode.NOT_FOUND
    code, _, err = run(home, "list", "--school", "Hogwarts")
    assert code == ExitCode.NOT_FOUND and "no school called" in err
    assert run(home, "list", "--status", "bogus")[0] == ExitCode.USAGE


def test_an_empty_file_is_refused_each_time_it_is_sent(home: Home, tmp_path: Path) -> None:
    for name in ("a.pdf", "b.pdf"):
        (tmp_path / name).write_bytes(b"")
        code, results = ingest_json(home, tmp_path / name)
        assert results[0]["status"] == "rejected"
        assert "empty" in results[0]["messages"][0]["message"]


def test_ingest_says_which_files_it_passed_over(home: Home, forms: FormFactory, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    forms.write(forms.values(1, funding_round=ROUND), "docx")
    (folder / "~$lock.docx").write_bytes(b"x")
    (folder / ".hidden.pdf").write_bytes(b"x")
    code, _, err = run(home, "ingest", str(folder))
    assert "Passed over 2 file(s)" in err


def test_a_folder_drop_is_acknowledged_only_to_an_address_of_the_school(home: Home, forms: FormFactory) -> None:
    from forms_processor.store.db import Database

    school = home.config.schools[1]
    typed_elsewhere = forms.write(forms.values(1, funding_round=ROUND, senco_email="someone@gmail.example.com"))
    typed_at_school = forms.write(forms.values(1, funding_round=ROUND, senco_email=f"j.bloggs@{school.email_domains[0]}"))
    _, results = ingest_json(home, typed_elsewhere, typed_at_school)
    db = Database(home.database)
    try:
        to = {r["reference"]: json.loads(r["to_addrs"]) for r in db.query("SELECT reference, to_addrs FROM outgoing_mail")}
    finally:
        db.close()
    assert to[results[0]["reference"]] == [school.senco_email]
    assert to[results[1]["reference"]] == [f"j.bloggs@{school.email_domains[0]}"]


def test_processes_opening_a_new_database_at_once(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    path = tmp_path / "data" / "forms.db"
    # Every process imports first, then all open the new database at the same instant.
    code = (
        "import sys, time; from pathlib import Path; from forms_processor.store.db import Database\n"
        "while time.time() < float(sys.argv[2]): pass\n"
        "Database(Path(sys.argv[1])).close()"
    )
    start = str(time.time() + 2)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path), start], stderr=subprocess.PIPE) for _ in range(6)]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    from forms_processor.store.db import Database, migrations

    db = Database(path)
    try:
        assert [r[0] for r in db.query("SELECT version FROM schema_migrations ORDER BY version")] == [
            v for v, _, _ in migrations()
        ]
    finally:
        db.close()


@pytest.mark.parametrize("header", ['From: "', "From: a@[", "Subject: =?utf-8?q?broken", "Date: 99 Foo 20xx"])
def test_a_malformed_email_file_is_refused_or_read_and_the_batch_goes_on(
    home: Home, forms: FormFactory, tmp_path: Path, header: str
) -> None:
    folder = tmp_path / "batch"
    forms.folder = folder
    good = forms.write(forms.values(1, funding_round=ROUND), "docx", name="b.docx")
    (folder / "a.eml").write_bytes(f"{header}\r\nTo: host@example.org\r\n\r\nNo form here.\r\n".encode())
    code, out, err = run(home, "ingest", "--json", str(folder))
    assert code == ExitCode.FORMS_NEED_ATTENTION, err
    by_name = {Path(r["file"]).name: r for r in json.loads(out)}
    assert by_name[good.name]["status"] == "accepted"
    assert by_name["a.eml"]["status"] == "rejected"
    assert "email" in by_name["a.eml"]["messages"][0]["message"]
    assert any(p.suffix == ".eml" for p in home.archive.rglob("*"))  # the original is kept


def test_templates_into_a_folder_that_cannot_be_written_is_a_clear_message(home: Home, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file where a folder should be")
    code, _, err = run(home, "templates", "--out", str(not_a_folder / "t"))
    assert code == ExitCode.USAGE and "could not be written" in err
    assert "Traceback" not in err


def test_a_word_form_with_more_pupils_than_rows_is_told_so(home: Home, tmp_path: Path) -> None:
    """The Word pupils table grown by the school to ten rows: the school is told."""
    import io

    import docx

    values = FormFactory(home.config, tmp_path).values(1, funding_round=ROUND)
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    for label, key in (("School", "school_name"), ("Type of application", "application_type"),
                       ("Number of pupils", "number_of_pupils")):
        row = table.add_row().cells
        row[0].text, row[1].text = label, str(values[key])
    pupils = document.add_table(rows=1, cols=4)
    for cell, text in zip(pupils.rows[0].cells, ("Pupil reference", "Year group", "SEN status", "Primary need"), strict=True):
        cell.text = text
    for n in range(1, 11):
        for cell, text in zip(pupils.add_row().cells, (f"P{n}", "Y3", "EHCP", "SEMH"), strict=True):
            cell.text = text
    document.sections[0].footer.paragraphs[0].text = "Form SEND-APP v1"
    buf = io.BytesIO()
    document.save(buf)
    path = tmp_path / "ten pupils.docx"
    path.write_bytes(buf.getvalue())
    _, results = ingest_json(home, path)
    texts = [m["message"] for m in results[0]["messages"]]
    assert results[0]["status"] == "invalid"
    assert any("room for 8 rows" in t for t in texts), texts
