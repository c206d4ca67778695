"""The Mail, Reports, Settings and upload screens through a test client: who may see
each, CSRF on every POST, the reports and the export as files, cluster.toml with its
mistakes, the queue and "Try again", and a SENCO's upload through the same intake as the
inbox (a real Word form made by the project's own document helpers)."""

from __future__ import annotations

import io
import sqlite3
import zipfile

import pytest
from starlette.testclient import TestClient

from forms_processor.api import FormsApp
from forms_processor.config import ConfigError, load_config
from forms_processor.documents import fill_docx, template_docx
from forms_processor.spec import APPLICATION
from tests.host.conftest import AWKWARD_SCHOOL, Maker
from tests.web.conftest import OTHER_SCHOOL, csrf_of, sign_in

PAGES = ("/mail", "/settings", "/reports", "/reports/impact", "/reports/governors", "/reports/impact/pdf",
         "/reports/governors/pdf", "/reports/export", "/upload")
ALLOWED = {
    "host": {"/mail", "/settings", "/reports", "/reports/impact", "/reports/governors", "/reports/impact/pdf",
             "/reports/governors/pdf", "/reports/export"},
    "wp": {"/reports", "/reports/impact", "/reports/governors", "/reports/impact/pdf", "/reports/governors/pdf",
           "/reports/export"},
    "fin": {"/reports", "/reports/impact", "/reports/governors", "/reports/impact/pdf", "/reports/governors/pdf",
            "/reports/export"},
    "gov": {"/reports", "/reports/impact", "/reports/governors", "/reports/impact/pdf", "/reports/governors/pdf"},
    "senco": {"/upload"},
}


def db(forms: FormsApp) -> sqlite3.Connection:
    conn = sqlite3.connect(forms.home.database)
    conn.row_factory = sqlite3.Row
    return conn


def word_form(maker: Maker, school: str, **over: object) -> bytes:
    return fill_docx(template_docx(APPLICATION, maker.app.config), maker.values(school, **over))


def test_the_new_pages_lead_to_sign_in(client: TestClient) -> None:
    for path in PAGES:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/sign-in", path


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_each_role_sees_only_its_pages(client: TestClient, name: str) -> None:
    sign_in(client, name)
    home = client.get("/").text
    for path in PAGES:
        r = client.get(path)
        expected = 200 if path in ALLOWED[name] else 403
        assert r.status_code == expected, (name, path, r.status_code)
    # Their actions too, even with the page's own token.
    csrf = csrf_of(home)
    if "/mail" not in ALLOWED[name]:
        assert client.post("/mail/retry", data={"csrf": csrf}).status_code == 403
        assert client.post("/mail/take-in", data={"csrf": csrf}).status_code == 403
        assert client.post("/mail/school-address", data={"csrf": csrf, "school": AWKWARD_SCHOOL}).status_code == 403
    if "/upload" not in ALLOWED[name]:
        r = client.post("/upload", data={"csrf": csrf}, files={"form_file": ("f.docx", b"PK", "application/octet-stream")})
        assert r.status_code == 403
    # The navigation offers exactly the screens the role may open.
    assert ('href="/mail"' in home) == ("/mail" in ALLOWED[name])
    assert ('href="/settings"' in home) == ("/settings" in ALLOWED[name])
    assert ('href="/reports"' in home) == ("/reports" in ALLOWED[name])
    assert ('href="/upload"' in home) == ("/upload" in ALLOWED[name])


def test_every_new_post_needs_the_token(client: TestClient, forms: FormsApp) -> None:
    sign_in(client, "host")
    assert client.post("/mail/retry").status_code == 403
    assert client.post("/mail/retry", data={"csrf": "forged"}).status_code == 403
    assert client.post("/mail/take-in", data={"mailbox": "x", "uidvalidity": "1", "uid": "1"}).status_code == 403
    assert client.post("/mail/school-address", data={"school": AWKWARD_SCHOOL, "mailbox": "x", "uidvalidity": "1",
                                                     "uid": "1"}).status_code == 403
    client.post("/sign-out", data={"csrf": csrf_of(client.get("/mail").text)})
    sign_in(client, "senco")
    r = client.post("/upload", files={"form_file": ("form.docx", b"PK\x03\x04", "application/octet-stream")})
    assert r.status_code == 403 and "nothing was done" in r.text
    assert db(forms).execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_settings_show_the_file_and_its_mistakes(client: TestClient, forms: FormsApp) -> None:
    sign_in(client, "host")
    page = client.get("/settings")
    assert "None: the file has no mistakes" in page.text
    assert "Wensum High School" in page.text and 'id="line-1"' in page.text
    path = forms.home.root / "cluster.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('code = "WHS"', 'code = "wensum high"', 1), encoding="utf-8")
    with pytest.raises(ConfigError) as said:
        load_config(path)
    page = client.get("/settings")
    assert page.status_code == 200 and "Mistakes to correct" in page.text
    line = next(n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "wensum high" in t)
    assert f'<a href="#line-{line}">line {line}</a>' in page.text
    assert f'<tr id="line-{line}" class="bad">' in page.text
    # The sentence is the one the commands print about the file.
    sentence = said.value.message.split(f"line {line}: ", 1)[1].strip()
    assert sentence.replace("'", "&#39;").replace('"', "&#34;") in page.text


def test_the_reports_in_the_page_and_as_files(client: TestClient, maker: Maker) -> None:
    for _ in range(3):
        maker.application(AWKWARD_SCHOOL)
    sign_in(client, "fin")
    index = client.get("/reports")
    assert 'href="/reports/impact"' in index.text and 'href="/reports/export?year=2026-27"' in index.text
    for kind, heading in (("impact", "impact of cluster SEND funding"), ("governors", "value for money")):
        page = client.get(f"/reports/{kind}")
        assert page.status_code == 200 and "<h1>" in page.text and heading in page.text
        assert '<img src="data:image/png;base64,' in page.text and "<style>" not in page.text
        assert "<script" not in page.text.split("</head>")[1]
        pdf = client.get(f"/reports/{kind}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"] == f'attachment; filename="{kind}-2026-27.pdf"'
    every = client.get("/reports/export")
    assert every.headers["content-disposition"] == 'attachment; filename="finance-all-years.xlsx"'
    sheets = zipfile.ZipFile(io.BytesIO(every.content)).namelist()
    assert any(n.startswith("xl/worksheets/") for n in sheets)
    year = client.get("/reports/export?year=2026-27")
    assert year.headers["content-disposition"] == 'attachment; filename="finance-2026-27.xlsx"'
    bad = client.get("/reports/export?year=next%20year")
    assert bad.status_code == 400 and "is not an academic year" in bad.text and "Traceback" not in bad.text
    assert client.get("/reports/nonsense").status_code == 404


def test_the_queue_and_try_again(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    ref = maker.application(AWKWARD_SCHOOL)
    conn = db(forms)
    ack = conn.execute("SELECT id, subject, body FROM outgoing_mail WHERE reference = ?", (ref,)).fetchone()
    conn.execute("UPDATE outgoing_mail SET status = 'failed', attempts = 5,"
                 " last_error = '550 5.1.1 mailbox unavailable' WHERE id = ?", (ack["id"],))
    conn.commit()
    sign_in(client, "host")
    page = client.get("/mail")
    assert "1 failed" in page.text and "550 5.1.1 mailbox unavailable" in page.text
    assert "senco@zoe-darc.example.org" in page.text
    assert ack["subject"].replace("'", "&#39;") in page.text
    body_line = next(line for line in ack["body"].splitlines() if len(line) > 30 and ref not in line)
    assert body_line not in page.text  # never the body
    assert f'aria-label="Try again: email {ack["id"]}"' in page.text
    r = client.post("/mail/retry", data={"csrf": csrf_of(page.text), "id": str(ack["id"])})
    assert r.status_code == 200 and "1 email queued to be sent again." in r.text
    assert conn.execute("SELECT status FROM outgoing_mail WHERE id = ?", (ack["id"],)).fetchone()[0] == "queued"
    assert tuple(conn.execute("SELECT actor, reason FROM events WHERE action = 'mail-retried'").fetchone()) == (
        "host", f"emails {ack['id']}")
    assert "Failed emails: 0" in r.text
    r = client.post("/mail/retry", data={"csrf": csrf_of(r.text), "id": "x1"})
    assert r.status_code == 400 and "not an email" in r.text


def test_a_senco_uploads_a_word_form(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    sign_in(client, "senco")
    school = client.get("/school")
    assert '<label for="form-file">' in school.text and ">Send the form</button>" in school.text
    data = word_form(maker, AWKWARD_SCHOOL)
    r = client.post("/upload", data={"csrf": csrf_of(school.text)},
                    files={"form_file": ("our application.docx", data, "application/octet-stream")})
    assert r.status_code == 200, r.text
    assert "Thank you: your form is recorded as " in r.text
    ref = r.text.split("recorded as ", 1)[1].split(".", 1)[0]
    form = forms.get(ref)
    assert form.school == AWKWARD_SCHOOL and form.state.value == "awaiting_check"
    conn = db(forms)
    sub = conn.execute("SELECT source, file_name FROM submissions WHERE form_ref = ?", (ref,)).fetchone()
    assert tuple(sub) == ("web", "our application.docx")
    ack = conn.execute("SELECT kind, to_addrs FROM outgoing_mail WHERE reference = ?", (ref,)).fetchone()
    assert ack["kind"] == "ack-accepted" and "senco@zoe-darc.example.org" in ack["to_addrs"]
    received = conn.execute("SELECT actor FROM events WHERE reference = ? ORDER BY id LIMIT 1", (ref,)).fetchone()
    assert received["actor"] == "senco"
    # The same file again: nothing new.
    again = client.post("/upload", data={"csrf": csrf_of(r.text)},
                        files={"form_file": ("again.docx", data, "application/octet-stream")})
    assert "This exact file was received before" in again.text
    assert conn.execute("SELECT COUNT(*) FROM forms").fetchone()[0] == 1


def test_a_form_with_mistakes_says_what_to_fix(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    sign_in(client, "senco")
    csrf = csrf_of(client.get("/upload").text)
    data = word_form(maker, AWKWARD_SCHOOL, mistakes=2)
    r = client.post("/upload", data={"csrf": csrf}, files={"form_file": ("form.docx", data, "application/octet-stream")})
    assert r.status_code == 200 and "needs correcting" in r.text and "What to fix:" in r.text
    ref = r.text.split("recorded as ", 1)[1].split(",", 1)[0]
    for m in forms.show(ref)["messages"]:
        if m["severity"] == "error":
            assert str(m["message"]).replace("'", "&#39;").replace('"', "&#34;") in r.text


def test_another_schools_form_is_refused(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    sign_in(client, "senco")
    csrf = csrf_of(client.get("/upload").text)
    data = word_form(maker, OTHER_SCHOOL)
    r = client.post("/upload", data={"csrf": csrf}, files={"form_file": ("form.docx", data, "application/octet-stream")})
    assert r.status_code == 409
    assert f"This form is for {OTHER_SCHOOL}, not" in r.text and "it was not taken in" in r.text
    conn = db(forms)
    assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM outgoing_mail").fetchone()[0] == 0


def test_a_broken_file_is_refused_plainly(client: TestClient, forms: FormsApp) -> None:
    sign_in(client, "senco")
    csrf = csrf_of(client.get("/upload").text)
    r = client.post("/upload", data={"csrf": csrf},
                    files={"form_file": ("form.docx", b"PK\x03\x04 this is not really a Word file", "application/octet-stream")})
    assert r.status_code == 400 and "The file was not taken in." in r.text
    assert "Traceback" not in r.text and "What to fix:" in r.text
    status = db(forms).execute("SELECT status FROM submissions").fetchone()[0]
    assert status == "rejected"
    r = client.post("/upload", data={"csrf": csrf})
    assert r.status_code == 400 and "Choose the form&#39;s file first" in r.text


def test_too_large_is_refused_before_it_is_read(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    forms.config = forms.config.model_copy(update={"storage": forms.config.storage.model_copy(update={"max_file_mb": 0.5})})
    limit = forms.upload_limit()
    sign_in(client, "senco")
    csrf = csrf_of(client.get("/upload").text)
    # Far over: refused from the request's length, unread, nothing recorded.
    r = client.post("/upload", data={"csrf": csrf}, files={"form_file": ("big.pdf", b"%PDF" + b"0" * (limit + 200_000), "application/pdf")})
    assert r.status_code == 413 and "larger than the largest accepted, 0.5 MB" in r.text
    assert db(forms).execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
    # Just over: the part is spooled, refused before its bytes are loaded, and noted as the inbox notes it.
    r = client.post("/upload", data={"csrf": csrf}, files={"form_file": ("big.pdf", b"%PDF" + b"0" * limit, "application/pdf")})
    assert r.status_code == 400 and "the largest accepted is" in r.text
    row = db(forms).execute("SELECT status, size FROM submissions").fetchone()
    assert row["status"] == "rejected"


def test_only_a_school_user_uploads(client: TestClient, forms: FormsApp) -> None:
    sign_in(client, "host")
    r = client.get("/upload")
    assert r.status_code == 403 and "Only a school" in r.text
    big = b"%PDF" + b"0" * (forms.upload_limit() + 100_000)
    r = client.post("/upload", data={"csrf": csrf_of(r.text)}, files={"form_file": ("big.pdf", big, "application/pdf")})
    assert r.status_code == 403 and "Only a school" in r.text
