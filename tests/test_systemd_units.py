"""The systemd units in deploy/systemd: systemd's own checker accepts them, and their commands really run."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UNITS = REPO / "deploy" / "systemd"


def _here(text: str, tmp: Path) -> str:
    """The unit as it would be on this machine: the course where this checkout is, its virtualenv's Python."""
    text = text.replace("/opt/caregiver-course/.venv/bin/python", sys.executable)
    text = text.replace("/opt/caregiver-course", str(REPO))
    text = text.replace("/etc/caregiver-course/env", str(tmp / "env"))
    text = text.replace("/var/lib/caregiver-course", str(tmp / "data"))
    text = text.replace("/var/backups/caregiver-course", str(tmp / "backups"))
    return text.replace("User=caregiver", "User=root").replace("Group=caregiver", "Group=root")


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is part of Debian's systemd")
def test_systemd_accepts_every_unit(tmp_path):
    (tmp_path / "env").write_text("CAREGIVER_FACILITATOR_SECRET=a-long-enough-secret\n")
    names = sorted(p.name for p in UNITS.iterdir())
    assert names == ["caregiver-course-backup.service", "caregiver-course-backup.timer", "caregiver-course.service"]
    for name in names:
        (tmp_path / name).write_text(_here((UNITS / name).read_text(), tmp_path))
    done = subprocess.run(
        ["systemd-analyze", "verify", *[str(tmp_path / n) for n in names]],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    complaints = [line for line in done.stderr.splitlines() if "caregiver-course" in line]
    assert done.returncode == 0 and not complaints, done.stderr


def _exec(unit: str, key: str) -> str:
    line = next(x for x in (UNITS / unit).read_text().splitlines() if x.startswith(f"{key}="))
    return line.split("=", 1)[1]


def test_the_service_commands_are_the_course_commands():
    start = shlex.split(_exec("caregiver-course.service", "ExecStart"))
    assert start[1:4] == ["-m", "caregiver_course.server.cluster", "--processes"]
    assert shlex.split(_exec("caregiver-course.service", "ExecStartPre"))[1:] == [
        "-m",
        "caregiver_course",
        "check",
        "--production",
    ]
    text = (UNITS / "caregiver-course.service").read_text()
    assert re.search(r"^Restart=always$", text, re.M) and "ProtectSystem=strict" in text


def test_the_backup_unit_makes_a_backup(tmp_path):
    """The timer's command, run as systemd would run it (%% is a percent sign), backs up a store with learners."""
    from caregiver_course.store import Store

    (tmp_path / "backups").mkdir()
    env = dict(os.environ, CAREGIVER_DATA_DIR=str(tmp_path / "data"))
    env.pop("CAREGIVER_DATABASE_URL", None)
    env.pop("CAREGIVER_HASH_KEY", None)
    (tmp_path / "data").mkdir()
    Store(tmp_path / "data" / "course.sqlite3").new_learner()
    command = _here(_exec("caregiver-course-backup.service", "ExecStart"), tmp_path).replace("%%", "%")
    done = subprocess.run(shlex.split(command), env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    made = sorted((tmp_path / "backups").glob("course-*.sqlite3"))
    assert len(made) == 1 and (tmp_path / "backups" / (made[0].name + ".key")).exists()
    assert "learners: 1" in done.stdout
