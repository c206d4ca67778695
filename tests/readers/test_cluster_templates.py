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
