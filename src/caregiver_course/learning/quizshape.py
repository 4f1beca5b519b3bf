"""Can a quiz be passed by its shape? Figures over the question bank (issue 10, item 7). Pure Python.

A fair quiz does not give its answers away by length, by wording (absolutes such as "never" in wrong
options, hedges such as "often" in right ones), by a lopsided true/false key, or by every sorting item
having the same mix of answers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .quiz import Question

ABSOLUTES = ("never", "only", "always", "must", "all", "every", "whatever", "nothing", "none")
HEDGES = ("often", "usually", "can", "may", "might", "some", "most", "sometimes")
REPEATS = re.compile(r"^(Right|Yes|Correct)\b[.!]?\s*")  # the feedback headline already says "Correct."


def _has(words: tuple[str, ...], text: str) -> bool:
    return bool(re.search(r"\b(" + "|".join(words) + r")\b", text.lower()))


@dataclass(frozen=True)
class Shape:
    single_items: int
    right_longest: int  # single/scenario items whose right answer is strictly the longest option
    right_options: int
    wrong_options: int
    absolutes_right: float  # share of right options with an absolute word, in %
    absolutes_wrong: float
    hedges_right: float
    hedges_wrong: float
    truefalse: int
    true_answers: int
    sorting_mixes: int  # how many different answer mixes the sorting items have
    sorting_items: int
    repeated_right: int  # option feedbacks that start with "Right."/"Yes."/"Correct."

    @property
    def right_longest_share(self) -> float:
        return self.right_longest / self.single_items if self.single_items else 0.0

    @property
    def true_share(self) -> float:
        return 100 * self.true_answers / self.truefalse if self.truefalse else 0.0

    def lines(self) -> list[str]:
        return [
            (
                f"right answer strictly longest: {self.right_longest} of {self.single_items} single/scenario items "
                f"({100 * self.right_longest_share:.0f} %)"
            ),
            f"absolutes: {self.absolutes_right:.0f} % of right options, {self.absolutes_wrong:.0f} % of wrong ones",
            f"hedges: {self.hedges_right:.0f} % of right options, {self.hedges_wrong:.0f} % of wrong ones",
            f"true/false answered 'True': {self.true_answers} of {self.truefalse} ({self.true_share:.0f} %)",
            f"sorting items: {self.sorting_mixes} different answer mixes in {self.sorting_items} items",
            f"feedbacks repeating 'Right.'/'Yes.' after 'Correct.': {self.repeated_right}",
        ]


def shape(questions: list[Question], fill=lambda t: t) -> Shape:
    single = [q for q in questions if q.type in ("single", "scenario")]
    longest = 0
    for q in single:
        lengths = {o.id: len(fill(o.text)) for o in q.options}
        right = max(lengths[a] for a in q.answer)
        if all(right > n for oid, n in lengths.items() if oid not in q.answer):
            longest += 1
    right_opts, wrong_opts = [], []
    for q in questions:
        if q.type in ("single", "scenario", "multi"):
            for o in q.options:
                (right_opts if o.id in q.answer else wrong_opts).append(fill(o.text))

    def pct(words, texts):
        return 100 * sum(_has(words, t) for t in texts) / len(texts) if texts else 0.0

    tf = [q for q in questions if q.type == "truefalse"]
    sorting = [q for q in questions if q.type == "triage"]
    mixes = {tuple(sorted(Counter(i.answer for i in q.items).items())) for q in sorting}
    repeats = sum(1 for q in questions for o in q.options if REPEATS.match(o.feedback))
    repeats += sum(1 for q in questions for i in q.items if REPEATS.match(i.feedback))
    return Shape(
        len(single),
        longest,
        len(right_opts),
        len(wrong_opts),
        pct(ABSOLUTES, right_opts),
        pct(ABSOLUTES, wrong_opts),
        pct(HEDGES, right_opts),
        pct(HEDGES, wrong_opts),
        len(tf),
        sum(1 for q in tf if "true" in q.answer),
        len(mixes),
        len(sorting),
        repeats,
    )


# The test-wise picker (issue 17, item 4): answers without reading the lesson, from the options' shape alone.
# Kind, sensible guesses: the answer that brings in the team, listens, talks or calls; not the one with an
# absolute; not the longest. A fair question needs the lesson, so the picker should do little better than chance.
TEAM_WORDS = ("team", "nurse", "clinic", "doctor", "listen", "talk", "ask", "call", "tell", "share")
PICKER_ABSOLUTES = ("always", "never", "only", "must", "all", "every", "nothing", "none", "whatever")


def picker_choice(options, fill=lambda t: t) -> list[str]:
    """The option ids the picker cannot tell apart (it picks one of them at random)."""
    texts = {o.id: fill(o.text) for o in options}
    pool = list(texts)
    longest = max(len(t) for t in texts.values())
    if sum(len(t) == longest for t in texts.values()) == 1 and len(pool) > 1:
        pool = [i for i in pool if len(texts[i]) < longest]  # drop the longest option
    calm = [i for i in pool if not _has(PICKER_ABSOLUTES, texts[i])]
    pool = calm or pool  # avoid absolutes
    team = [i for i in pool if _has(TEAM_WORDS, texts[i])]
    return team or pool  # prefer team/listen/talk/call words


@dataclass(frozen=True)
class PickerScore:
    items: int
    expected_right: float  # the picker's expected number right (ties broken at random)
    chance_right: float  # a blind guess's expected number right

    @property
    def score(self) -> float:
        return 100 * self.expected_right / self.items if self.items else 0.0

    @property
    def chance(self) -> float:
        return 100 * self.chance_right / self.items if self.items else 0.0

    def line(self) -> str:
        return (
            f"test-wise picker: {self.expected_right:.1f} of {self.items} single/scenario items "
            f"({self.score:.0f} %), chance {self.chance_right:.1f} ({self.chance:.0f} %)"
        )


def picker(questions: list[Question], fill=lambda t: t) -> PickerScore:
    single = [q for q in questions if q.type in ("single", "scenario")]
    right = chance = 0.0
    for q in single:
        picks = picker_choice(q.options, fill)
        right += sum(1 for i in picks if i in q.answer) / len(picks)
        chance += len(q.answer) / len(q.options)
    return PickerScore(len(single), right, chance)
