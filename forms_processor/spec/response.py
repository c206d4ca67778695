"""The response form (shared/forms/response.md): generated, never filled by hand."""

from __future__ import annotations

RESPONSE_FORM_ID = "send-response"
RESPONSE_IDENTITY = "Form SEND-RESP v1"

# (key, label) in the order printed on the response form.
RESPONSE_FIELDS: tuple[tuple[str, str], ...] = (
    ("reference", "Application reference"),
    ("school_name", "School"),
    ("intervention_title", "Intervention"),
    ("funding_round", "Funding round"),
    ("meeting_date", "Working Party meeting"),
    ("decision", "Decision"),
    ("amount_requested", "Amount requested"),
    ("amount_awarded", "Amount awarded"),
    ("conditions", "Conditions"),
    ("feedback", "Feedback to the school"),
    ("information_requested", "Information requested"),
    ("resubmit_by", "Please resubmit by"),
    ("deferred_to", "Deferred to round"),
    ("impact_due", "Impact form due by"),
    ("signed_by", "Signed for the Working Party"),
)

DECISIONS: tuple[str, ...] = (
    "Approved",
    "Approved with conditions",
    "Partially funded",
    "Deferred",
    "Declined",
    "More information requested",
)
# Decisions that award money (and so set an impact due date).
AWARDING_DECISIONS: tuple[str, ...] = ("Approved", "Approved with conditions", "Partially funded")
