"""Real impact forms, filled in the cluster's own Word and PDF templates (form_templates/),
through the real ingest, then accepted by the Host and counted in the reports."""

from __future__ import annotations

import random
from datetime import date, timedelta
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

        accept_impact(app.db, home.config, impact.reference)
        assert get_form(app.db, ref).state.value == "closed"  # type: ignore[union-attr]

        figures = governors_figures(home.config, load_year(app.db, home.config), date.today())
        spend = float(str(values["actual_spend"]).replace("£", "").replace(",", ""))
        assert float(figures.spent) == pytest.approx(spend)
        assert figures.completed == 1 and figures.received_late == 1
        assert figures.outcomes == len(impact.fields["outcomes"])
    finally:
        app.close()
