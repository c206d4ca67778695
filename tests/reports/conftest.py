"""Fixtures for the report tests: a small cluster whose figures are worked out by hand.

``Cluster`` (the ``cluster`` fixture) inserts applications, decisions and impact forms
straight into the store, as ingest and the decision commands would leave them, so a
test can set up a year in a few lines:

    cluster.application("A-1", "Aldby Primary", requested="1200.00", statuses=["EHCP", "SEN support"])
    cluster.decision("A-1", "approved", "1200.00", impact_due="2027-01-10")
    cluster.impact("IMP-1", "A-1", pupils=6, spend="1100.00",
                   outcomes=[("Reading age (months)", 80, 92, 95, "Exceeded")])

Values are what the school wrote and what the checker computed (``met_computed`` is
given here, by hand: it is never worked out by the code under test).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from forms_processor.config import Config
from forms_processor.home import Home, open_home
from forms_processor.store.db import Database, utcnow_iso

CLUSTER_TOML = """\
[cluster]
name = "Test Valley Cluster"
code = "TVC"
timezone = "Europe/London"

[host]
name = "Host Person"
email = "host@high.example.org"

[entitlement]
pot = "10000.00"
w_ehcp = "3"
w_support = "1"
census_date = 2026-10-01
top_slices = [ { name = "Educational psychologist", amount = "1000.00" } ]

[[rounds]]
name = "Autumn 1 2026"
code = "AU1"
deadline = 2026-10-09T12:00:00
meeting = 2026-10-14
budget = "5000.00"

[[rounds]]
name = "Spring 1 2027"
code = "SP1"
deadline = 2027-02-05T12:00:00
meeting = 2027-02-10
budget = "3000.00"

[[schools]]
name = "Aldby Primary"
code = "ALD"
email_domains = ["aldby.example.org"]
senco_email = "senco@aldby.example.org"
ehcp = 2
sen_support = 10

[[schools]]
name = "Brook Primary"
code = "BRK"
email_domains = ["brook.example.org"]
senco_email = "senco@brook.example.org"
ehcp = 1
sen_support = 5

[[schools]]
name = "Cley High School"
code = "CLY"
email_domains = ["cley.example.org"]
senco_email = "senco@cley.example.org"
ehcp = 0
sen_support = 3
phase = "secondary"
"""

# The day the tests take as "today" (academic year 2026-27).
TODAY = date(2027, 2, 1)


@dataclass
class Cluster:
    """Inserts rows straight into the store (see the module docstring)."""

    home: Home
    db: Database

    @property
    def config(self) -> Config:
        return self.home.config

    def _submission(self, name: str) -> int:
        cur = self.db.execute(
            "INSERT INTO submissions (sha256, file_name, source, received_at, size, status, created_at)"
            " VALUES (?, ?, 'cli', ?, 1, 'accepted', ?)",
            (name.ljust(64, "0")[:64], name, utcnow_iso(), utcnow_iso()),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _form(self, reference: str, form_id: str, school: str, round_name: str | None, state: str,
              fields: Mapping[str, object], *, title: str | None = None, requested: str | None = None,
              senco_email: str | None = None, linked: str | None = None) -> None:
        sid = self._submission(reference)
        now = utcnow_iso()
        self.db.execute(
            "INSERT INTO forms (reference, form_id, submission_id, school, round, state, intervention,"
            " amount_requested, senco_email, linked_ref, fields_json, raw_json, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)",
            (reference, form_id, sid, school, round_name, state, title, requested, senco_email, linked,
             json.dumps(fields), now, now),
        )

    def application(
        self,
        reference: str,
        school: str,
        *,
        requested: str,
        statuses: Sequence[str] = (),
        number: int | None = None,
        area: str = "Cognition and learning",
        state: str = "awaiting_check",
        round_name: str = "Autumn 1 2026",
        title: str = "Reading catch-up",
        senco_email: str | None = None,
    ) -> None:
        pupils = [{"ref": f"P{n}", "year": "Y4", "status": s, "need": None} for n, s in enumerate(statuses, 1)]
        fields = {
            "funding_round": round_name,
            "application_type": "Group of pupils" if len(statuses) != 1 else "Individual pupil",
            "school_name": school,
            "intervention_title": title,
            "area_of_need": area,
            "number_of_pupils": number if number is not None else len(statuses),
            "pupils": pupils,
            "amount_requested": requested,
            "start_date": "2026-11-01",
            "end_date": "2027-01-20",
            "senco_email": senco_email or self.config.school_by_name(school).senco_email,
        }
        self._form(reference, "send-application", school, round_name, state, fields, title=title,
                   requested=requested, senco_email=senco_email or self.config.school_by_name(school).senco_email)

    def decision(self, reference: str, decision: str, amount: str, *, impact_due: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO decisions (reference, decision, amount_awarded, impact_due, decided_at, decided_by)"
            " VALUES (?, ?, ?, ?, ?, 'Working Party')",
            (reference, decision, amount, impact_due, utcnow_iso()),
        )

    def impact(
        self,
        reference: str,
        application: str,
        *,
        pupils: int,
        spend: str,
        outcomes: Sequence[tuple[str, float, float, float, str]],
        state: str = "accepted",
        overdue: bool = False,
    ) -> None:
        app = self.db.one("SELECT school FROM forms WHERE reference = ?", (application,))
        assert app is not None
        fields = {
            "application_reference": application,
            "school_name": app["school"],
            "pupils_supported": pupils,
            "actual_spend": spend,
            "outcomes": [
                {"text": "Outcome", "measure": m, "baseline": b, "target": t, "result": r, "met": met,
                 "met_computed": met}
                for m, b, t, r, met in outcomes
            ],
            "overdue": overdue,
        }
        self._form(reference, "send-impact", app["school"], None, state, fields, linked=application)


def make_home(root: Path, toml: str = CLUSTER_TOML) -> Home:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cluster.toml").write_text(toml, encoding="utf-8")
    return open_home(root)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    home = make_home(tmp_path / "home")
    db = Database(home.database)
    try:
        yield Cluster(home, db)
    finally:
        db.close()


def hand_cluster(c: Cluster) -> None:
    """The hand-computed cluster of test_figures.py (its figures are written out there)."""
    c.application("TVC-2627-AU1-001", "Aldby Primary", requested="1200.00", state="closed",
                  statuses=["EHCP", "EHCP", "SEN support", "SEN support", "SEN support", "SEN support"])
    c.decision("TVC-2627-AU1-001", "approved", "1200.00", impact_due="2027-01-10")
    c.impact("TVC-2627-IMP-001", "TVC-2627-AU1-001", pupils=6, spend="1100.00", outcomes=[
        ("Reading age (months)", 80, 92, 95, "Exceeded"),
        ("Standardised score", 85, 90, 88, "Partially met"),
    ])
    c.application("TVC-2627-AU1-002", "Aldby Primary", requested="900.00", state="closed",
                  area="Social emotional and mental health", statuses=["EHCP", "SEN support", "SEN support"])
    c.decision("TVC-2627-AU1-002", "partially_funded", "600.00", impact_due="2027-01-10")
    c.impact("TVC-2627-IMP-002", "TVC-2627-AU1-002", pupils=3, spend="600.00", outcomes=[
        ("SDQ total difficulties", 24, 18, 17, "Exceeded"),
    ], overdue=True)
    c.application("TVC-2627-AU1-003", "Brook Primary", requested="800.00", state="impact_received",
                  area="Social emotional and mental health", statuses=["SEN support"] * 4)
    c.decision("TVC-2627-AU1-003", "approved_with_conditions", "800.00", impact_due="2027-01-10")
    c.impact("TVC-2627-IMP-003", "TVC-2627-AU1-003", pupils=4, spend="700.00", outcomes=[
        ("SDQ total difficulties", 20, 15, 21, "Not met"),
        ("Incidents per week", 6, 2, 2, "Met"),
    ])
    c.application("TVC-2627-AU1-004", "Brook Primary", requested="500.00", state="declined",
                  area="Communication and interaction", statuses=["SEN support", "SEN support"])
    c.decision("TVC-2627-AU1-004", "declined", "0.00")
    c.application("TVC-2627-AU1-005", "Cley High School", requested="400.00", state="impact_due",
                  statuses=["EHCP"])
    c.decision("TVC-2627-AU1-005", "approved", "400.00", impact_due="2027-01-10")
    c.application("TVC-2627-SP1-001", "Cley High School", requested="300.00", state="awaiting_check",
                  round_name="Spring 1 2027", statuses=["SEN support"])
