"""A form read from a scan: the Host confirms (or corrects) the values OCR read before it goes on.

    review = scan_review(db, home, form)      # the values, each with its confidence, and the scan
    done = confirm_scan(db, config, ref, {"outcome_2_baseline": "40"}, actor="host")
    done.corrected                            # the fields whose value changed (a value given as read is none)
    refuse_unconfirmed(form)                  # forwarding a scan not yet confirmed: NotAllowed

The rule: a form read from a scan is never forwarded until the Host has confirmed its
values. Each correction is recorded in the history as the Host's (who, when, old → new),
the form is checked again with the corrected values, and its messages replaced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from ..config import Config
from ..errors import NotAllowed, NotFound, UsageError
from ..home import Home
from ..readers.base import UNCERTAIN, ExtractedForm
from ..results import Result
from ..spec import FORMS, FieldType
from ..states import State
from ..store import repository as repo
from ..store.db import Database, utcnow_iso
from ..store.repository import FormRow, add_event, get_form, submission_of
from ..validation import ValidationContext, validate
from .lookup import known_application

_YES = {"yes", "y", "true", "ticked", "x", "☒", "1"}
_NO = {"no", "n", "false", "unticked", "", "☐", "0"}


class ScanValue(Result):
    """One value read from the scan."""

    key: str
    label: str
    value: str | bool | None
    # The lowest OCR confidence (0-100) of the words the value was read from.
    confidence: float
    # Below the confidence the Host is asked to look at.
    uncertain: bool


class ScanReview(Result):
    """What the Host needs to confirm a scan: every value read, and the scan itself."""

    reference: str
    confirmed: bool
    confirmed_by: str | None = None
    confirmed_at: str | None = None
    values: list[ScanValue] = Field(default_factory=list)
    scan: Path | None = None
    # The scan is a picture (a photo, a JPEG or PNG scan), not a PDF: shown as an image.
    picture: bool = False

    @property
    def uncertain(self) -> list[ScanValue]:
        return [v for v in self.values if v.uncertain]


def _label(form_id: str, key: str) -> str:
    try:
        return FORMS[form_id].label_of(key)
    except KeyError:
        return key


def scan_review(db: Database, home: Home, form: FormRow) -> ScanReview | None:
    """The values read from a form's scan with their confidence; None for a form not read from a scan."""
    if form.scan is None:
        return None
    sub = submission_of(db, form.submission_id)
    original = home.root / sub["archive_path"] if sub is not None and sub["archive_path"] else None
    values = [
        ScanValue(key=key, label=_label(form.form_id, key), value=form.raw.get(key), confidence=conf,
                  uncertain=conf < UNCERTAIN)
        for key, conf in form.scan.items()
    ]
    picture = False
    if original is not None and original.is_file():
        with original.open("rb") as f:
            picture = b"%PDF-" not in f.read(1024)
    return ScanReview(reference=form.reference, confirmed=form.scan_confirmed_at is not None,
                      confirmed_by=form.scan_confirmed_by, confirmed_at=form.scan_confirmed_at,
                      values=values, scan=original, picture=picture)


@dataclass(frozen=True)
class ScanConfirmed:
    """A scan's values confirmed: the form as it is now, and the fields whose value the Host
    changed (a value given that is the one already read changes nothing, and is not counted)."""

    form: FormRow
    corrected: tuple[str, ...] = ()


def refuse_unconfirmed(form: FormRow, action: str = "forwarded") -> None:
    """Refuse, in plain words, to send on a form read from a scan whose values the Host has not confirmed."""
    if form.awaits_scan_confirmation:
        raise NotAllowed(
            f"{form.reference} was read from a scan, and its values have not been confirmed yet, "
            f"so it cannot be {action}.",
            hint=f"Look at the values read beside the scan and confirm or correct them: forms check {form.reference}"
                 " (or the form's page).",
        )


def _as_value(form_id: str, key: str, text: str) -> str | bool | None:
    """A value the Host typed, as a reader would have given it (a checkbox as True/False)."""
    spec = FORMS[form_id]
    try:
        field = spec.field(key)
    except KeyError as exc:
        raise UsageError(f"The {'application' if form_id == 'send-application' else 'impact'} form has no field "
                         f"called {key!r}.", hint="Use the field names shown by forms check REFERENCE.") from exc
    text = text.strip()
    if field.type is FieldType.CHECKBOX:
        if text.lower() in _YES:
            return True
        if text.lower() in _NO:
            return False
        raise UsageError(f"{field.label}: a tick box is yes or no, not {text!r}.")
    return text or None


def confirm_scan(db: Database, config: Config, reference: str, corrections: dict[str, str], *,
                 actor: str = "host") -> ScanConfirmed:
    """The Host confirms the values read from a form's scan, correcting those given in ``corrections``
    (flat key → the right value, empty for none). The form is checked again with them. Only the
    values that change are corrections: recorded, and counted in what is returned."""
    form = get_form(db, reference)
    if form is None:
        raise NotFound(f"There is no form with the reference {reference}.")
    if form.scan is None:
        raise NotAllowed(f"{form.reference} was not read from a scan, so there is nothing to confirm.")
    if form.state not in (State.AWAITING_CHECK, State.INVALID):
        raise NotAllowed(f"{form.reference} is {form.state.label}: the values of a scan are confirmed while it "
                         "awaits the Host's check.")
    raw: dict[str, Any] = dict(form.raw)
    changes: list[tuple[str, Any, Any]] = []
    for key, text in corrections.items():
        new = _as_value(form.form_id, key, text)
        old = raw.get(key)
        if new == old:
            continue
        changes.append((key, old, new))
        if new is None:
            raw.pop(key, None)
        else:
            raw[key] = new
    now = utcnow_iso()
    with db.atomic() as conn:
        if changes:
            _store_corrected(db, conn, config, form, raw)
        for key, old, new in changes:
            # The history is kept for ever and never anonymised: a pupil's details stay out of it.
            what = "corrected" if key.startswith("pupil_") else f"{_shown(old)} → {_shown(new)}"
            add_event(conn, action="corrected", actor=actor, reference=form.reference, at=now,
                      reason=f"{_label(form.form_id, key)}: {what} (the Host's correction of a value read from the scan)")
        repo.confirm_scan(conn, form.reference, actor, now)
        add_event(conn, action="scan-confirmed", actor=actor, reference=form.reference, at=now,
                  reason=f"values read from the scan confirmed, {len(changes)} corrected")
    confirmed = get_form(db, form.reference)
    assert confirmed is not None
    return ScanConfirmed(confirmed, tuple(key for key, _, _ in changes))


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "ticked" if value else "not ticked"
    return repr(str(value))


def _store_corrected(db: Database, conn: Any, config: Config, form: FormRow, raw: dict[str, Any]) -> None:
    """The form checked again with the corrected values: its fields and messages replaced."""
    sub = submission_of(db, form.submission_id)
    received = datetime.fromisoformat(sub["received_at"]) if sub is not None else datetime.now(config.tz)
    ctx = ValidationContext(config=config, received_at=received,
                            high_needs_exception=repo.has_exception(db, form.reference, "high_needs_allocation"),
                            lookup_application=lambda ref: known_application(db, ref))
    result = validate(ExtractedForm(form.form_id, raw, form.reader or "scan"), ctx)
    fields_json = result.fields_json()
    repo.set_fields(conn, form.reference, {
        "fields_json": json.dumps(fields_json),
        "raw_json": json.dumps(raw, ensure_ascii=False),
        "school": result.school or form.school,
        "round": result.round or form.round,
        "intervention": fields_json.get("intervention_title") or form.intervention,
        "amount_requested": str(fields_json.get("amount_requested") or form.amount_requested or ""),
        "senco_email": fields_json.get("senco_email") or form.senco_email,
    })
    repo.replace_messages(conn, form.reference, [(m.field, m.label, m.severity.value, m.message) for m in result.messages])
