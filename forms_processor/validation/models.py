"""The normalised forms: what a valid application or impact form holds.

Money is Decimal to the penny, dates are ``date``, choices are the canonical
spellings of the spec, ``school_name`` is the school's configured name and
``funding_round`` the configured round name. A :class:`ValidationResult` with no
errors carries one of these in ``form``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pupil(_Model):
    ref: str
    year: str
    status: str
    need: str | None = None


class Outcome(_Model):
    text: str
    measure: str
    baseline: Decimal
    target: Decimal


class ImpactOutcome(Outcome):
    result: Decimal
    met: str  # as stated by the school
    met_computed: str  # from baseline, target and result in the measure's direction


class Cost(_Model):
    item: str
    amount: Decimal


class ApplicationForm(_Model):
    funding_round: str
    application_type: str
    continuation_of: str | None = None
    school_name: str
    senco_name: str
    senco_email: str
    senco_phone: str | None = None
    headteacher_name: str
    notional_sen_budget: Decimal
    high_needs_used: Decimal
    high_needs_evidence: str
    intervention_title: str
    intervention_description: str
    area_of_need: str
    start_date: date
    end_date: date
    sessions_per_week: Decimal | None = None
    session_minutes: int | None = None
    delivered_by: str | None = None
    number_of_pupils: int
    pupils: list[Pupil]
    summary_of_need: str
    already_tried: str
    why_cluster_funding: str
    outcomes: list[Outcome]
    costs: list[Cost]
    total_cost: Decimal
    school_contribution: Decimal
    amount_requested: Decimal
    parents_informed: bool
    data_protection: bool
    senco_signature: str
    senco_signed_date: date
    headteacher_signature: str
    headteacher_signed_date: date


class ImpactForm(_Model):
    application_reference: str
    school_name: str
    senco_name: str
    senco_email: str
    intervention_title: str
    actual_start_date: date
    actual_end_date: date
    sessions_planned: int | None = None
    sessions_delivered: int | None = None
    pupils_supported: int
    outcomes: list[ImpactOutcome]
    pupil_voice: str
    parent_voice: str | None = None
    staff_evaluation: str
    next_steps: str
    actual_spend: Decimal
    headteacher_signature: str
    headteacher_signed_date: date
    # Computed, when the application is known: awarded - actual_spend.
    underspend: Decimal | None = None
    # Received after the impact due date of the award.
    overdue: bool = False
