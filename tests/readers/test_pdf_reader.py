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
