"""Quiz logic: questions, shuffling, checking an answer and scoring. Pure Python, no widgets."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..content.questions import (  # noqa: F401 (the quiz's vocabulary, used through this module too)
    CHOICE_TYPES,
    TOPICS,
    TRIAGE_BINS,
    TRIAGE_LABELS,
    TYPES,
    Option,
    Question,
    TriageItem,
)

CORRECT, PARTLY, INCORRECT = "correct", "partly", "incorrect"
HEADLINES = {
    CORRECT: ("✓", "Correct."),
    PARTLY: ("◐", "Partly right."),
    INCORRECT: ("✗", "Not quite."),
}


@dataclass(frozen=True)
class Result:
    question_id: str
    status: str
    details: tuple[str, ...]  # one line per chosen option / sorted item, in words
    explanation: str
    sources: tuple[str, ...]

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    @property
    def symbol(self) -> str:
        return HEADLINES[self.status][0]

    @property
    def headline(self) -> str:
        return HEADLINES[self.status][1]


def shuffled(question: Question, seed: str) -> list:
    """Options (or triage items) in an order fixed by seed, so a page reload shows the same order."""
    things = list(question.items if question.type == "triage" else question.options)
    if question.type == "truefalse":
        return things  # True before False reads naturally; nothing to hide by shuffling two options.
    random.Random(f"{seed}:{question.id}").shuffle(things)
    return things


class AnswerError(ValueError):
    """The response does not fit the question (an empty answer, an unknown option)."""


def normalise(question: Question, response) -> object:
    """Turn a raw response into the canonical form stored and checked; raise AnswerError with a plain message."""
    if question.type == "triage":
        if not isinstance(response, Mapping):
            raise AnswerError("Choose a group for each one.")
        known = {i.id for i in question.items}
        chosen = {str(k): str(v) for k, v in response.items() if v}
        if set(chosen) - known or any(v not in TRIAGE_BINS for v in chosen.values()):
            raise AnswerError("That answer does not fit this question.")
        if set(chosen) != known:
            missing = len(known - set(chosen))
            raise AnswerError(f"Choose a group for each one ({missing} still to go).")
        return chosen
    ids = {o.id for o in question.options}
    if question.type == "multi":
        chosen = {str(r) for r in (response or ())}
        if not chosen:
            raise AnswerError("Choose at least one answer.")
        if chosen - ids:
            raise AnswerError("That answer does not fit this question.")
        return sorted(chosen)
    if response in (None, ""):
        raise AnswerError("Choose an answer first.")
    if str(response) not in ids:
        raise AnswerError("That answer does not fit this question.")
    return str(response)


def check(question: Question, response) -> Result:
    """Check a response. Raises AnswerError if it is empty or does not fit the question."""
    response = normalise(question, response)
    if question.type == "triage":
        details = []
        right = 0
        for item in question.items:
            ok = response[item.id] == item.answer
            right += ok
            mark = "✓" if ok else "✗"
            details.append(f"{mark} {item.text}: {item.feedback}")
        status = CORRECT if right == len(question.items) else (PARTLY if right else INCORRECT)
    elif question.type == "multi":
        chosen = set(response)
        details = [
            ("✓ " if o.id in question.answer else "✗ ") + f"{o.text}: {o.feedback}"
            for o in question.options
            if o.id in chosen
        ]
        missed = [o for o in question.options if o.id in question.answer and o.id not in chosen]
        if missed:  # name each one, so the learner learns what they missed
            details.append(f"You missed {'this right answer' if len(missed) == 1 else 'these right answers'}:")
            details += [f"◻ {o.text}: {o.feedback}" for o in missed]
        if chosen == question.answer:
            status = CORRECT
        elif chosen & question.answer:
            status = PARTLY
        else:
            status = INCORRECT
    else:
        option = question.option(response)
        status = CORRECT if response in question.answer else INCORRECT
        details = [option.feedback]
    return Result(question.id, status, tuple(details), question.explanation, question.sources)


@dataclass
class Score:
    answered: int = 0
    correct: int = 0
    total: int = 0
    correct_ids: set[str] = field(default_factory=set)

    @property
    def done(self) -> bool:
        return self.total > 0 and self.answered == self.total

    def __str__(self) -> str:
        return f"{self.correct} of {self.total} right"


def score(questions: list[Question], attempts: list[tuple[str, str]]) -> Score:
    """Score from attempts [(question_id, status), ...] in time order.

    Retrying has no penalty: a question counts as right once any attempt at it was right.
    """
    ids = {q.id for q in questions}
    s = Score(total=len(ids))
    answered = set()
    for qid, status in attempts:
        if qid in ids:
            answered.add(qid)
            if status == CORRECT:
                s.correct_ids.add(qid)
    s.answered = len(answered)
    s.correct = len(s.correct_ids)
    return s
