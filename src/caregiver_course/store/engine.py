"""The database engines (SQLite in WAL mode by default, PostgreSQL by URL), where the data lives, and the
schema's version. SQLAlchemy is imported only when an engine is made."""

from __future__ import annotations

import os
from pathlib import Path

from ..content.paths import REPO

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


def data_dir() -> Path:
    return Path(os.environ.get("CAREGIVER_DATA_DIR", REPO / "var"))


def database_url() -> str:
    """The database every process shares (CAREGIVER_DATABASE_URL); "" means the SQLite file in data_dir()."""
    return os.environ.get("CAREGIVER_DATABASE_URL", "").strip()


class Db:
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


def sqlite_engine(path: Path, timeout: float):
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


def postgresql_engine(url: str, timeout: float, keep: bool = False):
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
