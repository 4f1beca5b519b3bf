"""Real-browser test fixtures: a Voila server started by the tests, and Debian's Chromium via Playwright.

The server (tests/servers.py, shared with tests/security) runs the README's serve command on a free port with a
temporary data directory; one session-scoped server is shared by every browser test that only reads (each pytest-
xdist worker starts its own). Chromium is the system one (/usr/bin/chromium, from Debian's package), never a
browser Playwright downloads.
"""

from __future__ import annotations

import pytest
from servers import APP_PATH, MANY_PAGES, REPO, Burners, VoilaServer, free_port

__all__ = ["APP_PATH", "MANY_PAGES", "REPO", "Burners", "VoilaServer", "free_port"]


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
