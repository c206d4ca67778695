"""Junk a school's computer adds to a zip or an email is passed over without a word.

Real zips (as a Mac's Archive Utility makes them: ``__MACOSX/._form.docx`` resource
forks beside each file, ``.DS_Store``), real emails with a signature's pictures, and a
real IMAP server (pymap) so the emails the school would get are the ones counted.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.config import Imap
from forms_processor.home import Home
from forms_processor.intake.email_parts import is_junk_path, parse_email
from forms_processor.workflow.mailbox import poll_mailbox
from tests.mail.test_mailbox import DOCX, Forms, append, imap_port, mail_app, message, outgoing

__all__ = ["imap_port", "mail_app"]  # the real IMAP server's fixtures, used below

# A 1x1 PNG, as a signature's logo is.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def apple_double(real_name: str) -> bytes:
    """The bytes a Mac writes as ``__MACOSX/._<name>``: an AppleDouble header (magic,
    version, one Finder-info entry) padded as macOS does."""
    header = struct.pack(">IIxxxxxxxxxxxxxxxxH", 0x00051607, 0x00020000, 1)
    entry = struct.pack(">III", 9, 50, 32)  # Finder info at offset 50, 32 bytes
    return header + entry + b"\x00" * 32 + f"com.apple.quarantine;{real_name}".encode() + b"\x00" * 3000


def mac_zip(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Forms/", b"")
        zf.writestr("__MACOSX/", b"")
        for name, data in files:
            zf.writestr(f"Forms/{name}", data)
            zf.writestr(f"__MACOSX/Forms/._{name}", apple_double(name))
        zf.writestr("Forms/.DS_Store", b"\x00\x00\x00\x01Bud1" + b"\x00" * 2000)
        zf.writestr("__MACOSX/Forms/._.DS_Store", apple_double(".DS_Store"))
        zf.writestr("Forms/Thumbs.db", b"\xd0\xcf\x11\xe0" + b"\x00" * 500)
    return buf.getvalue()


def signed(sender: str, subject: str, body: str = "Our form is attached.",
           attachments: list[tuple[str, bytes, tuple[str, str]]] = ()) -> EmailMessage:  # type: ignore[assignment]
    """An email as Outlook sends one with a signature: text and HTML bodies, the logo
    shown inside the HTML (multipart/related, a Content-ID, named image001.png), then
    the attachments."""
    msg = message(sender, subject, body=body)
    msg.add_alternative(f'<p>{body}</p><p><img src="cid:image001.png@01DA"></p>', subtype="html")
    html = msg.get_payload()[1]
    html.add_related(PNG, maintype="image", subtype="png", cid="<image001.png@01DA>", filename="image001.png")
    for name, data, (maintype, subtype) in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def test_junk_paths() -> None:
    for junk in ("__MACOSX/._form.docx", "__MACOSX/Forms/form.docx", "Forms/._form.pdf", ".DS_Store",
                 "a/b/Thumbs.db", "desktop.ini", "~$form.docx"):
        assert is_junk_path(junk), junk
    for form in ("form.docx", "Forms/Marsham application.pdf", "my._form.docx"):
        assert not is_junk_path(form), form


def test_a_mac_zip_gives_its_forms_and_nothing_else(tmp_path: Path, home: Home) -> None:
    forms = Forms(home.config)
    school = home.config.schools[1]
    assert school.senco_email
    zipped = mac_zip([("one.docx", forms.application(1, title="Precision teaching")),
                      ("two.pdf", forms.application(1, "pdf", title="Nurture group"))])
    em = signed(school.senco_email, "Two forms", attachments=[("Forms.zip", zipped, ("application", "zip"))])
    parsed = parse_email(em.as_bytes())
    assert sorted(a.file_name for a in parsed.attachments) == ["one.docx", "two.pdf"]
    assert parsed.ignored == []
    assert len(parsed.junk) >= 6  # two resource forks, .DS_Store and its fork, Thumbs.db, the logo

    # Through the command line as a saved email: two forms, no refusal among them.
    eml = tmp_path / "two forms.eml"
    eml.write_bytes(em.as_bytes())
    result = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", "--json", str(eml)], catch_exceptions=False)


    results = json.loads(result.stdout)
    assert sorted(r["file"].rsplit("> ", 1)[-1] for r in results) == ["one.docx", "two.pdf"]
    assert {r["status"] for r in results} <= {"accepted", "invalid"}


def test_a_folder_unzipped_on_a_mac_is_read_without_its_junk(tmp_path: Path, home: Home) -> None:
    forms = Forms(home.config)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(io.BytesIO(mac_zip([("one.docx", forms.application(1))]))) as zf:
        zf.extractall(folder)
    assert (folder / "__MACOSX" / "Forms" / "._one.docx").exists()
    result = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", "--json", str(folder)], catch_exceptions=False)


    results = json.loads(result.stdout)
    assert [Path(r["file"]).name for r in results] == ["one.docx"], results


def test_signature_pictures_and_pictures_beside_a_form_draw_no_word(home: Home) -> None:
    forms = Forms(home.config)
    photo = ("photo of the work.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, ("image", "jpeg"))
    em = signed("a@b.example.org", "Form", attachments=[
        ("form.docx", forms.application(1), DOCX), photo, ("image002.png", PNG, ("image", "png"))])
    parsed = parse_email(em.as_bytes())
    assert [a.file_name for a in parsed.attachments] == ["form.docx"]
    assert parsed.ignored == []

    # A picture on its own is the form photographed or scanned: it is taken, to be read by OCR.
    alone = parse_email(message("a@b.example.org", "Scan", attachments=[photo]).as_bytes())
    assert [a.file_name for a in alone.attachments] == ["photo of the work.jpg"] and alone.ignored == []
    # A photo a phone put inside the text (inline, with a Content-ID) is taken too.
    phoned = message("a@b.example.org", "Photo of our form")
    phoned.add_attachment(b"\xff\xd8\xff\xe0" + bytes(200_000), maintype="image", subtype="jpeg",
                          filename="IMG_2041.jpg", disposition="inline", cid="<photo-1@phone>")
    assert [a.file_name for a in parse_email(phoned.as_bytes()).attachments] == ["IMG_2041.jpg"]
    # An email whose only picture is its signature's logo carries no attempt at all.
    logo_only = parse_email(signed("a@b.example.org", "Question", body="When is the deadline?").as_bytes())
    assert logo_only.attachments == [] and logo_only.ignored == [] and logo_only.junk == ["image001.png"]


def page_picture(width: int, height: int, fmt: str = "JPEG") -> bytes:
    """A real picture of ``width`` x ``height`` pixels, grainy so it does not compress to nothing."""
    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(1).integers(0, 256, (height, width), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt)
    return out.getvalue()


def test_a_large_logo_stays_a_logo_and_a_large_page_is_a_photo() -> None:
    """Inside the text (or named as a signature's), a picture is a photo sent only when it has a
    page's pixels: a wide banner over SIGNATURE_MAX_BYTES is still the signature's."""
    from forms_processor.intake.email_kinds import SIGNATURE_MAX_BYTES

    banner, page = page_picture(1200, 300, "PNG"), page_picture(1240, 1754)
    assert len(banner) > SIGNATURE_MAX_BYTES and len(page) > SIGNATURE_MAX_BYTES
    for name in ("image001.png", "image0.jpeg"):
        msg = signed("a@b.example.org", "Question", body="When is the deadline?")
        msg.get_payload()[1].get_payload()[1].set_content(banner if name.endswith("png") else page,
                                                           maintype="image", subtype="png" if name.endswith("png") else "jpeg",
                                                           filename=name, cid="<big@sig>", disposition="inline")
        parsed = parse_email(msg.as_bytes())
        taken = [a.file_name for a in parsed.attachments]
        # iOS Mail names a photo put in the text image0.jpeg: a page's pixels, so it is sent.
        assert taken == ([] if name == "image001.png" else ["image0.jpeg"]), (name, taken, parsed.junk)
    # A photo with no name at all, inside the text as some phones send it, is taken too.
    nameless = message("a@b.example.org", "Our form")
    nameless.add_related(page, maintype="image", subtype="jpeg", cid="<p1@phone>")
    assert [a.file_name for a in parse_email(nameless.as_bytes()).attachments] == ["photo.jpeg"]


def test_the_school_gets_one_email_per_form_and_none_for_the_junk(
    mail_app: tuple[FormsApp, Imap], imap_port: int
) -> None:
    app, cfg = mail_app
    forms = Forms(app.config)
    school = app.config.schools[2]
    assert school.senco_email
    zipped = mac_zip([("one.docx", forms.application(2, title="Precision teaching")),
                      ("two.pdf", forms.application(2, "pdf", title="Nurture group"))])
    append(imap_port, signed(school.senco_email, "Two forms zipped on a Mac",
                                             attachments=[("Forms.zip", zipped, ("application", "zip"))]))
    append(imap_port, signed(school.senco_email, "A form and a logo", attachments=[
        ("three.docx", forms.application(2, title="Lego therapy"), DOCX),
        ("._three.docx", apple_double("three.docx"), ("application", "octet-stream"))]))
    report = poll_mailbox(app, cfg)
    assert [m.outcome for m in report.messages] == ["ingested", "ingested"]
    mails = outgoing(app)
    assert sorted(m["kind"] for m in mails if not m["kind"].startswith("ack")) == [], mails
    assert len(mails) == 3  # one acknowledgement per form, nothing about the junk
    names = sorted(r["file_name"] for r in app.db.query("SELECT file_name FROM submissions"))
    assert names == ["one.docx", "three.docx", "two.pdf"]


def test_a_zip_named_or_dropped_in_the_inbox_gives_each_form_a_result_of_its_own(tmp_path: Path, home: Home) -> None:
    forms = Forms(home.config)
    zipped = mac_zip([("one.docx", forms.application(1, title="Precision teaching")),
                      ("two.pdf", forms.application(1, "pdf", title="Nurture group"))])
    # Named on the command line: one result per form, none for the Mac's junk.
    named = tmp_path / "Forms.zip"
    named.write_bytes(zipped)
    result = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", "--json", str(named)], catch_exceptions=False)
    rows = json.loads(result.stdout)
    assert sorted(r["file"] for r in rows) == [f"{named} > one.docx", f"{named} > two.pdf"], rows
    assert {r["status"] for r in rows} <= {"accepted", "invalid"}
    # A zip holding no form, and a damaged one, are refused in plain words.
    (tmp_path / "notes.zip").write_bytes(mac_zip([("notes.txt", b"hello")]))
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    for name, words in (("notes.zip", "holds no Word or PDF form"), ("broken.zip", "could not be opened")):
        out = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", "--json", str(tmp_path / name)])
        (row,) = json.loads(out.stdout)
        assert row["status"] == "rejected" and words in json.dumps(row), row

    # Dropped in the inbox: the same two forms (other bytes, so not duplicates), each its own line.
    again = mac_zip([("three.docx", forms.application(2, title="Lego therapy")),
                     ("four.docx", forms.application(3, title="Social stories"))])
    (home.inbox / "Our forms.zip").write_bytes(again)
    watched = CliRunner().invoke(cli, ["--home", str(home.root), "watch", "--once", "--settle", "0.2", "--json"])
    rows = json.loads(watched.stdout)
    assert sorted(r["file"].rsplit("> ", 1)[-1] for r in rows) == ["four.docx", "three.docx"], rows
    assert {r["status"] for r in rows} <= {"accepted", "invalid"}
    assert [p.name for p in home.rejected.iterdir()] == []
    assert not list(home.inbox.iterdir())
