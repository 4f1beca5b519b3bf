"""The quizzes cannot be passed by their shape (issue 10, item 7).

Figures for the bank as it was before this test (f7cc4bc), computed by caregiver_course.quizshape:
  right answer strictly longest: 27 of 33 single/scenario items (82 %)
  absolutes: 3 % of right options, 21 % of wrong ones
  hedges: 15 % of right options, 1 % of wrong ones
  true/false answered 'True': 1 of 10 (10 %)
  sorting items: 2 different answer mixes in 3 items (each had exactly one emergency and one crisis row)
  feedbacks repeating 'Right.'/'Yes.' after 'Correct.': 71
After (issue 10), over all 56 questions (including those shown only for esketamine or without a place in the room):
  right answer strictly longest: 3 of 34 single/scenario items (9 %)
  absolutes: 5 % of right options, 11 % of wrong ones
  hedges: 15 % of right options, 13 % of wrong ones
  true/false answered 'True': 5 of 10 (50 %)
  sorting items: 3 different answer mixes in 3 items
  feedbacks repeating 'Right.'/'Yes.' after 'Correct.': 0
"""

from collections import Counter
from pathlib import Path

import pytest

from caregiver_course import content, quiz, quizshape

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def course():
    return content.load(REPO / "data", REPO / "notebooks")


@pytest.fixture(scope="module")
def figures(course):
    s = quizshape.shape(course.all_questions, course.clinic.fill)  # questions for every clinic setting
    print("\n".join(s.lines()))
    return s


def test_length_does_not_give_the_answer_away(figures):
    assert figures.single_items >= 25
    assert figures.right_longest <= figures.single_items / 3


def test_absolutes_and_hedges_do_not_give_the_answer_away(figures):
    assert abs(figures.absolutes_right - figures.absolutes_wrong) <= 10
    assert abs(figures.hedges_right - figures.hedges_wrong) <= 10


def test_true_false_answers_are_balanced(figures):
    assert figures.truefalse >= 6
    assert 40 <= figures.true_share <= 60


def test_sorting_items_vary(course, figures):
    sorting = [q for q in course.all_questions if q.type == "triage"]
    assert figures.sorting_mixes == len(sorting), "each sorting item has its own mix of answers"
    one_each = [
        q.id
        for q in sorting
        if Counter(i.answer for i in q.items)["emergency"] == 1 == Counter(i.answer for i in q.items)["crisis"]
    ]
    assert len(one_each) < len(sorting), "not every sorting item has exactly one emergency and one crisis row"


def test_feedback_does_not_repeat_the_headline(figures):
    assert figures.repeated_right == 0


def test_the_figures_catch_a_shape_giveaway():
    """The measure itself: a bank where the right answer is always longest and hedged fails the bounds."""

    def single(n):
        return quiz.Question(
            f"q{n}",
            "single",
            "routine",
            "routine",
            "?",
            "Because.",
            ("E1",),
            (
                quiz.Option("a", "It can often help, and usually does for most people.", "f"),
                quiz.Option("b", "It never helps.", "f"),
                quiz.Option("c", "Always stop.", "f"),
            ),
            frozenset({"a"}),
        )

    def tf(n):
        return quiz.Question(
            f"t{n}",
            "truefalse",
            "routine",
            "routine",
            "?",
            "Because.",
            ("E1",),
            (quiz.Option("true", "True", "Right. Yes."), quiz.Option("false", "False", "f")),
            frozenset({"false"}),
        )

    s = quizshape.shape([single(n) for n in range(6)] + [tf(n) for n in range(4)])
    assert s.right_longest == 6 and s.absolutes_wrong == 100 and s.hedges_right == 100
    assert s.true_share == 0 and s.repeated_right == 4
