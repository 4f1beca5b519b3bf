"""Persistence: one store on two engines (SQLite in WAL mode by default, PostgreSQL by URL). No widgets.

Modules: ``engine`` (engines, data folder, schema version), ``migrations/`` (Alembic revisions), ``database``
(the Store: learners, events, journal), ``rooms`` (workshops, wrong tries, kernel owners), ``events``
(append-only events and their compaction), ``errors`` (plain-words errors), ``codes`` (resume and workshop
codes, keyed hashes, the key file), ``session`` (a learner's session inside a kernel, with retries),
``ratelimit`` (wrong tries per browser, address and server), ``kernelstats`` (save timings for /cc/metrics).

The names below are the store's public face: ``from caregiver_course.store import Store, StoreError``.
"""

from .codes import normalise_code
from .database import Learner, Store
from .engine import HEAD, MIGRATIONS, SCHEMA_VERSION, data_dir, database_url
from .errors import KeyMismatch, SignedOut, StoreError
from .events import MAX_EVENTS, compact
from .rooms import Workshop

__all__ = [
    "HEAD",
    "MAX_EVENTS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "KeyMismatch",
    "Learner",
    "SignedOut",
    "Store",
    "StoreError",
    "Workshop",
    "compact",
    "data_dir",
    "database_url",
    "normalise_code",
]
