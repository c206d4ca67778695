"""The wording of the emails to schools: what each must say, and what none may say."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from forms_processor.api import FormsApp
from forms_processor.documents.fill import fill_docx
from forms_processor.documents.samples import sample_application
from forms_processor.documents.templates import template_docx
from forms_processor.home import Home
from forms_processor.intake.submission import Source, Submission
from forms_processor.mail import compose
from forms_processor.spec import APPLICATION
from forms_processor.validation.messages import error, warning

# The example cluster.toml: Autumn 2 2026, deadline Friday 4 December 2026 12:00, meeting Wednesday 9 December.
REF = "WVC-2627-AU2-014"


def test_accepted_application_gives_reference_round_deadline_meeting_and_next_steps(home: Home) -> None:
    config = home.config
    rnd = config.round_by_name("Autumn 2 2026")
    subject, body = compose.ack_accepted(
        config, REF, "Application form", rnd, [warning("start_date", "Start date", "this starts in the holidays.")]
    )
    assert subject == f"Received: your application form, reference {REF}"
    for text in (
        f"Your reference: {REF}",
        "Funding round: Autumn 2 2026",
        "Deadline for this round: Friday 4 December 2026 at 12:00",
        "Working Party meeting: Wednesday 9 December 2026",
        "What happens next:",
        "Working Party, which meets on Wednesday 9 December 2026",
        "response form by email",
        "You do not need to send it again.",
        "- Start date: this starts in the holidays.",
    ):
        assert text in body, text


def test_accepted_impact_form_does_not_promise_a_working_party_decision(home: Home) -> None:
    _, body = compose.ack_accepted(home.config, "WVC-2627-IMP-003", "Impact form", None, [])
    assert "Your reference: WVC-2627-IMP-003" in body and "What happens next:" in body
    assert "Working Party" not in body and "response form" not in body
    assert "never pupils' details" in body


def test_invalid_lists_every_message_how_to_resend_and_by_when(home: Home) -> None:
    messages = [
        error("total_cost", "Total cost", "£4,459.50 does not match the sum of the cost rows (£4,559.50)."),
        error("pupil_1_ref", "Pupil reference (pupil row 1)", "this looks like a pupil's name."),
        warning("start_date", "Start date", "this starts in the holidays."),
    ]
    subject, body = compose.ack_invalid(home.config, REF, "Application form", messages)
    assert subject == f"Please correct and resend: your application form, reference {REF}"
    assert "found 2 things to correct" in body
    assert "- Total cost: £4,459.50 does not match" in body
    assert "- Pupil reference (pupil row 1): this looks like a pupil's name." in body
    assert "How to resend:" in body and "send the whole form again" in body
    # The round comes from the reference: its deadline and meeting.
    assert "To be considered in Autumn 2 2026, the corrected form must arrive before its deadline:" in body
    assert "Friday 4 December 2026 at 12:00" in body and "Wednesday 9 December 2026" in body
    assert "- Start date: this starts in the holidays." in body.split("Also worth checking")[1]


def test_rejected_says_why_and_what_to_send_instead_without_the_file_name(home: Home) -> None:
    subject, body = compose.ack_rejected(
        home.config, "Jamie Smith application.docx", "The Word file is damaged or incomplete, so it can't be read.",
        "Please open it in Word, save it again and resend it, or send it as a PDF.",
    )
    assert "Jamie" not in subject + body and "Smith" not in subject + body
    assert "a Word file (.docx)" in body
    assert "Why: The Word file is damaged or incomplete" in body
    assert "What to send instead: Please open it in Word" in body
    assert "application form and the impact form" in body and "kept the file you sent" in body


def test_no_attachment_reply_advises_on_old_word_files_and_pictures(home: Home) -> None:
    subject, body = compose.no_attachment(home.config, "Forms for Jamie", 2, other_kinds=[".doc", ".jpg"])
    assert subject == "Re: Forms for Jamie"
    assert "2 attached files, but none was one of the cluster's forms" in body
    assert "save it as a Word document (.docx)" in body and "a picture that could not be opened" in body
    assert "to the same address you sent this email to" in body
    _, plain = compose.no_attachment(home.config, None, 0)
    assert "Your email had no form attached." in plain and "picture" not in plain


def test_real_forms_with_mistakes_get_acknowledgements_without_pupil_details(home: Home) -> None:
    """Real filled forms (Word), mistakes of every kind, through the real ingest: no email
    body quotes a pupil reference or the form's narrative."""
    config = home.config
    docx = template_docx(APPLICATION, config)
    rng = random.Random(2026)
    private: list[str] = []
    seen: set[str] = set()
    school = config.schools[1]
    with FormsApp(home) as app:
        for i in range(24):
            values, mistakes = sample_application(config, rng, school=school, mistakes=(i % 3) + 1 if i % 4 else 0,
                                                  today=date(2026, 11, 20))
            seen.update(mistakes)
            private += [str(values[k]) for k in values if k.startswith("pupil_") and k.endswith("_ref") and values[k]]
            private += [str(values[k]) for k in ("summary_of_need", "intervention_description") if values.get(k)]
            sub = Submission(data=fill_docx(docx, values), file_name=f"form {i}.docx", source=Source.EMAIL,
                             received_at=datetime(2026, 11, 29, 9, 0, tzinfo=UTC), sender=school.senco_email)
            app.ingest(sub)
        mails = app.db.query("SELECT kind, subject, body FROM outgoing_mail")
    kinds = {m["kind"] for m in mails}
    assert {"ack-accepted", "ack-invalid"} <= kinds, kinds
    assert "pupil_full_name" in seen or "pupil_upn" in seen
    assert len([p for p in private if len(p) >= 4]) > 20
    for m in mails:
        text = m["subject"] + "\n" + m["body"]
        for secret in private:
            if len(secret) >= 4:  # initials such as "JS" may occur in ordinary words
                assert secret not in text, (m["kind"], secret)
