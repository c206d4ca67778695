"""A Working Party's minutes file: every decision of a meeting at once, all or none.

The file is a .csv, or the round pack's .xlsx with its Decision column filled in; every
row is checked first (:func:`decide_many`), and nothing is recorded unless every row
is right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import ExitCode, FormsError, NotFound, UsageError, where_given
from ..reports.money import ZERO, pence
from ..states import parse_decision
from ..store.db import Database, utcnow_iso
from ..store.repository import get_form
from ..validation.parsing import ParseError, parse_date, parse_money
from .decide import DecisionInput, DecisionRecord, PlannedDecision, plan_decision, write_decision


@dataclass(frozen=True)
class RowProblem:
    row: int
    reference: str
    message: str
    exit_code: ExitCode = ExitCode.USAGE

    def __str__(self) -> str:
        ref = f" ({self.reference})" if self.reference else ""
        return f"row {self.row}{ref}: {self.message}"


class DecisionsRejected(FormsError):
    """A minutes file with at least one wrong row: nothing was applied."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        n = len(problems)
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"No decision was recorded: {n} row{'s' if n != 1 else ''} of the file "
            f"{'are' if n != 1 else 'is'} wrong.\n{lines}",
            hint="Correct those rows and run the same command again; the whole file is checked before anything is saved.",
        )
        self.problems = list(problems)
        self.exit_code = max((p.exit_code for p in problems), default=ExitCode.USAGE)


@dataclass
class FileRow:
    row: int
    reference: str
    values: dict[str, Any] = field(default_factory=dict)


def decide_many(db: Database, config: Config, rows: Iterable[FileRow], *, actor: str = "host") -> list[DecisionRecord]:
    """Check every row first; if any is wrong raise DecisionsRejected naming each one, and record nothing.
    Otherwise record them all in one transaction."""
    with db.atomic() as conn:
        problems: list[RowProblem] = []
        plans: list[PlannedDecision] = []
        planned_by_round: dict[str, Decimal] = {}
        seen: dict[str, int] = {}
        for r in rows:
            try:
                if r.reference.upper() in seen:
                    raise UsageError(f"the reference appears twice in the file (first on row {seen[r.reference.upper()]}).")
                seen[r.reference.upper()] = r.row
                inp = input_from_values(r.reference, r.values)
                form = get_form(conn, inp.reference)
                extra = planned_by_round.get(form.round or "", ZERO) if form is not None else ZERO
                plan = plan_decision(conn, config, inp, also_awarded=extra)
            except FormsError as exc:
                column = COLUMN_NAMES.get(exc.field or "")
                message = where_given(exc.message, f"the {column} column") if column else exc.message
                problems.append(RowProblem(r.row, r.reference, message, exc.exit_code))
                continue
            plans.append(plan)
            if plan.unchanged_id is None:
                key = plan.form.round or ""
                planned_by_round[key] = planned_by_round.get(key, ZERO) + plan.amount_awarded
        if problems:
            raise DecisionsRejected(problems)
        now = utcnow_iso()
        return [write_decision(conn, p, actor=actor, now=now) for p in plans]


# -- minutes files ------------------------------------------------------------

# Column headings accepted (folded: lower case, single spaces) -> field.
_COLUMNS = {
    "reference": "reference",
    "application reference": "reference",
    "ref": "reference",
    "decision": "decision",
    "award": "award",
    "amount awarded": "award",
    "awarded": "award",
    "conditions": "conditions",
    "feedback": "feedback",
    "feedback to the school": "feedback",
    "information requested": "information_requested",
    "information": "information_requested",
    "deferred to": "deferred_to",
    "deferred to round": "deferred_to",
    "resubmit by": "resubmit_by",
    "please resubmit by": "resubmit_by",
    "meeting": "meeting",
    "meeting date": "meeting",
    "working party meeting": "meeting",
    "reason": "reason",
    "correction reason": "reason",
}


# A decision's field -> the column heading a file gives it in (as the pack's spreadsheet names it).
COLUMN_NAMES = {
    "decision": "Decision", "award": "Award", "conditions": "Conditions", "feedback": "Feedback",
    "information_requested": "Information requested", "deferred_to": "Deferred to", "resubmit_by": "Resubmit by",
    "meeting": "Meeting date", "reason": "Reason",
}


def _fold(text: str) -> str:
    return " ".join(str(text).replace("_", " ").replace("-", " ").lower().split())


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    t = str(value).strip()
    return t or None


def read_decisions_file(path: Path) -> list[FileRow]:
    """The rows of a minutes file (.csv, or the round pack's .xlsx filled in) that carry a decision.

    Row numbers are as the Host sees them (the heading is row 1). Rows with no
    decision are left out (not decided in this file).
    """
    if not path.exists():
        raise NotFound(f"There is no file at {path}.")
    suffix = path.suffix.lower()
    table: list[list[Any]]
    if suffix == ".xlsx":
        table = _xlsx_table(path)
    elif suffix in (".csv", ".txt"):
        try:
            table = [list(r) for r in csv.reader(io.StringIO(_csv_text(path.read_bytes())))]
        except csv.Error:
            raise UsageError(f"{path.name} could not be read as a CSV file.",
                             hint="Save the minutes from Excel as 'CSV UTF-8', or fill in the pack's .xlsx.") from None
    else:
        raise UsageError(f"{path.name} is not a .csv or .xlsx file.",
                         hint="Save the minutes as CSV, or fill in the decision columns of the pack's spreadsheet.")
    header_at = next((i for i, r in enumerate(table) if any(_fold(c or "") in ("reference", "application reference")
                                                               for c in r)), None)
    if header_at is None:
        raise UsageError(f"{path.name} has no 'Reference' column heading.",
                         hint="The first row should name the columns: Reference, Decision, Award, Conditions, Feedback, ...")
    names = [_COLUMNS.get(_fold(c or "")) for c in table[header_at]]
    if "decision" not in names:
        raise UsageError(f"{path.name} has no 'Decision' column.")
    out: list[FileRow] = []
    for offset, raw in enumerate(table[header_at + 1 :], start=header_at + 2):
        values: dict[str, Any] = {}
        for name, cell in zip(names, raw, strict=False):
            if name and _cell_text(cell) is not None:
                values[name] = cell
        ref = _cell_text(values.pop("reference", None))
        if not ref or _cell_text(values.get("decision")) is None:
            continue
        out.append(FileRow(offset, ref, values))
    return out


def _csv_text(data: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without Excel's byte-order mark), else Windows-1252,
    the encoding of Excel's plain "CSV (Comma delimited)" on Windows (so £ and accents survive)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _xlsx_table(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure to open is one message for the Host
        raise UsageError(f"{path.name} could not be opened as a spreadsheet ({type(exc).__name__}).") from None
    try:
        ws = wb["Decisions"] if "Decisions" in wb.sheetnames else wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _money_value(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            return pence(Decimal(str(value)))
        except InvalidOperation:
            pass
    try:
        return parse_money(str(value))
    except ParseError as exc:
        raise UsageError(f"the award '{value}': {exc.text}", field="award") from None


def _date_value(value: Any, what: str, field: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ParseError as exc:
        raise UsageError(f"the {what} '{value}': {exc.text}", field=field) from None


def input_from_values(reference: str, values: dict[str, Any]) -> DecisionInput:
    """A file row's cells (or the CLI's options, as text) as a DecisionInput; UsageError if unreadable."""
    return DecisionInput(
        reference=reference,
        decision=parse_decision(_cell_text(values.get("decision")) or ""),
        award=_money_value(values.get("award")),
        conditions=_cell_text(values.get("conditions")),
        feedback=_cell_text(values.get("feedback")),
        information_requested=_cell_text(values.get("information_requested")),
        deferred_to=_cell_text(values.get("deferred_to")),
        resubmit_by=_date_value(values.get("resubmit_by"), "date to resubmit by", "resubmit_by"),
        meeting=_date_value(values.get("meeting"), "meeting date", "meeting"),
        reason=_cell_text(values.get("reason")),
    )
