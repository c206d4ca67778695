"""'forms status' is the Host's "today": what needs the Host now, each with its reference,
and the next deadline and meeting; rounds with nothing in them are hidden unless asked."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

from forms_processor.api import FormsApp, json_data
from forms_processor.documents import fill_docx, template_docx
from forms_processor.documents.samples import sample_impact
from forms_processor.intake.submission import Source, Submission
from forms_processor.spec import IMPACT
from tests.host.conftest import Maker
from tests.host.test_cli import run, run_json
from tests.host.test_move import late_application


def award(home: Path, maker: Maker, school: str, start: str, end: str) -> tuple[str, dict[str, str | bool]]:
    values = maker.values(school, start_date=start, end_date=end)
    ref = str(maker.ingest(values).reference)
    for args in (("check", ref, "--forward"), ("decide", ref, "--decision", "approved"), ("respond", ref)):
        code, _, err = run(home, *args)
        assert code == 0, err
    return ref, values


def refs(items: list[dict[str, str]]) -> list[str]:
    return [i["reference"] for i in items]


def test_today_lists_what_needs_the_host(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    to_check = maker.application("Aldborough Primary School")
    late = late_application(app, maker)
    soon, _ = award(home_dir, maker, "Cawston Primary School", "07/12/2026", "15/12/2026")  # impact due 29 Dec
    later, later_values = award(home_dir, maker, "Oulton Junior School", "07/12/2026", "04/01/2027")  # due 18 Jan
    # The impact form of the later award arrives: it waits for the Host to accept it.
    school = app.config.school_by_name("Oulton Junior School")
    impact_values = sample_impact(app.config, random.Random(5), later, school, later_values, date(2027, 1, 10))
    data = fill_docx(template_docx(IMPACT, app.config), impact_values)
    impact = app.ingest(Submission(data=data, file_name="impact.docx", source=Source.CLI,
                                   received_at=datetime(2027, 1, 10, 9, 0, tzinfo=UTC)))
    assert impact.status == "accepted", [m.message for m in impact.messages]
    # An email that could not be sent.
    with app.db.atomic() as conn:
        conn.execute("UPDATE outgoing_mail SET status = 'failed' WHERE reference = ? AND kind = 'response'", (soon,))

    day = json_data(app.host_today(datetime(2026, 12, 10, 9, 0, tzinfo=UTC)))
    assert refs(day["to_check"]) == [to_check, late]
    assert "LATE" in day["to_check"][1]["detail"] and "LATE" not in day["to_check"][0]["detail"]
    assert refs(day["impact_to_accept"]) == [impact.reference]
    assert day["impact_to_accept"][0]["detail"] == f"for {later}"
    assert refs(day["impact_due_this_month"]) == [soon] and day["impact_due_this_month"][0]["detail"] == "due 29 Dec 2026"
    assert day["impact_overdue"] == []
    assert refs(day["failed_emails"]) == [soon]
    assert day["next_deadline"] == {"round": "Spring 1 2027", "at": "2027-02-05T12:00:00+00:00"}
    assert day["next_meeting"] == {"round": "Spring 1 2027", "on": "2027-02-10"}
    # Later on, the earlier award's impact form is overdue.
    january = json_data(app.host_today(datetime(2027, 1, 20, 9, 0, tzinfo=UTC)))
    assert refs(january["impact_overdue"]) == [soon] and january["impact_overdue"][0]["detail"] == "was due 29 Dec 2026"

    # The command: today first, then only the rounds with something in them.
    code, out, err = run(home_dir, "status")
    assert code == 0, err
    assert out.startswith("Today, ")
    for ref in (to_check, late, impact.reference):
        assert ref in out
    assert "Applications to check (2):  forms check" in out and "Emails that failed (1)" in out
    assert "Autumn 2 2026  (deadline" in out and "Summer 2 2027" not in out and "Autumn 1 2026" not in out
    assert "rounds with nothing in yet not shown: forms status --all" in err
    _, out, _ = run(home_dir, "status", "--all")
    assert "Summer 2 2027  (deadline" in out and "Autumn 1 2026  (deadline" in out
    data = run_json(home_dir, "status")
    assert refs(data["today"]["to_check"]) == [to_check, late]
    assert [r["round"] for r in data["rounds"]] == ["Autumn 2 2026"] and data["rounds_hidden"] == 5


def test_a_quiet_day_says_so(app: FormsApp, home_dir: Path) -> None:
    code, out, _ = run(home_dir, "status")
    assert code == 0
    assert "Nothing needs you now." in out and "Next deadline:" in out
