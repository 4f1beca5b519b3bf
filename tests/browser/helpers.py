"""Helpers for browser tests of the app's lessons (steps, questions, choices)."""

from __future__ import annotations

from caregiver_course import content


def open_lesson(page, lesson_id: str, step: int | None = None):
    """Open a lesson from the start page (Home first if needed); optionally jump to a step (0-based)."""
    if page.locator(".cc-home").count() == 0 or not page.locator(".cc-home").is_visible():
        page.locator(".cc-topbar .cc-home-button").click()
        page.wait_for_selector(".cc-home")
    page.locator(f".cc-lesson-{lesson_id} .cc-open-lesson").click()
    page.wait_for_selector(".cc-stepbar .cc-step-of")
    wait_outline(page, content.get().lesson(lesson_id).title)
    if step is not None:
        go_to_step(page, step)


def wait_outline(page, lesson_title: str = ""):
    """Wait until the step bar names this lesson and its outline lists the lesson's steps."""
    page.wait_for_function(
        """(title) => {
        const w = document.querySelector('.cc-where strong');
        if (!w || !w.textContent.includes(title)) return false;
        const s = document.querySelector('.cc-step-of'); if (!s) return false;
        const m = s.innerText.match(/^Step (\\d+) of (\\d+): (.*)$/); if (!m) return false;
        const o = Array.from(document.querySelectorAll('.cc-outline select option'))
            .map(x => x.textContent.replace(/\\u00a0/g, ' '));
        const sel = document.querySelector('.cc-outline select');
        return o.length === +m[2] && o[+m[1] - 1] === m[1] + '. ' + m[3] && sel.selectedIndex === +m[1] - 1;
    }""",
        arg=lesson_title,
    )


def step_count(page) -> int:
    wait_outline(page)
    return page.locator(".cc-outline select option").count()


def current_step(page) -> int:
    text = page.locator(".cc-step-of").inner_text()
    return int(text.split("Step ", 1)[1].split(" of", 1)[0]) - 1


def go_to_step(page, index: int):
    page.select_option(".cc-outline select", index=index)
    page.wait_for_function(
        f"() => (document.querySelector('.cc-step-of') || {{}}).innerText?.startsWith('Step {index + 1} of')"
    )
    wait_settled(page)


# The step is final when every question and checklist on it has its choices drawn, Back/Next are there, and
# nothing in it has moved or changed for QUIET_MS. The step's title changes first (a message of its own); its
# widgets come after it and are drawn one by one (each is a separate view, drawn when its script is ready), so on
# a busy machine a fixed pause can end while they are still arriving and pushing each other down: a tap then
# waits for an element that keeps moving ("waiting for element to be stable").
QUIET_MS = 300
_SETTLED = """(quiet) => {
  const stage = document.querySelector('.cc-stage');
  const s = window.__ccSettle || (window.__ccSettle = {sig: '', since: 0});
  const parts = stage ? Array.from(stage.querySelectorAll('.cc-question, .cc-checklist')) : [];
  if (!stage || !stage.querySelector('.cc-nav') || parts.some(p => !p.querySelector('.cc-qw'))) {
    s.sig = ''; return false;
  }
  const boxes = Array.from(stage.querySelectorAll('label.cc-option, .cc-check, .cc-nav'))
    .map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height].map(Math.round).join(','); });
  const sig = stage.getElementsByTagName('*').length + '|' + stage.scrollHeight + '|' + boxes.join(';');
  const now = performance.now();
  if (sig !== s.sig) { s.sig = sig; s.since = now; return false; }
  return now - s.since >= quiet;
}"""


def wait_settled(page, quiet_ms: int = QUIET_MS):
    """Wait until the shown step is final: all its widgets drawn and nothing moving (see _SETTLED)."""
    page.evaluate("() => { window.__ccSettle = null; }")
    page.wait_for_function(_SETTLED, arg=quiet_ms, polling="raf")


def tap_when_still(page, locator, tries: int = 4, timeout: int = 10_000):
    """Tap a choice once it holds still. On a busy machine a step's widgets can still be arriving (or re-laid out
    after the previous tap's echo) when the tap comes, and Playwright then waits for an element that keeps moving
    ("waiting for element to be stable") until its timeout. A tap that could not land did nothing, so here it
    waits for the step to be final again (wait_settled: a condition, not a pause) and taps again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        try:
            locator.tap(timeout=timeout)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
            wait_settled(page)


def step_titles(page) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.cc-outline select option'))"
        ".map(o => o.textContent.replace(/\u00a0/g, ' '))"
    )


def steps_with_questions(page) -> list[int]:
    """Steps (0-based) whose titles say they hold questions: "Try it" and "Check what you learned"."""
    titles = page.evaluate(
        "() => Array.from(document.querySelectorAll('.cc-outline select option'))"
        ".map(o => o.textContent.replace(/\u00a0/g, ' '))"
    )
    return [i for i, t in enumerate(titles) if "Try it" in t or "Check what you learned" in t or "Final check" in t]


def question_views(page):
    return page.locator(".cc-question")


def question_of(qview):
    qid = qview.locator("[id^='cc-q-']").first.get_attribute("id")[len("cc-q-") :]
    return content.get().question(qid)


def wait_for_choices(page, timeout: int = 20_000):
    """Wait until the step's choices are drawn; if they are not, say what the page showed (for the log)."""
    try:
        page.wait_for_selector(".cc-stage .cc-qw", timeout=timeout)
    except Exception:
        print(
            "choices not drawn:",
            page.evaluate("""() => ({
            step: (document.querySelector('.cc-step-of') || {}).innerText,
            stages: document.querySelectorAll('.cc-stage').length,
            qw: document.querySelectorAll('.cc-qw').length,
            questions: document.querySelectorAll('.cc-question').length,
            stage: (document.querySelector('.cc-stage') || {}).innerHTML?.slice(0, 3000),
        })"""),
        )
        raise


def find_question(page, lesson_id: str, types=("single", "scenario", "truefalse")):
    """Go to the first step of the open lesson with a question of one of these types; return (view, question)."""
    for step in steps_with_questions(page):
        go_to_step(page, step)  # waits until the step is final
        views = question_views(page)
        if not views.count():  # a "Try it" step with a reflection only (no choices to make)
            continue
        wait_for_choices(page)
        for i in range(views.count()):
            q = question_of(views.nth(i))
            if q.type in types:
                return views.nth(i), q
    raise AssertionError(f"no {types} question in {lesson_id}")


def choose(qview, question, option_ids, check=True):
    clinic = content.get().clinic
    for oid in option_ids:
        label = clinic.fill(question.option(oid).text)
        qview.locator("label.cc-option", has_text=label).first.click()
    if check:
        qview.locator(".cc-check").click()


def go_to_question(page, question_id: str):
    """Go to the step of the open lesson that shows this question; return its view."""
    for step in steps_with_questions(page):
        go_to_step(page, step)  # waits until the step is final
        if page.locator(f"#cc-q-{question_id}").count():
            wait_for_choices(page)
            return page.locator(".cc-question", has=page.locator(f"#cc-q-{question_id}"))
    raise AssertionError(f"question {question_id} is on no step")
