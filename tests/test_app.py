"""The app shell without a browser: identity, navigation, progress, resume, delete, hosted == standalone."""
import json
from pathlib import Path

import pytest

from caregiver_course import content, progress, session
from caregiver_course.app import CourseApp
from caregiver_course.widgets import Panel, QuestionView
from widget_text import walk

REPO = Path(__file__).resolve().parents[1]


def hello(app, token="", code=""):
    app.identity.value = "hello:" + json.dumps({"token": token, "code": code, "search": ""})
    assert app.identity.value.startswith("ok:")
    return json.loads(app.identity.value[3:])["token"]


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
    assert json.loads(third.identity.value[3:]) == {"token": token, "code": new}
    assert store.by_resume_code(new).id == learner.id and store.by_resume_code(learner.resume_code) is None


def test_answers_are_saved_and_progress_is_derived(app, store):
    token = hello(app)
    app.show_lesson("understanding")
    views = [w for w in walk(app.stage) if isinstance(w, QuestionView)]
    q = next(v for v in views if v.question.type in ("single", "scenario"))
    q.inputs[0].value = next(o.id for o in q.question.options if o.id not in q.question.answer)
    q.button.click()
    assert "Not quite." in q.feedback.value and "✗" in q.feedback.value
    q.inputs[0].value = sorted(q.question.answer)[0]
    q.button.click()
    assert "Correct." in q.feedback.value and "✓" in q.feedback.value
    next_button = [w for w in walk(app.stage) if "cc-next-button" in getattr(w, "_dom_classes", ())][-1]
    next_button.click()
    assert app.current == "emotional"
    learner = store.by_token(token)
    kinds = [(e["kind"], e["item"]) for e in store.events(learner.id)]
    assert kinds[:4] == [("step", "opened"), ("answer", q.question.id), ("answer", q.question.id),
                         ("step", "finished")]
    p = progress.lesson_progress(content.get(), store.events(learner.id))
    assert p["understanding"].status == progress.DONE and p["understanding"].score.correct == 1
    assert p["emotional"].status == progress.IN_PROGRESS and p["routine"].status == progress.NOT_STARTED


def test_empty_check_gives_a_hint_not_an_error(app):
    hello(app)
    app.show_lesson("side-effects")
    q = next(w for w in walk(app.stage) if isinstance(w, QuestionView))
    q.button.click()
    assert "ℹ" in q.feedback.value and ("Choose" in q.feedback.value)
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
    assert message.startswith("✓ Your data was deleted (1 saved")
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
    stored = ["".join(o["data"]["text/plain"]) for c in nb["cells"] if c["cell_type"] == "code"
              for o in c["outputs"] if o.get("output_type") == "execute_result"]
    assert hosted == stored
    assert not any("could not be shown" in s or "went wrong" in s for s in hosted)


def test_a_save_that_fails_is_said_at_once_and_saved_later(store):
    import sqlite3

    store.timeout = 0.2
    app = CourseApp(store)
    hello(app)
    app.show_lesson("routine")
    q = next(w for w in walk(app.stage) if isinstance(w, QuestionView) and w.question.type != "multi"
             and w.question.type != "triage")
    q.inputs[0].value = sorted(q.question.answer)[0]
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        q.button.click()
        assert "Correct." in q.feedback.value  # the learner still gets their feedback
        assert "busy" in app.notice.value and "kept" in app.notice.value
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    q.button.click()  # the next answer saves both
    assert app.notice.value == ""
    assert sum(e["kind"] == "answer" for e in store.events(app.session.learner.id)) == 2
