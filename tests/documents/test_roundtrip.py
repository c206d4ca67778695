"""Filled templates read back through the project's own readers (forms_processor.readers)."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from forms_processor.config import Config
from forms_processor.documents import fill_docx, fill_pdf, sample_application, sample_impact
from forms_processor.readers import read_document


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_filled_templates_read_back_exactly(templates: dict[str, Path], config: Config, seed: int, fmt: str) -> None:
    rng = random.Random(seed)
    app, _ = sample_application(config, rng, mistakes=seed % 3, today=date(2027, 3, 20), round_name="Spring 2 2027")
    school = config.school_by_name(str(app["school_name"]))
    impact = sample_impact(config, rng, "WVC-2627-SP2-003", school, app, date(2028, 3, 1))
    fill = fill_docx if fmt == "docx" else fill_pdf
    for form_id, stem, values in (("send-application", "application", app), ("send-impact", "impact", impact)):
        form = read_document(fill(templates[f"{stem}.{fmt}"], values))
        assert form.form_id == form_id
        expected = {k: v for k, v in values.items() if v != ""}
        assert form.fields == expected
