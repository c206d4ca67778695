"""The check's problems, by kind, for a round's applications: what the round's page filters on.

    problems_of_round(db, config, "Autumn 2 2026")  # {"WVC-2627-AU2-014": ["errors", "late"], ...}

The kinds are those ``forms check`` shows for one application (errors, warnings, a late
arrival, an exception the Host recorded), with two errors the Host most often looks for
picked out: a pupil reference refused, and the £10,000 high-level SEND rule.
"""

from __future__ import annotations

from ..config import Config
from ..store import repository as repo
from ..store.db import Database
from .check import HIGH_NEEDS_FIELD

PROBLEMS: dict[str, str] = {
    "errors": "Has errors",
    "warnings": "Has warnings",
    "late": "Arrived late",
    "pupil-reference": "Pupil reference refused",  # a name, email or UPN, or too long
    "high-needs": "£10,000 allocation not used",  # the high-level SEND rule
    "exception": "Exception recorded",
}


def problems_of_round(db: Database, config: Config, round_name: str) -> dict[str, list[str]]:
    """reference -> the kinds of problem of each of the round's forms that has any (in
    the order of :data:`PROBLEMS`). Summed by the store: quick with thousands of forms."""
    rnd = config.require_round(round_name)
    found: dict[str, set[str]] = {}
    for m in repo.round_message_kinds(db, rnd.name, HIGH_NEEDS_FIELD):
        kinds = found.setdefault(m["reference"], set())
        for kind, column in (("errors", "errors"), ("warnings", "others"), ("pupil-reference", "pupil_errors"),
                             ("high-needs", "on_field")):
            if m[column]:
                kinds.add(kind)
    for ref in repo.round_exceptions(db, rnd.name):
        found.setdefault(ref, set()).add("exception")
    for ref in repo.late_in_round(db, rnd.name, config.local_deadline(rnd)):  # as Config.is_late
        found.setdefault(ref, set()).add("late")
    return {ref: [k for k in PROBLEMS if k in kinds] for ref, kinds in found.items() if kinds}
