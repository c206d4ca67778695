"""Retention: after the configured period, pupil details are removed; totals stay.

A form is due when it was received more than ``cluster.retention_years`` ago and
its life has ended: closed, withdrawn, superseded, an accepted impact form, or a
form left invalid or returned that the school never corrected (after years, it will
not be).
Its pupil references are blanked in the stored fields, the raw values and the
messages, and its original file (which holds them too) is deleted from the
archive. Amounts, decisions, outcomes and dates are kept, so the figures for
governors do not change. Each form gets an ``anonymised`` event.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..home import Home
from ..states import State
from ..store import impact as store_impact
from ..store.db import Database
from ..store.repository import add_event

ENDED = (State.CLOSED, State.WITHDRAWN, State.SUPERSEDED, State.ACCEPTED, State.INVALID, State.RETURNED)
_PUPIL_KEY = re.compile(r"^pupil_\d+_ref$")


@dataclass
class RetentionReport:
    due: list[str] = field(default_factory=list)
    files_deleted: int = 0
    dry_run: bool = True


def anonymise_fields(fields: dict) -> dict:
    out = dict(fields)
    if isinstance(out.get("pupils"), list):
        out["pupils"] = [{**p, "ref": None} for p in out["pupils"]]
    return out


def anonymise_raw(raw: dict) -> dict:
    return {k: ("" if _PUPIL_KEY.match(k) else v) for k, v in raw.items()}


def apply_retention(home: Home, db: Database, now: datetime, *, dry_run: bool = True) -> RetentionReport:
    cutoff = (now - timedelta(days=365 * home.config.cluster.retention_years)).isoformat(timespec="seconds")
    rows = store_impact.due_for_retention(db, cutoff, ENDED)
    report = RetentionReport(due=[r["reference"] for r in rows], dry_run=dry_run)
    if dry_run:
        return report
    for row in rows:
        with db.atomic() as conn:
            store_impact.anonymise_form(
                conn,
                row["reference"],
                anonymise_fields(json.loads(row["fields_json"])),
                anonymise_raw(json.loads(row["raw_json"])),
            )
            store_impact.blank_pupil_messages(conn, row["reference"])
            add_event(conn, action="anonymised", actor="retention", reference=row["reference"],
                      reason=f"received before {cutoff[:10]}")
        if row["archive_path"]:
            # Every kept copy of these bytes: the content-addressed original and any readable-name copy.
            by_date = home.archive / "by-date"
            copies = [*by_date.rglob(f"{row['reference']} *")] if by_date.exists() else []
            original = home.root / row["archive_path"]
            if original.is_file():  # the original shown as a PDF on the web page, if it was
                copies.append(home.preview(hashlib.sha256(original.read_bytes()).hexdigest()))
            for path in [original, *copies]:
                if path.is_file():
                    path.unlink()
                    report.files_deleted += 1
    return report
