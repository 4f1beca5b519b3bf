"""The app shell without a browser: identity, navigation, progress, resume, delete, hosted == standalone."""

import json
from pathlib import Path

import pytest
from widget_text import walk

from caregiver_course import content
from caregiver_course.learning import progress
from caregiver_course.store import session
from caregiver_course.ui.app import CourseApp
from caregiver_course.ui.questions import QuestionView
from caregiver_course.ui.widgets import Panel

REPO = Path(__file__).resolve().parents[1]


def hello(app, token="", code=""):
    app.identity.token = ""
    app.identity.receive({"hello": {"token": token, "code": code}})
    assert app.identity.token
    return app.identity.token


def lesson_views(app, lesson_id):
    """Every question of the lesson (over all its steps), in order."""
    return [w for x in app.lesson_steps(lesson_id).widgets() for w in walk(x) if isinstance(w, QuestionView)]


@pytest.fixture
def app(store):
    return CourseApp(store)


def test_new_browser_gets_a_learner_and_the_same_browser_resumes(app, store):
    token = hello(app)
    learner = app.session.learner
    assert store.by_token(token).id == learner.id and learner.resume_code
    hello(app, token)  # a repeated hello changes nothing
    assert app.session.learner == learner
    again = CourseApp(store)  # the same browser later: it sends the token and the code it keeps
    assert hello(again, token, learner.resume_code) == token and again.session.learner == learner
    third = CourseApp(store)  # a browser that lost the code: progress stays, and it can make a new code
    hello(third, token, "WRONG-CODE-1")
    assert third.session.learner.id == learner.id and third.session.learner.resume_code == ""
    new = third.new_resume_code()
    assert (third.identity.token, third.identity.code) == (token, new)
    assert store.by_resume_code(new).id == learner.id and store.by_resume_code(learner.resume_code) is None


def test_answers_are_saved_and_progress_is_derived(app, store):
    token = hello(app)
    app.show_lesson("understanding")
    views = lesson_views(app, "understanding")
    q = next(v for v in views if v.question.type in ("single", "scenario"))
    q.choose(next(o.id for o in q.question.options if o.id not in q.question.answer))
    q.check()
    assert "Not quite." in q.feedback and "✗" in q.feedback
    q.choose(min(q.question.answer))
    q.check()
    assert "Correct." in q.feedback and "✓" in q.feedback
    learner = store.by_token(token)
    kinds = [(e["kind"], e["item"]) for e in store.events(learner.id)]
    assert kinds[:4] == [("step", "opened"), ("step", "step"), ("answer", q.question.id), ("answer", q.question.id)]
    steps = app.lesson_steps("understanding").steps
    while app.current == "understanding":
        app.next.click()  # through every step to the next lesson
    assert app.current == "emotional" and app.step == 0 and len(steps) > 3
    p = progress.lesson_progress(content.get(), store.events(learner.id))
    # Reaching the end is not enough: "done" also needs every question of the lesson answered.
    assert p["understanding"].status == progress.IN_PROGRESS and p["understanding"].reached_end
    assert p["understanding"].score.correct == 1
    assert p["emotional"].status == progress.IN_PROGRESS and p["routine"].status == progress.NOT_STARTED


def test_empty_check_gives_a_hint_not_an_error(app):
    hello(app)
    app.show_lesson("side-effects")
    q = lesson_views(app, "side-effects")[0]
    q.check()
    assert "ℹ" in q.feedback and ("Choose" in q.feedback)
    assert app.session.attempts() == []


def test_resume_code_and_delete(app, store):
    hello(app)
    app.show_lesson("routine")
    code = app.session.learner.resume_code
    other = CourseApp(store)
    hello(other)
    assert other.resume_with_code("nonsense").startswith("✗")
    assert other.resume_with_code(code.lower()).startswith("✓")
    assert other.session.learner.resume_code == code
    assert any(e["lesson"] == "routine" for e in other.session.events)
    message = other.delete_my_data()
    assert message.startswith("✓ Your data was deleted (2 saved")  # opened + the step it opened at
    assert store.by_resume_code(code) is None and other.session.learner.resume_code != code
    assert other.session.events == []


def _summaries(widgets):
    return [w.summary for w in widgets if isinstance(w, Panel)]


@pytest.mark.parametrize("lesson", content.get().lessons, ids=lambda lesson: lesson.id)
def test_a_lesson_hosted_in_the_app_matches_the_notebook_on_its_own(app, lesson):
    """The app runs the lesson's own cells, so it shows what the notebook shows (nbval checks the notebook)."""
    session.use(session.StoreSession())  # the seed does not matter for summaries
    hosted = _summaries(app.lesson_widgets(lesson.id))
    nb = json.loads((REPO / "notebooks" / lesson.notebook).read_text())
    stored = [
        "".join(o["data"]["text/plain"])
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for o in c["outputs"]
        if o.get("output_type") == "execute_result"
    ]
    assert hosted == stored
    assert not any("could not be shown" in s or "went wrong" in s for s in hosted)


def test_a_save_that_fails_is_said_at_once_and_saved_later(store):
    import sqlite3

    store.timeout = 0.2
    app = CourseApp(store)
    hello(app)
    app.show_lesson("routine")
    q = next(w for w in lesson_views(app, "routine") if w.question.type not in ("multi", "triage"))
    q.choose(min(q.question.answer))
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        q.check()
        assert "Correct." in q.feedback  # the learner still gets their feedback
        assert "busy" in app.notice.value and "kept" in app.notice.value
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    q.check()  # the next answer saves both
    assert app.notice.value == ""
    assert sum(e["kind"] == "answer" for e in store.events(app.session.learner.id)) == 2


def test_moving_around_leaves_no_widget_behind(app):
    """Home is built once and steps reuse their widgets: going around twice opens no new widget (comm)."""
    from ipywidgets.widgets.widget import _instances

    hello(app)

    def tour():
        for lesson in ("routine", "side-effects"):
            app.show_lesson(lesson)
            for i in range(len(app.lesson_steps(lesson).steps)):
                app.show_step(i)
            app.show_home()

    tour()
    before = len(_instances)
    tour()
    assert len(_instances) == before
    old = app.lesson_steps("routine").widgets()[0]
    app.resume_with_code(app.session.learner.resume_code)  # a learner change rebuilds lessons, closing the old
    assert old.comm is None


def test_each_widget_records_into_the_session_it_was_built_for(store):
    """Two learners in one process (as in tests, or a future shared kernel): no process-wide session."""
    a, b = CourseApp(store), CourseApp(store)
    hello(a)
    hello(b)
    qa = lesson_views(a, "routine")[0]
    lesson_views(b, "routine")  # b builds its widgets after a
    qa.choose(min(qa.question.answer) if qa.question.type != "multi" else sorted(qa.question.answer))
    if qa.question.type == "triage":
        qa.choose({i.id: i.answer for i in qa.question.items})
    qa.check()
    assert [e["item"] for e in a.session.events if e["kind"] == "answer"] == [qa.question.id]
    assert not [e for e in b.session.events if e["kind"] == "answer"]


def test_done_means_last_step_and_every_question_and_both_pages_agree(app, store):
    hello(app)
    lesson = "follow-up"
    steps = app.lesson_steps(lesson).steps
    app.show_lesson(lesson)
    app.show_step(len(steps) - 1)  # skipping to the end is not "done"
    assert app.progress()[lesson].status == progress.IN_PROGRESS
    views = lesson_views(app, lesson)
    for v in views:
        q = v.question
        if q.type == "triage":
            v.choose({i.id: i.answer for i in q.items})
        elif q.type == "multi":
            v.choose(sorted(q.answer))
        else:
            v.choose(min(q.answer))
        v.check()
    p = app.progress()[lesson]
    assert p.status == progress.DONE and p.score.answered == p.score.total == len(content.get().questions_for(lesson))
    counts = f"Questions answered: {p.score.total} of {p.score.total}"
    assert counts in app.counts.value  # the lesson says it ...
    app.show_home()
    card = app.home.cards[lesson][0].value
    assert f"Quiz: {p.score.correct} of {p.score.total} right" in card and "Done" in card  # ... and so does home
    # A new page for the same learner shows the answers again, with their feedback.
    again = CourseApp(store)
    hello(again, app.session.learner.token)
    restored = lesson_views(again, lesson)
    assert [v.choices.value for v in restored] == [v.choices.value for v in views]
    assert all("Correct." in v.feedback for v in restored)
