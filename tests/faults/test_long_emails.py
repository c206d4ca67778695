"""Emails past the limits: many attachments, big zips, deep forwards, a zip bomb. Either
every form is taken, or the school and the Host are told exactly what was not read."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.cli import cli
from forms_processor.home import Home
from forms_processor.intake import email_parts
from forms_processor.intake.email_parts import build_message, parse_email
from forms_processor.store.db import Database
from tests.watcher.conftest import Form

from .conftest import PEAK_PROBE, integrity_ok

SCHOOL = "senco@aldborough.example.org"


def ingest(home: Home, path: Path) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", str(path), "--json"])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout), result.stderr


def docx_forms(forms: list[Form], n: int) -> list[tuple[str, bytes]]:
    words = [f for f in forms if f.name.endswith(".docx")]
    return [(f"form {i:03d}.docx", words[i % len(words)].data) for i in range(n)]


def zipped(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(name, data)
    return buf.getvalue()


def write_eml(path: Path, msg: EmailMessage) -> Path:
    path.write_bytes(bytes(msg))
    return path


def mails(home: Home) -> list[dict[str, object]]:
    db = Database(home.database)
    try:
        return [dict(r) for r in db.query("SELECT kind, to_addrs, subject, body FROM outgoing_mail")]
    finally:
        db.close()


def test_sixty_forms_attached_are_all_taken(home: Home, forms: list[Form], tmp_path: Path) -> None:
    msg = build_message(SCHOOL, "forms@wensum-high.example.org", "Our forms", "Attached.", docx_forms(forms, 60))
    code, rows, _ = ingest(home, write_eml(tmp_path / "sixty.eml", msg))
    assert len(rows) == 60, [r["file"] for r in rows]
    assert {r["status"] for r in rows} <= {"accepted", "invalid", "duplicate"}
    assert integrity_ok(home.database)


def test_a_zip_of_a_hundred_and_one_and_a_forward_five_deep_are_read(home: Home, forms: list[Form],
                                                                     tmp_path: Path) -> None:
    inner = build_message(SCHOOL, "x@example.org", "deep", "the form", docx_forms(forms, 1)[:1])
    for depth in range(5):
        outer = EmailMessage()
        outer["From"], outer["To"], outer["Subject"] = SCHOOL, "forms@wensum-high.example.org", f"Fwd {depth}"
        outer.set_content("forwarded")
        outer.add_attachment(inner)
        inner = outer
    _, rows, _ = ingest(home, write_eml(tmp_path / "deep.eml", inner))
    assert len(rows) == 1 and rows[0]["status"] in ("accepted", "invalid"), rows
    many = build_message(SCHOOL, "forms@wensum-high.example.org", "zip", "zipped",
                         [("forms.zip", zipped(docx_forms(forms, 101)))])
    _, rows, _ = ingest(home, write_eml(tmp_path / "zip.eml", many))
    assert len(rows) == 101 and not any("no Word or PDF form" in json.dumps(r) for r in rows)


def test_past_the_limits_the_school_and_the_host_are_told_exactly_what_was_not_read(
        home: Home, forms: list[Form], tmp_path: Path) -> None:
    # Past MAX_PARTS files (the email is unpacked in a worker process: the real limit, so
    # 295 notes come first, then 8 forms of which 5 fit).
    notes = [(f"note {i:03d}.txt", b"n") for i in range(email_parts.MAX_PARTS - 5)]
    msg = build_message(SCHOOL, "forms@wensum-high.example.org", "Our forms", "Attached.",
                        notes + docx_forms(forms, 8))
    code, rows, err = ingest(home, write_eml(tmp_path / "eight.eml", msg))
    assert code == 1
    assert len(rows) == 6
    (told,) = [r for r in rows if r["status"] == "rejected"]
    text = json.dumps(told)
    for name in ("form 005.docx", "form 006.docx", "form 007.docx"):
        assert name in text
    assert f"more than {email_parts.MAX_PARTS} files" in text
    # The school gets one email saying exactly that; it is recorded for the Host.
    refusals = [m for m in mails(home) if m["kind"] == "ack-rejected"]
    assert len(refusals) == 1 and SCHOOL in str(refusals[0]["to_addrs"])
    assert "form 007.docx" in str(refusals[0]["body"])
    db = Database(home.database)
    try:
        noted = db.query("SELECT file_name, reason_text FROM submissions WHERE status = 'rejected'")
    finally:
        db.close()
    assert len(noted) == 1 and "form 006.docx" in noted[0]["reason_text"]


def bomb_zip(claimed: int = 1000, inflated: int = 600 * 1024 * 1024) -> bytes:
    """A zip whose one member says it holds ``claimed`` bytes and inflates to ``inflated``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("form.docx", "w") as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(inflated // len(chunk)):
                fh.write(chunk)
    data = bytearray(buf.getvalue())
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, claimed)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, claimed)
    return bytes(data)


@pytest.mark.slow
def test_a_zip_bomb_inside_an_email_does_not_grow_the_process(tmp_path: Path) -> None:
    bomb = bomb_zip()
    assert len(bomb) < 3 * 1024 * 1024
    msg = build_message(SCHOOL, "forms@wensum-high.example.org", "forms", "zip", [("forms.zip", bomb)])
    path = write_eml(tmp_path / "bomb.eml", msg)
    probe = PEAK_PROBE + (
        "import sys\n"
        "from forms_processor.intake.email_parts import parse_email\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "before = peak_kb()\n"
        "parsed = parse_email(data)\n"
        "grew = peak_kb() - before\n"
        "print(grew, len(parsed.attachments), len(parsed.not_read))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    grew_kb, attachments, not_read = (int(x) for x in done.stdout.split())
    assert grew_kb < 100 * 1024, f"the process grew by {grew_kb // 1024} MB"
    assert attachments == 0 and not_read == 1
    parsed = parse_email(path.read_bytes())
    assert parsed.not_read[0][0] == "form.docx" and "damaged" in parsed.not_read[0][1]
