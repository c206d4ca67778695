"""The cluster's own wordings: [labels.application] / [labels.impact] in cluster.toml, and
'forms templates learn FILE' proposing them from the cluster's own form.

Real .docx forms written with python-docx, read through the real reading workers (the
wordings travel with each file to the worker), and the real CLI.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.config import load_config
from forms_processor.documents import template_docx
from forms_processor.errors import ConfigError
from forms_processor.home import Home, init_home, open_home
from forms_processor.readers.learn import learn_labels, score, toml_block
from forms_processor.spec import APPLICATION

# The cluster's own form: its wordings (left) of the spec's fields, and a label no field has.
OWN_WORDINGS = {
    "Our school": ("school_name", "Oakfield Primary School"),
    "SENCo full name": ("senco_name", "Jo Rivers"),
    "Title of the intervention": ("intervention_title", "Precision teaching"),
    "Total cost of intervention": ("total_cost", "£2,400.00"),
}
KNOWN = {"SENCO email": ("senco_email", "senco@oakfield.example.org"), "Headteacher": ("headteacher_name", "Pat Lane")}
PUPIL_HEADER = ["Child's initials", "Year group", "SEN status", "Need"]


def own_form(blank: bool = False, colour: str = "Blue") -> bytes:
    doc = Document()
    table = doc.add_table(rows=0, cols=2)
    for label, (_, value) in {**OWN_WORDINGS, **KNOWN, "Favourite colour": ("", colour)}.items():
        row = table.add_row().cells
        row[0].text, row[1].text = label, "" if blank else value
    pupils = doc.add_table(rows=1, cols=4)
    for cell, text in zip(pupils.rows[0].cells, PUPIL_HEADER, strict=True):
        cell.text = text
    for values in (("AB", "Y4", "EHCP", "SPLD"), ("CD", "Y5", "SEN support", "MLD")):
        for cell, text in zip(pupils.add_row().cells, ("",) * 4 if blank else values, strict=True):
            cell.text = text
    doc.sections[0].footer.paragraphs[0].text = "Form SEND-APP v1"
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_scores() -> None:
    assert score("SENCo full name", "SENCO name") > score("Favourite colour", "SENCO name")
    assert score("Child's initials", "Initials") >= 0.7
    assert score("School", "school") == 1.0
    assert score("", "School") == 0.0


def test_learn_proposes_the_mapping_with_scores() -> None:
    report = learn_labels(own_form(blank=True))
    assert report.form_id == "send-application"
    proposed = {p.key: p.label for p in report.proposals}
    assert proposed == {key: label for label, (key, _) in OWN_WORDINGS.items()} | {
        "pupil_N_ref": "Child's initials", "pupil_N_need": "Need"}
    assert all(0.6 <= p.score <= 1 for p in report.proposals)
    assert report.known == {"senco_email": "SENCO email", "headteacher_name": "Headteacher",
                            "pupil_N_year": "Year group", "pupil_N_status": "SEN status"}
    assert report.unplaced == ["Favourite colour"]
    assert "application_type" in report.missing_required and "school_name" not in report.missing_required
    block = toml_block(report)
    assert block.startswith("[labels.application]\n")
    assert 'senco_name = ["SENCo full name"]  # score' in block


def test_learn_on_the_clusters_template_finds_every_label(home: Home) -> None:
    report = learn_labels(template_docx(APPLICATION, home.config))
    assert report.proposals == [] and report.missing_required == []


def write_labels(home: Home, block: str) -> Home:
    cfg = home.root / "cluster.toml"
    cfg.write_text(cfg.read_text() + "\n" + block)
    return open_home(home.root)


def read_through_workers(home: Home, data: bytes, tmp_path: Path) -> dict[str, object]:
    path = tmp_path / "own form.docx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    with FormsApp(home) as app:
        (result,) = app.ingest_paths([path])
        assert result.reference, result
        return app.show(result.reference)["fields"]  # type: ignore[no-any-return]


def test_the_clusters_wordings_are_read_once_configured(home: Home, tmp_path: Path) -> None:
    code = CliRunner().invoke(cli, ["--home", str(home.root), "templates", "learn", str(tmp_path / "none.docx")]).exit_code
    assert code == 2  # no such file: a usage error
    blank = tmp_path / "blank.docx"
    blank.write_bytes(own_form(blank=True))
    result = CliRunner().invoke(cli, ["--home", str(home.root), "templates", "learn", str(blank)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Favourite colour" in result.stderr and "application_type" in result.stderr
    as_json = CliRunner().invoke(cli, ["templates", "learn", "--json", str(blank)], catch_exceptions=False)
    assert json.loads(as_json.stdout)["unplaced"] == ["Favourite colour"]

    before = read_through_workers(home, own_form(), tmp_path / "a")
    assert before["senco_name"] is None and before["intervention_title"] is None
    configured = write_labels(home, result.stdout)  # the block, pasted as printed
    assert configured.config.labels.application["senco_name"] == ["SENCo full name"]
    # Another file (the same bytes again would be a duplicate of the first).
    after = read_through_workers(configured, own_form(colour="Green"), tmp_path / "b")
    assert after["senco_name"] == "Jo Rivers"
    assert after["intervention_title"] == "Precision teaching"
    assert after["school_name"] == "Oakfield Primary School"
    assert after["total_cost"] == "2400.00"
    assert [p["ref"] for p in after["pupils"]] == ["AB", "CD"]  # type: ignore[index]
    assert [p.get("need") for p in after["pupils"]] == ["SPLD", "MLD"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("block", "words"),
    [
        ('[labels.application]\nsenco_nme = ["Name"]\n', "has no field 'senco_nme'"),
        ('[labels.application]\nsenco_name = ["Lead"]\nheadteacher_name = ["lead"]\n', "given for both"),
        ('[labels.impact]\nschool_name = [""]\n', "empty"),
    ],
)
def test_a_wrong_labels_section_is_one_message_naming_the_line(tmp_path: Path, block: str, words: str) -> None:
    root = tmp_path / "h"
    init_home(root)
    cfg = root / "cluster.toml"
    cfg.write_text(cfg.read_text() + "\n" + block)
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert words in err.value.message
    assert "labels" in err.value.message
