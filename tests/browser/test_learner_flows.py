"""A learner's path through the app in a real browser: answer, retry, navigate, resume, delete."""
from __future__ import annotations

import re

import pytest

from caregiver_course import content

pytestmark = pytest.mark.browser


def question_in(page, lesson_id: str, index: int = 0):
    """The index-th knowledge-check question on the page, with its bank entry."""
    q = page.locator(".cc-quiz .cc-question").nth(index)
    qid = q.locator("p[id^='cc-q-']").first.get_attribute("id")[len("cc-q-"):]
    return q, content.get().question(qid)


def choose(qview, question, option_ids):
    clinic = content.get().clinic
    for oid in option_ids:
        label = clinic.fill(question.option(oid).text)
        qview.locator("label", has_text=label).first.click()
    qview.locator(".cc-check").click()


def single_choice_question(page, lesson_id):
    n = page.locator(".cc-quiz .cc-question").count()
    for i in range(n):
        q, question = question_in(page, lesson_id, i)
        if question.type in ("single", "scenario", "truefalse"):
            return q, question
    raise AssertionError("no single-choice question in the lesson")


def test_new_learner_answers_retries_and_sees_progress(open_app, context):
    page = open_app(context.new_page())
    assert page.locator(".cc-overall").inner_text().count("0 of 8 lessons done") == 1
    page.locator(".cc-continue").click()  # "Start: lesson 1, ..."
    page.wait_for_selector(".cc-lesson-header")
    assert "Lesson 1 of 8" in page.locator(".cc-nav-top").inner_text()

    q, question = single_choice_question(page, "understanding")
    wrong = next(o.id for o in question.options if o.id not in question.answer)
    choose(q, question, [wrong])
    feedback = q.locator(".cc-feedback")
    feedback.locator("strong", has_text="Not quite.").wait_for()
    text = feedback.inner_text()
    assert "✗" in text and question.option(wrong).feedback[:30] in text  # a symbol and words, not colour only
    assert feedback.locator("[aria-live='polite']").count() == 1

    choose(q, question, sorted(question.answer))
    feedback.locator("strong", has_text="Correct.").wait_for()
    assert "✓" in feedback.inner_text()

    page.locator(".cc-nav-bottom .cc-next-button").click()
    page.wait_for_function("() => document.querySelector('.cc-nav-top') &&"
                           " document.querySelector('.cc-nav-top').innerText.includes('Lesson 2 of 8')")
    page.locator(".cc-nav-top .cc-home-nav").click()
    card = page.locator(".cc-lesson-understanding")
    card.wait_for()
    assert re.search(r"✓\s*Done", card.inner_text())
    assert "Quiz: 1 of" in card.inner_text()
    assert "1 of 8 lessons done" in page.locator(".cc-overall").inner_text()
    assert "Continue: lesson 2" in page.locator(".cc-continue").inner_text()


def test_reload_resume_code_on_another_device_and_delete(open_app, browser):
    first = browser.new_context()
    page = open_app(first.new_page())
    page.locator(".cc-lesson-emotional .cc-open-lesson").click()
    page.wait_for_selector(".cc-lesson-header")
    q, question = single_choice_question(page, "emotional")
    choose(q, question, sorted(question.answer))
    q.locator(".cc-feedback strong", has_text="Correct.").wait_for()
    page.locator(".cc-nav-top .cc-home-nav").click()
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


def test_navigation_back_next_and_every_lesson_renders(open_app, context):
    page = open_app(context.new_page())
    page.locator(".cc-lesson-start .cc-open-lesson").click()
    page.wait_for_selector(".cc-lesson-header")
    lessons = content.get().lessons
    for lesson in lessons[1:]:
        page.locator(".cc-nav-top .cc-next-button").click()
        page.wait_for_function(f"() => document.querySelector('.cc-nav-top').innerText.includes("
                               f"'Lesson {lesson.number} of 8')")
        header = page.locator(".cc-lesson-header .cc-title")
        header.wait_for()
        assert header.inner_text() == lesson.title
        assert page.locator(".cc-problem").count() == 0, f"{lesson.id} shows an error box"
        assert page.locator(".cc-key-points").count() == 1
    page.locator(".cc-nav-top .cc-back").click()
    page.wait_for_function("() => document.querySelector('.cc-nav-top').innerText.includes('Lesson 7 of 8')")
    # Keyboard and screen-reader users land on the new lesson's title (not on the page's end).
    page.wait_for_function("() => document.activeElement && document.activeElement.classList.contains('cc-title')",
                           timeout=3000)
    assert page.evaluate("document.activeElement.innerText") == lessons[7].title
