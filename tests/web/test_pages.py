"""The web page through a test client: sign-in, sessions, CSRF, throttling, headers,
roles, a school's view, the form's page and the check's actions, the event log."""

from __future__ import annotations

import sqlite3

from starlette.testclient import TestClient

from forms_processor.api import FormsApp
from tests.host.conftest import AWKWARD_SCHOOL, AWKWARD_TITLE, Maker
from tests.web.conftest import OTHER_SCHOOL, PASSWORD, FakeClock, csrf_of, sign_in


def events(forms: FormsApp, action: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(forms.home.database)
    conn.row_factory = sqlite3.Row
    rows = list(conn.execute("SELECT * FROM events WHERE action = ? ORDER BY id", (action,)))
    conn.close()
    return rows


def test_every_page_leads_to_sign_in(client: TestClient) -> None:
    for path in ("/", "/today", "/today/panel", "/totals", "/school", "/forms/WVC-2627-AU2-001",
                 "/forms/WVC-2627-AU2-001/original", "/no/such/page"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/sign-in", path
    r = client.get("/today", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.headers["HX-Redirect"] == "/sign-in"
    page = client.get("/sign-in")
    assert '<label for="username">Username</label>' in page.text
    assert '<label for="password">Password</label>' in page.text
    assert ">Sign in</button>" in page.text


def test_headers_and_cookie(client: TestClient) -> None:
    r = client.get("/sign-in")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in r.text and " on" not in r.text.split("<body")[1].split(">")[0]
    r = sign_in(client, "host")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert r.status_code == 303 and r.headers["location"] == "/today"


def test_a_fresh_session_at_sign_in(client: TestClient) -> None:
    client.get("/sign-in")
    before = client.cookies.get("forms_session")
    sign_in(client, "host")
    after = client.cookies.get("forms_session")
    assert before and after and before != after
    # The session from before signing in is not signed in (fixation).
    other = TestClient(client.app, base_url="http://127.0.0.1")
    other.cookies.set("forms_session", before)
    assert other.get("/today", follow_redirects=False).status_code == 303


def test_wrong_name_and_wrong_password_say_the_same(client: TestClient, forms: FormsApp) -> None:
    wrong_password = sign_in(client, "host", "not the password")
    wrong_name = sign_in(client, "nobody", PASSWORD)
    assert wrong_password.status_code == wrong_name.status_code == 401
    assert "The username or password is not right." in wrong_password.text
    assert wrong_password.text.replace("host", "X").count("not right") == wrong_name.text.count("not right")
    assert [e["actor"] for e in events(forms, "sign-in-refused")] == ["host", "nobody"]


def test_throttled_after_five_tries_a_minute(client: TestClient, clock: FakeClock) -> None:
    for _ in range(5):
        assert sign_in(client, "host", "wrong wrong wrong").status_code == 401
    r = sign_in(client, "host", PASSWORD)  # even the right password, now
    assert r.status_code == 429 and "Too many tries" in r.text
    assert sign_in(client, "wp").status_code == 303  # another name is not held up
    clock.now += 61
    assert sign_in(client, "host").status_code == 303


def test_idle_session_expires(client: TestClient, clock: FakeClock) -> None:
    sign_in(client, "host")
    assert client.get("/today").status_code == 200
    clock.now += 29 * 60
    assert client.get("/today").status_code == 200  # activity keeps it alive
    clock.now += 29 * 60
    client.get("/today/panel")  # the page polling by itself is not activity
    clock.now += 2 * 60
    r = client.get("/today", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"


def test_csrf_on_every_post(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    ref = maker.application(AWKWARD_SCHOOL)
    sign_in(client, "host")
    assert client.post(f"/forms/{ref}/forward").status_code == 403
    assert client.post(f"/forms/{ref}/forward", data={"csrf": "forged"}).status_code == 403
    assert client.post(f"/forms/{ref}/return", data={"reason": "x"}).status_code == 403
    assert client.post("/sign-out").status_code == 403
    assert forms.get(ref).state.value == "awaiting_check"
    # Signing in needs the sign-in page's own token too.
    fresh = TestClient(client.app, base_url="http://127.0.0.1")
    r = fresh.post("/sign-in", data={"username": "host", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403


def test_forward_and_return_as_the_cli(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    a, b = maker.application(AWKWARD_SCHOOL), maker.application(AWKWARD_SCHOOL)
    sign_in(client, "host")
    page = client.get(f"/forms/{a}")
    assert "Forward to the Working Party" in page.text and '<label for="return-reason">Reason</label>' in page.text
    r = client.post(f"/forms/{a}/forward", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 200 and "forwarded to the Working Party" in r.text
    assert forms.get(a).state.value == "with_working_party"
    assert "Forward to the Working Party" not in r.text  # nothing more to check
    # Forwarding again is refused as on the command line.
    again = client.post(f"/forms/{a}/forward", data={"csrf": csrf_of(r.text)})
    assert again.status_code == 409
    # A return needs a reason.
    page = client.get(f"/forms/{b}")
    r = client.post(f"/forms/{b}/return", data={"csrf": csrf_of(page.text), "reason": "  "})
    assert r.status_code == 400 and "needs the reason" in r.text and "--reason" not in r.text
    r = client.post(f"/forms/{b}/return", data={"csrf": csrf_of(page.text), "reason": "The costs do not add up."})
    assert r.status_code == 200 and "returned to the school" in r.text
    assert forms.get(b).state.value == "returned"
    returned = [h for h in forms.show(b)["history"] if h["action"] == "returned"]
    assert [(h["actor"], h["reason"]) for h in returned] == [("host", "The costs do not add up.")]


def test_views_are_in_the_event_log(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    ref = maker.application(AWKWARD_SCHOOL)
    sign_in(client, "wp")
    assert client.get(f"/forms/{ref}").status_code == 200
    assert client.get(f"/forms/{ref}/original").status_code == 200
    viewed = events(forms, "viewed")
    assert [(e["actor"], e["reference"]) for e in viewed] == [("wp", ref)]
    assert [e["actor"] for e in events(forms, "viewed-original")] == ["wp"]
    assert [e["actor"] for e in events(forms, "signed-in")] == ["wp"]


def test_a_field_holding_script_is_shown_as_text(client: TestClient, maker: Maker) -> None:
    ref = maker.application(AWKWARD_SCHOOL, intervention_title="<script>alert(1)</script> group")
    sign_in(client, "host")
    page = client.get(f"/forms/{ref}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; group" in page
    today = client.get("/today").text
    assert "<script>alert" not in today and "&lt;script&gt;alert(1)" in today


def test_each_role_is_refused_what_it_may_not_do(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    ref = maker.application(AWKWARD_SCHOOL)
    may = {
        "host": {"/today": 200, "/totals": 200, f"/forms/{ref}": 200},
        "wp": {"/today": 403, "/totals": 200, f"/forms/{ref}": 200},
        "fin": {"/today": 403, "/totals": 200, f"/forms/{ref}": 403},
        "gov": {"/today": 403, "/totals": 200, f"/forms/{ref}": 403, f"/forms/{ref}/original": 403},
        "senco": {"/today": 403, "/totals": 403, f"/forms/{ref}": 200, "/school": 200},
    }
    for name, pages in may.items():
        c = TestClient(client.app, base_url="http://127.0.0.1")
        assert sign_in(c, name).status_code == 303
        for path, status in pages.items():
            assert c.get(path).status_code == status, (name, path)
        if name != "host":
            r = c.post(f"/forms/{ref}/forward", data={"csrf": _csrf(c)})
            assert r.status_code == 403 and "Your role does not include this page" in r.text, name
    assert forms.get(ref).state.value == "awaiting_check"


def _csrf(c: TestClient) -> str:
    for path in ("/school", "/totals", "/today"):
        r = c.get(path)
        if r.status_code == 200 and 'name="csrf"' in r.text:
            return csrf_of(r.text)
    raise AssertionError("no page with a token")


def test_a_school_sees_only_its_own_forms(client: TestClient, maker: Maker) -> None:
    own = maker.application(AWKWARD_SCHOOL)
    other = maker.application(OTHER_SCHOOL)
    sign_in(client, "senco")
    listing = client.get("/school").text
    assert own in listing and other not in listing
    assert client.get(f"/forms/{own}").status_code == 200
    assert "Forward to the Working Party" not in client.get(f"/forms/{own}").text
    # Guessing: every reference of the other school, and references that do not exist,
    # answer the same 404, so nothing tells which exist.
    prefix = other.rsplit("-", 1)[0]
    for n in range(1, 6):
        guess = f"{prefix}-{n:03d}"
        if guess == own:
            continue
        for path in (f"/forms/{guess}", f"/forms/{guess}/original"):
            r = client.get(path)
            assert r.status_code == 404, path
            assert "that you may see" in r.text


def test_sign_out_ends_the_session(client: TestClient) -> None:
    sign_in(client, "host")
    page = client.get("/today")
    r = client.post("/sign-out", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/today", follow_redirects=False).status_code == 303


def test_a_removed_user_is_signed_out(client: TestClient, forms: FormsApp) -> None:
    sign_in(client, "wp")
    assert client.get("/totals").status_code == 200
    forms.remove_user("wp")
    assert client.get("/totals", follow_redirects=False).status_code == 303


def test_awkward_names_are_shown_as_text(client: TestClient, maker: Maker) -> None:
    ref = maker.application(AWKWARD_SCHOOL, intervention_title=AWKWARD_TITLE)
    sign_in(client, "host")
    page = client.get(f"/forms/{ref}").text
    assert "Zoë d&#39;Arc &amp; St Éloi Primary School" in page
    assert "Lego &amp; &lt;social&gt; skills" in page


def test_a_round_page_and_forwarding_the_clean_ones(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    refs = [maker.application(AWKWARD_SCHOOL), maker.application(OTHER_SCHOOL), maker.application(OTHER_SCHOOL)]
    clean = [s.reference for s in forms.clean_applications("AU2")]
    assert clean, "the sample forms should have some clean ones"
    sign_in(client, "host")
    page = client.get("/rounds/AU2")
    assert page.status_code == 200 and all(r in page.text for r in refs)
    assert '<label for="f-state">State</label>' in page.text and '<label for="f-school">School</label>' in page.text
    only = client.get("/rounds/AU2", params={"school": AWKWARD_SCHOOL}).text
    assert refs[0] in only and refs[1] not in only
    assert refs[0] not in client.get("/rounds/AU2", params={"state": "returned"}).text
    confirm = client.get("/rounds/AU2/forward-clean")
    assert all(r in confirm.text for r in clean)
    # The list changed after the confirmation was shown: nothing is forwarded.
    forms.forward(clean[0])
    r = client.post("/rounds/AU2/forward-clean", data={"csrf": csrf_of(confirm.text), "reference": clean})
    assert r.status_code == 409 and "nothing was forwarded" in r.text
    assert all(forms.get(ref).state.value == "awaiting_check" for ref in clean[1:])
    confirm = client.get("/rounds/AU2/forward-clean")
    rest = [ref for ref in clean[1:]]
    r = client.post("/rounds/AU2/forward-clean", data={"csrf": csrf_of(confirm.text), "reference": rest})
    assert r.status_code == 200 and f"{len(rest)} application" in r.text
    assert all(forms.get(ref).state.value == "with_working_party" for ref in clean)
    events_of = [h for h in forms.show(clean[-1])["history"] if h["action"] == "forwarded"]
    assert [h["actor"] for h in events_of] == ["host"]


def test_who_may_see_a_round(client: TestClient) -> None:
    for name, status in (("wp", 200), ("fin", 403), ("gov", 403), ("senco", 403)):
        c = TestClient(client.app, base_url="http://127.0.0.1")
        sign_in(c, name)
        r = c.get("/rounds/AU2")
        assert r.status_code == status, name
        if status == 200:
            assert "Forward the" not in r.text
        assert c.get("/rounds/AU2/forward-clean").status_code == 403


def test_withdraw_and_exception_as_the_cli(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    ref = maker.application(AWKWARD_SCHOOL)
    sign_in(client, "host")
    page = client.get(f"/forms/{ref}")
    # This application does not break the £10,000 rule: the exception is refused, as in forms check.
    r = client.post(f"/forms/{ref}/exception", data={"csrf": csrf_of(page.text), "reason": "EHCP transfer."})
    assert r.status_code == 409 and "needs no exception" in r.text and 'id="exception-error"' in r.text
    r = client.post(f"/forms/{ref}/withdraw", data={"csrf": csrf_of(page.text), "reason": ""})
    assert r.status_code == 400 and "needs the reason" in r.text
    r = client.post(f"/forms/{ref}/withdraw", data={"csrf": csrf_of(page.text), "reason": "The pupils left."})
    assert r.status_code == 200 and "is now withdrawn" in r.text
    assert forms.get(ref).state.value == "withdrawn"
    assert "Withdraw the application" not in r.text and "Forward to the Working Party" not in r.text
    assert [h["actor"] for h in forms.show(ref)["history"] if h["action"] == "withdrawn"] == ["host"]
