"""store/outbox.py: the outgoing mail queue's reads and writes, on a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from forms_processor.store import outbox
from forms_processor.store.db import Database

T0 = "2026-12-02T14:00:00+00:00"
T1 = "2026-12-02T14:01:00+00:00"
T2 = "2026-12-02T14:02:00+00:00"
T9 = "2026-12-02T14:09:00+00:00"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = Database(tmp_path / "forms.db")
    yield d
    d.close()


def queue(db: Database, key: str, at: str = T0, **kw: object) -> int:
    with db.atomic() as conn:
        mail_id = outbox.insert_mail(
            conn, dedupe_key=key, kind=str(kw.get("kind", "ack-accepted")), reference=None,
            to=("senco@example.org",), cc=(), subject="s", body="b", attachments=("outbox/x.pdf",), at=at,
        )
    assert mail_id is not None
    return mail_id


def row(db: Database, mail_id: int) -> dict[str, object]:
    r = outbox.status_of(db, mail_id)
    assert r is not None
    full = db.one("SELECT * FROM outgoing_mail WHERE id = ?", (mail_id,))
    assert full is not None
    return dict(full)


def test_a_key_is_queued_once_and_the_lists_are_stored_as_json(db: Database) -> None:
    first = queue(db, "ack:1")
    with db.atomic() as conn:
        again = outbox.insert_mail(conn, dedupe_key="ack:1", kind="ack-accepted", reference="R", to=("a@b",),
                                   cc=("c@d",), subject="other", body="other", attachments=(), at=T1)
    assert again is None
    r = row(db, first)
    assert (r["status"], r["attempts"], r["next_attempt_at"], r["created_at"]) == ("queued", 0, T0, T0)
    assert json.loads(str(r["to_addrs"])) == ["senco@example.org"]
    assert json.loads(str(r["attachments"])) == ["outbox/x.pdf"]


def test_queuing_joins_the_callers_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError), db.atomic() as conn:
        outbox.insert_mail(conn, dedupe_key="k", kind="reminder", reference=None, to=("a@b",), cc=(),
                           subject="s", body="b", attachments=(), at=T0)
        raise RuntimeError("the change it reports failed")
    assert db.query("SELECT * FROM outgoing_mail") == []


def test_claiming_takes_the_earliest_due_mail_once(db: Database) -> None:
    late = queue(db, "late", at=T2)
    a = queue(db, "a", at=T1)
    b = queue(db, "b", at=T1)
    with db.atomic() as conn:
        assert outbox.next_due(conn, T0) is None  # nothing due yet
        first = outbox.next_due(conn, T9)
        assert first is not None and first["id"] == a  # same time: the lower id
        assert outbox.mark_sending(conn, a, lease_until=T9)
        assert not outbox.mark_sending(conn, a, lease_until=T9)  # already claimed
        second = outbox.next_due(conn, T9)
        assert second is not None and second["id"] == b
    assert row(db, a)["status"] == "sending"
    assert row(db, late)["status"] == "queued"


def test_lost_claims_are_queued_again_after_their_lease_or_all_at_once(db: Database) -> None:
    a, b = queue(db, "a"), queue(db, "b")
    with db.atomic() as conn:
        outbox.mark_sending(conn, a, lease_until=T1)
        outbox.mark_sending(conn, b, lease_until=T9)
    with db.atomic() as conn:
        assert outbox.requeue_sending(conn, at=T0, everything=False) == 0
        assert outbox.requeue_sending(conn, at=T2, everything=False) == 1
    assert (row(db, a)["status"], row(db, a)["next_attempt_at"]) == ("queued", T2)
    assert row(db, b)["status"] == "sending"
    with db.atomic() as conn:
        assert outbox.requeue_sending(conn, at=T2, everything=True) == 1
    assert row(db, b)["status"] == "queued"


def test_outcomes_are_written_only_to_a_mail_being_sent(db: Database) -> None:
    a, b, c = queue(db, "a"), queue(db, "b"), queue(db, "c")
    outbox.mark_sent(db, a, at=T1, via="smtp")
    assert row(db, a)["status"] == "queued"  # not claimed: untouched
    with db.atomic() as conn:
        for m in (a, b, c):
            outbox.mark_sending(conn, m, lease_until=T9)
        outbox.mark_attempt_failed(conn, b, failed=False, attempts=1, next_attempt_at=T2, error="down")
        outbox.mark_attempt_failed(conn, c, failed=True, attempts=1, next_attempt_at=T2, error="refused")
    outbox.mark_sent(db, a, at=T1, via="smtp")
    ra, rb, rc = row(db, a), row(db, b), row(db, c)
    assert (ra["status"], ra["sent_at"], ra["sent_via"], ra["last_error"]) == ("sent", T1, "smtp", None)
    assert (rb["status"], rb["attempts"], rb["next_attempt_at"], rb["last_error"]) == ("queued", 1, T2, "down")
    assert (rc["status"], rc["last_error"]) == ("failed", "refused")
    with db.atomic() as conn:  # a sent mail is never failed afterwards
        outbox.mark_attempt_failed(conn, a, failed=True, attempts=9, next_attempt_at=T9, error="late")
    assert row(db, a)["status"] == "sent"


def test_postponing_moves_only_the_other_queued_mails_due_sooner(db: Database) -> None:
    a, b, later = queue(db, "a", at=T0), queue(db, "b", at=T1), queue(db, "later", at=T9)
    outbox.postpone_queued(db, until=T2, except_id=a)
    assert [row(db, m)["next_attempt_at"] for m in (a, b, later)] == [T0, T2, T9]


def test_the_state_of_the_queue(db: Database) -> None:
    assert outbox.last_sent_at(db) is None
    assert outbox.oldest_queued(db) is None
    assert outbox.count_due(db, T9) == 0
    a, b, c = queue(db, "a", at=T0), queue(db, "b", at=T1, kind="reminder"), queue(db, "c", at=T2)
    with db.atomic() as conn:
        outbox.mark_sending(conn, a, lease_until=T9)
        outbox.mark_sending(conn, c, lease_until=T9)
        outbox.mark_attempt_failed(conn, c, failed=True, attempts=1, next_attempt_at=T9, error="refused")
    outbox.mark_sent(db, a, at=T2, via="smtp")
    counts = {(r["kind"], r["status"]): r["n"] for r in outbox.counts_by_kind_and_status(db)}
    assert counts == {("ack-accepted", "sent"): 1, ("ack-accepted", "failed"): 1, ("reminder", "queued"): 1}
    oldest = outbox.oldest_queued(db)
    assert oldest is not None and oldest["id"] == b and "body" not in oldest.keys()
    assert (outbox.count_due(db, T0), outbox.count_due(db, T1)) == (0, 1)
    assert [r["id"] for r in outbox.latest_errors(db)] == [c]
    assert outbox.last_sent_at(db) == T2


def test_retryable_mails_and_requeue(db: Database) -> None:
    due, waiting, failed = queue(db, "due", at=T0), queue(db, "waiting", at=T9), queue(db, "failed", at=T0)
    with db.atomic() as conn:
        outbox.mark_sending(conn, failed, lease_until=T9)
        outbox.mark_attempt_failed(conn, failed, failed=True, attempts=1, next_attempt_at=T9, error="x")
        assert [(r["id"], r["status"]) for r in outbox.retryable(conn, T1)] == [(waiting, "queued"), (failed, "failed")]
        outbox.requeue(conn, failed, at=T1)
    assert (row(db, failed)["status"], row(db, failed)["next_attempt_at"]) == ("queued", T1)
    assert row(db, due)["next_attempt_at"] == T0
    assert outbox.status_of(db, 999) is None
