"""What the school receives over SMTP is plain text: the same text as the .eml preview.

yagmail's own message builder turns every newline of a text body into ``<br>``; the
SMTP transport therefore sends the message :func:`build_eml` makes (the .eml preview's
builder) over yagmail's connection. Here the message aiosmtpd received is decoded and
compared with the body that was queued and with the .eml file written for the same mail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from forms_processor.home import Home
from forms_processor.mail import compose
from forms_processor.mail.queue import OutgoingMail, enqueue
from forms_processor.mail.sender import _row_to_mail, send_due, transport_for
from forms_processor.mail.transport import FileTransport
from forms_processor.store.db import Database
from tests.support import wait_for

from .conftest import SmtpServer, with_smtp

T0 = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


def _text_parts(msg: EmailMessage) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_attachment():
            parts[part.get_content_type()] = part.get_content()
    return parts


def test_smtp_text_part_is_plain_and_equals_the_eml_preview(home: Home, smtp_server: SmtpServer) -> None:
    subject, body = compose.ack_rejected(home.config, "Form <draft> & notes £.docx", "The file is not a form.",
                                         "Send the form again.\nThank you.")
    assert "\n\n" in body  # a real body with paragraphs
    resp = home.responses
    resp.mkdir(parents=True, exist_ok=True)
    (resp / "form.pdf").write_bytes(b"%PDF-1.4 response form")
    db = Database(home.database)
    try:
        with db.atomic() as conn:
            assert enqueue(conn, OutgoingMail(
                dedupe_key="plain:1", kind="ack-rejected", to=("senco@aldborough.example.org",),
                cc=("head@aldborough.example.org",), subject=subject, body=body,
                attachments=("outbox/responses/form.pdf",),
            )) is not None
        db.execute("UPDATE outgoing_mail SET next_attempt_at = ?, created_at = ?", (T0.isoformat(), T0.isoformat()))
        h = with_smtp(home, smtp_server.port)
        transport = transport_for(h)
        try:
            report = send_due(db, h, transport, T0)
        finally:
            transport.close()
        assert len(report.sent) == 1, report
        rec = wait_for(lambda: smtp_server.received)[0]
        assert set(rec.rcpt_tos) == {"senco@aldborough.example.org", "head@aldborough.example.org"}
        assert rec.mail_from == "send.host@wensum-high.example.org"
        received = rec.message
        parts = _text_parts(received)
        assert set(parts) == {"text/plain"}  # no HTML part at all
        sent_text = parts["text/plain"]
        assert "<br" not in sent_text.lower() and "<div" not in sent_text.lower()
        assert sent_text.replace("\r\n", "\n") == body.rstrip("\n") + "\n"  # the body as composed
        assert [p.get_filename() for p in received.iter_attachments()] == ["form.pdf"]

        # The preview written when no SMTP is set says exactly the same.
        preview = FileTransport(home.root / "preview", home.root, sender="send.host@wensum-high.example.org")
        where = preview.send(_row_to_mail(db.query("SELECT * FROM outgoing_mail")[0]))
        eml = message_from_bytes(Path(where.removeprefix("file:")).read_bytes(), policy=policy.default)
        assert isinstance(eml, EmailMessage)
        assert {k: v.replace("\r\n", "\n") for k, v in _text_parts(eml).items()} == {
            k: v.replace("\r\n", "\n") for k, v in parts.items()}
        assert received["Subject"] == eml["Subject"] == subject
        assert received["Message-ID"] == eml["Message-ID"]
    finally:
        db.close()
