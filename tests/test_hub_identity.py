"""Under JupyterHub (CAREGIVER_IDENTITY=hub and JUPYTERHUB_USER), the Hub's user is the learner: the same progress
on every device without a resume code, whatever token a browser saved; the name itself is never stored."""

from __future__ import annotations

import pytest
from widget_text import walk

from caregiver_course.ui.app import CourseApp, hub_user
from caregiver_course.ui.questions import QuestionView


def hello(app, token="", code=""):
    app.identity.token = ""
    app.identity.receive({"hello": {"token": token, "code": code}})
    assert app.identity.token
    return app.identity.token


def answer_one(app) -> None:
    app.show_lesson("understanding")
    for step in app.lesson_steps("understanding").widgets():
        for q in (w for w in walk(step) if isinstance(w, QuestionView)):
            q.choose(min(q.question.answer))
            q.check()
            return
    raise AssertionError("no question in the lesson")


@pytest.fixture
def as_hub(monkeypatch):
    def login(user: str):
        monkeypatch.setenv("CAREGIVER_IDENTITY", "hub")
        monkeypatch.setenv("JUPYTERHUB_USER", user)

    monkeypatch.delenv("CAREGIVER_IDENTITY", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    return login


def test_hub_user_needs_the_opt_in_and_a_name():
    assert hub_user({"JUPYTERHUB_USER": "alice"}) == ""  # a Hub without the recipe's opt-in
    assert hub_user({"CAREGIVER_IDENTITY": "hub"}) == ""  # the opt-in outside a Hub
    assert hub_user({"CAREGIVER_IDENTITY": "hub", "JUPYTERHUB_USER": "alice"}) == "alice"


def test_the_same_hub_user_on_two_devices_shares_progress(store, as_hub):
    as_hub("alice")
    phone = CourseApp(store)
    hello(phone)  # a browser with nothing saved
    alice = phone.session.learner
    answer_one(phone)
    assert store.count_events(alice.id) > 0
    laptop = CourseApp(store)
    hello(laptop, "a-token-saved-on-another-device")  # its saved token does not matter
    assert laptop.session.learner.id == alice.id
    assert store.count_events(laptop.session.learner.id) == store.count_events(alice.id)
    assert store.hub_learner("alice").id == alice.id and len(store.learner_ids()) == 1


def test_another_hub_user_is_another_learner_even_on_the_same_browser(store, as_hub):
    as_hub("alice")
    a = CourseApp(store)
    alice_token = hello(a)
    answer_one(a)
    as_hub("bob")
    b = CourseApp(store)
    hello(b, alice_token)  # a shared clinic computer: the browser still holds alice's token
    assert b.session.learner.id != a.session.learner.id
    assert store.count_events(b.session.learner.id) == 0


def test_without_the_opt_in_the_browser_token_decides_as_before(store, as_hub, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")  # a Hub, but the recipe did not opt in
    first = CourseApp(store)
    token = hello(first)
    other = CourseApp(store)
    hello(other)  # another browser with nothing saved: a new learner
    assert other.session.learner.id != first.session.learner.id
    again = CourseApp(store)
    hello(again, token)
    assert again.session.learner.id == first.session.learner.id


def test_deleting_my_data_under_the_hub_starts_the_same_user_afresh(store, as_hub):
    as_hub("alice")
    app = CourseApp(store)
    hello(app)
    answer_one(app)
    old = app.session.learner.id
    app.delete_my_data()
    assert app.session.learner.id != old and store.count_events(app.session.learner.id) == 0
    later = CourseApp(store)
    hello(later)
    assert later.session.learner.id == app.session.learner.id


def test_the_hub_name_is_not_written_to_the_database(store, as_hub):
    as_hub("alice.wonderland-7")
    app = CourseApp(store)
    hello(app)
    answer_one(app)
    store.engine.dispose()
    files = [store.path, *store.path.parent.glob(store.path.name + "-*")]  # the file and its WAL
    for f in files:
        assert b"alice.wonderland-7" not in f.read_bytes(), f
