"""The browser's history follows the app: each page and lesson step is an address (a #fragment such as
``#lesson=side-effects&step=3``), so the phone's Back and Forward move inside the course and an address
reopens its step. The browser side is the "history" widget in static/cc-comfort.js.

The page sends ``{"go": fragment, "seq": n, "start": bool}`` when it opens (its own address) and on every
Back or Forward; the kernel shows that place and answers ``{"place": fragment, "seq": n, "replace": true}``.
When the learner moves inside the app (Next, Home, a lesson card), the kernel sends the new place with
``replace`` false and the page adds a history entry. ``seq`` is the last go the kernel has heard: the page
ignores an answer older than its latest Back or Forward, so quick taps never add entries in a loop.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlencode

import traitlets as t

from .widgets import ASSETS, _Browser, safe_callback

log = logging.getLogger("caregiver_course")

PAGES = ("tools", "journal", "practice", "table")


def lesson_place(lesson_id: str, step: int) -> str:
    """The address of a lesson's step (step counts from 0 here, from 1 in the address)."""
    return urlencode({"lesson": lesson_id, "step": step + 1})


def page_place(page: str) -> str:
    return urlencode({"page": page}) if page else ""


def parse(place: str) -> tuple[str, str, int] | None:
    """("lesson", id, step from 0) or ("page", name, 0) or ("home", "", 0); None if it is not an app address
    (an anchor inside a lesson, say)."""
    place = (place or "").lstrip("#")[:200]
    if not place:
        return ("home", "", 0)
    values = parse_qs(place)
    if "lesson" in values:
        step = values.get("step", ["1"])[0]
        return ("lesson", values["lesson"][0][:60], max(0, int(step) - 1) if step.isdigit() else 0)
    if values.get("page", [""])[0] in PAGES:
        return ("page", values["page"][0], 0)
    return None


class History(_Browser):
    """The page's address and the browser's Back and Forward (see the module's docstring)."""

    _esm = (ASSETS / "cc-comfort.js").read_text(encoding="utf-8")
    label = t.Unicode("").tag(sync=True)

    def __init__(self, app):
        super().__init__(kind="history")
        self.layout.display = "none"
        self.app = app
        self.seq = 0  # the last go the page sent
        self.place = ""  # the place the page's address shows (as far as the kernel knows)
        self.pending: str | None = None  # an address to open once the learner is known
        self.following = False  # showing a place the page asked for: the page has its address already
        self.on_msg(safe_callback(lambda _w, content, _buffers: self.receive(content)))

    def receive(self, content) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("go"), str):
            return
        seq = content.get("seq")
        self.seq = max(self.seq, seq if isinstance(seq, int) else 0)
        place = content["go"][:200]
        if parse(place) is None:
            return  # not an app address: leave it alone
        if self.app.session.learner is None:
            self.pending = place  # shown once the learner is known (see after_become)
            return
        self.show_place(place)

    def after_become(self) -> None:
        """The learner is known: open the address the page was opened with, if any."""
        place, self.pending = self.pending, None
        if place is not None:
            self.show_place(place)

    def show_place(self, place: str) -> None:
        where = parse(place)
        self.following = True
        try:
            self._show(where)
        finally:
            self.following = False
        self.mark(self.place, force=True)

    def _show(self, where) -> None:
        app = self.app
        kind, name, step = where
        if kind == "lesson" and name in {x.id for x in app.content.lessons}:
            if app.current == name:
                app.show_step(step)
            else:
                app.show_lesson(name, step=step)
        elif kind == "page" and name == "tools":
            app.show_tools()
        elif kind == "page" and name == "journal" and app.journal_on():
            app.show_journal()
        elif kind == "page" and name == "practice":
            app.show_practice()
        elif kind == "page" and name == "table":
            app.show_table()
        else:
            app.show_home()

    def mark(self, place: str, force: bool = False) -> None:
        """The app shows this place now: the page's address follows (a new entry unless the page asked)."""
        if self.pending is not None:
            return  # the page's own address is still to be opened: do not cover it with the start page
        if place == self.place and not force:
            return
        self.place = place
        self.send({"place": place, "seq": self.seq, "replace": self.following or force})
