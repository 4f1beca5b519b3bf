"""A warm revisit on slow 4G while the machine is busy: reloading the app must not leave it on the loading screen.

With one busy loop per core, a reload of the app (cache warm, same learner) sat on the course's loading
screen until its 150 s give-up (issue 15). The cause was in the browser: Voila draws the app's output as soon
as its scripts have run, and the widget manager waits only 2 s for the model; the kernel's widget states took
about 2 s under load, and when they arrived during that last wait the renderer showed "Error displaying
widget: model not found" for good (ipywidgets issue #4026), behind the loading screen. cc-loading.js now
draws such an output again.

Bound: 20 s per reload. The issue's target for a slow-4G first visit with one busy process per core is 20 s,
and a warm revisit moves less than 10 KB over the wire, so it must not be slower than that. Measured with
the fix, under one busy loop per core while other jobs also loaded the machine (load average 10-15): 3.7 s,
7.5 s and 12.2 s (the last a page made on request); quiet: about 3 s. Without the fix, the reloads that
met the race took more than 150 s; they were 5 of the 9 warm reloads in the runs that found the cause, so
4 reloads meet it at least once in most runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from .conftest import APP_PATH, VoilaServer

pytestmark = pytest.mark.browser

SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
RELOADS = 4
BOUND = 20.0  # seconds from the reload to a usable start page with its learner (see the docstring)
FIRST_VISIT = 120.0  # seconds for the cold first visit (it only has to work; bench_phone.py times it)
BURN_SECONDS = 600  # the busy loops stop by themselves after this, even if the test is killed
# The start page is on screen, the loading screen is gone, and the learner is known (the resume code shown).
USABLE = (
    "() => document.body && document.body.getAttribute('data-cc-page') === 'ready'"
    " && !!document.querySelector('.cc-app .cc-stage > *')"
    " && (() => { const e = document.querySelector('.cc-resume-code');"
    " return !!e && !e.textContent.includes('being made'); })()"
)


@pytest.fixture
def busy_machine():
    """One busy loop per core, each bounded by `timeout` and in its own process group; killed at the end."""
    procs = [
        subprocess.Popen(
            ["timeout", str(BURN_SECONDS), sys.executable, "-c", "while True: pass"], start_new_session=True
        )
        for _ in range(os.cpu_count() or 1)
    ]
    yield
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(timeout=10)


def test_reloading_the_app_on_slow_4g_on_a_busy_machine_is_usable_within_20_s(tmp_path, browser, busy_machine):
    srv = VoilaServer(tmp_path)  # the shipped limits: one browser reloading must not need more
    try:
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = ctx.new_page()
        notes = []
        page.on("console", lambda m: m.type in ("error", "info") and notes.append(f"{m.type}: {m.text[:160]}"))
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        page.goto(srv.url + APP_PATH, wait_until="commit", timeout=FIRST_VISIT * 1000)
        page.wait_for_function(USABLE, timeout=FIRST_VISIT * 1000)
        times, redrawn = [], 0
        for i in range(RELOADS):
            t = time.monotonic()
            page.reload(wait_until="commit", timeout=BOUND * 1000)
            try:
                page.wait_for_function(USABLE, timeout=BOUND * 1000)
            except Exception:
                screen = page.evaluate(
                    "() => [document.body.getAttribute('data-cc-page'), document.body.innerText.slice(0, 400)]"
                )
                pytest.fail(
                    f"reload {i + 1} not usable within {BOUND:.0f} s (load average {os.getloadavg()[0]:.1f}); "
                    f"page state and text: {screen}\nconsole: {notes[-6:]}\nserver log (end): {srv.logs()[-2500:]}"
                )
            times.append(time.monotonic() - t)
            redrawn += int(page.evaluate("() => Number(document.body.getAttribute('data-cc-redrawn') || 0)"))
        ctx.close()
        print(
            f"reloads usable after {', '.join(f'{s:.1f}' for s in times)} s; {redrawn} drawn again by the loading "
            f"screen; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        assert max(times) <= BOUND
    finally:
        srv.stop()
