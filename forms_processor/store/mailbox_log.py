"""The mailbox log (table ``processed_mail``): one row per message of the school mailbox,
claimed before it is fetched and closed with its outcome, so no message is taken twice."""

from __future__ import annotations

import sqlite3

from .db import Database, fetch_all, fetch_one


def recorded(db: Database | sqlite3.Connection, mailbox: str, uidvalidity: str) -> dict[str, sqlite3.Row]:
    """The messages of one mailbox (and UIDVALIDITY) recorded so far, by UID."""
    rows = fetch_all(
        db,
        "SELECT uid, outcome, moved, processed_at FROM processed_mail WHERE mailbox = ? AND uidvalidity = ?",
        (mailbox, uidvalidity),
    )
    return {r["uid"]: r for r in rows}


def try_claim(conn: sqlite3.Connection, mailbox: str, uidvalidity: str, uid: str, at: str, holder: str) -> bool:
    """Claim a message not seen before; False when it has a row already."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO processed_mail (mailbox, uidvalidity, uid, outcome, processed_at, detail)"
        " VALUES (?, ?, ?, 'processing', ?, ?)",
        (mailbox, uidvalidity, uid, at, holder),
    )
    return cur.rowcount == 1


def entry(db: Database | sqlite3.Connection, mailbox: str, uidvalidity: str, uid: str) -> sqlite3.Row | None:
    return fetch_one(
        db,
        "SELECT outcome, processed_at, detail, message_id, sender FROM processed_mail"
        " WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
        (mailbox, uidvalidity, uid),
    )


def take_over_claim(conn: sqlite3.Connection, mailbox: str, uidvalidity: str, uid: str, at: str, holder: str) -> None:
    conn.execute(
        "UPDATE processed_mail SET processed_at = ?, detail = ? WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
        (at, holder, mailbox, uidvalidity, uid),
    )


def release_claim(db: Database | sqlite3.Connection, mailbox: str, uidvalidity: str, uid: str) -> None:
    """Give back a claim not finished (the message is taken again at the next poll)."""
    db.execute(
        "DELETE FROM processed_mail WHERE mailbox = ? AND uidvalidity = ? AND uid = ? AND outcome = 'processing'",
        (mailbox, uidvalidity, uid),
    )


def close_entry(conn: sqlite3.Connection, mailbox: str, uidvalidity: str, uid: str, *, outcome: str,
                message_id: str | None, detail: str, at: str, sender: str | None = None) -> None:
    conn.execute(
        "UPDATE processed_mail SET outcome = ?, message_id = ?, detail = ?, processed_at = ?, sender = ?"
        " WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
        (outcome, message_id, detail[:1000], at, sender, mailbox, uidvalidity, uid),
    )


def reclaim_quarantined(conn: sqlite3.Connection, mailbox: str, uidvalidity: str, uid: str, at: str,
                        holder: str) -> bool:
    """Claim a quarantined message to take it in after all; False when it is no longer
    quarantined (taken in already, or being taken in)."""
    cur = conn.execute(
        "UPDATE processed_mail SET outcome = 'processing', processed_at = ?, detail = ?"
        " WHERE mailbox = ? AND uidvalidity = ? AND uid = ? AND outcome = 'quarantined'",
        (at, holder, mailbox, uidvalidity, uid),
    )
    return cur.rowcount == 1


def back_to_quarantine(db: Database | sqlite3.Connection, mailbox: str, uidvalidity: str, uid: str,
                       detail: str, at: str) -> None:
    """A message reclaimed from the quarantine but not taken in: quarantined again, as it was."""
    db.execute(
        "UPDATE processed_mail SET outcome = 'quarantined', detail = ?, processed_at = ?"
        " WHERE mailbox = ? AND uidvalidity = ? AND uid = ? AND outcome = 'processing'",
        (detail[:1000], at, mailbox, uidvalidity, uid),
    )


def mark_moved(db: Database | sqlite3.Connection, mailbox: str, uidvalidity: str, uid: str) -> None:
    db.execute(
        "UPDATE processed_mail SET moved = 1 WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
        (mailbox, uidvalidity, uid),
    )


def quarantined(db: Database | sqlite3.Connection, limit: int = 10) -> list[dict[str, object]]:
    """The latest messages set aside in the quarantine folder, newest first, with why."""
    rows = fetch_all(
        db,
        "SELECT mailbox, uidvalidity, uid, message_id, sender, processed_at, detail FROM processed_mail"
        " WHERE outcome = 'quarantined'"
        " ORDER BY processed_at DESC, uid DESC LIMIT ?",
        (limit,),
    )
    return [dict(r) for r in rows]
