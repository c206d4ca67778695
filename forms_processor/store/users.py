"""The people who sign in (table ``users``): names, roles, schools and password hashes."""

from __future__ import annotations

import sqlite3

from .db import Database, fetch_all, fetch_one, utcnow_iso


def get_user(db: Database | sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """A user by name (names are matched ignoring case)."""
    return fetch_one(db, "SELECT name, role, school, password_hash FROM users WHERE name = ?", (name,))


def list_users(db: Database | sqlite3.Connection) -> list[sqlite3.Row]:
    return fetch_all(db, "SELECT name, role, school, created_at, updated_at FROM users ORDER BY name COLLATE NOCASE")


def insert_user(conn: sqlite3.Connection, name: str, role: str, school: str | None, password_hash: str) -> None:
    now = utcnow_iso()
    conn.execute(
        "INSERT INTO users (name, role, school, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        (name, role, school, password_hash, now, now),
    )


def set_password_hash(conn: sqlite3.Connection, name: str, password_hash: str) -> bool:
    cur = conn.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
                       (password_hash, utcnow_iso(), name))
    return cur.rowcount == 1


def delete_user(conn: sqlite3.Connection, name: str) -> bool:
    cur = conn.execute("DELETE FROM users WHERE name = ?", (name,))
    return cur.rowcount == 1
