"""The cluster's forms, field by field (shared/forms/application.md, impact.md).

Keys are the schema field names and, exactly, the AcroForm field names of the
fillable PDFs. Labels are printed on the templates; aliases are the wordings of
the cluster's older forms that readers must still recognise.
"""

from __future__ import annotations

from .base import FieldSpec, FieldType, FormSpec, Req, RowGroup, Section
from .measures import MEASURE_NAMES, TARGET_MET

T = FieldType
R, O, C = Req.REQUIRED, Req.OPTIONAL, Req.CONDITIONAL  # noqa: E741 - the spec's own letters


def F(key: str, label: str, aliases: tuple[str, ...], type_: FieldType, req: Req, **kw: object) -> FieldSpec:
    return FieldSpec(key, label, aliases, type_, req, **kw)  # type: ignore[arg-type]


AREAS_OF_NEED = (
    "Communication and interaction",
    "Cognition and learning",
    "Social emotional and mental health",
    "Sensory and/or physical",
)
AREA_ALIASES = (
    ("C&I", "Communication and interaction"),
    ("CI", "Communication and interaction"),
    ("C&L", "Cognition and learning"),
    ("CL", "Cognition and learning"),
    ("SEMH", "Social emotional and mental health"),
    ("Social, emotional and mental health", "Social emotional and mental health"),
    ("S&P", "Sensory and/or physical"),
    ("SP", "Sensory and/or physical"),
    ("Sensory and physical", "Sensory and/or physical"),
    ("Sensory/physical", "Sensory and/or physical"),
)
APPLICATION_TYPES = ("Individual pupil", "Group of pupils", "Whole school")
DELIVERED_BY = ("Teacher", "HLTA", "Teaching assistant", "SENCO", "External specialist", "Other")
DELIVERED_ALIASES = (("TA", "Teaching assistant"), ("Higher level teaching assistant", "HLTA"))
YEAR_GROUPS = ("N1", "N2", "R", *(f"Y{n}" for n in range(1, 14)))
YEAR_ALIASES = (
    ("Nursery 1", "N1"),
    ("Nursery 2", "N2"),
    ("Reception", "R"),
    ("Rec", "R"),
    *((f"Year {n}", f"Y{n}") for n in range(1, 14)),
    *((str(n), f"Y{n}") for n in range(1, 14)),
)
SEN_STATUSES = ("EHCP", "SEN support")
SEN_STATUS_ALIASES = (
    ("E", "EHCP"),
    ("Statement", "EHCP"),
    ("EHC plan", "EHCP"),
    ("K", "SEN support"),
    ("SEN Support", "SEN support"),
)
PRIMARY_NEEDS = ("SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH", "NSA")
NEXT_STEPS = (
    "Stop - outcomes achieved",
    "Continue from school budget",
    "Adapt and continue",
    "Further assessment or referral",
    "Request EHC needs assessment",
)

# --------------------------------------------------------------------------
# Application
# --------------------------------------------------------------------------

PUPILS = RowGroup(
    "pupils",
    "pupil",
    8,
    (
        F("ref", "Pupil reference", ("Pupil initials / ID", "Initials"), T.TEXT, C, max_length=12),
        F("year", "Year group", ("Year", "NC year"), T.CHOICE, C, choices=YEAR_GROUPS, choice_aliases=YEAR_ALIASES),
        F("status", "SEN status", ("SEND status",), T.CHOICE, C, choices=SEN_STATUSES, choice_aliases=SEN_STATUS_ALIASES),
        F("need", "Primary need", ("Need type",), T.CHOICE, O, choices=PRIMARY_NEEDS),
    ),
)

APP_OUTCOMES = RowGroup(
    "outcomes",
    "outcome",
    3,
    (
        F("text", "Outcome", ("Expected outcome", "Target outcome"), T.TEXT, C),
        F("measure", "Measure", ("How measured", "Assessment"), T.CHOICE, C, choices=MEASURE_NAMES),
        F("baseline", "Baseline", ("Starting point", "Baseline score"), T.NUMBER, C),
        F("target", "Target", ("Target score", "Expected"), T.NUMBER, C),
    ),
)

COSTS = RowGroup(
    "costs",
    "cost",
    6,
    (
        F("item", "Item", ("Cost item", "Description"), T.TEXT, C),
        F("amount", "Cost (£)", ("Amount", "Cost"), T.MONEY, C),
    ),
)

SCHOOL = F("school_name", "School", ("Name of school", "School name"), T.TEXT, R, choices_from_config="schools")

APPLICATION = FormSpec(
    form_id="send-application",
    version=1,
    title="Application for cluster SEND funding",
    identity_text="Form SEND-APP v1",
    intro="One form per intervention. Please do not write pupils' names or UPNs anywhere on this form.",
    sections=(
        Section(
            "1. About the application",
            (
                F("funding_round", "Funding round", ("Round", "Deadline round"), T.TEXT, O, choices_from_config="rounds"),
                F("application_type", "Type of application", ("Application type",), T.CHOICE, R, choices=APPLICATION_TYPES),
                F(
                    "continuation_of",
                    "Previous application reference (if this continues an earlier award)",
                    ("Continuation of", "Previous reference"),
                    T.TEXT,
                    O,
                ),
            ),
        ),
        Section(
            "2. School and contacts",
            (
                SCHOOL,
                F("senco_name", "SENCO name", ("Name of SENCO", "SENDCo", "Inclusion co-ordinator"), T.TEXT, R, min_length=2, max_length=80),
                F("senco_email", "SENCO email", ("Email address", "Contact email"), T.EMAIL, R),
                F("senco_phone", "SENCO telephone", ("Telephone", "Phone"), T.TEXT, O),
                F("headteacher_name", "Headteacher", ("Name of headteacher", "Head teacher"), T.TEXT, R),
            ),
        ),
        Section(
            "3. The school's own SEND funding",
            (
                F("notional_sen_budget", "Notional SEN budget this year", ("School SEND budget",), T.MONEY, R),
                F(
                    "high_needs_used",
                    "Amount of the £10,000 high-level SEND allocation already used",
                    ("High level SEND allocation used", "£10,000 used"),
                    T.MONEY,
                    R,
                ),
                F(
                    "high_needs_evidence",
                    "How the £10,000 high-level SEND allocation has been used",
                    ("Use of high level SEND funding", "Evidence of £10,000 spend"),
                    T.MULTILINE,
                    R,
                    min_length=40,
                ),
            ),
            note="The cluster expects a school to show how its additional £10,000 for high-level SEND has been used before it applies to the cluster.",
        ),
        Section(
            "4. The intervention",
            (
                F("intervention_title", "Intervention title", ("Name of intervention", "Intervention"), T.TEXT, R, min_length=3, max_length=120),
                F(
                    "intervention_description",
                    "Description of the intervention (programme, evidence base)",
                    ("Description", "Details of intervention"),
                    T.MULTILINE,
                    R,
                    min_length=40,
                ),
                F(
                    "area_of_need",
                    "Primary area of need",
                    ("Area of need", "Main area of need"),
                    T.CHOICE,
                    R,
                    choices=AREAS_OF_NEED,
                    choice_aliases=AREA_ALIASES,
                ),
                F("start_date", "Start date", ("Intervention start date", "Date starting"), T.DATE, R),
                F("end_date", "End date", ("Intervention end date", "Date ending"), T.DATE, R),
                F("sessions_per_week", "Sessions per week", ("Frequency (sessions per week)",), T.NUMBER, O),
                F("session_minutes", "Session length (minutes)", ("Length of session",), T.INTEGER, O),
                F(
                    "delivered_by",
                    "Delivered by",
                    ("Staff delivering",),
                    T.CHOICE,
                    O,
                    choices=DELIVERED_BY,
                    choice_aliases=DELIVERED_ALIASES,
                ),
            ),
        ),
        Section(
            "5. Pupils (one row per pupil, up to 8 rows; no names)",
            (F("number_of_pupils", "Number of pupils", ("No. of pupils", "Pupils"), T.INTEGER, R),),
            group=PUPILS,
            note="Use initials or the school's own pupil code (at most 12 characters). Never a name or a UPN.",
        ),
        Section(
            "6. Need",
            (
                F("summary_of_need", "Summary of need", ("Pupils' needs", "Description of need"), T.MULTILINE, R, min_length=40),
                F(
                    "already_tried",
                    "What the school has already tried, and its impact",
                    ("Provision already in place", "Previous interventions"),
                    T.MULTILINE,
                    R,
                    min_length=40,
                ),
                F(
                    "why_cluster_funding",
                    "Why this cannot be met from the school's own resources",
                    ("Reason for application", "Why cluster funding is needed"),
                    T.MULTILINE,
                    R,
                    min_length=20,
                ),
            ),
        ),
        Section("7. Measurable outcomes (up to 3 rows)", group=APP_OUTCOMES),
        Section(
            "8. Costs (up to 6 rows)",
            group=COSTS,
            after_group=(
                F("total_cost", "Total cost", ("Total",), T.MONEY, R),
                F("school_contribution", "School contribution", ("Contribution from school",), T.MONEY, R),
                F(
                    "amount_requested",
                    "Amount requested from the cluster",
                    ("Amount requested", "Funding requested"),
                    T.MONEY,
                    R,
                ),
            ),
        ),
        Section(
            "9. Declarations",
            (
                F(
                    "parents_informed",
                    "Parents/carers have been informed of this application",
                    ("Parents informed", "Parental consent"),
                    T.CHECKBOX,
                    R,
                ),
                F(
                    "data_protection",
                    "No pupil names or UPNs are included in this form",
                    ("Data protection confirmed",),
                    T.CHECKBOX,
                    R,
                ),
                F("senco_signature", "Signed (SENCO)", ("SENCO signature",), T.TEXT, R),
                F("senco_signed_date", "Date (SENCO)", ("Date signed",), T.DATE, R),
                F("headteacher_signature", "Signed (Headteacher)", ("Headteacher signature",), T.TEXT, R),
                F("headteacher_signed_date", "Date (Headteacher)", (), T.DATE, R),
            ),
        ),
    ),
)

# --------------------------------------------------------------------------
# Impact
# --------------------------------------------------------------------------

IMPACT_OUTCOMES = RowGroup(
    "outcomes",
    "outcome",
    3,
    (
        F("text", "Outcome", ("Expected outcome",), T.TEXT, C),
        F("measure", "Measure", ("How measured",), T.CHOICE, C, choices=MEASURE_NAMES),
        F("baseline", "Baseline", ("Starting point",), T.NUMBER, C),
        F("target", "Target", ("Target score",), T.NUMBER, C),
        F("result", "Result", ("Outcome score", "End score", "Final"), T.NUMBER, C),
        F("met", "Target met", ("Met?", "Achieved"), T.CHOICE, C, choices=TARGET_MET),
    ),
)

IMPACT = FormSpec(
    form_id="send-impact",
    version=1,
    title="Impact of cluster SEND funding",
    identity_text="Form SEND-IMP v1",
    intro="Send this form at the end of the funded intervention. Please do not write pupils' names or UPNs anywhere on this form.",
    sections=(
        Section(
            "1. Which award",
            (
                F("application_reference", "Application reference", ("Reference", "Our reference", "Cluster reference"), T.TEXT, R),
                SCHOOL,
                F("senco_name", "SENCO name", ("Name of SENCO", "SENDCo"), T.TEXT, R),
                F("senco_email", "SENCO email", ("Email address", "Contact email"), T.EMAIL, R),
                F("intervention_title", "Intervention title", ("Name of intervention", "Intervention"), T.TEXT, R),
            ),
        ),
        Section(
            "2. Delivery",
            (
                F("actual_start_date", "Actual start date", ("Start date", "Date started"), T.DATE, R),
                F("actual_end_date", "Actual end date", ("End date", "Date finished"), T.DATE, R),
                F("sessions_planned", "Sessions planned", ("Planned sessions",), T.INTEGER, O),
                F("sessions_delivered", "Sessions delivered", ("Sessions completed",), T.INTEGER, O),
                F("pupils_supported", "Number of pupils supported", ("Pupils supported", "No. of pupils"), T.INTEGER, R),
            ),
        ),
        Section("3. Outcomes (up to 3 rows, in the same order as the application)", group=IMPACT_OUTCOMES),
        Section(
            "4. Evaluation",
            (
                F("pupil_voice", "Pupil voice", ("What the pupils say", "Pupil views"), T.MULTILINE, R, min_length=20),
                F("parent_voice", "Parent/carer voice", ("Parent views",), T.MULTILINE, O),
                F(
                    "staff_evaluation",
                    "What worked, and what got in the way",
                    ("Staff evaluation", "Evaluation"),
                    T.MULTILINE,
                    R,
                    min_length=40,
                ),
                F("next_steps", "Next steps", ("Next step", "What happens next"), T.CHOICE, R, choices=NEXT_STEPS),
            ),
        ),
        Section(
            "5. Money and sign-off",
            (
                F("actual_spend", "Actual spend (£)", ("Amount spent", "Total spent"), T.MONEY, R),
                F("headteacher_signature", "Signed (Headteacher)", ("Headteacher signature",), T.TEXT, R),
                F("headteacher_signed_date", "Date (Headteacher)", ("Date signed",), T.DATE, R),
            ),
        ),
    ),
)

FORMS: dict[str, FormSpec] = {APPLICATION.form_id: APPLICATION, IMPACT.form_id: IMPACT}
