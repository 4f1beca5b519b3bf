"""The learner's session: where answers and ticks go, owned by the package (not by notebook cells).

A lesson notebook run on its own uses an in-memory session. The app (one kernel per learner) swaps in a
session backed by the SQLite store, so the same widgets save progress without knowing where it goes.
"""
from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger("caregiver_course")


class Session(Protocol):
    seed: str

    def attempts(self) -> list[tuple[str, str]]: ...

    def record_answer(self, lesson_id: str, question_id: str, response, status: str) -> None: ...

    def checked(self, checklist_id: str) -> set[str]: ...

    def record_check(self, lesson_id: str, checklist_id: str, item_id: str, checked: bool) -> None: ...

    def record_step(self, lesson_id: str, step: str) -> None: ...


class MemorySession:
    """Keeps everything in memory for as long as the kernel runs."""

    def __init__(self, seed: str = "standalone"):
        self.seed = seed
        self.events: list[tuple] = []

    def attempts(self) -> list[tuple[str, str]]:
        return [(e[2], e[4]) for e in self.events if e[0] == "answer"]

    def record_answer(self, lesson_id, question_id, response, status) -> None:
        self.events.append(("answer", lesson_id, question_id, response, status))

    def checked(self, checklist_id: str) -> set[str]:
        state: dict[str, bool] = {}
        for e in self.events:
            if e[0] == "check" and e[2] == checklist_id:
                state[e[3]] = e[4]
        return {k for k, v in state.items() if v}

    def record_check(self, lesson_id, checklist_id, item_id, checked) -> None:
        self.events.append(("check", lesson_id, checklist_id, item_id, bool(checked)))

    def record_step(self, lesson_id, step) -> None:
        self.events.append(("step", lesson_id, step))


_current: Session = MemorySession()
_listeners: list = []


def current() -> Session:
    return _current


def use(session: Session) -> None:
    global _current
    _current = session


def on_change(callback) -> None:
    """Call callback() after anything is recorded (the app uses this to refresh its progress view)."""
    _listeners.append(callback)


def changed() -> None:
    for cb in list(_listeners):
        try:
            cb()
        except Exception:  # a listener must never break a learner's answer
            log.exception("progress listener failed")
