"""The question bank's data model: question types, topics, triage groups, options. Data only, no logic.

Loaded and checked by :mod:`caregiver_course.content.loader`; checked and scored by
:mod:`caregiver_course.learning.quiz`.
"""

from __future__ import annotations

from dataclasses import dataclass

CHOICE_TYPES = ("single", "multi", "truefalse", "scenario")
TYPES = CHOICE_TYPES + ("triage",)
TOPICS = (
    "understanding",
    "emotional",
    "practical",
    "side-effects",
    "red-flags",
    "expectations",
    "follow-up",
    "routine",
    "self-care",
    "informed",
)

# Triage bins; their labels name the clinic's own numbers (filled from configuration).
TRIAGE_BINS = ("expected", "clinic", "emergency", "crisis")
TRIAGE_LABELS = {
    "expected": "Expected, it passes",
    "clinic": "Call the clinic",
    "emergency": "Call {emergency_number}",
    "crisis": "Call {crisis_call} or text {crisis_text}",
}


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    feedback: str


@dataclass(frozen=True)
class TriageItem:
    id: str
    text: str
    answer: str
    feedback: str
    sign: str = ""  # the side-effect table row that decides the answer


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    topic: str
    lesson: str
    prompt: str
    explanation: str
    sources: tuple[str, ...]
    options: tuple[Option, ...] = ()
    answer: frozenset[str] = frozenset()
    items: tuple[TriageItem, ...] = ()
    only_if: tuple[tuple[str, str], ...] = ()  # shown only when these clinic settings have these values

    def option(self, option_id: str) -> Option:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(option_id)
