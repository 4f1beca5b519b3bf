"""Progress, derived from a learner's events (never stored on its own). Pure Python."""
from __future__ import annotations

from dataclasses import dataclass

from . import quiz
from .content import Content

NOT_STARTED, IN_PROGRESS, DONE = "not started", "in progress", "done"
STATUS_SYMBOL = {NOT_STARTED: "○", IN_PROGRESS: "◐", DONE: "✓"}


@dataclass(frozen=True)
class LessonProgress:
    lesson_id: str
    status: str
    score: quiz.Score

    @property
    def symbol(self) -> str:
        return STATUS_SYMBOL[self.status]


def lesson_progress(content: Content, events: list[dict]) -> dict[str, LessonProgress]:
    attempts = [(e["item"], e["status"]) for e in events if e["kind"] == "answer"]
    touched = {e["lesson"] for e in events}
    finished = {e["lesson"] for e in events if e["kind"] == "step" and e["item"] == "finished"}
    out = {}
    for lesson in content.lessons:
        s = quiz.score(content.questions_for(lesson.id), attempts)
        status = DONE if lesson.id in finished else IN_PROGRESS if lesson.id in touched else NOT_STARTED
        out[lesson.id] = LessonProgress(lesson.id, status, s)
    return out


def overall(progress: dict[str, LessonProgress], content: Content) -> tuple[int, int]:
    """(lessons done, lessons in the course), not counting the start page."""
    ids = [lesson.id for lesson in content.lessons if lesson.number > 0]
    return sum(progress[i].status == DONE for i in ids), len(ids)


def resume_point(progress: dict[str, LessonProgress], content: Content, events: list[dict]) -> str | None:
    """Where to continue: the last lesson opened if it is not done, else the first lesson not done."""
    for e in reversed(events):
        if e["kind"] == "step" and e["item"] == "opened":
            if progress.get(e["lesson"]) and progress[e["lesson"]].status != DONE and e["lesson"] != "start":
                return e["lesson"]
            break
    for lesson in content.lessons:
        if lesson.number > 0 and progress[lesson.id].status != DONE:
            return lesson.id
    return None
