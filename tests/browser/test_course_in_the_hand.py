"""Issue 18: the course in a caregiver's hand, second pass (phones 390×844 and 320×640 with touch).

Back and Forward move between steps and stay in the course, and a step's address reopens it; the step's heading
starts high on the first screen and nothing is under the Help button; the text size setting holds the layout;
read-aloud speaks the step's words (the browser's speech synthesis is stubbed); the dark theme passes axe; a
printed lesson keeps the side-effect table whole. Screenshots go to CAREGIVER_SHOTS if it is set.
"""

from __future__ import annotations

import pytest

from caregiver_course import content

from .conftest import APP_PATH
from .helpers import go_to_step, open_lesson, step_count, steps_with_questions, wait_outline, wait_settled
from .test_accessibility_and_network import axe_violations
from .test_lessons_in_hand import OVERLAPS, shot

pytestmark = pytest.mark.browser
PHONES = [(390, 844), (320, 640)]
HEADING_LIMIT = {(390, 844): 1 / 3, (320, 640): 1 / 2}  # of the screen's height


def phone(browser, width=390, height=844, **kwargs):
    return browser.new_context(viewport={"width": width, "height": height}, is_mobile=True, has_touch=True, **kwargs)


def wait_step(page, number: int):
    page.wait_for_function(
        f"() => (document.querySelector('.cc-step-of') || {{}}).innerText?.startsWith('Step {number} of')"
    )


# The top of the step's first heading (the lesson's title on step 1), in CSS pixels from the top of the screen.
HEADING_TOP = """() => {
  const stage = document.querySelector('.cc-stage');
  for (const child of stage.children) {
    if (child.matches('.cc-stepbar') || child.querySelector('.cc-stepbar')) continue;
    const h = child.querySelector('h1, h2, h3');
    if (h && h.getClientRects().length) return h.getBoundingClientRect().top;
  }
  return null;
}"""

# Controls the Help button covers, on the screen as it is now. The Help button sits in a band across the bottom
# of the screen that the page keeps free: the band is opaque, spans the width, and is the screen's edge for the
# page. A control on screen above the band must be tappable at its centre (nothing on top of it); at the end
# of the page, the last controls end above the band.
COVERED = """() => {
  const help = document.querySelector('.cc-app > .cc-help');
  const band = help.getBoundingClientRect();
  const out = [];
  const bg = getComputedStyle(help).backgroundColor;
  if (band.left > 0.5 || band.right < window.innerWidth - 0.5 || bg === 'rgba(0, 0, 0, 0)')
    out.push(['the Help button is not in a band of its own', band.left, band.right, bg]);
  const controls = document.querySelectorAll(
    '.cc-stage button, .cc-stage select, .cc-stage input, .cc-stage a, .cc-stage label.cc-option, .cc-stage summary,'
    + ' .cc-topbar button, .cc-topbar summary');
  for (const c of controls) {
    if (help.contains(c) || !c.checkVisibility({ visibilityProperty: true })) continue;
    const r = c.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || getComputedStyle(c).visibility === 'hidden') continue;
    if (r.top >= 0 && r.bottom <= band.top) {
      const x = Math.min(Math.max(r.left + r.width / 2, 1), window.innerWidth - 1), y = r.top + r.height / 2;
      const hit = document.elementFromPoint(x, y);
      if (hit && !c.contains(hit) && !hit.contains(c) && !(c.control && c.control.contains(hit)))
        out.push(['covered', (c.innerText || c.className || c.tagName).slice(0, 40), hit.className]);
    }
  }
  const s = document.getElementById('rendered_cells');  // the page's scroller (under the help bar)
  const end = s.scrollHeight - s.scrollTop - s.clientHeight < 2;
  if (end) {
    const nav = document.querySelector('.cc-stage .cc-nav, .cc-home .cc-home-help');
    if (nav && nav.getBoundingClientRect().bottom > band.top + 0.5) out.push(['the end is under the band']);
  }
  return out;
}"""


TO_TOP = "() => { window.scrollTo(0, 0); document.getElementById('rendered_cells').scrollTop = 0; }"
TO_END = """() => { window.scrollTo(0, document.documentElement.scrollHeight);
  const s = document.getElementById('rendered_cells'); s.scrollTop = s.scrollHeight;
  return s.scrollHeight - s.scrollTop - s.clientHeight < 2; }"""


def covered_at_top_and_end(page) -> list:
    page.evaluate(TO_TOP)
    found = page.evaluate(COVERED)
    page.wait_for_function(TO_END)
    found += page.evaluate(COVERED)
    page.evaluate(TO_TOP)
    return found


def test_back_and_forward_move_between_steps_and_stay_in_the_course(open_app, browser):
    ctx = phone(browser)
    page = open_app(ctx.new_page())
    page.evaluate("() => { window.__samePage = true; }")  # gone if the browser loaded the page again
    start = page.url
    open_lesson(page, "practical")
    wait_step(page, 1)
    page.wait_for_function("() => location.hash === '#lesson=practical&step=1'")
    for number in (2, 3):
        page.locator(".cc-nav .cc-next-button").click()
        wait_step(page, number)
        page.wait_for_function(f"() => location.hash === '#lesson=practical&step={number}'")
    page.go_back()
    wait_step(page, 2)
    page.go_back()
    wait_step(page, 1)
    page.go_back()  # the step before the lesson: the start page, still in the course
    page.wait_for_selector(".cc-home", state="visible")
    assert page.evaluate("() => location.hash") == ""
    page.go_forward()
    wait_step(page, 1)
    page.go_forward()
    wait_step(page, 2)
    assert page.evaluate("() => window.__samePage") is True, "Back and Forward stayed in the one page"
    assert page.url.split("#")[0] == start.split("#")[0]
    # A jump with "Steps" is a step of its own too.
    go_to_step(page, 5)
    page.wait_for_function("() => location.hash === '#lesson=practical&step=6'")
    page.go_back()
    wait_step(page, 2)
    ctx.close()


def test_a_step_address_reopens_that_step(open_app, browser, server):
    ctx = phone(browser, 320, 640)
    page = ctx.new_page()
    page.goto(server.url + APP_PATH + "#lesson=side-effects&step=3", timeout=60_000)
    wait_outline(page, content.get().lesson("side-effects").title)
    wait_step(page, 3)
    assert page.evaluate("() => location.hash") == "#lesson=side-effects&step=3"
    # An address past the last step opens the last step, and the address says so.
    page.goto(server.url + APP_PATH + "#lesson=practical&step=999", timeout=60_000)
    wait_outline(page, content.get().lesson("practical").title)
    n = step_count(page)
    wait_step(page, n)
    page.wait_for_function(f"() => location.hash === '#lesson=practical&step={n}'")
    ctx.close()


def test_the_heading_starts_high_and_nothing_is_under_help_on_every_step_of_lessons_3_and_4(open_app, browser):
    ctx = phone(browser)
    page = open_app(ctx.new_page())
    problems = []
    for width, height in PHONES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function(f"() => window.innerWidth === {width}")
        wait_settled_home(page)
        problems += [("start page", width, p) for p in covered_at_top_and_end(page)]
    tops = {}
    for lesson_id in ("practical", "side-effects"):
        open_lesson(page, lesson_id)
        for step in range(step_count(page)):
            go_to_step(page, step)
            for width, height in PHONES:
                page.set_viewport_size({"width": width, "height": height})
                page.wait_for_function(f"() => window.innerWidth === {width}")
                wait_settled(page)
                page.evaluate(TO_TOP)
                top = page.evaluate(HEADING_TOP)
                tops[(lesson_id, step + 1, width)] = top
                if top is None or top > height * HEADING_LIMIT[(width, height)]:
                    problems.append((lesson_id, step + 1, width, "heading at", top))
                problems += [(lesson_id, step + 1, width, p) for p in covered_at_top_and_end(page)]
    print("heading tops:", tops)
    print("problems:", problems[:40])
    assert problems == []
    ctx.close()


def set_text_size(page, label: str):
    page.locator(".cc-topbar .cc-comfort-open").click()
    page.locator(".cc-comfort-choice", has_text=label).first.click()
    page.locator(".cc-topbar .cc-comfort-open").click()  # closed again


# Sideways scroll, or anything of the app past the screen's right edge (the page's scroller clips it).
SIDEWAYS = """() => {
  const wide = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  const cut = Array.from(document.querySelectorAll('.cc-app *')).filter(e => {
    if (!e.checkVisibility({ visibilityProperty: true })) return false;
    const r = e.getBoundingClientRect();
    return r.width > 2 && r.height > 2 && r.right > window.innerWidth + 1;
  });
  // A button's words cut off inside it (a button too narrow for its text).
  const clipped = Array.from(document.querySelectorAll('.cc-app button')).filter(
    b => b.checkVisibility() && b.scrollWidth > b.clientWidth + 1);
  return wide + cut.length + clipped.length;
}"""


@pytest.mark.parametrize("width,height", PHONES)
def test_every_text_size_keeps_the_layout_and_is_remembered(open_app, browser, width, height):
    ctx = phone(browser, width, height)
    page = open_app(ctx.new_page())
    problems = []
    for size, label in (("1", "Normal"), ("2", "Large"), ("3", "Largest")):
        if page.locator(".cc-home").count() == 0 or not page.locator(".cc-home").is_visible():
            page.locator(".cc-topbar .cc-home-button").click()
            page.wait_for_selector(".cc-home", state="visible")
        set_text_size(page, label)
        page.wait_for_function(f"() => document.documentElement.dataset.ccText === '{size}'")
        wait_settled_home(page)
        shot(page, f"start-text{size}-{width}x{height}.png")
        if page.evaluate(SIDEWAYS) > 0:
            problems.append((size, "start page scrolls sideways"))
        open_lesson(page, "side-effects")
        for step in steps_with_questions(page)[:2] + [1]:
            go_to_step(page, step)
            if step == 1:
                shot(page, f"lesson-step-text{size}-{width}x{height}.png")
            if page.evaluate(SIDEWAYS) > 0:
                problems.append((size, step, "sideways scroll"))
            problems += [(size, step, p) for p in page.evaluate(OVERLAPS)]
    assert problems == []
    page.reload()
    page.wait_for_selector(".cc-home", timeout=60_000)
    assert page.evaluate("() => document.documentElement.dataset.ccText") == "3", "the size is kept by the browser"
    ctx.close()


def wait_settled_home(page):
    page.wait_for_function("() => !!document.querySelector('.cc-home .cc-continue')")


SPEECH_STUB = """(() => {
  window.__spoken = []; window.__cancelled = 0;
  const voices = window.__noVoice ? [] : [{ name: 'Test voice', lang: 'en-US' }];
  Object.defineProperty(window, 'speechSynthesis', { configurable: true, value: {
    speaking: false, getVoices: () => voices,
    speak: (u) => { window.__spoken.push(u.text); },
    cancel: () => { window.__cancelled += 1; },
  } });
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
})();"""


def test_read_aloud_starts_and_stops_the_browsers_speech_with_the_steps_words(open_app, browser):
    ctx = phone(browser)
    ctx.add_init_script(SPEECH_STUB)
    page = open_app(ctx.new_page())
    open_lesson(page, "practical", step=1)
    button = page.locator(".cc-stepbar .cc-reader")
    assert button.get_attribute("aria-pressed") == "false"
    assert "Read aloud" in button.text_content()
    button.click()
    page.wait_for_function("() => window.__spoken.length > 0")
    spoken = "\n".join(page.evaluate("() => window.__spoken"))
    heading = page.locator(".cc-stage h2, .cc-stage h3").first.inner_text()
    assert heading in spoken
    assert "Step 2 of" not in spoken and "Next" not in spoken.split("\n")[-1], "only the step's own words"
    assert button.get_attribute("aria-pressed") == "true" and "Stop" in button.text_content()
    cancelled = page.evaluate("() => window.__cancelled")
    button.click()
    assert page.evaluate("() => window.__cancelled") > cancelled
    assert button.get_attribute("aria-pressed") == "false"
    # A new step stops the reading.
    button.click()
    page.wait_for_function("() => document.querySelector('.cc-reader').getAttribute('aria-pressed') === 'true'")
    page.locator(".cc-nav .cc-next-button").click()
    wait_step(page, 3)
    page.wait_for_function("() => document.querySelector('.cc-reader').getAttribute('aria-pressed') === 'false'")
    ctx.close()


def test_read_aloud_says_so_where_the_device_has_no_voice(open_app, browser):
    ctx = phone(browser)
    ctx.add_init_script("window.__noVoice = true;" + SPEECH_STUB)
    page = open_app(ctx.new_page())
    open_lesson(page, "practical")
    page.locator(".cc-stepbar .cc-reader").click()
    page.locator(".cc-reader-note", has_text="no voice").wait_for()
    assert page.evaluate("() => window.__spoken.length") == 0
    ctx.close()


def test_the_dark_theme_follows_the_phone_passes_axe_and_has_a_switch(open_app, browser):
    ctx = phone(browser, color_scheme="dark")
    page = open_app(ctx.new_page())
    assert page.evaluate("() => document.documentElement.dataset.ccTheme") == "dark"
    shot(page, "start-dark-390x844.png")
    assert axe_violations(page) == []
    open_lesson(page, "side-effects")
    for step in [1, steps_with_questions(page)[0]]:
        go_to_step(page, step)
        assert axe_violations(page) == []
    shot(page, "lesson-dark-390x844.png")
    page.locator(".cc-topbar .cc-comfort-open").click()
    page.locator(".cc-comfort-choice", has_text="Light").click()
    page.wait_for_function("() => document.documentElement.dataset.ccTheme === 'light'")
    assert page.evaluate("() => localStorage.getItem('caregiver-course-theme')") == "light"
    ctx.close()


def test_a_printed_lesson_keeps_the_side_effect_table_whole(open_app, context):
    page = open_app(context.new_page())
    open_lesson(page, "side-effects")
    for step in range(step_count(page)):
        go_to_step(page, step)
        if page.locator(".cc-stage .cc-se-table").count():
            break
    else:
        raise AssertionError("no step shows the side-effect table")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 700, "height": 1000})  # an A4 page's printable width
    cut = page.evaluate("""() => {
      const out = [];
      for (const cell of document.querySelectorAll('.cc-stage .cc-se-table th, .cc-stage .cc-se-table td')) {
        const r = cell.getBoundingClientRect();
        if (r.width < 20 || r.right > document.documentElement.clientWidth + 0.5) out.push([cell.dataset.label, r.right]);
        for (let a = cell.parentElement; a && a !== document.body; a = a.parentElement) {
          const s = getComputedStyle(a);
          if (s.overflowX !== 'visible' && a.scrollWidth > a.clientWidth + 1) { out.push(['clipped by', a.className]); break; }
        }
      }
      const hidden = ['.cc-nav', '.cc-stepbar', '.cc-app > .cc-help'].filter(s => {
        const e = document.querySelector(s); return e && e.getClientRects().length; });
      return out.concat(hidden.map(s => ['printed', s]));
    }""")
    assert cut == []
    page.emulate_media(media="screen")
