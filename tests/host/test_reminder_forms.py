"""Reminders carry the award's impact form filled in already (Word and PDF): read back by
the project's own readers, the school only adds its results, and the form is accepted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from forms_processor.api import FormsApp
from forms_processor.documents import fill_docx
from forms_processor.intake.submission import Source, Submission
from forms_processor.readers import read_document
from tests.host.conftest import Maker
from tests.host.test_cli import run


@pytest.mark.slow
def test_a_reminder_attaches_the_impact_form_filled_in(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    values = maker.values("Marsham Primary School", start_date="07/12/2026", end_date="04/01/2027")
    ref = str(maker.ingest(values).reference)
    for args in (("check", ref, "--forward"), ("decide", ref, "--decision", "approved"), ("respond", ref),
                 ("remind", "--days", "400")):
        code, _, err = run(home_dir, *args)
        assert code == 0, err
    row = app.db.one("SELECT body, attachments FROM outgoing_mail WHERE kind = 'reminder' AND reference = ?", (ref,))
    attached = json.loads(row["attachments"])
    assert attached == [f"outbox/reminders/{ref} impact form.docx", f"outbox/reminders/{ref} impact form.pdf"]
    assert "filled in already" in row["body"]
    for rel in attached:
        path = home_dir / rel
        assert (path.stat().st_mode & 0o777) == 0o600
        read = read_document(path.read_bytes(), path.name)
        assert read.form_id == "send-impact"
        f = read.fields
        assert f["application_reference"] == ref and f["school_name"] == "Marsham Primary School"
        assert f["intervention_title"] == values["intervention_title"]
        assert f["outcome_1_measure"] == values["outcome_1_measure"]
        assert str(f["outcome_1_baseline"]) == str(values["outcome_1_baseline"])
        assert str(f["outcome_1_target"]) == str(values["outcome_1_target"])
        assert not f.get("outcome_1_result")

    # The school adds only its results, the spend and a signature: the form is accepted.
    docx = home_dir / attached[0]
    results: dict[str, str | bool] = {
        "actual_start_date": "07/12/2026", "actual_end_date": "04/01/2027", "sessions_planned": "4",
        "sessions_delivered": "4", "pupils_supported": str(values["number_of_pupils"]), "actual_spend": "100.00",
        "pupil_voice": "The pupils said the sessions helped them to settle in class each morning.",
        "parent_voice": "Parents noticed calmer mornings and more talk about school at home.",
        "staff_evaluation": "Staff saw steady progress; the approach will continue from the school's own budget.",
        "next_steps": "Continue from school budget", "headteacher_signature": "A. Head",
        "headteacher_signed_date": "10/01/2027",
    }
    for n in range(1, 4):
        if values.get(f"outcome_{n}_measure"):
            results[f"outcome_{n}_result"] = str(values[f"outcome_{n}_target"])
            results[f"outcome_{n}_met"] = "Met"
    filled = fill_docx(docx.read_bytes(), results)
    impact = app.ingest(Submission(data=filled, file_name="impact back.docx", source=Source.CLI,
                                   received_at=datetime(2027, 1, 10, 9, 0, tzinfo=UTC)))
    errors = [m.message for m in impact.messages if m.severity.value == "error"]
    assert impact.status == "accepted", errors


def test_the_host_gets_blind_copies_when_the_configuration_says_so(app: FormsApp, maker: Maker, home_dir: Path,
                                                                   smtp_server: Any) -> None:
    inbox = smtp_server()
    cfg = home_dir / "cluster.toml"
    cfg.write_text(cfg.read_text().replace("copies = false", "copies = true"))
    ref = maker.application("Marsham Primary School")
    code, _, err = run(home_dir, "mail", "send")
    assert code == 0, err
    ((rcpt, msg),) = [(r, m) for r, m in inbox.messages if ref in str(m["Subject"])]
    host = app.config.host.email
    assert host in rcpt and "senco@marsham.example.org" in rcpt
    assert host not in str(msg["To"]) and msg["Bcc"] is None and msg["Cc"] is None
    # Off (the default): the school only.
    cfg.write_text(cfg.read_text().replace("copies = true", "copies = false"))
    second = maker.application("Cawston Primary School")
    run(home_dir, "mail", "send")
    ((rcpt, _),) = [(r, m) for r, m in inbox.messages if second in str(m["Subject"])]
    assert rcpt == ["senco@cawston.example.org"]
