"""The store: one SQLite database, opened in one place, changed by numbered migrations."""

from .db import Database, connect

__all__ = ["Database", "connect"]
