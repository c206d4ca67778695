"""The Word reader on real .docx files: common layouts and the quirks of filled forms."""

from __future__ import annotations

import pytest
from formbuilders import APP_VALUES, IMPACT_VALUES, docx_form, docx_with_body, p, tbl, tc, tr

from forms_processor.errors import UnreadableDocument
from forms_processor.readers import read_document
from forms_processor.spec import APPLICATION, IMPACT

CHECKED_SDT = (
    '<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="{v}"/></w14:checkbox></w:sdtPr>'
    "<w:sdtContent><w:r><w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt>"
)


def sdt(content_runs: str, props: str = "") -> str:
    return f"<w:sdt><w:sdtPr>{props}</w:sdtPr><w:sdtContent>{content_runs}</w:sdtContent></w:sdt>"


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def para(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def read(data: bytes) -> dict[str, str | bool]:
    return read_document(data, "form.docx").fields


@pytest.mark.parametrize("layout", ["two-column", "colon", "four-column"])
@pytest.mark.parametrize(("spec", "values"), [(APPLICATION, APP_VALUES), (IMPACT, IMPACT_VALUES)])
def test_filled_template_reads_back(spec, values, layout):
    form = read_document(docx_form(spec, values, layout=layout), "form.docx")
    assert form.form_id == spec.form_id
    assert form.reader == "docx"
    assert form.fields == values
    assert form.notes == []


def test_identity_from_custom_property_without_footer():
    data = docx_form(IMPACT, {"school_name": "Oakfield"}, footer=False, custom_property=True)
    form = read_document(data, "x.docx")
    assert form.form_id == "send-impact"
    assert form.fields == {"school_name": "Oakfield"}


def test_form_without_identity_recognised_by_labels():
    form = read_document(docx_form(IMPACT, IMPACT_VALUES, footer=False), "x.docx")
    assert form.form_id == "send-impact"
    assert form.fields == IMPACT_VALUES
    assert any("recognised by its labels" in n for n in form.notes)


def test_a_letter_is_not_a_form():
    data = docx_with_body([p("Dear Host,"), p("Please find attached our form."), p("Kind regards")], footer=None)
    with pytest.raises(UnreadableDocument) as err:
        read_document(data, "letter.docx")
    assert err.value.reason == "not-a-form"
    assert "does not look like one of the cluster's forms" in err.value.message


def test_empty_values_are_left_out():
    form = read_document(docx_form(APPLICATION, {"school_name": "  Oakfield  "}), "x.docx")
    assert form.fields == {"school_name": "Oakfield"}


def test_aliases_and_label_folding():
    body = tbl(
        tr("NAME OF SCHOOL:", "Oakfield"),
        tr("SENDCo *", "Jo Rivers"),
        tr("Email address (required)", "jo@example.org"),
        tr("Intervention", "Precision teaching"),
        tr("Description", "A long description of the programme."),
        tr("Pupils", "2"),
        tr("Parents informed", "X"),
        tr("Data protection confirmed", "No"),
    )
    assert read(docx_with_body([body])) == {
        "school_name": "Oakfield",
        "senco_name": "Jo Rivers",
        "senco_email": "jo@example.org",
        "intervention_title": "Precision teaching",
        "intervention_description": "A long description of the programme.",
        "number_of_pupils": "2",
        "parents_informed": True,
        "data_protection": False,
    }


def test_description_in_costs_header_is_a_cost_column():
    body = tbl(
        tr("Description", "Amount"),
        tr("TA time", "£100"),
        tr("", ""),
        tr("Books", "£20"),
        tr("Total", "£120"),
    )
    fields = read(docx_with_body([p("Description: The programme"), body]))
    assert fields == {
        "intervention_description": "The programme",
        "cost_1_item": "TA time",
        "cost_1_amount": "£100",
        "cost_2_item": "Books",
        "cost_2_amount": "£20",
        "total_cost": "£120",
    }


def test_impact_start_date_alias():
    body = tbl(tr("Start date", "05/09/2026"), tr("End date", "28/03/2027"))
    data = docx_with_body([body], footer="Form SEND-IMP v1")
    assert read(data) == {"actual_start_date": "05/09/2026", "actual_end_date": "28/03/2027"}


def test_pupil_rows_beyond_the_tables_room_are_read_for_the_checker():
    rows = [tr("Pupil reference", "Year group", "SEN status", "Primary need")]
    rows += [tr(f"P{n}", "Y3", "EHCP", "") for n in range(1, 12)]
    form = read_document(docx_with_body([tbl(*rows)]), "x.docx")
    assert form.fields["pupil_8_ref"] == "P8"
    # Rows beyond the table's room are read too, so the checker can tell the school.
    assert form.fields["pupil_11_ref"] == "P11"
    assert form.notes == []


def test_row_number_column_and_blank_rows():
    rows = [
        tr("No.", "Pupil reference", "Year group", "SEN status", "Primary need"),
        tr("1", "", "", "", ""),
        tr("2", "XY", "Y6", "EHCP", "ASD"),
    ]
    assert read(docx_with_body([tbl(*rows)])) == {
        "pupil_1_ref": "XY",
        "pupil_1_year": "Y6",
        "pupil_1_status": "EHCP",
        "pupil_1_need": "ASD",
    }


def test_content_controls():
    body = tbl(
        tr("School", tc(para(sdt(run("Oakfield Primary"), '<w:tag w:val="anything"/>')))),
        tr("Primary area of need", tc(para(sdt(run("SEMH"), "<w:dropDownList/>")))),
        tr(
            "Start date",
            tc(para(sdt("", '<w:date w:fullDate="2026-09-01T00:00:00Z"><w:dateFormat w:val="dd/MM/yyyy"/></w:date>'))),
        ),
        tr("End date", tc(para(sdt(run("31/03/2027"), '<w:date w:fullDate="2027-03-31T00:00:00Z"/>')))),
        tr("Headteacher", tc(para(sdt(run("Click or tap here to enter text."), "<w:showingPlcHdr/>")))),
        tr("Parents/carers have been informed of this application", tc(para(CHECKED_SDT.format(v="1", glyph="☒")))),
        tr("No pupil names or UPNs are included in this form", tc(para(CHECKED_SDT.format(v="0", glyph="☐")))),
    )
    assert read(docx_with_body([body])) == {
        "school_name": "Oakfield Primary",
        "area_of_need": "SEMH",
        "start_date": "2026-09-01",
        "end_date": "31/03/2027",
        "parents_informed": True,
        "data_protection": False,
    }


def test_content_control_wrapping_a_cell_and_a_row():
    cell_sdt = sdt(tc("Jo Rivers"))
    row_sdt = sdt(tr("Headteacher", "Pat Lane"))
    placeholder_cell = sdt(tc("Enter a phone number"), "<w:showingPlcHdr/>")
    body = tbl(tr("SENCO name", cell_sdt), row_sdt, tr("SENCO telephone", placeholder_cell))
    assert read(docx_with_body([body])) == {"senco_name": "Jo Rivers", "headteacher_name": "Pat Lane"}


def test_tagged_content_control_is_trusted():
    body = [
        p("Some unrelated text"),
        para(sdt(run("Oakfield"), '<w:tag w:val="school_name"/>')),
        para(sdt(run("Y2"), '<w:alias w:val="pupil_1_year"/>')),
        para(CHECKED_SDT.format(v="true", glyph="☐").replace("<w:sdtPr>", '<w:sdtPr><w:tag w:val="data_protection"/>')),
        tbl(tr("Intervention title", "From the label"), tr("Total cost", "£10")),
        para(sdt(run("Overridden"), '<w:tag w:val="intervention_title"/>')),
        p("School name: Oakfield"),
        p("Number of pupils: 1"),
        p("Amount requested: £10"),
        p("Headteacher: Pat"),
    ]
    fields = read(docx_with_body(body))
    assert fields["school_name"] == "Oakfield"
    assert fields["pupil_1_year"] == "Y2"
    assert fields["data_protection"] is True  # the control's state, not its glyph
    assert fields["intervention_title"] == "Overridden"


def test_legacy_form_fields():
    def fld(ff: str, result: str = "") -> str:
        return (
            f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="F"/>{ff}</w:ffData></w:fldChar></w:r>'
            '<w:r><w:instrText xml:space="preserve"> FORMTEXT </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'{result}<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )

    body = tbl(
        tr("School", tc(para(fld("<w:textInput/>", run("Oak") + run("field"))))),
        tr("SENCO name", tc(para(fld("<w:textInput/>", run("\u2002\u2002\u2002\u2002\u2002"))))),
        tr(
            "Delivered by",
            tc(
                para(
                    fld(
                        '<w:ddList><w:result w:val="1"/><w:listEntry w:val="Teacher"/><w:listEntry w:val="HLTA"/></w:ddList>'
                    )
                )
            ),
        ),
        tr("Parents informed", tc(para(fld('<w:checkBox><w:sizeAuto/><w:default w:val="1"/></w:checkBox>')))),
        tr(
            "Data protection confirmed",
            tc(para(fld('<w:checkBox><w:default w:val="1"/><w:checked w:val="0"/></w:checkBox>'))),
        ),
    )
    assert read(docx_with_body([body])) == {
        "school_name": "Oakfield",
        "delivered_by": "HLTA",
        "parents_informed": True,
        "data_protection": False,
    }


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("☒", True),
        ("☑", True),
        ("✓", True),
        ("✔", True),
        ("✕", True),
        ("X", True),
        ("x", True),
        ("Yes", True),
        ("☐", False),
        ("No", False),
        ("Yes ☐  No ☒", False),
        ("Yes ☒  No ☐", True),
    ],
)
def test_typed_ticks(typed, expected):
    assert read(docx_with_body([tbl(tr("Parents informed", typed))])) == {"parents_informed": expected}


def test_tick_in_a_cell_before_the_label_and_in_a_paragraph():
    body = [
        tbl(tr("☒", "Parents/carers have been informed of this application")),
        p("☒ No pupil names or UPNs are included in this form"),
    ]
    assert read(docx_with_body(body)) == {"parents_informed": True, "data_protection": True}


def test_text_split_across_runs_and_tracked_changes():
    label = para(run("SEN"), run("CO "), run("name"))
    value = para(
        run("Jo "),
        '<w:del w:id="1" w:author="a" w:date="2026-01-01T00:00:00Z"><w:r><w:delText>Smith</w:delText></w:r></w:del>',
        '<w:ins w:id="2" w:author="a" w:date="2026-01-01T00:00:00Z"><w:r><w:t>Rivers</w:t></w:r></w:ins>',
    )
    body = tbl(tr(tc(label), tc(value)))
    assert read(docx_with_body([body])) == {"senco_name": "Jo Rivers"}


def test_merged_cells_are_not_duplicated():
    span = '<w:gridSpan w:val="2"/>'
    body = tbl(
        tr("School", tc("Oakfield", span)),
        tr("Pupil reference", "Year group", "SEN status", "Primary need"),
        tr(tc("AB", '<w:vMerge w:val="restart"/>'), "Y4", "EHCP", "ASD"),
        tr(tc("", "<w:vMerge/>"), "", "", ""),
        tr(tc("Pupil CD", span), "SEN support", "MLD"),
    )
    fields = read(docx_with_body([body]))
    assert fields["school_name"] == "Oakfield"
    assert fields["pupil_1_ref"] == "AB"
    assert fields["pupil_2_ref"] == "Pupil CD"
    assert fields["pupil_2_status"] == "SEN support"
    assert fields["pupil_2_need"] == "MLD"
    assert "pupil_3_ref" not in fields


def test_nested_table():
    inner = tbl(tr("School", "Oakfield"), tr("Headteacher", "Pat Lane"))
    body = tbl(tr(tc(p("Contacts") + inner), tc("")))
    assert read(docx_with_body([body])) == {"school_name": "Oakfield", "headteacher_name": "Pat Lane"}


def test_label_paragraph_then_value_paragraphs_and_box():
    body = [
        p("Summary of need"),
        p("First line of the summary."),
        p("Second line."),
        p("6. Need"),
        p("Why this cannot be met from the school's own resources"),
        tbl(tr("Because our budget is spent.")),
        tbl(tr("Summary of need"), tr("ignored: already given")),
    ]
    assert read(docx_with_body(body)) == {
        "summary_of_need": "First line of the summary.\nSecond line.",
        "why_cluster_funding": "Because our budget is spent.",
    }


def test_label_and_value_in_one_cell():
    body = tbl(tr("School: Oakfield", "SENCO name:\tJo Rivers"), tr("Summary of need\nThey struggle.\nA lot."))
    assert read(docx_with_body([body])) == {
        "school_name": "Oakfield",
        "senco_name": "Jo Rivers",
        "summary_of_need": "They struggle.\nA lot.",
    }


def _variants(label: str) -> list[str]:
    """The label as the spec says SENCOs may write it: any case, extra spaces, ':' '*' '(required)'."""
    return [
        label,
        label.upper() + ":",
        "  " + label.lower().replace(" ", "   ") + " *",
        label + " (required)",
        label + " (Required):",
        label + "*:",
    ]


def _every_wording(spec):  # type: ignore[no-untyped-def]
    n = 0
    for f in spec.single_fields():
        for label in f.all_labels:
            n += 1
            yield pytest.param(spec, f.key, _variants(label)[n % 6], id=f"{spec.form_id}-{f.key}-{label}")


@pytest.mark.parametrize(("spec", "key", "label"), [*_every_wording(APPLICATION), *_every_wording(IMPACT)])
def test_every_label_and_also_seen_as_wording(spec, key, label):
    footer = spec.identity_text
    ticked = spec.field(key).type.value == "checkbox"
    value, expected = ("X", True) if ticked else ("Value 12", "Value 12")
    assert read(docx_with_body([tbl(tr(label, value))], footer=footer)) == {key: expected}
    sep = " " if label.rstrip().endswith(":") else ": "
    assert read(docx_with_body([p(label.rstrip() + sep + value)], footer=footer)) == {key: expected}


def _every_column_wording(spec):  # type: ignore[no-untyped-def]
    n = 0
    for group in spec.groups():
        for i, col in enumerate(group.columns):
            for label in col.all_labels:
                n += 1
                header = [c.label for c in group.columns]
                header[i] = _variants(label)[n % 6]
                yield pytest.param(spec, group, col.key, header, id=f"{spec.form_id}-{group.name}-{label}")


@pytest.mark.parametrize(
    ("spec", "group", "column", "header"), [*_every_column_wording(APPLICATION), *_every_column_wording(IMPACT)]
)
def test_every_column_header_wording(spec, group, column, header):
    row = [f"V{i}" for i in range(len(header))]
    fields = read(docx_with_body([tbl(tr(*header), tr(*row))], footer=spec.identity_text))
    assert fields == {group.flat_key(1, c.key): row[i] for i, c in enumerate(group.columns)}


def test_placeholder_text_without_its_mark_is_empty():
    """LibreOffice saves an empty content control with its placeholder text but without showingPlcHdr."""
    body = [
        tbl(
            tr(
                "Previous reference", tc(para(sdt(run("Click to type"), '<w:alias w:val="continuation_of"/><w:text/>')))
            ),
            tr("Cost (£)", tc(para(sdt(run("Amount in £"), '<w:alias w:val="cost_4_amount"/><w:text/>')))),
            tr("School", tc(para(sdt(run("Oakfield"), '<w:alias w:val="school_name"/><w:text/>')))),
        )
    ]
    assert read(docx_with_body(body)) == {"school_name": "Oakfield"}
