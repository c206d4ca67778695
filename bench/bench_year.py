"""A year of a 10-school cluster: how long do the governors' report, the impact report
and the finance export take?

    python bench/bench_year.py [--applications 600] [--impact 400] [--keep DIR]

Builds a fresh home (the example cluster plus two more schools, so ten), inserts a
year of applications, decisions and accepted impact forms straight into the store
(the rows ingest and the decision commands would leave), then times:
- ``forms report governors`` (figures, three charts, PDF and HTML);
- ``forms report impact`` for the year (every intervention's outcomes, PDF and HTML);
- ``forms export`` (the five-sheet spreadsheet).
The goal is under 20 s each. Nothing is asserted: the figures are for a person to read.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from forms_processor.cli import cli
from forms_processor.example import EXAMPLE_CONFIG
from forms_processor.home import open_home
from forms_processor.spec.forms import AREAS_OF_NEED
from forms_processor.spec.measures import BY_NAME, target_met
from forms_processor.store.db import Database, utcnow_iso

EXTRA_SCHOOLS = """
[[schools]]
name = "Reepham Primary School"
code = "REP"
email_domains = ["reepham.example.org"]
ehcp = 3
sen_support = 21

[[schools]]
name = "Salle Primary School"
code = "SAL"
email_domains = ["salle.example.org"]
ehcp = 1
sen_support = 9
"""

MEASURES = [
    ("Standardised score", 78, 88),
    ("Reading age (months)", 84, 96),
    ("Boxall developmental strands", 60, 80),
    ("SDQ total difficulties", 22, 16),
    ("Incidents per week", 6, 2),
    ("Attendance %", 84, 93),
    ("Engagement rating", 2, 4),
]


def populate(db: Database, schools: list[str], rounds: list[tuple[str, str]], n_apps: int, n_impact: int,
             rng: random.Random) -> None:
    now = utcnow_iso()
    with db.atomic() as conn:
        for i in range(n_apps):
            school = schools[i % len(schools)]
            round_name, code = rounds[i % len(rounds)]
            ref = f"WVC-2627-{code}-{i + 1:03d}"
            pupils = [{"ref": f"X{n}", "year": "Y4", "status": rng.choice(["EHCP", "SEN support", "SEN support"])}
                      for n in range(rng.randint(1, 6))]
            requested = Decimal(rng.randint(60, 300))
            chosen = rng.sample(MEASURES, rng.randint(1, 3))
            outcomes = [{"text": "Outcome", "measure": m, "baseline": b, "target": t} for m, b, t in chosen]
            fields = {
                "school_name": school, "intervention_title": f"Intervention {i + 1}",
                "area_of_need": rng.choice(AREAS_OF_NEED), "number_of_pupils": len(pupils), "pupils": pupils,
                "amount_requested": f"{requested:.2f}", "outcomes": outcomes,
            }
            awarded = i < n_impact or rng.random() < 0.6
            state = "closed" if i < n_impact else ("impact_due" if awarded else "declined")
            cur = conn.execute(
                "INSERT INTO submissions (sha256, file_name, source, received_at, size, status, created_at)"
                " VALUES (?, ?, 'cli', ?, 1, 'accepted', ?)", (f"{i:064d}", f"app{i}.docx", now, now))
            conn.execute(
                "INSERT INTO forms (reference, form_id, submission_id, school, round, state, intervention,"
                " amount_requested, senco_email, fields_json, raw_json, created_at, updated_at)"
                " VALUES (?, 'send-application', ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)",
                (ref, cur.lastrowid, school, round_name, state, fields["intervention_title"], f"{requested:.2f}",
                 "senco@school.example.org", json.dumps(fields), now, now))
            amount = (requested * Decimal(rng.choice((100, 100, 80)) / 100)).quantize(Decimal("0.01")) if awarded \
                else Decimal("0.00")
            due = date(2027, 7, 20) - timedelta(days=rng.randint(0, 200))
            conn.execute(
                "INSERT INTO decisions (reference, decision, amount_awarded, impact_due, decided_at, decided_by)"
                " VALUES (?, ?, ?, ?, ?, 'Working Party')",
                (ref, "approved" if awarded else "declined", f"{amount:.2f}", due.isoformat() if awarded else None,
                 now))
            if i >= n_impact:
                continue
            rows = []
            for m, b, t in chosen:
                r = b + round((t - b) * rng.choice((0.5, 0.8, 1.0, 1.2)))
                met = target_met(BY_NAME[m], Decimal(b), Decimal(t), Decimal(r))
                rows.append({"text": "Outcome", "measure": m, "baseline": b, "target": t, "result": r, "met": met,
                             "met_computed": met})
            spend = (amount * Decimal(rng.choice((85, 95, 100))) / 100).quantize(Decimal("0.01"))
            impact = {"application_reference": ref, "school_name": school, "pupils_supported": len(pupils),
                      "outcomes": rows, "actual_spend": f"{spend:.2f}", "overdue": rng.random() < 0.1}
            cur = conn.execute(
                "INSERT INTO submissions (sha256, file_name, source, received_at, size, status, created_at)"
                " VALUES (?, ?, 'cli', ?, 1, 'accepted', ?)", (f"i{i:063d}", f"imp{i}.docx", now, now))
            conn.execute(
                "INSERT INTO forms (reference, form_id, submission_id, school, state, linked_ref,"
                " fields_json, raw_json, created_at, updated_at)"
                " VALUES (?, 'send-impact', ?, ?, 'accepted', ?, ?, '{}', ?, ?)",
                (f"WVC-2627-IMP-{i + 1:03d}", cur.lastrowid, school, ref, json.dumps(impact), now, now))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=600)
    parser.add_argument("--impact", type=int, default=400)
    parser.add_argument("--keep", type=Path, help="Build the home here and keep it (default: a temporary folder).")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-year-"))
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / "cluster.toml").write_text(EXAMPLE_CONFIG + EXTRA_SCHOOLS, encoding="utf-8")
        home = open_home(root)
        schools = [s.name for s in home.config.schools]
        rounds = [(r.name, r.code) for r in home.config.rounds]
        db = Database(home.database)
        t0 = time.perf_counter()
        populate(db, schools, rounds, args.applications, min(args.impact, args.applications), random.Random(2627))
        db.close()
        print(f"{len(schools)} schools, {args.applications} applications, {args.impact} impact forms "
              f"inserted in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        runner = CliRunner()
        out = root / "reports"
        for label, argv in (
            ("governors' report", ["report", "governors", "--year", "2026-27", "--out", str(out)]),
            ("impact report", ["report", "impact", "--year", "2026-27", "--out", str(out)]),
            ("export", ["export", "--out", str(out / "finance.xlsx")]),
        ):
            start = time.perf_counter()
            result = runner.invoke(cli, ["--home", str(root), *argv])
            took = time.perf_counter() - start
            if result.exit_code != 0:
                print(f"{label}: failed (exit {result.exit_code}): {result.output}", file=sys.stderr)
                return 1
            print(f"{label:<18} {took:6.2f} s  (goal: under 20 s)")
        sizes = ", ".join(f"{p.name} {p.stat().st_size // 1024} KB" for p in sorted(out.iterdir()))
        print(f"files: {sizes}", file=sys.stderr)
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
