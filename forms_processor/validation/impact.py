"""The rules of the impact form (shared/forms/impact.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..references import normalise_reference
from ..spec import IMPACT, MEASURES_BY_NAME, target_met
from .application import WHOLE_SCHOOL
from .checker import FormChecker, ValidationResult, same_text
from .context import KnownApplication, ValidationContext
from .models import ImpactForm
from .parsing import format_date, format_money

if TYPE_CHECKING:  # readers are not imported at run time: validation needs only the data
    from ..readers.base import ExtractedForm

# Actual dates further than this from the planned ones are worth a look.
DATE_DRIFT_DAYS = 28


def validate_impact(extracted: ExtractedForm, ctx: ValidationContext) -> ValidationResult:
    c = FormChecker(IMPACT, extracted, ctx)
    c.check_school()
    known = _application(c)
    c.take("senco_name")
    c.check_senco_email()
    title = c.take("intervention_title")
    if known is not None and title is not None and not same_text(title, known.intervention_title):
        c.warn(
            "intervention_title",
            f"this differs from the title on the application ({known.intervention_title}). "
            "Please check that this impact form is for the right application.",
        )
    _delivery(c, known)
    _outcomes(c, known)
    for key in ("pupil_voice", "parent_voice", "staff_evaluation", "next_steps"):
        c.take(key)
    _money(c, known)
    c.take("headteacher_signature")
    c.take("headteacher_signed_date")
    c.check_not_after_received("headteacher_signed_date")
    if known is not None and known.impact_due is not None and c.ctx.today > known.impact_due:
        c.fields["overdue"] = True
        c.warn(
            "",
            f"This impact form was due by {format_date(known.impact_due)} and arrived after that date, "
            "so it is marked as overdue. Late forms are still taken.",
        )
    else:
        c.fields["overdue"] = False
    return c.result(ImpactForm)


def _application(c: FormChecker) -> KnownApplication | None:
    """The awarded application this form reports on, when the store knows it."""
    text = c.take("application_reference")
    if text is None:
        return None
    ref = normalise_reference(text)
    c.fields["application_reference"] = ref
    lookup = c.ctx.lookup_application
    if lookup is None:
        return None
    known = lookup(ref)
    key = "application_reference"
    if known is None:
        c.error(key, "there is no application with this reference. Please copy it from the response form.")
        return None
    c.fields[key] = known.reference
    if c.school is not None and known.school != c.school.name:
        c.error(
            key,
            f"this reference is not one of {c.school.name}'s applications. Please check the reference and the school.",
        )
        return None
    if not known.awarded:
        c.error(
            key,
            "the application with this reference was not awarded money, so no impact form is needed for it. "
            "Please check the reference.",
        )
        return None
    if known.impact_accepted:
        c.error(
            key,
            "an impact form for this application has already been accepted, so another is not needed. "
            "If something in it must change, please email the SEND Host.",
        )
        return None
    return known


def _drift(c: FormChecker, key: str, actual: date, planned: date, what: str) -> None:
    days = (actual - planned).days
    if abs(days) > DATE_DRIFT_DAYS:
        way = "later" if days > 0 else "earlier"
        c.warn(
            key,
            f"this is {abs(days)} days {way} than the planned {what} date ({format_date(planned)}). "
            "Please say why in the evaluation.",
        )


def _delivery(c: FormChecker, known: KnownApplication | None) -> None:
    start, end = c.take("actual_start_date"), c.take("actual_end_date")
    if start is not None and end is not None and end <= start:
        c.error(
            "actual_end_date",
            f"the end date ({format_date(end)}) must be after the start date ({format_date(start)}). "
            "Please correct the dates.",
        )
    if known is not None:
        if start is not None and known.start_date is not None:
            _drift(c, "actual_start_date", start, known.start_date, "start")
        if end is not None and known.end_date is not None:
            _drift(c, "actual_end_date", end, known.end_date, "end")
    planned, delivered = c.take("sessions_planned"), c.take("sessions_delivered")
    if planned is not None and planned < 1:
        c.error("sessions_planned", "this must be at least 1. Please correct it, or leave it blank.")
        planned = None
    if delivered is not None and delivered < 0:
        c.error("sessions_delivered", "this cannot be less than 0. Please correct it.")
    elif delivered is not None and planned is not None and delivered * 5 < planned * 4:
        c.warn(
            "sessions_delivered",
            f"{delivered} of {planned} planned sessions were delivered (less than 80%). "
            "Please say in the evaluation what got in the way.",
        )
    supported = c.take("pupils_supported")
    if supported is not None:
        if supported < 0:
            c.error("pupils_supported", "this cannot be less than 0. Please correct it.")
        elif supported < 1 and known is not None and known.application_type != WHOLE_SCHOOL:
            c.error("pupils_supported", "this must be at least 1. Please correct it.")


def _outcomes(c: FormChecker, known: KnownApplication | None) -> None:
    rows = c.rows("outcomes", required=frozenset({"text", "measure", "baseline", "target", "result", "met"}))
    if not rows:
        c.error("outcome_1_text", "at least one outcome is needed. Please fill in the outcomes of the application.")
    outcomes: list[dict[str, Any]] = []
    for index, (n, row) in enumerate(rows):
        measure: str | None = row["measure"]
        for col in ("baseline", "target", "result"):
            c.check_in_range(f"outcome_{n}_{col}", measure, row[col])
        if known is not None and measure is not None and index < len(known.outcome_measures):
            planned = known.outcome_measures[index]
            if measure != planned:
                c.warn(
                    f"outcome_{n}_measure",
                    f"the application's outcome {index + 1} was measured by {planned}. "
                    "Please use the same measures, in the same order, as the application.",
                )
        computed = None
        baseline: Decimal | None = row["baseline"]
        target: Decimal | None = row["target"]
        result: Decimal | None = row["result"]
        if measure is not None and baseline is not None and target is not None and result is not None:
            computed = target_met(MEASURES_BY_NAME[measure], baseline, target, result)
            if row["met"] is not None and row["met"] != computed:
                c.warn(
                    f"outcome_{n}_met",
                    f"this says {row['met']}, but the baseline, target and result show {computed}. "
                    "Please check the scores and this column.",
                )
        outcomes.append({**row, "met_computed": computed})
    c.fields["outcomes"] = outcomes


def _money(c: FormChecker, known: KnownApplication | None) -> None:
    spend = c.take("actual_spend")
    if spend is None:
        return
    if spend < 0:
        c.error("actual_spend", "this cannot be less than £0.00. Please correct it.")
        return
    awarded = known.amount_awarded if known is not None else None
    if awarded is None:
        return
    if spend > awarded:
        c.error(
            "actual_spend",
            f"{format_money(spend)} is more than the amount awarded ({format_money(awarded)}). "
            "Please give the spend of the cluster's award only; anything above it comes from the school's budget.",
        )
    else:
        c.fields["underspend"] = awarded - spend
