from collections import Counter

import pytest

from caregiver_course.learning import quiz
from caregiver_course.learning.quiz import AnswerError, Option, Question, TriageItem

SINGLE = Question(
    "q1",
    "single",
    "side-effects",
    "side-effects",
    "Which?",
    "Because.",
    ("E1",),
    options=(Option("a", "A", "fa"), Option("b", "B", "fb"), Option("c", "C", "fc"), Option("d", "D", "fd")),
    answer=frozenset({"b"}),
)
MULTI = Question(
    "q2",
    "multi",
    "red-flags",
    "side-effects",
    "Which ones?",
    "Because.",
    ("H2",),
    options=(Option("a", "A", "fa"), Option("b", "B", "fb"), Option("c", "C", "fc")),
    answer=frozenset({"a", "c"}),
)
TRIAGE = Question(
    "q3",
    "triage",
    "red-flags",
    "side-effects",
    "Sort",
    "Because.",
    ("H1",),
    items=(
        TriageItem("x", "Tired", "expected", "passes"),
        TriageItem("y", "Chest pain", "emergency", "call"),
        TriageItem("z", "Thoughts of suicide", "crisis", "988"),
    ),
)


def test_single_right_and_wrong_give_option_feedback_and_words():
    right = quiz.check(SINGLE, "b")
    assert right.correct and right.symbol == "✓" and right.headline == "Correct."
    assert right.details == ("fb",)
    wrong = quiz.check(SINGLE, "a")
    assert not wrong.correct and wrong.symbol == "✗" and wrong.headline == "Not quite."
    assert wrong.details == ("fa",) and wrong.explanation == "Because." and wrong.sources == ("E1",)


def test_multi_partly_right_names_what_was_missed():
    r = quiz.check(MULTI, ["a"])
    assert r.status == quiz.PARTLY and r.symbol == "◐"
    missed = [o for o in MULTI.options if o.id in MULTI.answer and o.id != "a"]
    assert len(missed) == 1
    assert "You missed this right answer:" in r.details
    assert f"◻ {missed[0].text}: {missed[0].feedback}" in r.details
    assert quiz.check(MULTI, ["a", "c"]).correct
    assert quiz.check(MULTI, ["b"]).status == quiz.INCORRECT


def test_triage_each_item_is_marked():
    r = quiz.check(TRIAGE, {"x": "expected", "y": "clinic", "z": "crisis"})
    assert r.status == quiz.PARTLY
    assert r.details[1].startswith("✗ Chest pain")
    assert quiz.check(TRIAGE, {"x": "expected", "y": "emergency", "z": "crisis"}).correct


@pytest.mark.parametrize(
    "question,response,message",
    [
        (SINGLE, None, "Choose an answer first."),
        (SINGLE, "zz", "That answer does not fit this question."),
        (MULTI, [], "Choose at least one answer."),
        (MULTI, ["a", "<script>"], "That answer does not fit this question."),
        (TRIAGE, {"x": "expected"}, "Choose a group for each one (2 still to go)."),
        (TRIAGE, {"x": "expected", "y": "call mom", "z": "crisis"}, "That answer does not fit this question."),
        (TRIAGE, "not a mapping", "Choose a group for each one."),
    ],
)
def test_bad_responses_get_plain_messages(question, response, message):
    with pytest.raises(AnswerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        quiz.check(question, response)


def test_shuffle_is_stable_per_seed_and_varies_between_learners():
    assert quiz.shuffled(SINGLE, "learner-1") == quiz.shuffled(SINGLE, "learner-1")
    orders = Counter(tuple(o.id for o in quiz.shuffled(SINGLE, f"learner-{i}")) for i in range(200))
    assert len(orders) > 10  # 24 possible orders
    firsts = Counter(order[0] for order in orders.elements())
    assert min(firsts.values()) > 20  # the right answer is not stuck in one place


def test_truefalse_keeps_true_before_false():
    tf = Question(
        "t",
        "truefalse",
        "expectations",
        "emotional",
        "?",
        ".",
        ("I1",),
        options=(Option("true", "True", "x"), Option("false", "False", "y")),
        answer=frozenset({"false"}),
    )
    assert [o.id for o in quiz.shuffled(tf, "anything")] == ["true", "false"]


def test_score_has_no_penalty_for_retries():
    s = quiz.score(
        [SINGLE, MULTI, TRIAGE],
        [("q1", "incorrect"), ("q1", "incorrect"), ("q1", "correct"), ("q2", "partly"), ("other", "correct")],
    )
    assert (s.correct, s.answered, s.total) == (1, 2, 3)
    assert str(s) == "1 of 3 right" and not s.done
