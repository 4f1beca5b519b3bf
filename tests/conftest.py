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
# The tests' data folder (store, key, PDF slots, pool status). Each pytest-xdist worker gets its own: the
# folder's PDF slots are shared by everything that uses it, so one worker's PDF flood would otherwise make
# another worker's PDFs wait (a test then times out on a busy machine).
if os.environ.get("PYTEST_XDIST_WORKER") or "CAREGIVER_DATA_DIR" not in os.environ:
    os.environ["CAREGIVER_DATA_DIR"] = tempfile.mkdtemp(prefix="caregiver-test-data-")


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


# Which tests are slow or must run alone, in one place (not spread over the test files, so moving or renaming a
# test's imports never touches it). `make test` runs everything: first every test not marked `serial` on all
# cores (pytest-xdist, a file's tests in one worker: they share its servers), then the `serial` ones alone.
# `make test-quick` leaves out `slow` and `serial` (and the notebooks).
#   serial: loads the CPU on purpose (burners) or asserts a time (a server answering within 1 s during an attack,
#           a learner in within a minute): run beside other tests, the time would measure them, not the server.
#   slow:   attack, cluster, JupyterHub, many-process and busy-machine tests, and the long browser journeys.
SERIAL_FILES = {
    "browser/test_workshop_busy.py",
    "browser/test_warm_revisit_busy.py",
    "browser/test_cluster_browser.py",  # two course processes and nginx: beside other servers, its waits time out
    "security/test_server_attacks.py",
    "security/test_frame_after_close.py",
    "security/test_standalone_front.py",
    "security/test_fair_admission.py",
}
SLOW_FILES = SERIAL_FILES | {
    "security/test_guessing.py",
    "security/test_right_answer.py",
    "security/test_widget_growth.py",
    "browser/test_cluster_browser.py",
    "browser/test_page_checks.py",
    "browser/test_phone_network.py",
    "browser/test_server_hardening.py",
    "browser/test_workshop_browser.py",
    "browser/test_lessons_in_hand.py",
    "browser/test_takehome_downloads.py",
    "browser/test_practice_again.py",
    "browser/test_metrics.py",
    "browser/test_content_safety.py",
    "test_cluster.py",
    "test_jupyterhub_live.py",
    "test_pdf_workers.py",
    "test_workshop_load.py",
}
SLOW_TESTS = {
    "test_store.py::test_many_processes_opening_a_new_database_at_once_all_succeed",
    "test_store_engines.py::test_many_processes_opening_a_new_postgresql_database_at_once_all_succeed",
    "test_store_engines.py::test_100_learners_20_answers_2_processes_none_lost_none_doubled",
    "test_takehome.py::test_the_kernel_never_loads_the_pdf_library",
    "test_store_key.py::test_the_server_process_itself_refuses_another_key",
    "test_backup.py::test_sqlite_into_postgresql_keeps_every_row",
}


def pytest_collection_modifyitems(config, items):
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        try:
            rel = item.path.resolve().relative_to(tests_dir).as_posix()
        except ValueError:  # a notebook (nbval)
            continue
        name = f"{rel}::{item.originalname if hasattr(item, 'originalname') else item.name}"
        if rel in SERIAL_FILES:
            item.add_marker(pytest.mark.serial)
        if rel in SLOW_FILES or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
