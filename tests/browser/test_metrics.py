"""The metrics endpoint: hidden without the token, Prometheus text with it, and its counters move."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import pytest
from security.attack import V1, connect, header, kernel_id_of, run, v1_frame

from caregiver_course.store import Store

from .conftest import APP_PATH, MANY_PAGES, VoilaServer
from .helpers import choose, find_question

pytestmark = pytest.mark.browser
TOKEN = "metrics-token-for-the-test-0123456789"


@pytest.fixture(scope="module")
def metrics_server(tmp_path_factory):
    srv = VoilaServer(tmp_path_factory.mktemp("metrics"), extra_args=MANY_PAGES, env={"CAREGIVER_METRICS_TOKEN": TOKEN})
    yield srv
    srv.stop()


def scrape(server, token: str | None = TOKEN) -> tuple[int, str]:
    req = urllib.request.Request(server.url + "/cc/metrics")
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def value(text: str, name: str, labels: str = "") -> float:
    m = re.search(rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$", text, re.M)
    assert m, f"{name}{labels} not in the metrics:\n{text}"
    return float(m.group(1))


def test_metrics_need_the_token(metrics_server):
    for token in (None, "wrong-token-wrong-token-wrong", TOKEN[:-1]):
        status, body = scrape(metrics_server, token)
        assert status == 404 and "caregiver_" not in body
    status, body = scrape(metrics_server)
    assert status == 200
    assert "# TYPE caregiver_save_seconds histogram" in body and "# TYPE caregiver_kernels_in_use gauge" in body


def test_counters_move_with_what_happens(metrics_server, context):
    _, before = scrape(metrics_server)
    page = context.new_page()
    page.goto(metrics_server.url + APP_PATH)
    page.wait_for_selector(".cc-home", timeout=90_000)
    page.locator(".cc-lesson-understanding .cc-open-lesson").click()
    page.wait_for_selector(".cc-lesson-header")
    q, question = find_question(page, "understanding")
    choose(q, question, sorted(question.answer))
    q.locator(".cc-feedback strong", has_text="Correct.").wait_for()

    # a refused frame (a message type the page never sends), and a wrong resume code written to the store
    async def refused():
        from urllib.request import urlopen

        with urlopen(metrics_server.url + APP_PATH, timeout=60) as r:
            kernel = kernel_id_of(r.read().decode())
        ws = await connect(metrics_server.url.replace("http", "ws"), kernel, protocols=(V1,))
        ws.write_message(v1_frame("shell", header("execute_request"), {"code": "1"}), binary=True)
        await __import__("asyncio").sleep(1)
        ws.close()

    run(refused(), timeout=90)
    Store(metrics_server.data_dir / "course.sqlite3").record_attempt("resume", "somebody", False)

    deadline = time.monotonic() + 30
    while True:
        _, after = scrape(metrics_server)
        moved = value(after, "caregiver_saves_total") > value(before, "caregiver_saves_total")
        if moved or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert value(after, "caregiver_saves_total") > value(before, "caregiver_saves_total")
    assert value(after, "caregiver_save_seconds_count") == value(after, "caregiver_saves_total")
    assert value(after, "caregiver_refused_frames_total") >= value(before, "caregiver_refused_frames_total") + 1
    assert value(after, "caregiver_wrong_tries_last_hour", '{kind="resume"}') >= 1
    assert value(after, "caregiver_kernels_in_use") >= 2
    assert value(after, "caregiver_database_errors_total") == 0
    assert value(after, "caregiver_pages_served_total") >= value(before, "caregiver_pages_served_total") + 2
    assert "caregiver_pool_failures_total 0" in after


def test_ready_says_what_would_stop_a_newcomer(metrics_server, tmp_path):
    import json

    with urllib.request.urlopen(metrics_server.url + "/cc/ready", timeout=30) as r:
        assert r.status == 200 and json.loads(r.read()) == {"ready": True, "problems": []}


def test_ready_is_503_when_the_database_is_gone(tmp_path):
    """A PostgreSQL URL nothing answers at: the server still serves (the help numbers), but is not ready."""
    import json
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    srv = VoilaServer(
        tmp_path,
        extra_args=("--skip-check",),
        env={"CAREGIVER_DATABASE_URL": f"postgresql+psycopg://nobody:x@127.0.0.1:{dead}/none"},
    )
    try:
        try:
            urllib.request.urlopen(srv.url + "/cc/ready", timeout=30)
            raise AssertionError("ready with no database")
        except urllib.error.HTTPError as e:
            assert e.code == 503
            body = json.loads(e.read())
        assert body["ready"] is False and body["problems"] == ["the progress database cannot be opened"]
    finally:
        srv.stop()
