"""The course app: one page (one kernel) per learner hosting the start page and every lesson.

Moving between lessons swaps widgets in this kernel; no page load. Progress is saved in the SQLite store
and derived from events. The browser keeps a long random token (via the small identity bridge in the
Voila template) so a learner returning on the same browser resumes without any login.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from html import escape

import ipywidgets as w

from . import content as content_mod
from . import notebook_view, progress, ratelimit, session, widgets
from .widgets import CSS, Panel, html, safe_callback

log = logging.getLogger("caregiver_course")

APP_CSS = """
<style>
.cc-app { margin: 0 auto; max-width: 48rem; padding: 0 8px 48px; }
.cc-topbar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; border-bottom: 2px solid #5a6b7b;
             padding: 6px 0; margin-bottom: 8px; }
.cc-nav { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
.cc-progress-track { height: 16px; border: 2px solid #1f5f99; border-radius: 8px; background: #fff; }
.cc-progress-fill { height: 100%; background: #1f5f99; border-radius: 6px 0 0 6px; }
.cc-lesson-card .jupyter-button { width: auto; }
.cc-status { font-weight: bold; }
.cc-md h1 { font-size: 1.7em; } .cc-md h2 { font-size: 1.35em; margin-top: 1em; } .cc-md h3 { font-size: 1.15em; }
.cc-md p, .cc-md li { font-size: 18px; line-height: 1.55; }
.cc-title:focus { outline: none; }
body, .jp-Notebook, #rendered_cells { overflow-x: hidden; }
</style>
"""

PREFETCH_DELAY = 0.8  # seconds after a page is shown
WRONG_CODE_DELAY = 0.5  # seconds


class CourseApp:
    """Builds and runs the app. ``CourseApp().widget`` is what the app notebook shows."""

    def __init__(self, store=None):
        self.content = content_mod.get()
        self.store = store if store is not None else _open_store()
        self.session = session.StoreSession(self.store)
        self.session.listener = self._show_save_problem  # a failed save is said at once, not on the next page
        session.use(self.session)
        self.lesson_cache: dict[str, list[w.Widget]] = {}
        self.current: str | None = None
        self.workshop = None
        self.nickname = ""
        self.pending_join = ""
        self._store_failed = False

        self.identity = widgets.identity_bridge(self._on_hello)

        self.notice = html("", "cc-notice")
        self.banner = html("", "cc-workshop-banner")
        self.announce = html("", "cc-announce")
        home = w.Button(description="⌂ Home", tooltip="Go to the start page")
        home.add_class("cc-home")
        home.on_click(safe_callback(lambda _: self.show_home()))
        brand = html(f"<p><strong>Caregiver course</strong> · {escape(self.content.clinic.shown('clinic_name'))}</p>")
        top = w.HBox([brand, home, widgets.help_now()])
        top.add_class("cc-topbar")
        self.stage = w.VBox()
        self.stage.add_class("cc-stage")
        self.widget = Panel([html(CSS + APP_CSS), self.identity, top, self.banner, self.notice, self.announce,
                             self.stage],
                            summary="Caregiver course app", classes=("cc-app",))
        self.show_home()

    # ------------------------------------------------------------------ identity

    def _on_hello(self, hello: dict) -> str | None:
        """The browser says hello with its saved token (if any): resume that learner, or make a new one."""
        token = str(hello.get("token") or "")[:200]
        if self.store is None:  # it could not be opened when the page was prepared: try again now
            self.store = self.session.store = _open_store()
            self._show_save_problem()
        self.pending_join = _query_value(str(hello.get("search") or ""), "workshop") or self.pending_join
        current = self.session.learner
        if current is not None and token in ("", current.token):
            return self._identity_reply(current)  # a repeated hello: answer again, change nothing
        from .store import StoreError

        try:
            learner = self.store.by_token(token) if (self.store and token) else None
            if learner is not None:
                # The store keeps only a hash of the resume code: the browser holds the code itself, and it
                # is shown once it is checked.
                code = str(hello.get("code") or "")[:80]
                if code and self.store.code_matches(learner.id, code):
                    learner = dataclasses.replace(learner, resume_code=code)
            elif self.store:
                learner = self.store.new_learner()
        except StoreError as exc:  # a full disk or a broken database: keep going in memory, and say so once
            if not self._store_failed:
                log.warning("progress store cannot be used: %s", exc)
            self._store_failed = True
            self.session.last_error = ("Your progress cannot be saved right now. You can still use every "
                                       "lesson. Please tell the clinic staff.")
            self._show_save_problem()
            return '{"token": "", "code": ""}'  # the browser stops asking and keeps the token it has
        if learner is not None:
            self._become(learner)  # answers the browser itself
        return None

    @staticmethod
    def _identity_reply(learner) -> str:
        import json

        return json.dumps({"token": learner.token, "code": learner.resume_code})

    def new_resume_code(self) -> str:
        """Make a new resume code for this learner (the old one stops working). Returns it."""
        learner = self.session.learner
        code = self.store.new_code_for(learner.id)
        self.session.learner = dataclasses.replace(learner, resume_code=code)
        self.identity.value = "ok:" + self._identity_reply(self.session.learner)
        return code

    def _become(self, learner) -> None:
        self.session.adopt(learner)
        self.identity.value = "ok:" + self._identity_reply(learner)  # the browser keeps token and code
        if self.workshop is not None:  # a resumed or fresh learner stays in the room's workshop
            self._join(self.workshop, self.nickname)
        elif self.pending_join:
            code, self.pending_join = self.pending_join, ""
            self.join_workshop(code)
        for cached in self.lesson_cache.values():  # option order depends on the learner: build them again
            for widget in cached:
                _close_tree(widget)
        self.lesson_cache.clear()
        if self.current:
            self.show_lesson(self.current, record=False)
        else:
            self.show_home()

    def _limited(self, scope: str) -> str:
        """'' if this page may try a code now, else a message saying how long to wait (see ratelimit.py)."""
        if self.store is None:
            return ""
        wait = ratelimit.wait_seconds(self.store, scope, ratelimit.this_client(self.store))
        if wait <= 0:
            return ""
        return (f"✗ There were too many wrong tries. Please wait {ratelimit.as_words(wait)}, then try again. "
                "If you need help now, use the Help button.")

    def _note(self, scope: str, ok: bool) -> None:
        ratelimit.note(self.store, scope, ratelimit.this_client(self.store), ok)

    def resume_with_code(self, code: str) -> str:
        """Switch to the learner with this resume code. Returns a message for the learner."""
        if self.store is None:
            return "✗ Progress cannot be loaded right now. Please try again later."
        if waiting := self._limited("resume"):
            return waiting
        learner = self.store.by_resume_code(code)
        self._note("resume", learner is not None)
        if learner is None:
            time.sleep(WRONG_CODE_DELAY)
            return "✗ We could not find that code. Check the spelling and try again."
        self._become(learner)
        return "✓ Welcome back. Your progress is loaded."

    # ------------------------------------------------------------------ workshops

    def join_workshop(self, code: str, nickname: str = "") -> str:
        from .workshop import clean_nickname

        if self.store is None:
            return "✗ Workshops cannot be joined right now. You can still do every lesson on your own."
        if waiting := self._limited("workshop"):
            return waiting
        ws = self.store.workshop_by_code(code)
        self._note("workshop", ws is not None and ws.is_open)
        if ws is None or not ws.is_open:  # an ended workshop gets the same reply as a code that never existed
            time.sleep(WRONG_CODE_DELAY)
            return "✗ We could not find an open workshop with that code. Check it with your facilitator."
        if self.session.learner is None:
            self.pending_join = code
            return "… Joining as soon as the page is ready."
        self._join(ws, clean_nickname(nickname))
        return f"✓ You joined workshop {ws.join_code}."

    def _join(self, ws, nickname: str) -> None:
        from .store import StoreError

        try:
            self.store.join_workshop(ws.id, self.session.learner.id, nickname)
        except StoreError as exc:
            self.workshop, self.session.workshop_id = None, None
            self.banner.value = f"<div class='cc-note' role='status'><p>{escape(str(exc))}</p></div>"
            return
        self.workshop, self.nickname, self.session.workshop_id = ws, nickname, ws.id
        who = f" as <bdi>{escape(nickname)}</bdi>" if nickname else ""
        self.banner.value = (f"<div class='cc-note' role='status'><p>👥 You are in workshop "
                             f"<strong>{escape(ws.join_code)}</strong>{who}. Your quiz answers count for the "
                             "group, without your name. No one sees your own score.</p></div>")
        if self.current is None:
            self.show_home()

    def leave_workshop(self) -> str:
        self.workshop, self.session.workshop_id, self.banner.value = None, None, ""
        if self.current is None:
            self.show_home()
        return "✓ You left the workshop. Your progress is still yours."

    def delete_my_data(self) -> str:
        self.workshop, self.session.workshop_id, self.banner.value = None, None, ""
        n = self.session.forget()
        learner = self.store.new_learner() if self.store else None
        if learner:
            self._become(learner)
        return (f"✓ Your data was deleted ({n} saved answers and steps removed). "
                "You have a fresh start with a new resume code.")

    # ------------------------------------------------------------------ pages

    def progress(self):
        return progress.lesson_progress(self.content, self.session.events)

    def show_home(self) -> None:
        from .home import build_home

        self.current = None
        prog = self.progress()
        target = progress.resume_point(prog, self.content, self.session.events)
        self._replace_stage([build_home(self, prog, target)])
        self._show_save_problem()
        if target:
            self._prefetch(self.content.lesson(target).number)

    def lesson_widgets(self, lesson_id: str) -> list[w.Widget]:
        if lesson_id not in self.lesson_cache:
            lesson = self.content.lesson(lesson_id)
            path = content_mod.notebooks_dir() / lesson.notebook
            namespace = {"__name__": f"lesson_{lesson_id}"}
            self.lesson_cache[lesson_id] = notebook_view.render(path, namespace, widgets.friendly_error)
        return self.lesson_cache[lesson_id]

    def show_lesson(self, lesson_id: str, record: bool = True) -> None:
        lesson = self.content.lesson(lesson_id)
        if record:
            self.session.record_step(lesson_id, "opened")
        self.current = lesson_id
        body = self.lesson_widgets(lesson_id)
        self._replace_stage([self._nav(lesson, "top"), *body, self._nav(lesson, "bottom")])
        self.announce.value = (f"<p class='cc-visually-hidden' role='status' aria-live='polite'>"
                               f"Opened {escape(lesson.title)}</p>")
        self._show_save_problem()
        self._prefetch(lesson.number + 1)

    def _prefetch(self, number: int) -> None:
        """Build the next lesson while the learner reads this one, so Next shows it at once."""
        later = [x.id for x in self.content.lessons if x.number == number and x.id not in self.lesson_cache]
        if not later:
            return
        try:
            from tornado.ioloop import IOLoop

            IOLoop.current().call_later(PREFETCH_DELAY, safe_callback(lambda: self.lesson_widgets(later[0])))
        except Exception:  # no event loop (a plain script): simply build on demand
            log.debug("prefetch skipped", exc_info=True)

    def _nav(self, lesson, where: str) -> w.Widget:
        lessons = self.content.lessons
        i = lessons.index(lesson)
        total = len(lessons) - 1
        label = f"Lesson {lesson.number} of {total}" if lesson.number else "Start here"
        back = w.Button(description="← Back", tooltip="Previous lesson", disabled=i == 0)
        back.add_class("cc-back")
        home = w.Button(description="⌂ Home", tooltip="Start page")
        home.add_class("cc-home-nav")
        if i + 1 < len(lessons):
            nxt = w.Button(description="Next →", tooltip=f"Next: {lessons[i + 1].title}", button_style="primary")
        else:
            nxt = w.Button(description="Finish ✓", tooltip="Finish the course", button_style="primary")
        nxt.add_class("cc-next-button")

        def go_next(_):
            self.session.record_step(lesson.id, "finished")
            session.changed()
            if i + 1 < len(lessons):
                self.show_lesson(lessons[i + 1].id)
            else:
                self.show_home()

        back.on_click(safe_callback(lambda _: self.show_lesson(lessons[i - 1].id)))
        home.on_click(safe_callback(lambda _: self.show_home()))
        nxt.on_click(safe_callback(go_next))
        bar = w.HBox([html(f"<p class='cc-where'><strong>{label}</strong></p>"), back, home, nxt])
        bar.add_class("cc-nav")
        bar.add_class(f"cc-nav-{where}")
        return bar

    def _replace_stage(self, children: list) -> None:
        """Show these widgets, and close the ones they replace (a start page or a lesson's navigation bars),
        so that the kernel and the browser do not keep every page ever shown. Cached lessons stay open."""
        old = self.stage.children
        self.stage.children = children
        keep = {id(x) for x in children} | {id(x) for cached in self.lesson_cache.values() for x in cached}
        for widget in old:
            if id(widget) not in keep:
                _close_tree(widget)

    def _show_save_problem(self) -> None:
        if self.session.last_error:
            self.notice.value = (f"<div class='cc-error' role='status'><p>⚠ {escape(self.session.last_error)}</p>"
                                 "</div>")
        elif self.store is None:
            self.notice.value = ("<div class='cc-error' role='status'><p>⚠ Progress cannot be saved right now. "
                                 "You can still use every lesson. Please tell the clinic staff.</p></div>")
        else:
            self.notice.value = ""


def _close_tree(widget) -> None:
    """Close a widget and everything inside it: closing a box leaves its children open, and closing a
    control leaves its layout and style widgets open."""
    stack, seen = [widget], set()
    while stack:
        current = stack.pop()
        if id(current) in seen or not isinstance(current, w.Widget):
            continue
        seen.add(id(current))
        stack.extend(getattr(current, "children", ()) or ())
        stack.extend(getattr(current, name, None) for name in ("layout", "style"))
        try:
            current.close()
        except Exception:  # already closed
            pass


def _query_value(search: str, name: str) -> str:
    from urllib.parse import parse_qs

    values = parse_qs(search.lstrip("?")).get(name, [])
    return values[0][:40] if values else ""


def _open_store():
    from .store import Store, StoreError

    try:
        return Store()
    except StoreError:
        log.exception("progress store unavailable")
        return None


def run():
    """Entry point for the app notebook: build the app and return its widget."""
    try:
        return CourseApp().widget
    except Exception:
        log.exception("the app could not start")
        return widgets.friendly_error("The course could not start.")
