"""The cluster's forms as schools' computers really turn them into PDFs, read field by field.

Each file is made here with the real program: the filled Word form printed to PDF by
LibreOffice (A4 and Letter, the template's margins and narrow ones), the filled PDF
form flattened by pdftk, by qpdf (with the filling program's appearances, and with its
own) and printed by poppler, re-distilled by ghostscript, linearized by qpdf, filled
twice with an incremental update. Every field must read back as it was typed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_processor.config import Config
from forms_processor.documents import fill_pdf, template_pdf
from forms_processor.readers import read_document
from forms_processor.spec import APPLICATION, IMPACT
from tests.paper.makers import (
    compare,
    distilled,
    example_config,
    filled_twice,
    flattened,
    linearized,
    missing,
    printed_word,
    sample_values,
    spec_of,
)

pytestmark = pytest.mark.slow

PAGES = [("A4", "normal"), ("A4", "narrow"), ("Letter", "normal"), ("Letter", "narrow")]
Values = dict[str, dict[str, str | bool]]


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config, Values]:
    folder = tmp_path_factory.mktemp("paper")
    config = example_config(folder)
    values = sample_values(config, seed=7)
    # One box left unticked, so a flattened empty box must read as unticked, not as missing or ticked.
    values[APPLICATION.form_id]["data_protection"] = False
    return folder, config, values


@pytest.fixture(scope="module")
def printed(setting: tuple[Path, Config, Values]) -> dict[tuple[str, str, str], bytes]:
    reason = missing("soffice")
    if reason:
        pytest.skip(reason)
    folder, config, values = setting
    return printed_word(folder / "word", config, values, PAGES)


def check(data: bytes, form_id: str, expected: dict[str, str | bool], what: str) -> None:
    form = read_document(data, f"{what}.pdf")
    assert (form.form_id, form.reader) == (form_id, "pdf-layout"), what
    assert compare(spec_of(form_id), expected, form.fields) == [], what


@pytest.mark.parametrize(("page", "margin"), PAGES)
def test_word_form_printed_by_libreoffice(printed: dict[tuple[str, str, str], bytes],
                                          setting: tuple[Path, Config, Values], page: str, margin: str) -> None:
    _, _, values = setting
    for form_id in (APPLICATION.form_id, IMPACT.form_id):
        check(printed[(form_id, page, margin)], form_id, values[form_id], f"{form_id} {page} {margin}")


@pytest.mark.skipif(missing("gs") is not None, reason=str(missing("gs")))
@pytest.mark.parametrize(("page", "margin"), [("A4", "narrow"), ("Letter", "narrow")])
def test_word_form_printed_then_redistilled_by_ghostscript(
    printed: dict[tuple[str, str, str], bytes], setting: tuple[Path, Config, Values], page: str, margin: str
) -> None:
    """ghostscript 10 writes some glyph names cut short ("sterlin"): "£" must still read as "£"."""
    folder, _, values = setting
    for form_id in (APPLICATION.form_id, IMPACT.form_id):
        data = distilled(folder, printed[(form_id, page, margin)], f"{form_id}-{page}-{margin}")
        check(data, form_id, values[form_id], f"{form_id} {page} {margin} gs")


@pytest.mark.parametrize("how", ["pdftk", "qpdf", "pdftocairo"])
def test_filled_pdf_flattened(setting: tuple[Path, Config, Values], how: str) -> None:
    reason = missing(how)
    if reason:
        pytest.skip(reason)
    folder, config, values = setting
    for form_id in (APPLICATION.form_id, IMPACT.form_id):
        check(flattened(folder, config, form_id, values[form_id], how), form_id, values[form_id], f"{form_id} {how}")


def test_qpdf_drawing_its_own_appearances(setting: tuple[Path, Config, Values]) -> None:
    """qpdf's own appearances don't wrap a long value (it runs under the next cell, clipped)
    and draw "£" as "?": each value is still read whole, from its own box, as the page has it."""
    reason = missing("qpdf")
    if reason:
        pytest.skip(reason)
    folder, config, values = setting
    for form_id in (APPLICATION.form_id, IMPACT.form_id):
        as_drawn = {k: v.replace("£", "?") if isinstance(v, str) else v for k, v in values[form_id].items()}
        check(flattened(folder, config, form_id, values[form_id], "qpdf-own"), form_id, as_drawn, f"{form_id} qpdf-own")


@pytest.mark.skipif(missing("gs", "qpdf", "pdftocairo") is not None, reason=str(missing("gs", "qpdf", "pdftocairo")))
def test_flattened_then_redistilled_and_linearized(setting: tuple[Path, Config, Values]) -> None:
    """Printed by poppler then re-distilled by ghostscript; flattened by qpdf then linearized.

    (ghostscript 10.0's new interpreter drops the labels of the cluster's PDF template from
    page 2 on, flattened or not, so what it makes of a qpdf- or pdftk-flattened form has no
    labels left to read: not a case a reader can mend, and not tested.)"""
    folder, config, values = setting
    for form_id in (APPLICATION.form_id, IMPACT.form_id):
        printed = flattened(folder, config, form_id, values[form_id], "pdftocairo")
        check(distilled(folder, printed, f"{form_id}-cairo"), form_id, values[form_id], f"{form_id} pdftocairo gs")
        flat = flattened(folder, config, form_id, values[form_id], "qpdf")
        check(linearized(folder, flat, f"{form_id}-qpdf"), form_id, values[form_id], f"{form_id} qpdf linearized")


@pytest.mark.skipif(missing("pdftk") is not None, reason=str(missing("pdftk")))
def test_filled_twice_with_an_incremental_update_then_flattened(setting: tuple[Path, Config, Values]) -> None:
    folder, config, values = setting
    form_id = APPLICATION.form_id
    first = fill_pdf(template_pdf(APPLICATION, config), values[form_id])
    changes = {"intervention_title": "Nurture group, second try", "cost_1_amount": "£999.00"}
    again = filled_twice(first, changes)
    assert again.startswith(first)  # an incremental update: the first filling is still in the file
    expected = {**values[form_id], **changes}
    check(flattened(folder, config, form_id, expected, "pdftk", pdf=again), form_id, expected, "filled twice")
