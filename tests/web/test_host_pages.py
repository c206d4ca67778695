"""The Host's own screens through the web page: Today showing every list of 'forms status'
(counted and cut short), a round's page a hundred at a time, and on a form's page moving it
to another round, the previous and next forms of its list, and the Word original as a PDF."""

from __future__ import annotations

import random
import re
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from starlette.testclient import TestClient

from forms_processor.api import FormsApp, json_data
from forms_processor.documents import fill_docx, template_docx
from forms_processor.documents.samples import sample_impact
from forms_processor.intake.submission import Source, Submission
from forms_processor.readers.legacy import libreoffice
from forms_processor.spec import IMPACT
from forms_processor.web import round_page
from tests.host.conftest import AWKWARD_SCHOOL, ROUND, Maker
from tests.host.test_move import late_application
from tests.host.test_today import award
from tests.web.conftest import OTHER_SCHOOL, csrf_of, sign_in

NEXT_ROUND = "Spring 1 2027"


def test_today_shows_every_item_of_forms_status(client: TestClient, forms: FormsApp, maker: Maker,
                                                home_dir: Path) -> None:
    to_check = maker.application(AWKWARD_SCHOOL)
    late = late_application(forms, maker)
    soon, _ = award(home_dir, maker, "Cawston Primary School", "07/12/2026", "15/12/2026")
    later, later_values = award(home_dir, maker, "Oulton Junior School", "07/12/2026", "04/01/2027")
    school = forms.config.school_by_name("Oulton Junior School")
    impact_values = sample_impact(forms.config, random.Random(5), later, school, later_values, date(2027, 1, 10))
    impact = forms.ingest(Submission(data=fill_docx(template_docx(IMPACT, forms.config), impact_values),
                                     file_name="impact.docx", source=Source.CLI,
                                     received_at=datetime(2027, 1, 10, 9, 0, tzinfo=UTC)))
    assert impact.status == "accepted"
    decided = maker.application(OTHER_SCHOOL)
    forms.forward(decided)
    forms.decide(forms.decision_input(decided, {"decision": "declined", "feedback": "The budget is spent."}))
    returned = maker.application(OTHER_SCHOOL)
    forms.return_to_school(returned, "The costs do not add up.")
    with forms.db.atomic() as conn:
        conn.execute("UPDATE outgoing_mail SET status = 'failed' WHERE reference = ? AND kind = 'response'", (soon,))

    sign_in(client, "host")
    page = client.get("/today").text
    panel = client.get("/today/panel").text
    status = json_data(forms.host_today())
    lists = ("to_check", "impact_to_accept", "responses_to_write", "impact_due_this_month", "impact_overdue",
             "failed_emails")
    shown = [i["reference"] for name in lists for i in status[name]]
    assert {to_check, late, impact.reference, decided, soon} <= set(shown)
    for ref in shown:
        assert f">{ref}</a>" in page and f">{ref}</a>" in panel, ref
    titles = {"impact_to_accept": "Impact forms to accept", "responses_to_write": "Responses to write",
              "impact_due_this_month": "Impact forms due this month", "impact_overdue": "Impact forms overdue",
              "failed_emails": "Emails that failed"}
    for name, title in titles.items():
        if status[name]:
            assert f'{title}: <span class="count">{len(status[name])}</span>' in page, title
    # Late arrivals are listed apart, and marked in their round.
    late_section = page[page.index('id="late-h"'):page.index("</section>", page.index('id="late-h"'))]
    assert f">{late}</a>" in late_section and f">{to_check}</a>" not in late_section
    assert re.search(rf'{late}</a></td>.*?<strong class="warn">late</strong>', page, re.S)
    assert f'<span class="count" data-round="{ROUND}">2</span>' in page
    assert "Waiting for a school's correction: 1" in page and f">{returned}</a>" in page
    nxt = status["next_deadline"]
    assert f"Next deadline: {nxt['round']}" in page


def test_today_counts_and_cuts_long_lists(client: TestClient, forms: FormsApp, maker: Maker,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    refs = [maker.application(AWKWARD_SCHOOL) for _ in range(3)]
    counted = forms.host_today_counted(limit=2)
    group = next(g for g in counted.to_check if g.round == ROUND)
    assert (group.total, [i.reference for i in group.items], group.more) == (3, refs[:2], 1)
    monkeypatch.setattr("forms_processor.web.today.SHOWN", 2)
    sign_in(client, "host")
    page = client.get("/today").text
    assert f'data-round="{ROUND}">3</span>' in page and f">{refs[2]}</a>" not in page
    assert f"And 1 more (the oldest are listed first): forms check --round &#34;{ROUND}&#34;." in page


def test_a_round_page_a_hundred_at_a_time(client: TestClient, maker: Maker, monkeypatch: pytest.MonkeyPatch) -> None:
    refs = [maker.application(AWKWARD_SCHOOL) for _ in range(3)]
    monkeypatch.setattr(round_page, "SHOWN", 2)
    sign_in(client, "host")
    first = client.get("/rounds/AU2").text
    assert "Applications: 3" in first and f">{refs[0]}</a>" in first and f">{refs[2]}</a>" not in first
    assert '<a href="/rounds/AU2?from=2">The next 1</a>' in first
    second = client.get("/rounds/AU2?from=2").text
    assert f">{refs[2]}</a>" in second and f">{refs[0]}</a>" not in second and "The 2 before" in second
    assert "Listed: 3 to 3" in second
    filtered = client.get("/rounds/AU2", params={"state": "awaiting_check", "school": AWKWARD_SCHOOL}).text
    assert "Applications: 3" in filtered and "from=2&amp;state=awaiting_check&amp;school=" in filtered
    assert client.get("/rounds/AU2?from=nonsense").status_code == 200


def test_move_to_another_round_as_the_cli(client: TestClient, forms: FormsApp, maker: Maker) -> None:
    late = late_application(forms, maker)
    sign_in(client, "host")
    page = client.get(f"/forms/{late}").text
    assert 'id="late"' in page and '<details class="actions more" id="move" open>' in page
    assert '<label for="move-round">Round to move it to</label>' in page
    assert '<label for="move-reason">Reason</label>' in page
    assert re.search(rf'<option value="{NEXT_ROUND}" selected>{NEXT_ROUND} \(deadline', page)
    assert f'<option value="{ROUND}"' not in page  # not to the round it is in
    token = csrf_of(page)
    r = client.post(f"/forms/{late}/move", data={"csrf": token, "round": NEXT_ROUND, "reason": " "})
    assert r.status_code == 400 and "needs the reason" in r.text and 'id="move-error"' in r.text
    r = client.post(f"/forms/{late}/move", data={"csrf": token, "round": NEXT_ROUND,
                                                 "reason": "It arrived after the Autumn 2 deadline."})
    assert r.status_code == 200 and f"moved from {ROUND} to {NEXT_ROUND}" in r.text
    assert forms.get(late).round == NEXT_ROUND
    moved = [h for h in forms.show(late)["history"] if h["action"] == "moved"]
    assert [(h["actor"], h["reason"]) for h in moved] == [
        ("host", f"from {ROUND} to {NEXT_ROUND}: It arrived after the Autumn 2 deadline.")]
    # The same refusals as forms move: to the round it is in now, or once decided.
    r = client.post(f"/forms/{late}/move", data={"csrf": csrf_of(r.text), "round": NEXT_ROUND, "reason": "Again."})
    assert r.status_code == 409 and "is already in" in r.text
    decided = maker.application(AWKWARD_SCHOOL)
    forms.forward(decided)
    forms.decide(forms.decision_input(decided, {"decision": "declined", "feedback": "The budget is spent."}))
    page = client.get(f"/forms/{decided}").text
    assert "Move to another round" not in page
    r = client.post(f"/forms/{decided}/move", data={"csrf": csrf_of(page), "round": NEXT_ROUND, "reason": "Later."})
    assert r.status_code == 409 and forms.get(decided).round == ROUND


def test_a_school_may_not_move(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    ref = maker.application(AWKWARD_SCHOOL)
    sign_in(client, "senco")
    page = client.get(f"/forms/{ref}")
    assert page.status_code == 200 and "Move to another round" not in page.text and 'rel="next"' not in page.text
    r = client.post(f"/forms/{ref}/move", data={"csrf": csrf_of(page.text), "round": NEXT_ROUND, "reason": "x"})
    assert r.status_code == 403 and forms.get(ref).round == ROUND


def test_previous_and_next_in_the_list(client: TestClient, maker: Maker) -> None:
    a, b, c = (maker.application(AWKWARD_SCHOOL) for _ in range(3))
    sign_in(client, "host")
    page = client.get(f"/forms/{b}?in=awaiting_check").text
    assert f'<a rel="prev" href="/forms/{a}?in=awaiting_check">Previous: {a}</a>' in page
    assert f'<a rel="next" href="/forms/{c}?in=awaiting_check">Next: {c}</a>' in page
    assert '<script src="/static/keys.js" defer></script>' in page and "<kbd>j</kbd> or <kbd>n</kbd> next" in page
    first = client.get(f"/forms/{a}?in=awaiting_check").text
    assert 'rel="prev"' not in first and "No previous form" in first
    # Forwarded from the list, the page still leads on through that list.
    r = client.post(f"/forms/{b}/forward?in=awaiting_check", data={"csrf": csrf_of(page)})
    assert r.status_code == 200 and str(r.url).endswith(f"/forms/{b}?in=awaiting_check")
    assert f'rel="next" href="/forms/{c}?in=awaiting_check"' in r.text
    # Without ?in, the list is the form's own state's: b is now the only one with the Working Party.
    alone = client.get(f"/forms/{b}").text
    assert 'rel="next"' not in alone and 'rel="prev"' not in alone
    keys = client.get("/static/keys.js")
    assert keys.status_code == 200 and 'a[rel="' in keys.text
    assert client.get(f"/forms/{b}?in=nonsense").status_code == 200


@pytest.mark.skipif(libreoffice() is None, reason="LibreOffice is not installed")
def test_the_word_original_shown_as_a_pdf(client: TestClient, maker: Maker, forms: FormsApp) -> None:
    ref = maker.application(AWKWARD_SCHOOL)
    sign_in(client, "host")
    page = client.get(f"/forms/{ref}").text
    assert f'<iframe src="/forms/{ref}/original.pdf#navpanes=0" title="The original Word form, shown as a PDF">' in page
    assert f'href="/forms/{ref}/original?download=1">Download the original (Word)' in page
    r = client.get(f"/forms/{ref}/original.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    from io import BytesIO

    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(r.content)).pages)
    assert "Zo" in text and "SEND" in text  # the school's name and the form's title, as Word lays them out
    kept = list((forms.home.data / "previews").glob("*.pdf"))
    assert len(kept) == 1 and stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(kept[0].parent.stat().st_mode) == 0o700
    made = kept[0].stat().st_mtime_ns
    assert client.get(f"/forms/{ref}/original.pdf").content == r.content and kept[0].stat().st_mtime_ns == made
    assert [h["actor"] for h in forms.show(ref)["history"] if h["action"] == "viewed-original"] == ["host", "host"]
    # Under the retention policy the PDF made goes with the original.
    forms.withdraw(ref, "No longer needed.")
    with forms.db.atomic() as conn:  # received eight years ago
        conn.execute("UPDATE submissions SET received_at = '2018-01-10T09:00:00+00:00'")
    report = forms.retention(apply=True)
    assert report.due == [ref] and not kept[0].exists()
    # A PDF original is shown as it is: nothing is made.
    pdf = maker.application(AWKWARD_SCHOOL, kind="pdf")
    assert f'<iframe src="/forms/{pdf}/original#navpanes=0" ' in client.get(f"/forms/{pdf}").text
    assert "could not be shown as a PDF" in client.get(f"/forms/{pdf}/original.pdf").text


def test_without_libreoffice_the_word_original_is_offered_for_download(
        client: TestClient, maker: Maker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("forms_processor.service.users.libreoffice", lambda: None)
    ref = maker.application(AWKWARD_SCHOOL)
    sign_in(client, "host")
    page = client.get(f"/forms/{ref}").text
    assert "<iframe" not in page and "Download the original (Word)" in page
    assert "could not be shown as a PDF" in client.get(f"/forms/{ref}/original.pdf").text
    # Another school's form is not shown, as a PDF or otherwise.
    sign_in(client, "senco")
    other = maker.application(OTHER_SCHOOL)
    assert client.get(f"/forms/{other}/original.pdf").status_code == 404


def test_today_polls_and_is_answered_only_when_something_changed(client: TestClient, maker: Maker) -> None:
    sign_in(client, "host")
    page = client.get("/today").text
    seen = re.search(r'hx-get="/today/panel\?seen=([0-9a-f]{16})"', page)
    assert seen, "the page polls with the digest of what it shows"
    r = client.get(f"/today/panel?seen={seen.group(1)}", headers={"HX-Request": "true"})
    assert r.status_code == 204 and r.content == b""  # nothing swapped: the keyboard's focus stays put
    ref = maker.application(AWKWARD_SCHOOL)
    r = client.get(f"/today/panel?seen={seen.group(1)}", headers={"HX-Request": "true"})
    assert r.status_code == 200 and f">{ref}</a>" in r.text and r.text.startswith('<div id="today"')
    assert seen.group(1) not in r.text
