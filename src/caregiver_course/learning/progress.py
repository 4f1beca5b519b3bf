"""Progress, derived from a learner's events (never stored on its own). Pure Python.

"Done" is defined here and only here: a lesson is done when the learner has reached its last step and has
answered every question of the lesson (practice questions and the knowledge check alike). The start page
and the lesson both show the counts from :func:`lesson_progress`, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content.model import Content
from . import quiz

NOT_STARTED, IN_PROGRESS, DONE = "not started", "in progress", "done"
STATUS_SYMBOL = {NOT_STARTED: "○", IN_PROGRESS: "◐", DONE: "✓"}
END_STEPS = ("end", "finished")  # step events that mean "the last step was reached" ("finished": older data)


@dataclass(frozen=True)
class LessonProgress:
    lesson_id: str
    status: str
    score: quiz.Score
    reached_end: bool = False
    step: int = 0  # the step the learner was last on (0 = first)

    @property
    def symbol(self) -> str:
        return STATUS_SYMBOL[self.status]

    @property
    def questions_left(self) -> int:
        return self.score.total - self.score.answered


def is_done(reached_end: bool, score: quiz.Score) -> bool:
    return reached_end and score.answered == score.total


def lesson_progress(content: Content, events: list[dict]) -> dict[str, LessonProgress]:
    attempts = [(e["item"], e["status"]) for e in events if e["kind"] == "answer"]
    touched = {e["lesson"] for e in events}
    ended = {e["lesson"] for e in events if e["kind"] == "step" and e["item"] in END_STEPS}
    steps: dict[str, int] = {}
    for e in events:
        if e["kind"] == "step" and e["item"] == "step" and str(e.get("sub_item", "")).isdigit():
            steps[e["lesson"]] = int(e["sub_item"])
    out = {}
    for lesson in content.lessons:
        s = quiz.score(content.questions_for(lesson.id), attempts)
        end = lesson.id in ended
        status = DONE if is_done(end, s) else IN_PROGRESS if lesson.id in touched else NOT_STARTED
        out[lesson.id] = LessonProgress(lesson.id, status, s, end, steps.get(lesson.id, 0))
    return out


def overall(progress: dict[str, LessonProgress], content: Content) -> tuple[int, int]:
    """(lessons done, lessons in the course), not counting the start page."""
    ids = [lesson.id for lesson in content.lessons if lesson.number > 0]
    return sum(progress[i].status == DONE for i in ids), len(ids)


def minutes_left(progress: dict[str, LessonProgress], content: Content) -> int:
    """About how many minutes of lessons (not counting the start page) are not done yet."""
    return sum(lesson.minutes for lesson in content.lessons if lesson.number > 0 and progress[lesson.id].status != DONE)


def resume_point(progress: dict[str, LessonProgress], content: Content, events: list[dict]) -> str | None:
    """Where to continue: the last lesson opened if it is not done, else the first lesson not done ("Start here"
    only before any lesson was opened)."""
    for e in reversed(events):
        if e["kind"] == "step" and e["item"] == "opened":
            if progress.get(e["lesson"]) and progress[e["lesson"]].status != DONE and e["lesson"] != "start":
                return e["lesson"]
            break
    opened = any(e["kind"] == "step" for e in events)
    for lesson in content.lessons:  # a first visit begins with "Start here"
        if (lesson.number > 0 or not opened) and progress[lesson.id].status != DONE:
            return lesson.id
    return None
