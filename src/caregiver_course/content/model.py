"""The course content's data model: lessons, checklists, reflections, side-effect rows, coverage, and
the Content that holds them all. Data only; :mod:`.loader` fills it from ``data/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import lang as langs
from . import translations
from .clinic import (
    Clinic,
)
from .problems import Problem
from .questions import Question


@dataclass(frozen=True)
class Lesson:
    id: str
    number: int
    title: str
    minutes: int
    notebook: str
    summary: str
    objectives: tuple[str, ...]
    key_points: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Checklist:
    id: str
    lesson: str
    title: str
    intro: str
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class Reflection:
    id: str
    lesson: str
    prompt: str
    hint: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SideEffect:
    """One row of the side-effect table: the single source of truth for which group a sign belongs to."""

    id: str
    name: str
    looks_like: str
    group: str  # one of TRIAGE_BINS
    what_to_do: str
    sources: tuple[str, ...]
    short: str = ""  # a few words for lists ("chest pain"); {signs:GROUP} in other files expands to these
    words: tuple[str, ...] = ()  # lower-case words that identify the sign in any text (consistency test)


@dataclass(frozen=True)
class CoverageEntry:
    starts: str
    lessons: tuple[str, ...]


@dataclass
class Content:
    clinic: Clinic
    lessons: list[Lesson] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    checklists: dict[str, Checklist] = field(default_factory=dict)
    reflections: dict[str, Reflection] = field(default_factory=dict)
    side_effects: list[SideEffect] = field(default_factory=list)
    actions: dict[str, str] = field(default_factory=dict)  # group -> what to do (side_effects.yaml, actions:)
    coverage: list[CoverageEntry] = field(default_factory=list)
    discussion: dict[str, str] = field(default_factory=dict)
    facilitator_notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    variants: dict = field(default_factory=dict)  # id -> Variant (text chosen by a clinic setting)
    glossary: dict = field(default_factory=dict)  # lower-case term -> glossary.Term
    all_questions: list[Question] = field(default_factory=list)  # including those for other clinic settings
    problems: list[Problem] = field(default_factory=list)
    known_sources: frozenset[str] = frozenset()
    lang: str = langs.DEFAULT
    root: Path | None = None  # the content folder (data/), for the translation records
    notebooks: Path | None = None  # this language's lesson notebooks
    _status: translations.Status | None = field(default=None, repr=False, compare=False)

    def lesson_units(self, lesson_id: str) -> list[str]:
        """The translation units a learner reads on a lesson's page (translations.lesson_units)."""
        if self.root is None or self.notebooks is None:
            return []
        base = self.notebooks if self.lang == langs.DEFAULT else self.notebooks.parent
        return translations.lesson_units(self.root, base, self.lang, lesson_id, self.lesson(lesson_id).notebook)

    def unreviewed(self, unit_ids) -> list[str]:
        """The units among unit_ids whose translation the clinic has not reviewed yet (missing, stale or
        not marked reviewed); always [] in English. The interface shows a short note while this is not empty."""
        if self.lang == langs.DEFAULT or self.root is None or self.notebooks is None:
            return []
        if self._status is None:
            self._status = translations.status(self.root, self.notebooks.parent, self.lang)
        s = self._status
        ok = {u for u, r in s.records.items() if r.reviewed and u in s.units and r.source == s.units[u][0]}
        return [u for u in unit_ids if u not in ok]

    def unreviewed_in_lesson(self, lesson_id: str) -> list[str]:
        """The units of a lesson's page not yet reviewed by the clinic ([] in English, or when all are)."""
        return self.unreviewed(self.lesson_units(lesson_id))

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(lesson_id)

    def questions_for(self, lesson_id: str) -> list[Question]:
        return [q for q in self.questions if q.lesson == lesson_id]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def problems_in(self, *files: str) -> list[Problem]:
        """Problems in the named files (English names; the same file in this content's language counts)."""
        names = set(files) | {f"{self.lang}/{f}" for f in files}
        return [p for p in self.problems if p.file in names]

    def side_effect(self, row_id: str) -> SideEffect:
        for row in self.side_effects:
            if row.id == row_id:
                return row
        raise KeyError(row_id)


@dataclass(frozen=True)
class Variant:
    """Text that depends on a clinic setting: one text per value (data/variants.yaml)."""

    id: str
    setting: str
    texts: dict

    def text_for(self, clinic: Clinic) -> str:
        return self.texts[clinic.choice(self.setting)]
