"""Moving through a lesson inside the app: its steps (derived from the notebook's headings), the step bar,
Back and Next, and building the next step ahead of time. A mixin of :class:`~caregiver_course.ui.app.CourseApp`.
"""

from __future__ import annotations

import logging
import math
import re
from html import escape

import ipywidgets as w

from .. import content as content_mod
from ..learning import progress
from ..store import session
from . import notebook_view, widgets
from .comfort import Reader
from .history import lesson_place
from .widgets import html, safe_callback

log = logging.getLogger("caregiver_course")

PREFETCH_DELAY = 0.8  # seconds after a page is shown


def _starts_with_heading(widgets) -> bool:
    """Does the step begin with a heading of its own (its first widget, or that widget's first part)?"""
    first = widgets[0] if widgets else None
    if isinstance(first, w.Box) and first.children:
        first = first.children[0]
    return isinstance(first, w.HTML) and re.search(r"<h[1-3][ >]", first.value[:400]) is not None


class LessonSteps:
    """A lesson's widgets, in steps (derived from the notebook's own headings)."""

    def __init__(self, lesson, steps: list):
        self.lesson = lesson
        self.steps = steps

    def widgets(self) -> list:
        return [x for s in self.steps for x in s.widgets]

    def minutes_left(self, index: int) -> int:
        return max(1, math.ceil(self.lesson.minutes * (len(self.steps) - index) / len(self.steps)))


class LessonNavigation:
    """Lessons and steps: which one is shown, the step bar and navigation (built once per page)."""

    def lesson_steps(self, lesson_id: str) -> LessonSteps:
        if lesson_id not in self.lesson_cache:
            lesson = self.content.lesson(lesson_id)
            path = content_mod.notebooks_dir() / lesson.notebook
            namespace = {"__name__": f"lesson_{lesson_id}"}
            with session.bound(self.session):  # every widget of the lesson belongs to this learner
                steps = notebook_view.render_steps(path, namespace, widgets.friendly_error)
            self.lesson_cache[lesson_id] = LessonSteps(lesson, steps)
        return self.lesson_cache[lesson_id]

    def lesson_widgets(self, lesson_id: str) -> list[w.Widget]:
        """Every widget of the lesson in notebook order (as the notebook shows them on its own)."""
        lesson = self.content.lesson(lesson_id)
        path = content_mod.notebooks_dir() / lesson.notebook
        with session.bound(self.session):
            return notebook_view.render(path, {"__name__": f"lesson_{lesson_id}"}, widgets.friendly_error)

    def show_lesson(self, lesson_id: str, record: bool = True, step: int | None = None) -> None:
        lesson = self.content.lesson(lesson_id)
        if not self._check_signed_in():
            return
        if record:
            self.session.record_step(lesson_id, "opened")
        if step is None:
            p = self.progress()[lesson_id]
            step = 0 if p.status == progress.DONE else p.step
        self.current = lesson_id
        self._check_workshop_open()
        self.announce.value = (
            f"<p class='cc-visually-hidden' role='status' aria-live='polite'>Opened {escape(lesson.title)}</p>"
        )
        self.show_step(step, record=record)
        self._prefetch(lesson.number + 1)

    def show_step(self, index: int, record: bool = True) -> None:
        steps = self.lesson_steps(self.current)
        index = max(0, min(index, len(steps.steps) - 1))
        self.step = index
        if record:
            self.session.record_step(self.current, "step", str(index))
            if index == len(steps.steps) - 1:
                self.session.record_step(self.current, "end")
        # The step bar is one set of widgets shared by every lesson: bring its text up to date before it is
        # shown, or the page would draw it for a moment with the previous lesson's step and outline.
        self._update_lesson_furniture()
        shown = steps.steps[index].widgets
        if not _starts_with_heading(shown):  # a later page of a long check: its name heads it (the bar is short)
            self.step_heading.value = f"<h2 class='cc-step-title'>{escape(steps.steps[index].title)}</h2>"
            shown = [self.step_heading, *shown]
        self.stage.children = [self.stepbar, *shown, self.nav]
        self._show_save_problem()
        self.history.mark(lesson_place(self.current, index))

    def _prefetch(self, number: int) -> None:
        """Build the next lesson while the learner reads this one, so Next shows it at once."""
        later = [x.id for x in self.content.lessons if x.number == number and x.id not in self.lesson_cache]
        if not later:
            return
        try:
            from tornado.ioloop import IOLoop

            IOLoop.current().call_later(PREFETCH_DELAY, safe_callback(lambda: self.lesson_steps(later[0])))
        except Exception:  # no event loop (a plain script): simply build on demand
            log.debug("prefetch skipped", exc_info=True)

    # ------------------------------------------------------------------ step bar and navigation (built once)

    def _build_lesson_furniture(self) -> None:
        # Only a new step changes the title line (the page script moves focus to it); the counts line
        # changes as the learner answers, without moving focus.
        self.where = html("", "cc-where-box")
        self.counts = html("", "cc-step-counts")
        self.outline = w.Dropdown(options=[("-", 0)], value=0, description="Steps")
        self.outline.style.description_width = "initial"
        self.outline.add_class("cc-outline")
        self._outline_busy = False

        def jump(change):
            if not self._outline_busy and self.current and change["new"] != self.step:
                self.show_step(int(change["new"]))

        self.outline.observe(safe_callback(jump), names="value")
        self.step_heading = html("", "cc-step-heading")
        self.reader = Reader()  # read-aloud of the step, in the browser (comfort.py)
        self.stepbar = w.Box([self.where, self.outline, self.reader, self.counts])
        self.stepbar.add_class("cc-stepbar")
        self.back = w.Button(description="← Back")
        self.back.add_class("cc-back")
        self.next = w.Button(description="Next →", button_style="primary")
        self.next.add_class("cc-next-button")
        self.home_nav = w.Button(description="⌂ Home", tooltip="Start page")
        self.home_nav.add_class("cc-home-nav")
        self.back.on_click(safe_callback(lambda _: self._go(-1)))
        self.next.on_click(safe_callback(lambda _: self._go(+1)))
        self.home_nav.on_click(safe_callback(lambda _: self.show_home()))
        self.nav = w.HBox([self.back, self.next, self.home_nav])
        self.nav.add_class("cc-nav")
        self.nav.add_class("cc-nav-bottom")

    def _go(self, delta: int) -> None:
        steps = self.lesson_steps(self.current)
        target = self.step + delta
        if 0 <= target < len(steps.steps):
            self.show_step(target)
            return
        lessons = self.content.lessons
        i = lessons.index(steps.lesson)
        if delta > 0 and i + 1 < len(lessons):
            self.show_lesson(lessons[i + 1].id, step=0)
        elif delta > 0:
            self.show_home()
        elif i > 0:
            self.show_lesson(lessons[i - 1].id, step=0)

    def _update_lesson_furniture(self) -> None:
        if not self.current:
            return
        steps = self.lesson_steps(self.current)
        lesson, n, i = steps.lesson, len(steps.steps), self.step
        p = self.progress()[lesson.id]
        total = len(self.content.lessons) - 1
        label = f"Lesson {lesson.number} of {total}" if lesson.number else "Start here"
        pct = round(100 * (i + 1) / n)
        questions = f" · Questions answered: {p.score.answered} of {p.score.total}" if p.score.total else ""
        # On a phone the bar is one line ("Lesson 4 of 8 · Step 3 of 12"): the names are kept for screen readers
        # (the step's own heading follows right below it).
        where = (
            f"<p class='cc-where cc-title' tabindex='-1' id='cc-step-label'><strong>{label}<span "
            f"class='cc-bar-name'>: {escape(lesson.title)}</span></strong><br><span class='cc-bar-sep' "
            f"aria-hidden='true'> · </span><span class='cc-step-of'>Step {i + 1} of {n}<span class='cc-bar-name'>: "
            f"{escape(steps.steps[i].title)}</span></span></p>"
        )
        if self.where.value != where:
            self.where.value = where
        self.counts.value = (
            f"<div class='cc-progress-track' role='progressbar' aria-labelledby='cc-step-label' aria-valuemin='1' "
            f"aria-valuemax='{n}' aria-valuenow='{i + 1}' aria-valuetext='Step {i + 1} of {n}'>"
            f"<div class='cc-progress-fill' style='width:{pct}%'></div></div>"
            f"<p class='cc-step-left'>About {steps.minutes_left(i)} min left{questions}</p>"
        )
        options = [(f"{k + 1}. {s.title}", k) for k, s in enumerate(steps.steps)]
        self._outline_busy = True
        try:
            if list(self.outline.options) != options:
                self.outline.options = options
            self.outline.value = i
        finally:
            self._outline_busy = False
        lessons = self.content.lessons
        j = lessons.index(lesson)
        self.back.disabled = i == 0 and j == 0
        self.back.tooltip = "Previous step" if i > 0 else "Previous lesson"
        if i + 1 < n:
            self.next.description, self.next.tooltip = "Next →", f"Next: {steps.steps[i + 1].title}"
        elif j + 1 < len(lessons):
            self.next.description, self.next.tooltip = "Next lesson →", f"Next: {lessons[j + 1].title}"
        else:
            self.next.description, self.next.tooltip = "Finish ✓", "Finish the course"
