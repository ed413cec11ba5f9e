"""Both of talkscan's SQLite files (the history, the voiceprints) are checked on opening: a damaged
file, or the other kind swapped in (`--voices talkscan.db`), gets one line before any work, not an
"sqlite3.OperationalError: no such table" after a batch has started."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import UsageError


def check_database(db: sqlite3.Connection, path: Path, table: str, what: str, remedy: str = "") -> None:
    """Refuse `path` unless it is a new, empty database or one holding `table` (talkscan's `what`);
    `remedy` ends the message about a damaged file with what the user can do about it."""
    remedy = f": {remedy}" if remedy else ""
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = db.execute("PRAGMA user_version").fetchone()[0]
        health = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise UsageError(f"is not a talkscan {what} database, or it is damaged ({e}){remedy}", path=str(path)) from None
    if health != "ok":
        raise UsageError(f"the {what} database is damaged ({health}){remedy}", path=str(path))
    if (version or tables) and table not in tables:
        raise UsageError(f"is not a talkscan {what} database (it has no '{table}' table); is it the right file?",
                         path=str(path))
