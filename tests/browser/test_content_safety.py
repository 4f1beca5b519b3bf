"""A running server whose clinic.yaml gets broken keeps showing the real numbers (issue 10, item 6)."""
from __future__ import annotations

import shutil

import pytest

from .conftest import APP_PATH, REPO, VoilaServer

pytestmark = pytest.mark.browser


@pytest.fixture
def content_server(tmp_path):
    data = tmp_path / "content"
    shutil.copytree(REPO / "data", data)
    clinic = data / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace('emergency_number: "911"', 'emergency_number: "112"'))
    srv = VoilaServer(tmp_path, env={"CAREGIVER_CONTENT_DIR": str(data)})
    yield srv, data
    srv.stop()


def _break(data):
    """One indentation slip in clinic.yaml, as a clinic editor might make it."""
    clinic = data / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("  value: the phone number on your appointment card\n  confirmed: no",
                                                 "  value: the phone number on your appointment card\n   confirmed: no"))


def test_a_broken_clinic_file_on_a_running_server_keeps_the_real_numbers(content_server, browser):
    srv, data = content_server
    ctx = browser.new_context(viewport={"width": 420, "height": 900})
    page = ctx.new_page()
    page.goto(srv.url + APP_PATH)
    page.wait_for_selector(".cc-home", timeout=60_000)
    assert "call 112" in page.locator(".cc-home-help").inner_text()
    _break(data)
    page.locator(".cc-lesson-side-effects .cc-open-lesson").click()  # built after the break
    page.wait_for_selector(".cc-redflags-emergency", timeout=60_000)
    emergency = page.locator(".cc-redflags-emergency")
    assert "Call 112 now" in emergency.inner_text()
    assert emergency.locator("a[href='tel:112']").count() >= 1
    assert page.locator(".cc-redflags-crisis a[href='sms:988']").count() >= 1
    text = page.locator("body").inner_text()
    assert "Part of this page could not be shown" not in text and "check with your clinic or text" not in text
    assert "the phone number on your appointment card" in text  # the clinic's own text, not a placeholder
    # A page opened after the break (another kernel) shows the last good numbers too.
    page2 = ctx.new_page()
    page2.goto(srv.url + APP_PATH)
    page2.wait_for_selector(".cc-home", timeout=60_000)
    page2.locator(".cc-lesson-side-effects .cc-open-lesson").click()
    page2.wait_for_selector(".cc-redflags-emergency", timeout=60_000)
    assert "Call 112 now" in page2.locator(".cc-redflags-emergency").inner_text()
    ctx.close()
    assert "keeping the last good content" in srv.logs() and "clinic.yaml, line" in srv.logs()
