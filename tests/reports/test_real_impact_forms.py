"""Real impact forms, filled in the cluster's own Word and PDF templates (form_templates/),
through the real ingest, then accepted by the Host and counted in the reports."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from forms_processor.api import FormsApp
from forms_processor.documents.fill import fill_docx, fill_pdf
from forms_processor.documents.samples import sample_impact
from forms_processor.example import EXAMPLE_CONFIG
from forms_processor.intake.submission import Source, Submission, now_utc
from forms_processor.readers import read_document
from forms_processor.reports.entitlement import load_year
from forms_processor.reports.governors import governors_figures
from forms_processor.store.repository import get_form
from forms_processor.workflow.impact import accept_impact

from .conftest import Cluster, make_home

TEMPLATES = Path(__file__).resolve().parents[2] / "form_templates"


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_real_impact_form_through_ingest_to_the_reports(tmp_path: Path, kind: str) -> None:
    home = make_home(tmp_path / "home", EXAMPLE_CONFIG)
    app = FormsApp(home, read=lambda data, name: read_document(data, name))
    try:
        c = Cluster(home, app.db)
        school = home.config.schools[1]
        today = now_utc().astimezone(home.config.tz).date()
        ref = "WVC-2627-AU1-007"
        c.application(ref, school.name, requested="9000.00", state="impact_due",
                      statuses=["EHCP", "SEN support", "SEN support", "SEN support", "SEN support"])
        # Due yesterday: the form arrives late, is accepted and flagged overdue.
        c.decision(ref, "approved", "10000.00", impact_due=(today - timedelta(days=1)).isoformat())

        values = sample_impact(home.config, random.Random(7), ref, school, None, today)
        template = TEMPLATES / f"impact.{kind}"
        data = fill_docx(template, values) if kind == "docx" else fill_pdf(template, values)
        result = app.ingest(Submission(data=data, file_name=f"impact.{kind}", source=Source.CLI,
                                       received_at=now_utc(), sender=school.senco_email))
        assert result.status == "accepted", [m.message for m in result.messages]
        impact = get_form(app.db, result.reference or "")
        assert impact is not None and impact.form_id == "send-impact" and impact.linked_ref == ref
        assert impact.fields["overdue"] is True
        assert all(o["met_computed"] == o["met"] for o in impact.fields["outcomes"])
        # Ingest itself moved the award on (in its transaction), before any Host action.
        assert get_form(app.db, ref).state.value == "impact_received"  # type: ignore[union-attr]

        accept_impact(app.db, home.config, impact.reference)
        assert get_form(app.db, ref).state.value == "closed"  # type: ignore[union-attr]

        figures = governors_figures(home.config, load_year(app.db, home.config), date.today())
        spend = float(str(values["actual_spend"]).replace("£", "").replace(",", ""))
        assert float(figures.spent) == pytest.approx(spend)
        assert figures.completed == 1 and figures.received_late == 1
        assert figures.outcomes == len(impact.fields["outcomes"])
    finally:
        app.close()


def test_real_impact_form_stated_met_disagrees_and_spend_over_the_award(tmp_path: Path) -> None:
    """A partially funded award (£1,000.00 of £3,000.00 asked): the school's Word form says
    "Not met" where its own scores show the target reached, and first gives the spend of the
    whole request; then the corrected form."""
    home = make_home(tmp_path / "home", EXAMPLE_CONFIG)
    app = FormsApp(home, read=lambda data, name: read_document(data, name))
    try:
        c = Cluster(home, app.db)
        school = home.config.schools[2]
        today = now_utc().astimezone(home.config.tz).date()
        ref = "WVC-2627-AU1-009"
        c.application(ref, school.name, requested="3000.00", state="impact_due",
                      statuses=["SEN support"] * 5)
        c.decision(ref, "partially_funded", "1000.00", impact_due=(today + timedelta(days=20)).isoformat())
        values = sample_impact(home.config, random.Random(11), ref, school, None, today)
        values.update({"outcome_1_measure": "SDQ total difficulties", "outcome_1_baseline": "24",
                       "outcome_1_target": "18", "outcome_1_result": "17", "outcome_1_met": "Not met",
                       "actual_spend": "£2,850.00"})

        def send(v: dict[str, str | bool]) -> str:
            data = fill_docx(TEMPLATES / "impact.docx", v)
            result = app.ingest(Submission(data=data, file_name="impact.docx", source=Source.CLI,
                                           received_at=now_utc(), sender=school.senco_email))
            return result.reference or ""

        first = get_form(app.db, send(values))
        assert first is not None and first.state.value == "invalid"
        texts = [m["message"] for m in app.db.query("SELECT message FROM messages WHERE reference = ?",
                                                     (first.reference,))]
        assert any("£2,850.00 is more than the amount awarded (£1,000.00)" in t for t in texts), texts
        assert get_form(app.db, ref).state.value == "impact_due"  # type: ignore[union-attr]

        values["actual_spend"] = "£950.00"
        second = get_form(app.db, send(values))
        assert second is not None and second.state.value == "awaiting_check"
        row = second.fields["outcomes"][0]
        # Lower is better for SDQ: 24 -> 17 against a target of 18 is beyond the target.
        assert (row["met"], row["met_computed"]) == ("Not met", "Exceeded")
        texts = [m["message"] for m in app.db.query("SELECT message FROM messages WHERE reference = ?",
                                                     (second.reference,))]
        assert any("this says Not met, but the baseline, target and result show Exceeded" in t for t in texts)
        assert second.fields["overdue"] is False
        assert get_form(app.db, first.reference).state.value == "superseded"  # type: ignore[union-attr]
        accept_impact(app.db, home.config, second.reference)
        figures = governors_figures(home.config, load_year(app.db, home.config), date.today())
        assert (figures.spent, figures.underspend) == (Decimal("950.00"), Decimal("50.00"))
        # The computed value counts, not the school's "Not met".
        assert figures.by_area[0].met["Exceeded"] >= 1
    finally:
        app.close()
