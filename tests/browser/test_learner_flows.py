"""A learner's path through the app in a real browser: answer, retry, steps, navigate, resume, delete."""

from __future__ import annotations

import re

import pytest

from caregiver_course import content

from .helpers import choose, find_question, go_to_step, open_lesson, step_count

pytestmark = pytest.mark.browser


def test_new_learner_answers_retries_and_sees_progress(open_app, context):
    page = open_app(context.new_page())
    assert "0 of 8 lessons done" in page.locator(".cc-overall").inner_text()
    assert "Next up: Start here" in page.locator(".cc-next-up").inner_text()  # a first visit is led from the start
    assert page.locator(".cc-continue").inner_text().strip() == "Start here"
    page.locator(".cc-lesson-understanding .cc-open-lesson").click()
    page.wait_for_selector(".cc-lesson-header")
    assert "Lesson 1 of 8" in page.locator(".cc-stepbar").inner_text()
    assert "Step 1 of" in page.locator(".cc-stepbar").inner_text()

    q, question = find_question(page, "understanding")
    wrong = next(o.id for o in question.options if o.id not in question.answer)
    choose(q, question, [wrong])
    feedback = q.locator(".cc-feedback")
    feedback.locator("strong", has_text="Not quite.").wait_for()
    text = feedback.inner_text()
    assert "✗" in text and question.option(wrong).feedback[:30] in text  # a symbol and words, not colour only
    assert feedback.get_attribute("aria-live") == "polite"
    handle = feedback.element_handle()

    choose(q, question, sorted(question.answer))
    feedback.locator("strong", has_text="Correct.").wait_for()
    assert "✓" in feedback.inner_text()
    # The live region stayed in the page (only its text changed), so screen readers announce it.
    assert page.evaluate("(e) => e.isConnected", handle)
    assert re.search(r"Questions answered: 1 of \d+", page.locator(".cc-stepbar").inner_text())

    page.locator(".cc-nav .cc-home-nav").click()
    card = page.locator(".cc-lesson-understanding")
    card.wait_for()
    assert re.search(r"◐\s*In progress", card.inner_text())  # one answer is not "done"
    assert "Quiz: 1 of" in card.inner_text()
    assert "Continue lesson 1" in page.locator(".cc-continue").inner_text()


def test_steps_back_next_outline_and_resume_at_the_step(open_app, context):
    page = open_app(context.new_page())
    open_lesson(page, "follow-up")
    n = step_count(page)
    assert n >= 4
    assert page.locator(".cc-back").is_enabled()  # goes back to the previous lesson from step 1
    page.locator(".cc-next-button").click()
    page.wait_for_function("() => document.querySelector('.cc-step-of').innerText.startsWith('Step 2 of')")
    # Keyboard and screen-reader users land on the new step's title line.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.classList.contains('cc-title')", timeout=3000
    )
    page.locator(".cc-next-button").click()
    page.wait_for_function("() => document.querySelector('.cc-step-of').innerText.startsWith('Step 3 of')")
    page.locator(".cc-back").click()
    page.wait_for_function("() => document.querySelector('.cc-step-of').innerText.startsWith('Step 2 of')")
    left = page.locator(".cc-step-left").inner_text()
    assert re.search(r"About \d+ min left", left)
    go_to_step(page, n - 1)
    assert page.locator(".cc-next-button").inner_text().startswith("Next lesson")
    go_to_step(page, 2)
    page.locator(".cc-nav .cc-home-nav").click()
    page.wait_for_selector(".cc-home")
    open_lesson(page, "follow-up")  # opens again where she stopped
    assert page.locator(".cc-step-of").inner_text().startswith("Step 3 of")


def test_reload_resume_code_on_another_device_and_delete(open_app, browser):
    first = browser.new_context()
    page = open_app(first.new_page())
    open_lesson(page, "emotional")
    q, question = find_question(page, "emotional")
    choose(q, question, sorted(question.answer))
    q.locator(".cc-feedback strong", has_text="Correct.").wait_for()
    page.locator(".cc-nav .cc-home-nav").click()
    code = page.locator(".cc-resume-code").inner_text()
    assert re.fullmatch(r"[A-Z]+-[A-Z]+-[A-Z]+-[A-Z]+-\d\d\d", code)

    page.reload()  # same browser: resumes by itself
    open_app(page)
    assert page.locator(".cc-resume-code").inner_text() == code
    assert "Quiz: 1 of" in page.locator(".cc-lesson-emotional").inner_text()
    assert "In progress" in page.locator(".cc-lesson-emotional").inner_text()

    other = browser.new_context()  # another device: nothing in its storage
    page2 = open_app(other.new_page())
    assert page2.locator(".cc-resume-code").inner_text() != code
    assert "Quiz: 1 of" not in page2.locator(".cc-lesson-emotional").inner_text()
    page2.locator(".cc-resume-input input").fill(code.lower().replace("-", " "))
    page2.locator(".cc-resume-button").click()
    page2.get_by_text("Welcome back").wait_for()
    page2.wait_for_function("() => document.querySelector('.cc-lesson-emotional').innerText.includes('Quiz: 1 of')")
    assert page2.locator(".cc-resume-code").inner_text() == code

    page2.locator(".cc-resume-input input").fill("NOT-A-REAL-CODE-00")
    page2.locator(".cc-resume-button").click()
    page2.get_by_text("We could not find that code").wait_for()

    page2.locator(".cc-delete").click()
    page2.locator(".cc-delete-confirm").click()
    page2.locator(".cc-delete-done").wait_for()
    assert "Your data was deleted" in page2.locator(".cc-delete-done").inner_text()
    page2.wait_for_function("() => !document.querySelector('.cc-lesson-emotional').innerText.includes('Quiz: 1 of')")
    new_code = page2.locator(".cc-resume-code").inner_text()
    assert new_code != code
    page2.locator(".cc-resume-input input").fill(code)
    page2.locator(".cc-resume-button").click()
    page2.get_by_text("We could not find that code").wait_for()  # the old progress is gone for good
    first.close()
    other.close()


def test_every_lesson_renders_and_next_walks_through_them(open_app, context):
    page = open_app(context.new_page())
    open_lesson(page, "start")
    lessons = content.get().lessons
    for lesson in lessons[1:]:
        go_to_step(page, step_count(page) - 1)
        page.locator(".cc-next-button").click()
        page.wait_for_function(
            f"() => document.querySelector('.cc-stepbar').innerText.includes('Lesson {lesson.number} of 8')"
        )
        header = page.locator(".cc-lesson-header h1")
        header.wait_for()
        assert header.inner_text() == lesson.title
        assert page.locator(".cc-problem").count() == 0, f"{lesson.id} shows an error box"
        go_to_step(page, step_count(page) - 1)
        assert page.locator(".cc-key-points").count() == 1
        go_to_step(page, 0)
    page.locator(".cc-back").click()  # from step 1 of lesson 8 back to lesson 7
    page.wait_for_function("() => document.querySelector('.cc-stepbar').innerText.includes('Lesson 7 of 8')")
