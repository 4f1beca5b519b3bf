"""The store on both engines: test_store.py's and test_workshop.py's engine-independent tests run again here
against SQLite and against a PostgreSQL server the tests start (pgserver.py), plus what only the
SQLAlchemy/Alembic store promises: migrating old files, idempotent writes, one connection, plain errors."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import time
from pathlib import Path

import pytest
import test_store
import test_toolkit
import test_workshop

from caregiver_course.store import HEAD, MIGRATIONS, SCHEMA_VERSION, Store, StoreError
from caregiver_course.store.session import StoreSession


# The engine-independent tests of test_store.py and test_workshop.py, unchanged, each run on both engines: in
# this module the fixture they ask for ("store") is the parametrized engine_store of conftest.py.
@pytest.fixture
def store(engine_store):
    return engine_store


test_resume_codes_are_readable_random_and_unique = test_store.test_resume_codes_are_readable_random_and_unique
test_find_by_code_forgives_case_and_spaces = test_store.test_find_by_code_forgives_case_and_spaces
test_events_are_appended_and_deleted_with_the_learner = test_store.test_events_are_appended_and_deleted_with_the_learner
test_odd_text_is_stored_as_data = test_store.test_odd_text_is_stored_as_data
test_answers_before_the_learner_is_known_are_saved_when_it_is = (
    test_store.test_answers_before_the_learner_is_known_are_saved_when_it_is
)
test_concurrent_writers_lose_nothing = test_store.test_concurrent_writers_lose_nothing
test_a_full_disk_tells_a_new_learner_once_and_logs_once = (
    test_store.test_a_full_disk_tells_a_new_learner_once_and_logs_once
)
test_answers_count_for_the_workshop = test_workshop.test_answers_count_for_the_workshop_and_only_first_tries_are_charted
test_own_progress_also_counts_outside_the_workshop = test_workshop.test_own_progress_also_counts_outside_the_workshop
test_closing_stops_new_answers_from_counting = test_workshop.test_closing_stops_new_answers_from_counting
test_wrong_codes_and_leaving = test_workshop.test_wrong_codes_and_leaving
test_export_has_counts_and_no_nicknames = test_workshop.test_export_has_counts_and_no_nicknames
test_turning_the_journal_off_deletes_its_entries = test_toolkit.test_turning_the_journal_off_deletes_its_entries


def test_the_journal_on_both_engines(store):
    a, b = store.new_learner(), store.new_learner()
    store.set_journal_on(a.id, True)
    store.set_journal_on(a.id, True)  # twice: still on, once
    store.add_journal_entry(a.id, "2026-11-21", {"mood": 3})
    store.add_journal_entry(a.id, "2026-11-20", {"mood": 4})
    store.add_journal_entry(a.id, "2026-11-21", {"mood": 2})  # the same day: replaced
    assert [(e["day"], e["mood"]) for e in store.journal_entries(a.id)] == [("2026-11-20", 4), ("2026-11-21", 2)]
    assert store.journal_is_on(a.id) and not store.journal_is_on(b.id)
    assert store.learner_ids() == [a.id, b.id]
    store.delete_learner(a.id)
    assert store.journal_entries(a.id) == [] and not store.journal_is_on(a.id)


def test_codes_and_devices_on_both_engines(store):
    lr = store.new_learner()
    other = store.by_resume_code(lr.resume_code)
    assert other.id == lr.id and other.token != lr.token
    assert store.by_token(lr.token).id == store.by_token(other.token).id == lr.id
    assert store.code_matches(lr.id, lr.resume_code) and not store.code_matches(lr.id, "OAK-OAK-OAK-OAK-111")
    new = store.new_code_for(lr.id)
    assert store.by_resume_code(lr.resume_code) is None and store.by_resume_code(new).id == lr.id
    assert store.schema_version == SCHEMA_VERSION


def test_rate_limit_rows_and_kernel_clients_on_both_engines(store):
    now = time.time()
    store.record_attempt("resume", "c1", False, now - 90000)  # older than a day: trimmed by the next write
    store.record_attempt("resume", "c1", False, now - 5)
    store.record_attempt("resume", "c2", True, now - 4)
    store.record_attempt("resume", "c2", False, now - 3)
    assert store.failures("resume", now - 3600, "c1") == [now - 5]
    assert store.failures("resume", 0) == [now - 5, now - 3]
    store.set_kernel_client("k1", "a", now)
    store.set_kernel_client("k1", "b", now)
    assert store.kernel_client("k1") == "b" and store.kernel_client("nope") == ""


def test_a_retried_write_never_doubles_an_answer(store):
    """The commit went through but the reply was lost: the session sends the same events again."""
    lr = store.new_learner()
    session = StoreSession(store)
    session.adopt(lr)
    session.record_answer("side-effects", "q1", "a", "correct")
    sent = [dict(e) for e in session.events]
    store.add_events(lr.id, sent)  # the retry of a write that had in fact been saved
    store.add_events(lr.id, sent + [{"kind": "answer", "lesson": "x", "item": "q2", "status": "correct"}])
    saved = store.events(lr.id)
    assert [e["item"] for e in saved] == ["q1", "q2"]
    assert saved[0]["event_id"] == session.events[0]["event_id"] and len({e["event_id"] for e in saved}) == 2


def test_every_event_of_a_session_has_its_own_id(store):
    session = StoreSession(store)
    session.adopt(store.new_learner())
    for i in range(5):
        session.record_answer("l", f"q{i}", "a", "correct")
    ids = [e["event_id"] for e in session.events]
    assert len(set(ids)) == 5 and all(len(i) == 24 for i in ids)


def test_one_connection_at_a_time_and_none_between_transactions(store):
    from sqlalchemy.pool import NullPool

    assert isinstance(store.engine.pool, NullPool)
    held = []
    from sqlalchemy import event

    @event.listens_for(store.engine, "checkout")
    def _out(*_):
        held.append(1)
        assert len(held) == 1, "a store never holds two connections at once"

    @event.listens_for(store.engine, "checkin")
    def _in(*_):
        held.pop()

    test_store.test_concurrent_writers_lose_nothing(store)
    assert held == []


def test_a_kept_connection_is_one_and_only_one(pg_url, monkeypatch):
    """CAREGIVER_DATABASE_POOL=1 (behind pgbouncer): the store keeps exactly one connection, shared in turn."""
    monkeypatch.setenv("CAREGIVER_DATABASE_POOL", "1")
    s = Store(url=pg_url)
    assert (s.engine.pool.size(), s.engine.pool._max_overflow) == (1, 0)
    test_store.test_concurrent_writers_lose_nothing(s)
    assert s.engine.pool.checkedout() == 0 and s.engine.pool.checkedin() == 1


# ---------------------------------------------------------------------- migrating files made before Alembic


def _old_file(path: Path, version: int) -> None:
    """A SQLite file as the store before Alembic made it (its own DDL, PRAGMA user_version), with data."""
    db = sqlite3.connect(path)
    db.executescript("".join(MIGRATIONS[v] for v in range(1, version + 1)) + f"PRAGMA user_version={version};")
    if version >= 3:  # tokens and codes are keyed hashes from v3 on; the key file sits beside the database
        from caregiver_course.store.codes import keyed_hash, load_key

        key = load_key(path.with_name(path.name + ".key"))
        token, code = keyed_hash(key, "tok"), keyed_hash(key, "OAK-OAK-OAK-OAK-111")
    else:
        token, code = "tok", "OAK-OAK-OAK-OAK-111"
    db.execute("INSERT INTO learners VALUES ('l1', ?, ?, 1.0)", (token, code))
    db.execute(
        "INSERT INTO events(learner_id, at, kind, lesson, item, response, status) VALUES "
        "('l1', 2.0, 'answer', 'x', 'q1', '\"a\"', 'correct')"
    )
    db.execute(
        "INSERT INTO events(learner_id, at, kind, lesson, item, sub_item, response, status) VALUES "
        "('l1', 3.0, 'check', 'x', 'list', 'i1', '\"\"', 'ticked')"
    )
    if version >= 2:
        db.execute("INSERT INTO workshops VALUES ('w1', 'OAK-RIVER-42', 'Tuesday', 1.5, NULL)")
        db.execute("INSERT INTO participants VALUES ('w1', 'l1', 'Sam', 1.6)")
        db.execute("UPDATE events SET workshop_id = 'w1' WHERE item = 'q1'")
    if version >= 4:
        db.execute("INSERT INTO journal_on VALUES ('l1', 5.0)")
        db.execute("INSERT INTO journal_entries VALUES ('l1', '2026-11-20', 5.0, '{\"mood\": 3}')")
    if version >= 3:
        from caregiver_course.store.codes import keyed_hash

        db.execute("INSERT INTO devices VALUES (?, 'l1', 4.0)", (keyed_hash(key, "tok2"),))
        db.execute("INSERT INTO attempts VALUES ('resume', 'c1', ?, 0)", (time.time(),))
        db.execute("INSERT INTO kernel_clients VALUES ('k1', 'c1', ?)", (time.time(),))
    db.commit()
    db.close()


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_a_file_made_before_alembic_migrates_and_keeps_its_data(tmp_path, version):
    path = tmp_path / "old.sqlite3"
    _old_file(path, version)
    s = Store(path)
    assert s.schema_version == SCHEMA_VERSION
    assert sqlite3.connect(path).execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert s.by_token("tok").id == "l1" and s.by_resume_code("oak oak oak oak 111").id == "l1"
    old = s.events("l1")
    assert [(e["kind"], e["item"], e["response"], e["status"]) for e in old] == [
        ("answer", "q1", "a", "correct"),
        ("check", "list", "", "ticked"),
    ]
    assert all(e["event_id"] for e in old) and len({e["event_id"] for e in old}) == 2
    s.add_events("l1", [{"kind": "answer", "lesson": "x", "item": "q2", "status": "correct"}])
    assert [e["item"] for e in s.events("l1")] == ["q1", "list", "q2"]  # new events come after the old ones
    if version >= 2:
        assert s.workshop_by_code("oak river 42").title == "Tuesday"
        assert [p["nickname"] for p in s.participants("w1")] == ["Sam"]
        assert [a["item"] for a in s.workshop_answers("w1")] == ["q1"]
    if version >= 3:
        assert s.by_token("tok2").id == "l1"
        assert len(s.failures("resume", 0, "c1")) == 1 and s.kernel_client("k1") == "c1"
    if version >= 4:
        assert s.journal_is_on("l1") and s.journal_entries("l1") == [{"mood": 3, "day": "2026-11-20"}]
    # Deleting still cascades through every table.
    assert s.delete_learner("l1") == 3 and s.events("l1") == [] and s.by_token("tok") is None
    assert Store(path).schema_version == SCHEMA_VERSION  # opening again changes nothing


def test_a_database_of_an_unknown_newer_revision_is_refused(tmp_path, pg_url):
    for s in (Store(tmp_path / "c.sqlite3"), Store(url=pg_url)):
        with s.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'v99'")
        with pytest.raises(StoreError, match="newer version of the course"):
            type(s)(s.path) if s.path else type(s)(url=pg_url)


def test_database_url_picks_the_engine(tmp_path, monkeypatch, pg_url):
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CAREGIVER_DATABASE_URL", raising=False)
    assert Store().path == tmp_path / "course.sqlite3"
    monkeypatch.setenv("CAREGIVER_DATABASE_URL", f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert Store().path == tmp_path / "other.sqlite3"
    monkeypatch.setenv("CAREGIVER_DATABASE_URL", pg_url)
    s = Store()
    assert s.dialect == "postgresql" and s.path is None and s.engine.dialect.driver == "psycopg"
    monkeypatch.setenv("CAREGIVER_DATABASE_URL", pg_url.replace("postgresql+psycopg://", "postgres://"))
    assert Store().engine.dialect.driver == "psycopg"  # a plain postgres:// URL uses the installed driver
    monkeypatch.setenv("CAREGIVER_DATABASE_URL", "mysql://course@db/course")
    with pytest.raises(StoreError, match="must start with postgresql"):
        Store()
    assert (tmp_path / "course.key").exists()  # the hashing key: shared by every process using this data folder


# ---------------------------------------------------------------------- PostgreSQL: errors said plainly


def test_an_unreachable_server_is_a_clear_error(tmp_path, monkeypatch):
    from pgserver import free_port

    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path))
    url = f"postgresql+psycopg://course:s3cret@127.0.0.1:{free_port()}/course"
    with pytest.raises(StoreError, match="cannot be opened.*server is running") as info:
        Store(url=url, timeout=1)
    assert "s3cret" not in str(info.value)  # the password is never shown


def test_too_many_connections_is_busy_not_broken():
    """More kernels writing at one moment than PostgreSQL's max_connections: the answer waits for the next write."""
    from sqlalchemy import exc as sa_exc

    from caregiver_course.store.errors import explain

    class Refused(Exception):
        sqlstate = None

    full = Refused(
        'connection failed: connection to server at "10.0.0.5", port 5432 failed\nFATAL:  sorry, too many clients already'
    )
    assert "busy" in str(explain(sa_exc.OperationalError("connect", {}, full)))
    assert "out of storage space" in str(explain(sa_exc.OperationalError("x", {}, Refused("disk full"))))
    assert "could not be used" in str(explain(sa_exc.OperationalError("x", {}, Refused("no such table: x"))))


def test_a_locked_table_is_busy_and_the_session_keeps_the_answer(pg_url):
    import psycopg

    s = Store(url=pg_url, timeout=0.3)
    learner = s.new_learner()
    session = StoreSession(s)
    session.adopt(learner)
    blocker = psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"))
    blocker.execute("LOCK TABLE events IN EXCLUSIVE MODE")
    try:
        session.record_answer("side-effects", "q1", "a", "correct")
        assert session.pending and "busy" in session.last_error
    finally:
        blocker.rollback()
        blocker.close()
    session.record_answer("side-effects", "q2", "b", "incorrect")
    assert not session.pending and [e["item"] for e in s.events(learner.id)] == ["q1", "q2"]


# ---------------------------------------------------------------------- many processes, one database


def _open_at(args):
    url, start_at = args
    while time.time() < start_at:
        time.sleep(0.0005)
    try:
        Store(url=url).new_learner()
        return "ok"
    except Exception as exc:
        return repr(exc)


def test_many_processes_opening_a_new_postgresql_database_at_once_all_succeed(pg_url):
    start_at = time.time() + 4
    with mp.get_context("spawn").Pool(6) as pool:
        assert pool.map(_open_at, [(pg_url, start_at)] * 6) == ["ok"] * 6
    assert Store(url=pg_url).schema_version == SCHEMA_VERSION


def _learners(args):
    """One process: its share of the learners, each saving 20 answers; every 4th write is sent twice, as when
    a reply is lost after the commit. Returns {learner id: answers acknowledged}."""
    url, n, answers, data_dir = args
    import os

    os.environ["CAREGIVER_DATA_DIR"] = data_dir
    store = Store(url=url)
    acked = {}
    sessions = []
    for _ in range(n):
        session = StoreSession(store)
        session.adopt(store.new_learner())
        sessions.append(session)
    for i in range(answers):
        for session in sessions:
            session.record_answer("side-effects", f"q{i}", "a", "correct")
            assert not session.pending
            if i % 4 == 0:
                store.add_events(session.learner.id, [dict(session.events[-1])])  # the retried write
    for session in sessions:
        acked[session.learner.id] = sum(e["kind"] == "answer" for e in session.events)
    return acked


def test_100_learners_20_answers_2_processes_none_lost_none_doubled(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path))  # the processes' key: the database expects it now
    with mp.get_context("spawn").Pool(2) as pool:
        parts = pool.map(_learners, [(pg_url, 50, 20, str(tmp_path))] * 2)
    acked = {k: v for part in parts for k, v in part.items()}
    assert len(acked) == 100 and set(acked.values()) == {20}
    s = Store(url=pg_url)
    with s.engine.connect() as conn:
        total, distinct = conn.exec_driver_sql("SELECT COUNT(*), COUNT(DISTINCT event_id) FROM events").one()
        per = dict(conn.exec_driver_sql("SELECT learner_id, COUNT(*) FROM events GROUP BY learner_id").all())
    assert (total, distinct) == (2000, 2000)  # 0 lost, 0 doubled
    assert per == acked
