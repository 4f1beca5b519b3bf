"""Backups and moves of the progress store (no widgets): back up while the course serves, restore, and copy a
clinic's SQLite store into PostgreSQL when it outgrows one machine.

* ``backup`` writes a SQLite file with SQLite's online backup (a consistent copy while kernels keep writing) or,
  from PostgreSQL, a row-by-row copy in one read transaction (REPEATABLE READ: one consistent snapshot). The
  hashing key goes beside it (``<file>.key``, readable by the owner only): a backup without its key is useless.
* ``restore`` copies a backup file into the store the course uses (SQLite or PostgreSQL); ``copy_store`` does
  the same between any two stores. Both refuse a target that already holds learners, and a target whose key is
  not the source's, and they count every table on both sides afterwards.

Tables are found by reflection, in foreign-key order, so a table added by a later schema is copied too.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..store import Store, StoreError
from ..store.codes import key_fingerprint

SKIP = {"alembic_version", "sqlite_sequence"}  # the schema's own bookkeeping: each store keeps its own
BATCH = 2000


class CopyError(StoreError):
    """A backup, restore or copy that was refused or did not check out; the message says what to do."""


def _tables(store: Store):
    import sqlalchemy as sa

    meta = sa.MetaData()
    meta.reflect(bind=store.engine)
    return [t for t in meta.sorted_tables if t.name not in SKIP]


def counts(store: Store) -> dict[str, int]:
    """Rows in every table of the store (its own bookkeeping left out)."""
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in _tables(store)}


def _write_key(key: bytes, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() if len(key) == 32 else key.decode("utf-8", "replace"))
    os.replace(tmp, path)


def backup(store: Store, dest: Path) -> dict[str, int]:
    """A consistent copy of the store in the SQLite file ``dest`` (and its key beside it), taken while the course
    serves. Returns the rows copied per table, checked against the copy."""
    dest = Path(dest)
    if dest.exists():
        raise CopyError(f"{dest.name} exists already. Choose a new file name, so no backup is overwritten.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if store.dialect == "sqlite":
        src = sqlite3.connect(store.path, timeout=30)
        try:
            out = sqlite3.connect(dest)
            with out:
                src.backup(out, pages=1024)  # in steps: writers are held up for a moment at a time, not for all
            out.close()
        finally:
            src.close()
        _write_key(store.key, dest.with_name(dest.name + ".key"))
        copy = Store(dest)
    else:
        _write_key(store.key, dest.with_name(dest.name + ".key"))
        copy = Store(dest)
        _copy_rows(store, copy, snapshot=True)
    return _checked(store, copy, live=store.dialect == "sqlite")


def restore(src: Path, store: Store) -> dict[str, int]:
    """Copy the backup file ``src`` (with its key beside it) into ``store``, which must hold no learners yet."""
    src = Path(src)
    if not src.is_file():
        raise CopyError(f"There is no backup file called {src.name} there.")
    keyfile = src.with_name(src.name + ".key")
    if not keyfile.is_file():
        raise CopyError(f"The backup's key file ({keyfile.name}) is missing: without it no learner can be found.")
    saved = os.environ.pop("CAREGIVER_HASH_KEY", None)  # the backup is read with its own key file
    try:
        source = Store(src)
    finally:
        if saved is not None:
            os.environ["CAREGIVER_HASH_KEY"] = saved
    if key_fingerprint(source.key) != key_fingerprint(store.key) and _empty(store):
        if os.environ.get("CAREGIVER_HASH_KEY", "").strip():
            raise CopyError(
                "CAREGIVER_HASH_KEY is not the backup's key. Set it to the contents of the backup's key file "
                f"({keyfile.name}), or unset it so the backup's key file is used."
            )
        # a new, empty store takes the backup's key: nothing has been hashed with its own key yet
        _write_key(source.key, store.keyfile)
        store.key = source.key
        store.accept_key()
    return copy_store(source, store)


def _empty(store: Store) -> bool:
    import sqlalchemy as sa

    tables = {t.name: t for t in _tables(store)}
    with store.engine.connect() as conn:
        return not conn.execute(sa.select(sa.func.count()).select_from(tables["learners"])).scalar_one()


def copy_store(source: Store, target: Store) -> dict[str, int]:
    """Every row of ``source`` into ``target`` (both at the newest schema), then counted on both sides."""
    if key_fingerprint(source.key) != key_fingerprint(target.key):
        raise CopyError(
            "The two stores use different hashing keys, so no learner could be found after the copy. Start the "
            "copy with the source's key: set CAREGIVER_HASH_KEY to the contents of its key file."
        )
    _copy_rows(source, target)
    return _checked(source, target)


def _copy_rows(source: Store, target: Store, snapshot: bool = False) -> None:
    import sqlalchemy as sa

    tables = _tables(source)
    have = {t.name: t for t in _tables(target)}
    missing = [t.name for t in tables if t.name not in have]
    if missing:
        raise CopyError(f"The target store has no table {', '.join(missing)}: is it an older version of the course?")
    with target.engine.connect() as check:
        for name in ("learners", "events", "journal_entries", "workshops"):
            if name in have and check.execute(sa.select(sa.func.count()).select_from(have[name])).scalar_one():
                raise CopyError(
                    f"The target store already holds {name}. Restore or copy only into a new, empty store, so "
                    "that nothing in it is mixed up or overwritten."
                )
    src_opts = {"isolation_level": "REPEATABLE READ"} if snapshot and source.dialect == "postgresql" else {}
    with source.engine.connect() as src, target.engine.connect() as dst:
        src = src.execution_options(**src_opts)
        with src.begin(), dst.execution_options(cc_write=True).begin():
            for table in tables:
                dest = have[table.name]
                if table.name == "store_settings":  # the target's own fingerprint row gives way to the source's
                    dst.execute(dest.delete())
                rows = src.execute(sa.select(table)).mappings()
                while batch := rows.fetchmany(BATCH):
                    dst.execute(dest.insert(), [dict(r) for r in batch])
            if target.dialect == "postgresql" and "events" in have:  # the next event's number follows the copy
                dst.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('events', 'seq'), COALESCE(MAX(seq), 0) + 1, false) "
                    "FROM events"
                )


def _checked(source: Store, target: Store, live: bool = False) -> dict[str, int]:
    """Counts on both sides must agree (for a backup of a live SQLite store, the copy may only be behind)."""
    before, after = counts(source), counts(target)
    for name, n in before.items():
        got = after.get(name, 0)
        if (got > n) if live else (got != n):
            raise CopyError(f"The copy does not check out: {name} has {n} rows here and {got} in the copy.")
    return after
