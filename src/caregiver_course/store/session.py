"""The learner's session: where answers and ticks go, owned by the package (not by notebook cells).

Each widget is bound to a session when it is built (it keeps it and never asks again). The app builds a
lesson's widgets inside ``with bound(app.session):``; a lesson notebook run on its own has no app, so its
widgets get the kernel's memory session (no store). There is no process-wide "current" session to swap.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import secrets
import sys
import time

from . import events as event_log
from .errors import SignedOut, StoreError
from .kernelstats import timed_save

log = logging.getLogger("caregiver_course")
if not log.handlers:
    # In a kernel, sys.stderr is shown on the page; the real stderr goes to the server's log instead.
    _handler = logging.StreamHandler(sys.__stderr__)
    _handler.setFormatter(logging.Formatter("[caregiver_course] %(levelname)s %(message)s"))
    log.addHandler(_handler)
    log.propagate = False


class StoreSession:
    """A learner's answers, ticks and steps, saved in the store (or only kept in memory if store is
    None, as when a lesson notebook runs on its own). Writes that fail (a locked database) are kept and
    retried with the next one."""

    def __init__(self, store=None):
        self.store = store
        self.listener = None  # called after each record (the app refreshes its save notice)
        self.learner = None
        self.events: list[dict] = []  # this learner's events, as saved plus pending
        self.pending: list[dict] = []
        self.workshop_id: str | None = None
        self.last_error: str = ""
        self.origin: str = ""  # the page's own address (for the QR code back to the course)
        self.planned: list = []  # session dates typed for the calendar: this page only, never stored
        self.signed_out = False  # a new resume code was made on another device: this one no longer belongs

    @property
    def seed(self) -> str:
        return self.learner.id if self.learner else "new"

    def adopt(self, learner) -> None:
        """Become this learner: load their events, then save anything recorded before we knew who they were."""
        self.learner = learner
        unsaved = self.pending
        self.pending = []
        self.events = self.store.events(learner.id) if self.store else []
        for e in unsaved:
            self._add(e)
        self.flush()

    def forget(self) -> int:
        """Delete this learner's data. Returns the number of saved events removed."""
        n = self.store.delete_learner(self.learner.id) if (self.store and self.learner) else 0
        self.learner, self.events, self.pending, self.workshop_id = None, [], [], None
        self.planned = []
        return n

    def device_ok(self) -> bool:
        """False once this device was signed out (a new resume code was made on another device)."""
        if self.signed_out:
            return False
        if self.store is None or self.learner is None or not self.learner.token:
            return True
        try:
            self.signed_out = not self.store.device_ok(self.learner.id, self.learner.token)
        except StoreError:
            return True
        return not self.signed_out

    def _add(self, event: dict) -> None:
        event.setdefault("at", time.time())
        # Made once, here: a write retried after an unclear failure carries the same id and is not doubled.
        event.setdefault("event_id", secrets.token_hex(12))
        if self.workshop_id and event["kind"] == "answer":
            event["workshop_id"] = self.workshop_id
        self.events.append(event)
        self.pending.append(event)

    def flush(self) -> bool:
        if self.store is None:  # memory only: nothing to save
            self.pending = []
            return True
        if not (self.learner and self.pending):
            return not self.pending

        return timed_save(self._save_pending)

    def _save_pending(self) -> bool:
        try:
            self.store.add_events(self.learner.id, self.pending, token=self.learner.token)
        except SignedOut:
            # Nothing more goes to that learner from here; the app starts this device afresh and says why.
            self.signed_out = True
            self.pending = []
            return False
        except StoreError as exc:
            self.last_error = str(exc)
            log.warning("could not save %d event(s): %s %s", len(self.pending), exc, exc.detail)
            return False
        self.pending = []
        self.last_error = ""
        if len(self.events) > event_log.MAX_EVENTS:  # the store compacted too: keep this page's copy as small
            self.events = [self.events[i] for i in event_log.compact(self.events)]
        return True

    def attempts(self) -> list[tuple[str, str]]:
        return [(e["item"], e["status"]) for e in self.events if e["kind"] == "answer"]

    def record_answer(self, lesson_id, question_id, response, status) -> None:
        self._add({"kind": "answer", "lesson": lesson_id, "item": question_id, "response": response, "status": status})
        self.flush()

    def checked(self, checklist_id: str) -> set[str]:
        state: dict[str, bool] = {}
        for e in self.events:
            if e["kind"] == "check" and e["item"] == checklist_id:
                state[e["sub_item"]] = e["status"] == "ticked"
        return {k for k, v in state.items() if v}

    def record_check(self, lesson_id, checklist_id, item_id, checked) -> None:
        self._add(
            {
                "kind": "check",
                "lesson": lesson_id,
                "item": checklist_id,
                "sub_item": item_id,
                "status": "ticked" if checked else "unticked",
            }
        )
        self.flush()

    def record_step(self, lesson_id, step, sub_item: str = "") -> None:
        self._add({"kind": "step", "lesson": lesson_id, "item": step, "sub_item": sub_item})
        self.flush()

    def last_answers(self) -> dict[str, dict]:
        """The last answer event for each question (what the learner sees again after a reload)."""
        return {e["item"]: e for e in self.events if e["kind"] == "answer"}

    def changed(self) -> None:
        """Tell this session's listener that something was recorded."""
        if self.listener is not None:
            try:
                self.listener()
            except Exception:  # a listener must never break a learner's answer
                log.exception("progress listener failed")


_standalone = StoreSession()  # no store: a lesson notebook on its own keeps answers in memory
_building: contextvars.ContextVar[StoreSession | None] = contextvars.ContextVar("cc_building", default=None)


def for_new_widget() -> StoreSession:
    """The session a widget being built now binds to: the app's (inside ``bound``), else the memory one."""
    return _building.get() or _standalone


@contextlib.contextmanager
def bound(session: StoreSession):
    """Widgets built inside this block belong to session."""
    token = _building.set(session)
    try:
        yield session
    finally:
        _building.reset(token)


def use(session: StoreSession) -> None:
    """Set the memory session that widgets built outside the app use (tests; a notebook on its own)."""
    global _standalone
    _standalone = session
