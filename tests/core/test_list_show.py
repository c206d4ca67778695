"""'forms list' hides forms replaced by a later copy unless --all; 'forms show' reads like the
form; a refused form's count of points is the same in the watcher's line and the history."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.home import Home
from tests.conftest import FormFactory

ROUND = "Spring 1 2027"


def run(home: Home, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--home", str(home.root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _superseded_pair(home: Home, forms: FormFactory) -> tuple[str, str]:
    """An invalid form and the corrected copy that replaced it: (old, new) references."""
    values = forms.values(1, funding_round=ROUND)
    wrong = forms.write({**values, "data_protection": False}, "docx")
    right = forms.write(values, "docx")
    _, out, _ = run(home, "ingest", "--json", str(wrong))
    old = json.loads(out)[0]["reference"]
    _, out, _ = run(home, "ingest", "--json", str(right))
    new = json.loads(out)[0]["reference"]
    return old, new


def test_list_hides_superseded_forms_unless_all(home: Home, forms: FormFactory) -> None:
    old, new = _superseded_pair(home, forms)
    code, out, err = run(home, "list", "--json")
    assert code == 0
    assert [r["reference"] for r in json.loads(out)] == [new]
    _, out, err = run(home, "list")
    assert old not in out and new in out
    assert "1 form replaced by a later copy not shown: forms list --all" in err
    _, out, _ = run(home, "list", "--all", "--json")
    assert [r["reference"] for r in json.loads(out)] == [old, new]
    _, out, _ = run(home, "list", "--status", "superseded", "--json")
    assert [r["reference"] for r in json.loads(out)] == [old]
    # The library says the same.
    with FormsApp(home) as app:
        assert [f.reference for f in app.list_forms()] == [new]
        assert [f.reference for f in app.list_forms(include_superseded=True)] == [old, new]
        assert app.count_superseded() == 1


def test_show_reads_like_the_form(home: Home, forms: FormFactory) -> None:
    values = forms.values(2, funding_round=ROUND, total_cost="£1,250.00", school_contribution="0",
                          cost_1_amount="1250", cost_2_item="", cost_2_amount="", cost_3_item="", cost_3_amount="",
                          amount_requested="1250.00", start_date="04/01/2027", end_date="4 December 2027")
    path = forms.write(values, "pdf")
    _, out, _ = run(home, "ingest", "--json", str(path))
    (result,) = json.loads(out)
    assert result["status"] == "accepted", result["messages"]
    code, shown, _ = run(home, "show", result["reference"])
    assert code == 0
    assert "Amount requested from the cluster:" in shown and "£1,250.00" in shown
    assert re.search(r"Start date:\s+4 Jan 2027", shown) and re.search(r"End date:\s+4 Dec 2027", shown)
    assert "1. About the application" in shown and "9. Declarations" in shown
    assert re.search(r"Parents/carers have been informed of this application:\s+Yes", shown)
    assert "Pupil reference" in shown and "Cost (£)" in shown
    assert "None" not in shown and "amount_requested" not in shown and "school_name" not in shown
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", shown), "no ISO timestamps"
    assert re.search(r"Received: \d+ \w{3} 20\d\d at \d\d:\d\d", shown)
    assert "History:" in shown and "awaiting the Host's check" in shown


def test_the_watcher_and_the_history_count_the_same_points(home: Home, forms: FormFactory) -> None:
    # One error (the box not ticked) and one note for the Host (an address not the school's).
    values = forms.values(1, funding_round=ROUND, data_protection=False, senco_email="someone@elsewhere.example.com")
    forms.folder = home.inbox
    forms.write(values, "docx")
    result = CliRunner().invoke(cli, ["--home", str(home.root), "watch", "--once", "--json"])
    assert result.exit_code == 1
    (outcome,) = json.loads(result.stdout)
    assert outcome["status"] == "invalid" and len(outcome["messages"]) == 2
    assert "(1 point for the school to correct)" in result.stderr
    _, out, _ = run(home, "show", outcome["reference"], "--json")
    reasons = [h["reason"] for h in json.loads(out)["history"]]
    assert "1 point for the school to correct" in reasons
