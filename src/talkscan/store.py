"""SQLite history across meetings: one row per analysed meeting (keyed by its report folder), its
speakers, moves, asks, conflicts and flags, plus failed inputs in a table of their own.

Only the batch's parent process writes (SQLite wants one writer). Every insert replaces the
meeting's earlier rows in one transaction, so repeating it after a crash or a rerun is harmless.
The schema is versioned with PRAGMA user_version; MIGRATIONS[i] takes version i to i + 1.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from .errors import UsageError
from .sqlite_check import check_database

__all__ = [
    "SCHEMA_VERSION", "Store", "MeetingRow", "FailureRow", "open_store", "read_only", "default_db",
]

DB_NAME = "talkscan.db"

MIGRATIONS: list[str] = [
    # 0 -> 1
    """
    CREATE TABLE meetings (
        id INTEGER PRIMARY KEY,
        report TEXT NOT NULL UNIQUE,      -- report folder, relative to the database's folder when inside it
        source TEXT NOT NULL,             -- the input as given
        content_hash TEXT NOT NULL,       -- sha256 of the input file
        cache_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        date TEXT,                        -- ISO date of the meeting when known (file name or media metadata)
        file_time TEXT NOT NULL,          -- the input's modification time: orders meetings without a date
        duration_s REAL,
        language TEXT,
        models TEXT NOT NULL,             -- JSON
        created TEXT NOT NULL
    );
    CREATE TABLE speakers (
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        speaker TEXT NOT NULL,
        name TEXT,
        talk_time_s REAL,
        turns INTEGER,
        words INTEGER,
        PRIMARY KEY (meeting_id, speaker)
    );
    CREATE TABLE moves (
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        utterance TEXT NOT NULL,
        speaker TEXT NOT NULL,
        move TEXT NOT NULL,
        target TEXT,
        start REAL,
        score REAL
    );
    CREATE INDEX moves_meeting ON moves(meeting_id, speaker);
    CREATE TABLE asks (
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        ask TEXT NOT NULL,
        utterance TEXT,
        speaker TEXT NOT NULL,
        topic TEXT NOT NULL,
        direction TEXT,
        text TEXT,
        PRIMARY KEY (meeting_id, ask)
    );
    CREATE TABLE conflicts (
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        ask_a TEXT, ask_b TEXT,
        speaker_a TEXT, speaker_b TEXT,
        topic TEXT NOT NULL,
        reason TEXT,
        score REAL,
        PRIMARY KEY (meeting_id, n)
    );
    CREATE TABLE flags (
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        speaker TEXT,                     -- null: the meeting as a whole
        move TEXT NOT NULL,
        kind TEXT NOT NULL,
        value REAL,
        threshold REAL,
        evidence TEXT,                    -- JSON list of utterance ids
        advice TEXT,
        PRIMARY KEY (meeting_id, n)
    );
    CREATE TABLE failures (
        source TEXT PRIMARY KEY,          -- one row per failing input: its latest error
        content_hash TEXT,
        cache_key TEXT,
        input_error INTEGER NOT NULL DEFAULT 0,  -- 1: the input itself is bad, so the same key fails again
        message TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        first_failed TEXT NOT NULL,
        last_failed TEXT NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def default_db(out: Path) -> Path:
    return out / DB_NAME


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class MeetingRow:
    id: int
    report: str
    source: str
    date: str | None
    file_time: str
    duration_s: float | None
    kind: str
    created: str
    speakers: list[dict[str, Any]] = field(default_factory=list)   # {speaker, name, talk_time_s, turns, words}
    moves: dict[str, dict[str, int]] = field(default_factory=dict)  # speaker -> move -> count
    flags: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def when(self) -> str:
        """The meeting's date, else its file's date: what orders meetings in time."""
        return self.date or self.file_time[:10]

    def label(self, speaker: str | None) -> str:
        if speaker is None:
            return "meeting"
        for s in self.speakers:
            if s["speaker"] == speaker:
                return s["name"] or speaker
        return speaker


@dataclass
class FailureRow:
    source: str
    message: str
    attempts: int
    last_failed: str


class Store:
    """The history database. Use as a context manager, or call close()."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=30)
        except (OSError, sqlite3.Error) as e:
            raise UsageError(f"cannot open the history database ({e})", path=str(path)) from None
        # everything in it but past failures comes from the report.json files, and a run indexes
        # a current report it lacks without analysing it again
        check_database(self.db, self.path, "meetings", "history",
                       "move it aside and run the same `talkscan run` again to rebuild it from the reports")
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- schema ------------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        v = self.version
        if v > SCHEMA_VERSION:
            raise UsageError(
                f"the history database has schema version {v}, newer than this talkscan knows ({SCHEMA_VERSION}); "
                "upgrade talkscan",
                path=str(self.path),
            )
        for i in range(v, SCHEMA_VERSION):
            # executescript commits first; the version bump is in the same script so a crash redoes it whole
            self.db.executescript(f"BEGIN; {MIGRATIONS[i]}; PRAGMA user_version = {i + 1}; COMMIT;")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self.db:  # commit on success, roll back on error
            yield self.db

    # -- paths -------------------------------------------------------------------------------------
    def _key(self, folder: Path) -> str:
        """Report folders inside the database's folder are stored relative, so OUT can be moved."""
        folder = Path(os.path.abspath(folder))
        base = Path(os.path.abspath(self.path.parent))
        try:
            return folder.relative_to(base).as_posix()
        except ValueError:
            return folder.as_posix()

    def report_folder(self, key: str) -> Path:
        p = Path(key)
        return p if p.is_absolute() else self.path.parent / p

    # -- writes ------------------------------------------------------------------------------------
    def add_meeting(
        self,
        folder: Path,
        report: dict[str, Any],
        content_hash: str,
        date: str | None = None,
        file_time: str | None = None,
    ) -> int:
        """Insert or replace the meeting whose report lives in `folder`, from its report.json dict."""
        key = self._key(folder)
        with self._tx() as db:
            db.execute("DELETE FROM meetings WHERE report = ?", (key,))  # cascades to its rows
            cur = db.execute(
                "INSERT INTO meetings (report, source, content_hash, cache_key, kind, date, file_time, duration_s,"
                " language, models, created) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    key,
                    str(report.get("source", "")),
                    content_hash,
                    str(report.get("cache_key", "")),
                    str(report.get("kind", "")),
                    date if date is not None else report.get("meeting_date"),
                    file_time or _now(),
                    report.get("duration_s"),
                    report.get("language"),
                    json.dumps(report.get("models") or {}, sort_keys=True),
                    _now(),
                ),
            )
            mid = cur.lastrowid
            db.executemany(
                "INSERT INTO speakers VALUES (?,?,?,?,?,?)",
                [
                    (mid, s["id"], s.get("name"), s.get("talk_time_s"), s.get("turns"), s.get("words"))
                    for s in report.get("speakers") or []
                ],
            )
            db.executemany(
                "INSERT INTO moves VALUES (?,?,?,?,?,?,?)",
                [
                    (mid, u["id"], u["speaker"], tag["type"], tag.get("target"), u.get("start"), tag.get("score"))
                    for u in report.get("utterances") or []
                    for tag in u.get("tags") or []
                ],
            )
            db.executemany(
                "INSERT INTO asks VALUES (?,?,?,?,?,?,?)",
                [
                    (mid, a["id"], a.get("utterance"), a["speaker"], a["topic"], a.get("direction"), a.get("text"))
                    for a in report.get("asks") or []
                ],
            )
            rows = []
            for n, c in enumerate(report.get("conflicts") or []):
                asks = list(c.get("asks") or []) + [None, None]
                sp = list(c.get("speakers") or []) + [None, None]
                rows.append((mid, n, asks[0], asks[1], sp[0], sp[1], c.get("topic") or "other", c.get("reason"), c.get("score")))
            db.executemany("INSERT INTO conflicts VALUES (?,?,?,?,?,?,?,?,?)", rows)
            db.executemany(
                "INSERT INTO flags VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (mid, n, f.get("speaker"), f["move"], f["kind"], f.get("value"), f.get("threshold"),
                     json.dumps(f.get("evidence") or []), f.get("advice"))
                    for n, f in enumerate(report.get("flags") or [])
                ],
            )
            # the input works now: its old failure no longer applies
            db.execute("DELETE FROM failures WHERE source = ?", (str(report.get("source", "")),))
        return int(mid)

    def remove_meeting(self, folder: Path) -> None:
        """The folder no longer holds a complete report (a redo failed): forget its meeting."""
        with self._tx() as db:
            db.execute("DELETE FROM meetings WHERE report = ?", (self._key(folder),))

    def forget_missing(self) -> list[str]:
        """Forget the meetings whose report folder no longer holds a report.json (deleted or moved
        away by the user), so the index stops linking to them; returns their report keys."""
        gone = [key for (key,) in self.db.execute("SELECT report FROM meetings").fetchall()
                if not (self.report_folder(key) / "report.json").is_file()]
        if gone:
            with self._tx() as db:
                db.executemany("DELETE FROM meetings WHERE report = ?", [(k,) for k in gone])
        return gone

    def add_failure(
        self, source: str, message: str, content_hash: str | None = None, cache_key: str | None = None,
        input_error: bool = False,
    ) -> None:
        now = _now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO failures (source, content_hash, cache_key, input_error, message, attempts, first_failed,"
                " last_failed) VALUES (?,?,?,?,?,1,?,?) ON CONFLICT(source) DO UPDATE SET message = excluded.message,"
                " content_hash = excluded.content_hash, cache_key = excluded.cache_key,"
                " input_error = excluded.input_error, attempts = attempts + 1, last_failed = excluded.last_failed",
                (source, content_hash, cache_key, int(input_error), message, now, now),
            )

    def known_failure(self, source: str, cache_key: str) -> str | None:
        """The error of an input that is bad in itself and unchanged since (same key): no need to retry it."""
        row = self.db.execute(
            "SELECT message FROM failures WHERE source = ? AND cache_key = ? AND input_error = 1", (source, cache_key)
        ).fetchone()
        return row[0] if row else None

    # -- reads -------------------------------------------------------------------------------------
    def has_meeting(self, folder: Path, cache_key: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM meetings WHERE report = ? AND cache_key = ?", (self._key(folder), cache_key)
        ).fetchone()
        return row is not None

    def file_time(self, folder: Path) -> str | None:
        """The recorded modification time of the input whose report lives in `folder`."""
        row = self.db.execute("SELECT file_time FROM meetings WHERE report = ?", (self._key(folder),)).fetchone()
        return row[0] if row else None

    def meeting_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM meetings").fetchone()[0]

    def meetings(self) -> list[MeetingRow]:
        """Every meeting with its speakers, per-speaker move counts, flags and conflicts, oldest first."""
        out: list[MeetingRow] = []
        for r in self.db.execute(
            "SELECT * FROM meetings ORDER BY COALESCE(date, substr(file_time, 1, 10)), file_time, report"
        ):
            m = MeetingRow(
                id=r["id"], report=r["report"], source=r["source"], date=r["date"], file_time=r["file_time"],
                duration_s=r["duration_s"], kind=r["kind"], created=r["created"],
            )
            m.speakers = [
                dict(s) for s in self.db.execute(
                    "SELECT speaker, name, talk_time_s, turns, words FROM speakers WHERE meeting_id = ? ORDER BY speaker",
                    (m.id,),
                )
            ]
            for s in self.db.execute(
                "SELECT speaker, move, COUNT(*) AS n FROM moves WHERE meeting_id = ? GROUP BY speaker, move", (m.id,)
            ):
                m.moves.setdefault(s["speaker"], {})[s["move"]] = s["n"]
            m.flags = [
                dict(f) | {"evidence": json.loads(f["evidence"] or "[]")}
                for f in self.db.execute("SELECT * FROM flags WHERE meeting_id = ? ORDER BY n", (m.id,))
            ]
            m.conflicts = [
                dict(c) for c in self.db.execute("SELECT * FROM conflicts WHERE meeting_id = ? ORDER BY n", (m.id,))
            ]
            out.append(m)
        return out

    def failures(self) -> list[FailureRow]:
        return [
            FailureRow(r["source"], r["message"], r["attempts"], r["last_failed"])
            for r in self.db.execute("SELECT * FROM failures ORDER BY source")
        ]


def open_store(path: Path) -> Store:
    return Store(path)


def read_only(path: Path) -> Store:
    """For `talkscan history`: a missing database is a usage error, not a new empty one."""
    if not Path(path).is_file():
        raise UsageError("no history database here (run `talkscan run FOLDER` first)", path=str(path))
    return Store(path)

