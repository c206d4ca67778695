"""The rules of the application form (shared/forms/application.md), section by section."""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..references import normalise_reference
from ..spec import APPLICATION, MEASURES_BY_NAME
from ..spec.forms import APPLICATION_TYPES, PUPILS
from .checker import FormChecker, ValidationResult, same_text
from .context import KnownApplication, ValidationContext
from .messages import Severity
from .models import ApplicationForm
from .parsing import format_date, format_money

if TYPE_CHECKING:  # readers are not imported at run time: validation needs only the data
    from ..readers.base import ExtractedForm

INDIVIDUAL, GROUP, WHOLE_SCHOOL = APPLICATION_TYPES
REF_MAX = PUPILS.columns[0].max_length or 12

PRIVACY = "names and UPNs must never be sent to the cluster."
_UPN = re.compile(r"^[A-Za-z]\d{11}[A-Za-z0-9]$")
_LETTER_WORD = re.compile(r"^[^\W\d_]+(?:['\u2019-][^\W\d_]+)*$")


def pupil_ref_problem(ref: str) -> str | None:
    """Why a pupil reference may not be sent (it looks like a name, email or UPN), or None.

    The text returned never quotes the reference.
    """
    if "@" in ref:
        return f"this looks like an email address. Use initials or the school's own pupil code; {PRIVACY}"
    if _UPN.match(re.sub(r"[\s-]", "", ref)):
        return f"this looks like a UPN. Use initials or the school's own pupil code; {PRIVACY}"
    words = [w for w in re.split(r"[\s.,_/]+", ref) if w]
    letter_words = [w for w in words if _LETTER_WORD.match(w)]
    if len(letter_words) >= 2 and any(len(w) >= 2 for w in letter_words):
        return f"this looks like a pupil's name. Use initials or the school's own pupil code; {PRIVACY}"
    return None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 -> 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validate_application(extracted: ExtractedForm, ctx: ValidationContext) -> ValidationResult:
    c = FormChecker(APPLICATION, extracted, ctx)
    app_type = c.take("application_type")
    _school_and_contacts(c)
    _funding_round(c)
    _continuation(c)
    _own_funding(c)
    _intervention(c)
    _pupils(c, app_type)
    for key in ("summary_of_need", "already_tried", "why_cluster_funding"):
        c.take(key)
    _outcomes(c)
    _costs(c)
    _declarations(c)
    return c.result(ApplicationForm)


# -- 1. About the application ----------------------------------------------


def _funding_round(c: FormChecker) -> None:
    config, received = c.ctx.config, c.ctx.received_at
    text = c.take("funding_round")
    if text is None:
        rnd = config.round_for_time(received)
        if rnd is None:
            c.error(
                "funding_round",
                "no funding round is open: this form arrived after the last deadline the cluster has set. "
                "Please contact the SEND Host.",
            )
            return
    else:
        found = config.find_round(text)
        if found is None:
            names = ", ".join(r.name for r in config.rounds)
            c.error(
                "funding_round",
                f"this is not one of the cluster's funding rounds. Please write one of: {names}; "
                "or leave it blank for the next round.",
            )
            return
        rnd = found
        deadline = config.local_deadline(rnd)
        if deadline <= received:
            when = f"{format_date(deadline.date())} at {deadline:%H:%M}"
            c.warn(
                "funding_round",
                f"the deadline for {rnd.name} was {when}, before this form arrived. "
                "The SEND Host will decide whether it can still be considered in that round.",
            )
    c.fields["funding_round"] = rnd.name
    c.round = rnd.name


def _continuation(c: FormChecker) -> None:
    text = c.take("continuation_of")
    if text is None:
        return
    ref = normalise_reference(text)
    c.fields["continuation_of"] = ref
    lookup = c.ctx.lookup_application
    if lookup is None:
        return
    known = lookup(ref)
    if known is None:
        c.error(
            "continuation_of",
            "there is no earlier application with this reference. Please copy it from the response "
            "form of the earlier award, or leave it blank if this is not a continuation.",
        )
        return
    if c.school is not None and known.school != c.school.name:
        c.error("continuation_of", f"this reference is not one of {c.school.name}'s applications. Please check it.")
        return
    c.fields["continuation_of"] = known.reference
    if known.awaits_resubmission:
        _resubmission(c, known)
    elif known.awarded and not known.impact_accepted:
        c.error(
            "continuation_of",
            "the impact form for the earlier award has not yet been received and accepted. "
            "Please send that impact form first; a continuation can be considered after it.",
        )


def _resubmission(c: FormChecker, known: KnownApplication) -> None:
    """The school's new form after "more information requested" or "deferred": it goes to
    the round the decision named (deferred), else the next round still open; it is not late."""
    config = c.ctx.config
    rnd = config.find_round(known.deferred_to) if known.decision == "deferred" and known.deferred_to else None
    if rnd is None:
        rnd = config.round_for_time(c.ctx.received_at)
    if rnd is None and known.round:
        rnd = config.find_round(known.round)
    if rnd is None:
        return
    c.round = rnd.name
    c.fields["funding_round"] = rnd.name
    # The deadline of the round named on the form does not apply to a resubmission.
    c.messages[:] = [m for m in c.messages if not (m.field == "funding_round" and m.severity == Severity.WARNING)]


# -- 2. School and contacts; 3. the school's own funding -------------------


def _school_and_contacts(c: FormChecker) -> None:
    c.check_school()
    c.take("senco_name")
    c.check_senco_email()
    c.take("senco_phone")
    c.take("headteacher_name")


def _own_funding(c: FormChecker) -> None:
    c.take("notional_sen_budget")
    c.check_money_not_negative("notional_sen_budget")
    used = c.take("high_needs_used")
    c.check_money_not_negative("high_needs_used")
    allocation = c.ctx.config.cluster.high_needs_allocation
    if used is not None and 0 <= used < allocation and not c.ctx.high_needs_exception:
        c.error(
            "high_needs_used",
            f"{format_money(used)} is less than the school's {format_money(allocation)} high-level SEND "
            "allocation. The cluster asks schools to use it all before applying. Please check the amount, "
            "or ask the SEND Host about an exception.",
        )
    c.take("high_needs_evidence")


# -- 4. The intervention ----------------------------------------------------


def _intervention(c: FormChecker) -> None:
    for key in ("intervention_title", "intervention_description", "area_of_need"):
        c.take(key)
    start, end = c.take("start_date"), c.take("end_date")
    if start is not None and end is not None:
        months = c.ctx.config.cluster.max_intervention_months
        if end <= start:
            c.error(
                "end_date",
                f"the end date ({format_date(end)}) must be after the start date ({format_date(start)}). "
                "Please correct the dates.",
            )
        elif end > add_months(start, months):
            c.error(
                "end_date",
                f"an intervention can last at most {months} months, so with a start date of "
                f"{format_date(start)} the end date can be {format_date(add_months(start, months))} at the latest. "
                "Please shorten the intervention, or apply again for the later part.",
            )
    per_week = c.take("sessions_per_week")
    if per_week is not None and per_week <= 0:
        c.error("sessions_per_week", "this must be more than 0. Please correct it, or leave it blank.")
    minutes = c.take("session_minutes")
    if minutes is not None and not 5 <= minutes <= 240:
        c.error("session_minutes", "a session must last from 5 to 240 minutes. Please correct it.")
    c.take("delivered_by")


# -- 5. Pupils --------------------------------------------------------------


def _pupils(c: FormChecker, app_type: str | None) -> None:
    number = c.take("number_of_pupils")
    rows = c.rows("pupils", required=frozenset({"ref", "year", "status"}), skip_length=frozenset({"ref"}))
    seen: dict[str, int] = {}
    pupils: list[dict[str, Any]] = []
    for n, row in rows:
        key = f"pupil_{n}_ref"
        ref = row["ref"]
        if ref is not None:
            problem = pupil_ref_problem(ref)
            if problem is not None:
                c.error(key, problem)
                row["ref"] = None  # never keep a name, email or UPN
            elif len(ref) > REF_MAX:
                c.error(key, f"please use at most {REF_MAX} characters: initials or the school's own pupil code.")
                row["ref"] = None
            else:
                folded = ref.upper().replace(" ", "")
                if folded in seen:
                    c.warn(key, f"this is the same reference as pupil row {seen[folded]}. Please list each pupil once.")
                seen.setdefault(folded, n)
        pupils.append(row)
    c.fields["pupils"] = pupils

    filled = len(rows)
    if app_type == INDIVIDUAL and filled != 1:
        c.error(
            "application_type",
            f"an Individual pupil application needs exactly one pupil row (this form has {filled}). "
            "Please fill in one row, or choose Group of pupils.",
        )
    elif app_type == GROUP and filled == 0:
        c.error(
            "application_type",
            "a Group of pupils application needs a row for each pupil in the pupils table. "
            "Please fill in the rows, or choose Whole school.",
        )
    if number is not None:
        if number < 0 or (number < 1 and app_type is not None and app_type != WHOLE_SCHOOL):
            c.error("number_of_pupils", "this must be at least 1. Please correct it.")
        elif filled and number != filled:
            c.error(
                "number_of_pupils",
                f"this says {number} but {filled} pupil {'row is' if filled == 1 else 'rows are'} filled in. "
                "Please make them match.",
            )


# -- 7. Outcomes ------------------------------------------------------------


def _outcomes(c: FormChecker) -> None:
    rows = c.rows("outcomes", required=frozenset({"text", "measure", "baseline", "target"}))
    if not rows:
        c.error("outcome_1_text", "at least one outcome is needed. Please fill in the first row of the outcomes table.")
    for n, row in rows:
        measure: str | None = row["measure"]
        baseline: Decimal | None = row["baseline"]
        target: Decimal | None = row["target"]
        c.check_in_range(f"outcome_{n}_baseline", measure, baseline)
        c.check_in_range(f"outcome_{n}_target", measure, target)
        if measure is None or baseline is None or target is None:
            continue
        m = MEASURES_BY_NAME[measure]
        key = f"outcome_{n}_target"
        if m.name == "Other":
            if target == baseline:
                c.error(
                    key, "the target must be different from the baseline. Please correct the target or the baseline."
                )
        elif (target <= baseline) if m.higher_is_better else (target >= baseline):
            way = "higher" if m.higher_is_better else "lower"
            c.error(
                key,
                f"for {m.name} a {way} score is better, so the target must be {way} than the baseline. "
                "Please correct the target or the baseline.",
            )
    c.fields["outcomes"] = [row for _, row in rows]


# -- 8. Costs ---------------------------------------------------------------


def _costs(c: FormChecker) -> None:
    config = c.ctx.config
    rows = c.rows("costs", required=frozenset({"item", "amount"}))
    if not rows:
        c.error("cost_1_item", "at least one cost is needed. Please list what the money will pay for.")
    for n, row in rows:
        if row["amount"] is not None and row["amount"] <= 0:
            c.error(f"cost_{n}_amount", "each cost must be more than £0.00. Please correct it, or remove the row.")
    c.fields["costs"] = [row for _, row in rows]

    total = c.take("total_cost")
    contribution = c.take("school_contribution")
    requested = c.take("amount_requested")
    amounts = [row["amount"] for _, row in rows]
    if total is not None and rows and None not in amounts:
        row_sum = sum(amounts, Decimal("0.00"))
        if total != row_sum:
            c.error(
                "total_cost",
                f"{format_money(total)} does not match the sum of the cost rows ({format_money(row_sum)}). "
                "Please correct the total or the cost rows.",
            )
    contribution_ok = False
    if contribution is not None:
        if contribution < 0:
            c.error("school_contribution", "this cannot be less than £0.00. Please correct it (write 0 for none).")
        elif total is not None and contribution > total:
            c.error(
                "school_contribution",
                f"{format_money(contribution)} is more than the total cost ({format_money(total)}). Please correct it.",
            )
        else:
            contribution_ok = True
    if requested is None:
        return
    if requested <= 0:
        c.error("amount_requested", "this must be more than £0.00. Please correct it.")
    elif requested > config.cluster.cap_per_application:
        c.error(
            "amount_requested",
            f"{format_money(requested)} is more than one application may ask for "
            f"({format_money(config.cluster.cap_per_application)}). Please reduce the request or raise the "
            "school contribution.",
        )
    if total is not None and contribution_ok and requested != total - contribution:
        c.error(
            "amount_requested",
            f"{format_money(requested)} should be the total cost less the school contribution "
            f"({format_money(total)} - {format_money(contribution)} = {format_money(total - contribution)}). "
            "Please correct it.",
        )


# -- 9. Declarations --------------------------------------------------------

_TICK_TEXT = {
    "parents_informed": "please tick this box to confirm that parents/carers have been informed.",
    "data_protection": "please tick this box to confirm that no pupil names or UPNs are included.",
}


def _declarations(c: FormChecker) -> None:
    for key, text in _TICK_TEXT.items():
        ticked = c.take(key)
        if ticked is False:
            c.error(key, text)
    senco = c.take("senco_signature")
    c.take("senco_signed_date")
    head = c.take("headteacher_signature")
    c.take("headteacher_signed_date")
    c.check_not_after_received("senco_signed_date")
    c.check_not_after_received("headteacher_signed_date")
    one_person = c.school is not None and c.school.senco_is_headteacher
    if senco and head and same_text(senco, head) and not one_person:
        c.error(
            "headteacher_signature",
            "the headteacher and the SENCO must each sign. Please ask the headteacher to sign here.",
        )
