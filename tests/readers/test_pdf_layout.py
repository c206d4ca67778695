"""The layout reader on PDFs without fields (a Word form printed to PDF), drawn with reportlab."""

from __future__ import annotations

import io

import pytest
from formbuilders import APP_VALUES, IMPACT_VALUES, layout_pdf
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from forms_processor.errors import UnreadableDocument
from forms_processor.readers import read_document
from forms_processor.spec import APPLICATION, IMPACT


def _pdf(lines: list[tuple[float, float, str]]) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 10)
    for x, y, text in lines:
        c.drawString(x, y, text)
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize(("spec", "values"), [(APPLICATION, APP_VALUES), (IMPACT, IMPACT_VALUES)])
def test_printed_form_reads_back(spec, values):
    expected = {k: v for k, v in values.items()}
    form = read_document(layout_pdf(spec, values), "printed.pdf")
    assert form.reader == "pdf-layout"
    assert form.form_id == spec.form_id
    assert form.fields == expected
    assert form.notes == []


def test_without_identity_recognised_by_labels():
    form = read_document(layout_pdf(IMPACT, IMPACT_VALUES, identity=False), "printed.pdf")
    assert form.form_id == "send-impact"
    assert form.fields == IMPACT_VALUES


def test_partly_filled_form_keeps_blanks_out():
    values = {"school_name": "Oakfield", "summary_of_need": "They need help.", "pupil_2_ref": "ZZ"}
    form = read_document(layout_pdf(APPLICATION, values), "printed.pdf")
    assert form.fields == {"school_name": "Oakfield", "summary_of_need": "They need help.", "pupil_1_ref": "ZZ"}


def test_colon_labels_ticks_and_four_columns():
    data = _pdf(
        [
            (40, 800, "Form SEND-APP v1"),
            (40, 770, "School: Oakfield Primary"),
            (40, 750, "Start date"),
            (140, 750, "01/09/2026"),
            (300, 750, "End date"),
            (400, 750, "31/03/2027"),
            (40, 730, "X"),
            (60, 730, "Parents/carers have been informed of this application"),
            (40, 710, "Data protection confirmed"),
            (300, 710, "No"),
        ]
    )
    assert read_document(data, "p.pdf").fields == {
        "school_name": "Oakfield Primary",
        "start_date": "01/09/2026",
        "end_date": "31/03/2027",
        "parents_informed": True,
        "data_protection": False,
    }


def test_value_below_its_label_until_the_next_label():
    data = _pdf(
        [
            (40, 800, "Form SEND-APP v1"),
            (40, 770, "Summary of need"),
            (40, 756, "First line of the summary"),
            (40, 742, "and its second line."),
            (40, 720, "What the school has already tried, and its"),
            (40, 706, "impact"),
            (260, 720, "Phonics groups"),
        ]
    )
    assert read_document(data, "p.pdf").fields == {
        "summary_of_need": "First line of the summary and its second line.",
        "already_tried": "Phonics groups",
    }


def test_rows_beyond_the_tables_room_are_read_for_the_checker():
    lines = [(40, 800, "Form SEND-IMP v1")]
    for x, label in zip(
        (40, 140, 240, 340, 440, 520), ("Outcome", "Measure", "Baseline", "Target", "Result", "Target met"), strict=True
    ):
        lines.append((x, 770, label))
    for r in range(5):
        y = 750 - 18 * r
        lines += [
            (40, y, f"Outcome {r + 1}"),
            (140, y, "Other"),
            (240, y, "1"),
            (340, y, "2"),
            (440, y, "3"),
            (520, y, "Met"),
        ]
    form = read_document(_pdf(lines), "p.pdf")
    assert form.fields["outcome_3_text"] == "Outcome 3"
    assert form.fields["outcome_3_met"] == "Met"
    assert form.fields["outcome_5_text"] == "Outcome 5"  # read, so the checker can tell the school
    assert form.notes == []


def test_a_printed_letter_is_not_a_form():
    data = _pdf([(40, 800, "Dear Host,"), (40, 780, "Our school would like to apply."), (40, 760, "Regards")])
    with pytest.raises(UnreadableDocument) as err:
        read_document(data, "letter.pdf")
    assert err.value.reason == "not-a-form"


def _every_wording():  # type: ignore[no-untyped-def]
    for spec in (APPLICATION, IMPACT):
        n = 0
        for f in spec.single_fields():
            for label in f.all_labels:
                n += 1
                shown = (label, label.upper() + ":", label + " *", label + " (required)")[n % 4]
                yield pytest.param(spec, f.key, shown, id=f"{spec.form_id}-{f.key}-{label}")


@pytest.mark.parametrize(("spec", "key", "label"), list(_every_wording()))
def test_every_label_and_also_seen_as_wording_printed(spec, key, label):
    ticked = spec.field(key).type.value == "checkbox"
    value, expected = ("Yes", True) if ticked else ("Value 12", "Value 12")
    from reportlab.pdfbase.pdfmetrics import stringWidth

    x = max(300.0, 40 + stringWidth(label, "Helvetica", 10) + 20)
    data = _pdf([(40, 30, spec.identity_text), (40, 700, label), (x, 700, value)])
    assert read_document(data, "printed.pdf").fields == {key: expected}
