"""The check's problems, by kind, for a round's applications: what the round's page filters on.

    problems_of_round(db, config, "Autumn 2 2026")  # {"WVC-2627-AU2-014": ["errors", "late"], ...}

The kinds are those ``forms check`` shows for one application (errors, warnings, a late
arrival, an exception the Host recorded), with two errors the Host most often looks for
picked out: a pupil reference refused, and the £10,000 high-level SEND rule.
"""

from __future__ import annotations

import re

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
_PUPIL_REF = re.compile(r"^pupil_\d+_ref$")


def problems_of_round(db: Database, config: Config, round_name: str) -> dict[str, list[str]]:
    """reference -> the kinds of problem of each of the round's forms that has any (in
    the order of :data:`PROBLEMS`)."""
    name = config.require_round(round_name).name
    found: dict[str, set[str]] = {}
    for m in repo.round_messages(db, name):
        kinds = found.setdefault(m["reference"], set())
        kinds.add("errors" if m["severity"] == "error" else "warnings")
        if m["severity"] == "error" and _PUPIL_REF.match(m["field"]):
            kinds.add("pupil-reference")
        if m["field"] == HIGH_NEEDS_FIELD:
            kinds.add("high-needs")
    for ref in repo.round_exceptions(db, name):
        found.setdefault(ref, set()).add("exception")
    received = repo.received_times(db)
    for form in repo.list_forms(db, round_name=name):
        if config.is_late(form.round, received.get(form.reference)):
            found.setdefault(form.reference, set()).add("late")
    return {ref: [k for k in PROBLEMS if k in kinds] for ref, kinds in found.items() if kinds}
