"""After the decision: impact forms (accept, return, overdue), reminders, the reports for
headteachers and governors, the finance export, and keeping data no longer than needed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import academic_year
from ..reports.entitlement import EntitlementTable, YearData, entitlement_table, load_year, school_money
from ..reports.governors import GovernorsFigures
from ..reports.governors_document import write_governors_report
from ..reports.impact_report import write_impact_report
from ..reports.render import body_of
from ..results import Result
from ..workflow.impact import ImpactOutcome, accept_impact, mark_overdue, return_impact
from ..workflow.remind import Reminder, remind
from ..workflow.retention import RetentionReport, apply_retention
from .base import ServiceBase

if TYPE_CHECKING:
    from ..reports.export import ExportSummary


class ReportFiles(Result):
    """A report written into a folder: what its page shows (charts inside), and its PDF."""

    title: str
    body_html: str
    pdf: Path


REPORTS = {"impact": "The impact report", "governors": "The governors' report"}


class Aftercare(ServiceBase):
    def accept_impact(self, reference: str, *, actor: str = "host") -> ImpactOutcome:
        return accept_impact(self.db, self.config, reference, actor=actor)

    def return_impact(self, reference: str, reason: str, *, actor: str = "host") -> ImpactOutcome:
        return return_impact(self.db, self.config, reference, reason, actor=actor)

    def mark_overdue(self) -> list[str]:
        """Awards whose impact form is past its due date, newly marked overdue."""
        return mark_overdue(self.db, self.today())

    def remind(self, days: int = 14) -> list[Reminder]:
        """Queue the reminders due (impact forms due within ``days``, or overdue)."""
        return remind(self.db, self.config, self.today(), days, home=self.home)

    def entitlement(self, year: str | None = None) -> EntitlementTable:
        """Each school's share beside what it asked for, was awarded and spent."""
        code = year or academic_year(self.today())
        return entitlement_table(self.config, load_year(self.db, self.config, year=code))

    def school_money(self, year: str | None = None) -> EntitlementTable:
        """The same table as :meth:`entitlement`, summed by the store (quick for a page)."""
        return school_money(self.db, self.config, year or academic_year(self.today()))

    def impact_report(self, out_dir: Path, *, round_name: str | None = None,
                      year: str | None = None) -> tuple[YearData, list[Path]]:
        rnd = self.config.require_round(round_name).name if round_name else None
        return write_impact_report(self.db, self.config, out_dir, round_name=rnd, year=year, today=self.today())

    def governors_report(self, out_dir: Path, *, year: str | None = None) -> tuple[GovernorsFigures, list[Path]]:
        return write_governors_report(self.db, self.config, out_dir, year=year, today=self.today())

    def report_files(self, kind: str, out_dir: Path, *, year: str | None = None) -> ReportFiles:
        """The impact (``kind`` "impact") or governors' report of ``year`` (None: this
        academic year) written into ``out_dir``: its page's body, ready to show inside
        another page, and its PDF."""
        if kind not in REPORTS:
            from ..errors import NotFound

            raise NotFound(f"There is no report called {kind!r}.", hint="Choose the impact or the governors' report.")
        _, paths = (self.impact_report(out_dir, year=year) if kind == "impact"
                    else self.governors_report(out_dir, year=year))
        page = next(p for p in paths if p.suffix == ".html")
        pdf = next(p for p in paths if p.suffix == ".pdf")
        return ReportFiles(title=REPORTS[kind], body_html=body_of(page.read_text(encoding="utf-8")), pdf=pdf)

    def export(self, out_file: Path, *, year: str | None = None) -> ExportSummary:
        """The finance manager's spreadsheet (openpyxl is loaded only when exporting)."""
        from ..reports.export import export_workbook

        return export_workbook(self.db, self.config, out_file, year=year)

    def retention(self, *, apply: bool = False, now: datetime | None = None) -> RetentionReport:
        """What is past its keeping time; with ``apply``, anonymise and delete it."""
        from ..intake.submission import now_utc

        return apply_retention(self.home, self.db, now or now_utc(), dry_run=not apply)
