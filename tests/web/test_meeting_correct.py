"""The meeting's words and the Host's correction through a test client: a refusal on the
meeting page names the field as the page labels it (never a command-line option), and the
Host corrects a recorded decision with its reason, as `forms decide REF --reason` does
(a Working Party member may not; a correction without its reason, or once the response
has gone, is refused)."""

from __future__ import annotations

import html as markup
import re
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from forms_processor.api import FormsApp
from forms_processor.store.decisions import decisions_of
from tests.host.conftest import AWKWARD_SCHOOL, Maker
from tests.web.conftest import csrf_of
from tests.web.meeting_support import meeting_home
from tests.web.test_meeting import HX, MEETING, decide, forwarded, signed_in


@pytest.fixture
def home_dir(tmp_path: Path, smtp_port: int) -> Path:
    return meeting_home(tmp_path, smtp_port)


def alerts(html: str) -> list[str]:
    """The text of every refusal shown on the page (role="alert")."""
    found = re.findall(r'<p class="error" role="alert"[^>]*>(.*?)</p>', html, flags=re.S)
    return [markup.unescape(re.sub(r"<[^>]+>", "", f)).strip() for f in found]


def card_of(html: str, ref: str) -> str:
    return html.split(f'id="card-{ref}"')[1].split("</article>")[0]


# Each refusal of a missing or wrong field, as typed on the meeting page, and the page's label for it.
REFUSALS = [
    ({"decision": "declined"}, "Declined needs feedback to the school.", "Feedback to the school"),
    ({"decision": "approved-with-conditions", "feedback": "Fine."}, "needs the conditions.", "Conditions"),
    ({"decision": "partially-funded", "feedback": "Part."}, "Partially funded needs the amount awarded.",
     "Amount awarded"),
    ({"decision": "partially-funded", "feedback": "Part.", "award": "0"}, "must award more than £0.00",
     "Amount awarded"),
    ({"decision": "more-information", "feedback": "More."},
     "More information requested needs the information requested", "Information requested"),
    ({"decision": "more-information", "feedback": "More.", "information_requested": "Baselines"},
     "needs the date to resubmit by.", "Resubmit by"),
    ({"decision": "deferred", "feedback": "Later."}, "Deferred needs the round it is deferred to.",
     "Deferred to the round"),
    ({"decision": "deferred", "feedback": "Later.", "deferred_to": "Autumn 1 2026"},
     "can only be deferred to a later round", "Deferred to the round"),
    ({}, "Choose a decision first.", None),
]


@pytest.mark.parametrize(("typed", "said", "label"), REFUSALS, ids=[r[1][:30] for r in REFUSALS])
def test_a_refusal_on_the_meeting_page_names_no_option(client: TestClient, maker: Maker, forms: FormsApp,
                                                       typed: dict[str, str], said: str, label: str | None) -> None:
    (ref,) = forwarded(maker, forms, AWKWARD_SCHOOL)
    host = signed_in(client, "host")
    csrf = csrf_of(host.get(MEETING).text)
    for htmx in (False, True):
        r = decide(host, ref, csrf, htmx=htmx, **typed)
        assert r.status_code == (200 if htmx else 400)
        (shown,) = alerts(card_of(r.text, ref))
        assert shown.startswith("Not recorded: ") and said in shown, shown
        assert "--" not in shown and "column" not in shown, shown
        if label is not None:  # the field it names is on the card, under that label, marked
            field = re.search(rf'<label for="([\w-]+)">{re.escape(label)}', r.text)
            assert field, label
            assert re.search(rf'id="{field.group(1)}"[^>]*aria-invalid="true"', r.text, flags=re.S), label
    assert forms.get(ref).state.value == "with_working_party"


def test_the_host_corrects_a_decision_with_its_reason(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    (ref,) = forwarded(maker, forms, AWKWARD_SCHOOL)
    asked = Decimal(forms.get(ref).amount_requested or "0")
    host = signed_in(client, "host")
    csrf = csrf_of(host.get(MEETING).text)
    assert decide(host, ref, csrf, decision="declined", feedback="Not this round.").status_code == 303
    card = card_of(host.get(MEETING).text, ref)
    # Locked, with the Host's control: the correction's form, the decision in force filled in.
    assert "<summary>Correct this decision</summary>" in card and f'action="{MEETING}/{ref}/correct"' in card
    assert f'action="{MEETING}/{ref}/decide"' not in card
    assert '<label for="reason-' in card and ">Reason for the correction</label>" in card
    assert 'value="declined" required checked' in card and ">Not this round.</textarea>" in card
    assert "forms decide" not in card and "--reason" not in card

    # The reason is required: refused, nothing written, the card open with what was typed.
    r = host.post(f"{MEETING}/{ref}/correct", data={"csrf": csrf, "decision": "partially-funded",
                                                    "award": "500", "feedback": "Half after all."})
    assert r.status_code == 400
    card = card_of(r.text, ref)
    assert "A correction needs the reason for the correction" in " ".join(alerts(card))
    assert "<details class=\"correct\" id=\"correct-" in card and " open>" in card.split("<summary>")[0]
    assert re.search(r'id="reason-[^"]+"[^>]*aria-invalid="true"', card) and 'value="500"' in card
    assert len(decisions_of(forms.db, ref)) == 1 and forms.get(ref).state.value == "declined"
    # A preview keeps the correction open (htmx asks for the card).
    r = host.post(f"{MEETING}/{ref}/preview", data={"csrf": csrf, "decision": "approved", "correcting": "1"},
                  headers=HX)
    assert f'action="{MEETING}/{ref}/correct"' in r.text and ">Reason for the correction</label>" in r.text
    assert f"£{Decimal('12000') - asked:,.2f}</strong> would be left" in r.text

    # With its reason: recorded as the CLI's correction, in the Host's name.
    r = host.post(f"{MEETING}/{ref}/correct", data={"csrf": csrf, "decision": "partially-funded", "award": "500",
                                                    "feedback": "Half after all.", "reason": "The minutes were misread."},
                  follow_redirects=False)
    assert r.status_code == 303
    first, second = decisions_of(forms.db, ref)
    assert second["replaces"] == first["id"] and second["reason"] == "The minutes were misread."
    assert second["decided_by"] == "host" and Decimal(second["amount_awarded"]) == Decimal("500.00")
    assert forms.get(ref).state.value == "partially_funded"
    corrected = [h for h in forms.show(ref)["history"] if h["action"] == "decision corrected"]
    assert [h["actor"] for h in corrected] == ["host"] and "The minutes were misread." in corrected[0]["reason"]
    page = host.get(MEETING).text
    assert f"Corrected: {ref}: Partially funded, £500.00 awarded" in page
    assert "Partially funded</strong>: £500.00 awarded" in card_of(page, ref)

    # With htmx: the card alone comes back, locked again, saying what was done.
    r = host.post(f"{MEETING}/{ref}/correct", data={"csrf": csrf, "decision": "declined", "feedback": "No.",
                                                    "reason": "The chair's note."}, headers=HX)
    assert r.status_code == 200 and "<html" not in r.text and f"Corrected: {ref}: Declined" in r.text
    assert forms.get(ref).state.value == "declined"

    # Once the response has gone: no control, and a correction posted all the same is refused.
    assert host.post(f"{MEETING}/respond", data={"csrf": csrf}).status_code == 200
    card = card_of(host.get(MEETING).text, ref)
    assert "Correct this decision" not in card and "the response has gone to the school" in card
    r = host.post(f"{MEETING}/{ref}/correct", data={"csrf": csrf, "decision": "approved", "reason": "Too late."})
    assert r.status_code == 409 and "can no longer change" in " ".join(alerts(card_of(r.text, ref)))
    assert len(decisions_of(forms.db, ref)) == 3 and forms.get(ref).state.value == "closed"


def test_only_the_host_corrects(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    (ref,) = forwarded(maker, forms, AWKWARD_SCHOOL)
    wp = signed_in(client, "wp")
    csrf = csrf_of(wp.get(MEETING).text)
    assert decide(wp, ref, csrf, decision="approved").status_code == 303
    card = card_of(wp.get(MEETING).text, ref)
    assert "Correct this decision" not in card and "/correct" not in card
    assert "Until the response goes, the SEND Host can correct it." in card
    r = wp.post(f"{MEETING}/{ref}/correct", data={"csrf": csrf, "decision": "declined", "feedback": "No.",
                                                  "reason": "I changed my mind."})
    assert r.status_code == 403
    # Nor through the decision's own form, with a reason slipped in: it is not read there.
    r = decide(wp, ref, csrf, decision="declined", feedback="No.", reason="I changed my mind.")
    assert r.status_code == 409 and "so it is locked" in r.text
    # A preview asking for the correction's card shows a member no correction either.
    r = wp.post(f"{MEETING}/{ref}/preview", data={"csrf": csrf, "decision": "declined", "correcting": "1"}, headers=HX)
    assert "/correct" not in r.text
    assert len(decisions_of(forms.db, ref)) == 1 and forms.get(ref).state.value == "approved"
    for name in ("fin", "gov"):
        other = signed_in(client, name)
        token = csrf_of(other.get("/totals").text)
        assert other.post(f"{MEETING}/{ref}/correct", data={"csrf": token, "decision": "declined",
                                                            "reason": "x"}).status_code == 403, name
