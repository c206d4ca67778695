"""Moving an application to another round: 'forms move REF --round ROUND --reason TEXT'
(FormsApp.move). The state is kept, the history says who, when and why, the school is
emailed its new round and meeting, the pack follows; a late form is marked late."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from forms_processor.api import FormsApp
from forms_processor.documents import fill_docx, template_docx
from forms_processor.errors import ExitCode, NotAllowed
from forms_processor.intake.submission import Source, Submission
from forms_processor.spec import APPLICATION
from forms_processor.store.repository import get_form
from tests.host.conftest import Maker
from tests.host.test_cli import run, run_json

# After the Autumn 2 deadline (Friday 4 December 2026, 12:00).
LATE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def late_application(app: FormsApp, maker: Maker) -> str:
    values = maker.values("Marsham Primary School")
    data = fill_docx(template_docx(APPLICATION, app.config), values)
    result = app.ingest(Submission(data=data, file_name="late.docx", source=Source.CLI, received_at=LATE))
    assert result.status == "accepted", [m.message for m in result.messages]
    assert any("before this form arrived" in m.message for m in result.messages)
    return str(result.reference)


def mails_about(app: FormsApp, reference: str, kind: str) -> list[dict[str, str]]:
    rows = app.db.query("SELECT subject, body, to_addrs FROM outgoing_mail WHERE reference = ? AND kind = ?",
                        (reference, kind))
    return [dict(r) for r in rows]


def test_a_late_form_is_marked_and_can_be_moved(app: FormsApp, maker: Maker, home_dir: Path, tmp_path: Path) -> None:
    on_time = maker.application()
    late = late_application(app, maker)
    listed = {r["reference"]: r["late"] for r in run_json(home_dir, "list")}
    assert listed == {on_time: False, late: True}
    _, out, _ = run(home_dir, "list")
    assert next(line for line in out.splitlines() if late in line).endswith("LATE")
    (summary,) = [s for s in run_json(home_dir, "check") if s["reference"] == late]
    assert summary["late"] is True

    code, _, err = run(home_dir, "move", late, "--round", "SP1", "--reason", "Arrived after the Autumn 2 deadline.")
    assert code == 0, err
    assert f"{late} moved from Autumn 2 2026 to Spring 1 2027" in err
    shown = run_json(home_dir, "show", late)
    assert shown["round"] == "Spring 1 2027" and shown["state"] == "awaiting_check"
    last = shown["history"][-1]
    assert last["action"] == "moved" and last["actor"] == "host" and last["to"] == "awaiting_check"
    assert last["reason"] == "from Autumn 2 2026 to Spring 1 2027: Arrived after the Autumn 2 deadline."
    assert {r["reference"]: r["late"] for r in run_json(home_dir, "list")}[late] is False

    (mail,) = mails_about(app, late, "moved")
    assert mail["subject"] == f"Moved to Spring 1 2027: your application {late}"
    assert "Wednesday 10 February 2027" in mail["body"] and "Arrived after the Autumn 2 deadline." in mail["body"]
    assert json.loads(mail["to_addrs"]) == ["senco@marsham.example.org"]

    # The pack of the new round has it; the old round's does not.
    run(home_dir, "check", late, "--forward")
    run(home_dir, "check", on_time, "--forward")
    sp1 = run_json(home_dir, "pack", "SP1", "--out", str(tmp_path / "sp1"))
    au2 = run_json(home_dir, "pack", "AU2", "--out", str(tmp_path / "au2"))
    assert sp1["applications"] == 1 and au2["applications"] == 1
    # Moving again (with the Working Party) is recorded and emailed again.
    code, _, err = run(home_dir, "move", late, "--round", "Spring 2 2027", "--reason", "Spring 1 is full.")
    assert code == 0, err
    assert len(mails_about(app, late, "moved")) == 2
    assert get_form(app.db, late).state.value == "with_working_party"


def test_what_cannot_be_moved(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    ref = maker.application()
    code, _, err = run(home_dir, "move", ref, "--round", "AU2", "--reason", "x")
    assert code == ExitCode.NOT_ALLOWED and "already in Autumn 2 2026" in err
    code, _, err = run(home_dir, "move", ref, "--round", "Winter", "--reason", "x")
    assert code == ExitCode.NOT_FOUND and "no funding round called 'Winter'" in err
    pupil = get_form(app.db, ref).fields["pupils"][0]["ref"]
    code, _, err = run(home_dir, "move", ref, "--round", "SP1", "--reason", f"{pupil} has moved school")
    assert code == ExitCode.USAGE and "pupil reference" in err
    run(home_dir, "check", ref, "--forward")
    run(home_dir, "decide", ref, "--decision", "declined", "--feedback", "Not this time.")
    code, _, err = run(home_dir, "move", ref, "--round", "SP1", "--reason", "Try again")
    assert code == ExitCode.NOT_ALLOWED and "cannot change round now" in err and "--deferred-to" in err
    # The library says the same.
    try:
        app.move(ref, "SP1", "Try again")
    except NotAllowed as exc:
        assert "cannot change round now" in exc.message
    else:
        raise AssertionError("a decided application was moved")
