"""Filling the real templates, read back with pypdf and the raw Word XML (not the project's readers)."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from forms_processor.config import Config
from forms_processor.documents import fill_docx, fill_pdf, sample_application, sample_impact
from forms_processor.spec import APPLICATION, IMPACT

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"

VALUES: dict[str, str | bool] = {
    "school_name": "Cawston Primary School",
    "senco_name": "Ruth Ashdown",
    "funding_round": "Spring 2 2027",
    "application_type": "Group of pupils",
    "high_needs_used": "£10,000.00",
    "high_needs_evidence": "Line one: £1,250.50 on TA time\nLine two – the rest on <resources> & training",
    "start_date": "01/03/2027",
    "pupil_1_ref": "JB",
    "pupil_1_year": "Y4",
    "pupil_2_ref": "P1043",
    "cost_1_amount": "1250.5",
    "parents_informed": True,
    "data_protection": False,
}


def _docx_values(data: bytes) -> dict[str, tuple[str | bool, bool]]:
    """tag -> (text, or checkbox state; whether the placeholder is showing), from the raw XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = etree.fromstring(zf.read("word/document.xml"), etree.XMLParser(resolve_entities=False, no_network=True))
    out: dict[str, tuple[str | bool, bool]] = {}
    for sdt in root.iter(f"{W}sdt"):
        pr = sdt.find(f"{W}sdtPr")
        tag = pr.find(f"{W}tag").get(f"{W}val")
        box = pr.find(f"{W14}checkbox/{W14}checked")
        showing = pr.find(f"{W}showingPlcHdr") is not None
        if box is not None:
            out[tag] = (box.get(f"{W14}val") in {"1", "true"}, showing)
            continue
        parts: list[str] = []
        for node in sdt.find(f"{W}sdtContent").iter(f"{W}t", f"{W}br"):
            parts.append("\n" if node.tag == f"{W}br" else (node.text or ""))
        out[tag] = ("".join(parts), showing)
    return out


def _pdf_values(data: bytes) -> dict[str, object]:
    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    return {k: f.get("/V") for k, f in fields.items()}


# --------------------------------------------------------------------------
# Word
# --------------------------------------------------------------------------


def test_fill_docx_sets_text_checkboxes_and_clears_placeholders(templates: dict[str, Path]) -> None:
    filled = fill_docx(templates["application.docx"], VALUES)
    got = _docx_values(filled)
    for key, value in VALUES.items():
        assert got[key] == (value, False), key
    # Untouched fields keep their placeholder.
    assert got["senco_email"] == ("Click to type", True)
    assert got["end_date"][1] is True


def test_fill_docx_ticks_with_the_glyph_and_dates_get_full_date(templates: dict[str, Path]) -> None:
    filled = fill_docx(templates["application.docx"].read_bytes(), VALUES)
    with zipfile.ZipFile(io.BytesIO(filled)) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    sdts = {s.find(f"{W}sdtPr/{W}tag").get(f"{W}val"): s for s in root.iter(f"{W}sdt")}
    assert "".join(sdts["parents_informed"].find(f"{W}sdtContent").itertext()) == "\u2612"
    assert "".join(sdts["data_protection"].find(f"{W}sdtContent").itertext()) == "\u2610"
    assert sdts["start_date"].find(f"{W}sdtPr/{W}date").get(f"{W}fullDate") == "2027-03-01T00:00:00Z"
    # The filled run is no longer styled as a placeholder.
    for run in sdts["school_name"].iter(f"{W}r"):
        style = run.find(f"{W}rPr/{W}rStyle")
        assert style is None or style.get(f"{W}val") != "PlaceholderText"


def test_fill_docx_keeps_the_rest_of_the_package(templates: dict[str, Path]) -> None:
    template = templates["impact.docx"].read_bytes()
    filled = fill_docx(template, {"application_reference": "WVC-2627-SP2-004"})
    with zipfile.ZipFile(io.BytesIO(template)) as a, zipfile.ZipFile(io.BytesIO(filled)) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name != "word/document.xml":
                assert a.read(name) == b.read(name), name
    # Filling is deterministic too.
    assert fill_docx(template, {"application_reference": "WVC-2627-SP2-004"}) == filled


def test_fill_docx_blank_value_leaves_the_placeholder(templates: dict[str, Path]) -> None:
    got = _docx_values(fill_docx(templates["application.docx"], {"senco_phone": ""}))
    assert got["senco_phone"] == ("Click to type", True)


def test_fill_rejects_unknown_keys(templates: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="favourite_colour"):
        fill_docx(templates["application.docx"], {"favourite_colour": "blue"})
    with pytest.raises(ValueError, match="favourite_colour"):
        fill_pdf(templates["application.pdf"], {"favourite_colour": "blue"})
    with pytest.raises(ValueError, match="application_reference"):
        fill_pdf(templates["application.pdf"], {"application_reference": "X"})


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


def test_fill_pdf_sets_values_read_back_by_pypdf(templates: dict[str, Path]) -> None:
    filled = fill_pdf(templates["application.pdf"], VALUES)
    got = _pdf_values(filled)
    for key, value in VALUES.items():
        if isinstance(value, bool):
            assert got[key] == ("/Yes" if value else "/Off"), key
        else:
            assert got[key] == value, key
    assert got["form_id"] == "send-application"
    reader = PdfReader(io.BytesIO(filled))
    assert bool(reader.trailer["/Root"]["/AcroForm"]["/NeedAppearances"]) is True
    # The widget's appearance state follows the value.
    states = {
        str(a.get_object()["/T"]): a.get_object().get("/AS")
        for page in reader.pages
        for a in page.get("/Annots", [])
        if a.get_object().get("/FT") == "/Btn"
    }
    assert states == {"parents_informed": "/Yes", "data_protection": "/Off"}


def test_fill_pdf_uses_the_real_on_state(templates: dict[str, Path]) -> None:
    """A checkbox whose on-state is /Eligible must be set to /Eligible, not /Yes."""
    writer = PdfWriter(clone_from=PdfReader(templates["application.pdf"]))
    for page in writer.pages:
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot.get("/T") == "parents_informed":
                for kind in ("/N", "/D"):
                    states = annot["/AP"][kind].get_object()
                    assert isinstance(states, DictionaryObject)
                    states[NameObject("/Eligible")] = states.pop("/Yes")
    buf = io.BytesIO()
    writer.write(buf)
    filled = fill_pdf(buf.getvalue(), {"parents_informed": True, "data_protection": True})
    got = _pdf_values(filled)
    assert got["parents_informed"] == "/Eligible"
    assert got["data_protection"] == "/Yes"


def test_fill_pdf_untick_and_clear(templates: dict[str, Path]) -> None:
    once = fill_pdf(templates["application.pdf"], {"parents_informed": True, "senco_name": "Ruth Ashdown"})
    twice = fill_pdf(once, {"parents_informed": False, "senco_name": ""})
    got = _pdf_values(twice)
    assert got["parents_informed"] == "/Off"
    assert got["senco_name"] in ("", None)


# --------------------------------------------------------------------------
# Whole sample forms, both formats
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_sample_forms_fill_both_templates_completely(templates: dict[str, Path], config: Config, seed: int) -> None:
    rng = random.Random(seed)
    app, _ = sample_application(config, rng, today=date(2027, 3, 20), round_name="Spring 2 2027")
    school = config.school_by_name(str(app["school_name"]))
    impact = sample_impact(config, rng, "WVC-2627-SP2-001", school, app, date(2028, 3, 1))
    for spec, values in ((APPLICATION, app), (IMPACT, impact)):
        stem = "application" if spec is APPLICATION else "impact"
        from_pdf = _pdf_values(fill_pdf(templates[f"{stem}.pdf"], values))
        from_docx = _docx_values(fill_docx(templates[f"{stem}.docx"], values))
        for key in spec.flat_keys():
            value = values[key]
            if isinstance(value, bool):
                assert from_pdf[key] == ("/Yes" if value else "/Off")
                assert from_docx[key][0] is value
            elif value:
                assert from_pdf[key] == value, key
                assert from_docx[key] == (value, False), key
            else:
                assert from_docx[key][1] is True, key


def test_fill_pdf_without_appearances_sets_the_same_values(templates: dict[str, Path]) -> None:
    fast = _pdf_values(fill_pdf(templates["application.pdf"], VALUES, appearances=False))
    full = _pdf_values(fill_pdf(templates["application.pdf"], VALUES))
    assert fast == full
