"""The quizzes cannot be passed by their shape (issue 10, item 7).

Figures for the bank as it was before this test (f7cc4bc), computed by caregiver_course.learning.quizshape:
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

import re
from collections import Counter
from pathlib import Path

import pytest

from caregiver_course import content
from caregiver_course.learning import quiz, quizshape

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


# ----------------------------------------------------------------- issue 17, item 4: questions that need the lesson
#
# The test-wise picker (quizshape.picker: prefer team/listen/talk/call words, avoid absolutes, drop the longest
# option) on single and scenario items, over every clinic setting's questions:
#   before (71f427a): 19.8 of 34 items (58 %), chance 10.6 (31 %)
#   after:            14.8 of 41 items (36 %), chance 12.2 (30 %)
# Two kindness-only items became reflections (emo-listen-doubt, sc-why-self-care), nine boundary items were added,
# and wrong options elsewhere became the plausible neighbours (often a call to someone, as the right one is).


def test_a_test_wise_picker_does_little_better_than_chance(course):
    settings = [
        {"treatment_type": t, "companion_in_room": r} for t in ("iv_ketamine", "esketamine") for r in ("yes", "no")
    ]
    banks = [course.all_questions] + [
        [q for q in course.all_questions if all(s[name] == value for name, value in q.only_if)] for s in settings
    ]
    for bank in banks:
        score = quizshape.picker(bank, course.clinic.fill)
        print(score.line())
        assert score.items >= 30
        assert score.score <= score.chance + 10, score.line()


def test_the_picker_catches_a_kind_quiz():
    """The picker itself: on a bank where the right option is the one that talks to the team, it scores 100 %."""

    def single(n, right, *wrong):
        options = (quiz.Option("a", right, "f"), *(quiz.Option(chr(98 + i), w, "f") for i, w in enumerate(wrong)))
        return quiz.Question(f"q{n}", "scenario", "routine", "routine", "?", "!", ("E1",), options, frozenset("a"))

    kind = [
        single(
            1, "Listen, and ask the team.", "Never mention it again.", "Tell them that it will surely be fine soon."
        ),
        single(2, "Talk it over with the nurse.", "Do nothing.", "Decide it all by yourself, right now, today."),
    ]
    score = quizshape.picker(kind)
    assert score.expected_right == 2 and score.score == 100 and round(score.chance) == 33
    assert quizshape.picker_choice(kind[0].options) == ["a"]
    fair = [single(3, "Call the clinic today.", "Call 911 now.", "Call 988 and stay with them.")]
    assert quizshape.picker(fair).expected_right == 0.5, "the longest dropped, two calls left"


# Each boundary of the side-effect table, and signs of mania against an early lift: the groups on either side.
BOUNDARIES = [
    ("expected", "clinic"),
    ("clinic", "emergency"),
    ("crisis", "emergency"),
    ("clinic", "crisis"),
    ("expected", "emergency"),
    ("expected", "crisis"),
    ("clinic", "early lift"),  # signs of mania (call the clinic) against an early lift (I6)
]
ACTION_OPTIONS = {  # how an option in a boundary item says what to do
    "expected": re.compile(r"^This is expected\b"),
    "early lift": re.compile(r"^Enjoy the lift\b"),
    "clinic": re.compile(r"^Call the clinic\b"),
    "emergency": re.compile(r"^Call \{emergency_number\}"),
    "crisis": re.compile(r"^Call \{crisis_call\}"),
}


def _group(text: str) -> str:
    return next((g for g, pattern in ACTION_OPTIONS.items() if pattern.search(text)), "")


def boundary_items(questions) -> dict[tuple[str, str], list[str]]:
    """Scenario items per boundary: the right option on one side, a wrong option on the other."""
    found = {b: [] for b in BOUNDARIES}
    for q in questions:
        if q.type != "scenario" or len(q.answer) != 1:
            continue
        right = _group(next(o.text for o in q.options if o.id in q.answer))
        for wrong in {_group(o.text) for o in q.options if o.id not in q.answer}:
            for b in BOUNDARIES:
                if right and wrong and {right, wrong} == set(b) and q.id not in found[b]:
                    found[b].append(q.id)
    return found


def test_every_boundary_of_the_table_is_examined_by_two_scenario_items(course):
    found = boundary_items(course.all_questions)
    print("\n".join(f"{a} | {b}: {', '.join(ids)}" for (a, b), ids in found.items()))
    assert {b: ids for b, ids in found.items() if len(ids) < 2} == {}
    facts = re.compile(r"^[EFHI]\d+$")  # side effects, risks, red flags, expectations
    by_id = {q.id: q for q in course.all_questions}
    for ids in found.values():
        for qid in ids:
            assert any(facts.match(s) for s in by_id[qid].sources), f"{qid} cites the fact sheet"
    # the check itself: a bank without the boundary items misses them
    assert (
        boundary_items([q for q in course.all_questions if not q.id.startswith("se-b-")])[("clinic", "early lift")]
        == []
    )


def test_the_table_decides_the_boundary_items_answers(course):
    """The right option's group agrees with the side-effect table's row for the sign the prompt describes."""
    rows = {r.id: r for r in course.side_effects}
    expect = {
        "se-b-mood-days": "mood-worse",
        "se-b-teary-evening": "strong-feelings",
        "se-b-confused-again": "confusion-returns",
        "se-b-rash-throat": "breathing",
        "se-b-rash-only": "rash",
        "se-b-pills-out": "in-danger",
        "se-b-wish-dead": "suicide-talk",
        "se-b-high-no-sleep": "mania-impulses",
        "se-scenario-hard-to-wake": "hard-to-wake",
        "se-scenario-next-day": "not-fading",
    }
    for qid, sign in expect.items():
        q = course.question(qid) if qid in {x.id for x in course.questions} else None
        q = q or next(x for x in course.all_questions if x.id == qid)
        right = _group(next(o.text for o in q.options if o.id in q.answer))
        assert right == rows[sign].group, (qid, right, sign)
