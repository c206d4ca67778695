"""What a school is told on the web page, through a test client: its application's decision
once the response has gone (not before: a correction may still come), the response form to
download (its own only), and why the Host returned a form, on its list and on the form's page."""

from __future__ import annotations

import io
import zipfile

from starlette.testclient import TestClient

from forms_processor.api import FormsApp
from tests.host.conftest import AWKWARD_SCHOOL, Maker
from tests.web.conftest import OTHER_SCHOOL, sign_in


def as_user(client: TestClient, name: str) -> TestClient:
    c = TestClient(client.app, base_url="http://127.0.0.1")
    sign_in(c, name)
    return c


def test_a_school_sees_its_decision_once_the_response_has_gone(client: TestClient, maker: Maker,
                                                               forms: FormsApp) -> None:
    own, other = maker.application(AWKWARD_SCHOOL), maker.application(OTHER_SCHOOL)
    for ref in (own, other):
        forms.forward(ref)
        forms.decide(forms.decision_input(ref, {"decision": "declined", "feedback": "The costs are not itemised."}))
    senco, host = as_user(client, "senco"), as_user(client, "host")
    # Decided, not yet answered: the Host sees it, the school does not (yet): not in the
    # decision's section, the form's state, its history, nor the school's list.
    page = senco.get(f"/forms/{own}").text
    assert "The Working Party's decision" not in page
    assert '<strong id="state">with the Working Party</strong>' in page, page.split('id="state"')[1][:80]
    assert "declined" not in page.lower() and "decided" not in page.lower()
    row = senco.get("/school").text.split(f'id="row-{own}"')[1].split("</tr>")[0]
    assert "with the Working Party" in row and "Declined" not in row
    assert senco.get(f"/forms/{own}/response.pdf").status_code == 404
    page = host.get(f"/forms/{own}").text
    assert "The Working Party's decision" in page and "The response has not been sent to the school yet." in page

    forms.respond([own, other])
    page = senco.get(f"/forms/{own}").text
    assert '<strong id="state">with the Working Party</strong>' not in page
    history = page.split(">History</h2>")[1]
    assert "decided" not in history and "response" in history  # the response tells it, not the minutes
    decision = page.split('id="decision"')[1].split("</section>")[0]
    assert "<strong>Declined</strong>." in decision and "<dd>The costs are not itemised.</dd>" in decision
    assert f'href="/forms/{own}/response.pdf"' in decision and f'href="/forms/{own}/response.docx"' in decision
    row = senco.get("/school").text.split(f'id="row-{own}"')[1].split("</tr>")[0]
    assert "<strong>Declined</strong>" in row and f'href="/forms/{own}/response.pdf"' in row
    pdf = senco.get(f"/forms/{own}/response.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == f'attachment; filename="{own} response.pdf"'
    word = senco.get(f"/forms/{own}/response.docx")
    assert word.status_code == 200 and "word/document.xml" in zipfile.ZipFile(io.BytesIO(word.content)).namelist()
    assert [h["actor"] for h in forms.show(own)["history"] if h["action"] == "viewed-response"] == ["senco", "senco"]
    # Another school's response, or no such kind: not found, as any form it may not see.
    for path in (f"/forms/{other}/response.pdf", f"/forms/{other}/response.docx", f"/forms/{own}/response.exe"):
        assert senco.get(path).status_code == 404, path
    assert host.get(f"/forms/{other}/response.pdf").status_code == 200
    assert as_user(client, "gov").get(f"/forms/{own}/response.pdf").status_code == 403


def test_a_returned_form_says_why_and_what_to_do(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    ref = maker.application(AWKWARD_SCHOOL)
    forms.return_to_school(ref, "Section 5's costs do not add up: please correct them.")
    senco = as_user(client, "senco")
    row = senco.get("/school").text.split(f'id="row-{ref}"')[1].split("</tr>")[0]
    assert "Returned: Section 5&#39;s costs do not add up: please correct them." in row
    assert '<a href="/upload">Send the corrected form</a>' in row
    returned = senco.get(f"/forms/{ref}").text.split('id="returned"')[1].split("</section>")[0]
    assert "Section 5&#39;s costs do not add up" in returned and 'href="/upload"' in returned
    # The Host sees the reason on the form's page too, without the school's "send it again".
    host_page = as_user(client, "host").get(f"/forms/{ref}").text.split('id="returned"')[1].split("</section>")[0]
    assert "Section 5&#39;s costs" in host_page and 'href="/upload"' not in host_page
