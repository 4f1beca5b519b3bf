"""Persistence: SQLite (WAL) in a data directory outside the tree Voila serves.

Answers, ticks and steps are append-only events; progress is derived from them. A learner is an anonymous
id with a long browser token (kept in the browser) and a short resume code (for another device). Nothing
about the patient is stored. Every write is one transaction.
"""
from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .content import REPO

SCHEMA_VERSION = 2
MIGRATIONS = {
    1: """
    CREATE TABLE learners (
        id TEXT PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        resume_code TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL
    );
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        at REAL NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('answer', 'check', 'step')),
        lesson TEXT NOT NULL,
        item TEXT NOT NULL,
        sub_item TEXT NOT NULL DEFAULT '',
        response TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX events_learner ON events(learner_id, seq);
    """,
    2: """
    CREATE TABLE workshops (
        id TEXT PRIMARY KEY,
        join_code TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        closed_at REAL
    );
    CREATE TABLE participants (
        workshop_id TEXT NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        nickname TEXT NOT NULL DEFAULT '',
        joined_at REAL NOT NULL,
        PRIMARY KEY (workshop_id, learner_id)
    );
    ALTER TABLE events ADD COLUMN workshop_id TEXT;
    CREATE INDEX events_workshop ON events(workshop_id, item);
    """,
}

# Words for resume codes: short, common, easy to say and spell, none alike.
WORDS = (
    "apple bird boat book cake calm cloud coast corn crane daisy dawn deer dove drum eagle fern field fig "
    "flame fox frog garden gate glow grape hill honey horse island jade kite lake lamp leaf lemon lily lion "
    "maple meadow mint moon moss nest oak ocean olive otter owl palm peach pearl pine plum pond poppy rain "
    "reed river robin rose sage sand seal shell sky snow spark star stone sun swan tea tide tiger tulip "
    "valley wave whale willow wind wren"
).split()


class StoreError(Exception):
    """The database could not be used; the message says what to do."""


def data_dir() -> Path:
    return Path(os.environ.get("CAREGIVER_DATA_DIR", REPO / "var"))


def new_resume_code() -> str:
    words = [secrets.choice(WORDS) for _ in range(3)]
    return "-".join(words).upper() + f"-{secrets.randbelow(90) + 10}"


def normalise_code(code: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else " " for ch in (code or "").upper())
    return "-".join(cleaned.split())


def _rollback(db: sqlite3.Connection | None) -> None:
    try:
        if db is not None and db.in_transaction:
            db.execute("ROLLBACK")
    except sqlite3.Error:
        pass


@dataclass(frozen=True)
class Learner:
    id: str
    token: str
    resume_code: str


class Store:
    def __init__(self, path: Path | None = None, timeout: float = 5.0):
        self.path = Path(path) if path else data_dir() / "course.sqlite3"
        self.timeout = timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._prepare()
        except sqlite3.Error as exc:
            raise StoreError(f"The progress database at {self.path} cannot be opened ({exc}). "
                             "Check that the folder exists and can be written to.") from exc
        except OSError as exc:
            raise StoreError(f"The data folder {self.path.parent} cannot be created ({exc}). "
                             "Set CAREGIVER_DATA_DIR to a folder that can be written to.") from exc

    # ------------------------------------------------------------------ plumbing

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        db.execute("PRAGMA foreign_keys=ON")
        db.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
        db.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe from corruption; commits skip an fsync
        return db

    @contextmanager
    def _tx(self, write: bool = True):
        """One transaction; a locked or broken database becomes a StoreError with a plain message."""
        db = None
        try:
            db = self._connect()
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield db
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            _rollback(db)
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError("The progress database is busy. Your answer is kept and will be saved "
                                 "with your next one.") from exc
            raise StoreError(f"The progress database could not be used ({exc}).") from exc
        except sqlite3.DatabaseError as exc:
            _rollback(db)
            raise StoreError(f"The progress database could not be used ({exc}).") from exc
        finally:
            if db is not None:
                db.close()

    def _prepare(self, attempts: int = 50) -> None:
        """WAL mode and an up-to-date schema. Switching to WAL does not wait for other connections, so a
        new database opened by several kernels at once is retried for a few seconds."""
        for attempt in range(attempts):
            db = self._connect()
            try:
                db.execute("PRAGMA journal_mode=WAL")
                self._migrate(db)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.05 + 0.05 * secrets.randbelow(4))
            finally:
                db.close()

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Bring the schema up to date. The version is read under the write lock, so kernels starting at
        the same moment on a new database do not both try to create it."""
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"The database was made by a newer version of the course (schema {version}).")
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[v].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={v}")
            db.execute("COMMIT")
        except BaseException:
            _rollback(db)
            raise

    @property
    def schema_version(self) -> int:
        with self._tx(write=False) as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

    # ------------------------------------------------------------------ learners

    def new_learner(self) -> Learner:
        for _ in range(10):
            learner = Learner(secrets.token_hex(8), secrets.token_urlsafe(24), new_resume_code())
            try:
                with self._tx() as db:
                    db.execute("INSERT INTO learners(id, token, resume_code, created_at) VALUES (?,?,?,?)",
                               (learner.id, learner.token, learner.resume_code, time.time()))
                return learner
            except StoreError as exc:
                if not isinstance(exc.__cause__, sqlite3.IntegrityError):
                    raise  # a clash of random codes is retried; anything else is reported
        raise StoreError("Could not make a new resume code. Please try again.")

    def _learner_where(self, column: str, value: str) -> Learner | None:
        with self._tx(write=False) as db:
            row = db.execute(f"SELECT id, token, resume_code FROM learners WHERE {column} = ?", (value,)).fetchone()
        return Learner(*row) if row else None

    def by_token(self, token: str) -> Learner | None:
        return self._learner_where("token", token) if token else None

    def by_resume_code(self, code: str) -> Learner | None:
        code = normalise_code(code)
        return self._learner_where("resume_code", code) if code else None

    def delete_learner(self, learner_id: str) -> int:
        """Remove every row about this learner. Returns how many events were removed."""
        with self._tx() as db:
            n = db.execute("SELECT COUNT(*) FROM events WHERE learner_id = ?", (learner_id,)).fetchone()[0]
            db.execute("DELETE FROM events WHERE learner_id = ?", (learner_id,))
            db.execute("DELETE FROM participants WHERE learner_id = ?", (learner_id,))
            db.execute("DELETE FROM learners WHERE id = ?", (learner_id,))
        return n

    # ------------------------------------------------------------------ events

    def add_events(self, learner_id: str, events: list[dict]) -> None:
        """Append events in one transaction (all or none).

        An event counts for a workshop only if the learner is in it and it is still open when written.
        """
        with self._tx() as db:
            db.executemany(
                "INSERT INTO events(learner_id, at, kind, lesson, item, sub_item, response, status, workshop_id) "
                "VALUES (?,?,?,?,?,?,?,?, CASE WHEN EXISTS (SELECT 1 FROM workshops w JOIN participants p "
                "ON p.workshop_id = w.id WHERE w.id = ? AND w.closed_at IS NULL AND p.learner_id = ?) "
                "THEN ? END)",
                [(learner_id, e.get("at", time.time()), e["kind"], e["lesson"], e["item"], e.get("sub_item", ""),
                  json.dumps(e.get("response", ""), sort_keys=True), e.get("status", ""), e.get("workshop_id"),
                  learner_id, e.get("workshop_id"))
                 for e in events])

    def events(self, learner_id: str) -> list[dict]:
        with self._tx(write=False) as db:
            rows = db.execute("SELECT kind, lesson, item, sub_item, response, status, at, workshop_id FROM events "
                              "WHERE learner_id = ? ORDER BY seq", (learner_id,)).fetchall()
        return [{"kind": k, "lesson": lesson, "item": item, "sub_item": sub, "response": json.loads(resp),
                 "status": status, "at": at, "workshop_id": ws}
                for k, lesson, item, sub, resp, status, at, ws in rows]

    def count_events(self, learner_id: str) -> int:
        with self._tx(write=False) as db:
            return db.execute("SELECT COUNT(*) FROM events WHERE learner_id = ?", (learner_id,)).fetchone()[0]

    # ------------------------------------------------------------------ workshops

    def create_workshop(self, title: str = "") -> "Workshop":
        for _ in range(20):
            code = f"{secrets.choice(WORDS).upper()}-{secrets.randbelow(90) + 10}"
            ws = Workshop(secrets.token_hex(8), code, title[:80], time.time(), None)
            try:
                with self._tx() as db:
                    if db.execute("SELECT 1 FROM workshops WHERE join_code = ?", (code,)).fetchone():
                        continue
                    db.execute("INSERT INTO workshops(id, join_code, title, created_at) VALUES (?,?,?,?)",
                               (ws.id, ws.join_code, ws.title, ws.created_at))
                return ws
            except StoreError as exc:
                if not isinstance(exc.__cause__, sqlite3.IntegrityError):
                    raise
        raise StoreError("Could not make a join code. Please try again.")

    def workshop(self, workshop_id: str) -> "Workshop | None":
        return self._workshop_where("id", workshop_id)

    def workshop_by_code(self, code: str) -> "Workshop | None":
        return self._workshop_where("join_code", normalise_code(code))

    def _workshop_where(self, column: str, value: str) -> "Workshop | None":
        with self._tx(write=False) as db:
            row = db.execute(f"SELECT id, join_code, title, created_at, closed_at FROM workshops WHERE {column} = ?",
                             (value,)).fetchone()
        return Workshop(*row) if row else None

    def close_workshop(self, workshop_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE workshops SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                       (time.time(), workshop_id))

    def join_workshop(self, workshop_id: str, learner_id: str, nickname: str = "") -> None:
        with self._tx() as db:
            open_ = db.execute("SELECT closed_at IS NULL FROM workshops WHERE id = ?", (workshop_id,)).fetchone()
            if not open_ or not open_[0]:
                raise StoreError("This workshop has ended.")
            db.execute("INSERT INTO participants(workshop_id, learner_id, nickname, joined_at) VALUES (?,?,?,?) "
                       "ON CONFLICT(workshop_id, learner_id) DO UPDATE SET nickname = excluded.nickname",
                       (workshop_id, learner_id, nickname, time.time()))

    def participants(self, workshop_id: str) -> list[dict]:
        """Who joined, with when they last did anything (answers, ticks, opening lessons)."""
        with self._tx(write=False) as db:
            rows = db.execute(
                "SELECT p.learner_id, p.nickname, p.joined_at, MAX(e.at) FROM participants p "
                "LEFT JOIN events e ON e.learner_id = p.learner_id AND e.at >= p.joined_at "
                "WHERE p.workshop_id = ? GROUP BY p.learner_id ORDER BY p.joined_at", (workshop_id,)).fetchall()
        return [{"learner_id": lid, "nickname": nick, "joined_at": joined, "last_active": last or joined}
                for lid, nick, joined, last in rows]

    def workshop_answers(self, workshop_id: str) -> list[dict]:
        """Every answer that counts for the workshop, oldest first (none after it was closed)."""
        with self._tx(write=False) as db:
            rows = db.execute(
                "SELECT e.learner_id, e.item, e.response, e.status, e.at FROM events e "
                "JOIN workshops w ON w.id = e.workshop_id WHERE e.workshop_id = ? AND e.kind = 'answer' "
                "AND (w.closed_at IS NULL OR e.at <= w.closed_at) ORDER BY e.seq", (workshop_id,)).fetchall()
        return [{"learner_id": lid, "item": item, "response": json.loads(resp), "status": status, "at": at}
                for lid, item, resp, status, at in rows]


@dataclass(frozen=True)
class Workshop:
    id: str
    join_code: str
    title: str
    created_at: float
    closed_at: float | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
