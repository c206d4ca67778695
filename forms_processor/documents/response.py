"""The response form (forms/response.md): Word from a restylable template, and PDF.

* :func:`response_values` — the form's fields as printed text, from a decision.
* :func:`render_docx` — the Word file: docxtpl over ``form_templates/response.docx``
  (always ``autoescape=True``: without it ``&`` and text after ``<`` vanish). The
  cluster may restyle that template (letterhead, wording) in Word; it only has to
  keep the ``{{ key }}`` placeholders it wants filled.
* :func:`render_pdf` — the PDF, with reportlab (no LibreOffice), in a TrueType font
  (DejaVu Sans when installed, for £ and accents; else Helvetica).
* :func:`default_template` — the template the project ships, built here so it is
  reproducible (``form_templates/response.docx`` is this function's output).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ..errors import ConfigError
from ..spec.response import RESPONSE_FIELDS, RESPONSE_IDENTITY
from ..validation.parsing import format_date, format_money

TEMPLATE_NAME = "response.docx"
NOT_APPLICABLE = "—"
TITLE = "Response to an application for cluster SEND funding"

_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
    "C:/Windows/Fonts/DejaVuSans.ttf",
)


def _money(value: Any) -> str:
    return format_money(Decimal(str(value))) if value not in (None, "") else NOT_APPLICABLE


def _date(value: Any) -> str:
    if not value:
        return NOT_APPLICABLE
    return format_date(value if isinstance(value, date) else date.fromisoformat(str(value)))


def response_values(
    *,
    reference: str,
    school_name: str,
    intervention_title: str,
    funding_round: str,
    decision_label: str,
    amount_requested: Any,
    decision: dict[str, Any],
    signer: str,
    signed_on: date,
    cluster_name: str,
    decision_state: str | None = None,
    deferred_meeting: date | None = None,
) -> dict[str, Any]:
    """Every field of the response form as the text printed (``—`` where it does not apply),
    plus ``cluster_name``, ``title`` and ``identity`` for the template; ``show_<key>`` for
    each row that belongs on this decision's form (no impact-form or empty money rows on a
    declined, deferred or more-information response), ``rows`` the (label, text) of those,
    and ``next_steps``: what the school does now, worded for the decision."""
    v = {
        "reference": reference,
        "school_name": school_name or NOT_APPLICABLE,
        "intervention_title": intervention_title or NOT_APPLICABLE,
        "funding_round": funding_round or NOT_APPLICABLE,
        "meeting_date": _date(decision.get("meeting_date")),
        "decision": decision_label,
        "amount_requested": _money(amount_requested),
        "amount_awarded": _money(decision.get("amount_awarded") or "0"),
        "conditions": decision.get("conditions") or NOT_APPLICABLE,
        "feedback": decision.get("feedback") or NOT_APPLICABLE,
        "information_requested": decision.get("information_requested") or NOT_APPLICABLE,
        "resubmit_by": _date(decision.get("resubmit_by")),
        "deferred_to": decision.get("deferred_to") or NOT_APPLICABLE,
        "impact_due": _date(decision.get("impact_due")),
        "signed_by": f"{signer}, {format_date(signed_on)}",
    }
    state = decision_state or str(decision.get("decision") or "")
    shown = _rows_for(state)
    for key, _ in RESPONSE_FIELDS:
        v[f"show_{key}"] = key in shown and v[key] != NOT_APPLICABLE  # type: ignore[assignment]
    v["rows"] = [(label, v[key]) for key, label in RESPONSE_FIELDS if v.get(f"show_{key}")]  # type: ignore[assignment]
    v["next_steps"] = _next_steps(state, reference, v, deferred_meeting)
    v.update(
        {
            "cluster_name": cluster_name,
            "title": TITLE,
            "identity": RESPONSE_IDENTITY,
            "signer": signer,
            "signed_on": format_date(signed_on),
        }
    )
    return v


_COMMON = ("reference", "school_name", "intervention_title", "funding_round", "meeting_date", "decision",
           "amount_requested", "feedback")
_BY_DECISION = {
    "approved": ("amount_awarded", "conditions", "impact_due"),
    "approved_with_conditions": ("amount_awarded", "conditions", "impact_due"),
    "partially_funded": ("amount_awarded", "conditions", "impact_due"),
    "deferred": ("deferred_to",),
    "more_information": ("information_requested", "resubmit_by"),
    "declined": (),
}


def _rows_for(state: str) -> set[str]:
    """The rows of the response form that belong on this decision's form."""
    if state not in _BY_DECISION:  # an unknown decision: every row, as before
        return {key for key, _ in RESPONSE_FIELDS}
    return {*_COMMON, *_BY_DECISION[state]}


def _next_steps(state: str, reference: str, v: dict[str, Any], deferred_meeting: date | None) -> str:
    """What the school does now, for this decision."""
    if state in ("approved", "approved_with_conditions", "partially_funded"):
        text = (f"Please send the cluster's impact form by {v['impact_due']}, showing the outcomes the pupils "
                f"reached, with {reference} as the application reference.")
        if v.get("conditions") not in (None, NOT_APPLICABLE):
            text = "The award is made on the conditions above. " + text
        return text
    if state == "declined":
        return ("This application is now closed. The school may apply again in a later round, with a new "
                "application form.")
    if state == "deferred":
        when = f" at its meeting on {format_date(deferred_meeting)}" if deferred_meeting else ""
        return (f"The Working Party will consider this application again in {v['deferred_to']}{when}. The school "
                "need not send anything. To update the application first, send the form again with "
                f"{reference} in the box \"Previous application reference\", before that round's deadline.")
    if state == "more_information":
        return (f"What to send: {str(v['information_requested']).rstrip(' .')}. How: add it to the application form and send the "
                f"whole form again, by email or to the shared folder, with {reference} in the box \"Previous "
                f"application reference\". By when: {v['resubmit_by']}. The Working Party then considers it "
                "at its next meeting.")
    return ("Where money is awarded, please send the cluster's impact form by the date above, showing the "
            "outcomes the pupils reached.")


# -- Word ----------------------------------------------------------------------


def default_template() -> bytes:
    """The shipped Word template: a letterhead line, the fields in a table, a signature block,
    and the identity text in the footer. Placeholders are docxtpl/Jinja ``{{ key }}``."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    doc = Document()
    doc.core_properties.title = TITLE
    doc.core_properties.author = ""
    doc.core_properties.comments = RESPONSE_IDENTITY
    style = doc.styles["Normal"]
    style.font.name = "Arial"  # type: ignore[attr-defined]
    style.font.size = Pt(11)  # type: ignore[attr-defined]

    head = doc.add_paragraph()
    run = head.add_run("{{ cluster_name }}")
    run.bold = True
    run.font.size = Pt(16)
    run.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
    doc.add_heading("{{ title }}", level=1)
    doc.add_paragraph(
        "The Working Party has considered the application below. Please keep this form with the "
        "application, and quote the reference in any email about it."
    )
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for key, label in RESPONSE_FIELDS:
        if key == "signed_by":
            continue
        # Each row only on the decisions it belongs to (docxtpl row tags).
        table.add_row().cells[0].text = "{%tr if show_" + key + " %}"
        cells = table.add_row().cells
        cells[0].text = ""
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = "{{ " + key + " }}"
        table.add_row().cells[0].text = "{%tr endif %}"
    doc.add_paragraph()
    doc.add_paragraph("{{ next_steps }}")
    sig = doc.add_paragraph()
    sig.add_run("Signed for the Working Party: ").bold = True
    sig.add_run("{{ signed_by }}")
    foot = doc.sections[0].footer.paragraphs[0]
    foot.text = "{{ identity }} · {{ reference }}"
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write_default_template(folder: Path) -> Path:
    """Write the shipped template into ``folder`` (owner-only) and return its path."""
    from ..home import write_private

    path = folder / TEMPLATE_NAME
    write_private(path, default_template())
    return path


def find_template(root: Path) -> bytes:
    """The cluster's template: ``<home>/form_templates/response.docx`` if it exists, else the shipped one.

    A restyled template is tried once here, so a broken one (not a Word file, or a
    ``{{ placeholder }}`` mistyped) is a clear ConfigError before any response is written.
    """
    path = root / "form_templates" / TEMPLATE_NAME
    if not path.is_file():
        return _shipped_template()
    data = path.read_bytes()
    sample = response_values(
        reference="WVC-0000-XX-000", school_name="School", intervention_title="Intervention", funding_round="Round",
        decision_label="Approved", amount_requested="1.00", decision={}, signer="Chair",
        signed_on=date(2000, 1, 1), cluster_name="Cluster",
    )
    try:
        render_docx(data, sample)
    except Exception as exc:  # noqa: BLE001 - whatever is wrong with the file, the Host gets one message
        import zipfile

        from jinja2 import TemplateSyntaxError

        if isinstance(exc, zipfile.BadZipFile | KeyError):
            detail = "it is not a Word .docx file"
        elif isinstance(exc, TemplateSyntaxError):
            detail = f"a placeholder is mistyped: {exc.message}"
        else:
            detail = type(exc).__name__
        raise ConfigError(
            f"The response template {path} cannot be used ({detail}).",
            hint="Open it in Word and check its {{ placeholders }} (two braces each side), or move it away"
            " to use the built-in template.",
        ) from None
    return data


@lru_cache(maxsize=1)
def _shipped_template() -> bytes:
    return default_template()


def render_docx(template: bytes, values: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(template))
    tpl.render(values, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


# -- PDF -----------------------------------------------------------------------


def _matplotlib_font() -> str | None:
    """The DejaVu Sans that matplotlib (a dependency, for the charts) ships, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return None
    return str(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf")


@lru_cache(maxsize=1)
def pdf_fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans (£, accents, dashes, Polish, Greek...), from the system or
    else the copy matplotlib ships; Helvetica only if neither is there (it has £ and Western accents only)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for regular in (*_FONT_PATHS, _matplotlib_font()):
        if regular and Path(regular).is_file():
            bold = regular.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
            pdfmetrics.registerFont(TTFont("FormsSans", regular))
            pdfmetrics.registerFont(TTFont("FormsSans-Bold", bold if Path(bold).is_file() else regular))
            return "FormsSans", "FormsSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _para_text(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def _decision_table(values: dict[str, Any], label: Any, body: Any) -> Any:
    """The response's rows (only those of its decision), label beside value."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    shown = values.get("rows") or [(lbl, values.get(key, "")) for key, lbl in RESPONSE_FIELDS]
    rows = [
        [Paragraph(_para_text(lbl), label), Paragraph(_para_text(str(text)), body)]
        for lbl, text in shown
        if lbl != "Signed for the Working Party"
    ]
    # splitInRow: a long text (feedback, conditions) may run on over the page instead of failing.
    table = Table(rows, colWidths=[55 * mm, 115 * mm], splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#EEF2F7")),
            ]
        )
    )
    return table


def render_pdf(values: dict[str, Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    regular, bold = pdf_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    label = ParagraphStyle("label", parent=body, fontName=bold)
    head = ParagraphStyle(
        "head", parent=body, fontName=bold, fontSize=15, leading=19, textColor=colors.HexColor("#1F3A5F")
    )
    title = ParagraphStyle("title", parent=body, fontName=bold, fontSize=13, leading=17, spaceBefore=4, spaceAfter=6)

    table = _decision_table(values, label, body)
    story = [
        Paragraph(_para_text(values.get("cluster_name", "")), head),
        Paragraph(_para_text(TITLE), title),
        Paragraph(
            "The Working Party has considered the application below. Please keep this form with the "
            "application, and quote the reference in any email about it.",
            body,
        ),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 5 * mm),
        Paragraph(_para_text(str(values.get("next_steps") or "")), body),
        Spacer(1, 5 * mm),
        Paragraph(
            f'<font name="{bold}">Signed for the Working Party:</font> {_para_text(values.get("signed_by", ""))}', body
        ),
    ]
    footer = f"{RESPONSE_IDENTITY} · {values.get('reference', '')}"

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, footer)
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"{TITLE}: {values.get('reference', '')}",
        author=values.get("cluster_name", ""),
        subject=RESPONSE_IDENTITY,
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()
