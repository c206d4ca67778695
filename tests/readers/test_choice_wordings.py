"""The cluster's own wordings of the choices: [choices.application.<field>] and
[choices.impact.<field>] in cluster.toml, taken by the checker beside the spec's own
spellings, whichever way the form came: a Word form, a fillable PDF, a PDF printed from the
page. Real files written by the readers' own test builders (python-docx, reportlab), read
by the real readers, checked by the real validation.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from formbuilders import APP_VALUES, IMPACT_VALUES, docx_form, fillable_pdf, layout_pdf

from forms_processor.config import Config, load_config
from forms_processor.example import EXAMPLE_CONFIG
from forms_processor.readers import read_document
from forms_processor.spec import APPLICATION, IMPACT, FormSpec
from forms_processor.validation import ValidationContext, validate

CHOICES = """
[choices.application.area_of_need]
"Social emotional and mental health" = ["Emotional wellbeing"]

[choices.application.application_type]
"Group of pupils" = ["Small group"]

[choices.application.delivered_by]
"Teaching assistant" = ["Learning support assistant", "LSA"]

[choices.application.pupil_N_year]
"Y4" = ["Yr 4"]

[choices.application.pupil_N_status]
"SEN support" = ["Support plan"]

[choices.application.parents_informed]
"Yes" = ["Informed"]

[choices.application.funding_round]
"Spring 1 2027" = ["Spring first half"]

[choices.impact.outcome_N_met]
"Partially met" = ["Partly met"]

[choices.impact.next_steps]
"Continue from school budget" = ["Keep going, paid by school"]
"""

# The cluster's wordings on its forms (left), and what the checker makes of them (right).
APP_OWN = {
    "area_of_need": ("Emotional wellbeing", "Social emotional and mental health"),
    "application_type": ("Small group", "Group of pupils"),
    "delivered_by": ("LSA", "Teaching assistant"),
    "pupil_1_year": ("Yr 4", "Y4"),
    "pupil_2_status": ("Support plan", "SEN support"),
    "parents_informed": ("Informed", True),
    "funding_round": ("Spring first half", "Spring 1 2027"),
}
IMPACT_OWN = {
    "outcome_1_met": ("Partly met", "Partially met"),
    "next_steps": ("Keep going, paid by school", "Continue from school budget"),
}
RECEIVED = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/London"))


def config_with(tmp_path: Path, block: str) -> Config:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "cluster.toml"
    path.write_text(EXAMPLE_CONFIG + block, encoding="utf-8")
    return load_config(path)


def checked(config: Config, data: bytes, own: dict[str, tuple[str, object]]) -> tuple[dict[str, object], set[str]]:
    """The values the checker made of the cluster's wordings, and the keys it refused."""
    extracted = read_document(data, "form")
    result = validate(extracted, ValidationContext(config=config, received_at=RECEIVED))
    fields = result.fields
    rows = {f"{group[:-1] if group != 'pupils' else 'pupil'}_{n}_{k}": v
            for group in ("pupils", "outcomes") for n, row in enumerate(fields.get(group, []), start=1)
            for k, v in row.items()}
    got = {key: fields.get(key, rows.get(key)) for key in own}
    refused = {m.field for m in result.errors if m.field in own}
    return got, refused


def _values(spec: FormSpec, own: dict[str, tuple[str, object]]) -> dict[str, str | bool]:
    values = dict(APP_VALUES if spec is APPLICATION else IMPACT_VALUES)
    values.update({key: written for key, (written, _) in own.items()})
    return values


BUILDERS = {
    "word": lambda spec, values: docx_form(spec, values),
    "fillable-pdf": lambda spec, values: fillable_pdf(spec, values),
    "printed-pdf": lambda spec, values: layout_pdf(spec, values),
}


@pytest.mark.parametrize("kind", list(BUILDERS))
@pytest.mark.parametrize(("spec", "own"), [(APPLICATION, APP_OWN), (IMPACT, IMPACT_OWN)], ids=["application", "impact"])
def test_the_clusters_choice_wordings_are_taken_once_configured(
    tmp_path: Path, kind: str, spec: FormSpec, own: dict[str, tuple[str, object]]
) -> None:
    own = dict(own)
    if kind == "fillable-pdf":
        own.pop("parents_informed", None)  # a fillable PDF's tick box is ticked or not: no wording
    data = BUILDERS[kind](spec, _values(spec, own))
    expected = {key: meant for key, (_, meant) in own.items()}

    got, refused = checked(config_with(tmp_path / "plain", ""), data, own)
    assert refused == set(own), got  # each refused: not one of the choices (or of the rounds)

    got, refused = checked(config_with(tmp_path / "own", CHOICES), data, own)
    assert refused == set()
    assert got == expected


def test_a_choice_printed_with_a_box_each_is_the_one_ticked(tmp_path: Path) -> None:
    own = {
        "delivered_by": ("☐ Teacher ☒ Learning support assistant ☐ Other", "Teaching assistant"),
        "area_of_need": ("☐ Communication and interaction ☒ Emotional wellbeing ☐ Cognition and learning", None),
    }
    data = docx_form(APPLICATION, _values(APPLICATION, own))
    got, refused = checked(config_with(tmp_path, CHOICES), data, own)
    assert got == {"delivered_by": "Teaching assistant", "area_of_need": "Social emotional and mental health"}
    two = {"area_of_need": ("☒ Communication and interaction ☒ Emotional wellbeing", None)}
    got, refused = checked(config_with(tmp_path / "b", CHOICES), docx_form(APPLICATION, _values(APPLICATION, two)), two)
    assert refused == {"area_of_need"} and got["area_of_need"] is None
