"""'forms templates learn FILE' proposing the cluster's own wordings of the forms' choices.

The cluster's own form is made from the project's Word template with the options of its
drop-down lists reworded (and one option added that is no choice of the spec), from the
fillable PDF template with its choice fields' options reworded, and with python-docx as a
form that prints a box beside each option. The printed block is pasted into cluster.toml and
a form filled in with the cluster's wordings is read through the real reading workers.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from docx import Document
from lxml import etree

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.config import Config
from forms_processor.config_choices import generic_key
from forms_processor.documents import fill_docx, template_docx, template_pdf
from forms_processor.documents.samples import sample_application
from forms_processor.home import Home, open_home
from forms_processor.readers.learn import learn_labels, toml_block
from forms_processor.spec import APPLICATION

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# The spec's choice (left) as the cluster's own form words it (right), field by field.
REWORDED = {
    "application_type": {"Individual pupil": "One pupil", "Group of pupils": "Small group"},
    "area_of_need": {"Social emotional and mental health": "Emotional wellbeing",
                     "Sensory and/or physical": "Physical and sensory"},
    "delivered_by": {"Teaching assistant": "Learning support assistant", "External specialist": "Outside specialist"},
    "pupil_N_status": {"SEN support": "Support plan"},
}
# An option of the cluster's list that is none of the spec's choices: listed as not placed.
EXTRA = ("delivered_by", "Parent volunteer")
EXPECTED = {(key, choice): wording for key, table in REWORDED.items() for choice, wording in table.items()}


def own_template(config: Config) -> bytes:
    """The cluster's Word template with its drop-down lists' options reworded (text and value)."""
    src = zipfile.ZipFile(io.BytesIO(template_docx(APPLICATION, config)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                for sdt in root.iter(f"{{{W}}}sdt"):
                    tag = sdt.find(f"{{{W}}}sdtPr/{{{W}}}tag")
                    key = generic_key(tag.get(f"{{{W}}}val", "")) if tag is not None else ""
                    drop = sdt.find(f"{{{W}}}sdtPr/{{{W}}}dropDownList")
                    if drop is None or key not in REWORDED:
                        continue
                    for item in drop.iter(f"{{{W}}}listItem"):
                        for attr in ("displayText", "value"):
                            text = item.get(f"{{{W}}}{attr}", "")
                            item.set(f"{{{W}}}{attr}", REWORDED[key].get(text, text))
                    if key == EXTRA[0]:
                        etree.SubElement(drop, f"{{{W}}}listItem", {f"{{{W}}}displayText": EXTRA[1],
                                                                     f"{{{W}}}value": EXTRA[1]})
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, data)
    return out.getvalue()


def own_pdf(config: Config) -> bytes:
    """The fillable PDF template with its choice fields' options reworded."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(template_pdf(APPLICATION, config))))
    for page in writer.pages:
        for annot in page.get("/Annots", []):
            field = annot.get_object()
            name = str(field.get("/T", ""))
            if "/Opt" in field and generic_key(name) in REWORDED:
                table = REWORDED[generic_key(name)]
                field[NameObject("/Opt")] = ArrayObject(
                    [TextStringObject(table.get(str(o), str(o))) for o in field["/Opt"]])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def proposed(report: object) -> dict[tuple[str, str], str]:
    return {(p.key, p.choice): p.wording for p in report.choices}  # type: ignore[attr-defined]


def test_the_options_reworded_on_the_clusters_word_form_are_proposed(home: Home) -> None:
    report = learn_labels(own_template(home.config))
    assert report.form_id == APPLICATION.form_id and report.proposals == []  # its labels are the spec's own
    assert proposed(report) == EXPECTED
    assert all(0 <= p.score <= 1 for p in report.choices)
    # An option the spec has no choice for, and no choice left for it: listed, not guessed.
    assert report.choices_unplaced == {EXTRA[0]: [EXTRA[1]]}
    block = toml_block(report)
    assert '[choices.application.area_of_need]\n"' in block
    assert '"SEN support" = ["Support plan"]  # score' in block
    # The project's own templates: every option already one of the spec's choices.
    for plain in (template_docx(APPLICATION, home.config), template_pdf(APPLICATION, home.config)):
        untouched = learn_labels(plain)
        assert untouched.choices == [] and untouched.choices_unplaced == {}


def test_a_fillable_pdfs_reworded_options_are_proposed_too(home: Home) -> None:
    report = learn_labels(own_pdf(home.config))
    assert proposed(report) == EXPECTED


def test_boxes_printed_beside_each_option_are_a_list_of_options_too() -> None:
    """A form that prints its choices as tick boxes, in a table's cell or after a label in a line."""
    doc = Document()
    table = doc.add_table(rows=0, cols=2)
    row = table.add_row().cells
    row[0].text, row[1].text = "Type of application", "☐ One pupil   ☐ Small group   ☒ Whole school"
    row = table.add_row().cells
    row[0].text = "Primary area of need"
    row[1].text = "☐ Communication and interaction"
    for option in ("☒ Learning and cognition", "☐ Emotional wellbeing", "☐ Sensory and/or physical"):
        row[1].add_paragraph(option)
    doc.add_paragraph("Delivered by: ☐ Class teacher ☐ HLTA ☐ Learning support assistant ☐ Other")
    doc.sections[0].footer.paragraphs[0].text = "Form SEND-APP v1"
    buf = io.BytesIO()
    doc.save(buf)
    report = learn_labels(buf.getvalue())
    assert proposed(report) == {
        ("application_type", "Individual pupil"): "One pupil",
        ("application_type", "Group of pupils"): "Small group",
        ("area_of_need", "Cognition and learning"): "Learning and cognition",
        ("area_of_need", "Social emotional and mental health"): "Emotional wellbeing",
        ("delivered_by", "Teacher"): "Class teacher",
        ("delivered_by", "Teaching assistant"): "Learning support assistant",
    }, report.choices
    assert report.choices_unplaced == {}


def _filled(config: Config, template: bytes, title: str) -> bytes:
    """The cluster's own form filled in with its own wordings of the choices."""
    values, _ = sample_application(config, random.Random(3), school=config.schools[1], today=date(2026, 11, 20))
    values.update(intervention_title=title, application_type="Small group", area_of_need="Emotional wellbeing",
                  delivered_by="Learning support assistant", pupil_1_ref="AB", pupil_1_year="Y4",
                  pupil_1_status="Support plan")
    return fill_docx(template, values)


def _read(home: Home, data: bytes, path: Path) -> tuple[dict[str, object], set[str]]:
    """The fields read through the real reading workers and checked, and the fields refused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    with FormsApp(home) as app:
        (result,) = app.ingest_paths([path])
        assert result.reference, result
        shown = app.show(result.reference)
    refused = {m["field"] for m in shown["messages"] if m["severity"] == "error"}
    return shown["fields"], refused


def test_the_printed_block_pasted_into_cluster_toml_makes_the_form_read_right(home: Home, tmp_path: Path) -> None:
    template = own_template(home.config)
    blank = tmp_path / "Our application form.docx"
    blank.write_bytes(template)
    learnt = CliRunner().invoke(cli, ["--home", str(home.root), "templates", "learn", str(blank)],
                                catch_exceptions=False)
    assert learnt.exit_code == 0, learnt.stderr
    assert "wording(s) of choices proposed" in learnt.stderr
    assert "Options of delivered_by it could not place" in learnt.stderr and EXTRA[1] in learnt.stderr
    # No label to add: no empty [labels.application] (pasted, it could repeat the file's own).
    assert learnt.stdout.startswith("[choices.application.") and "[labels." not in learnt.stdout

    chosen = ("application_type", "area_of_need", "delivered_by")
    before, refused = _read(home, _filled(home.config, template, "Lego therapy"), tmp_path / "a" / "form.docx")
    assert set(chosen) <= refused, (refused, {k: before.get(k) for k in chosen})

    cfg = home.root / "cluster.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "\n" + learnt.stdout, encoding="utf-8")
    configured = open_home(home.root)  # loads: the block as printed is valid cluster.toml
    assert configured.config.choices.application["area_of_need"] == {
        "Social emotional and mental health": ["Emotional wellbeing"], "Sensory and/or physical": ["Physical and sensory"]}
    after, refused = _read(configured, _filled(configured.config, template, "Precision teaching"),
                           tmp_path / "b" / "form.docx")
    assert not refused & {*chosen, "pupils"}, refused
    assert {k: after[k] for k in chosen} == {"application_type": "Group of pupils",
                                             "area_of_need": "Social emotional and mental health",
                                             "delivered_by": "Teaching assistant"}
    assert after["pupils"][0]["status"] == "SEN support"  # type: ignore[index]
