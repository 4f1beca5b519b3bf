"""Issue 18, items 4, 6 and 7 on a 390x844 and a 320x640 phone: "What is normal, what is urgent" one tap
away from Home and from Help; no lesson-4 step longer than 3 phone screens; sending the course or a card
never sends the resume code; the certificate and completion record in a caregiver's words.
"""

from __future__ import annotations

import base64
import io

import pytest
from pypdf import PdfReader

from caregiver_course import content

from .conftest import APP_PATH
from .helpers import go_to_step, open_lesson, step_count, step_titles

pytestmark = pytest.mark.browser
PHONES = [(390, 844), (320, 640)]


def phone(browser, size):
    width, height = size
    return browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=True, has_touch=True, accept_downloads=True
    )


def screens(page) -> float:
    return page.evaluate(
        "() => { const s = document.getElementById('rendered_cells'); return s.scrollHeight / window.innerHeight; }"
    )


# Not yet met (measured in this branch): at 390x844 "Try it" (one sorting question, 3.26), one page of the knowledge
# check (3.15) and "When it is an emergency" (3.04); at 320x640 most steps, because the help bar, top bar and step
# bar fill much of a 640-px screen (issue 18 item 2 shrinks them). Strict: it fails once every step fits.
@pytest.mark.xfail(strict=True, reason="questions and the page's top bars are still too tall on a phone (issue 18)")
@pytest.mark.parametrize("size", PHONES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_lesson_4_step_is_longer_than_three_phone_screens(open_app, browser, size):
    ctx = phone(browser, size)
    page = open_app(ctx.new_page())
    open_lesson(page, "side-effects")
    sizes = []
    for step in range(step_count(page)):
        go_to_step(page, step)
        sizes.append(round(screens(page), 2))
    titles = step_titles(page)
    print(f"lesson 4 at {size[0]}x{size[1]}: {len(sizes)} steps, {sum(sizes):.1f} screens:", list(zip(titles, sizes)))
    too_long = [(t, s) for t, s in zip(titles, sizes) if s > 3.0]
    assert not too_long, f"steps longer than 3 phone screens at {size}: {too_long}"
    ctx.close()


ROWS = len(content.get().side_effects)


def table_shown(page) -> None:
    """The whole table, as labelled cards, on its own page."""
    page.wait_for_selector(".cc-stage .cc-table-page .cc-se-table")
    page.wait_for_function(f"() => document.querySelectorAll('.cc-stage .cc-table-page tbody tr').length === {ROWS}")
    cards = page.evaluate(
        "() => Array.from(document.querySelectorAll('.cc-stage .cc-table-page tbody tr')).map(tr => ["
        "getComputedStyle(tr).display, getComputedStyle(tr.querySelector('td'), '::before').content])"
    )
    assert all(c == ["block", '"What it can look like"'] for c in cards), cards[:3]


@pytest.mark.parametrize("size", PHONES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_table_opens_in_one_tap_from_home_and_from_help(open_app, browser, size):
    ctx = phone(browser, size)
    page = open_app(ctx.new_page())
    home_button = page.locator(".cc-home .cc-table-open")
    assert home_button.inner_text().strip() == "What is normal, what is urgent"
    assert home_button.bounding_box()["height"] >= 44
    home_button.tap()  # one tap from the start page
    table_shown(page)
    open_lesson(page, "side-effects", step=1)  # anywhere in a lesson: Help, then one tap
    page.locator(".cc-app > .cc-help .cc-help-button").tap()
    in_help = page.locator(".cc-app > .cc-help .cc-help-table")
    in_help.wait_for()
    in_help.tap()
    table_shown(page)
    assert not page.locator(".cc-app > .cc-help .cc-help-box").is_visible()  # Help closed: nothing covers the table
    page.locator(".cc-table-page .cc-table-home").tap()
    page.wait_for_selector(".cc-stage .cc-home")
    ctx.close()


SHARE_STUB = """() => {
  window.__shared = [];
  navigator.share = (data) => { window.__shared.push({title: data.title, text: data.text, url: data.url,
      files: (data.files || []).map(f => ({name: f.name, type: f.type, size: f.size}))});
    window.__files = data.files || []; return Promise.resolve(); };
  navigator.canShare = (data) => true;
}"""


def resume_code(page) -> str:
    return page.locator(".cc-resume-code").inner_text().strip()


def test_send_the_course_uses_the_share_sheet_with_the_link_only(open_app, browser, server):
    ctx = phone(browser, PHONES[0])
    ctx.add_init_script(f"({SHARE_STUB})()")
    page = open_app(ctx.new_page())
    code = resume_code(page)
    page.locator(".cc-home .cc-share").tap()
    page.wait_for_function("() => window.__shared.length === 1")
    shared = page.evaluate("() => window.__shared[0]")
    assert shared["url"] == server.url + APP_PATH  # the course's address: no query, no step, no code
    token = page.evaluate("() => localStorage.getItem('caregiver-course-learner')")
    everything = str(shared)
    assert code and code not in everything and token not in everything and "?" not in shared["url"]
    assert "Done" in page.locator(".cc-home .cc-share-status").inner_text()
    ctx.close()


def test_send_the_course_copies_the_link_where_there_is_no_share_sheet(open_app, browser, server):
    ctx = phone(browser, PHONES[1])
    ctx.add_init_script(
        "() => { delete Navigator.prototype.share; window.__copied = [];"
        " Object.defineProperty(navigator, 'clipboard', {value: {writeText: (t) => { window.__copied.push(t);"
        " return Promise.resolve(); }}}); }".replace("() => { ", "(() => { ", 1)
        + ")()"
    )
    page = open_app(ctx.new_page())
    code = resume_code(page)
    assert page.evaluate("() => typeof navigator.share") == "undefined"
    page.locator(".cc-home .cc-share").tap()
    page.wait_for_function("() => window.__copied.length === 1")
    copied = page.evaluate("() => window.__copied[0]")
    assert copied == server.url + APP_PATH and code not in copied
    status = page.locator(".cc-home .cc-share-status").inner_text()
    assert "link is copied" in status and "Paste it" in status  # a plain confirmation
    ctx.close()


def test_send_the_triage_card_shares_the_file_without_the_resume_code(open_app, browser):
    ctx = phone(browser, PHONES[0])
    ctx.add_init_script(f"({SHARE_STUB})()")
    page = open_app(ctx.new_page())
    code = resume_code(page)
    page.locator(".cc-home .cc-tools-open").tap()
    send = page.locator(".cc-home-tools button.cc-download", has_text="Send the triage card")
    send.tap()
    page.wait_for_function("() => window.__shared.length === 1", timeout=60_000)
    shared = page.evaluate("() => window.__shared[0]")
    assert shared["files"][0]["name"] == "triage-card.pdf" and shared["files"][0]["type"] == "application/pdf"
    data = page.evaluate(
        "async () => { const b = new Uint8Array(await window.__files[0].arrayBuffer());"
        " let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s); }"
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(base64.b64decode(data))).pages)
    assert "When to get help" in text or "emergency" in text.lower()
    assert code not in text and code.replace("-", "") not in text.replace("-", "")
    ctx.close()
