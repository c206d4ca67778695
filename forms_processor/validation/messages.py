"""Messages to a school: one per failed rule, in plain English."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Severity(str, Enum):
    ERROR = "error"  # the form cannot go forward until this is corrected
    WARNING = "warning"  # the Host should look; the form still goes forward


class Message(BaseModel):
    """One failed rule.

    ``field`` is the flat key (``total_cost``, ``pupil_2_ref``) or "" for the form
    as a whole; ``label`` is the label as printed on the form; ``message`` is the
    whole sentence for the school, starting with the label, e.g.
    "Total cost: £2,450.00 does not match the sum of the cost rows (£2,400.00)."
    Messages never quote a pupil reference back (no pupil details in emails).
    ``hint`` says what to do, when the rule knows; it stays a field of its own all the
    way to the screen, the email and the JSON (``full`` joins the two for one line).
    """

    model_config = ConfigDict(frozen=True)

    field: str
    label: str
    severity: Severity
    message: str
    hint: str = ""

    @property
    def full(self) -> str:
        """The message and its hint as one sentence pair, for a one-line display."""
        return f"{self.message} {self.hint}" if self.hint else self.message


def error(field: str, label: str, text: str) -> Message:
    return Message(field=field, label=label, severity=Severity.ERROR, message=f"{label}: {text}" if label else text)


def warning(field: str, label: str, text: str) -> Message:
    return Message(field=field, label=label, severity=Severity.WARNING, message=f"{label}: {text}" if label else text)


def points_to_correct(count: int) -> str:
    """The count of a refused form's errors, worded alike wherever it is shown (history, watcher)."""
    return f"{count} point{'s' if count != 1 else ''} for the school to correct"
