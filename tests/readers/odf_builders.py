"""OpenDocument text files written by hand (flat XML, .fodt) for LibreOffice to convert:
a form as a school's LibreOffice Writer saves it, with a footer carrying the identity."""

from __future__ import annotations

from xml.sax.saxutils import escape

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>
 <style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"
  fo:margin-top="2cm" fo:margin-bottom="1cm" fo:margin-left="2cm" fo:margin-right="2cm"/>
  <style:footer-style/></style:page-layout>
 <style:style style:name="fr1" style:family="graphic"><style:graphic-properties style:wrap="none"
  fo:border="0.5pt solid #000000"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">
 <style:footer><text:p>{footer}</text:p></style:footer></style:master-page></office:master-styles>
<office:body><office:text>
"""
TAIL = "</office:text></office:body></office:document>\n"


def para(text: str) -> str:
    return f"<text:p>{escape(text)}</text:p>"


def table(rows: list[list[str]], name: str = "T") -> str:
    width = max(len(r) for r in rows)
    out = [f'<table:table table:name="{name}"><table:table-column table:number-columns-repeated="{width}"/>']
    for row in rows:
        out.append("<table:table-row>")
        out.extend(f'<table:table-cell office:value-type="string">{para(c)}</table:table-cell>' for c in row)
        out.append("</table:table-row>")
    out.append("</table:table>")
    return "".join(out)


def flat_odt(body: str, footer: str = "Form SEND-APP v1") -> str:
    return HEAD.format(footer=escape(footer)) + body + TAIL


CONTACT_ROWS = [["School", "Oakfield Primary"], ["SENCO name", "Jo Rivers"], ["Headteacher", "Pat Lane"]]
PUPIL_ROWS = [
    ["Pupil reference", "Year group", "SEN status", "Primary need"],
    ["AB", "Y4", "SEN support", "SPLD"],
    ["CD", "Y5", "EHCP", "MLD"],
]


def form_body() -> str:
    return (table(CONTACT_ROWS, "Contacts") + para("Intervention title: Precision teaching")
            + table(PUPIL_ROWS, "Pupils"))


def flat_odt_with_text_box() -> str:
    """The form's contacts and title as "Label: value" lines inside a text box anchored in a
    paragraph, the pupils' table after it. (LibreOffice leaves out a table inside a text
    box when it saves as .docx, so the box holds lines only.)"""
    lines = "".join(para(f"{label}: {value}") for label, value in CONTACT_ROWS)
    box = (
        '<draw:frame draw:style-name="fr1" draw:name="Box1" text:anchor-type="paragraph" svg:width="16cm"'
        ' svg:height="4cm" svg:x="0cm" svg:y="0cm"><draw:text-box>' + lines
        + para("Intervention title: Precision teaching") + "</draw:text-box></draw:frame>"
    )
    return flat_odt(f"<text:p>{box}</text:p>" + table(PUPIL_ROWS, "Pupils"))


def flat_odt_form() -> str:
    """The same form as ordinary tables and paragraphs."""
    return flat_odt(form_body())
