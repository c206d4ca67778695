"""Realistic sample form values for tests, the demo and the benchmark. All invented.

:func:`sample_application` returns values that pass every rule of
application.md, or, with ``mistakes=n``, values with ``n`` deliberate errors of
different kinds, and the names of those errors (see :data:`MISTAKES`).
:func:`sample_impact` returns the impact form of an award. Values are what a
SENCO types (money "£1,250.00", dates "01/03/2027"), bools for checkboxes, keyed
by flat key, ready for :func:`~forms_processor.documents.fill_docx` /
:func:`~forms_processor.documents.fill_pdf`. The clock is a parameter (``today``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..config import Config, School
from ..spec import APPLICATION, IMPACT, MEASURES_BY_NAME, FieldType, target_met

Values = dict[str, str | bool]

FIRST_NAMES = (
    "Ruth",
    "Daniel",
    "Imogen",
    "Kwame",
    "Lena",
    "Marcus",
    "Niamh",
    "Oskar",
    "Phoebe",
    "Rashid",
    "Saoirse",
    "Tobias",
    "Una",
    "Victor",
    "Wren",
    "Yusuf",
    "Zara",
    "Elsie",
    "Farid",
    "Greta",
)
SURNAMES = (
    "Ashdown",
    "Bellamy",
    "Carrow",
    "Denholm",
    "Everitt",
    "Fairbrother",
    "Gorringe",
    "Halloway",
    "Ingleby",
    "Jessop",
    "Kettering",
    "Loveday",
    "Merriman",
    "Northcott",
    "Oakhurst",
    "Pennington",
)
# For the "pupil's full name" mistake: a plausible but invented child's name.
PUPIL_FIRST = ("Amy", "Leo", "Maisie", "Noah", "Isla", "Alfie", "Poppy", "Harvey")
PUPIL_LAST = ("Smith", "Brown", "Taylor", "Wilson", "Clarke", "Hughes", "Walker", "Wright")


@dataclass(frozen=True)
class _Intervention:
    title: str
    description: str
    area: str
    needs: tuple[str, ...]
    measures: tuple[str, ...]
    delivered_by: str
    costs: tuple[tuple[str, int, int], ...]  # item, lowest, highest (whole pounds)


INTERVENTIONS: tuple[_Intervention, ...] = (
    _Intervention(
        "Precision teaching for reading fluency",
        "Daily ten-minute precision teaching of high-frequency words, with weekly probes and a "
        "fluency chart; an approach with a good evidence base for pupils with persistent word-reading difficulty.",
        "Cognition and learning",
        ("SPLD", "MLD"),
        ("Reading age (months)", "Standardised score", "Spelling age (months)"),
        "Teaching assistant",
        (
            ("Teaching assistant time (1 hour a day, 2 terms)", 2400, 4800),
            ("Precision teaching training for two TAs", 250, 600),
            ("Assessment materials and probes", 80, 300),
        ),
    ),
    _Intervention(
        "Nurture group sessions",
        "A small nurture group three afternoons a week, run to the six principles of nurture with "
        "Boxall Profile assessment at the start and end, and a daily check-in with a key adult.",
        "Social emotional and mental health",
        ("SEMH",),
        ("Boxall developmental strands", "Boxall diagnostic profile", "Incidents per week", "Attendance %"),
        "HLTA",
        (
            ("HLTA time for nurture group (3 afternoons a week)", 3000, 6500),
            ("Nurture room resources", 200, 900),
            ("Boxall Profile online subscription", 100, 300),
        ),
    ),
    _Intervention(
        "Speech and language therapy block",
        "A block of speech and language therapy sessions from an external therapist, with a programme "
        "handed over to the class teaching assistant for daily practice between visits.",
        "Communication and interaction",
        ("SLCN", "ASD"),
        ("Standardised score", "Engagement rating", "Other"),
        "External specialist",
        (
            ("Speech and language therapist (10 sessions)", 1500, 3800),
            ("TA release for daily practice", 800, 2500),
            ("Visual resources and communication aids", 100, 600),
        ),
    ),
    _Intervention(
        "Social communication group",
        "A weekly social communication group using structured games and comic strip conversations, "
        "with targets shared with families and reviewed every half term.",
        "Communication and interaction",
        ("ASD", "SLCN"),
        ("SDQ total difficulties", "Engagement rating", "Incidents per week"),
        "Teaching assistant",
        (
            ("Teaching assistant time (2 sessions a week, 2 terms)", 1200, 3200),
            ("Group resources and games", 100, 400),
            ("Training for staff running the group", 200, 700),
        ),
    ),
    _Intervention(
        "Sensory circuits and motor skills programme",
        "A morning sensory circuit and a twice-weekly fine and gross motor skills programme designed with "
        "advice from the occupational therapy service, reviewed each half term.",
        "Sensory and/or physical",
        ("PD", "MSI"),
        ("Engagement rating", "Attendance %", "Other"),
        "Teaching assistant",
        (
            ("Teaching assistant time for daily circuits", 1800, 4200),
            ("Sensory circuit equipment", 300, 1200),
            ("Occupational therapy advice visit", 250, 650),
        ),
    ),
)

HIGH_NEEDS_EVIDENCE = (
    "The £10,000 has funded a part-time teaching assistant for two pupils with EHCP-level needs awaiting assessment, "
    "plus specialist seating and a sensory room refresh.",
    "Used in full on one-to-one support for three pupils at SEN support with complex needs, and on educational "
    "psychologist time beyond the cluster allocation.",
    "Spent on a speech and language therapy package bought from the local NHS trust and on release time for the "
    "SENCO to write support plans with families.",
)
# area of need -> (summary of need, what the school has already tried)
NEED_TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    "Cognition and learning": (
        (
            "Working well below age-related expectations in reading and spelling, with little progress despite "
            "quality-first teaching and a term of in-class support.",
            "Small-group phonics catch-up for two terms (little impact on fluency), coloured overlays and a reading buddy "
            "scheme (some gain in confidence).",
        ),
        (
            "Persistent difficulty retaining key words and number facts; the gap to peers has widened over the last year.",
            "Daily overlearning in class with visual prompts and a weekly maths catch-up group; progress was slow and "
            "not kept.",
        ),
    ),
    "Social emotional and mental health": (
        (
            "High levels of anxiety and dysregulation, with frequent removals from class and falling attendance over "
            "the last two terms.",
            "Zones of regulation in class, a daily check-in with the class teacher and a reduced timetable; incidents "
            "fell briefly then rose again.",
        ),
        (
            "Difficulty managing transitions and unstructured times, leading to incidents at lunchtime most weeks.",
            "A lunchtime club, a visual timetable and a key adult at transitions; this helped for a few weeks only.",
        ),
    ),
    "Communication and interaction": (
        (
            "Significant difficulties with expressive and receptive language that limit access to the curriculum and "
            "to friendships.",
            "Wave 2 language group with the class TA and advice from the speech and language therapy drop-in; progress "
            "was slower than hoped.",
        ),
        (
            "Social communication needs make group work and play very hard; adults report frequent misunderstandings.",
            "Social stories, a visual timetable and a buddy system at playtimes; some improvement in class but not "
            "at unstructured times.",
        ),
    ),
    "Sensory and/or physical": (
        (
            "Poor fine and gross motor control and sensory seeking behaviour affect handwriting, PE and time on task.",
            "Pencil grips, a writing slope and movement breaks in class; some help with comfort but not with "
            "regulation or stamina.",
        ),
    ),
}
WHY_CLUSTER = (
    "The school's own SEND budget and the £10,000 allocation are fully committed to pupils with EHCPs.",
    "The specialist time needed is beyond what our notional SEN budget can fund this year.",
    "Our high-level SEND allocation is already spent and the need has grown since September.",
)
PUPIL_VOICE = (
    'The pupils said the sessions were "the best part of the week" and that they feel more confident in class.',
    "Pupils told us they like the calm start to the day and know who to go to when they feel worried.",
    'One pupil said reading "is not scary any more"; the others said they liked seeing their chart go up.',
)
PARENT_VOICE = (
    "Parents reported calmer mornings and more talk about school at home.",
    "Two families said their children now read to them at bedtime without being asked.",
    "",
)
STAFF_EVALUATION = (
    "Consistent daily sessions with the same adult worked well; staff absence in the spring term meant some sessions "
    "were missed.",
    "The structured programme and clear targets helped; timetabling clashes with interventions in class got in the way "
    "at first.",
    "Sharing targets with families made a real difference; the sessions were harder to run during assessment weeks.",
)

# measure -> (lowest baseline, highest baseline, smallest gain, largest gain); the gain is
# applied in the measure's better direction.
OUTCOME_RANGES: dict[str, tuple[int, int, int, int]] = {
    "Standardised score": (68, 84, 5, 10),
    "Reading age (months)": (78, 110, 6, 12),
    "Spelling age (months)": (76, 108, 6, 12),
    "Boxall developmental strands": (40, 80, 10, 22),
    "Boxall diagnostic profile": (40, 80, 10, 22),
    "SDQ total difficulties": (18, 28, 4, 8),
    "Attendance %": (78, 88, 4, 8),
    "Incidents per week": (4, 10, 2, 4),
    "Engagement rating": (1, 2, 1, 2),
    "Other": (2, 6, 2, 4),
}
OUTCOME_TEXT: dict[str, str] = {
    "Standardised score": "Improve standardised score in the termly assessment",
    "Reading age (months)": "Raise reading age",
    "Spelling age (months)": "Raise spelling age",
    "Boxall developmental strands": "Improve Boxall developmental strands score",
    "Boxall diagnostic profile": "Reduce Boxall diagnostic profile score",
    "SDQ total difficulties": "Reduce SDQ total difficulties score",
    "Attendance %": "Improve attendance",
    "Incidents per week": "Fewer dysregulation incidents each week",
    "Engagement rating": "Engage in whole-class learning (rated 1 to 5)",
    "Other": "Use an agreed calming strategy independently (times a day)",
}
NEXT_STEPS_CHOICES = (
    "Stop - outcomes achieved",
    "Continue from school budget",
    "Adapt and continue",
    "Further assessment or referral",
)


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def money(amount: Decimal) -> str:
    """£1,250.00"""
    return f"£{amount:,.2f}"


def parse_money(text: str | bool) -> Decimal:
    """The amount of a value this module wrote ("£1,250.00", "1250.50")."""
    return Decimal(str(text).replace("£", "").replace(",", "").strip())


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def parse_dmy(text: str | bool) -> date:
    d, m, y = str(text).split("/")
    return date(int(y), int(m), int(d))


def _person(rng: random.Random, avoid: frozenset[str] | set[str] = frozenset()) -> str:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        if name not in avoid:
            return name


def _year_groups(school: School) -> tuple[str, ...]:
    lower = school.name.lower()
    if "infant" in lower:
        return ("R", "Y1", "Y2")
    if "junior" in lower:
        return ("Y3", "Y4", "Y5", "Y6")
    if school.phase == "secondary":
        return ("Y7", "Y8", "Y9", "Y10", "Y11")
    return ("R", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6")


def _pupil_refs(rng: random.Random, count: int) -> list[str]:
    refs: list[str] = []
    as_codes = rng.random() < 0.4
    while len(refs) < count:
        if as_codes:
            ref = f"P{rng.randint(1000, 9999)}"
        else:
            ref = "".join(rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(rng.choice((2, 2, 3))))
        if ref not in refs:
            refs.append(ref)
    return refs


def _outcome(rng: random.Random, measure: str) -> tuple[int, int]:
    low, high, gain_low, gain_high = OUTCOME_RANGES[measure]
    baseline = rng.randint(low, high)
    gain = rng.randint(gain_low, gain_high)
    better_up = MEASURES_BY_NAME[measure].higher_is_better
    target = baseline + gain if better_up else max(0, baseline - gain)
    return baseline, target


def _round_today(config: Config, round_name: str | None) -> date:
    if round_name:
        return config.round_by_name(round_name).deadline.date() - timedelta(days=3)
    if config.rounds:
        return config.rounds[0].deadline.date() - timedelta(days=3)
    return date(2027, 1, 15)


# --------------------------------------------------------------------------
# Mistakes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mistake:
    name: str
    group: str  # at most one mistake of a group per form (they touch the same fields)
    needs_pupils: bool
    apply: Callable[[Values, random.Random, Config, date], None]


def _costs(v: Values) -> list[Decimal]:
    out: list[Decimal] = []
    n = 1
    while f"cost_{n}_amount" in v:
        if v[f"cost_{n}_amount"]:
            out.append(parse_money(v[f"cost_{n}_amount"]))
        n += 1
    return out


def _m_total(v: Values, rng: random.Random, config: Config, today: date) -> None:
    # The total (and the request worked out from it) is £100 short of the cost rows.
    v["total_cost"] = money(parse_money(v["total_cost"]) - 100)
    v["amount_requested"] = money(parse_money(v["amount_requested"]) - 100)


def _m_request_sum(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["amount_requested"] = money(parse_money(v["amount_requested"]) + 250)


def _m_over_cap(v: Values, rng: random.Random, config: Config, today: date) -> None:
    extra = config.cluster.cap_per_application - parse_money(v["amount_requested"]) + rng.randint(5, 30) * 100
    v["cost_1_amount"] = money(parse_money(v["cost_1_amount"]) + extra)
    v["total_cost"] = money(parse_money(v["total_cost"]) + extra)
    v["amount_requested"] = money(parse_money(v["amount_requested"]) + extra)


def _m_full_name(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["pupil_1_ref"] = f"{rng.choice(PUPIL_FIRST)} {rng.choice(PUPIL_LAST)}"


def _m_upn(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["pupil_1_ref"] = rng.choice("ABCDEFGHJKLMNPRT") + "".join(str(rng.randint(0, 9)) for _ in range(12))


def _m_declaration(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v[rng.choice(("parents_informed", "data_protection"))] = False


def _m_allocation(v: Values, rng: random.Random, config: Config, today: date) -> None:
    allocation = config.cluster.high_needs_allocation
    v["high_needs_used"] = money(max(Decimal(0), allocation - rng.randint(10, 60) * 100))


def _m_end_before_start(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["end_date"] = dmy(parse_dmy(v["start_date"]) - timedelta(days=rng.randint(7, 60)))


def _m_too_long(v: Values, rng: random.Random, config: Config, today: date) -> None:
    months = config.cluster.max_intervention_months
    v["end_date"] = dmy(parse_dmy(v["start_date"]) + timedelta(days=31 * months + rng.randint(20, 60)))


REQUIRED_TO_BLANK = ("intervention_title", "area_of_need", "summary_of_need", "headteacher_name")


def _m_missing(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v[rng.choice(REQUIRED_TO_BLANK)] = ""


def _m_target(v: Values, rng: random.Random, config: Config, today: date) -> None:
    # The target equals the baseline: not better in any direction, and still in range.
    v["outcome_1_target"] = v["outcome_1_baseline"]


def _m_out_of_range(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["outcome_1_measure"] = "Standardised score"
    v["outcome_1_text"] = OUTCOME_TEXT["Standardised score"]
    v["outcome_1_baseline"] = str(rng.randint(170, 250))
    v["outcome_1_target"] = str(int(str(v["outcome_1_baseline"])) + 5)


def _m_short(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v[rng.choice(("high_needs_evidence", "already_tried"))] = rng.choice(
        ("See attached.", "As discussed at panel.", "N/A")
    )


def _m_count(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["number_of_pupils"] = str(int(str(v["number_of_pupils"])) + rng.randint(1, 3))


def _m_future(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["senco_signed_date"] = dmy(today + timedelta(days=rng.randint(2, 20)))


def _m_same_signature(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["headteacher_signature"] = v["senco_signature"]


def _m_email(v: Values, rng: random.Random, config: Config, today: date) -> None:
    v["senco_email"] = str(v["senco_email"]).replace("@", " at ")


MISTAKES: tuple[_Mistake, ...] = (
    _Mistake("total_mismatch", "money", False, _m_total),
    _Mistake("request_not_total_minus_contribution", "money", False, _m_request_sum),
    _Mistake("request_over_cap", "money", False, _m_over_cap),
    _Mistake("pupil_full_name", "pupil_ref", True, _m_full_name),
    _Mistake("pupil_upn", "pupil_ref", True, _m_upn),
    _Mistake("missing_declaration", "declaration", False, _m_declaration),
    _Mistake("allocation_not_used", "allocation", False, _m_allocation),
    _Mistake("end_before_start", "end_date", False, _m_end_before_start),
    _Mistake("intervention_too_long", "end_date", False, _m_too_long),
    _Mistake("missing_required", "missing", False, _m_missing),
    _Mistake("target_not_better", "outcome", False, _m_target),
    _Mistake("outcome_out_of_range", "outcome", False, _m_out_of_range),
    _Mistake("narrative_too_short", "narrative", False, _m_short),
    _Mistake("pupil_count_mismatch", "pupil_count", True, _m_count),
    _Mistake("signed_in_future", "signed_date", False, _m_future),
    _Mistake("same_signatures", "signature", False, _m_same_signature),
    _Mistake("invalid_email", "email", False, _m_email),
)
MISTAKE_NAMES: tuple[str, ...] = tuple(m.name for m in MISTAKES)


def _choose_mistakes(rng: random.Random, n: int, school: School) -> list[_Mistake]:
    pool = [m for m in MISTAKES if not (m.name == "same_signatures" and school.senco_is_headteacher)]
    groups = sorted({m.group for m in pool})
    if n > len(groups):
        raise ValueError(f"at most {len(groups)} different mistakes can be made in one form, not {n}")
    chosen_groups = rng.sample(groups, n)
    return [rng.choice([m for m in pool if m.group == g]) for g in chosen_groups]


# --------------------------------------------------------------------------
# Application
# --------------------------------------------------------------------------


def sample_application(
    config: Config,
    rng: random.Random,
    school: School | None = None,
    mistakes: int = 0,
    today: date | None = None,
    round_name: str | None = None,
) -> tuple[Values, list[str]]:
    """A filled application form and the names of the mistakes put in it.

    ``today`` is the day the form is sent: signatures are dated before it and the
    intervention starts after it (default: three days before the round's deadline,
    or before the first round's). ``round_name`` names a configured round for
    "Funding round"; None leaves it blank. Every field of the spec gets a value
    (blank rows as ""), so the result fills a template completely.
    """
    if round_name is not None:
        config.round_by_name(round_name)  # KeyError for an unknown round
    school = school or rng.choice(config.schools)
    today = today or _round_today(config, round_name)
    chosen = _choose_mistakes(rng, mistakes, school)
    v: Values = {key: "" for key in APPLICATION.flat_keys()}
    for key, spec in ((k, APPLICATION.field(k)) for k in APPLICATION.flat_keys()):
        if spec.type is FieldType.CHECKBOX:
            v[key] = False

    iv = rng.choice(INTERVENTIONS)
    need_pupils = any(m.needs_pupils for m in chosen)
    kinds = ["Individual pupil", "Group of pupils", "Group of pupils", "Group of pupils"]
    if not need_pupils:
        kinds.append("Whole school")
    kind = rng.choice(kinds)

    # About, school, contacts.
    v["funding_round"] = round_name or ""
    v["application_type"] = kind
    v["school_name"] = school.name
    head = school.headteacher or _person(rng)
    senco = head if school.senco_is_headteacher else _person(rng, {head})
    domain = school.email_domains[0] if school.email_domains else "school.example.org"
    first, last = senco.lower().split(" ", 1)
    v["senco_name"] = senco
    v["senco_email"] = school.senco_email or f"{first}.{last}@{domain}"
    v["senco_phone"] = f"01603 {rng.randint(100000, 999999)}"
    v["headteacher_name"] = head

    # The school's own funding.
    allocation = config.cluster.high_needs_allocation
    v["notional_sen_budget"] = money(Decimal(rng.randint(30, 120) * 500))
    v["high_needs_used"] = money(allocation + (Decimal(rng.randint(0, 40) * 50) if rng.random() < 0.5 else 0))
    v["high_needs_evidence"] = rng.choice(HIGH_NEEDS_EVIDENCE)

    # The intervention.
    start = today + timedelta(days=rng.randint(10, 45))
    max_days = min(330, int(config.cluster.max_intervention_months * 30.4) - 5)
    end = start + timedelta(days=rng.randint(min(56, max_days), max_days))
    weekly = rng.choice((1, 2, 3, 5))
    v["intervention_title"] = iv.title
    v["intervention_description"] = iv.description
    v["area_of_need"] = iv.area
    v["start_date"] = dmy(start)
    v["end_date"] = dmy(end)
    v["sessions_per_week"] = str(weekly)
    v["session_minutes"] = str(rng.choice((15, 20, 30, 45, 60)))
    v["delivered_by"] = iv.delivered_by

    # Pupils.
    if kind == "Individual pupil":
        count = 1
    elif kind == "Group of pupils":
        count = rng.randint(2, 6)
    else:
        count = 0
    years = _year_groups(school)
    for n, ref in enumerate(_pupil_refs(rng, count), start=1):
        v[f"pupil_{n}_ref"] = ref
        v[f"pupil_{n}_year"] = rng.choice(years)
        v[f"pupil_{n}_status"] = rng.choice(("EHCP", "SEN support", "SEN support"))
        v[f"pupil_{n}_need"] = rng.choice(iv.needs)
    v["number_of_pupils"] = str(count or rng.randint(20, 90))

    # Need.
    v["summary_of_need"], v["already_tried"] = rng.choice(NEED_TEXTS[iv.area])
    v["why_cluster_funding"] = rng.choice(WHY_CLUSTER)

    # Outcomes.
    measures = rng.sample(iv.measures, rng.randint(1, min(3, len(iv.measures))))
    for n, measure in enumerate(measures, start=1):
        baseline, target = _outcome(rng, measure)
        v[f"outcome_{n}_text"] = OUTCOME_TEXT[measure]
        v[f"outcome_{n}_measure"] = measure
        v[f"outcome_{n}_baseline"] = str(baseline)
        v[f"outcome_{n}_target"] = str(target)

    # Costs: the request (total - contribution) must be > 0 and within the cap.
    cap = config.cluster.cap_per_application
    amounts = [Decimal(rng.randint(lo, hi)) + Decimal(rng.choice((0, 0, 50))) / 100 for _, lo, hi in iv.costs]
    while sum(amounts) > cap * Decimal("0.95"):
        amounts = [(a * Decimal("0.8")).quantize(Decimal("1")) for a in amounts]
    total = sum(amounts, Decimal(0))
    contribution = (
        Decimal(0) if rng.random() < 0.4 else (total * Decimal(rng.randint(5, 30)) / 100).quantize(Decimal("1"))
    )
    for n, ((item, _, _), amount) in enumerate(zip(iv.costs, amounts, strict=True), start=1):
        v[f"cost_{n}_item"] = item
        v[f"cost_{n}_amount"] = money(amount) if rng.random() < 0.85 else f"{amount:.2f}"
    v["total_cost"] = money(total)
    v["school_contribution"] = money(contribution)
    v["amount_requested"] = money(total - contribution)

    # Declarations.
    v["parents_informed"] = True
    v["data_protection"] = True
    senco_day = today - timedelta(days=rng.randint(2, 10))
    head_day = senco_day + timedelta(days=rng.randint(0, 1))
    v["senco_signature"] = senco
    v["senco_signed_date"] = dmy(senco_day)
    v["headteacher_signature"] = head
    v["headteacher_signed_date"] = dmy(head_day)

    for mistake in chosen:
        mistake.apply(v, rng, config, today)
    return v, [m.name for m in chosen]


# --------------------------------------------------------------------------
# Impact
# --------------------------------------------------------------------------


def sample_impact(
    config: Config,
    rng: random.Random,
    reference: str,
    school: School,
    application_values: Values | None,
    today: date,
) -> Values:
    """A filled impact form for the award ``reference``, sent on ``today``.

    From the application's values when given (same title, measures, baselines and
    targets, spend within the request); otherwise invented, ending before today.
    """
    v: Values = {key: "" for key in IMPACT.flat_keys()}
    app = application_values or {}
    head = str(app.get("headteacher_name", "")) or school.headteacher or _person(rng)
    senco = str(app.get("senco_name", "")) or (head if school.senco_is_headteacher else _person(rng, {head}))
    domain = school.email_domains[0] if school.email_domains else "school.example.org"
    first, last = senco.lower().split(" ", 1)
    iv = rng.choice(INTERVENTIONS)

    v["application_reference"] = reference
    v["school_name"] = school.name
    v["senco_name"] = senco
    v["senco_email"] = str(app.get("senco_email", "")) or school.senco_email or f"{first}.{last}@{domain}"
    v["intervention_title"] = str(app.get("intervention_title", "")) or iv.title

    # Delivery: close to the planned dates, finished before today.
    latest_end = today - timedelta(days=rng.randint(2, 10))
    if app.get("start_date") and app.get("end_date"):
        start = parse_dmy(app["start_date"]) + timedelta(days=rng.randint(0, 10))
        end = min(parse_dmy(app["end_date"]) + timedelta(days=rng.randint(-10, 5)), latest_end)
    else:
        end = latest_end
        start = end - timedelta(weeks=rng.randint(10, 30))
    if end <= start:
        end = start + timedelta(days=28)
    weekly = int(str(app.get("sessions_per_week") or rng.choice((1, 2, 3, 5))))
    planned = max(1, (end - start).days // 7 * weekly)
    v["actual_start_date"] = dmy(start)
    v["actual_end_date"] = dmy(end)
    v["sessions_planned"] = str(planned)
    v["sessions_delivered"] = str(round(planned * rng.uniform(0.82, 1.0)))
    v["pupils_supported"] = str(app.get("number_of_pupils") or rng.randint(1, 6))

    # Outcomes: the application's rows, with a result and whether the target was met.
    rows: list[tuple[str, str, int, int]] = []
    for n in range(1, 4):
        if app.get(f"outcome_{n}_measure"):
            rows.append(
                (
                    str(app[f"outcome_{n}_text"]),
                    str(app[f"outcome_{n}_measure"]),
                    int(str(app[f"outcome_{n}_baseline"])),
                    int(str(app[f"outcome_{n}_target"])),
                )
            )
    if not rows:
        for measure in rng.sample(iv.measures, rng.randint(1, min(3, len(iv.measures)))):
            rows.append((OUTCOME_TEXT[measure], measure, *_outcome(rng, measure)))
    for n, (text, measure, baseline, target) in enumerate(rows, start=1):
        spec = MEASURES_BY_NAME[measure]
        # Anything from a little short of the baseline-target gap to beyond the target.
        gap = target - baseline
        result = baseline + round(gap * rng.choice((0.5, 0.8, 1.0, 1.0, 1.2, 1.5)))
        if spec.low is not None:
            result = max(int(spec.low), result)
        if spec.high is not None:
            result = min(int(spec.high), result)
        v[f"outcome_{n}_text"] = text
        v[f"outcome_{n}_measure"] = measure
        v[f"outcome_{n}_baseline"] = str(baseline)
        v[f"outcome_{n}_target"] = str(target)
        v[f"outcome_{n}_result"] = str(result)
        v[f"outcome_{n}_met"] = target_met(spec, Decimal(baseline), Decimal(target), Decimal(result))

    v["pupil_voice"] = rng.choice(PUPIL_VOICE)
    v["parent_voice"] = rng.choice(PARENT_VOICE)
    v["staff_evaluation"] = rng.choice(STAFF_EVALUATION)
    v["next_steps"] = rng.choice(NEXT_STEPS_CHOICES)

    requested = (
        parse_money(app["amount_requested"]) if app.get("amount_requested") else Decimal(rng.randint(1500, 8000))
    )
    spend = (requested * Decimal(rng.choice((85, 92, 100, 100))) / 100).quantize(Decimal("0.01"))
    v["actual_spend"] = money(spend)
    v["headteacher_signature"] = head
    v["headteacher_signed_date"] = dmy(max(end, today - timedelta(days=rng.randint(1, 5))))
    return v
