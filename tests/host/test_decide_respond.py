"""Decisions and responses, from real ingested forms to emails received by a real SMTP server."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from forms_processor.errors import ExitCode, NotAllowed, UsageError
from forms_processor.mail.sender import send_due, transport_for
from forms_processor.reports.money import round_money
from forms_processor.store.repository import current_decision, get_form
from forms_processor.workflow.check import forward
from forms_processor.workflow.decide import DecisionInput, decide
from forms_processor.workflow.respond import respond
from tests.support import wait_for

from .conftest import AWKWARD_SCHOOL, AWKWARD_TITLE, ROUND

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def forwarded(app, maker, n: int = 1, **kw) -> list[str]:
    refs = [maker.application(**kw) for _ in range(n)]
    for ref in refs:
        forward(app.db, app.config, ref)
    return refs


def requested(app, ref: str) -> Decimal:
    return Decimal(get_form(app.db, ref).amount_requested)


def test_smoke_ingest_forward(app, maker) -> None:
    ref = forwarded(app, maker)[0]
    assert get_form(app.db, ref).state.value == "with_working_party"


def test_award_rules(app, maker) -> None:
    ref = forwarded(app, maker)[0]
    req = requested(app, ref)
    with pytest.raises(UsageError, match="awards the amount requested"):
        decide(app.db, app.config, DecisionInput(ref, "approved", award=req - 1))
    with pytest.raises(UsageError, match="less than the request"):
        decide(app.db, app.config, DecisionInput(ref, "partially-funded", award=req, feedback="Part"))
    with pytest.raises(UsageError, match="needs the amount awarded"):
        decide(app.db, app.config, DecisionInput(ref, "partially-funded", feedback="Part"))
    with pytest.raises(UsageError, match="needs the conditions"):
        decide(app.db, app.config, DecisionInput(ref, "approved-with-conditions", feedback="ok"))
    with pytest.raises(UsageError, match="needs feedback"):
        decide(app.db, app.config, DecisionInput(ref, "declined"))
    with pytest.raises(UsageError, match="must be £0.00"):
        decide(app.db, app.config, DecisionInput(ref, "declined", award=Decimal("5"), feedback="No"))
    with pytest.raises(UsageError, match="needs the information requested"):
        decide(app.db, app.config, DecisionInput(ref, "more-information", feedback="More"))
    with pytest.raises(UsageError, match="resubmit by"):
        decide(app.db, app.config, DecisionInput(ref, "more-information", feedback="More", information_requested="x"))
    with pytest.raises(UsageError, match="deferred to"):
        decide(app.db, app.config, DecisionInput(ref, "deferred", feedback="Later"))
    with pytest.raises(UsageError, match="later round"):
        decide(app.db, app.config, DecisionInput(ref, "deferred", feedback="Later", deferred_to="AU1"))
    with pytest.raises(UsageError, match="not a decision"):
        decide(app.db, app.config, DecisionInput(ref, "maybe"))
    # Nothing was recorded by the refusals.
    assert current_decision(app.db, ref) is None
    rec = decide(app.db, app.config, DecisionInput(ref, "partially-funded", award=req / 2, feedback="Half now."))
    assert rec.decision == "partially_funded" and Decimal(rec.amount_awarded) == (req / 2).quantize(Decimal("0.01"))
    end = get_form(app.db, ref).fields["end_date"]
    assert rec.impact_due == (datetime.fromisoformat(end) + timedelta(days=14)).date()


def test_locked_and_correction(app, maker) -> None:
    ref = forwarded(app, maker)[0]
    first = decide(app.db, app.config, DecisionInput(ref, "approved"))
    with pytest.raises(NotAllowed, match="locked") as err:
        decide(app.db, app.config, DecisionInput(ref, "declined", feedback="No"))
    assert err.value.exit_code == ExitCode.NOT_ALLOWED
    fixed = decide(app.db, app.config, DecisionInput(ref, "declined", feedback="No after all", reason="minutes misread"))
    assert fixed.replaces == first.id
    assert get_form(app.db, ref).state.value == "declined"
    # Same decision, corrected amount: a new row, no state change.
    again = decide(app.db, app.config, DecisionInput(ref, "declined", feedback="No.", reason="wording"))
    assert again.replaces == fixed.id
    # Once the response has gone, nothing can change.
    respond(app.db, app.home, [ref])
    assert get_form(app.db, ref).state.value == "closed"
    with pytest.raises(NotAllowed):
        decide(app.db, app.config, DecisionInput(ref, "approved", reason="try"))


def test_awaiting_check_cannot_be_decided(app, maker) -> None:
    ref = maker.application()
    with pytest.raises(NotAllowed, match="Forward it first|only an application with the Working Party"):
        decide(app.db, app.config, DecisionInput(ref, "approved"))


def test_overspend_refused_naming_shortfall(app, maker) -> None:
    refs = forwarded(app, maker, 6)
    budget = app.config.round_by_name(ROUND).budget
    spent = Decimal(0)
    refused = None
    for ref in refs:
        req = requested(app, ref)
        if spent + req > budget:
            with pytest.raises(NotAllowed) as err:
                decide(app.db, app.config, DecisionInput(ref, "approved"))
            refused = (ref, err.value.message, spent + req - budget)
            break
        decide(app.db, app.config, DecisionInput(ref, "approved"))
        spent += req
    assert refused is not None, "the sample requests should exceed the round's budget"
    ref, message, short = refused
    assert f"£{short:,.2f}" in message and "overspend" in message
    assert current_decision(app.db, ref) is None
    money = round_money(app.db, app.config, ROUND)
    assert money.awarded == spent and money.left == budget - spent
    # What is left can still be awarded, in part.
    left = money.left
    if left > 0:
        rec = decide(app.db, app.config, DecisionInput(ref, "partially-funded", award=left, feedback="What is left."))
        assert Decimal(rec.round_left) == 0


def _docx_texts(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    paras = [p.text for p in doc.paragraphs]
    footer = [p.text for p in doc.sections[0].footer.paragraphs]
    return "\n".join(cells + paras + footer)


def _docx_pairs(data: bytes) -> dict[str, str]:
    doc = Document(io.BytesIO(data))
    return {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}


def test_whole_path_with_smtp_down_then_up(app, maker, smtp_server) -> None:
    awkward = maker.application(school=AWKWARD_SCHOOL, intervention_title=AWKWARD_TITLE)
    pdf_form = maker.application(kind="pdf")
    others = [maker.application() for _ in range(2)]
    refs = [awkward, pdf_form, *others]
    for ref in refs:
        forward(app.db, app.config, ref, note="complete")
    decide(app.db, app.config, DecisionInput(awkward, "approved-with-conditions", conditions="Termly report & <data>",
                                             feedback="Well argued — £ well spent."))
    decide(app.db, app.config, DecisionInput(pdf_form, "declined", feedback="Not this round."))
    decide(app.db, app.config, DecisionInput(others[0], "deferred", feedback="Next round.", deferred_to="SP1"))
    decide(app.db, app.config, DecisionInput(others[1], "more-information", feedback="Please say more.",
                                             information_requested="The baseline scores", resubmit_by=datetime(2027, 1, 8).date()))

    results = respond(app.db, app.home, every=True)
    assert sorted(r.reference for r in results) == sorted(refs)
    assert {r.status for r in results} == {"queued"}
    # Idempotent: nothing new the second time.
    assert respond(app.db, app.home, every=True) == []
    again = respond(app.db, app.home, [awkward])
    assert again[0].status == "already-sent"

    states = {ref: get_form(app.db, ref) for ref in refs}
    assert states[awkward].state.value == "impact_due"
    assert states[pdf_form].state.value == "closed"
    assert states[others[0]].state.value == "with_working_party" and states[others[0]].round == "Spring 1 2027"
    assert states[others[1]].state.value == "more_information"

    # The server is down: nothing is lost, nothing is sent.
    transport = transport_for(app.home, timeout=5)
    down = send_due(app.db, app.home, transport, NOW)
    assert not down.sent and down.unavailable
    inbox = smtp_server()
    later = NOW + timedelta(hours=2)
    report = send_due(app.db, app.home, transport, later)
    transport.close()
    # Once more, later still: nothing is sent twice.
    transport = transport_for(app.home, timeout=5)
    send_due(app.db, app.home, transport, later + timedelta(hours=5))
    transport.close()
    wait_for(lambda: len([m for _, m in inbox.messages if m["Subject"].startswith("Working Party")]) >= 4)
    responses = [(rcpt, m) for rcpt, m in inbox.messages if m["Subject"].startswith("Working Party decision")]
    assert len(responses) == 4, report
    by_ref = {m["Subject"].rsplit(" ", 1)[1]: (rcpt, m) for rcpt, m in responses}
    assert set(by_ref) == set(refs)

    rcpt, msg = by_ref[awkward]
    assert "senco@zoe-darc.example.org" in rcpt and "head@zoe-darc.example.org" in rcpt
    body = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    form = get_form(app.db, awkward)
    for pupil in form.fields.get("pupils") or []:
        assert pupil["ref"] not in body
    assert AWKWARD_TITLE not in body
    files = {p.get_filename(): p.get_payload(decode=True) for p in msg.walk() if p.get_filename()}
    assert set(files) == {f"{awkward} response.docx", f"{awkward} response.pdf"}
    pairs = _docx_pairs(files[f"{awkward} response.docx"])
    assert pairs["School"] == AWKWARD_SCHOOL
    assert pairs["Intervention"] == AWKWARD_TITLE
    assert pairs["Decision"] == "Approved with conditions"
    assert pairs["Conditions"] == "Termly report & <data>"
    assert pairs["Amount awarded"] == f"£{Decimal(form.amount_requested):,.2f}"
    assert pairs["Impact form due by"] != "—"
    assert "Form SEND-RESP v1" in _docx_texts(files[f"{awkward} response.docx"])
    with zipfile.ZipFile(io.BytesIO(files[f"{awkward} response.docx"])) as z:
        xml = z.read("word/document.xml").decode()
    assert "&amp; &lt;social&gt;" in xml and "{{" not in xml
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(files[f"{awkward} response.pdf"])).pages)
    for needle in (awkward, AWKWARD_SCHOOL, "Lego & <social> skills", "£", "Approved with conditions",
                   "Termly report & <data>", "Form SEND-RESP v1", app.config.host.chair):
        assert needle in pdf_text, needle

    _, msg = by_ref[others[1]]
    files = {p.get_filename(): p.get_payload(decode=True) for p in msg.walk() if p.get_filename()}
    pairs = _docx_pairs(files[f"{others[1]} response.docx"])
    assert pairs["Decision"] == "More information requested"
    assert pairs["Information requested"] == "The baseline scores"
    assert pairs["Please resubmit by"] == "8 January 2027"
    # No money or impact-form rows on a response that awards nothing.
    assert "Amount awarded" not in pairs and "Impact form due by" not in pairs and "Deferred to round" not in pairs

    # Files in the outbox are the Host's to find, and private.
    out = app.home.responses / f"{awkward} response.pdf"
    assert out.exists() and (out.stat().st_mode & 0o777) == 0o600


def test_resend_queues_again_on_purpose(app, maker) -> None:
    ref = forwarded(app, maker)[0]
    decide(app.db, app.config, DecisionInput(ref, "approved"))
    first = respond(app.db, app.home, [ref])[0]
    second = respond(app.db, app.home, [ref], resend=True)[0]
    assert second.status == "resent" and second.mail_id != first.mail_id
    keys = [r[0] for r in app.db.query("SELECT dedupe_key FROM outgoing_mail WHERE kind = 'response' ORDER BY id")]
    assert keys == [f"response:{first.decision_id}", f"response:{first.decision_id}:resend:1"]
    assert get_form(app.db, ref).state.value == "impact_due"


def test_deferred_then_decided_in_next_round(app, maker) -> None:
    ref = forwarded(app, maker)[0]
    decide(app.db, app.config, DecisionInput(ref, "deferred", feedback="Next round.", deferred_to="Spring 1 2027"))
    respond(app.db, app.home, every=True)
    assert get_form(app.db, ref).round == "Spring 1 2027"
    rec = decide(app.db, app.config, DecisionInput(ref, "approved"))
    assert rec.round == "Spring 1 2027" and rec.replaces is None
    second = respond(app.db, app.home, every=True)
    assert second[0].pdf.endswith(f"{ref} response 2.pdf")
    assert round_money(app.db, app.config, "Spring 1 2027").awarded == requested(app, ref)
    assert round_money(app.db, app.config, ROUND).awarded == 0


def test_missing_template_falls_back_and_custom_template_used(app, maker, home_dir: Path) -> None:
    from forms_processor.documents.response import default_template

    tpl_dir = home_dir / "form_templates"
    tpl_dir.mkdir()
    doc = Document(io.BytesIO(default_template()))
    doc.add_paragraph("Letterhead: {{ cluster_name }} — restyled")
    doc.save(tpl_dir / "response.docx")
    ref = forwarded(app, maker)[0]
    decide(app.db, app.config, DecisionInput(ref, "approved"))
    res = respond(app.db, app.home, [ref])[0]
    text = _docx_texts((app.home.root / res.docx).read_bytes())
    assert f"Letterhead: {app.config.cluster.name} — restyled" in text


def test_status_counts_impact_due_and_overdue(app, maker) -> None:
    from datetime import date

    from forms_processor.workflow.status import round_status

    refs = forwarded(app, maker, 2)
    decide(app.db, app.config, DecisionInput(refs[0], "approved"))
    decide(app.db, app.config, DecisionInput(refs[1], "declined", feedback="No."))
    respond(app.db, app.home, every=True)
    due = date.fromisoformat(current_decision(app.db, refs[0])["impact_due"])
    before = round_status(app.db, app.config, "AU2", today=due)[0]
    assert (before.impact.due, before.impact.overdue) == (1, 0)
    after = round_status(app.db, app.config, "AU2", today=due + timedelta(days=1))[0]
    assert (after.impact.due, after.impact.overdue, after.impact.overdue_references) == (0, 1, [refs[0]])
    assert after.states == {"impact_due": 1, "closed": 1}
    assert after.responses.queued == 2 and after.responses.sent == 0
