"""``forms mail status | send | retry`` through the real command, on the .eml outbox."""

from __future__ import annotations

import json

from click.testing import CliRunner

from forms_processor.cli import cli
from forms_processor.errors import ExitCode
from forms_processor.home import Home
from forms_processor.mail.queue import OutgoingMail, enqueue
from forms_processor.store.db import Database


def _queue(home: Home, n: int) -> None:
    db = Database(home.database)
    try:
        with db.atomic() as conn:
            for i in range(n):
                enqueue(conn, OutgoingMail(dedupe_key=f"k{i}", kind="ack-accepted", to=(f"s{i}@aldborough.example.org",),
                                           subject="Received", body="Your reference: WVC-2627-AU2-001",
                                           reference=f"WVC-2627-AU2-{i:03d}"))
    finally:
        db.close()


def run(home: Home, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["--home", str(home.root), "mail", *args])
    return res.exit_code, res.stdout, res.stderr


def test_status_send_retry(home: Home) -> None:
    _queue(home, 3)
    code, out, _ = run(home, "status", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["counts"]["queued"] == 3 and data["due_now"] == 3
    assert "body" not in json.dumps(data)

    code, out, _ = run(home, "send", "--json")
    assert code == 0, out
    assert len(json.loads(out)["sent"]) == 3
    assert len(list(home.mail_outbox.glob("*.eml"))) == 3

    code, out, _ = run(home, "status")
    assert code == 0 and "3 sent" in out

    code, out, err = run(home, "retry", "1", "--json")
    assert code == 0 and json.loads(out) == {"requeued": [], "skipped": [{"id": 1, "status": "sent", "reason": "already sent"}]}
    code, _, _ = run(home, "retry", "99")
    assert code == ExitCode.NOT_FOUND
    code, _, _ = run(home, "retry")
    assert code == ExitCode.USAGE


def test_help_texts() -> None:
    for args in (["mail", "--help"], ["mail", "status", "--help"], ["mail", "send", "--help"], ["mail", "retry", "--help"]):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 0 and "Usage" in res.output
