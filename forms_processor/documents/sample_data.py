"""The invented words the sample forms are made of: names, interventions, needs and what
schools write. Nothing here is real."""

from __future__ import annotations

from dataclasses import dataclass

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
