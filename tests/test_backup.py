"""Backups and moves of the store: back up while it is written to, wipe, restore; SQLite into PostgreSQL."""

from __future__ import annotations

import shutil
import threading

from caregiver_course import __main__ as cli
from caregiver_course.ops import backup
from caregiver_course.store import Store
from caregiver_course.store.session import StoreSession


def _fill(store: Store, learners: int = 12) -> dict:
    """Learners with answers, ticks, steps, a device, journal entries, a workshop and its participants."""
    ws = store.create_workshop("Tuesday group")
    made = {}
    for i in range(learners):
        session = StoreSession(store)
        learner = store.new_learner()
        session.adopt(learner)
        for q in range(5):
            session.record_answer("side-effects", f"q{q}", "b", "correct" if q % 2 else "wrong")
        store.add_events(learner.id, [dict(kind="check", lesson="practical", item="ride", status="on")])
        if i % 3 == 0:
            store.set_journal_on(learner.id, True)
            store.add_journal_entry(learner.id, f"2026-11-{10 + i:02d}", {"mood": 3, "sleep": 7, "note": "ok"})
        if i % 2 == 0:
            store.join_workshop(ws.id, learner.id)
        made[learner.id] = learner
    store.record_attempt("resume", "client-a", False)
    return made


def test_backup_wipe_restore_keeps_every_row(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path / "live"))
    monkeypatch.delenv("CAREGIVER_DATABASE_URL", raising=False)
    monkeypatch.delenv("CAREGIVER_HASH_KEY", raising=False)
    store = Store()
    made = _fill(store)
    before = backup.counts(store)
    assert before["learners"] == 12 and before["events"] > 60 and before["journal_entries"] == 4
    assert before["participants"] == 6 and before["workshops"] == 1 and before["devices"] == 0

    # the backup is taken while another thread keeps writing answers (as kernels do while the course serves)
    stop = threading.Event()
    writer_learner = next(iter(made.values()))

    def keep_writing():
        s = Store()
        n = 0
        while not stop.is_set() and n < 400:
            s.add_events(writer_learner.id, [dict(kind="step", lesson="side-effects", item=f"s{n}", status="seen")])
            n += 1

    t = threading.Thread(target=keep_writing)
    t.start()
    try:
        assert cli.main(["backup", str(tmp_path / "b" / "course-backup.sqlite3")]) == 0
    finally:
        stop.set()
        t.join()
    out = capsys.readouterr().out
    assert "checked on both sides" in out and "learners: 12" in out
    assert (tmp_path / "b" / "course-backup.sqlite3.key").stat().st_mode & 0o077 == 0
    assert cli.main(["backup", str(tmp_path / "b" / "course-backup.sqlite3")]) == 1  # never overwrites one
    copied = backup.counts(Store(tmp_path / "b" / "course-backup.sqlite3"))

    # wipe: the machine is lost (database and key), the course is set up again, the backup restored
    final = backup.counts(store)
    shutil.rmtree(tmp_path / "live")
    assert cli.main(["restore", str(tmp_path / "b" / "course-backup.sqlite3")]) == 0
    restored = Store()
    assert backup.counts(restored) == copied
    assert copied["events"] >= before["events"] and copied["events"] <= final["events"]
    for learner in made.values():  # every browser and resume code still finds its learner, with its answers
        assert restored.by_token(learner.token).id == learner.id
        assert restored.by_resume_code(learner.resume_code).id == learner.id
    saved = Store(tmp_path / "b" / "course-backup.sqlite3")
    for learner in made.values():
        assert restored.events(learner.id) == saved.events(learner.id)
        assert restored.journal_entries(learner.id) == saved.journal_entries(learner.id)
    # restoring again into a store that now holds learners is refused, and nothing changes
    now = backup.counts(Store())
    assert cli.main(["restore", str(tmp_path / "b" / "course-backup.sqlite3")]) == 1
    assert "already holds learners" in capsys.readouterr().err
    assert backup.counts(Store()) == now


def test_sqlite_into_postgresql_keeps_every_row(tmp_path, monkeypatch, pg_url, capsys):
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CAREGIVER_DATABASE_URL", raising=False)
    monkeypatch.delenv("CAREGIVER_HASH_KEY", raising=False)
    store = Store()
    made = _fill(store, learners=20)
    before = backup.counts(store)
    # without the SQLite store's key the copy is refused (every learner would be lost), and nothing is copied
    assert cli.main(["copy-to", pg_url]) == 1
    assert "different hashing keys" in capsys.readouterr().err
    assert backup.counts(Store(url=pg_url, check_key=False))["learners"] == 0
    monkeypatch.setenv("CAREGIVER_HASH_KEY", (tmp_path / "course.sqlite3.key").read_text())
    assert cli.main(["copy-to", pg_url]) == 0
    assert "checked on both sides" in capsys.readouterr().out
    pg = Store(url=pg_url)
    assert backup.counts(pg) == before
    for learner in made.values():
        assert pg.by_token(learner.token).id == learner.id
        assert pg.by_resume_code(learner.resume_code).id == learner.id
        assert [e["item"] for e in pg.events(learner.id)] == [e["item"] for e in store.events(learner.id)]
    # new answers after the move get new event numbers (the sequence follows the copied rows)
    one = next(iter(made.values()))
    pg.add_events(one.id, [dict(kind="step", lesson="practical", item="after-move", status="seen")])
    assert pg.events(one.id)[-1]["item"] == "after-move"
    # a second copy into the same database is refused
    assert cli.main(["copy-to", pg_url]) == 1
