"""A running server whose clinic.yaml gets broken keeps showing the real numbers (issue 10, item 6)."""

from __future__ import annotations

import shutil

import pytest

from .conftest import APP_PATH, REPO, VoilaServer
from .helpers import go_to_step, open_lesson, step_count

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
    clinic.write_text(
        clinic.read_text().replace(
            "  value: the phone number on your appointment card\n  confirmed: no",
            "  value: the phone number on your appointment card\n   confirmed: no",
        )
    )


def show_red_flags(page, group: str = "emergency", open_it: bool = True) -> str:
    """Open lesson 4 and go to the step with this group's signs; returns the text of every step seen."""
    if open_it:
        open_lesson(page, "side-effects")
    texts = []
    for step in range(step_count(page)):
        go_to_step(page, step)
        texts.append(page.locator("body").inner_text())
        if page.locator(f".cc-redflags-{group}").count():
            page.wait_for_selector(f".cc-redflags-{group}", timeout=60_000)
            break
    return "\n".join(texts)


def test_a_broken_clinic_file_on_a_running_server_keeps_the_real_numbers(content_server, browser):
    srv, data = content_server
    ctx = browser.new_context(viewport={"width": 420, "height": 900})
    page = ctx.new_page()
    page.goto(srv.url + APP_PATH)
    page.wait_for_selector(".cc-home", timeout=60_000)
    assert "call 112" in page.locator(".cc-home-help").inner_text()
    _break(data)
    text = show_red_flags(page)  # the lesson is built after the break
    emergency = page.locator(".cc-redflags-emergency")
    assert "Call 112 now" in emergency.inner_text()
    assert emergency.locator("a[href='tel:112']").count() >= 1
    text += show_red_flags(page, "crisis", open_it=False)
    assert page.locator(".cc-redflags-crisis a[href='sms:988']").count() >= 1
    assert "Part of this page could not be shown" not in text and "check with your clinic or text" not in text
    assert "the phone number on your appointment card" in text  # the clinic's own text, not a placeholder
    # A page opened after the break (another kernel) shows the last good numbers too.
    page2 = ctx.new_page()
    page2.goto(srv.url + APP_PATH)
    page2.wait_for_selector(".cc-home", timeout=60_000)
    show_red_flags(page2)
    assert "Call 112 now" in page2.locator(".cc-redflags-emergency").inner_text()
    ctx.close()
    assert "keeping the last good content" in srv.logs() and "clinic.yaml, line" in srv.logs()
