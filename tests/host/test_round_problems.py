"""The round page's problems, summed by the store (workflow.problems): a form is late exactly
when ``Config.is_late`` says so, whatever offset its arrival time was written with, and the
kinds of message are picked out as ``forms check`` names them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from forms_processor.api import FormsApp
from forms_processor.documents import fill_docx, template_docx
from forms_processor.intake.submission import Source, Submission
from forms_processor.spec import APPLICATION
from forms_processor.store import repository as repo
from forms_processor.workflow.problems import problems_of_round
from tests.host.conftest import Maker

ROUND = "Autumn 2 2026"
# The Autumn 2 deadline: Friday 4 December 2026, 12:00 in London (GMT: 12:00 UTC).
DEADLINE = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SUMMER = timezone(timedelta(hours=1))


def arriving(app: FormsApp, maker: Maker, when: datetime, **over: str) -> str:
    data = fill_docx(template_docx(APPLICATION, app.config), maker.values(**over))
    result = app.ingest(Submission(data=data, file_name="form.docx", source=Source.CLI, received_at=when))
    assert result.status in ("accepted", "invalid"), [m.message for m in result.messages]
    return str(result.reference)


def test_late_is_what_is_late_says_at_the_second_and_across_offsets(app: FormsApp, maker: Maker) -> None:
    times = {
        "a second early": DEADLINE - timedelta(seconds=1),
        "on the stroke": DEADLINE,
        "a second late": DEADLINE + timedelta(seconds=1),
        "early, written +01:00": (DEADLINE - timedelta(minutes=1)).astimezone(SUMMER),
        "late, written +01:00": (DEADLINE + timedelta(minutes=30)).astimezone(SUMMER),
    }
    refs = {what: arriving(app, maker, when) for what, when in times.items()}
    rows = {r["reference"]: r["received_at"] for r in app.db.query("SELECT f.reference, s.received_at FROM forms f"
                                                                   " JOIN submissions s ON s.id = f.submission_id")}
    assert rows[refs["late, written +01:00"]].endswith("+01:00")  # the offset is kept as written
    problems = problems_of_round(app.db, app.config, ROUND)
    late = {what for what, ref in refs.items() if "late" in problems.get(ref, [])}
    assert late == {"a second late", "late, written +01:00"}
    expected = {what for what, ref in refs.items() if app.config.is_late(ROUND, rows[ref])}
    assert late == expected
    assert repo.received_at(app.db, refs["on the stroke"]) == rows[refs["on the stroke"]]


def test_the_kinds_of_message(app: FormsApp, maker: Maker) -> None:
    named = arriving(app, maker, DEADLINE - timedelta(days=1), pupil_1_ref="Amy Jones")
    clean = arriving(app, maker, DEADLINE - timedelta(days=1))
    problems = problems_of_round(app.db, app.config, ROUND)
    assert problems[named][:2] == ["errors", "pupil-reference"]
    assert clean not in problems or "errors" not in problems[clean]
