"""Persistence: one store on two engines, through SQLAlchemy Core with Alembic migrations.

SQLite (WAL) in a data directory outside the tree Voila serves is the default: nothing to install. With
``CAREGIVER_DATABASE_URL=postgresql+psycopg://user:pass@host/db`` every process and machine shares one
PostgreSQL database instead (see the README's "Serving many learners"). The schema is made and upgraded by
the Alembic revisions in ``migrations/``, run here when a store opens; an up-to-date database costs one read.

Answers, ticks and steps are append-only events; progress is derived from them. Each event carries an id made
by the writer, so a retried write never stores it twice. A learner is an anonymous id with a long browser
token (kept in the browser) and a short resume code (for another device); the store keeps only keyed hashes
of both. Nothing about the patient is stored. Every write is one transaction.

A store holds at most one database connection at a time, and by default none between transactions (NullPool):
a kernel that waits for its learner holds nothing on the database server. With CAREGIVER_DATABASE_POOL=1 it
keeps its one connection (for pgbouncer's transaction pooling: connecting once, not per transaction).

SQLAlchemy is imported when a store opens, Alembic only when a schema must change: importing this module
(for StoreError, say) stays cheap.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import events as event_log
from .codes import KeyProblem, key_fingerprint, keyed_hash, load_key, new_resume_code, normalise_code
from .engine import HEAD, SCHEMA_VERSION, Db, data_dir, database_url, postgresql_engine, sqlite_engine
from .errors import KEY_MISMATCH, KeyMismatch, SignedOut, StoreError, explain, first_line
from .events import compact, new_event_id
from .migrations import HERE
from .rooms import Rooms


@dataclass(frozen=True)
class Learner:
    """A learner. token and resume_code are known only to the device that holds them (the store keeps
    hashes): they are filled in when a learner is made or a code is typed, and are "" otherwise."""

    id: str
    token: str = ""
    resume_code: str = ""


class Store(Rooms):
    """The course's database. ``Store()`` opens CAREGIVER_DATABASE_URL, or the SQLite file in the data folder;
    ``Store(path)`` a SQLite file; ``Store(url=...)`` any database URL SQLAlchemy knows (SQLite or PostgreSQL)."""

    def __init__(self, path: Path | None = None, timeout: float = 5.0, url: str | None = None, check_key: bool = True):
        url = url or ("" if path else database_url())
        for plain in ("postgres://", "postgresql://"):  # the driver installed is psycopg 3
            if url.startswith(plain):
                url = "postgresql+psycopg://" + url[len(plain) :]
        self.timeout = timeout
        self.url = url or ""
        self.path: Path | None = None
        if url and not url.startswith(("sqlite:", "postgresql+psycopg:")):
            raise StoreError(
                "CAREGIVER_DATABASE_URL must start with postgresql+psycopg:// (PostgreSQL) or sqlite:/// (a file); "
                f"it starts with {url.split(':', 1)[0]!r}."
            )
        if url.startswith("postgresql"):
            self.dialect = "postgresql"
            keyfile = data_dir() / "course.key"  # or CAREGIVER_HASH_KEY: every machine must use the same key
        else:
            self.dialect = "sqlite"
            if url:
                path = Path(url.split(":///", 1)[1]) if ":///" in url else None
            self.path = Path(path) if path else data_dir() / "course.sqlite3"
            keyfile = self.path.with_name(self.path.name + ".key")
        self._lock = threading.Lock()  # one connection at a time per store (threads queue here)
        self.keyfile = keyfile
        try:
            keyfile.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.key = load_key(keyfile)
            except KeyProblem as exc:
                raise StoreError(str(exc)) from exc
            self.engine = (
                sqlite_engine(self.path, timeout)
                if self.dialect == "sqlite"
                else postgresql_engine(self.url, timeout, keep=os.environ.get("CAREGIVER_DATABASE_POOL", "") == "1")
            )
            self._prepare()
            if check_key:
                self._check_key()
        except StoreError:
            raise
        except OSError as exc:
            raise StoreError(
                f"The data folder {keyfile.parent} cannot be created ({exc}). "
                "Set CAREGIVER_DATA_DIR to a folder that can be written to."
            ) from exc
        except Exception as exc:  # the engine's errors (sqlite3, psycopg, SQLAlchemy): said plainly
            hint = (
                "Check that the folder exists and can be written to."
                if self.dialect == "sqlite"
                else "Check CAREGIVER_DATABASE_URL and that the database server is running."
            )
            where = self.path or self._safe_url()
            raise StoreError(f"The progress database at {where} cannot be opened ({first_line(exc)}). {hint}") from exc

    def _safe_url(self) -> str:
        from sqlalchemy.engine import make_url

        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except Exception:
            return "(CAREGIVER_DATABASE_URL)"

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _tx(self, write: bool = True):
        """One transaction; a locked or broken database becomes a StoreError with a plain message."""
        from sqlalchemy import exc as sa_exc

        with self._lock:
            try:
                with self.engine.connect() as conn:
                    conn = conn.execution_options(cc_write=write)
                    with conn.begin():
                        yield Db(conn, self.dialect)
            except sa_exc.DBAPIError as exc:
                raise explain(exc) from exc

    def _prepare(self, attempts: int = 50) -> None:
        """WAL mode (SQLite) and an up-to-date schema. Switching to WAL does not wait for other connections,
        so a new database opened by several kernels at once is retried for a few seconds."""
        for attempt in range(attempts):
            try:
                if self.dialect == "sqlite":
                    raw = self.engine.raw_connection()
                    try:
                        raw.driver_connection.execute("PRAGMA journal_mode=WAL")
                    finally:
                        raw.close()
                if self._revision() != HEAD:
                    self._migrate()
                return
            except Exception as exc:
                if isinstance(exc, StoreError) or "locked" not in str(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.05 + 0.05 * secrets.randbelow(4))

    def _check_key(self) -> None:
        """The database keeps the fingerprint of the key it was made with (the first store to open it writes it;
        a database from before schema 6 takes the key in use then). Another key: KeyMismatch."""
        mine = key_fingerprint(self.key)
        with self._tx() as db:
            row = db.execute("SELECT value FROM store_settings WHERE name = 'key_fingerprint'").fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO store_settings(name, value) VALUES ('key_fingerprint', ?) ON CONFLICT DO NOTHING",
                    (mine,),
                )
                row = db.execute("SELECT value FROM store_settings WHERE name = 'key_fingerprint'").fetchone()
        if row[0] != mine:
            raise KeyMismatch(KEY_MISMATCH)

    def accept_key(self) -> str:
        """Record this store's key as the database's key (after a deliberate change). Returns the old fingerprint."""
        with self._tx() as db:
            row = db.execute("SELECT value FROM store_settings WHERE name = 'key_fingerprint'").fetchone()
            db.execute("DELETE FROM store_settings WHERE name = 'key_fingerprint'")
            db.execute(
                "INSERT INTO store_settings(name, value) VALUES ('key_fingerprint', ?)", (key_fingerprint(self.key),)
            )
        return row[0] if row else ""

    def _revision(self, db: Db | None = None) -> str:
        """The Alembic revision of the database ("" if it has none: new, or made before Alembic)."""
        if db is None:
            with self.engine.connect() as conn, conn.begin():
                return self._revision(Db(conn, self.dialect))
        if self.dialect == "sqlite":
            found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
        else:
            found = db.execute("SELECT 1 WHERE to_regclass('alembic_version') IS NOT NULL")
        if not found.fetchone():
            return ""
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else ""

    def _migrate(self) -> None:
        """Bring the schema up to date with Alembic, under the write lock, so kernels starting at the same
        moment on a new database do not both try to create it."""
        from alembic import command
        from alembic.config import Config

        with self.engine.connect() as conn:
            conn = conn.execution_options(cc_write=True)
            with conn.begin():
                db = Db(conn, self.dialect)
                if self.dialect == "postgresql":
                    db.execute("SELECT pg_advisory_xact_lock(?)", (0x63617265,))  # one migrator at a time
                revision = self._revision(db)
                if revision == HEAD:
                    return  # another process did it while we waited
                legacy = 0
                if not revision and self.dialect == "sqlite":
                    legacy = db.execute("PRAGMA user_version").fetchone()[0]  # a file made before Alembic
                number = int(revision[1:]) if revision[1:].isdigit() else legacy
                if number > SCHEMA_VERSION or (revision and not revision[1:].isdigit()):
                    raise StoreError(
                        f"The database was made by a newer version of the course (schema {revision or number})."
                    )
                cfg = Config()
                cfg.set_main_option("script_location", str(HERE))
                cfg.attributes["connection"] = conn
                cfg.attributes["keyed_hash"] = self._hash
                if legacy:
                    command.stamp(cfg, f"v{legacy}")
                command.upgrade(cfg, HEAD)

    def ping(self) -> None:
        """One trivial read: raises StoreError if the database does not answer (readiness checks)."""
        with self._tx(write=False) as db:
            db.execute("SELECT 1").fetchone()

    @property
    def schema_version(self) -> int:
        with self._tx(write=False) as db:
            return int(self._revision(db)[1:])

    # ------------------------------------------------------------------ learners

    def _hash(self, value: str) -> str:
        return keyed_hash(self.key, value)

    def new_learner(self, token: str = "") -> Learner:
        """A new learner with a new resume code, and a new random token unless one is given."""
        for _ in range(10):
            learner = Learner(secrets.token_hex(8), token or secrets.token_urlsafe(24), new_resume_code())
            try:
                with self._tx() as db:
                    db.execute(
                        "INSERT INTO learners(id, token, resume_code, created_at) VALUES (?,?,?,?)",
                        (learner.id, self._hash(learner.token), self._hash(learner.resume_code), time.time()),
                    )
                return learner
            except StoreError as exc:
                if not exc.conflict or (token and self.by_token(token)):
                    raise  # a clash of random codes is retried; anything else (a given token taken) is reported
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

    def hub_learner(self, user: str) -> Learner:
        """The learner who is this JupyterHub user, made on first use. Their token is derived from the name with
        the store's key, and the store keeps only its hash, so the name itself is never written."""
        token = self._hash("hub:" + user)
        for _ in range(3):
            if (found := self.by_token(token)) is not None:
                return found
            try:
                return self.new_learner(token)
            except StoreError as exc:
                if not exc.conflict:  # a clash: another server of the same user made them just now
                    raise
        raise StoreError("Could not find or make this user's progress. Please try again.")

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

    def new_code_for(self, learner_id: str, keep_token: str = "") -> str:
        """Give the learner a new resume code and return it. The old code stops working, and every device that
        was added with a resume code is signed out, except the one asking (keep_token). The learner's first
        browser (its token is the learner's own) stays."""
        for _ in range(10):
            code = new_resume_code()
            try:
                with self._tx() as db:
                    db.execute("UPDATE learners SET resume_code = ? WHERE id = ?", (self._hash(code), learner_id))
                    db.execute(
                        "DELETE FROM devices WHERE learner_id = ? AND token_hash <> ?",
                        (learner_id, self._hash(keep_token) if keep_token else ""),
                    )
                return code
            except StoreError as exc:
                if not exc.conflict:
                    raise
        raise StoreError("Could not make a new resume code. Please try again.")

    def device_ok(self, learner_id: str, token: str) -> bool:
        """Does the browser holding this token still belong to this learner? (False once it was signed out.)"""
        with self._tx(write=False) as db:
            return self._device_ok(db, learner_id, token)

    def _device_ok(self, db: Db, learner_id: str, token: str) -> bool:
        h = self._hash(token)
        row = db.execute(
            "SELECT 1 FROM learners WHERE id = ? AND token = ? UNION ALL "
            "SELECT 1 FROM devices WHERE learner_id = ? AND token_hash = ? LIMIT 1",
            (learner_id, h, learner_id, h),
        ).fetchone()
        return row is not None

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

    def add_events(self, learner_id: str, events: list[dict], token: str = "") -> None:
        """Append events in one transaction (all or none). Idempotent: an event whose ``event_id`` is already
        stored is skipped, so a write retried after an unclear failure never doubles an answer. An event without
        an id gets one here (kept in its dict, so retrying with the same dicts is safe too).

        An event counts for a workshop only if the learner is in it and it is still open when written. Given the
        writing device's token, a device that was signed out (a new resume code) writes nothing: SignedOut.
        """
        for e in events:
            e.setdefault("event_id", new_event_id())
        with self._tx() as db:
            if token and not self._device_ok(db, learner_id, token):
                raise SignedOut("This device was signed out because a new resume code was made.")
            db.executemany(
                "INSERT INTO events(event_id, learner_id, at, kind, lesson, item, sub_item, response, status, "
                "workshop_id) VALUES (?,?,?,?,?,?,?,?,?, CASE WHEN EXISTS (SELECT 1 FROM workshops w JOIN "
                "participants p ON p.workshop_id = w.id WHERE w.id = ? AND w.closed_at IS NULL AND p.learner_id = ?) "
                "THEN ? END) ON CONFLICT (event_id) DO NOTHING",
                [
                    (
                        e["event_id"],
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
            n = db.execute("SELECT COUNT(*) FROM events WHERE learner_id = ?", (learner_id,)).fetchone()[0]
            if n > event_log.MAX_EVENTS:
                self._compact(db, learner_id)

    def _compact(self, db: Db, learner_id: str) -> None:
        rows = db.execute(
            "SELECT seq, kind, lesson, item, sub_item, status, workshop_id FROM events WHERE learner_id = ? "
            "ORDER BY seq",
            (learner_id,),
        ).fetchall()
        names = ("seq", "kind", "lesson", "item", "sub_item", "status", "workshop_id")
        events = [dict(zip(names, r)) for r in rows]
        kept = {events[i]["seq"] for i in compact(events)}
        gone = [(learner_id, e["seq"]) for e in events if e["seq"] not in kept]
        db.executemany("DELETE FROM events WHERE learner_id = ? AND seq = ?", gone)

    def events(self, learner_id: str) -> list[dict]:
        with self._tx(write=False) as db:
            rows = db.execute(
                "SELECT kind, lesson, item, sub_item, response, status, at, workshop_id, event_id FROM events "
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
                "event_id": eid,
            }
            for k, lesson, item, sub, resp, status, at, ws, eid in rows
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
