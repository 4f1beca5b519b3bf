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

from .codes import KeyProblem, key_fingerprint, keyed_hash, load_key, new_resume_code, new_workshop_code, normalise_code
from .content import REPO

__all__ = ["KeyMismatch", "Learner", "SignedOut", "Store", "StoreError", "Workshop", "database_url", "normalise_code"]

SCHEMA_VERSION = 6  # the newest Alembic revision is f"v{SCHEMA_VERSION}" (migrations/versions/)
HEAD = f"v{SCHEMA_VERSION}"

# The SQL of schemas 1-4 as the store ran it before Alembic (SQLite only, version in PRAGMA user_version).
# Not run any more: kept to document those files and to build them in tests. migrations/ makes the same tables.
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
    # 3: learners.token and learners.resume_code hold keyed hashes (the data step is in migrations/).
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

# PostgreSQL error codes that mean "try again later": lock wait or statement timed out, serialization, deadlock,
# and too many connections at once (more kernels writing at the same moment than max_connections allows).
_PG_BUSY = {"55P03", "57014", "40001", "40P01", "53300"}


KNOWN = "known:"  # kernel_clients rows that note a browser with saved progress, not a kernel


class StoreError(Exception):
    """The database could not be used; the message says what to do (in plain words: learners read it)."""

    conflict = False  # True when a unique value clashed (a random code drawn twice): the caller may retry
    detail = ""  # the database's own words, for the server's log only


# A full disk, in the words SQLite, PostgreSQL and the system use (SQLite often says only "disk I/O error").
_FULL = ("disk i/o error", "database or disk is full", "no space left", "disk full", "could not extend file")
DISK_FULL = (
    "The course's server is out of storage space, so your progress cannot be saved right now. What you do on "
    "this page is kept here and saved when there is room again. Please tell the clinic staff."
)


class SignedOut(StoreError):
    """This device no longer belongs to the learner: a new resume code was made, which signs out every device
    added with the old one."""


class KeyMismatch(StoreError):
    """The hashing key differs from the one the database was made with (its fingerprint is in the database)."""


KEY_MISMATCH = (
    "This course's progress database was made with a different hashing key. With this key no learner's saved "
    "browser or resume code would be found: everyone would silently start afresh. Use the key the database was "
    "made with (the course.key file, or CAREGIVER_HASH_KEY: the same 64 characters). To change the key on "
    "purpose, follow 'Changing the key' in the README (python -m caregiver_course accept-key)."
)


def data_dir() -> Path:
    return Path(os.environ.get("CAREGIVER_DATA_DIR", REPO / "var"))


def database_url() -> str:
    """The database every process shares (CAREGIVER_DATABASE_URL); "" means the SQLite file in data_dir()."""
    return os.environ.get("CAREGIVER_DATABASE_URL", "").strip()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


def _explain(exc: BaseException) -> StoreError:
    """A database error as a StoreError with a plain message (the original is kept as its __cause__)."""
    from sqlalchemy import exc as sa_exc

    text = _first_line(exc)
    orig = getattr(exc, "orig", None)
    full = str(orig or exc)
    if any(w in full for w in ("locked", "busy", "too many clients")) or getattr(orig, "sqlstate", None) in _PG_BUSY:
        err = StoreError("The progress database is busy. Your answer is kept and will be saved with your next one.")
    elif any(w in full.lower() for w in _FULL) or getattr(orig, "sqlstate", None) == "53100":
        err = StoreError(DISK_FULL)
    else:  # the database's own words (which may name a file) go to the log, never to the page
        err = StoreError(
            "The progress database could not be used just now. Your answers on this page are kept. If this keeps "
            "happening, please tell the clinic staff."
        )
    err.detail = text
    err.conflict = isinstance(exc, sa_exc.IntegrityError)
    return err


class _Db:
    """One transaction's connection, with the store's SQL written once for both engines: ``?`` placeholders
    (turned into the driver's own) and positional parameters, as with sqlite3."""

    def __init__(self, conn, dialect: str):
        self.conn, self.dialect = conn, dialect
        self.for_share = " FOR SHARE" if dialect == "postgresql" else ""  # SQLite's write lock covers this

    def _sql(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    def execute(self, sql: str, params: tuple = ()):
        return self.conn.exec_driver_sql(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: list[tuple]):
        if rows:
            self.conn.exec_driver_sql(self._sql(sql), [tuple(r) for r in rows])


def _sqlite_engine(path: Path, timeout: float):
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    engine = sa.create_engine(f"sqlite:///{path}", poolclass=NullPool, connect_args={"timeout": timeout})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # the store says BEGIN itself (below), as the sqlite3 store did
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe from corruption; commits skip an fsync
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write takes SQLite's write lock at once, so two writers never deadlock half-way.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("cc_write") else "BEGIN")

    return engine


def _postgresql_engine(url: str, timeout: float, keep: bool = False):
    """NullPool (a connection per transaction, none held between) unless keep: then a pool of exactly one kept
    connection (CAREGIVER_DATABASE_POOL=1, meant for pgbouncer's transaction pooling; see the README)."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool, QueuePool

    pooling = (
        {"poolclass": QueuePool, "pool_size": 1, "max_overflow": 0, "pool_timeout": timeout, "pool_pre_ping": True}
        if keep
        else {"poolclass": NullPool}
    )
    engine = sa.create_engine(
        url,
        **pooling,
        # prepare_threshold=None: no server-side prepared statements, so pgbouncer's transaction pooling works.
        connect_args={"connect_timeout": max(1, round(timeout)), "prepare_threshold": None},
    )
    ms = int(timeout * 1000)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A locked row or a stuck statement becomes a "busy" message after the store's timeout (per transaction,
        # not per connection, so it works through pgbouncer too).
        conn.exec_driver_sql(
            f"SELECT set_config('lock_timeout', '{ms}ms', true), set_config('statement_timeout', '{6 * ms}ms', true)"
        )

    return engine


MAX_EVENTS = 2000  # stored events per learner; past this, the learner's events are compacted (see compact)


def compact(events: list[dict]) -> list[int]:
    """Which events to keep (their indexes, in order) when a learner's events are compacted. The rule keeps
    everything progress, scores, resume points and workshop counts are made from: the latest event of each
    kind of thing (each question's answer, each checklist item's tick, each lesson's opened/step/end), and for
    answers also the latest right one (a question counts as right once any try was right) and the first in
    each workshop (the room's first-try counts). The rest are older repeats: the same answer changed back and
    forth, the same step opened again. How many remain is bounded by the course's content, not by time."""
    keep: dict[tuple, int] = {}
    for i, e in enumerate(events):
        key = (e["kind"], e["lesson"], e["item"], e.get("sub_item", ""))
        keep[("latest", *key)] = i
        if e["kind"] == "answer":
            if e.get("status") == "correct":
                keep[("right", *key)] = i
            if e.get("workshop_id"):
                keep.setdefault(("first", e["workshop_id"], *key), i)
    return sorted(set(keep.values()))


def new_event_id() -> str:
    """An event's id, made by the writer (the learner's kernel) before the first try to save it."""
    return secrets.token_hex(12)


@dataclass(frozen=True)
class Learner:
    """A learner. token and resume_code are known only to the device that holds them (the store keeps
    hashes): they are filled in when a learner is made or a code is typed, and are "" otherwise."""

    id: str
    token: str = ""
    resume_code: str = ""


class Store:
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
                _sqlite_engine(self.path, timeout)
                if self.dialect == "sqlite"
                else _postgresql_engine(self.url, timeout, keep=os.environ.get("CAREGIVER_DATABASE_POOL", "") == "1")
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
            raise StoreError(f"The progress database at {where} cannot be opened ({_first_line(exc)}). {hint}") from exc

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
                        yield _Db(conn, self.dialect)
            except sa_exc.DBAPIError as exc:
                raise _explain(exc) from exc

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

    def _revision(self, db: _Db | None = None) -> str:
        """The Alembic revision of the database ("" if it has none: new, or made before Alembic)."""
        if db is None:
            with self.engine.connect() as conn, conn.begin():
                return self._revision(_Db(conn, self.dialect))
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

        from .migrations import HERE

        with self.engine.connect() as conn:
            conn = conn.execution_options(cc_write=True)
            with conn.begin():
                db = _Db(conn, self.dialect)
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

    def _device_ok(self, db: _Db, learner_id: str, token: str) -> bool:
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
            if n > MAX_EVENTS:
                self._compact(db, learner_id)

    def _compact(self, db: _Db, learner_id: str) -> None:
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
                if not exc.conflict:
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
            open_ = db.execute(
                "SELECT closed_at IS NULL FROM workshops WHERE id = ?" + db.for_share, (workshop_id,)
            ).fetchone()
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
                "WHERE p.workshop_id = ? GROUP BY p.learner_id, p.nickname, p.joined_at ORDER BY p.joined_at",
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
            db.execute(
                "DELETE FROM kernel_clients WHERE at < ? AND kernel_id NOT LIKE ?", (now - 2 * 86400, KNOWN + "%")
            )

    def note_known_browser(self, browser: str, now: float | None = None) -> None:
        """A browser (its key's keyed hash) came back with saved progress: the server lets it in first when
        full. Kept with the kernels' notes, for a year after its last visit."""
        now = now if now is not None else time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO kernel_clients(kernel_id, client, at) VALUES (?,?,?) ON CONFLICT(kernel_id) "
                "DO UPDATE SET at = excluded.at",
                (KNOWN + browser, "", now),
            )
            db.execute("DELETE FROM kernel_clients WHERE at < ? AND kernel_id LIKE ?", (now - 366 * 86400, KNOWN + "%"))

    def browser_known(self, browser: str) -> bool:
        with self._tx(write=False) as db:
            return (
                db.execute("SELECT 1 FROM kernel_clients WHERE kernel_id = ?", (KNOWN + browser,)).fetchone()
                is not None
            )

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
