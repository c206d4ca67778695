"""The Working Party's meeting and the round's page through a test client: the cards side by
side, each decision's fields, the budget guard before and at recording, a decided one locked,
a member from the applying school not voting, the roles and CSRF, sending the responses;
the round's problem filter and the pack downloaded."""

from __future__ import annotations

import re
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from forms_processor.api import FormsApp
from forms_processor.workflow.meeting import DECISION_FIELDS
from tests.host.conftest import AWKWARD_SCHOOL, Maker
from tests.web.conftest import OTHER_SCHOOL, csrf_of, sign_in
from tests.web.meeting_support import BUDGET, meeting_home

MEETING = "/rounds/AU2/meeting"
HX = {"HX-Request": "true"}


@pytest.fixture
def home_dir(tmp_path: Path, smtp_port: int) -> Path:
    return meeting_home(tmp_path, smtp_port)


def forwarded(maker: Maker, forms: FormsApp, *schools: str) -> list[str]:
    refs = [maker.application(s) for s in schools]
    for r in refs:
        forms.forward(r)
    return refs


def signed_in(client: TestClient, name: str) -> TestClient:
    c = TestClient(client.app, base_url="http://127.0.0.1")
    sign_in(c, name)
    return c


def decide(c: TestClient, ref: str, csrf: str, htmx: bool = False, **values: str) -> Any:
    return c.post(f"{MEETING}/{ref}/decide", data={"csrf": csrf, **values}, headers=HX if htmx else {},
                  follow_redirects=False)


def card_names(html: str) -> set[str]:
    """The names of the inputs a card asks for (beyond the token and the decision)."""
    return set(re.findall(r'name="(\w+)"', html)) - {"csrf", "decision"}


def test_the_meeting_shows_the_forwarded_applications_side_by_side(client: TestClient, maker: Maker,
                                                                   forms: FormsApp) -> None:
    mine, wensum = forwarded(maker, forms, AWKWARD_SCHOOL, OTHER_SCHOOL)
    waiting = maker.application(AWKWARD_SCHOOL)  # not forwarded: not at the meeting
    wp = signed_in(client, "wp")
    page = wp.get(MEETING)
    assert page.status_code == 200
    html = page.text
    assert f'id="card-{mine}"' in html and f'id="card-{wensum}"' in html and waiting not in html
    assert f'<a href="/forms/{mine}">{mine}</a>' in html
    amount = Decimal(forms.get(mine).amount_requested or "0")
    assert f"£{amount:,.2f}" in html and "Asked for" in html and "School's entitlement" in html
    # Wensum High's members do not vote on its application; wp (Kim Osei) is one of them.
    wensum_card = html.split(f'id="card-{wensum}"')[1].split("</article>")[0]
    assert "Not voting (from this school): Dana Reeve, Lee Carter, Robin Hale, Kim Osei." in wensum_card
    assert "You are from this school" in wensum_card and "/decide" not in wensum_card
    mine_card = html.split(f'id="card-{mine}"')[1].split("</article>")[0]
    assert "Not voting" not in mine_card and f"{MEETING}/{mine}/decide" in mine_card
    assert f"left in the round: <span id=\"money-left\">£{Decimal(BUDGET):,.2f}</span>" in html
    both = Decimal(forms.get(mine).amount_requested or "0") + Decimal(forms.get(wensum).amount_requested or "0")
    assert f"still to decide: 2 applications asking for £{both:,.2f}" in html
    assert "Send the responses" not in html  # the Host's, not the Working Party's
    # The round's page and the nav lead here.
    assert f'href="{MEETING}"' in wp.get("/rounds/AU2").text
    r = wp.get("/meeting", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/meeting")


def test_each_decision_shows_exactly_its_fields(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    (ref,) = forwarded(maker, forms, AWKWARD_SCHOOL)
    host = signed_in(client, "host")
    csrf = csrf_of(host.get(MEETING).text)
    expected = {"approved": set(), "approved-with-conditions": {"conditions", "feedback"},
                "partially-funded": {"award", "feedback"}, "deferred": {"deferred_to", "feedback"},
                "declined": {"feedback"}, "more-information": {"information_requested", "resubmit_by", "feedback"}}
    assert {k: set(v) for k, v in DECISION_FIELDS.items()} == expected
    for word, names in expected.items():
        # With htmx: the card alone, the decision's fields revealed.
        r = host.post(f"{MEETING}/{ref}/preview", data={"csrf": csrf, "decision": word}, headers=HX)
        assert r.status_code == 200 and "<html" not in r.text
        assert card_names(r.text) == names, word
        # Without script: the whole page, the same card open.
        r = host.post(f"{MEETING}/{ref}/preview", data={"csrf": csrf, "decision": word})
        card = r.text.split(f'id="card-{ref}"')[1].split("</article>")[0]
        assert r.status_code == 200 and "<html" in r.text and card_names(card) == names, word
    r = host.post(f"{MEETING}/{ref}/preview", data={"csrf": csrf, "decision": "deferred"}, headers=HX)
    assert '<option value="Spring 1 2027">' in r.text and '<option value="Autumn 1 2026">' not in r.text
    assert forms.get(ref).state.value == "with_working_party"  # a preview writes nothing


def test_the_budget_guard_before_and_at_recording(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    a, b, c = forwarded(maker, forms, AWKWARD_SCHOOL, "Marsham Primary School", "Cawston Primary School")
    asked = {r: Decimal(forms.get(r).amount_requested or "0") for r in (a, b, c)}
    budget = Decimal(BUDGET)
    assert asked[a] + asked[b] <= budget < asked[a] + asked[b] + asked[c], asked  # what the test needs
    host = signed_in(client, "host")
    csrf = csrf_of(host.get(MEETING).text)
    preview = host.post(f"{MEETING}/{a}/preview", data={"csrf": csrf, "decision": "approved"}, headers=HX)
    assert f"£{budget - asked[a]:,.2f}</strong> would be left" in preview.text
    r = decide(host, a, csrf, htmx=True, decision="approved")
    assert r.status_code == 200 and "Approved</strong>" in r.text and 'hx-swap-oob="true"' in r.text
    assert f'<span id="money-left">£{budget - asked[a]:,.2f}</span>' in r.text
    assert f'name="csrf" value="{csrf}"' in r.text.split('id="respond"')[1]  # Send the responses still works
    r = decide(host, b, csrf, decision="approved-with-conditions", conditions="Report termly.",
               feedback="A clear plan.")
    assert r.status_code == 303
    left = budget - asked[a] - asked[b]
    # The third would overspend: the guard says so before recording, and refuses at recording.
    preview = host.post(f"{MEETING}/{c}/preview", data={"csrf": csrf, "decision": "approved"}, headers=HX)
    assert "Refused before recording" in preview.text and "would overspend" in preview.text
    guard = host.post(f"{MEETING}/{c}/preview?part=guard", data={"csrf": csrf, "decision": "partially-funded",
                                                                  "award": "100"}, headers=HX)
    assert guard.text.strip().startswith('<div class="guard"') and f"£{left - 100:,.2f}</strong> would be left" in guard.text
    guard = host.post(f"{MEETING}/{c}/preview?part=guard", data={"csrf": csrf, "decision": "partially-funded",
                                                                  "award": "lots"}, headers=HX)
    assert "The money left cannot be worked out: the award &#39;lots&#39;" in guard.text
    r = decide(host, c, csrf, decision="partially-funded", award=str(asked[c]), feedback="All of it.")
    assert r.status_code == 400 and "less than the request" in r.text
    r = decide(host, c, csrf, decision="approved")
    assert r.status_code == 409 and "would overspend" in r.text and f"£{left:,.2f} is left" in r.text
    assert forms.get(c).state.value == "with_working_party"
    r = decide(host, c, csrf, decision="partially-funded", award=str(left), feedback="What is left this round.")
    assert r.status_code == 303
    assert forms.round_status("AU2")[0].money.left == 0
    page = host.get(MEETING).text
    assert f"{c}: Partially funded, £{left:,.2f} awarded" in page and '<span id="money-left">£0.00</span>' in page


def test_refusals_locked_not_voting_missing_fields(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    mine, wensum = forwarded(maker, forms, AWKWARD_SCHOOL, OTHER_SCHOOL)
    wp = signed_in(client, "wp")
    csrf = csrf_of(wp.get(MEETING).text)
    r = decide(wp, mine, csrf, decision="declined")
    assert r.status_code == 400 and "Declined needs feedback" in r.text
    r = decide(wp, mine, csrf, htmx=True, decision="declined")
    assert r.status_code == 200 and "Not recorded: Declined needs feedback" in r.text
    # Fields the decision does not take are not read (they were typed before choosing another).
    r = decide(wp, mine, csrf, decision="declined", feedback="Not this round.", award="50", conditions="x")
    assert r.status_code == 303 and forms.get(mine).state.value == "declined"
    history = [h for h in forms.show(mine)["history"] if h["action"] == "decided"]
    assert [h["actor"] for h in history] == ["wp"]
    # Decided: locked (shown, no form), and a second decision is refused.
    card = wp.get(MEETING).text.split(f'id="card-{mine}"')[1].split("</article>")[0]
    assert "Declined</strong>" in card and "Recorded by wp" in card and "Locked" in card and "<form" not in card
    r = decide(wp, mine, csrf, decision="approved")
    assert r.status_code == 409 and "Not recorded: " in r.text and "so it is locked" in r.text
    # wp is from Wensum High: it does not vote on Wensum High's application.
    r = decide(wp, wensum, csrf, decision="approved")
    assert r.status_code == 409 and "Not recorded: Kim Osei is from Wensum High School, so does not vote" in r.text
    assert forms.get(wensum).state.value == "with_working_party"
    # An application of another round (or none) is not decided from this meeting.
    waiting = maker.application(AWKWARD_SCHOOL)
    r = decide(wp, waiting, csrf, decision="declined", feedback="No.")
    assert r.status_code == 404 and "not one of the applications of Autumn 2 2026" in r.text
    assert forms.get(waiting).state.value == "awaiting_check"
    assert wp.post(f"/rounds/SP1/meeting/{mine}/decide", data={"csrf": csrf, "decision": "approved"}).status_code == 404
    # No CSRF token: refused, nothing done.
    r = wp.post(f"{MEETING}/{wensum}/decide", data={"decision": "approved"})
    assert r.status_code == 403 and forms.get(wensum).state.value == "with_working_party"


def test_who_may_see_the_meeting_and_send_the_responses(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    (ref,) = forwarded(maker, forms, AWKWARD_SCHOOL)
    for name in ("fin", "gov", "senco"):
        c = signed_in(client, name)
        assert c.get(MEETING).status_code == 403, name
        assert c.get("/meeting").status_code == 403, name
        csrf = csrf_of(c.get("/sign-in").text) if name == "senco" else csrf_of(c.get("/totals").text)
        assert decide(c, ref, csrf, decision="approved").status_code == 403, name
        assert c.post(f"{MEETING}/respond", data={"csrf": csrf}).status_code == 403, name
        assert 'href="/meeting"' not in c.get("/sign-in").text
    wp = signed_in(client, "wp")
    csrf = csrf_of(wp.get(MEETING).text)
    assert wp.post(f"{MEETING}/respond", data={"csrf": csrf}).status_code == 403
    assert forms.get(ref).state.value == "with_working_party"


def test_send_the_responses(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    a, b = forwarded(maker, forms, AWKWARD_SCHOOL, "Marsham Primary School")
    host = signed_in(client, "host")
    csrf = csrf_of(host.get(MEETING).text)
    decide(host, a, csrf, decision="approved")
    decide(host, b, csrf, decision="deferred", deferred_to="Spring 1 2027", feedback="Next round, with costs.")
    page = host.get(MEETING).text
    assert "2 decisions have no response yet" in page and ">Send the responses</button>" in page
    assert host.post(f"{MEETING}/respond", data={}).status_code == 403  # CSRF
    r = host.post(f"{MEETING}/respond", data={"csrf": csrf})
    assert r.status_code == 200
    assert "2 responses made (Word and PDF); 2 emails queued to the schools." in r.text
    assert forms.get(a).state.value == "impact_due"
    assert forms.get(b).state.value == "with_working_party" and forms.get(b).round == "Spring 1 2027"
    assert forms.mail_status()["counts"].get("queued", 0) >= 2
    assert [h["actor"] for h in forms.show(a)["history"] if h["action"] == "response"] == ["host"]
    # Once sent, nothing is made twice.
    r = host.post(f"{MEETING}/respond", data={"csrf": csrf})
    assert "Every decision recorded has its response." in r.text


def test_the_round_page_filters_by_problem(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    clean = maker.application(AWKWARD_SCHOOL)
    named = maker.ingest(maker.values(OTHER_SCHOOL, pupil_1_ref="Amy Jones"))
    assert named.status == "invalid"
    host = signed_in(client, "host")
    page = host.get("/rounds/AU2").text
    assert '<label for="f-problem">Problem</label>' in page
    assert "Pupil reference refused" in page.split(f">{named.reference}</a>")[1].split("</tr>")[0]
    for problem, shown in (("pupil-reference", {named.reference}), ("errors", {named.reference}), ("late", set())):
        html = host.get("/rounds/AU2", params={"problem": problem}).text
        assert {r for r in (clean, named.reference) if f'href="/forms/{r}"' in html} == shown, problem
    html = host.get("/rounds/AU2", params={"problem": "no-such"}).text  # an unknown problem: no filter
    assert clean in html and named.reference in html


def test_the_pack_downloads(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    host = signed_in(client, "host")
    r = host.get("/rounds/AU2/pack.pdf")
    assert r.status_code == 409 and "no pack to write" in r.text  # nothing forwarded yet
    forwarded(maker, forms, AWKWARD_SCHOOL, OTHER_SCHOOL)
    before = set(Path(tempfile.gettempdir()).glob("forms-pack-*"))
    for kind, magic in (("pdf", b"%PDF"), ("docx", b"PK"), ("xlsx", b"PK")):
        r = host.get(f"/rounds/AU2/pack.{kind}")
        assert r.status_code == 200 and r.content.startswith(magic), kind
        name = "Autumn 2 2026 decisions.xlsx" if kind == "xlsx" else f"Autumn 2 2026 pack.{kind}"
        assert r.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert set(Path(tempfile.gettempdir()).glob("forms-pack-*")) == before  # the folders are removed
    assert host.get("/rounds/AU2/pack.exe").status_code == 404
    wp = signed_in(client, "wp")
    assert wp.get("/rounds/AU2/pack.xlsx").status_code == 200
    assert signed_in(client, "gov").get("/rounds/AU2/pack.pdf").status_code == 403
