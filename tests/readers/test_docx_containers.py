"""Word's other containers: text boxes (DrawingML with a VML fallback, or VML alone),
frames, tables in tables, repeating-section content controls, smart tags and custom XML.

The .docx files are real Word packages (python-docx), with the containers written as
Word writes them (injected with lxml); one is made by LibreOffice from a document with
a text box. Every value must be read, and read once.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from formbuilders import p, tbl, tc, tr
from lxml import etree

from forms_processor.readers import read_document

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "w15": "http://schemas.microsoft.com/office/word/2012/wordml",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
}


def docx(fragments: list[str], footer: str = "Form SEND-APP v1") -> bytes:
    doc = Document()
    body = doc.element.body
    for el in list(body):
        if not el.tag.endswith("sectPr"):
            body.remove(el)
    sect = body[-1]
    decl = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
    for fragment in fragments:
        for el in etree.fromstring(f"<root {decl}>{fragment}</root>"):
            sect.addprevious(el)
    doc.sections[0].footer.paragraphs[0].text = footer
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def drawing_text_box(content: str, with_fallback: bool = True) -> str:
    """A run holding a text box as Word 2010+ writes it: DrawingML (wps:txbx) inside
    mc:AlternateContent, with the same content again in a VML fallback."""
    choice = (
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0"'
        ' relativeHeight="1" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="5000000" cy="3000000"/><wp:wrapSquare wrapText="bothSides"/><wp:docPr id="1" name="Text Box 1"/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f"<wps:wsp><wps:cNvSpPr txBox=\"1\"/><wps:spPr/><wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx>"
        "<wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    )
    fallback = (
        '<mc:Fallback><w:pict><v:shape id="Text Box 1" type="#_x0000_t202" style="width:400pt;height:240pt">'
        f"<v:textbox><w:txbxContent>{content}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
    )
    return f"<w:r><mc:AlternateContent>{choice}{fallback if with_fallback else ''}</mc:AlternateContent></w:r>"


def vml_text_box(content: str) -> str:
    """A text box as Word 2007 (and compatibility mode) writes it: VML only."""
    return (
        '<w:r><w:pict><v:shape id="Text Box 2" type="#_x0000_t202" style="width:400pt;height:240pt">'
        f"<v:textbox><w:txbxContent>{content}</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    )


CONTACTS = tbl(tr("School", "Oakfield Primary"), tr("SENCO name", "Jo Rivers"), tr("Headteacher", "Pat Lane"))
PUPILS = tbl(
    tr("Pupil reference", "Year group", "SEN status", "Primary need"),
    tr("AB", "Y4", "SEN support", "SPLD"),
    tr("CD", "Y5", "EHCP", "MLD"),
)
EXPECTED = {
    "school_name": "Oakfield Primary", "senco_name": "Jo Rivers", "headteacher_name": "Pat Lane",
    "intervention_title": "Precision teaching",
    "pupil_1_ref": "AB", "pupil_1_year": "Y4", "pupil_1_status": "SEN support", "pupil_1_need": "SPLD",
    "pupil_2_ref": "CD", "pupil_2_year": "Y5", "pupil_2_status": "EHCP", "pupil_2_need": "MLD",
}  # fmt: skip


def read(data: bytes) -> dict[str, str | bool]:
    return read_document(data, "form.docx").fields


@pytest.mark.parametrize("with_fallback", [True, False])
def test_text_box_in_drawingml_read_once(with_fallback: bool) -> None:
    box = drawing_text_box(CONTACTS + p("Intervention title: Precision teaching") + PUPILS, with_fallback)
    assert read(docx([f"<w:p>{box}</w:p>"])) == EXPECTED


def test_text_box_in_vml_only() -> None:
    box = vml_text_box(CONTACTS + p("Intervention title: Precision teaching") + PUPILS)
    assert read(docx([f"<w:p>{box}</w:p>"])) == EXPECTED


def test_text_boxes_beside_body_text_and_inside_a_cell() -> None:
    """A paragraph's own text and its text box are read apart: the label in the paragraph
    does not swallow the box's lines, and a text box in a table cell is read too."""
    school = drawing_text_box(p("School: Oakfield Primary"))
    cell_box = drawing_text_box(p("Pat Lane"))
    body = [
        f'<w:p><w:r><w:t xml:space="preserve">SENCO name: Jo Rivers</w:t></w:r>{school}</w:p>',
        tbl(tr("Headteacher", tc(f"<w:p>{cell_box}</w:p>"))),
        p("Intervention title: Precision teaching"),
        PUPILS,
    ]
    assert read(docx(body)) == EXPECTED


def test_frames() -> None:
    """Paragraphs in a frame (w:framePr), as older forms place boxes on the page."""
    frame = '<w:pPr><w:framePr w:w="4000" w:h="600" w:hSpace="180" w:wrap="around" w:vAnchor="text" w:hAnchor="margin"/></w:pPr>'
    body = [
        f'<w:p>{frame}<w:r><w:t xml:space="preserve">School: Oakfield Primary</w:t></w:r></w:p>',
        f'<w:p>{frame}<w:r><w:t xml:space="preserve">SENCO name: Jo Rivers</w:t></w:r></w:p>',
        p("Headteacher: Pat Lane"),
        p("Intervention title: Precision teaching"),
        PUPILS,
    ]
    assert read(docx(body)) == EXPECTED


def test_tables_nested_two_deep() -> None:
    inner = tbl(tr(tc(p("Pupils") + PUPILS)))
    body = [tbl(tr(tc(p("Contacts") + CONTACTS), tc(p("Intervention title: Precision teaching")))), tbl(tr(tc(inner)))]
    assert read(docx(body)) == EXPECTED


def test_repeating_section_content_control_around_the_pupil_rows() -> None:
    def item(row: str) -> str:
        return f"<w:sdt><w:sdtPr><w15:repeatingSectionItem/></w:sdtPr><w:sdtContent>{row}</w:sdtContent></w:sdt>"

    rows = item(tr("AB", "Y4", "SEN support", "SPLD")) + item(tr("CD", "Y5", "EHCP", "MLD"))
    section = (
        '<w:sdt><w:sdtPr><w:alias w:val="Pupils"/><w15:repeatingSection/></w:sdtPr>'
        f"<w:sdtContent>{rows}</w:sdtContent></w:sdt>"
    )
    pupils = "<w:tbl><w:tblPr/><w:tblGrid/>" + tr("Pupil reference", "Year group", "SEN status", "Primary need") + section + "</w:tbl>"
    body = [CONTACTS, p("Intervention title: Precision teaching"), pupils]
    assert read(docx(body)) == EXPECTED


def test_smart_tags_and_custom_xml() -> None:
    smart = (
        '<w:p><w:r><w:t xml:space="preserve">School: </w:t></w:r><w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags"'
        ' w:element="PlaceName"><w:r><w:t>Oakfield</w:t></w:r></w:smartTag><w:r><w:t xml:space="preserve"> Primary</w:t></w:r></w:p>'
    )
    custom_run = (
        '<w:p><w:r><w:t xml:space="preserve">SENCO name: </w:t></w:r><w:customXml w:element="senco">'
        "<w:r><w:t>Jo Rivers</w:t></w:r></w:customXml></w:p>"
    )
    custom_block = f'<w:customXml w:element="head">{p("Headteacher: Pat Lane")}</w:customXml>'
    custom_cell = tbl("<w:tr>" + tc("Intervention title") + '<w:customXml w:element="title">' + tc("Precision teaching")
                      + "</w:customXml></w:tr>")
    custom_row = f'<w:customXml w:element="row">{tr("CD", "Y5", "EHCP", "MLD")}</w:customXml>'
    pupils = ("<w:tbl><w:tblPr/><w:tblGrid/>" + tr("Pupil reference", "Year group", "SEN status", "Primary need")
              + tr("AB", "Y4", "SEN support", "SPLD") + custom_row + "</w:tbl>")
    assert read(docx([smart, custom_run, custom_block, custom_cell, pupils])) == EXPECTED


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="not installed: LibreOffice (soffice)")
def test_text_box_made_by_libreoffice(tmp_path: Path) -> None:
    """A document with its form in a text box, saved as .docx by LibreOffice (DrawingML
    with a VML fallback, as LibreOffice writes it)."""
    from odf_builders import flat_odt_with_text_box

    src = tmp_path / "boxed.fodt"
    src.write_text(flat_odt_with_text_box(), encoding="utf-8")
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
         "docx:MS Word 2007 XML", "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=120,
    )
    data = (tmp_path / "boxed.docx").read_bytes()
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    assert b"<wps:txbx>" in xml and b"<v:textbox>" in xml  # DrawingML, and the VML fallback
    assert read(data) == EXPECTED
