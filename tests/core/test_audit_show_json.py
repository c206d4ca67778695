"""`forms show REF --json`: the shapes issue 2 promises, for both forms, Word and PDF.

`fields` holds every key of the form with normalised values (null where blank),
except that repeating rows are lists: `pupils` (ref, year, status, need),
`outcomes` (text, measure, baseline, target, and for impact result, met), `costs`
(item, amount); money as strings such as "1250.00", dates as "2027-03-01",
checkboxes as true/false, numbers as numbers. Also `messages`, `state`, `history`.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from forms_processor.cli import cli
from forms_processor.documents import fill_docx, fill_pdf, sample_impact, template_docx, template_pdf
from forms_processor.home import Home
from forms_processor.spec import APPLICATION, IMPACT, FieldType, FormSpec
from tests.conftest import FormFactory

ROUND = "Spring 1 2027"
MONEY = re.compile(r"^-?\d+\.\d{2}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _run(home: Home, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--home", str(home.root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _ingest_and_show(home: Home, path: Path) -> dict[str, Any]:
    code, out, _ = _run(home, "ingest", "--json", str(path))
    (result,) = json.loads(out)
    assert result["reference"], result
    code, out, err = _run(home, "show", result["reference"], "--json")
    assert code == 0, err
    shown: dict[str, Any] = json.loads(out)
    return shown


def _check_value(spec: FormSpec, key: str, value: Any) -> None:
    if value is None:
        return
    kind = spec.field(key).type
    if kind is FieldType.MONEY:
        assert isinstance(value, str) and MONEY.match(value), (key, value)
    elif kind is FieldType.DATE:
        assert isinstance(value, str) and ISO_DATE.match(value), (key, value)
        date.fromisoformat(value)
    elif kind is FieldType.CHECKBOX:
        assert isinstance(value, bool), (key, value)
    elif kind is FieldType.INTEGER:
        assert isinstance(value, int) and not isinstance(value, bool), (key, value)
    elif kind is FieldType.NUMBER:
        assert isinstance(value, int | float) and not isinstance(value, bool), (key, value)
    else:
        assert isinstance(value, str), (key, value)


def _check_shape(spec: FormSpec, shown: dict[str, Any]) -> None:
    assert {"fields", "messages", "state", "history"} <= set(shown)
    fields = shown["fields"]
    singles = [f.key for f in spec.single_fields()]
    groups = {g.name: g for g in spec.groups()}
    computed = {"underspend", "overdue"} if spec is IMPACT else set()
    assert set(fields) - computed == {*singles, *groups}
    for key in singles:
        _check_value(spec, key, fields[key])
    for name, group in groups.items():
        rows = fields[name]
        assert isinstance(rows, list)
        columns = {c.key for c in group.columns}
        for row in rows:
            extra = {"met_computed"} if spec is IMPACT and name == "outcomes" else set()
            assert set(row) == columns | extra, (name, row)
            for col in columns:
                _check_value(spec, group.flat_key(1, col), row[col])
    for m in shown["messages"]:
        assert set(m) >= {"field", "label", "severity", "message"}
        assert m["severity"] in ("error", "warning")
    assert isinstance(shown["state"], str)
    assert shown["history"], "at least the receipt"
    for h in shown["history"]:
        assert {"at", "actor", "from", "to", "reason"} <= set(h)


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_application_fields(home: Home, forms: FormFactory, kind: str) -> None:
    values = forms.values(
        1,
        funding_round=ROUND,
        start_date="1 March 2027",
        end_date="2027-07-16",
        cost_1_amount="£1,250.5",
        sessions_per_week="2.5",
        senco_phone="",
    )
    shown = _ingest_and_show(home, forms.write(values, kind))
    _check_shape(APPLICATION, shown)
    f = shown["fields"]
    assert f["start_date"] == "2027-03-01" and f["end_date"] == "2027-07-16"
    assert f["costs"][0]["amount"] == "1250.50"
    assert f["sessions_per_week"] == 2.5
    assert f["senco_phone"] is None  # blank: present, null
    assert f["school_name"] == home.config.schools[1].name
    assert f["funding_round"] == ROUND
    assert f["parents_informed"] is True and f["data_protection"] is True
    assert len(f["outcomes"]) >= 1 and len(f["costs"]) >= 1


def test_impact_fields(home: Home, tmp_path: Path) -> None:
    config = home.config
    school = config.schools[2]
    values = sample_impact(config, random.Random(5), "WVC-2627-AU1-001", school, None, date(2026, 11, 20))
    values["actual_spend"] = "£2,000"
    path = tmp_path / "impact.pdf"
    path.write_bytes(fill_pdf(template_pdf(IMPACT, config), values))
    shown = _ingest_and_show(home, path)
    _check_shape(IMPACT, shown)
    f = shown["fields"]
    assert f["actual_spend"] == "2000.00"
    assert f["school_name"] == school.name
    row = f["outcomes"][0]
    assert isinstance(row["result"], int | float) and row["met"] in ("Exceeded", "Met", "Partially met", "Not met")
    assert row["met_computed"] in ("Exceeded", "Met", "Partially met", "Not met")


def test_a_form_full_of_mistakes_still_shows_every_key(home: Home, tmp_path: Path) -> None:
    """Unreadable values are null, never missing, so a script can rely on the keys."""
    config = home.config
    values: dict[str, str | bool] = {
        "school_name": "Nowhere School",
        "start_date": "31/02/2027",
        "total_cost": "£1.2k",
        "number_of_pupils": "three",
        "pupil_1_ref": "AB",
        "pupil_1_year": "Year 15",
    }
    path = tmp_path / "bad.docx"
    path.write_bytes(fill_docx(template_docx(APPLICATION, config), values))
    shown = _ingest_and_show(home, path)
    assert shown["state"] == "invalid"
    _check_shape(APPLICATION, shown)
    f = shown["fields"]
    assert f["start_date"] is None and f["total_cost"] is None and f["number_of_pupils"] is None
    assert f["school_name"] == "Nowhere School"  # kept as typed, so the Host can see it
    assert f["pupils"] == [{"ref": "AB", "year": None, "status": None, "need": None}]
    errors = {m["field"] for m in shown["messages"] if m["severity"] == "error"}
    assert {"school_name", "start_date", "total_cost", "number_of_pupils", "pupil_1_year"} <= errors
