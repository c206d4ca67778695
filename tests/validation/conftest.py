"""Shared fixtures for validation tests: the example cluster and valid base forms."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from forms_processor.config import Config
from forms_processor.example import EXAMPLE_CONFIG
from forms_processor.readers.base import ExtractedForm
from forms_processor.validation import KnownApplication, ValidationContext

LONDON = ZoneInfo("Europe/London")
# Received a little before the Spring 1 2027 deadline (5 February 2027, 12:00).
RECEIVED = datetime(2027, 2, 1, 9, 30, tzinfo=LONDON)

APP_BASE: dict[str, str | bool] = {
    "funding_round": "",
    "application_type": "Group of pupils",
    "school_name": "Aldborough Primary",
    "senco_name": "Jo Bloggs",
    "senco_email": "senco@aldborough.example.org",
    "senco_phone": "01234 567890",
    "headteacher_name": "Priya Shah",
    "notional_sen_budget": "£45,000",
    "high_needs_used": "£10,000.00",
    "high_needs_evidence": "Used for one-to-one TA support for three pupils with EHCPs across the autumn term.",
    "intervention_title": "Lego therapy group",
    "intervention_description": "Weekly Lego-based social skills sessions, following the published programme.",
    "area_of_need": "C&I",
    "start_date": "01/03/2027",
    "end_date": "16 July 2027",
    "sessions_per_week": "2",
    "session_minutes": "45",
    "delivered_by": "TA",
    "number_of_pupils": "2",
    "pupil_1_ref": "AB",
    "pupil_1_year": "Year 4",
    "pupil_1_status": "K",
    "pupil_1_need": "SLCN",
    "pupil_2_ref": "P1234",
    "pupil_2_year": "5",
    "pupil_2_status": "EHCP",
    "pupil_2_need": "ASD",
    "summary_of_need": "Both pupils find turn-taking and shared attention very hard in class and at play.",
    "already_tried": "Social stories and a nurture group at lunch for a term, with little change in behaviour.",
    "why_cluster_funding": "The school's TA hours are already fully committed to EHCP provision.",
    "outcome_1_text": "Better turn-taking",
    "outcome_1_measure": "Boxall developmental strands",
    "outcome_1_baseline": "40",
    "outcome_1_target": "60",
    "outcome_2_text": "Fewer playground incidents",
    "outcome_2_measure": "Incidents per week",
    "outcome_2_baseline": "5",
    "outcome_2_target": "1",
    "cost_1_item": "Lego therapy kit",
    "cost_1_amount": "£400.00",
    "cost_2_item": "TA time, 40 sessions",
    "cost_2_amount": "2,000",
    "total_cost": "£2,400.00",
    "school_contribution": "400",
    "amount_requested": "£2,000.00",
    "parents_informed": True,
    "data_protection": True,
    "senco_signature": "Jo Bloggs",
    "senco_signed_date": "28/01/2027",
    "headteacher_signature": "P Shah",
    "headteacher_signed_date": "29/01/2027",
}

IMPACT_BASE: dict[str, str | bool] = {
    "application_reference": "wvc-2627-sp1-003",
    "school_name": "Aldborough",
    "senco_name": "Jo Bloggs",
    "senco_email": "senco@aldborough.example.org",
    "intervention_title": "Lego therapy group",
    "actual_start_date": "01/03/2027",
    "actual_end_date": "16/07/2027",
    "sessions_planned": "40",
    "sessions_delivered": "36",
    "pupils_supported": "2",
    "outcome_1_text": "Better turn-taking",
    "outcome_1_measure": "Boxall developmental strands",
    "outcome_1_baseline": "40",
    "outcome_1_target": "60",
    "outcome_1_result": "62",
    "outcome_1_met": "Exceeded",
    "outcome_2_text": "Fewer playground incidents",
    "outcome_2_measure": "Incidents per week",
    "outcome_2_baseline": "5",
    "outcome_2_target": "1",
    "outcome_2_result": "2",
    "outcome_2_met": "Partially met",
    "pupil_voice": "They say the group is the best part of the week.",
    "staff_evaluation": "Consistent staffing worked; two sessions were lost to school trips in June.",
    "next_steps": "Continue from school budget",
    "actual_spend": "£1,850.00",
    "headteacher_signature": "P Shah",
    "headteacher_signed_date": "20/07/2027",
}
IMPACT_RECEIVED = datetime(2027, 7, 21, 10, 0, tzinfo=LONDON)

KNOWN = KnownApplication(
    reference="WVC-2627-SP1-003",
    school="Aldborough Primary School",
    state="impact due",
    intervention_title="Lego therapy group",
    application_type="Group of pupils",
    start_date=date(2027, 3, 1),
    end_date=date(2027, 7, 16),
    amount_requested=Decimal("2000.00"),
    amount_awarded=Decimal("2000.00"),
    outcome_measures=["Boxall developmental strands", "Incidents per week"],
    impact_accepted=False,
    awarded=True,
    impact_due=date(2027, 7, 30),
)


@pytest.fixture(scope="session")
def config() -> Config:
    return Config.model_validate(tomllib.loads(EXAMPLE_CONFIG))


def make_app(changes: dict[str, str | bool | None] | None = None) -> ExtractedForm:
    """The valid application with some fields changed (None removes a field)."""
    fields = dict(APP_BASE)
    for key, value in (changes or {}).items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    return ExtractedForm(form_id="send-application", fields=fields, reader="test")


def make_impact(changes: dict[str, str | bool | None] | None = None) -> ExtractedForm:
    fields = dict(IMPACT_BASE)
    for key, value in (changes or {}).items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    return ExtractedForm(form_id="send-impact", fields=fields, reader="test")


def lookup_of(*apps: KnownApplication):  # type: ignore[no-untyped-def]
    by_ref = {a.reference: a for a in apps}
    return lambda ref: by_ref.get(ref)


@pytest.fixture
def ctx(config: Config) -> ValidationContext:
    return ValidationContext(config=config, received_at=RECEIVED, lookup_application=lookup_of())


@pytest.fixture
def impact_ctx(config: Config) -> ValidationContext:
    return ValidationContext(config=config, received_at=IMPACT_RECEIVED, lookup_application=lookup_of(KNOWN))
