"""A form photographed and sent by email, with no Word or PDF form beside it: read by OCR as a
picture dropped in the inbox is, and accepted for the Host to confirm; a photo too poor to read
refused politely; a signature's logo beside a text-only email never answered as a picture.

The photo is made as tests/readers/test_scans.py makes one: the filled Word form printed to PDF
by LibreOffice, its page rendered by pdftoppm, turned, speckled, unevenly lit, saved as a JPEG.
It is attached to real emails taken in by 'forms ingest' (a saved .eml) and by a poll of a real
IMAP server (pymap).
"""

from __future__ import annotations

import io
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.config import Config, Imap
from forms_processor.home import Home
from forms_processor.spec import IMPACT
from forms_processor.workflow.mailbox import poll_mailbox
from tests.mail.test_mailbox import append, imap_port, mail_app, message, outgoing
from tests.paper.makers import example_config, missing, photographed, printed_word, sample_values
from tests.paper.test_junk import signed

__all__ = ["imap_port", "mail_app"]  # the real IMAP server's fixtures, used below

pytestmark = pytest.mark.slow

CONFIRM = "will confirm the values read from the scan"


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    """The impact form filled, printed, and its one page photographed: (the JPEG, the school's name)."""
    reason = missing("soffice", "pdftoppm", "tesseract")
    if reason:
        pytest.skip(f"a photographed form needs LibreOffice, poppler and Tesseract: {reason}")
    folder = tmp_path_factory.mktemp("photo")
    config = example_config(folder / "cfg")
    values = {IMPACT.form_id: sample_values(config, seed=5)[IMPACT.form_id]}
    (pdf,) = printed_word(folder, config, values, [("A4", "normal")]).values()
    return photographed(folder, pdf, "phone", angle=1.5, seed=4), str(values[IMPACT.form_id]["school_name"])


def poor_photo() -> bytes:
    """A blurred, dark photo of a page of lines (as a page of handwriting is to Tesseract)."""
    from PIL import Image, ImageDraw, ImageFilter

    page = Image.new("L", (1654, 2339), 90)
    draw = ImageDraw.Draw(page)
    for n in range(40):
        draw.line((100, 100 + 50 * n, 1500, 120 + 50 * n), fill=30, width=9)
    out = io.BytesIO()
    page.filter(ImageFilter.GaussianBlur(6)).convert("RGB").save(out, format="JPEG")
    return out.getvalue()


def senco_of(config: Config, school_name: str) -> str:
    school = config.find_school(school_name)
    assert school is not None and school.senco_email
    return school.senco_email


def from_phone(sender: str, subject: str, jpeg: bytes) -> EmailMessage:
    """As a phone's mail program sends a photo: a line of text, the photo inside it (inline,
    with a Content-ID, named image0.jpeg as iOS Mail names it)."""
    msg = message(sender, subject, body="Here is our impact form.")
    msg.add_attachment(jpeg, maintype="image", subtype="jpeg", filename="image0.jpeg", disposition="inline",
                       cid="<photo-0@phone.example>")
    return msg


def test_a_photo_attached_to_a_saved_email_is_read_and_awaits_the_hosts_confirmation(
        home: Home, photo: tuple[bytes, str], tmp_path: Path) -> None:
    jpeg, school_name = photo
    sender = senco_of(home.config, school_name)
    # Outlook's way: a text and HTML body with the signature's logo inside it, and the photo attached.
    em = signed(sender, "Impact form", body="Please find a photo of our impact form.",
                attachments=[("IMG_2041.jpg", jpeg, ("image", "jpeg"))])
    eml = tmp_path / "Impact form.eml"
    eml.write_bytes(em.as_bytes())
    done = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", "--json", str(eml)], catch_exceptions=False)
    (row,) = json.loads(done.stdout)
    assert row["status"] == "accepted" and row["reference"], (row, done.stderr)
    assert row["file"].endswith("IMG_2041.jpg") and "Traceback" not in done.stderr
    with FormsApp(home) as app:
        form = app.get(row["reference"])
        review = app.scan_review(row["reference"])
        assert form.form_id == IMPACT.form_id and form.reader == "scan"
        assert form.state.value == "awaiting_check" and form.awaits_scan_confirmation
        assert review is not None and review.picture and not review.confirmed and review.values
        sub = app.db.one("SELECT file_name, source, sender FROM submissions")
        assert (sub["file_name"], sub["source"], sub["sender"]) == ("IMG_2041.jpg", "eml", sender)
        mails = outgoing(app)
    # One email to the school, the acknowledgement of a scan; nothing about the logo.
    assert [m["kind"] for m in mails] == ["ack-accepted"], mails
    assert CONFIRM in mails[0]["body"] and "(a scan)" in mails[0]["subject"]
    assert sender in mails[0]["to_addrs"] and "image001" not in mails[0]["body"]


def test_the_mailbox_reads_a_phones_photo_refuses_a_poor_one_and_passes_over_a_logo(
        mail_app: tuple[FormsApp, Imap], imap_port: int, photo: tuple[bytes, str]) -> None:
    app, cfg = mail_app
    jpeg, school_name = photo
    sender = senco_of(app.config, school_name)
    other = next(s.senco_email for s in app.config.schools if s.senco_email and s.senco_email != sender)
    assert other
    append(imap_port, from_phone(sender, "Impact form", jpeg))
    append(imap_port, message(other, "Our form", attachments=[("scan.jpg", poor_photo(), ("image", "jpeg"))]))
    append(imap_port, signed(other, "A question", body="When is the deadline?"))
    report = poll_mailbox(app, cfg)
    assert [m.outcome for m in report.messages] == ["ingested", "ingested", "no-attachment"], report
    photo_row, poor_row = report.messages[0].results[0], report.messages[1].results[0]
    assert photo_row["status"] == "accepted" and photo_row["reference"], photo_row
    assert poor_row["status"] == "rejected", poor_row
    form = app.get(photo_row["reference"])
    assert form.reader == "scan" and form.state.value == "awaiting_check" and form.awaits_scan_confirmation
    assert app.db.one("SELECT source, file_name FROM submissions WHERE form_ref = ?",
                      (photo_row["reference"],))["file_name"] == "image0.jpeg"

    mails = {m["kind"]: m for m in outgoing(app)}
    assert sorted(mails) == ["ack-accepted", "ack-rejected", "no-attachment"], mails
    ack = mails["ack-accepted"]
    assert sender in ack["to_addrs"] and CONFIRM in ack["body"]
    # The poor photo: refused in plain words, asking for the Word or PDF form; its name never quoted.
    refused = mails["ack-rejected"]
    assert other in refused["to_addrs"] and "could not be read well enough" in refused["body"]
    assert "Word or PDF form" in refused["body"] and "scan.jpg" not in refused["body"]
    # The text-only email with its signature's logo: the usual reply, nothing said of a picture.
    reply = mails["no-attachment"]
    assert "no form attached" in reply["body"] and "picture" not in reply["body"]
