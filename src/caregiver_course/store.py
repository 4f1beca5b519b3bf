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

from .codes import keyed_hash, load_key, new_resume_code, new_workshop_code, normalise_code
from .content import REPO

__all__ = ["Learner", "Store", "StoreError", "Workshop", "normalise_code"]

SCHEMA_VERSION = 4
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
    # 3: learners.token and learners.resume_code now hold keyed hashes (codes.keyed_hash), never the values;
    # a learner who resumes on another device gets a device token of its own; wrong-code tries per client
    # (shared by every kernel, for the rate limits) and which client each page's kernel serves.
    3: """
    CREATE TABLE devices (
        token_hash TEXT PRIMARY KEY,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        created_at REAL NOT NULL
    );
    CREATE INDEX devices_learner ON devices(learner_id);
    CREATE TABLE attempts (
        scope TEXT NOT NULL,
        client TEXT NOT NULL,
        at REAL NOT NULL,
        ok INTEGER NOT NULL
    );
    CREATE INDEX attempts_scope ON attempts(scope, at);
    CREATE TABLE kernel_clients (
        kernel_id TEXT PRIMARY KEY,
        client TEXT NOT NULL,
        at REAL NOT NULL
    );
    """,
    # 4: the observation journal (opt-in, issue 11): one entry per learner and day, and whether it is on.
    # Only the learner's own page reads it: never a facilitator's page or a workshop's results.
    4: """
    CREATE TABLE journal_entries (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        at REAL NOT NULL,
        entry TEXT NOT NULL,
        PRIMARY KEY (learner_id, day)
    );
    CREATE TABLE journal_on (
        learner_id TEXT PRIMARY KEY REFERENCES learners(id) ON DELETE CASCADE,
        at REAL NOT NULL
    );
    """,
}


class StoreError(Exception):
    """The database could not be used; the message says what to do."""


def data_dir() -> Path:
    return Path(os.environ.get("CAREGIVER_DATA_DIR", REPO / "var"))


def _rollback(db: sqlite3.Connection | None) -> None:
    try:
        if db is not None and db.in_transaction:
            db.execute("ROLLBACK")
    except sqlite3.Error:
        pass


@dataclass(frozen=True)
class Learner:
    """A learner. token and resume_code are known only to the device that holds them (the store keeps
    hashes): they are filled in when a learner is made or a code is typed, and are "" otherwise."""

    id: str
    token: str = ""
    resume_code: str = ""


class Store:
    def __init__(self, path: Path | None = None, timeout: float = 5.0):
        self.path = Path(path) if path else data_dir() / "course.sqlite3"
        self.timeout = timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.key = load_key(self.path.with_name(self.path.name + ".key"))
            self._prepare()
        except sqlite3.Error as exc:
            raise StoreError(
                f"The progress database at {self.path} cannot be opened ({exc}). "
                "Check that the folder exists and can be written to."
            ) from exc
        except OSError as exc:
            raise StoreError(
                f"The data folder {self.path.parent} cannot be created ({exc}). "
                "Set CAREGIVER_DATA_DIR to a folder that can be written to."
            ) from exc

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
                raise StoreError(
                    "The progress database is busy. Your answer is kept and will be saved with your next one."
                ) from exc
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
                if v == 3:  # replace stored tokens and resume codes by their keyed hashes
                    rows = db.execute("SELECT id, token, resume_code FROM learners").fetchall()
                    db.executemany(
                        "UPDATE learners SET token = ?, resume_code = ? WHERE id = ?",
                        [(self._hash(t), self._hash(normalise_code(c)), i) for i, t, c in rows],
                    )
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

    def _hash(self, value: str) -> str:
        return keyed_hash(self.key, value)

    def new_learner(self) -> Learner:
        for _ in range(10):
            learner = Learner(secrets.token_hex(8), secrets.token_urlsafe(24), new_resume_code())
            try:
                with self._tx() as db:
                    db.execute(
                        "INSERT INTO learners(id, token, resume_code, created_at) VALUES (?,?,?,?)",
                        (learner.id, self._hash(learner.token), self._hash(learner.resume_code), time.time()),
                    )
                return learner
            except StoreError as exc:
                if not isinstance(exc.__cause__, sqlite3.IntegrityError):
                    raise  # a clash of random codes is retried; anything else is reported
        raise StoreError("Could not make a new resume code. Please try again.")

    def by_token(self, token: str) -> Learner | None:
        """The learner whose browser holds this token (their first device's, or one added by a resume code)."""
        if not token:
            return None
        h = self._hash(token)
        with self._tx(write=False) as db:
            row = db.execute(
                "SELECT id FROM learners WHERE token = ? UNION ALL "
                "SELECT learner_id FROM devices WHERE token_hash = ? LIMIT 1",
                (h, h),
            ).fetchone()
        return Learner(row[0], token, "") if row else None

    def by_resume_code(self, code: str) -> Learner | None:
        """The learner with this resume code, with a new token for the device that typed it."""
        code = normalise_code(code)
        if not code:
            return None
        with self._tx(write=False) as db:
            row = db.execute("SELECT id FROM learners WHERE resume_code = ?", (self._hash(code),)).fetchone()
        if not row:
            return None
        token = secrets.token_urlsafe(24)
        with self._tx() as db:
            db.execute(
                "INSERT INTO devices(token_hash, learner_id, created_at) VALUES (?,?,?)",
                (self._hash(token), row[0], time.time()),
            )
        return Learner(row[0], token, code)

    def code_matches(self, learner_id: str, code: str) -> bool:
        """Is this the learner's resume code? (A browser shows the code it holds only after this check.)"""
        code = normalise_code(code)
        if not code:
            return False
        with self._tx(write=False) as db:
            row = db.execute(
                "SELECT 1 FROM learners WHERE id = ? AND resume_code = ?", (learner_id, self._hash(code))
            ).fetchone()
        return row is not None

    def new_code_for(self, learner_id: str) -> str:
        """Give the learner a new resume code (the old one stops working) and return it."""
        for _ in range(10):
            code = new_resume_code()
            try:
                with self._tx() as db:
                    db.execute("UPDATE learners SET resume_code = ? WHERE id = ?", (self._hash(code), learner_id))
                return code
            except StoreError as exc:
                if not isinstance(exc.__cause__, sqlite3.IntegrityError):
                    raise
        raise StoreError("Could not make a new resume code. Please try again.")

    def delete_learner(self, learner_id: str) -> int:
        """Remove every row about this learner. Returns how many events were removed."""
        with self._tx() as db:
            n = db.execute("SELECT COUNT(*) FROM events WHERE learner_id = ?", (learner_id,)).fetchone()[0]
            db.execute("DELETE FROM events WHERE learner_id = ?", (learner_id,))
            db.execute("DELETE FROM journal_entries WHERE learner_id = ?", (learner_id,))
            db.execute("DELETE FROM journal_on WHERE learner_id = ?", (learner_id,))
            db.execute("DELETE FROM participants WHERE learner_id = ?", (learner_id,))
            db.execute("DELETE FROM devices WHERE learner_id = ?", (learner_id,))
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
                [
                    (
                        learner_id,
                        e.get("at", time.time()),
                        e["kind"],
                        e["lesson"],
                        e["item"],
                        e.get("sub_item", ""),
                        json.dumps(e.get("response", ""), sort_keys=True),
                        e.get("status", ""),
                        e.get("workshop_id"),
                        learner_id,
                        e.get("workshop_id"),
                    )
                    for e in events
                ],
            )

    def events(self, learner_id: str) -> list[dict]:
        with self._tx(write=False) as db:
            rows = db.execute(
                "SELECT kind, lesson, item, sub_item, response, status, at, workshop_id FROM events "
                "WHERE learner_id = ? ORDER BY seq",
                (learner_id,),
            ).fetchall()
        return [
            {
                "kind": k,
                "lesson": lesson,
                "item": item,
                "sub_item": sub,
                "response": json.loads(resp),
                "status": status,
                "at": at,
                "workshop_id": ws,
            }
            for k, lesson, item, sub, resp, status, at, ws in rows
        ]

    def count_events(self, learner_id: str) -> int:
        with self._tx(write=False) as db:
            return db.execute("SELECT COUNT(*) FROM events WHERE learner_id = ?", (learner_id,)).fetchone()[0]

    # ------------------------------------------------------------------ the observation journal (opt-in)

    def set_journal_on(self, learner_id: str, on: bool) -> None:
        """Turn the learner's journal on, or off (off deletes its entries too)."""
        with self._tx() as db:
            if on:
                db.execute(
                    "INSERT INTO journal_on(learner_id, at) VALUES (?,?) ON CONFLICT(learner_id) DO NOTHING",
                    (learner_id, time.time()),
                )
            else:
                db.execute("DELETE FROM journal_entries WHERE learner_id = ?", (learner_id,))
                db.execute("DELETE FROM journal_on WHERE learner_id = ?", (learner_id,))

    def journal_is_on(self, learner_id: str) -> bool:
        with self._tx(write=False) as db:
            return db.execute("SELECT 1 FROM journal_on WHERE learner_id = ?", (learner_id,)).fetchone() is not None

    def add_journal_entry(self, learner_id: str, day: str, entry: dict) -> None:
        """Save the day's entry (a second entry for the same day replaces the first)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO journal_entries(learner_id, day, at, entry) VALUES (?,?,?,?) "
                "ON CONFLICT(learner_id, day) DO UPDATE SET at = excluded.at, entry = excluded.entry",
                (learner_id, day, time.time(), json.dumps(entry, sort_keys=True)),
            )

    def journal_entries(self, learner_id: str) -> list[dict]:
        """The learner's entries, oldest day first, each with its "day"."""
        with self._tx(write=False) as db:
            rows = db.execute(
                "SELECT day, entry FROM journal_entries WHERE learner_id = ? ORDER BY day", (learner_id,)
            ).fetchall()
        return [{**json.loads(entry), "day": day} for day, entry in rows]

    def learner_ids(self) -> list[str]:
        """Every learner's id (the certificate check looks for the one whose code matches)."""
        with self._tx(write=False) as db:
            return [r[0] for r in db.execute("SELECT id FROM learners ORDER BY created_at").fetchall()]

    # ------------------------------------------------------------------ workshops

    def create_workshop(self, title: str = "") -> Workshop:
        for _ in range(20):
            code = new_workshop_code()
            ws = Workshop(secrets.token_hex(8), code, title[:80], time.time(), None)
            try:
                with self._tx() as db:
                    if db.execute("SELECT 1 FROM workshops WHERE join_code = ?", (code,)).fetchone():
                        continue
                    db.execute(
                        "INSERT INTO workshops(id, join_code, title, created_at) VALUES (?,?,?,?)",
                        (ws.id, ws.join_code, ws.title, ws.created_at),
                    )
                return ws
            except StoreError as exc:
                if not isinstance(exc.__cause__, sqlite3.IntegrityError):
                    raise
        raise StoreError("Could not make a join code. Please try again.")

    def workshop(self, workshop_id: str) -> Workshop | None:
        return self._workshop_where("id", workshop_id)

    def workshop_by_code(self, code: str) -> Workshop | None:
        return self._workshop_where("join_code", normalise_code(code))

    def _workshop_where(self, column: str, value: str) -> Workshop | None:
        with self._tx(write=False) as db:
            row = db.execute(
                f"SELECT id, join_code, title, created_at, closed_at FROM workshops WHERE {column} = ?", (value,)
            ).fetchone()
        return Workshop(*row) if row else None

    def close_workshop(self, workshop_id: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE workshops SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (time.time(), workshop_id)
            )

    def join_workshop(self, workshop_id: str, learner_id: str, nickname: str = "") -> None:
        with self._tx() as db:
            open_ = db.execute("SELECT closed_at IS NULL FROM workshops WHERE id = ?", (workshop_id,)).fetchone()
            if not open_ or not open_[0]:
                raise StoreError("This workshop has ended.")
            db.execute(
                "INSERT INTO participants(workshop_id, learner_id, nickname, joined_at) VALUES (?,?,?,?) "
                "ON CONFLICT(workshop_id, learner_id) DO UPDATE SET nickname = excluded.nickname",
                (workshop_id, learner_id, nickname, time.time()),
            )

    def participants(self, workshop_id: str) -> list[dict]:
        """Who joined, with when they last did anything (answers, ticks, opening lessons)."""
        with self._tx(write=False) as db:
            rows = db.execute(
                "SELECT p.learner_id, p.nickname, p.joined_at, MAX(e.at) FROM participants p "
                "LEFT JOIN events e ON e.learner_id = p.learner_id AND e.at >= p.joined_at "
                "WHERE p.workshop_id = ? GROUP BY p.learner_id ORDER BY p.joined_at",
                (workshop_id,),
            ).fetchall()
        return [
            {"learner_id": lid, "nickname": nick, "joined_at": joined, "last_active": last or joined}
            for lid, nick, joined, last in rows
        ]

    def workshop_answers(self, workshop_id: str) -> list[dict]:
        """Every answer that counts for the workshop, oldest first (none after it was closed)."""
        with self._tx(write=False) as db:
            rows = db.execute(
                "SELECT e.learner_id, e.item, e.response, e.status, e.at FROM events e "
                "JOIN workshops w ON w.id = e.workshop_id WHERE e.workshop_id = ? AND e.kind = 'answer' "
                "AND (w.closed_at IS NULL OR e.at <= w.closed_at) ORDER BY e.seq",
                (workshop_id,),
            ).fetchall()
        return [
            {"learner_id": lid, "item": item, "response": json.loads(resp), "status": status, "at": at}
            for lid, item, resp, status, at in rows
        ]

    # ------------------------------------------------------------------ rate limits (shared by all kernels)

    def record_attempt(self, scope: str, client: str, ok: bool, now: float | None = None) -> None:
        """Note one try (a resume code, a workshop code, the facilitator secret). Old rows are trimmed."""
        now = now if now is not None else time.time()
        with self._tx() as db:
            db.execute("INSERT INTO attempts(scope, client, at, ok) VALUES (?,?,?,?)", (scope, client, now, int(ok)))
            db.execute("DELETE FROM attempts WHERE at < ?", (now - 86400,))

    def failures(self, scope: str, since: float, client: str | None = None) -> list[float]:
        """Times of wrong tries in this scope since then (for one client, or for everyone), oldest first."""
        with self._tx(write=False) as db:
            if client is None:
                rows = db.execute(
                    "SELECT at FROM attempts WHERE scope = ? AND at >= ? AND ok = 0 ORDER BY at", (scope, since)
                ).fetchall()
            else:
                rows = db.execute(
                    "SELECT at FROM attempts WHERE scope = ? AND client = ? AND at >= ? AND ok = 0 ORDER BY at",
                    (scope, client, since),
                ).fetchall()
        return [r[0] for r in rows]

    def set_kernel_client(self, kernel_id: str, client: str, now: float | None = None) -> None:
        """The server notes which client (a keyed hash of its address) a page's kernel serves."""
        now = now if now is not None else time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO kernel_clients(kernel_id, client, at) VALUES (?,?,?) ON CONFLICT(kernel_id) "
                "DO UPDATE SET client = excluded.client, at = excluded.at",
                (kernel_id, client, now),
            )
            db.execute("DELETE FROM kernel_clients WHERE at < ?", (now - 2 * 86400,))

    def kernel_client(self, kernel_id: str) -> str:
        with self._tx(write=False) as db:
            row = db.execute("SELECT client FROM kernel_clients WHERE kernel_id = ?", (kernel_id,)).fetchone()
        return row[0] if row else ""

    def client_hash(self, address: str) -> str:
        return self._hash("client:" + address)[:27]


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
