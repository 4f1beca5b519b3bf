"""Real-browser test fixtures: a Voila server started by the tests, and Debian's Chromium via Playwright.

The server runs the README's serve command on a free port with a temporary data directory. Chromium is
the system one (/usr/bin/chromium, from Debian's package), never a browser Playwright downloads.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APP_PATH = "/voila/render/course.ipynb"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VoilaServer:
    wait_for_pool = True  # ready once the kernel pool is filled (False: as soon as it answers)

    def __init__(self, tmp: Path, extra_args=(), env=None):
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.data_dir = tmp / "data-dir"
        self.log_path = tmp / "voila.log"
        full_env = dict(os.environ, CAREGIVER_DATA_DIR=str(self.data_dir), **(env or {}))
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "caregiver_course", "serve", f"--port={self.port}", *extra_args],
            cwd=REPO,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Voila exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/cc/health", timeout=2) as r:
                    filled = "Kernel pool of course.ipynb is filled" in self.log_path.read_text()
                    if r.status == 200 and (filled or not self.wait_for_pool):
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("Voila did not start in time")

    def logs(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, 9)
        self.log.close()


# The browser tests open many pages from one address (127.0.0.1) in one server; the per-client kernel cap is
# raised for them. The security tests (tests/security) run servers with the shipped defaults.
MANY_PAGES = (
    "--CourseVoila.max_kernels_per_client=500",
    "--CourseVoila.max_kernels_per_address=500",  # every test's browser is at 127.0.0.1 (the ceiling is 40)
    "--CourseVoila.max_kernels=500",
)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = VoilaServer(tmp_path_factory.mktemp("voila"), extra_args=MANY_PAGES)
    yield srv
    srv.stop()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1000, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def open_app(server):
    """open_app(page): load the app and wait until the page has its learner."""
    return lambda page, timeout=60_000: _open_app(page, server, timeout)


def _open_app(page, server, timeout: float = 60_000):
    if not getattr(page, "_cc_console", False):  # the page's errors go to the test's log (shown on failure)
        page._cc_console = True
        page.on("console", lambda m: m.type in ("error", "warning") and print(f"console {m.type}: {m.text[:300]}"))
        page.on("pageerror", lambda e: print(f"page error: {str(e)[:300]}"))
    # "load" comes only once the server has sent the whole page (and the app has been built for it) and its scripts:
    # on a busy machine that took longer than Playwright's 30 s default, so it gets the same time as the rest.
    page.goto(server.url + APP_PATH, timeout=timeout)
    page.wait_for_selector(".cc-home", timeout=timeout)
    # The identity bridge has given this browser a learner once the resume code is shown.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "() => { const e = document.querySelector('.cc-resume-code');"
            " return e && !e.textContent.includes('being made'); }",
            timeout=timeout,
        )
    except PlaywrightTimeout:
        pytest.fail(
            "the page never got its learner.\nPage: "
            + page.locator("body").inner_text()[:1500]
            + "\nServer log (end): "
            + server.logs()[-4000:]
        )
    return page
