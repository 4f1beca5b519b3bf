"""The course on a phone network: help numbers before any script, compressed and cached responses, no blank
page after the server sat idle, and a plain message (with a way back) when the page's kernel is gone."""

from __future__ import annotations

import gzip
import os
import re
import signal
import time
import urllib.request

import pytest

from .conftest import APP_PATH, VoilaServer

pytestmark = pytest.mark.browser

SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
LEARNER_KNOWN = (
    "() => { const e = document.querySelector('.cc-resume-code'); return e && !e.textContent.includes('being made'); }"
)


def raw(url: str, gzip_ok: bool = True) -> tuple[bytes, dict]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read(), dict(r.headers)


def test_help_numbers_are_in_the_html_and_readable_without_javascript(server, browser):
    body, headers = raw(server.url + APP_PATH)
    html = gzip.decompress(body).decode() if headers.get("Content-Encoding") == "gzip" else body.decode()
    bar = html.index('id="cc-help-bar"')
    assert 'href="tel:911"' in html and 'href="sms:988"' in html and 'href="tel:988"' in html
    # Before every cell of the app, and before Voila's scripts in the body.
    assert bar < html.index("cell-index=") and bar < html.index("voila.js")
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = ctx.new_page()
    page.goto(server.url + APP_PATH, wait_until="commit")
    link = page.locator('#cc-help-bar a[href="tel:911"]')
    link.wait_for(state="visible", timeout=30_000)
    box = link.bounding_box()
    assert box["y"] < 640 and box["height"] >= 44, box  # on the first screen, and big enough to tap
    ctx.close()


def test_text_responses_are_compressed_and_assets_cached_for_a_year(server):
    body, headers = raw(server.url + APP_PATH)
    assert headers.get("Content-Encoding") == "gzip"
    html = gzip.decompress(body).decode()
    static = re.search(r'"fullStaticUrl": "([^"]+)"', html).group(1)
    assert re.fullmatch(r"/voila/v-[0-9a-f]{12}/static", static)
    for path, kind in ((f"{static}/voila.js", "javascript"), ("/voila/templates/caregiver/static/index.css", "css")):
        body, headers = raw(server.url + path)
        assert headers.get("Content-Encoding") == "gzip", path
        assert kind in headers.get("Content-Type", ""), path
    _, headers = raw(server.url + f"{static}/voila.js")
    assert "max-age=31536000" in headers.get("Cache-Control", "") and "immutable" in headers["Cache-Control"]
    plain, headers = raw(server.url + APP_PATH, gzip_ok=False)
    assert "Content-Encoding" not in headers and b"cc-help-bar" in plain


@pytest.fixture(scope="module")
def aged_server(tmp_path_factory):
    """Jupyter's own idle timeout set to 5 s, checked every second: the setting that used to cull a pool
    kernel before its slow page connected. The pool kernels then age past it."""
    srv = VoilaServer(
        tmp_path_factory.mktemp("aged"),
        extra_args=[
            "--MappingKernelManager.cull_idle_timeout=5",
            "--MappingKernelManager.cull_interval=1",
            "--CourseVoila.max_kernels_per_client=50",
        ],
    )
    yield srv
    srv.stop()


@pytest.mark.parametrize("throttled", [True, False], ids=["slow-4g", "no-throttling"])
def test_no_blank_page_after_the_pool_kernels_aged(aged_server, browser, throttled):
    time.sleep(12)  # the pool kernels wait well past the 5 s idle timeout
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    if throttled:
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    page.goto(aged_server.url + APP_PATH, wait_until="commit", timeout=120_000)
    page.wait_for_function(LEARNER_KNOWN, timeout=120_000)
    ctx.close()
    assert "Kernel does not exist" not in aged_server.logs()


def kernel_pid(kernel_id: str) -> int:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if f"kernel-{kernel_id}.json".encode() in f.read():
                    return int(pid)
        except OSError:
            continue
    raise AssertionError(f"no process for kernel {kernel_id}")


def test_when_the_kernel_dies_the_page_says_so_and_reload_brings_the_learner_back(server, browser, open_app):
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    page = open_app(ctx.new_page())
    code = page.locator(".cc-resume-code").inner_text()
    kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    os.kill(kernel_pid(kernel_id), signal.SIGKILL)
    t = time.time()
    page.locator(".cc-lesson-card .cc-open-lesson").first.click()  # a click after the kernel died
    gone = page.locator("#cc-kernel-gone")
    gone.wait_for(state="visible", timeout=30_000)
    seconds = time.time() - t
    assert "lost its connection" in gone.inner_text() and "may not have been saved" in gone.inner_text()
    assert page.locator('#cc-help-bar a[href="tel:911"]').is_visible(), "the help numbers stay on top"
    gone.locator("button").click()
    page.wait_for_function(LEARNER_KNOWN, timeout=60_000)
    assert page.locator(".cc-resume-code").inner_text() == code, "the same learner, with saved progress"
    ctx.close()
    print(f"kernel gone told after {seconds:.1f} s")


def test_an_idle_page_is_asked_still_there_and_keeps_its_kernel(tmp_path, browser):
    srv = VoilaServer(tmp_path, extra_args=["--CourseVoila.idle_timeout=40", "--MappingKernelManager.cull_interval=2"])
    try:
        ctx = browser.new_context(viewport={"width": 390, "height": 844})
        page = ctx.new_page()
        page.goto(srv.url + APP_PATH)
        page.wait_for_function(LEARNER_KNOWN, timeout=60_000)
        kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        ask = page.locator("#cc-still-there")
        ask.wait_for(state="visible", timeout=60_000)  # asked at 3/4 of the 40 s
        assert "still there" in ask.inner_text()
        ask.locator("button").click()
        time.sleep(20)  # past the original 40 s: tapping reset the idle clock
        assert urllib.request.urlopen(srv.url + f"/cc/kernel/{kernel_id}", timeout=10).status == 200
        time.sleep(45)  # no answer this time: the idle page's kernel goes, and the page says so
        page.locator("#cc-kernel-gone").wait_for(state="visible", timeout=60_000)
        ctx.close()
    finally:
        srv.stop()
