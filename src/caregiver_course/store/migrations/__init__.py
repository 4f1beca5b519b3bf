"""The store's schema, as Alembic revisions run by the store itself when it opens a database (no command to type).

Revision ``vN`` makes schema version N (``store.SCHEMA_VERSION`` is the newest). To change the schema, add
``versions/vN_what.py`` with ``revision = "vN"`` and ``down_revision = "v(N-1)"``, write its ``upgrade()`` with
``op.*`` calls that work on SQLite and PostgreSQL, end it with ``schema_number(N)``, and raise
``SCHEMA_VERSION`` to N. A test opens a database of every older version and checks that it migrates.

SQLite files made before Alembic (schema 1-4, kept in ``PRAGMA user_version``) are recognised by that number
and stamped with the matching revision before upgrading; on SQLite every revision still sets user_version.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def schema_number(n: int) -> None:
    """Record schema version n where tools without Alembic look for it (SQLite's user_version)."""
    from alembic import op

    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA user_version={int(n)}")
