"""Outlook .msg files: made here by a small compound-file writer (tests/mail/msg_writer.py)
and read back by the product with olefile: sender, date, subject, attachments, and forms
inside an email attached to the email."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import olefile
import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.home import Home
from forms_processor.intake.email_parts import parse_email, parse_msg
from forms_processor.intake.outlook_msg import MsgUnreadable, read_msg

from .msg_writer import Msg, MsgFile
from .test_mailbox import Forms, message
from .test_trusted_senders import MICROSOFT_FAIL

SENT = datetime(2026, 11, 27, 14, 5, 30, tzinfo=UTC)


def test_the_writer_makes_a_compound_file_olefile_reads() -> None:
    big = bytes(range(256)) * 40  # over the 4096-byte mini-stream cutoff
    data = Msg(subject="x", sender="a@b.example.org", attachments=[MsgFile("big.bin", big)]).to_bytes()
    assert olefile.isOleFile(data)
    ole = olefile.OleFileIO(data)
    assert ole.exists("__attach_version1.0_#00000000/__substg1.0_37010102")
    assert ole.openstream("__attach_version1.0_#00000000/__substg1.0_37010102").read() == big
    assert ole.openstream("__substg1.0_0037001F").read() == "x\0".encode("utf-16-le")
    ole.close()


def test_sender_date_subject_and_attachments(home: Home) -> None:
    forms = Forms(home.config)
    docx = forms.application(1, title="Speech groups")
    msg = Msg(subject="Application – Élève", sender="senco@aldborough.example.org", sent=SENT,
              message_id="<abc@aldborough.example.org>",
              attachments=[MsgFile("Candidature Ω.docx", docx), MsgFile("logo.png", b"\x89PNG...."),
                           MsgFile("image001.png", b"\x89PNG sig"), MsgFile("Thumbs.db", b"x")])
    read = read_msg(msg.to_bytes())
    assert read.subject == "Application – Élève"
    assert read.sender == "senco@aldborough.example.org"
    assert read.date == SENT
    assert read.message_id == "<abc@aldborough.example.org>"
    assert [(a.file_name, a.data) for a in read.attachments][:2] == [("Candidature Ω.docx", docx),
                                                                     ("logo.png", b"\x89PNG....")]
    parsed = parse_msg(msg.to_bytes())
    assert parsed.sender == "senco@aldborough.example.org" and parsed.date == SENT
    assert [a.file_name for a in parsed.attachments] == ["Candidature Ω.docx"]
    # The signature's picture and Windows' clutter, and a picture beside a form: nothing said.
    assert parsed.ignored == [] and sorted(parsed.junk) == ["Thumbs.db", "image001.png", "logo.png"]


def test_an_exchange_sender_and_old_eight_bit_strings() -> None:
    msg = Msg(subject="Caf\xe9 form", sender="/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=SENCO",
              addrtype="EX", smtp_address="SENCO@Aldborough.example.org", eight_bit=True,
              attachments=[MsgFile("a.pdf", b"%PDF-1.4 x")])
    read = read_msg(msg.to_bytes())
    assert read.sender == "senco@aldborough.example.org"  # the SMTP address, not the directory name
    assert read.subject == "Caf\xe9 form"
    # Without an SMTP address, a directory name is no sender at all.
    msg.smtp_address = None
    assert read_msg(msg.to_bytes()).sender is None


def test_forms_inside_forwarded_messages(home: Home) -> None:
    forms = Forms(home.config)
    pdf = forms.application(2, "pdf", title="Sensory circuits")
    docx = forms.application(1, title="Lego therapy")
    inner = Msg(subject="Our application", sender="senco@brampton.example.org", sent=SENT,
                attachments=[MsgFile("application.pdf", pdf)])
    # Attached as an Outlook item (an email inside the email), and a .msg attached as a file.
    as_file = Msg(subject="Another", sender="senco@aldborough.example.org",
                  attachments=[MsgFile("funding.docx", docx)]).to_bytes()
    outer = Msg(subject="FW: Our application", sender="senco@brampton.example.org",
                attachments=[MsgFile("Our application.msg", message=inner), MsgFile("Another.msg", as_file)])
    parsed = parse_msg(outer.to_bytes())
    assert sorted((a.file_name, a.data) for a in parsed.attachments) == sorted(
        [("application.pdf", pdf), ("funding.docx", docx)])
    # A .msg attached to an ordinary email (from the mailbox) is opened too.
    em = message("senco@brampton.example.org", "Fwd", attachments=[
        ("Our application.msg", outer.to_bytes(), ("application", "vnd.ms-outlook"))])
    assert sorted(a.file_name for a in parse_email(em.as_bytes()).attachments) == ["application.pdf", "funding.docx"]


def test_forms_ingest_of_a_msg_acknowledges_the_school(home: Home, tmp_path: Path) -> None:
    forms = Forms(home.config)
    msg = Msg(subject="Application", sender="head@aldborough.example.org", sent=SENT,
              attachments=[MsgFile("form.docx", forms.application(1, title="Real"))])
    path = tmp_path / "Application.msg"
    path.write_bytes(msg.to_bytes())
    res = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", str(path), "--json"])
    assert res.exit_code in (0, 1), res.output
    assert json.loads(res.stdout)
    with FormsApp(home) as app:
        sub = app.db.one("SELECT file_name, source, sender, subject FROM submissions")
        to = [json.loads(r["to_addrs"]) for r in app.db.query("SELECT to_addrs FROM outgoing_mail")]
    assert dict(sub) == {"file_name": "form.docx", "source": "eml", "sender": "head@aldborough.example.org",
                         "subject": "Application"}
    assert to == [["head@aldborough.example.org"]]


def test_a_received_msg_keeps_its_headers_and_a_forged_sender_is_not_answered(home: Home) -> None:
    headers = ("Authentication-Results: " + MICROSOFT_FAIL + "\r\nFrom: Head <head@aldborough.example.org>\r\n"
               "Date: Fri, 27 Nov 2026 14:05:30 +0000\r\nSubject: Forged\r\n")
    msg = Msg(subject="Forged", sender="head@aldborough.example.org", headers=headers,
              attachments=[MsgFile("form.docx", b"PK fake")])
    parsed = parse_msg(msg.to_bytes())
    assert parsed.sender is None and "dmarc=fail" in parsed.sender_check
    assert parsed.date == SENT


@pytest.mark.parametrize("data", [
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,  # the magic, then nothing sensible
    b"not an OLE file at all",
])
def test_damaged_msg_is_refused_plainly(home: Home, tmp_path: Path, data: bytes) -> None:
    with pytest.raises(MsgUnreadable):
        read_msg(data)
    path = tmp_path / "broken.msg"
    path.write_bytes(data)
    res = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", str(path)])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and "could not be read" in res.output


@pytest.mark.slow
def test_a_msg_dragged_into_the_shared_folder_is_taken_in_by_the_watcher(home: Home) -> None:
    """The SENCO's way: the email dragged from Outlook into the inbox folder; `forms watch
    --once` takes the form in, acknowledges it to the sender and archives the .msg."""
    forms = Forms(home.config)
    inner = Msg(subject="Our application", sender="senco@brampton.example.org", sent=SENT,
                attachments=[MsgFile("application.pdf", forms.application(2, "pdf", title="Sensory circuits"))])
    outer = Msg(subject="FW: Our application", sender="senco@brampton.example.org", sent=SENT,
                attachments=[MsgFile("Our application.msg", message=inner)])
    home.inbox.mkdir(parents=True, exist_ok=True)
    (home.inbox / "FW Our application.msg").write_bytes(outer.to_bytes())
    res = CliRunner().invoke(cli, ["--home", str(home.root), "watch", "--once", "--json"])
    assert res.exit_code in (0, 1), res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 1 and rows[0]["status"] in ("accepted", "invalid") and rows[0]["reference"], rows
    assert "application.pdf" in rows[0]["file"]
    assert not (home.inbox / "FW Our application.msg").exists()  # taken out of the inbox
    with FormsApp(home) as app:
        sub = app.db.one("SELECT file_name, sender FROM submissions")
        to = [json.loads(r["to_addrs"]) for r in app.db.query("SELECT to_addrs FROM outgoing_mail")]
    assert dict(sub) == {"file_name": "application.pdf", "sender": "senco@brampton.example.org"}
    assert to == [["senco@brampton.example.org"]]
