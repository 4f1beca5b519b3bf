"""Issue 21, item 6 ("the rest"): the cluster's processes on loopback with shared-out per-client caps, no trust in
a forged X-Forwarded-For, bounded session dates, no control characters in files, plain words for a full disk,
no server path in a message, and a minimum length for the facilitator secret."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from caregiver_course import __main__ as cli
from caregiver_course import content
from caregiver_course.server import cluster
from caregiver_course.server.handlers import client_address
from caregiver_course.toolkit import calendar, journal, strip_controls


def _served_args(monkeypatch, cmd: list[str]) -> list[str]:
    """What `caregiver_course serve` would start (os.execve is caught, nothing runs)."""
    seen: list[list[str]] = []

    def fake_exec(_path, args, _env):
        seen.append(list(args))
        raise SystemExit(0)

    monkeypatch.setattr(os, "execve", fake_exec)
    monkeypatch.chdir(os.getcwd())  # serve changes into the repository before it starts the server
    assert cmd[1:4] == ["-m", "caregiver_course", "serve"]
    with pytest.raises(SystemExit):
        cli.main(cmd[3:])
    return seen[0]


def _last(args: list[str], prefix: str) -> str:
    return [a for a in args if a.startswith(prefix)][-1].split("=", 1)[1]


@pytest.mark.parametrize("workshop", ["", "1"])
def test_cluster_processes_listen_on_loopback_only_and_share_the_per_client_caps(monkeypatch, workshop):
    monkeypatch.setenv("CAREGIVER_WORKSHOP", workshop)
    monkeypatch.delenv("CAREGIVER_FACILITATOR_SECRET", raising=False)
    cmd = cluster.process_command(5001, 2, ["--ip=0.0.0.0", "--CourseVoila.max_kernels=40"])
    args = _served_args(monkeypatch, cmd)
    assert _last(args, "--Voila.ip=") == "127.0.0.1"  # workshop mode too: nginx is the only public door
    assert _last(args, "--CourseVoila.trust_forwarded_for=") == "True"
    assert _last(args, "--CourseVoila.max_kernels=") == "40"
    kernels, loading = (30, 15) if workshop else (4, 1)  # half of 60 and 30 (workshop), half of 8 and 2
    assert _last(args, "--CourseVoila.max_kernels_per_client=") == str(kernels)
    assert _last(args, "--CourseVoila.max_loading_per_client=") == str(loading)
    # An operator's cap is for the whole cluster too.
    cmd = cluster.process_command(5001, 3, ["--CourseVoila.max_kernels_per_client=10"], {})
    assert _last(cmd, "--CourseVoila.max_kernels_per_client=") == "4"


def _handler(remote: str, forwarded: str, trust: bool = True):
    request = SimpleNamespace(remote_ip=remote, headers={"X-Forwarded-For": forwarded})
    return SimpleNamespace(settings={"cc_trust_forwarded_for": trust}, request=request)


def test_a_forged_forwarded_for_is_trusted_only_from_the_proxy_on_loopback():
    assert client_address(_handler("127.0.0.1", "203.0.113.7")) == "203.0.113.7"  # nginx on this machine
    assert client_address(_handler("::1", "203.0.113.7")) == "203.0.113.7"
    assert client_address(_handler("::ffff:127.0.0.1", "203.0.113.7")) == "203.0.113.7"
    # A client that reaches a process directly is counted by its own address, whatever it claims.
    assert client_address(_handler("192.168.1.50", "203.0.113.7")) == "192.168.1.50"
    assert client_address(_handler("2001:db8::5", "127.0.0.1")) == "2001:db8::5"
    assert client_address(_handler("127.0.0.1", "203.0.113.7", trust=False)) == "127.0.0.1"


def test_a_far_future_session_date_is_refused_with_a_clear_message_and_never_breaks_the_calendar():
    today = dt.date(2026, 12, 7)
    with pytest.raises(ValueError, match="more than two years away"):
        calendar.parse_session(dt.date(9999, 12, 31), dt.time(9, 0), today=today)
    with pytest.raises(ValueError, match="has passed"):
        calendar.parse_session(dt.date(1, 1, 1), dt.time(9, 0), today=today)
    ok = calendar.parse_session(dt.date(2027, 3, 1), dt.time(9, 0), today=today)
    # Even if such a date got onto the list, later downloads still work and leave it out.
    c = content.get().clinic
    made = dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc)
    ics = calendar.calendar_ics(c, [ok, dt.datetime(9999, 12, 31, 23, 0), dt.datetime(1, 1, 1, 0, 0)], made=made)
    assert ics.count(b"BEGIN:VEVENT") == 4 and b"9999" not in ics


def test_the_calendar_box_says_what_to_fix_for_a_year_9999_date():
    from caregiver_course.store.session import StoreSession
    from caregiver_course.ui.takehome import CalendarBox

    sess = StoreSession()
    box = CalendarBox(sess)
    box.date.value = dt.date(9999, 12, 31)
    box._add()
    assert "more than two years away" in box.result.value and sess.planned == []
    box.date.value = dt.date.today() + dt.timedelta(days=7)
    box._add()
    assert len(sess.planned) == 1
    assert box._make().count(b"BEGIN:VEVENT") == 4


HOSTILE = "quiet\x00 day\x1b[31m red\x07\x7f\x85\x9b end\tok"


def test_control_characters_never_reach_a_csv_or_pdf_file():
    assert strip_controls(HOSTILE) == "quiet day[31m red end\tok"
    assert strip_controls("line one\nline two") == "line one\nline two"
    c = content.get()
    day, entry = journal.clean_entry(
        {"day": dt.date.today(), "mood": "3", "sleep": "7", "note": HOSTILE}, c, today=dt.date.today()
    )
    raw = [{**entry, "day": day}, {"day": day, "mood": 2, "sleep": 5, "note": "\x00=cmd|' /C calc'!A0"}]
    csv_text = journal.to_csv(raw, c)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", csv_text.replace("\r\n", "\n"))
    assert "'=cmd" in csv_text  # a formula hidden behind a NUL is still made harmless
    pdf = journal.export_pdf(raw, c)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "quiet day" in text and not re.search(r"[\x00-\x08\x0e-\x1f\x7f]", text)


def test_a_full_disk_is_said_in_plain_words():
    from sqlalchemy import exc as sa_exc

    from caregiver_course.store.errors import explain as _explain

    for words in ("disk I/O error", "database or disk is full", "could not extend file: No space left on device"):
        message = str(_explain(sa_exc.OperationalError("INSERT", {}, Exception(words))))
        assert "out of storage space" in message and "tell the clinic staff" in message
        assert "I/O" not in message and "disk" not in message.lower()
    other = _explain(sa_exc.OperationalError("x", {}, Exception("unable to open database file /srv/course/x.db")))
    assert "/srv" not in str(other) and "/srv" in other.detail  # the log keeps the detail


def test_the_export_message_names_no_server_folder(monkeypatch, tmp_path, store):
    from caregiver_course.ui.dashboard import Dashboard

    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path))
    dash = Dashboard(store)
    dash.open_workshop(store.create_workshop("room"))
    dash.export()
    message = dash.export_area.value
    assert "Results exported" in message and str(tmp_path) not in message and "exports" in message
    assert not re.search(r"/(tmp|home|srv|var|root|work)/", message)
    assert list((tmp_path / "exports").glob("workshop-*.csv"))


def test_a_short_facilitator_secret_stops_the_server_with_a_clear_message(monkeypatch, capsys):
    started = []
    monkeypatch.setattr(os, "execve", lambda *a: started.append(a))
    monkeypatch.chdir(os.getcwd())
    monkeypatch.setenv("CAREGIVER_FACILITATOR_SECRET", "short-1")
    assert cli.main(["serve", "--skip-check"]) == 1 and not started
    err = capsys.readouterr().err
    assert "NOT started" in err and "too short" in err and "at least 12" in err and "short-1" not in err
    monkeypatch.setenv("CAREGIVER_FACILITATOR_SECRET", "plum-river-lamp-47")
    cli.main(["serve", "--skip-check"])
    assert started
