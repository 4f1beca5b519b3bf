"""Issue 9: lessons that work in a caregiver's hand (phones 320-390 px wide, touch, keyboard only).

Choices never overlap and each option's text selects that option; answers come back after a reload;
Help stays on screen on every step; the start page is short; typing is never cut off by a rebuild; the
keyboard reaches each question in few Tab presses. Screenshots go to CAREGIVER_SHOTS if it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from caregiver_course import content

from .conftest import APP_PATH
from .helpers import (
    choose,
    find_question,
    go_to_step,
    open_lesson,
    question_of,
    step_count,
    step_titles,
    steps_with_questions,
    tap_when_still,
    wait_settled,
)
from .test_accessibility_and_network import axe_violations

pytestmark = pytest.mark.browser
SIZES = [(320, 640), (390, 844), (1280, 800)]
SHOTS = os.environ.get("CAREGIVER_SHOTS", "")

OVERLAPS = """() => {
  const out = [];
  for (const group of document.querySelectorAll('.cc-stage .cc-qw')) {
    const boxes = Array.from(group.querySelectorAll('label.cc-option')).map(l => l.getBoundingClientRect());
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i];
      if (a.height < 44) out.push(['short', group.querySelector('[id^=cc-q-], [id^=cc-cl-]')?.id, i, a.height]);
      for (let j = i + 1; j < boxes.length; j++) {
        const b = boxes[j];
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
          out.push(['overlap', group.querySelector('[id^=cc-q-], [id^=cc-cl-]')?.id, i, j]);
      }
    }
    const check = group.querySelector('.cc-check');
    const last = boxes[boxes.length - 1];
    if (check && last && check.getBoundingClientRect().top < last.bottom - 0.5) out.push(['under check', i]);
  }
  return out;
}"""


def screens(page) -> float:
    return page.evaluate(
        "() => { const s = document.getElementById('rendered_cells'); return s.scrollHeight / window.innerHeight; }"
    )


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name))


def test_choices_never_overlap_and_tapping_each_text_selects_it(open_app, browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = open_app(ctx.new_page())
    groups = taps = 0
    for lesson in content.get().lessons:
        open_lesson(page, lesson.id)
        for step in range(step_count(page)):
            go_to_step(page, step)
            if page.locator(".cc-stage .cc-qw").count() == 0:
                continue
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                problems = page.evaluate(OVERLAPS)
                assert problems == [], f"{lesson.id} step {step + 1} at {width}x{height}: {problems[:5]}"
            page.set_viewport_size({"width": 390, "height": 844})
            page.evaluate("() => { document.documentElement.style.zoom = '2'; }")  # 200 % text zoom
            problems = page.evaluate(OVERLAPS)
            page.evaluate("() => { document.documentElement.style.zoom = ''; }")
            assert problems == [], f"{lesson.id} step {step + 1} at 390 px and 200 % zoom: {problems[:5]}"
            wait_settled(page)  # laid out again at 390 px before anything is tapped
            groups += page.locator(".cc-stage .cc-qw").count()
            # Tap each option's text (not its circle): that option, and no other, is selected.
            for label in page.locator(".cc-stage .cc-question label.cc-option").all():
                tap_when_still(page, label.locator(".cc-option-text"))
                expect(label.locator("input")).to_be_checked()
                taps += 1
    ctx.close()
    assert groups > 60 and taps > 200


def test_answers_and_ticks_come_back_after_reload_and_on_another_device(open_app, browser):
    first = browser.new_context()
    page = open_app(first.new_page())
    open_lesson(page, "understanding")
    q, question = find_question(page, "understanding")
    wrong = next(o.id for o in question.options if o.id not in question.answer)
    choose(q, question, [wrong])
    q.locator(".cc-feedback strong", has_text="Not quite.").wait_for()
    go_to_step(page, next(i for i in steps_with_questions(page) if "Try it" in step_titles(page)[i]))
    page.wait_for_selector(".cc-stage .cc-checklist label.cc-option")
    page.locator(".cc-stage .cc-checklist label.cc-option").first.click()
    page.wait_for_function(
        "() => document.querySelector('.cc-stage .cc-checklist .cc-feedback').innerText.includes('1 of')"
    )
    open_lesson(page, "side-effects")
    sort_q, sort_question = find_question(page, "side-effects", types=("triage",))
    for row in sort_q.locator("fieldset.cc-sort-row").all():
        row.locator("label.cc-option").first.click()
    sort_q.locator(".cc-check").click()
    sort_q.locator(".cc-feedback strong").first.wait_for()
    sort_feedback = sort_q.locator(".cc-feedback").inner_text()
    # Quick taps on six rows all count (a late echo from the kernel must not undo a newer tap).
    assert "still to go" not in sort_feedback and sort_q.locator("input:checked").count() == len(sort_question.items)
    page.locator(".cc-nav .cc-home-nav").click()
    code = page.locator(".cc-resume-code").inner_text()

    def same(p):
        open_lesson(p, "understanding")
        view, _ = find_question(p, "understanding")
        assert question_of(view).id == question.id
        view.locator(".cc-feedback strong", has_text="Not quite.").wait_for()
        label = content.get().clinic.fill(question.option(wrong).text)
        assert view.locator("label.cc-option", has_text=label).locator("input").is_checked()
        go_to_step(p, next(i for i in steps_with_questions(p) if "Try it" in step_titles(p)[i]))
        p.wait_for_selector(".cc-stage .cc-checklist label.cc-option")
        assert p.locator(".cc-stage .cc-checklist label.cc-option input").first.is_checked()
        open_lesson(p, "side-effects")
        view, _ = find_question(p, "side-effects", types=("triage",))
        assert view.locator(".cc-feedback").inner_text() == sort_feedback
        assert view.locator("input:checked").count() == len(sort_question.items)

    page.reload()
    open_app(page)
    same(page)
    other = browser.new_context()
    page2 = open_app(other.new_page())
    page2.locator(".cc-resume-input input").fill(code)
    page2.locator(".cc-resume-button").click()
    page2.get_by_text("Welcome back").wait_for()
    same(page2)
    first.close()
    other.close()


def test_help_on_every_step_and_steps_of_at_most_three_phone_screens(open_app, browser):
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = open_app(ctx.new_page())
    home_screens = screens(page)
    shot(page, "phone-start-page.png")
    # 3.0 screens until issue 18 added three things a caregiver asked for: the one-line welcome, the side-effect
    # table one tap from Home, and "Send the course to someone" (3.10 screens with all three, measured); the
    # lessons still start on the first screen. Past 3.2, something else has grown: look at it.
    assert home_screens <= 3.2, f"the start page is {home_screens:.2f} phone screens"
    links = page.evaluate("() => Array.from(document.querySelectorAll('.cc-home-help a')).map(a => a.href)")
    assert any(h.startswith("tel:") for h in links) and any(h.startswith("sms:") for h in links)
    open_lesson(page, "side-effects")
    sizes = []
    for step in range(step_count(page)):
        go_to_step(page, step)
        page.evaluate("() => document.getElementById('rendered_cells').scrollTo(0, 1e6)")  # the end of the step
        box = page.locator(".cc-app > .cc-help .cc-help-button").bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 844, f"Help is off screen at step {step + 1}"
        sizes.append(round(screens(page), 2))
        if page.locator(".cc-stage .cc-q-triage").count():
            page.evaluate("() => document.getElementById('rendered_cells').scrollTo(0, 0)")
            page.locator(".cc-stage .cc-q-triage").scroll_into_view_if_needed()
            shot(page, "phone-sorting-task.png")
        if step == 2:
            page.evaluate("() => document.getElementById('rendered_cells').scrollTo(0, 0)")
            shot(page, "phone-lesson-step.png")
    print("lesson 4 phone screens per step:", sizes, "start page:", round(home_screens, 2))
    assert max(sizes) <= 3.4, list(
        zip(step_titles(page), sizes)
    )  # "about 3 screens", counting the step bar and Back/Next
    page.locator(".cc-app > .cc-help .cc-help-button").click()
    help_box = page.locator(".cc-app > .cc-help .cc-help-box")
    help_box.wait_for()
    hrefs = help_box.evaluate("(e) => Array.from(e.querySelectorAll('a')).map(a => a.getAttribute('href'))")
    clinic = content.get().clinic
    assert f"tel:{clinic.value('emergency_number')}" in hrefs and f"sms:{clinic.value('crisis_text')}" in hrefs
    assert any(h.startswith("https://") for h in hrefs)  # 988's chat
    ctx.close()


def test_keyboard_only_answers_single_multi_and_sorting_with_few_tabs(open_app, context):
    page = open_app(context.new_page())
    open_lesson(page, "side-effects")

    def tabs_to(selector: str, limit: int = 40) -> int:
        for n in range(1, limit + 1):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
                return n
        raise AssertionError(f"{selector} not reached in {limit} Tab presses")

    counts = {}
    for types, key in ((("single", "scenario", "truefalse"), "single"), (("multi",), "multi"), (("triage",), "sort")):
        view, question = find_question(page, "side-effects", types=types)
        qid = question.id
        view.locator("legend").first.click()  # start just before the question, as after reading it
        first = tabs_to(f"#cc-q-{qid} ~ *, .cc-qw input")
        assert first == 1
        if key == "single":
            page.keyboard.press("ArrowDown")  # moves and selects within the group
            page.keyboard.press("ArrowUp")
        elif key == "multi":
            page.keyboard.press("Space")
        else:
            rows = len(question.items)
            for r in range(rows):
                page.keyboard.press("ArrowDown")  # choose a group for this situation
                if r + 1 < rows:
                    page.keyboard.press("Tab")  # next situation: one Tab per row
        n = tabs_to(".cc-check", 10 if key != "multi" else 12)
        counts[key] = n
        # The focused Check button shows a visible focus ring (keyboard focus).
        assert page.evaluate(
            "() => document.activeElement.matches('.cc-check') &&"
            " getComputedStyle(document.activeElement).outlineStyle !== 'none'"
        )
        page.keyboard.press("Enter")
        try:
            view.locator(".cc-feedback strong").first.wait_for()
        except Exception:  # say what the question showed, for the log
            print("no feedback for", key, qid, repr(view.locator(".cc-feedback").inner_html()[:300]))
            raise
        name = page.evaluate(
            "(qid) => { const f = document.getElementById('cc-q-' + qid).closest('fieldset');"
            " return f.querySelector('legend').textContent; }",
            qid,
        )
        assert content.get().clinic.fill(question.prompt) in name  # the group is named by the question
    print("Tab presses from a question's first choice to its Check button:", counts)
    assert counts["single"] == 1 and counts["sort"] == 1
    assert counts["multi"] <= len(find_question(page, "side-effects", types=("multi",))[1].options)
    assert axe_violations(page) == []


def test_three_phones_typing_a_workshop_code_at_once_on_a_slow_network_all_join(server, browser):
    from caregiver_course.store import Store

    ws = Store(server.data_dir / "course.sqlite3").create_workshop("typing")
    contexts, pages = [], []
    for _ in range(3):
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 400,
                "downloadThroughput": 400 * 1024 / 8 * 10,
                "uploadThroughput": 400 * 1024 / 8 * 10,
            },
        )
        page.goto(server.url + APP_PATH, wait_until="commit")
        contexts.append(ctx)
        pages.append(page)
    for page in pages:  # type as soon as the box shows, before the page has its learner
        page.wait_for_selector(".cc-workshop-code input", timeout=120_000)
    for ch in ws.join_code:
        for page in pages:
            page.locator(".cc-workshop-code input").press(ch if ch != "-" else "Minus")
        pages[0].wait_for_timeout(120)
    for page in pages:
        assert page.locator(".cc-workshop-code input").input_value() == ws.join_code
        page.wait_for_function(
            "() => { const e = document.querySelector('.cc-resume-code');"
            " return e && !e.textContent.includes('being made'); }",
            timeout=60_000,
        )
        page.locator(".cc-workshop-join").click()
    for page in pages:
        page.wait_for_selector(".cc-workshop-banner .cc-note", timeout=30_000)
        assert ws.join_code in page.locator(".cc-workshop-banner").inner_text()
    for ctx in contexts:
        ctx.close()


def test_side_effect_table_is_labelled_cards_on_a_phone(open_app, browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = open_app(ctx.new_page())
    open_lesson(page, "side-effects")
    titles = step_titles(page)
    groups = set()
    for i, title in enumerate(titles):
        if not title.split(". ", 1)[1].startswith("Everything in one table"):
            continue
        go_to_step(page, i)
        page.wait_for_selector(".cc-stage .cc-se-table")
        assert not page.locator(".cc-stage .cc-se-table thead").is_visible()  # no headers far from the cells
        cards = page.evaluate("""() => Array.from(document.querySelectorAll('.cc-stage .cc-se-table tbody tr')).map(tr => ({
            display: getComputedStyle(tr).display,
            labels: Array.from(tr.querySelectorAll('td')).map(td => getComputedStyle(td, '::before').content),
            group: tr.querySelector('.cc-se-group').innerText,
            colour: getComputedStyle(tr).borderLeftColor, cls: tr.className }))""")
        for card in cards:
            assert card["display"] == "block"
            assert card["labels"] == ['"What it can look like"', '"What to do"']
            icon, word = card["group"].split(" ", 1)
            assert icon.strip() and len(word) > 4  # icon + word, not colour alone
            groups.add((card["cls"], card["colour"]))
    assert len(groups) == 4 and len({c for _, c in groups}) == 4  # each group also has its own colour
    ctx.close()


def test_a_new_lesson_never_shows_the_previous_lesson_step_bar(open_app, context):
    """The step bar is shared by every lesson; opening a lesson must not draw it first with the last one's
    title and outline (a learner would see the wrong lesson, and a quick tap would jump in the wrong one)."""
    page = open_app(context.new_page())
    understanding = content.get().lesson("understanding").title
    side_effects = content.get().lesson("side-effects").title
    seen = []
    for _ in range(3):
        open_lesson(page, "understanding", step=2)
        page.locator(".cc-topbar .cc-home-button").click()
        page.wait_for_selector(".cc-home")
        page.evaluate("""() => {
            window.__ccSeen = [];
            window.__ccWatch = new MutationObserver(() => {
                const w = document.querySelector('.cc-where strong');
                if (w) window.__ccSeen.push(w.textContent);
            });
            window.__ccWatch.observe(document.body, {subtree: true, childList: true, characterData: true});
        }""")
        open_lesson(page, "side-effects")
        seen += page.evaluate("() => { window.__ccWatch.disconnect(); return window.__ccSeen; }")
    assert seen and all(side_effects in t for t in seen), [t for t in seen if understanding in t][:3]
