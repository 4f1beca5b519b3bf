"""The hashing key: one text form for the file and the variable, and a store that notices another key."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caregiver_course import __main__ as cli
from caregiver_course.store import KeyMismatch, Store

REPO = Path(__file__).resolve().parents[1]


def _learner_with_code(path: Path):
    store = Store(path)
    learner = store.new_learner()
    return learner, path.with_name(path.name + ".key").read_text()


def test_the_key_file_copied_into_the_variable_is_the_same_key(tmp_path, monkeypatch):
    path = tmp_path / "course.sqlite3"
    learner, key_text = _learner_with_code(path)
    monkeypatch.setenv("CAREGIVER_HASH_KEY", key_text)
    (tmp_path / "course.sqlite3.key").rename(tmp_path / "elsewhere.key")  # only the variable is left
    again = Store(path)
    assert again.by_token(learner.token).id == learner.id
    assert again.by_resume_code(learner.resume_code).id == learner.id
    # surrounding spaces and a newline, as a copy from a terminal brings, do not matter
    monkeypatch.setenv("CAREGIVER_HASH_KEY", f"  {key_text.strip()}\n")
    assert Store(path).by_token(learner.token).id == learner.id


def test_a_server_with_another_key_is_refused_in_plain_words(tmp_path, monkeypatch):
    path = tmp_path / "course.sqlite3"
    _learner_with_code(path)
    monkeypatch.setenv("CAREGIVER_HASH_KEY", "ab" * 32)
    with pytest.raises(KeyMismatch) as err:
        Store(path)
    assert "different hashing key" in str(err.value) and "start afresh" in str(err.value)


def test_a_cut_off_key_is_explained(tmp_path, monkeypatch):
    from caregiver_course.store import StoreError

    monkeypatch.setenv("CAREGIVER_HASH_KEY", "ab12")
    with pytest.raises(StoreError, match="too short or cut off"):
        Store(tmp_path / "course.sqlite3")


def test_an_older_text_key_in_the_variable_still_works(tmp_path, monkeypatch):
    monkeypatch.setenv("CAREGIVER_HASH_KEY", "our clinic's long passphrase, set years ago")
    path = tmp_path / "course.sqlite3"
    learner = Store(path).new_learner()
    assert Store(path).by_token(learner.token).id == learner.id


def test_accept_key_changes_the_key_on_purpose(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CAREGIVER_DATABASE_URL", raising=False)
    monkeypatch.delenv("CAREGIVER_HASH_KEY", raising=False)
    Store().new_learner()
    monkeypatch.setenv("CAREGIVER_HASH_KEY", "cd" * 32)
    with pytest.raises(KeyMismatch):
        Store()
    assert cli.main(["accept-key"]) == 1  # without --yes it only explains
    assert "start afresh" in capsys.readouterr().out
    with pytest.raises(KeyMismatch):
        Store()
    assert cli.main(["accept-key", "--yes"]) == 0
    Store()  # the new key is the database's key now


def test_serve_refuses_to_start_with_another_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CAREGIVER_DATABASE_URL", raising=False)
    monkeypatch.delenv("CAREGIVER_HASH_KEY", raising=False)
    Store().new_learner()
    monkeypatch.setenv("CAREGIVER_HASH_KEY", "ef" * 32)
    assert cli.main(["serve", "--skip-check", "--port=1"]) == 1  # returns before the server is started
    err = capsys.readouterr().err
    assert "NOT started" in err and "different hashing key" in err and "Traceback" not in err


def test_the_server_process_itself_refuses_another_key(tmp_path):
    """Started directly (as the cluster launcher and systemd units do), the server exits with the message."""
    env = dict(os.environ, CAREGIVER_DATA_DIR=str(tmp_path))
    env.pop("CAREGIVER_HASH_KEY", None)
    env.pop("CAREGIVER_DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", "from caregiver_course.store import Store; Store()"], env=env, check=True)
    env["CAREGIVER_HASH_KEY"] = "01" * 32
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "caregiver_course.server", "notebooks", "--port=1", "--no-browser"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "different hashing key" in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - start < 120
