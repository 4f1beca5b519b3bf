"""Two course processes behind nginx sharing one PostgreSQL store, with real browsers: two learners on different
processes both save, the facilitator's dashboard on either process counts both exactly, and when one process is
killed (kill -9) its learner is told, reloads onto the other process and keeps every acknowledged answer."""

from __future__ import annotations

import os
import secrets
import signal

import pytest
from test_cluster import Cluster, owner

from caregiver_course import content
from caregiver_course.store import Store

from .conftest import APP_PATH
from .helpers import go_to_question, open_lesson

pytestmark = pytest.mark.browser
SECRET = "cluster-test-secret"
DASH_PATH = "/voila/render/facilitator.ipynb"
LEARNER_KNOWN = (
    "() => { const e = document.querySelector('.cc-resume-code'); return e && !e.textContent.includes('being made'); }"
)
KERNEL_ID = "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


@pytest.fixture(scope="module")
def pg_cluster(tmp_path_factory, pg_server):
    url = pg_server.new_database(f"cluster_{secrets.token_hex(4)}")
    c = Cluster(
        tmp_path_factory.mktemp("pgcluster"),
        env={"CAREGIVER_DATABASE_URL": url, "CAREGIVER_FACILITATOR_SECRET": SECRET},
    )
    c.db_url = url
    yield c
    c.stop()


def page_on(browser, cluster, path, avoid=None):
    """A new browser (its own cookies) whose page was rendered by a process other than `avoid`."""
    for _ in range(10):
        ctx = browser.new_context(viewport={"width": 1000, "height": 900})
        page = ctx.new_page()
        page.goto(cluster.url + path)
        page.wait_for_selector("#jupyter-config-data", state="attached", timeout=60_000)
        port = owner(cluster, page.evaluate(KERNEL_ID))
        if port != avoid:
            return ctx, page, port
        ctx.close()
    raise AssertionError("ten new browsers all landed on the same process")


def dashboard(page, code=None):
    page.wait_for_selector(".cc-secret input", timeout=60_000)
    page.fill(".cc-secret input", SECRET)
    page.press(".cc-secret input", "Enter")
    page.wait_for_selector(".cc-start-workshop")
    if code:
        page.fill(".cc-continue-code input", code)
        page.click(".cc-continue-workshop")
    else:
        page.click(".cc-start-workshop")
    page.wait_for_selector(".cc-join-code")
    return page.locator(".cc-join-code").inner_text().strip()


def pick_item(dash, q):
    clinic = content.get().clinic
    labels = dash.evaluate(
        "() => Array.from(document.querySelectorAll('.cc-item-picker option')).map(o => o.textContent)"
    )
    wanted = next(
        t for t in labels
        if t.replace("\xa0", " ").startswith("Lesson 1:") and clinic.fill(q.prompt)[:40] in t.replace("\xa0", " ")
    )  # fmt: skip
    dash.select_option(".cc-item-picker select", label=wanted)


def test_two_learners_on_two_processes_one_dashboard_count_and_a_killed_process(pg_cluster, browser):
    cluster = pg_cluster
    q = next(x for x in content.get().questions_for("understanding") if x.type in ("single", "scenario"))
    clinic = content.get().clinic
    right = sorted(q.answer)[0]
    wrong = next(o.id for o in q.options if o.id not in q.answer)

    dash_ctx, dash, dash_port = page_on(browser, cluster, DASH_PATH)
    code = dashboard(dash)

    learners = []  # (context, page, process port, resume code, option picked)
    for pick in (right, wrong):
        avoid = learners[0][2] if learners else None
        ctx, page, port = page_on(browser, cluster, f"{APP_PATH}?workshop={code}", avoid=avoid)
        page.wait_for_function(LEARNER_KNOWN, timeout=60_000)
        page.wait_for_selector(".cc-workshop-banner .cc-note", timeout=30_000)
        resume_code = page.locator(".cc-resume-code").inner_text()
        open_lesson(page, "understanding")
        view = go_to_question(page, q.id)
        view.locator("label.cc-option", has_text=clinic.fill(q.option(pick).text)).first.click()
        view.locator(".cc-check").click()
        view.locator(".cc-feedback strong").first.wait_for()
        learners.append((ctx, page, port, resume_code, pick))
    assert learners[0][2] != learners[1][2], "the two learners are on different processes"

    # The dashboard, on whichever process rendered it, counts both learners exactly.
    dash.wait_for_function("() => document.querySelector('.cc-counts').innerText.includes('Joined: 2')", timeout=60_000)
    pick_item(dash, q)
    dash.wait_for_function(
        "() => document.querySelector('.cc-chart').innerText.includes('2 people have answered')", timeout=20_000
    )
    dash.click(".cc-reveal")
    dash.wait_for_function("() => document.querySelector('.cc-chart').innerText.includes('Right answer')")
    assert dash.locator(".cc-chart").inner_text().count("1 (50%)") == 2
    # A second dashboard on the other process sees the same.
    dash2_ctx, dash2, dash2_port = page_on(browser, cluster, DASH_PATH, avoid=dash_port)
    dashboard(dash2, code)
    dash2.wait_for_function(
        "() => document.querySelector('.cc-counts').innerText.includes('Joined: 2')", timeout=20_000
    )
    pick_item(dash2, q)
    dash2.wait_for_function(
        "() => document.querySelector('.cc-chart').innerText.includes('2 people have answered')", timeout=20_000
    )

    # kill -9 the second learner's process: the page says so; the reload lands on the other process.
    ctx, page, port, resume_code, pick = learners[1]
    os.kill(cluster.pids()[port], signal.SIGKILL)
    page.locator(".cc-topbar .cc-home-button").click()  # the next thing the learner does
    gone = page.locator("#cc-kernel-gone")
    gone.wait_for(state="visible", timeout=40_000)
    assert "lost its connection" in gone.inner_text()
    gone.locator("button").click()
    page.wait_for_function(LEARNER_KNOWN, timeout=90_000)
    assert owner(cluster, page.evaluate(KERNEL_ID)) != port
    assert page.locator(".cc-resume-code").inner_text() == resume_code, "the same learner"
    open_lesson(page, "understanding")
    view = go_to_question(page, q.id)
    view.locator(".cc-feedback strong").first.wait_for(timeout=20_000)  # the acknowledged answer came back
    # Exactly one saved answer per learner for the question: none lost, none doubled.
    store = Store(url=cluster.db_url, check_key=False)  # only counting rows (the cluster has its own key)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT learner_id, COUNT(*) FROM events WHERE kind = 'answer' AND item = %s GROUP BY learner_id", (q.id,)
        ).all()
    assert sorted(n for _, n in rows) == [1, 1]
    for c in (ctx, learners[0][0], dash_ctx, dash2_ctx):
        c.close()
