"""Checking forms against their rules: the one entry point is :func:`validate`.

    result = validate(extracted, ValidationContext(config, received_at))
    result.ok, result.errors, result.warnings, result.fields, result.fields_json()

Every failed rule becomes one :class:`Message` naming the label as printed on the
form; all messages come at once. Even an invalid form yields every value that
could be read, so the Host can see it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..references import normalise_reference
from ..spec import APPLICATION, IMPACT
from .application import validate_application
from .checker import ValidationResult
from .context import KnownApplication, ValidationContext
from .impact import validate_impact
from .messages import Message, Severity, error
from .models import ApplicationForm, Cost, ImpactForm, ImpactOutcome, Outcome, Pupil
from .parsing import ParseError

if TYPE_CHECKING:  # readers are not imported at run time: validation needs only the data
    from ..readers.base import ExtractedForm

__all__ = [
    "ApplicationForm",
    "Cost",
    "ImpactForm",
    "ImpactOutcome",
    "KnownApplication",
    "Message",
    "Outcome",
    "ParseError",
    "Pupil",
    "Severity",
    "ValidationContext",
    "ValidationResult",
    "normalise_reference",
    "validate",
]


def validate(extracted: ExtractedForm, ctx: ValidationContext) -> ValidationResult:
    """Check one extracted form; never raises for bad content."""
    if extracted.form_id == APPLICATION.form_id:
        return validate_application(extracted, ctx)
    if extracted.form_id == IMPACT.form_id:
        return validate_impact(extracted, ctx)
    return ValidationResult(
        form_id=extracted.form_id,
        fields={},
        messages=[
            error(
                "",
                "",
                "This is not a form the cluster uses for applications or impact. Please use the cluster's own form.",
            )
        ],
    )
