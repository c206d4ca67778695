"""The finance spreadsheet opened with openpyxl, and the report commands through the CLI."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from forms_processor.cli import cli

from .conftest import Cluster, hand_cluster


def _rows(ws: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]


def test_export_sheets_and_totals(cluster: Cluster, tmp_path: Path) -> None:
    hand_cluster(cluster)
    out = tmp_path / "finance.xlsx"
    r = CliRunner().invoke(cli, ["--home", str(cluster.home.root), "export", "--out", str(out), "--year", "2026-27",
                                 "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert (summary["applications"], summary["awards"], summary["impact_forms"]) == (6, 4, 3)
    assert (out.stat().st_mode & 0o777) == 0o600
    wb = load_workbook(out)
    assert wb.sheetnames == ["Applications", "Decisions", "Awards", "Impact", "Schools"]
    apps = _rows(wb["Applications"])
    assert apps[0][-1] == "Requested" and apps[-1][0] == "Total"
    assert apps[-1][-1] == 1200 + 900 + 800 + 500 + 400 + 300
    awards = _rows(wb["Awards"])
    assert awards[0][-3:] == ("Awarded", "Spent", "Underspend")
    assert awards[-1][-3:] == (3000, 2400, 200)
    impact = _rows(wb["Impact"])
    assert len(impact) == 1 + 3 + 1
    assert impact[-1][-2] == 2400
    schools = {r[0]: r for r in _rows(wb["Schools"])}
    assert schools["Aldby Primary"][3] == 5333.33 and schools["Brook Primary"][3] == 2666.67
    assert schools["Total"][3] == 9000
    assert wb["Awards"]["G2"].number_format == '"£"#,##0.00'


def test_entitlement_command(cluster: Cluster) -> None:
    hand_cluster(cluster)
    runner = CliRunner()
    r = runner.invoke(cli, ["--home", str(cluster.home.root), "entitlement", "--year", "2026-27", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["distributable"] == "9000.00" and data["census_date"] == "2026-10-01"
    assert [s["entitlement"] for s in data["schools"]] == ["5333.33", "2666.67", "1000.00"]
    assert data["schools"][0]["left"] == "3533.33"
    r = runner.invoke(cli, ["--home", str(cluster.home.root), "entitlement", "--year", "2026-27"])
    assert r.exit_code == 0 and "£5,333.33" in r.stdout and "Total" in r.stdout
    r = runner.invoke(cli, ["--home", str(cluster.home.root), "entitlement", "--year", "next year"])
    assert r.exit_code == 2


def test_report_commands(cluster: Cluster, tmp_path: Path) -> None:
    hand_cluster(cluster)
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(cli, ["--home", str(cluster.home.root), "report", "governors", "--year", "2026-27",
                            "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["cost_per_pupil"] == "184.62" and data["percent_met_or_exceeded"] == "60.0"
    assert [Path(f).name for f in data["files"]] == ["governors-2026-27.html", "governors-2026-27.pdf"]
    r = runner.invoke(cli, ["--home", str(cluster.home.root), "report", "impact", "--round", "AU1",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "impact-AU1.pdf").exists() and (out / "impact-AU1.html").exists()
    r = runner.invoke(cli, ["--home", str(cluster.home.root), "report", "impact", "--round", "AU1", "--year", "2026",
                            "--out", str(out)])
    assert r.exit_code == 2
    r = runner.invoke(cli, ["--home", str(cluster.home.root), "report", "impact", "--round", "Summer 9",
                            "--out", str(out)])
    assert r.exit_code == 4  # no such round: the README's code for a round that does not exist
    assert "no funding round called 'Summer 9'" in r.output


def test_export_keeps_text_as_text_and_dates_as_dates(cluster: Cluster, tmp_path: Path) -> None:
    # A title a school typed that would be a formula in a spreadsheet.
    cluster.application("TVC-2627-AU1-001", "Aldby Primary", requested="100.00", state="impact_due",
                        statuses=["EHCP"], title='=HYPERLINK("http://example.org","click")')
    cluster.decision("TVC-2627-AU1-001", "approved", "100.00", impact_due="2027-03-01")
    out = tmp_path / "finance.xlsx"
    r = CliRunner().invoke(cli, ["--home", str(cluster.home.root), "export", "--out", str(out)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    title = wb["Applications"]["E2"]
    assert title.data_type == "s" and title.value == '=HYPERLINK("http://example.org","click")'
    due = wb["Awards"]["E2"]
    assert due.value == datetime(2027, 3, 1) and due.number_format == "dd/mm/yyyy"


def test_reports_into_a_folder_that_cannot_be_made(cluster: Cluster, tmp_path: Path) -> None:
    hand_cluster(cluster)
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    home = str(cluster.home.root)
    runner = CliRunner()
    for argv in (["report", "governors", "--year", "2026-27", "--out", str(blocker / "reports")],
                 ["report", "impact", "--year", "2026-27", "--out", str(blocker / "reports")],
                 ["export", "--out", str(blocker / "finance.xlsx")]):
        r = runner.invoke(cli, ["--home", home, *argv])
        assert r.exit_code == 2, r.output
        assert "could not be written" in r.stderr and "Traceback" not in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a file", "home"]
