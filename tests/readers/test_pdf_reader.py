"""The PDF readers on real PDFs: fillable forms (AcroForm), encryption, XFA."""

from __future__ import annotations

import io

import pytest
from formbuilders import APP_VALUES, IMPACT_VALUES, fillable_pdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

from forms_processor.errors import UnreadableDocument
from forms_processor.readers import read_document
from forms_processor.spec import APPLICATION, IMPACT


@pytest.mark.parametrize(("spec", "values"), [(APPLICATION, APP_VALUES), (IMPACT, IMPACT_VALUES)])
def test_fillable_form_reads_back(spec, values):
    form = read_document(fillable_pdf(spec, values), "form.pdf")
    assert form.form_id == spec.form_id
    assert form.reader == "pdf-fields"
    assert form.fields == values
    assert form.notes == []


def test_radio_dropdown_and_unticked_checkbox():
    values = dict(APP_VALUES, data_protection=False)
    data = fillable_pdf(
        APPLICATION,
        values,
        radio_for="application_type",
        choice_for={"area_of_need": ("Cognition and learning", "SEMH")},
    )
    fields = read_document(data, "form.pdf").fields
    assert fields["application_type"] == "Group of pupils"
    assert fields["area_of_need"] == "Cognition and learning"
    assert fields["data_protection"] is False
    assert fields["parents_informed"] is True


def _with_export_value(data: bytes, name: str, export: str) -> bytes:
    """Give a checkbox the on-state ``export`` instead of reportlab's /Yes."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot.get("/T") != name:
                continue
            normal = annot["/AP"]["/N"]
            normal[NameObject(export)] = normal.pop("/Yes")
            annot[NameObject("/AS")] = NameObject(export)
            annot[NameObject("/V")] = NameObject(export)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_checkbox_with_any_export_value_is_ticked():
    data = _with_export_value(fillable_pdf(APPLICATION, APP_VALUES), "parents_informed", "/Eligible")
    assert PdfReader(io.BytesIO(data)).get_fields()["parents_informed"]["/V"] == "/Eligible"
    assert read_document(data, "form.pdf").fields["parents_informed"] is True


def test_fields_under_a_parent_and_no_form_id():
    data = fillable_pdf(IMPACT, IMPACT_VALUES, prefix="form1.", form_id_field=False)
    form = read_document(data, "form.pdf")
    assert form.form_id == "send-impact"
    assert form.fields == IMPACT_VALUES
    assert any("recognised by its field names" in n for n in form.notes)


def _encrypt(data: bytes, user_password: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_empty_user_password_aes_opens():
    data = _encrypt(fillable_pdf(IMPACT, IMPACT_VALUES), "", "AES-256")
    assert PdfReader(io.BytesIO(data)).is_encrypted
    assert read_document(data, "form.pdf").fields == IMPACT_VALUES


def test_password_protected_is_refused():
    data = _encrypt(fillable_pdf(IMPACT, IMPACT_VALUES), "letmein", "AES-128")
    with pytest.raises(UnreadableDocument) as err:
        read_document(data, "form.pdf")
    assert err.value.reason == "password"
    assert "password" in err.value.message


def test_xfa_only_form_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    xfa = DecodedStreamObject()
    xfa.set_data(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template/></xdp:xdp>')
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): ArrayObject([TextStringObject("template"), writer._add_object(xfa)]),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UnreadableDocument) as err:
        read_document(out.getvalue(), "form.pdf")
    assert err.value.reason == "xfa"
    assert "XFA" in err.value.message


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_truncated_pdf_is_refused_or_read(cut):
    data = fillable_pdf(IMPACT, IMPACT_VALUES)
    try:
        form = read_document(data[: int(len(data) * cut)], "form.pdf")
    except UnreadableDocument as err:
        assert err.reason in ("damaged", "scan", "not-a-form")
    else:
        assert form.form_id == "send-impact"


def _rewrite(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """Apply ``change(field_dict)`` to every field dictionary (widgets' parents included) and save."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    seen: set[int] = set()
    for page in writer.pages:
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            for node in (annot, annot.get("/Parent")):
                if node is not None and id(node.get_object()) not in seen and "/T" in node.get_object():
                    seen.add(id(node.get_object()))
                    change(node.get_object(), annot)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_radio_group_storing_the_option_index():
    """Acrobat may store a radio group's choice as an index ("/1") into its /Opt list."""
    options = ["Individual pupil", "Group of pupils", "Whole school"]
    data = fillable_pdf(APPLICATION, APP_VALUES, radio_for="application_type")

    def to_index(field, widget):  # type: ignore[no-untyped-def]
        if field.get("/T") != "application_type":
            return
        normal = widget["/AP"]["/N"]
        on = next(k for k in normal if k != "/Off")
        index = NameObject(f"/{options.index(on[1:].replace('_', ' '))}")
        normal[index] = normal.pop(on)
        if widget.get("/AS") != "/Off":
            widget[NameObject("/AS")] = index
        field[NameObject("/Opt")] = ArrayObject([TextStringObject(o) for o in options])
        field[NameObject("/V")] = NameObject("/1")

    assert read_document(_rewrite(data, to_index), "form.pdf").fields["application_type"] == "Group of pupils"


def test_dropdown_with_export_values_gives_the_text_shown():
    data = fillable_pdf(APPLICATION, APP_VALUES, choice_for={"area_of_need": ("Cognition and learning", "SEMH")})

    def export_values(field, widget):  # type: ignore[no-untyped-def]
        if field.get("/T") == "area_of_need":
            field[NameObject("/Opt")] = ArrayObject(
                [
                    ArrayObject([TextStringObject("CL"), TextStringObject("Cognition and learning")]),
                    ArrayObject([TextStringObject("SEMH"), TextStringObject("Social emotional and mental health")]),
                ]
            )
            field[NameObject("/V")] = TextStringObject("CL")

    fields = read_document(_rewrite(data, export_values), "form.pdf").fields
    assert fields["area_of_need"] == "Cognition and learning"


def test_livecycle_style_field_names():
    """Fields named as Adobe LiveCycle names them: form1[0].page1[0].school_name[0]."""
    data = fillable_pdf(IMPACT, IMPACT_VALUES, form_id_field=False)

    def index_names(field, widget):  # type: ignore[no-untyped-def]
        field[NameObject("/T")] = TextStringObject(f"{field['/T']}[0]")

    form = read_document(_rewrite(data, index_names), "form.pdf")
    assert (form.form_id, form.fields) == ("send-impact", IMPACT_VALUES)


def test_xfa_form_with_other_fields_is_refused_as_xfa():
    """A LiveCycle (XFA) form of some other design: say what it is, not just "not a form"."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(fillable_pdf(IMPACT, {}, form_id_field=False))))
    for page in writer.pages:
        for n, ref in enumerate(page.get("/Annots", [])):
            ref.get_object()[NameObject("/T")] = TextStringObject(f"TextField{n}[0]")
    xfa = DecodedStreamObject()
    xfa.set_data(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template/></xdp:xdp>')
    writer._root_object["/AcroForm"][NameObject("/XFA")] = ArrayObject(
        [TextStringObject("template"), writer._add_object(xfa)]
    )
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UnreadableDocument) as err:
        read_document(out.getvalue(), "form.pdf")
    assert err.value.reason == "xfa"


def _renamed(data: bytes) -> bytes:
    """The same PDF with every field renamed as Acrobat names detected fields: Text1, Text2, ..."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    n = 0
    for page in writer.pages:
        for ref in page.get("/Annots", []):
            field = ref.get_object()
            if "/T" in field:
                n += 1
                field[NameObject("/T")] = TextStringObject(f"Text{n}")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("spec", "values"), [(APPLICATION, APP_VALUES), (IMPACT, IMPACT_VALUES)])
def test_older_form_whose_fields_have_other_names(spec, values):
    """A fillable PDF whose fields are not named by the spec (an older form, "Text1"): read by the
    labels printed beside its fields, with the fields' values where they sit on the page."""
    # (this builder prints at most 60 characters of a label, and the rows of tables as single fields)
    singles = {f.key for f in spec.single_fields() if len(f.label) <= 60}
    form = read_document(_renamed(fillable_pdf(spec, values, form_id_field=False)), "old form.pdf")
    assert (form.form_id, form.reader) == (spec.form_id, "pdf-layout")
    assert form.fields == {k: v for k, v in values.items() if k in singles}


def test_cluster_pdf_with_renamed_fields_reads_its_tables_too(tmp_path):
    from forms_processor.config import load_config
    from forms_processor.documents import fill_pdf, template_pdf
    from forms_processor.example import EXAMPLE_CONFIG

    (tmp_path / "cluster.toml").write_text(EXAMPLE_CONFIG)
    config = load_config(tmp_path / "cluster.toml")
    values = {
        "school_name": config.schools[1].name,
        "pupil_1_ref": "AB",
        "pupil_1_year": "Y4",
        "pupil_1_status": "EHCP",
        "pupil_2_ref": "CD",
        "pupil_2_year": "Y5",
        "pupil_2_status": "SEN support",
        "pupil_2_need": "MLD",
        "outcome_1_text": "Read more fluently",
        "outcome_1_measure": "Reading age (months)",
        "outcome_1_baseline": "84",
        "outcome_1_target": "96",
        "cost_1_item": "TA time",
        "cost_1_amount": "£1,200.00",
        "total_cost": "£1,200.00",
        "parents_informed": True,
        "data_protection": False,
    }
    form = read_document(_renamed(fill_pdf(template_pdf(APPLICATION, config), values)), "renamed.pdf")
    assert form.reader == "pdf-layout"
    assert form.fields == values
