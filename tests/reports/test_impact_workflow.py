"""Impact forms tied to their award, the Host's accept/return, the overdue timer, and
reminders sent once per stage to a real SMTP server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from forms_processor.cli import cli
from forms_processor.config import Smtp
from forms_processor.errors import NotAllowed, UsageError
from forms_processor.mail.sender import send_due
from forms_processor.mail.smtp import SmtpTransport
from forms_processor.store.repository import get_form, history_of
from forms_processor.workflow.impact import accept_impact, mark_overdue, on_impact_recorded, return_impact
from forms_processor.workflow.remind import remind
from tests.support import free_port, wait_for

from .conftest import Cluster


def _state(c: Cluster, ref: str) -> str:
    form = get_form(c.db, ref)
    assert form is not None
    return form.state.value


def _award(c: Cluster, ref: str = "TVC-2627-AU1-001", due: str = "2027-02-10", state: str = "impact_due") -> None:
    c.application(ref, "Aldby Primary", requested="1000.00", state=state, statuses=["EHCP", "SEN support"])
    c.decision(ref, "approved", "1000.00", impact_due=due)


def _impact(c: Cluster, ref: str, app: str, state: str = "awaiting_check") -> None:
    c.impact(ref, app, pupils=2, spend="900.00", state=state,
             outcomes=[("Standardised score", 80, 86, 88, "Exceeded")])


def test_accepted_impact_form_moves_its_award_to_impact_received(cluster: Cluster) -> None:
    _award(cluster, state="impact_overdue")
    _impact(cluster, "TVC-2627-IMP-001", "TVC-2627-AU1-001")
    with cluster.db.atomic() as conn:
        assert on_impact_recorded(conn, "TVC-2627-IMP-001", "TVC-2627-AU1-001", True) is True
    assert _state(cluster, "TVC-2627-AU1-001") == "impact_received"
    last = history_of(cluster.db, "TVC-2627-AU1-001")[-1]
    assert (last["from"], last["to"], last["reason"]) == ("impact_overdue", "impact_received", "impact form TVC-2627-IMP-001")
    # An invalid form, or one naming an award not waiting for impact, changes nothing.
    with cluster.db.atomic() as conn:
        assert on_impact_recorded(conn, "TVC-2627-IMP-002", "TVC-2627-AU1-001", True) is False
        assert on_impact_recorded(conn, "TVC-2627-IMP-002", "TVC-2627-AU1-009", True) is False
        assert on_impact_recorded(conn, "TVC-2627-IMP-002", "TVC-2627-AU1-001", False) is False


def test_host_accepts_an_impact_form_and_the_award_closes(cluster: Cluster) -> None:
    _award(cluster, state="impact_received")
    _impact(cluster, "TVC-2627-IMP-001", "TVC-2627-AU1-001")
    out = accept_impact(cluster.db, cluster.config, "tvc-2627-imp-001")
    assert (out.impact_state, out.application_state) == ("accepted", "closed")
    assert _state(cluster, "TVC-2627-IMP-001") == "accepted"
    assert _state(cluster, "TVC-2627-AU1-001") == "closed"
    with pytest.raises(NotAllowed):
        accept_impact(cluster.db, cluster.config, "TVC-2627-IMP-001")


def test_host_returns_an_impact_form_with_a_reason(cluster: Cluster) -> None:
    _award(cluster, state="impact_received")
    _impact(cluster, "TVC-2627-IMP-001", "TVC-2627-AU1-001")
    out = return_impact(cluster.db, cluster.config, "TVC-2627-AU1-001", "Please add the results for outcome 2.")
    assert out.mail_id is not None
    assert _state(cluster, "TVC-2627-IMP-001") == "returned"
    assert _state(cluster, "TVC-2627-AU1-001") == "impact_due"
    mail = cluster.db.one("SELECT * FROM outgoing_mail WHERE id = ?", (out.mail_id,))
    assert mail is not None and json.loads(mail["to_addrs"]) == ["senco@aldby.example.org"]
    assert "Please add the results for outcome 2." in mail["body"]
    # A reason quoting a pupil reference of the application is refused.
    _impact(cluster, "TVC-2627-IMP-002", "TVC-2627-AU1-001")
    with pytest.raises(UsageError):
        return_impact(cluster.db, cluster.config, "TVC-2627-IMP-002", "P1 has no result")


def test_overdue_timer(cluster: Cluster) -> None:
    _award(cluster, "TVC-2627-AU1-001", due="2027-01-31")
    _award(cluster, "TVC-2627-AU1-002", due="2027-02-01")
    assert mark_overdue(cluster.db, date(2027, 2, 1)) == ["TVC-2627-AU1-001"]
    assert _state(cluster, "TVC-2627-AU1-001") == "impact_overdue"
    assert _state(cluster, "TVC-2627-AU1-002") == "impact_due"
    assert mark_overdue(cluster.db, date(2027, 2, 1)) == []


# -- reminders to a real SMTP server -------------------------------------------------


class _Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Sink, int]]:
    sink = _Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _send(c: Cluster, port: int) -> None:
    transport = SmtpTransport(Smtp(host="127.0.0.1", port=port, security="plain"), c.home.root,
                              sender="host@high.example.org")
    try:
        send_due(c.db, c.home, transport, datetime.now(UTC))
    finally:
        transport.close()


def test_reminders_once_per_stage_through_smtp(cluster: Cluster, smtp: tuple[_Sink, int]) -> None:
    sink, port = smtp
    _award(cluster, "TVC-2627-AU1-001", due="2027-02-10")   # due within 14 days of 1 Feb
    _award(cluster, "TVC-2627-AU1-002", due="2027-03-30")   # not yet
    _award(cluster, "TVC-2627-AU1-003", due="2027-01-20")   # past its date
    first = remind(cluster.db, cluster.config, date(2027, 2, 1))
    assert [(r.reference, r.stage) for r in first] == [
        ("TVC-2627-AU1-001", "due_soon"), ("TVC-2627-AU1-003", "overdue")]
    _send(cluster, port)
    wait_for(lambda: len(sink.messages) == 2)
    # Run again the same day and the next: nothing new for the same stage.
    assert remind(cluster.db, cluster.config, date(2027, 2, 1)) == []
    assert remind(cluster.db, cluster.config, date(2027, 2, 2)) == []
    # The first award's date passes: its "overdue" reminder goes, once.
    later = remind(cluster.db, cluster.config, date(2027, 2, 11))
    assert [(r.reference, r.stage) for r in later] == [("TVC-2627-AU1-001", "overdue")]
    assert remind(cluster.db, cluster.config, date(2027, 2, 12)) == []
    _send(cluster, port)
    wait_for(lambda: len(sink.messages) == 3)
    subjects = [m["Subject"] for _, m in sink.messages]
    assert subjects == [
        "Reminder: the impact form for TVC-2627-AU1-001 is due by Wednesday 10 February 2027",
        "Overdue: the impact form for TVC-2627-AU1-003",
        "Overdue: the impact form for TVC-2627-AU1-001",
    ]
    for rcpts, msg in sink.messages:
        assert rcpts == ["senco@aldby.example.org"]
        text = " ".join(
            str(part.get_payload(decode=True).decode())  # type: ignore[union-attr]
            for part in msg.walk() if part.get_content_type() == "text/plain"
        )
        assert "TVC-2627-AU1-00" in text
        assert "P1" not in text.split() and "Reading catch-up" not in text


def test_impact_commands(cluster: Cluster) -> None:
    _award(cluster, "TVC-2627-AU1-001", state="impact_received")
    _impact(cluster, "TVC-2627-IMP-001", "TVC-2627-AU1-001")
    _award(cluster, "TVC-2627-AU1-002", state="impact_received")
    _impact(cluster, "TVC-2627-IMP-002", "TVC-2627-AU1-002")
    home = str(cluster.home.root)
    runner = CliRunner()
    r = runner.invoke(cli, ["--home", home, "impact", "accept", "TVC-2627-IMP-001", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["application_state"] == "closed"
    r = runner.invoke(cli, ["--home", home, "impact", "return", "TVC-2627-IMP-002", "--reason", "Spend is missing."])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["--home", home, "impact", "accept", "TVC-2627-IMP-001"])
    assert r.exit_code == 5  # not allowed: already accepted
    r = runner.invoke(cli, ["--home", home, "impact", "accept", "TVC-2627-IMP-404"])
    assert r.exit_code == 4
    r = runner.invoke(cli, ["--home", home, "impact", "overdue", "--json"])
    assert r.exit_code == 0 and "overdue" in json.loads(r.stdout)
    r = runner.invoke(cli, ["--home", home, "remind", "--days", "7", "--json"])
    assert r.exit_code == 0 and isinstance(json.loads(r.stdout), list)


def test_accept_refuses_an_impact_form_that_cannot_close_its_award(cluster: Cluster) -> None:
    # A second impact form for an award already closed by an accepted one.
    _award(cluster, "TVC-2627-AU1-001", state="closed")
    _impact(cluster, "TVC-2627-IMP-001", "TVC-2627-AU1-001", state="accepted")
    _impact(cluster, "TVC-2627-IMP-002", "TVC-2627-AU1-001")
    with pytest.raises(NotAllowed) as err:
        accept_impact(cluster.db, cluster.config, "TVC-2627-IMP-002")
    assert "already closed" in err.value.message and "TVC-2627-IMP-001" in err.value.message
    assert "forms impact return TVC-2627-IMP-002" in err.value.hint
    # An impact form about a declined application (closed once its response went).
    cluster.application("TVC-2627-AU1-002", "Aldby Primary", requested="500.00", state="closed", statuses=["EHCP"])
    cluster.decision("TVC-2627-AU1-002", "declined", "0.00")
    _impact(cluster, "TVC-2627-IMP-003", "TVC-2627-AU1-002")
    with pytest.raises(NotAllowed) as err:
        accept_impact(cluster.db, cluster.config, "TVC-2627-IMP-003")
    assert "has not been awarded money (it is declined)" in err.value.message
    # An award whose response has not gone yet.
    _award(cluster, "TVC-2627-AU1-003", state="approved")
    _impact(cluster, "TVC-2627-IMP-004", "TVC-2627-AU1-003")
    with pytest.raises(NotAllowed) as err:
        accept_impact(cluster.db, cluster.config, "TVC-2627-IMP-004")
    assert "forms respond TVC-2627-AU1-003" in err.value.hint
    # Nothing changed; each can still be returned to the school.
    assert [_state(cluster, r) for r in ("TVC-2627-IMP-002", "TVC-2627-AU1-001", "TVC-2627-AU1-002")] == [
        "awaiting_check", "closed", "closed"]
    r = CliRunner().invoke(cli, ["--home", str(cluster.home.root), "impact", "return", "TVC-2627-IMP-002",
                                 "--reason", "An impact form for this award was accepted already."])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "TVC-2627-IMP-002 returned to the school (TVC-2627-AU1-001 is closed)."
    assert _state(cluster, "TVC-2627-AU1-001") == "closed"


def test_remind_speaks_plain_english(cluster: Cluster) -> None:
    _award(cluster, "TVC-2627-AU1-001", due="2020-01-31")  # long past: overdue whatever today is
    r = CliRunner().invoke(cli, ["--home", str(cluster.home.root), "remind"])
    assert r.exit_code == 0, r.output
    assert r.stdout.split() == ["TVC-2627-AU1-001", "overdue", "due", "31/01/2020", "senco@aldby.example.org"]
    assert "1 reminder(s) queued." in r.stderr
    r = CliRunner().invoke(cli, ["--home", str(cluster.home.root), "remind"])
    assert r.stdout == "" and "0 reminder(s) queued." in r.stderr
