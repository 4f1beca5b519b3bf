"""The SQLite store: WAL, versioned schema, learners and codes, append-only events, locks, deletion."""

import re
import sqlite3
import threading
from pathlib import Path

import pytest

from caregiver_course.store import SCHEMA_VERSION, Store, StoreError, normalise_code
from caregiver_course.store.session import StoreSession


def test_wal_and_schema_version(store):
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version == SCHEMA_VERSION == db.execute("PRAGMA user_version").fetchone()[0]


def test_reopening_an_old_database_migrates_it(tmp_path):
    path = tmp_path / "old.sqlite3"
    from caregiver_course.store import MIGRATIONS

    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[1] + "PRAGMA user_version=1;")
    db.execute("INSERT INTO learners VALUES ('l1', 'tok', 'OAK-OAK-OAK-11', 0)")
    db.commit()
    db.close()
    s = Store(path)
    assert s.schema_version == SCHEMA_VERSION
    assert s.by_token("tok").id == "l1" and s.by_resume_code("oak oak oak 11").id == "l1"
    # Only keyed hashes are left in the file: neither the token nor the code can be read from it.
    raw = (
        path.read_bytes() + Path(str(path) + "-wal").read_bytes()
        if Path(str(path) + "-wal").exists()
        else path.read_bytes()
    )
    assert b"OAK-OAK-OAK-11" not in raw and b"'tok'" not in raw
    assert sqlite3.connect(path).execute("SELECT token, resume_code FROM learners").fetchone()[0].startswith("h1:")


def test_tokens_and_codes_are_stored_only_as_keyed_hashes(store):
    lr = store.new_learner()
    row = sqlite3.connect(store.path).execute("SELECT token, resume_code FROM learners").fetchone()
    assert lr.token not in row and lr.resume_code not in row and all(v.startswith("h1:") for v in row)
    # Another device that types the code gets a token of its own; both devices keep working.
    other = store.by_resume_code(lr.resume_code)
    assert other.id == lr.id and other.token != lr.token
    assert store.by_token(lr.token).id == store.by_token(other.token).id == lr.id
    assert store.by_token(lr.token).resume_code == ""  # the store cannot give a code back
    assert store.code_matches(lr.id, lr.resume_code) and not store.code_matches(lr.id, "OAK-OAK-OAK-OAK-111")
    new = store.new_code_for(lr.id)
    assert store.by_resume_code(lr.resume_code) is None and store.by_resume_code(new).id == lr.id
    # A different key (another server's database) matches nothing.
    from caregiver_course.store.codes import keyed_hash

    assert keyed_hash(b"other key", lr.token) != keyed_hash(store.key, lr.token)


def test_a_newer_database_is_refused_with_a_message(tmp_path):
    path = tmp_path / "new.sqlite3"
    sqlite3.connect(path).execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer version of the course"):
        Store(path)


def test_resume_codes_are_readable_random_and_unique(store):
    learners = [store.new_learner() for _ in range(300)]
    codes = [lr.resume_code for lr in learners]
    assert len(set(codes)) == 300
    assert all(re.fullmatch(r"[A-Z]+-[A-Z]+-[A-Z]+-[A-Z]+-\d\d\d", c) for c in codes)
    assert len({c.split("-")[0] for c in codes}) > 50  # not a counter: consecutive codes share nothing
    assert len({lr.token for lr in learners}) == 300 and all(len(lr.token) >= 32 for lr in learners)


def test_find_by_code_forgives_case_and_spaces(store):
    lr = store.new_learner()
    assert store.by_resume_code(lr.resume_code.lower().replace("-", "  ")).id == lr.id
    assert store.by_resume_code("") is None and store.by_resume_code("NOPE-NOPE") is None
    assert normalise_code(" oak  river-owl 12 ") == "OAK-RIVER-OWL-12"


def test_events_are_appended_and_deleted_with_the_learner(store):
    a, b = store.new_learner(), store.new_learner()
    store.add_events(
        a.id,
        [
            {"kind": "answer", "lesson": "x", "item": "q1", "response": "a", "status": "incorrect"},
            {"kind": "answer", "lesson": "x", "item": "q1", "response": "b", "status": "correct"},
        ],
    )
    store.add_events(b.id, [{"kind": "step", "lesson": "x", "item": "opened"}])
    assert [e["status"] for e in store.events(a.id)] == ["incorrect", "correct"]
    assert store.delete_learner(a.id) == 2
    assert store.events(a.id) == [] and store.by_token(a.token) is None
    assert store.count_events(b.id) == 1


def test_odd_text_is_stored_as_data(store):
    lr = store.new_learner()
    odd = "'); DROP TABLE events; -- <script>alert(1)</script> \u202eRTL 😀"
    store.add_events(lr.id, [{"kind": "answer", "lesson": odd, "item": odd, "response": {"x": odd}, "status": "x"}])
    assert store.events(lr.id)[0]["response"] == {"x": odd}


def test_a_locked_database_gives_a_clear_message_and_the_session_keeps_the_answer(tmp_path):
    s = Store(tmp_path / "c.sqlite3", timeout=0.2)
    learner = s.new_learner()
    session = StoreSession(s)
    session.adopt(learner)
    blocker = sqlite3.connect(s.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        session.record_answer("side-effects", "q1", "a", "correct")
        assert session.pending and "busy" in session.last_error
        assert session.attempts() == [("q1", "correct")]  # still counted on screen
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    session.record_answer("side-effects", "q2", "b", "incorrect")  # the next write saves both
    assert not session.pending and session.last_error == ""
    assert [e["item"] for e in s.events(learner.id)] == ["q1", "q2"]


def test_answers_before_the_learner_is_known_are_saved_when_it_is(store):
    session = StoreSession(store)
    session.record_check("practical", "list", "item1", True)
    learner = store.new_learner()
    session.adopt(learner)
    assert session.checked("list") == {"item1"}
    assert store.count_events(learner.id) == 1


def test_concurrent_writers_lose_nothing(store):
    learners = [store.new_learner() for _ in range(8)]

    def write(lr):
        for i in range(25):
            store.add_events(lr.id, [{"kind": "answer", "lesson": "l", "item": f"q{i}", "status": "correct"}])

    threads = [threading.Thread(target=write, args=(lr,)) for lr in learners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [store.count_events(lr.id) for lr in learners] == [25] * 8


def test_an_unwritable_folder_is_a_clear_error(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot be created|cannot be opened"):
        Store(blocked / "sub" / "c.sqlite3")


def test_many_processes_opening_a_new_database_at_once_all_succeed(tmp_path):
    import multiprocessing as mp
    import time

    path = tmp_path / "new.sqlite3"
    start_at = time.time() + 4  # all open it at the same moment, as a pool of kernels starting does
    with mp.get_context("spawn").Pool(8) as pool:
        results = pool.map(_open_and_add, [(str(path), start_at)] * 8)
    assert results == ["ok"] * 8
    assert Store(path).schema_version == SCHEMA_VERSION


def _open_and_add(args):
    import time

    path, start_at = args
    while time.time() < start_at:
        time.sleep(0.0005)
    try:
        s = Store(Path(path))
        s.new_learner()
        return "ok"
    except Exception as exc:  # reported back to the test
        return repr(exc)


def test_a_full_disk_tells_a_new_learner_once_and_logs_once(store, monkeypatch, caplog):
    """A new learner arrives while the database cannot be written (disk full): the page says progress
    cannot be saved, the browser is answered (so it stops asking every 2 s), and the log gets one line."""

    from caregiver_course.ui.app import CourseApp

    def full(*_a, **_k):
        raise StoreError("The progress database could not be used (database or disk is full).")

    monkeypatch.setattr(store, "new_learner", full)
    app = CourseApp(store)
    for _ in range(5):  # the browser's hello, repeated
        app.identity.token = "unanswered"
        app.identity.receive({"hello": {"token": "", "n": _}})
        assert (app.identity.token, app.identity.code) == ("", "")
    assert "cannot be saved right now" in app.notice.value
    assert sum("progress store cannot be used" in r.getMessage() for r in caplog.records) == 1
    assert not any(r.exc_info for r in caplog.records), "no traceback in the log for a known problem"


def test_opening_a_database_that_is_up_to_date_never_loads_alembic(tmp_path):
    """Every learner's kernel opens the store: Alembic (and Mako) would add about 13 MiB to each one. The
    course server opens the store before its kernels start, so they always find it up to date."""
    import subprocess
    import sys

    path = tmp_path / "course.sqlite3"
    code = (
        "import sys; from caregiver_course.store import Store; Store(sys.argv[1]); "
        "print('alembic' in sys.modules, 'mako' in sys.modules)"
    )
    first = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    again = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert first.stdout.split() == ["True", "True"], first.stderr[-1500:]  # a new file: the migrations run
    assert again.stdout.split() == ["False", "False"], again.stderr[-1500:]
