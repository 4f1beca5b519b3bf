"""Events per learner are bounded: past MAX_EVENTS they are compacted, never losing an answer's latest state,
a tick, where the learner is, a score or a workshop's first-try counts (issue 21, item 6)."""

import random

from caregiver_course import content
from caregiver_course import store as store_mod
from caregiver_course.learning import progress
from caregiver_course.store import events as events_mod
from caregiver_course.store.session import StoreSession
from caregiver_course.workshop.results import item_results


def _latest(events, kind):
    out = {}
    for e in events:
        if e["kind"] == kind:
            out[(e["lesson"], e["item"], e["sub_item"])] = (e.get("response", ""), e["status"])
    return out


def test_a_learner_who_answers_for_ever_keeps_a_bounded_number_of_events_and_every_latest_state(store):
    c = content.get()
    rng = random.Random(21)
    learner = store.new_learner()
    ws = store.create_workshop("room")
    store.join_workshop(ws.id, learner.id)
    questions = [q for q in c.questions if q.type in ("single", "truefalse", "scenario")][:12]
    lessons = [x.id for x in c.lessons]
    sent: list[dict] = []
    for batch in range(30):  # 30 x 100 = 3,000 events: more than the cap
        events = []
        for _ in range(100):
            roll = rng.random()
            if roll < 0.5:
                q = rng.choice(questions)
                right = rng.random() < 0.3
                e = {"kind": "answer", "lesson": q.lesson, "item": q.id, "response": rng.randrange(4)}
                e["status"] = "correct" if right else "incorrect"
                if batch < 5:
                    e["workshop_id"] = ws.id
            elif roll < 0.75:
                e = {
                    "kind": "check",
                    "lesson": "practical",
                    "item": "session-day-plan",
                    "sub_item": str(rng.randrange(6)),
                }
                e["status"] = rng.choice(["ticked", "unticked"])
            else:
                lesson = rng.choice(lessons)
                e = {"kind": "step", "lesson": lesson, "item": rng.choice(["opened", "step", "end"])}
                e["sub_item"] = str(rng.randrange(5)) if e["item"] == "step" else ""
            e.setdefault("sub_item", "")
            e.setdefault("status", "")
            e["at"] = batch * 1000 + len(events)
            events.append(e)
        store.add_events(learner.id, events)
        sent += [dict(e) for e in events]
    for e in sent:
        e.setdefault("workshop_id", None)
    kept = store.events(learner.id)
    assert len(kept) <= store_mod.MAX_EVENTS < len(sent)
    assert store.count_events(learner.id) == len(kept)
    # Nothing a learner or a facilitator sees changed.
    assert _latest(kept, "answer") == _latest(sent, "answer")
    assert _latest(kept, "check") == _latest(sent, "check")
    for lesson in c.lessons:
        assert progress.lesson_progress(c, kept)[lesson.id] == progress.lesson_progress(c, sent)[lesson.id]
    assert progress.resume_point(progress.lesson_progress(c, kept), c, kept) == progress.resume_point(
        progress.lesson_progress(c, sent), c, sent
    )
    with_learner = [{**e, "learner_id": learner.id} for e in sent if e["kind"] == "answer" and e.get("workshop_id")]
    before = {k: (r.participants, r.first_try_right) for k, r in item_results(c, with_learner).items()}
    after = {k: (r.participants, r.first_try_right) for k, r in item_results(c, store.workshop_answers(ws.id)).items()}
    assert before == after and any(p for p, _ in after.values())


def test_the_page_keeps_a_bounded_copy_too(store, monkeypatch):
    monkeypatch.setattr(events_mod, "MAX_EVENTS", 50)
    sess = StoreSession(store)
    sess.adopt(store.new_learner())
    for i in range(200):
        sess.record_check("practical", "session-day-plan", str(i % 3), i % 2 == 0)
    assert len(sess.events) <= 50 and store.count_events(sess.learner.id) <= 51
    assert sess.checked("session-day-plan") == {str(i % 3) for i in range(197, 200) if i % 2 == 0}
