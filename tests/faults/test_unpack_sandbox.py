"""Emails and zips are unpacked in a worker process under the readers' limits: a zip bomb
or an email built of a third of a million parts never grows nor holds up the main
process, the school and the Host are told what was not read, and the batch goes on."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from forms_processor.api import FormsApp
from forms_processor.errors import UnreadableDocument
from forms_processor.home import Home, open_home
from forms_processor.intake.email_parts import build_message
from forms_processor.intake.unpacking import Unpacker
from forms_processor.readers.sandbox import ReadLimits
from forms_processor.store.db import Database
from forms_processor.workflow.mailbox import _unpack
from tests.watcher.conftest import Form

from .conftest import PEAK_PROBE, integrity_ok

SCHOOL = "senco@aldborough.example.org"
# ``forms ingest`` run by this wrapper writes its own peak memory (its children not
# counted: the readers and the unpacker are processes of their own) to argv[1]: its
# own high-water mark, not pytest's (see ``PEAK_PROBE``).
PROBE = PEAK_PROBE + """
import sys
from forms_processor.cli import cli
code = 0
try:
    cli.main(args=sys.argv[2:], prog_name="forms")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
with open(sys.argv[1], "w") as fh:
    fh.write(str(peak_kb()))
sys.exit(code)
"""


def lying_zip(claimed: int = 1000, inflated_mb: int = 1100, name: str = "form.docx") -> bytes:
    """A zip whose one member says it holds ``claimed`` bytes but inflates to
    ``inflated_mb`` MB of zeros: the same fully flushed deflate block, repeated (made in
    a few hundredths of a second)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b"\0" * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    data = block * inflated_mb + zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    n = name.encode()
    head = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, 0, len(data), claimed, len(n), 0) + n
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, 0, len(data), claimed,
                          len(n), 0, 0, 0, 0, 0, 0) + n
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(head) + len(data), 0)
    return head + data + central + end


def many_parts(n: int = 300_000) -> bytes:
    """An email of ``n`` tiny parts (10 MB): minutes of the email package's time."""
    parts = "".join("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(n))
    return (f"From: {SCHOOL}\r\nTo: forms@wensum-high.example.org\r\nSubject: Our forms\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary=b\r\n\r\n{parts}--b--\r\n").encode()


def with_timeout(home: Home, seconds: int) -> Home:
    path = home.root / "cluster.toml"
    text = path.read_text()
    assert "parse_timeout_seconds = 30" in text
    path.write_text(text.replace("parse_timeout_seconds = 30", f"parse_timeout_seconds = {seconds}"))
    return open_home(home.root)


def test_bombs_in_emails_leave_the_main_process_small_and_the_batch_goes_on(
        home: Home, forms: list[Form], tmp_path: Path) -> None:
    home = with_timeout(home, 3)
    batch = tmp_path / "batch"
    batch.mkdir()
    words = [f for f in forms if f.name.endswith(".docx")]
    (batch / "a form.docx").write_bytes(words[0].data)
    bomb = lying_zip()
    assert len(bomb) < 3 * 1024 * 1024
    msg = build_message(SCHOOL, "forms@wensum-high.example.org", "Our forms", "Zipped.", [("forms.zip", bomb)])
    (batch / "b zip bomb.eml").write_bytes(bytes(msg))
    (batch / "c many parts.eml").write_bytes(many_parts())
    (batch / "d form.docx").write_bytes(words[1].data)
    peak_file = tmp_path / "peak"
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", PROBE, str(peak_file), "--home", str(home.root), "ingest",
                           str(batch), "--json"], capture_output=True, text=True, timeout=120)
    took = time.monotonic() - start
    peak_mb = int(peak_file.read_text()) / 1024
    print(f"forms ingest of 2 forms and 2 bombs: {took:.1f} s, the main process's peak {peak_mb:.0f} MB")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr  # some files refused
    assert took < 30, took
    assert peak_mb < 250, f"the main process grew to {peak_mb:.0f} MB"
    rows = {Path(str(r["file"])).name: r for r in json.loads(done.stdout)}
    assert {rows[n]["status"] for n in ("a form.docx", "d form.docx")} <= {"accepted", "invalid"}, rows
    parts = rows["c many parts.eml"]
    assert parts["status"] == "rejected"
    text = json.dumps(parts)
    assert "Nothing in this email was read" in text and "longer than the 3 seconds" in text, text
    (zipped,) = [r for n, r in rows.items() if n.startswith("b zip bomb.eml")]
    assert zipped["status"] == "rejected" and "form.docx" in json.dumps(zipped)
    db = Database(home.database)
    try:
        told = db.query("SELECT file_name, reason_text FROM submissions WHERE status = 'rejected'")
        recorded = db.one("SELECT COUNT(*) FROM forms")[0]
    finally:
        db.close()
    assert recorded == 2
    assert any("Nothing in this email was read" in r["reason_text"] for r in told)  # the Host sees it
    assert integrity_ok(home.database)


def test_a_mailbox_message_that_a_limit_stops_is_all_not_read(home: Home) -> None:
    home = with_timeout(home, 2)
    with FormsApp(home, workers=1) as app:
        start = time.monotonic()
        parsed, refusal = _unpack(app, many_parts())
        took = time.monotonic() - start
        # The worker was replaced: the next message is unpacked as usual.
        again, none = _unpack(app, bytes(build_message(SCHOOL, "f@x.org", "Form", "here", [("f.docx", b"x")])))
    assert refusal is not None and "Nothing in this email was read" in refusal.message, refusal
    assert parsed.subject == "Our forms" and not parsed.attachments
    assert took < 10, took
    assert none is None and [a.file_name for a in again.attachments] == ["f.docx"]


def test_an_email_past_the_memory_limit_is_all_not_read_and_the_next_is_read() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(4):  # honest sizes, within the zip limits: 96 MB in all
            zf.writestr(f"form {i}.docx", b"\0" * (24 << 20))
    big = bytes(build_message(SCHOOL, "f@x.org", "Forms", "zipped", [("forms.zip", buf.getvalue())]))
    small = bytes(build_message(SCHOOL, "f@x.org", "Form", "here", [("f.docx", b"x")]))
    unpacker = Unpacker(ReadLimits(memory_mb=250))
    try:
        with pytest.raises(UnreadableDocument) as refused:
            unpacker(big, "forms.eml")
        assert refused.value.reason == "unpack-memory", refused.value
        assert "needed more memory than the 250 MB allowed" in refused.value.message
        assert [a.file_name for a in unpacker(small, "form.eml").attachments] == ["f.docx"]
    finally:
        unpacker.close()
