"""Workshop logic, storage and the facilitator's secret gate."""

import sqlite3

import pytest
from widget_text import text_of

from caregiver_course import content
from caregiver_course.store import StoreError
from caregiver_course.ui.app import CourseApp
from caregiver_course.ui.dashboard import Dashboard
from caregiver_course.workshop import results as workshop


def participant(store, code, nickname=""):
    app = CourseApp(store)
    app.take_query_string(f"workshop={code}")  # what Voila gives the kernel
    app.identity.receive({"hello": {"token": ""}})
    if nickname:
        assert app.join_workshop(code, nickname).startswith("✓")
    return app


def answer(app, question, right: bool):
    oid = sorted(question.answer)[0] if right else next(o.id for o in question.options if o.id not in question.answer)
    app.session.record_answer(question.lesson, question.id, oid, "correct" if right else "incorrect")


def choice_question():
    return next(q for q in content.get().questions if q.type == "single")


def test_answers_count_for_the_workshop_and_only_first_tries_are_charted(store):
    ws = store.create_workshop("Tuesday")
    q = choice_question()
    apps = [participant(store, ws.join_code) for _ in range(4)]
    answer(apps[0], q, False)
    answer(apps[0], q, True)  # a free retry: the chart keeps the first answer
    answer(apps[1], q, True)
    answer(apps[2], q, True)
    results = workshop.item_results(content.get(), store.workshop_answers(ws.id))
    r = results[q.id]
    assert (r.participants, r.first_try_right, r.percent_right) == (3, 2, 67)
    assert sum(r.option_counts.values()) == 3
    assert workshop.most_missed(results)[0].question.id == q.id
    joined, active = workshop.counts(store.participants(ws.id))
    assert (joined, active) == (4, 3 + 1)  # joining counts as being active


def test_own_progress_also_counts_outside_the_workshop(store):
    ws = store.create_workshop()
    app = participant(store, ws.join_code)
    answer(app, choice_question(), True)
    assert app.session.attempts() == [(choice_question().id, "correct")]
    assert len(store.events(app.session.learner.id)) == 1


def test_closing_stops_new_answers_from_counting(store):
    ws = store.create_workshop()
    q = choice_question()
    app = participant(store, ws.join_code)
    answer(app, q, True)
    store.close_workshop(ws.id)
    answer(app, q, False)
    assert len(store.workshop_answers(ws.id)) == 1
    assert [e["status"] for e in store.events(app.session.learner.id)] == ["correct", "incorrect"]
    late = CourseApp(store)
    late.identity.receive({"hello": {"token": ""}})
    # An ended workshop gets the same reply as a code that never existed (a reply must not confirm a code).
    ended, unknown = late.join_workshop(ws.join_code), late.join_workshop("NO-SUCH-11")
    assert ended == unknown and ended.startswith("✗ We could not find an open workshop")
    with pytest.raises(StoreError, match="ended"):
        store.join_workshop(ws.id, late.session.learner.id)


def test_wrong_codes_and_leaving(store):
    app = CourseApp(store)
    app.identity.receive({"hello": {"token": ""}})
    assert app.join_workshop("NO-SUCH-1").startswith("✗")
    ws = store.create_workshop()
    assert app.join_workshop(ws.join_code.lower(), "Sam").startswith("✓")
    assert "Sam" in app.banner.value
    app.leave_workshop()
    answer(app, choice_question(), True)
    assert store.workshop_answers(ws.id) == []


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("  Sam  ", "Sam"),
        ("a\u202eb\u200fc", "abc"),
        ("x" * 100, "x" * 30),
        ("line\nbreak\ttab", "line break tab"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"[:30]),
        ("😀 Ana", "😀 Ana"),
        ("", ""),
    ],
)
def test_nicknames_are_cleaned_not_trusted(raw, clean):
    assert workshop.clean_nickname(raw) == clean


def test_export_has_counts_and_no_nicknames(store):
    ws = store.create_workshop()
    q = choice_question()
    apps = [participant(store, ws.join_code, nickname=f"Nick{i}") for i in range(3)]
    for i, app in enumerate(apps):
        answer(app, q, i > 0)
    frame = workshop.export_frame(
        content.get(),
        workshop.item_results(content.get(), store.workshop_answers(ws.id)),
        len(store.participants(ws.id)),
    )
    csv = frame.to_csv(index=False)
    assert "Nick" not in csv and "nickname" not in frame.columns
    rows = frame[frame["item"] == q.id]
    assert rows["count"].sum() == 3 and set(rows["answered_by"]) == {3}
    assert set(rows["percent_right_first_try"]) == {67} and set(rows["participants_joined"]) == {3}
    assert len(frame) == sum(len(x.options) or len(x.items) for x in content.get().questions)


def test_no_secret_configured_shows_nothing(store, monkeypatch):
    monkeypatch.delenv("CAREGIVER_FACILITATOR_SECRET", raising=False)
    d = Dashboard(store)
    text = text_of(d.root)
    assert "No facilitator secret is set" in text and "cc-secret" not in text


def test_wrong_secret_shows_nothing_of_the_data(store, monkeypatch):
    monkeypatch.setenv("CAREGIVER_FACILITATOR_SECRET", "right-secret")
    ws = store.create_workshop()
    participant(store, ws.join_code, nickname="Visible-Only-After-Login")
    d = Dashboard(store)
    password, go, message = d.body.children
    go.click()  # nothing typed
    assert "Type the facilitator secret first" in message.value
    for attempt in ("wrong", "right-secre", "right-secret ", "right-secret"):
        password.value = attempt  # Enter sends it
        go.click()  # and a press of the button right after sends nothing more, and keeps the message
        # 3 wrong tries are checked; after that even the right secret is not checked until the wait is over.
        assert ("not right" if attempt in ("wrong", "right-secre", "right-secret ") else "Please wait") in message.value
        text = text_of(d.root)
        assert ws.join_code not in text and "Visible-Only-After-Login" not in text and "cc-start-workshop" not in text
    assert password.value == ""  # the secret is not left in the widget
    with sqlite3.connect(store.path) as db:  # an hour passes
        db.execute("UPDATE attempts SET at = at - 3600")
    password.value = "right-secret"
    go.click()
    assert "cc-start-workshop" in text_of(d.root)
    code_field = next(c for c in d.body.children if "cc-continue-code" in c._dom_classes)
    code_field.value = ws.join_code
    next(c for c in d.body.children if "cc-continue-workshop" in c._dom_classes).click()
    assert "Visible-Only-After-Login" in text_of(d.root) and ws.join_code in text_of(d.root)


def logged_in(store):
    d = Dashboard(store)
    d.body.children[0].value = "s"  # what pressing Enter in the secret box sends: that alone logs in
    assert "cc-start-workshop" in text_of(d.root)
    return d


def test_results_stay_hidden_until_reveal(store, monkeypatch):
    monkeypatch.setenv("CAREGIVER_FACILITATOR_SECRET", "s")
    d = logged_in(store)
    next(c for c in d.body.children if "cc-start-workshop" in c._dom_classes).click()
    q = choice_question()
    for _ in range(2):
        answer(participant(store, d.workshop.join_code), q, True)
    d.picker.value = q.id
    d.refresh()
    assert "2 people have answered" in d.chart.value and "Right answer" not in d.chart.value
    assert "hidden" in d.chart.value
    d.reveal.click()
    assert "✓ Right answer" in d.chart.value and "2 (100%)" in d.chart.value
    assert "Why:" in d.chart.value
    d.reveal.click()
    assert "Right answer" not in d.chart.value


def test_every_question_has_a_discussion_prompt_and_every_lesson_has_notes():
    c = content.get()
    assert {q.id for q in c.questions} <= set(c.discussion)
    assert {lesson.id for lesson in c.lessons} <= set(c.facilitator_notes)


def test_presenter_view_most_missed_close_confirm_and_item_search(store, monkeypatch):
    monkeypatch.setenv("CAREGIVER_FACILITATOR_SECRET", "s")
    d = logged_in(store)
    next(c for c in d.body.children if "cc-start-workshop" in c._dom_classes).click()
    q = choice_question()
    phone = participant(store, d.workshop.join_code)
    answer(phone, q, False)
    d.picker.value = q.id
    d.refresh()
    # "Most missed" shows no results (percentages) while the item's answers are hidden.
    assert "%" not in d.missed.value and "hidden" in d.missed.value
    next(c for c in d.body.children if "cc-present" in c._dom_classes).click()
    shown = text_of(d.root)
    assert d.workshop.join_code in shown and "1</strong> joined" in shown
    assert "Notes for lesson" not in shown and "Most missed" not in shown and "%" not in d.presenter_chart.value
    d.reveal.click()  # revealed from the private dashboard: the projector shows the bars too
    assert "1 (100%)" in d.presenter_chart.value and "Why:" not in d.presenter_chart.value
    assert "0% right" in d.missed.value
    d._show_private()
    # The item picker is grouped by lesson and searchable.
    d.lesson_filter.value = "side-effects"
    assert all(label.startswith("Lesson 4:") for label, _ in d.picker.options)
    d.search.value = "emergency"
    assert 0 < len(d.picker.options) < len(d.all_items) and "items shown" in d.item_count.value
    # Close asks first; a phone learns that the workshop has ended the next time it does something.
    close = next(c for c in d.body.children if "cc-close-workshop" in c._dom_classes)
    close.click()
    assert d.workshop.is_open and "Close the workshop?" in d.close_message.value
    row = next(
        c for c in d.body.children if any("cc-close-confirm" in x._dom_classes for x in getattr(c, "children", ()))
    )
    row.children[0].click()
    assert not d.workshop.is_open
    phone.show_home()
    assert "has ended" in phone.banner.value and phone.session.workshop_id is None
