"""The blank templates: committed = generated, every spec key present, identity marks, layout."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree
from pypdf import PdfReader

from forms_processor.config import Config
from forms_processor.documents import TEMPLATE_NAMES, template_docx, template_pdf, write_templates
from forms_processor.spec import APPLICATION, FORMS, IMPACT, FieldType, FormSpec

from .conftest import COMMITTED

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
SPECS = [APPLICATION, IMPACT]
NAMES = ["application.docx", "application.pdf", "impact.docx", "impact.pdf"]


def _xml(data: bytes, part: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read(part), etree.XMLParser(resolve_entities=False, no_network=True))


def _controls(data: bytes) -> dict[str, etree._Element]:
    """Content controls of the document, by tag; fails on a duplicate tag."""
    out: dict[str, etree._Element] = {}
    for sdt in _xml(data, "word/document.xml").iter(f"{W}sdt"):
        tag = sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val")
        assert tag not in out, f"duplicate content control {tag}"
        out[tag] = sdt
    return out


# --------------------------------------------------------------------------
# Committed templates and determinism
# --------------------------------------------------------------------------


def test_write_templates_writes_the_four_files(templates: dict[str, Path]) -> None:
    assert sorted(templates) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_committed_templates_are_exactly_what_the_code_generates(templates: dict[str, Path], name: str) -> None:
    committed = COMMITTED / name
    assert committed.exists(), f"form_templates/{name} is missing: run 'forms templates --out form_templates'"
    assert committed.read_bytes() == templates[name].read_bytes(), (
        f"form_templates/{name} is out of date: run 'forms templates --out form_templates' and commit it"
    )


def test_output_is_deterministic(config: Config, tmp_path: Path) -> None:
    first = {p.name: p.read_bytes() for p in write_templates(config, tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write_templates(config, tmp_path / "b")}
    assert first == second


def test_readme_explains_regeneration() -> None:
    text = (COMMITTED / "README.md").read_text(encoding="utf-8")
    assert "forms templates --out form_templates" in text


def test_docx_zip_has_fixed_timestamps(templates: dict[str, Path]) -> None:
    with zipfile.ZipFile(templates["application.docx"]) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2026, 1, 1, 0, 0, 0)}
        assert zf.namelist()[0] == "[Content_Types].xml"


# --------------------------------------------------------------------------
# Word
# --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.form_id)
def test_docx_has_a_content_control_for_every_key(templates: dict[str, Path], spec: FormSpec) -> None:
    data = templates[f"{TEMPLATE_NAMES[spec.form_id]}.docx"].read_bytes()
    controls = _controls(data)
    assert list(controls) == spec.flat_keys()
    for key, sdt in controls.items():
        assert sdt.find(f"{W}sdtPr/{W}alias").get(f"{W}val") == key


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.form_id)
def test_docx_control_kinds_follow_field_types(templates: dict[str, Path], config: Config, spec: FormSpec) -> None:
    controls = _controls(templates[f"{TEMPLATE_NAMES[spec.form_id]}.docx"].read_bytes())
    for key, sdt in controls.items():
        field = spec.field(key)
        pr = sdt.find(f"{W}sdtPr")
        if field.type is FieldType.CHECKBOX:
            assert pr.find(f"{W14}checkbox/{W14}checked").get(f"{W14}val") == "0"
            assert "".join(sdt.itertext()) == "\u2610"
            assert pr.find(f"{W}showingPlcHdr") is None
            continue
        assert pr.find(f"{W}showingPlcHdr") is not None, key
        if field.choices or field.choices_from_config:
            items = [i.get(f"{W}value") for i in pr.iterfind(f"{W}dropDownList/{W}listItem")]
            if field.choices_from_config == "schools":
                assert items == [s.name for s in config.schools]
            elif field.choices_from_config == "rounds":
                assert items == [r.name for r in config.rounds]
            else:
                assert items == list(field.choices)
        elif field.type is FieldType.DATE:
            assert pr.find(f"{W}date/{W}dateFormat").get(f"{W}val") == "dd/MM/yyyy"
        else:
            text = pr.find(f"{W}text")
            assert text is not None, key
            assert (text.get(f"{W}multiLine") == "1") == (field.type is FieldType.MULTILINE)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.form_id)
def test_docx_identity_marks(templates: dict[str, Path], spec: FormSpec) -> None:
    data = templates[f"{TEMPLATE_NAMES[spec.form_id]}.docx"].read_bytes()
    footer = "".join(_xml(data, "word/footer1.xml").itertext())
    assert footer == spec.identity_text
    custom = _xml(data, "docProps/custom.xml")
    props = {p.get("name"): "".join(p.itertext()) for p in custom}
    assert props["form_id"] == spec.form_id
    # python-docx opens it and sees the footer, the title, and A4 pages.
    document = docx.Document(io.BytesIO(data))
    assert document.sections[0].footer.paragraphs[0].text == spec.identity_text
    assert document.core_properties.title == spec.title
    assert (document.sections[0].page_width.mm, document.sections[0].page_height.mm) == pytest.approx(
        (210, 297), abs=0.5
    )


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.form_id)
def test_docx_group_tables_have_exact_header_rows(templates: dict[str, Path], spec: FormSpec) -> None:
    document = docx.Document(templates[f"{TEMPLATE_NAMES[spec.form_id]}.docx"])
    headers = [tuple(c.text for c in t.rows[0].cells) for t in document.tables]
    for group in spec.groups():
        assert group.header_labels in headers
        table = document.tables[headers.index(group.header_labels)]
        assert len(table.rows) == group.max_rows + 1
    # Labels of single fields stand in the first column of label|value tables.
    labels = {row.cells[0].text for t in document.tables for row in t.rows if len(row.cells) == 2}
    for field in spec.single_fields():
        assert field.label in labels
    texts = [p.text for p in document.paragraphs]
    assert spec.title in texts
    for section in spec.sections:
        assert section.title in texts


def test_cost_totals_follow_the_costs_table(templates: dict[str, Path]) -> None:
    controls = list(_controls(templates["application.docx"].read_bytes()))
    assert controls.index("total_cost") > controls.index("cost_6_amount")
    assert controls.index("number_of_pupils") < controls.index("pupil_1_ref")


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.form_id)
def test_pdf_fields_are_exactly_the_spec_keys(templates: dict[str, Path], spec: FormSpec) -> None:
    reader = PdfReader(templates[f"{TEMPLATE_NAMES[spec.form_id]}.pdf"])
    fields = reader.get_fields()
    assert fields is not None
    assert set(fields) == {*spec.flat_keys(), "form_id"}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.form_id)
def test_pdf_field_kinds_follow_field_types(templates: dict[str, Path], config: Config, spec: FormSpec) -> None:
    fields = PdfReader(templates[f"{TEMPLATE_NAMES[spec.form_id]}.pdf"]).get_fields() or {}
    for key in spec.flat_keys():
        field, f = spec.field(key), fields[key]
        flags = int(f.get("/Ff", 0))
        if field.type is FieldType.CHECKBOX:
            assert f["/FT"] == "/Btn"
            assert f.get("/V") == "/Off"
        elif field.choices or field.choices_from_config:
            assert f["/FT"] == "/Ch"
            options = [o if isinstance(o, str) else o[0] for o in f["/Opt"]]
            if field.choices_from_config == "schools":
                assert options[1:] == [s.name for s in config.schools]
            elif field.choices_from_config == "rounds":
                assert options[1:] == [r.name for r in config.rounds]
            else:
                assert options[1:] == list(field.choices)
        else:
            assert f["/FT"] == "/Tx"
            # Narratives are multiline; so is an outcome's text, which wraps in its narrow column.
            wraps = field.type is FieldType.MULTILINE or key.startswith("outcome_") and key.endswith("_text")
            assert bool(flags & (1 << 12)) == wraps, key


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.form_id)
def test_pdf_identity_marks(templates: dict[str, Path], spec: FormSpec) -> None:
    reader = PdfReader(templates[f"{TEMPLATE_NAMES[spec.form_id]}.pdf"])
    form_id = (reader.get_fields() or {})["form_id"]
    assert form_id["/V"] == spec.form_id
    assert int(form_id["/Ff"]) & 1, "form_id must be read-only"
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert page.mediabox.width == pytest.approx(595.28, abs=0.5)
        assert spec.identity_text in page.extract_text()
    text = "\n".join(page.extract_text() for page in reader.pages)
    for field in spec.single_fields():
        first_words = " ".join(field.label.split()[:2])
        assert first_words in text, field.label
    assert "£10,000" in text or spec is IMPACT


def test_templates_follow_the_configuration(config: Config) -> None:
    raw = config.model_dump()
    raw["schools"].append({"name": "Reepham Free School", "code": "REE"})
    raw["rounds"] = raw["rounds"][:2]
    other = Config.model_validate(raw)
    fields = PdfReader(io.BytesIO(template_pdf(APPLICATION, other))).get_fields() or {}
    assert "Reepham Free School" in [o if isinstance(o, str) else o[0] for o in fields["school_name"]["/Opt"]]
    assert [o if isinstance(o, str) else o[0] for o in fields["funding_round"]["/Opt"]][1:] == [
        r.name for r in config.rounds[:2]
    ]
    controls = _controls(template_docx(APPLICATION, other))
    items = [i.get(f"{W}value") for i in controls["school_name"].iterfind(f"{W}sdtPr/{W}dropDownList/{W}listItem")]
    assert items[-1] == "Reepham Free School"
    assert template_docx(APPLICATION, other) != template_docx(APPLICATION, config)


def test_every_form_has_templates() -> None:
    assert set(TEMPLATE_NAMES) == set(FORMS)


def test_templates_are_written_owner_only(config: Config, tmp_path: Path) -> None:
    """Like every file the program writes: folder 0o700 when it makes it, files 0o600."""
    import stat

    out = tmp_path / "new" / "templates"
    paths = write_templates(config, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in paths)
    # Written again over older, world-readable copies: replaced, owner-only.
    for p in paths:
        p.chmod(0o644)
    again = write_templates(config, out)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in again)
    assert sorted(p.name for p in out.iterdir()) == sorted(NAMES)  # no temporary files left
