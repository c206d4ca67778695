"""The cluster's own templates (forms_processor.documents), filled, read back by every reader."""

from __future__ import annotations

import random
import shutil
import subprocess
from datetime import date

import pytest

from forms_processor.config import load_config
from forms_processor.documents import (
    fill_docx,
    fill_pdf,
    sample_application,
    sample_impact,
    template_docx,
    template_pdf,
)
from forms_processor.example import EXAMPLE_CONFIG
from forms_processor.readers import read_document
from forms_processor.spec import APPLICATION, IMPACT


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    (folder / "cluster.toml").write_text(EXAMPLE_CONFIG)
    config = load_config(folder / "cluster.toml")
    rng = random.Random(7)
    app, _ = sample_application(config, rng)
    school = config.schools[0]
    impact = sample_impact(config, rng, "WVC-2627-AU1-001", school, app, date(2027, 4, 1))
    out = {}
    for spec, values in ((APPLICATION, app), (IMPACT, impact)):
        out[spec.form_id] = (
            {k: v for k, v in values.items() if v not in ("", None)},
            fill_docx(template_docx(spec, config), values),
            fill_pdf(template_pdf(spec, config), values),
        )
    return folder, out


@pytest.mark.parametrize("form_id", ["send-application", "send-impact"])
def test_word_and_fillable_pdf(filled, form_id):
    _, forms = filled
    expected, docx, pdf = forms[form_id]
    for data, reader in ((docx, "docx"), (pdf, "pdf-fields")):
        form = read_document(data, "form")
        assert (form.form_id, form.reader) == (form_id, reader)
        assert form.fields == expected


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_word_form_converted_to_pdf_reads_back(filled):
    folder, forms = filled
    paths = []
    for form_id, (_, docx, _) in forms.items():
        (folder / f"{form_id}.docx").write_bytes(docx)
        paths.append(str(folder / f"{form_id}.docx"))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), *paths],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for form_id, (expected, _, _) in forms.items():
        form = read_document((folder / f"{form_id}.pdf").read_bytes(), f"{form_id}.pdf")
        assert (form.form_id, form.reader) == (form_id, "pdf-layout")
        assert form.fields == expected


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_older_word_layouts_converted_to_pdf_read_back(tmp_path):
    """Forms laid out as older Word forms (two-column, "Label: value", four narrow columns), printed to PDF.

    Narrow table cells make LibreOffice break a long word without a hyphen
    ("Standardis" / "ed score"); choices are matched ignoring spaces, so those are
    compared as the checker compares them.
    """
    from formbuilders import APP_VALUES, IMPACT_VALUES, docx_form

    from forms_processor.spec import FieldType
    from forms_processor.validation.parsing import fold_choice

    cases = {}
    for spec, values in ((APPLICATION, APP_VALUES), (IMPACT, IMPACT_VALUES)):
        for layout in ("two-column", "colon", "four-column"):
            name = f"{spec.form_id}-{layout}"
            (tmp_path / f"{name}.docx").write_bytes(docx_form(spec, values, layout=layout))
            cases[name] = (spec, values)
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *map(str, sorted(tmp_path.glob("*.docx"))),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )

    def seen(spec, key, value):  # type: ignore[no-untyped-def]
        return fold_choice(value) if spec.field(key).type is FieldType.CHOICE and isinstance(value, str) else value

    for name, (spec, values) in cases.items():
        form = read_document((tmp_path / f"{name}.pdf").read_bytes(), f"{name}.pdf")
        assert (form.form_id, form.reader) == (spec.form_id, "pdf-layout"), name
        got = {k: seen(spec, k, v) for k, v in form.fields.items()}
        assert got == {k: seen(spec, k, v) for k, v in values.items()}, name


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_word_form_saved_again_by_libreoffice_reads_back(filled, tmp_path):
    """A SENCO who fills the Word form in LibreOffice Writer: its .docx keeps the content controls'
    names (as w:alias) and the placeholder text of the empty ones, without their placeholder mark."""
    _, forms = filled
    paths = []
    for form_id, (_, docx, _) in forms.items():
        (tmp_path / f"{form_id}.docx").write_bytes(docx)
        paths.append(str(tmp_path / f"{form_id}.docx"))
    out = tmp_path / "saved"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), *paths],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for form_id, (expected, _, _) in forms.items():
        form = read_document((out / f"{form_id}.docx").read_bytes(), f"{form_id}.docx")
        assert (form.form_id, form.reader) == (form_id, "docx")
        assert form.fields == expected


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftocairo") is None, reason="poppler-utils (pdftocairo) is not installed")
def test_filled_pdf_printed_to_pdf_reads_back(filled, tmp_path):
    """A SENCO who prints the filled PDF form to PDF: no fields left, the values drawn on the page.

    Long outcomes wrap inside their cells (the template makes them multiline), ticks are crosses.
    """
    folder, forms = filled
    config = load_config(folder / "cluster.toml")
    for form_id, (values, _, _) in forms.items():
        spec = APPLICATION if form_id == APPLICATION.form_id else IMPACT
        expected = dict(values, outcome_1_text="Use an agreed calming strategy independently (times a day)")
        (tmp_path / f"{form_id}.pdf").write_bytes(fill_pdf(template_pdf(spec, config), expected))
        flat = tmp_path / f"{form_id}-printed.pdf"
        subprocess.run(["pdftocairo", "-pdf", str(tmp_path / f"{form_id}.pdf"), str(flat)], check=True, timeout=60)
        form = read_document(flat.read_bytes(), flat.name)
        assert (form.form_id, form.reader) == (form_id, "pdf-layout")
        assert form.fields == expected
