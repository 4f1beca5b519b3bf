"""Shared test set-up.

The progress database of every kernel started by the tests (nbval's included) goes to a temporary folder,
never into the repository.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("CAREGIVER_DATA_DIR", tempfile.mkdtemp(prefix="caregiver-test-data-"))


@pytest.fixture
def data_copy(tmp_path, monkeypatch) -> Path:
    """A private copy of data/ that a test may break; the package reads content from it."""
    dst = tmp_path / "data"
    shutil.copytree(REPO / "data", dst)
    monkeypatch.setenv("CAREGIVER_CONTENT_DIR", str(dst))
    return dst


@pytest.fixture
def store(tmp_path):
    from caregiver_course.store import Store

    return Store(tmp_path / "course.sqlite3")


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of the tests' own (Debian's package; see pgserver.py). Never skipped."""
    from pgserver import PgServer, PostgresMissing

    try:
        server = PgServer().start()
    except PostgresMissing as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server, request) -> str:
    """A new, empty PostgreSQL database for one test."""
    import secrets

    return pg_server.new_database(f"t_{secrets.token_hex(6)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_store(request, tmp_path):
    """The same store API on each engine: a SQLite file, then a PostgreSQL database."""
    from caregiver_course.store import Store

    if request.param == "sqlite":
        return Store(tmp_path / "course.sqlite3")
    return Store(url=request.getfixturevalue("pg_url"))


CHROMIUM = os.environ.get("CAREGIVER_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is not installed at {CHROMIUM}; run `make test` (it installs it).")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
