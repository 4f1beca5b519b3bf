"""Practice that comes back (issue 17 item 5): which missed triage items are due, from answer events and their
dates. Pure logic, no widgets."""

import datetime as dt

import pytest

from caregiver_course import content
from caregiver_course.learning import practice

DAY = 24 * 3600
MON = dt.datetime(2026, 11, 30, 10, 0).timestamp()  # local time, as the events' days are


def at(days: float, hours: float = 0) -> float:
    return MON + days * DAY + hours * 3600


def day(days: float) -> dt.date:
    return practice.day_of(at(days))


def answer(qid, status, when, lesson="side-effects"):
    return {"kind": "answer", "lesson": lesson, "item": qid, "response": "", "status": status, "at": when}


@pytest.fixture(scope="module")
def c():
    return content.get()


@pytest.fixture(scope="module")
def triage(c):
    items = [q for q in c.questions if practice.is_triage(q)]
    assert len(items) >= 3
    return items


def test_triage_items_come_from_the_question_banks_markers(c, triage):
    ids = {q.id for q in triage}
    # Every sorting task (its rows name side-effect table signs) and every side-effect or red-flag question
    # counts, whatever its id; questions on other topics (self-care, routine, ...) do not.
    assert {q.id for q in c.questions if any(i.sign for i in q.items)} <= ids
    assert {q.id for q in c.questions if q.topic in ("side-effects", "red-flags")} <= ids
    assert not ids & {q.id for q in c.questions if q.lesson in ("self-care", "routine", "emotional")}


def test_a_learner_with_no_misses_sees_nothing(c, triage):
    assert practice.due(c, [], visit_started=at(5), today=day(5)) == []
    events = [answer(q.id, "correct", at(0)) for q in triage]
    events += [{"kind": "step", "lesson": "side-effects", "item": "opened", "sub_item": "", "at": at(0)}]
    assert practice.due(c, events, visit_started=at(5), today=day(5)) == []


def test_a_miss_comes_back_at_the_next_visit_not_in_the_same_one(c, triage):
    q = triage[0]
    events = [answer(q.id, "incorrect", at(0, 1))]
    assert practice.due(c, events, visit_started=at(0), today=day(0)) == []  # the visit where it was missed
    assert practice.due(c, events, visit_started=at(0, 2), today=day(0)) == [q]  # a reload the same day
    assert practice.due(c, events, visit_started=at(3), today=day(3)) == [q]


def test_partly_right_counts_as_missed_and_wrong_answers_to_other_questions_do_not(c, triage):
    q = next((x for x in triage if x.type in ("triage", "multi")), triage[0])
    other = next(x for x in c.questions if not practice.is_triage(x))
    events = [answer(q.id, "partly", at(0)), answer(other.id, "incorrect", at(0), other.lesson)]
    assert practice.due(c, events, visit_started=at(1), today=day(1)) == [q]


def test_it_leaves_only_after_right_answers_on_two_different_days(c, triage):
    q = triage[0]
    events = [answer(q.id, "incorrect", at(0))]
    # Right on day 1 (twice, the same day): not learned yet. Not offered again that day, back on day 2.
    events += [answer(q.id, "correct", at(1)), answer(q.id, "correct", at(1, 2))]
    assert practice.states(c, events)[q.id].right_days == {day(1)}
    assert practice.due(c, events, visit_started=at(1, 3), today=day(1)) == []
    assert practice.due(c, events, visit_started=at(2), today=day(2)) == [q]
    events.append(answer(q.id, "correct", at(2, 1)))  # right on a second day: learned
    assert practice.states(c, events)[q.id].learned
    assert practice.due(c, events, visit_started=at(9), today=day(9)) == []


def test_a_new_miss_starts_the_count_again(c, triage):
    q = triage[0]
    events = [answer(q.id, "incorrect", at(0)), answer(q.id, "correct", at(1)), answer(q.id, "incorrect", at(2))]
    events.append(answer(q.id, "correct", at(3)))
    state = practice.states(c, events)[q.id]
    assert state.right_days == {day(3)} and state.missed_at == at(2) and not state.learned
    assert practice.due(c, events, visit_started=at(4), today=day(4)) == [q]


def test_the_same_day_fix_in_the_lesson_counts_as_one_day(c, triage):
    q = triage[0]
    events = [answer(q.id, "incorrect", at(0, 1)), answer(q.id, "correct", at(0, 1.01))]
    assert practice.due(c, events, visit_started=at(0, 5), today=day(0)) == []
    assert practice.due(c, events, visit_started=at(1), today=day(1)) == [q]


def test_several_items_in_course_order_and_the_label(c, triage):
    a, b = triage[0], triage[-1]
    events = [answer(b.id, "incorrect", at(0)), answer(a.id, "incorrect", at(0, 1))]
    assert practice.due(c, events, visit_started=at(1), today=day(1)) == [a, b]
    assert practice.label(2) == "Practise again: 2 signs" and practice.label(1) == "Practise again: 1 sign"


def test_items_no_longer_in_the_course_are_left_out(c):
    events = [answer("an-item-the-clinic-removed", "incorrect", at(0))]
    assert practice.due(c, events, visit_started=at(1), today=day(1)) == []


# --------------------------------------------------------------------------- the start page's card and practice


def _hello(app, token=""):
    app.identity.receive({"hello": {"token": token, "code": ""}})
    return app.identity.token


def _views(widget):
    from widget_text import walk

    from caregiver_course.ui.questions import QuestionView

    return [w for w in walk(widget) if isinstance(w, QuestionView)]


def test_the_start_page_card_opens_a_practice_saved_as_normal_answers(store, c):
    from caregiver_course.ui.app import CourseApp

    q = next(x for x in c.questions if practice.is_triage(x) and x.type in ("single", "scenario"))
    wrong = next(o.id for o in q.options if o.id not in q.answer)
    first = CourseApp(store)
    token = _hello(first)
    first.show_lesson(q.lesson)
    view = next(v for s in first.lesson_steps(q.lesson).steps for x in s.widgets for v in _views(x) if v.question == q)
    view.choose(wrong)
    assert not view.check().correct
    first.show_home()
    card = first.home.practice
    assert card.widget.layout.display == "none"  # not in the visit where it was missed

    again = CourseApp(store)  # the next visit (a reload: a new page and kernel, the same browser)
    assert _hello(again, token) == token
    card = again.home.practice
    assert card.widget.layout.display is None and card.widget.description == "↻ Practise again: 1 sign"

    def in_lesson():  # the lesson's own view of the question (built now, or kept from before)
        return next(
            v for s in again.lesson_steps(q.lesson).steps for x in s.widgets for v in _views(x) if v.question == q
        )

    assert "Not quite." in in_lesson().feedback  # built (as a prefetch would) before the practice
    card.widget.click()
    page = again.practice_page
    assert again.stage.children == (page.widget,)
    (view,) = _views(page.widget)
    assert view.question == q and view.feedback == "" and view.choices.value == ""  # blank, not the old answer
    view.choose(min(q.answer))
    assert view.check().correct
    learner = store.by_token(token)
    last = store.events(learner.id)[-1]
    assert (last["kind"], last["lesson"], last["item"], last["status"]) == ("answer", q.lesson, q.id, "correct")
    # The lesson shows the practice's answer (it is built again), and the card has gone for today.
    assert "Correct." in in_lesson().feedback
    again.show_home()
    assert again.practice_page is None and again.home.practice.widget.layout.display == "none"
    assert not page.widget.comm  # the practice's widgets were closed


def test_no_card_for_a_learner_without_misses(store):
    from caregiver_course.ui.app import CourseApp

    app = CourseApp(store)
    _hello(app)
    assert app.home.practice.widget.layout.display == "none" and app.practice_due() == []
