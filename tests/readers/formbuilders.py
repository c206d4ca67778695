"""Builders of real Word (.docx) and PDF forms for the reader tests.

Word files are written with python-docx, with raw XML fragments injected with
lxml for what python-docx can't write (content controls, legacy fields, tracked
changes, merged cells). PDFs are written with reportlab: fillable (AcroForm) or
as plain text in two columns (a Word form printed to PDF).
"""

from __future__ import annotations

import io
import zipfile

from docx import Document
from lxml import etree
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from forms_processor.spec import FieldType, FormSpec

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"

APP_VALUES: dict[str, str | bool] = {
    "funding_round": "Autumn 2026",
    "application_type": "Group of pupils",
    "school_name": "Oakfield Primary School",
    "senco_name": "Jo Rivers",
    "senco_email": "senco@oakfield.example.org",
    "senco_phone": "01603 555 123",
    "headteacher_name": "Pat Lane",
    "notional_sen_budget": "£42,000.00",
    "high_needs_used": "£10,000",
    "high_needs_evidence": "Funded 1:1 TA support for two pupils with EHCPs and speech therapy sessions all year.",
    "intervention_title": "Precision teaching for reading",
    "intervention_description": "Daily precision teaching sessions using an evidence based programme (EEF rated).",
    "area_of_need": "Cognition and learning",
    "start_date": "01/09/2026",
    "end_date": "31/03/2027",
    "sessions_per_week": "5",
    "session_minutes": "20",
    "delivered_by": "Teaching assistant",
    "number_of_pupils": "3",
    "pupil_1_ref": "AB",
    "pupil_1_year": "Y4",
    "pupil_1_status": "SEN support",
    "pupil_1_need": "SPLD",
    "pupil_2_ref": "CD",
    "pupil_2_year": "Y5",
    "pupil_2_status": "EHCP",
    "pupil_2_need": "MLD",
    "pupil_3_ref": "OAK-0042",
    "pupil_3_year": "Y4",
    "pupil_3_status": "SEN support",
    "summary_of_need": "All three pupils read well below age expectations and struggle with decoding.",
    "already_tried": "Phonics catch-up groups for two terms; small gains in decoding but not fluency.",
    "why_cluster_funding": "Our TA hours are fully committed to pupils with EHCPs.",
    "outcome_1_text": "Improve reading accuracy",
    "outcome_1_measure": "Standardised score",
    "outcome_1_baseline": "78",
    "outcome_1_target": "88",
    "outcome_2_text": "Improve reading age",
    "outcome_2_measure": "Reading age (months)",
    "outcome_2_baseline": "84",
    "outcome_2_target": "96",
    "cost_1_item": "TA time, 100 hours",
    "cost_1_amount": "£1,800.00",
    "cost_2_item": "Training",
    "cost_2_amount": "£350",
    "cost_3_item": "Resources & books",
    "cost_3_amount": "£250.00",
    "total_cost": "£2,400.00",
    "school_contribution": "£400.00",
    "amount_requested": "£2,000.00",
    "parents_informed": True,
    "data_protection": True,
    "senco_signature": "Jo Rivers",
    "senco_signed_date": "10/07/2026",
    "headteacher_signature": "Pat Lane",
    "headteacher_signed_date": "11/07/2026",
}

IMPACT_VALUES: dict[str, str | bool] = {
    "application_reference": "WVC-2627-AU1-003",
    "school_name": "Oakfield Primary School",
    "senco_name": "Jo Rivers",
    "senco_email": "senco@oakfield.example.org",
    "intervention_title": "Precision teaching for reading",
    "actual_start_date": "05/09/2026",
    "actual_end_date": "28/03/2027",
    "sessions_planned": "120",
    "sessions_delivered": "110",
    "pupils_supported": "3",
    "outcome_1_text": "Improve reading accuracy",
    "outcome_1_measure": "Standardised score",
    "outcome_1_baseline": "78",
    "outcome_1_target": "88",
    "outcome_1_result": "90",
    "outcome_1_met": "Exceeded",
    "pupil_voice": "The pupils say reading feels easier and they like the daily practice.",
    "parent_voice": "Parents report more reading at home.",
    "staff_evaluation": "Daily short sessions worked well; staff absence in February got in the way.",
    "next_steps": "Continue from school budget",
    "actual_spend": "£2,350.00",
    "headteacher_signature": "Pat Lane",
    "headteacher_signed_date": "02/04/2027",
}


def _shown(value: str | bool | None) -> str:
    if value is True:
        return "\u2612"
    if value is False:
        return "\u2610"
    return value or ""


# ---------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------


def _add_custom_property(data: bytes, name: str, value: str) -> bytes:
    """Add docProps/custom.xml with one string property (python-docx can't write it)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    custom = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
        f'name="{name}"><vt:lpwstr>{value}</vt:lpwstr></property></Properties>'
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/docProps/custom.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
                )
            if info.filename == "_rels/.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdCustom1" '
                    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" '
                    b'Target="docProps/custom.xml"/></Relationships>',
                )
            dst.writestr(info, body)
        dst.writestr("docProps/custom.xml", custom)
    return out.getvalue()


def docx_form(
    spec: FormSpec,
    values: dict[str, str | bool],
    *,
    footer: bool = True,
    custom_property: bool = False,
    layout: str = "two-column",
) -> bytes:
    """The form as the cluster's Word template lays it out, filled with ``values``.

    layout: "two-column" (label | value rows), "colon" ("Label: value" paragraphs),
    "four-column" (label | value | label | value rows).
    """
    doc = Document()
    doc.add_heading(spec.title, 0)
    if spec.intro:
        doc.add_paragraph(spec.intro)
    for section in spec.sections:
        doc.add_heading(section.title, 1)
        for fields in (section.fields, ()):
            _docx_fields(doc, fields, values, layout)
        if section.group is not None:
            group = section.group
            table = doc.add_table(rows=1 + group.max_rows, cols=len(group.columns))
            for c, col in enumerate(group.columns):
                table.cell(0, c).text = col.label
            for n in range(1, group.max_rows + 1):
                for c, col in enumerate(group.columns):
                    table.cell(n, c).text = _shown(values.get(group.flat_key(n, col.key)))
        _docx_fields(doc, section.after_group, values, layout)
    if footer:
        doc.sections[0].footer.paragraphs[0].text = f"{spec.identity_text}    Page 1"
    buf = io.BytesIO()
    doc.save(buf)
    data = buf.getvalue()
    if custom_property:
        data = _add_custom_property(data, "form_id", spec.form_id)
    return data


def _docx_fields(doc, fields, values, layout: str) -> None:  # type: ignore[no-untyped-def]
    if not fields:
        return
    if layout == "colon":
        for f in fields:
            doc.add_paragraph(f"{f.label}: {_shown(values.get(f.key))}")
        return
    if layout == "four-column":
        pairs = [fields[i : i + 2] for i in range(0, len(fields), 2)]
        table = doc.add_table(rows=len(pairs), cols=4)
        for r, pair in enumerate(pairs):
            for j, f in enumerate(pair):
                table.cell(r, 2 * j).text = f.label
                table.cell(r, 2 * j + 1).text = _shown(values.get(f.key))
        return
    table = doc.add_table(rows=len(fields), cols=2)
    for r, f in enumerate(fields):
        table.cell(r, 0).text = f.label
        table.cell(r, 1).text = _shown(values.get(f.key))


def docx_with_body(fragments: list[str], footer: str | None = "Form SEND-APP v1") -> bytes:
    """A Word file whose body is these raw WordprocessingML fragments (injected with lxml)."""
    doc = Document()
    body = doc.element.body
    for p in list(body):
        if not p.tag.endswith("sectPr"):
            body.remove(p)
    sect = body[-1] if len(body) else None
    for fragment in fragments:
        xml = f'<root xmlns:w="{W_NS}" xmlns:w14="{W14_NS}">{fragment}</root>'
        for el in etree.fromstring(xml):
            if sect is not None:
                sect.addprevious(el)
            else:
                body.append(el)
    if footer:
        doc.sections[0].footer.paragraphs[0].text = footer
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def p(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def tc(inner: str, props: str = "") -> str:
    if not inner.startswith("<w:p") and not inner.startswith("<w:tbl"):
        inner = p(inner)
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{inner}</w:tc>"


def tr(*cells: str) -> str:
    return (
        "<w:tr>" + "".join(c if c.startswith("<w:tc") or c.startswith("<w:sdt") else tc(c) for c in cells) + "</w:tr>"
    )


def tbl(*rows: str) -> str:
    return "<w:tbl><w:tblPr/><w:tblGrid/>" + "".join(rows) + "</w:tbl>"


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def fillable_pdf(
    spec: FormSpec,
    values: dict[str, str | bool],
    *,
    form_id_field: bool = True,
    prefix: str = "",
    radio_for: str | None = None,
    choice_for: dict[str, tuple[str, ...]] | None = None,
) -> bytes:
    """A fillable (AcroForm) PDF of the form, filled with ``values``."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    form = c.acroForm
    y = 800.0
    choice_for = choice_for or {}

    def next_row() -> float:
        nonlocal y
        y -= 22
        if y < 60:
            c.showPage()
            y = 800
        return y

    if form_id_field:
        form.textfield(
            name=f"{prefix}form_id", value=spec.form_id, x=400, y=810, width=150, height=16, fieldFlags="readOnly"
        )
    c.drawString(40, 20, spec.identity_text)
    for key in spec.flat_keys():
        fs = spec.field(key)
        row_y = next_row()
        c.setFont("Helvetica", 8)
        c.drawString(40, row_y + 4, spec.label_of(key)[:60])
        name = prefix + key
        value = values.get(key)
        if fs.type is FieldType.CHECKBOX:
            form.checkbox(name=name, checked=bool(value), x=300, y=row_y, size=14, buttonStyle="cross")
        elif key == radio_for:
            for n, option in enumerate(fs.choices):
                form.radio(
                    name=name,
                    value=option.replace(" ", "_"),
                    selected=(value == option),
                    x=300 + 20 * n,
                    y=row_y,
                    size=12,
                )
        elif key in choice_for:
            form.choice(
                name=name, value=str(value or ""), options=list(choice_for[key]), x=300, y=row_y, width=240, height=16
            )
        else:
            form.textfield(name=name, value=str(value or ""), x=300, y=row_y, width=240, height=16, fontSize=8)
    c.save()
    return buf.getvalue()


def layout_pdf(spec: FormSpec, values: dict[str, str | bool], *, identity: bool = True) -> bytes:
    """The form printed to PDF: labels left, values right, tables by columns; no fields."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    font, size, lead = "Helvetica", 9, 12
    y = 800.0

    def need(height: float) -> None:
        nonlocal y
        if y - height < 60:
            if identity:
                c.setFont(font, 7)
                c.drawString(40, 30, spec.identity_text)
            c.showPage()
            y = 800

    def write(x: float, top: float, text: str, width: float) -> float:
        c.setFont(font, size)
        lines = []
        for para in text.split("\n"):
            lines.extend(simpleSplit(para, font, size, width) or [""])
        for n, line in enumerate(lines):
            c.drawString(x, top - n * lead, line)
        return len(lines) * lead

    c.setFont("Helvetica-Bold", 13)
    c.drawString(40, y, spec.title)
    y -= 28
    for section in spec.sections:
        need(40)
        c.setFont("Helvetica-Bold", 11)
        c.drawString(40, y, section.title)
        y -= 20
        for f in (*section.fields,):
            y = _layout_field(c, f, values, y, write, need)
        if section.group is not None:
            group = section.group
            width = 500 / len(group.columns)
            need(30)
            for n, col in enumerate(group.columns):
                write(45 + n * width, y, col.label, width - 10)
            y -= 18
            for r in range(1, group.max_rows + 1):
                cells = [_shown(values.get(group.flat_key(r, col.key))) for col in group.columns]
                if not any(cells):
                    continue
                need(30)
                height = max(write(45 + n * width, y, cell, width - 10) for n, cell in enumerate(cells))
                y -= height + 6
            y -= 8
        for f in section.after_group:
            y = _layout_field(c, f, values, y, write, need)
    if identity:
        c.setFont(font, 7)
        c.drawString(40, 30, spec.identity_text)
    c.save()
    return buf.getvalue()


def _layout_field(c, f, values, y, write, need):  # type: ignore[no-untyped-def]
    value = values.get(f.key)
    text = "Yes" if value is True else ("No" if value is False else (value or ""))
    need(40)
    h1 = write(40, y, f.label, 200)
    h2 = write(260, y, str(text), 290)
    return y - max(h1, h2) - 8
