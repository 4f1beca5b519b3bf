"""The course app: one page (one kernel) per learner hosting the start page and every lesson.

Moving between lessons and steps swaps widgets in this kernel; no page load. Progress is saved in the SQLite
store and derived from events. The browser keeps a long random token (sent by a small message-based widget,
see widgets.Bridge) so a learner returning on the same browser resumes without any login. Under a JupyterHub that
opts in (CAREGIVER_IDENTITY=hub), the Hub's user name identifies the learner instead, on every device.

The start page is built once, with what the kernel knows, and later only its text changes in place, so a
learner typing into it never loses focus or letters. Lesson widgets are cached per learner; navigation
closes the widgets it drops for good.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from html import escape

import ipywidgets as w

from .. import content as content_mod
from ..learning import practice, progress
from ..store import StoreError, ratelimit, session
from ..workshop.results import clean_nickname
from . import widgets
from .comfort import Comfort
from .history import History, page_place
from .home import HomePage, PracticePage, TablePage
from .journal import JournalPage
from .lesson import help_now
from .lesson_nav import LessonNavigation, LessonSteps
from .page_request import hub_user, open_store, query_value, wait_for_page_request
from .questions import QuestionView
from .widgets import Panel, html, safe_callback

log = logging.getLogger("caregiver_course")

PREFETCH_DELAY = 0.8  # seconds after a page is shown

WRONG_CODE_DELAY = 0.5  # seconds


def close_tree(widget) -> None:
    """Close a widget and everything inside it, so its comms go away with it: closing a box leaves its
    children open, and closing a control leaves its layout and style widgets open."""
    stack, seen = [widget], set()
    while stack:
        current = stack.pop()
        if id(current) in seen or not isinstance(current, w.Widget):
            continue
        seen.add(id(current))
        stack.extend(getattr(current, "children", ()) or ())
        stack.extend(getattr(current, name, None) for name in ("layout", "style"))
        if isinstance(current, QuestionView):
            stack.append(current.choices)
        try:
            current.close()
        except Exception:  # already closed
            pass


class CourseApp(LessonNavigation):
    """Builds and runs the app. ``CourseApp().widget`` is what the app notebook shows."""

    def __init__(self, store=None):
        self.content = content_mod.get()
        self.store = store if store is not None else open_store()
        self.session = session.StoreSession(self.store)
        self.session.listener = self._on_change  # a failed save is said at once, not on the next page
        self.lesson_cache: dict[str, LessonSteps] = {}
        self.current: str | None = None
        self.step = 0
        self.workshop = None
        self.nickname = ""
        self.pending_join = ""
        self._store_failed = False
        self.journal = None  # the journal's page, built when first opened
        self.table_page = None  # "What is normal, what is urgent": the whole side-effect table, built when first opened
        self.practice_page = None  # the "Practise again" page, built each time it is opened
        self.visit_started = time.time()  # this visit began when the page got its learner (see _become)

        self.identity = widgets.Bridge(self._on_hello)
        self.history = History(self)  # the browser's Back, Forward and address follow the app (history.py)
        self.notice = html("", "cc-notice")
        self.banner = html("", "cc-workshop-banner")
        self.announce = html("", "cc-announce")
        home = w.Button(description="⌂ Home", tooltip="Go to the start page")
        home.add_class("cc-home-button")
        home.on_click(safe_callback(lambda _: self.show_home()))
        brand = html(f"<p><strong>Caregiver course</strong> · {escape(self.content.clinic.shown('clinic_name'))}</p>")
        top = w.HBox([brand, Comfort(), home])
        top.add_class("cc-topbar")
        self._build_lesson_furniture()
        self.stage = w.VBox()
        self.stage.add_class("cc-stage")
        self.home = HomePage(self)
        self.widget = Panel(
            [
                self.identity,
                self.history,
                top,
                self.banner,
                self.notice,
                self.announce,
                self.stage,
                help_now(self.show_table),
            ],
            summary="Caregiver course app",
            classes=("cc-app",),
        )
        self.show_home()
        self._take_query_string()

    # ------------------------------------------------------------------ identity and the page's address

    def _on_hello(self, hello: dict) -> str | None:
        """The browser says hello with its saved token (if any): resume that learner, or make a new one."""
        token = str(hello.get("token") or "")[:200]
        self.session.origin = str(hello.get("origin") or "")[:200]
        if self.store is None:  # it could not be opened when the page was prepared: try again now
            self.store = self.session.store = open_store()
            self._show_save_problem()
        current = self.session.learner
        user = hub_user()
        if current is not None and (user or token in ("", current.token)):
            self.identity.answer(current.token, current.resume_code)  # a repeated hello: answer again
            return None

        try:
            if user and self.store:  # the Hub says who this is: the browser's saved token does not matter
                learner = self.store.hub_learner(user)
            else:
                learner = self.store.by_token(token) if (self.store and token) else None
                if learner is not None:
                    ratelimit.note_returning_browser(self.store)
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
                log.warning("progress store cannot be used: %s %s", exc, exc.detail)
            self._store_failed = True
            self.session.last_error = (
                "Your progress cannot be saved right now. You can still use every lesson. Please tell the clinic staff."
            )
            self._show_save_problem()
            self.identity.answer("", "")  # the browser stops asking, and keeps the token it has
            return None
        if learner is not None:
            self._become(learner)  # answers the browser itself
        return None

    def new_resume_code(self) -> str:
        """Make a new resume code for this learner (the old one stops working). Returns it."""
        learner = self.session.learner
        code = self.store.new_code_for(learner.id, keep_token=learner.token)
        self.session.learner = dataclasses.replace(learner, resume_code=code)
        self.identity.answer(learner.token, code)
        return code

    def _take_query_string(self) -> None:
        """Read ?workshop=CODE from what Voila gives the kernel. A kernel prepared before anyone asked for
        the page (preheated) learns it when the page is requested: wait for it in the background."""
        if os.environ.get("VOILA_PREHEAT", "False") != "True":
            self.take_query_string(os.environ.get("QUERY_STRING", ""))
            return
        try:
            from tornado.ioloop import IOLoop

            loop = IOLoop.current()
        except Exception:  # not under Voila
            log.debug("no query string from Voila", exc_info=True)
            return

        def wait():
            try:
                query = wait_for_page_request()
            except Exception:
                log.warning("the page's address did not reach the kernel", exc_info=True)
                return
            loop.add_callback(safe_callback(self.take_query_string), query)

        threading.Thread(target=wait, name="cc-query-string", daemon=True).start()

    def take_query_string(self, query: str) -> None:
        code = query_value(query or "", "workshop")
        if not code:
            return
        self.pending_join = code
        if self.session.learner is not None and self.workshop is None:
            self.pending_join = ""
            self.announce.value = f"<p role='status' class='cc-workshop-message'>{escape(self.join_workshop(code))}</p>"

    def _become(self, learner) -> None:
        self.session.adopt(learner)
        # A new visit: what was missed before now comes back. (A preheated kernel was made before the page was
        # asked for, so the visit starts here, not when the app was built.)
        self.visit_started = time.time()
        self.identity.answer(learner.token, learner.resume_code)  # the browser keeps token and code
        if self.workshop is not None:  # a resumed or fresh learner stays in the room's workshop
            self._join(self.workshop, self.nickname)
        elif self.pending_join:
            code, self.pending_join = self.pending_join, ""
            self.join_workshop(code)
        for steps in self.lesson_cache.values():  # option order and saved answers depend on the learner
            for x in steps.widgets():
                close_tree(x)
        self.lesson_cache.clear()
        if self.current:
            self.show_lesson(self.current, record=False)
        else:
            self.show_home()
        self.history.after_become()  # the page was opened at a step's address: show that step

    def _limited(self, scope: str) -> str:
        """'' if this page may try a code now, else a message saying how long to wait (see ratelimit.py)."""
        if self.store is None:
            return ""
        wait = ratelimit.wait_seconds(self.store, scope, ratelimit.this_client(self.store))
        if wait <= 0:
            return ""
        return (
            f"✗ There were too many wrong tries. Please wait {ratelimit.as_words(wait)}, then try again. "
            f"If you need help now, use the {widgets.HELP_LABEL} button {widgets.HELP_WHERE}."
        )

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
        try:
            self.store.join_workshop(ws.id, self.session.learner.id, nickname)
        except StoreError as exc:
            self.workshop, self.session.workshop_id = None, None
            self.banner.value = f"<div class='cc-note' role='status'><p>{escape(str(exc))}</p></div>"
            return
        self.workshop, self.nickname, self.session.workshop_id = ws, nickname, ws.id
        who = f" as <bdi>{escape(nickname)}</bdi>" if nickname else ""
        self.banner.value = (
            f"<div class='cc-note' role='status'><p>👥 You are in workshop "
            f"<strong>{escape(ws.join_code)}</strong>{who}. Your quiz answers count for the "
            "group, without your name. No one sees your own score.</p></div>"
        )
        self.home.update()

    def _check_signed_in(self) -> bool:
        """False (and this device starts afresh, with a plain message) if this device was signed out: a new
        resume code was made on another device, which signs out the devices added with the old code."""
        learner = self.session.learner
        if self.store is None or learner is None or not learner.token or hub_user():
            return True
        if self.session.device_ok():  # a database that cannot be read counts as yes: writes are checked again
            return True
        log.info("a device was signed out by a new resume code")
        self.session.signed_out = False
        self.session.learner, self.session.events, self.session.pending = None, [], []
        self.workshop, self.session.workshop_id, self.banner.value = None, None, ""
        self.current = None
        try:
            self._become(self.store.new_learner())
        except StoreError:
            self.identity.answer("", "")
        self.announce.value = (
            "<p role='status' aria-live='polite' class='cc-signed-out'>This device was signed out, because a new "
            "resume code was made for that progress. To go on with it here, type the new resume code under "
            "<em>Your code and your data</em>. Or simply start afresh.</p>"
        )
        return False

    def _check_workshop_open(self) -> None:
        """A phone learns that the facilitator closed the workshop (checked when the learner does something)."""
        if self.workshop is None or self.store is None:
            return
        fresh = self.store.workshop(self.workshop.id)
        if fresh is not None and fresh.is_open:
            return
        code = self.workshop.join_code
        self.workshop, self.session.workshop_id = None, None
        self.banner.value = (
            f"<div class='cc-note cc-workshop-closed' role='status'><p>👥 Workshop "
            f"<strong>{escape(code)}</strong> has ended. Your answers no longer count for the "
            "group. They still count for your own progress.</p></div>"
        )
        self.home.update()

    def leave_workshop(self) -> str:
        self.workshop, self.session.workshop_id, self.banner.value = None, None, ""
        self.home.update()
        return "✓ You left the workshop. Your progress is still yours."

    def delete_my_data(self) -> str:
        self.workshop, self.session.workshop_id, self.banner.value = None, None, ""
        n = self.session.forget()
        user = hub_user()
        learner = (self.store.hub_learner(user) if user else self.store.new_learner()) if self.store else None
        if learner:
            self._become(learner)
        return (
            f"✓ Your data was deleted ({n} saved answers and steps removed). "
            "You have a fresh start with a new resume code."
        )

    # ------------------------------------------------------------------ pages

    def journal_on(self) -> bool:
        """Has this learner turned the observation journal on? (False when it cannot be read.)"""
        if self.store is None or self.session.learner is None:
            return False
        try:
            return self.store.journal_is_on(self.session.learner.id)
        except StoreError:
            log.warning("journal state could not be read", exc_info=True)
            return False

    def show_tools(self) -> None:
        """The take-home tools' own page: support plan, triage cards, calendar and the way to the journal."""
        if not self._check_signed_in():
            return
        self.current = None
        self.home.tools.update()
        self.stage.children = [self.home.tools.widget]
        self._show_save_problem()
        self.history.mark(page_place("tools"))

    def show_journal(self) -> None:
        """The observation journal's own page (built the first time it is opened)."""
        if not self._check_signed_in():
            return
        if self.journal is None:
            self.journal = JournalPage(self)
        self.current = None
        self.journal.update()
        self.stage.children = [self.journal.widget]
        self._show_save_problem()
        self.history.mark(page_place("journal"))

    def show_table(self) -> None:
        """ "What is normal, what is urgent": the whole side-effect table as cards, on a page of its own (one tap
        from the start page and from the Help box)."""
        if not self._check_signed_in():
            return
        if self.table_page is None:
            self.table_page = TablePage(self)
        self.current = None
        self.stage.children = [self.table_page.widget]
        self._show_save_problem()
        self.history.mark(page_place("table"))

    def progress(self):
        return progress.lesson_progress(self.content, self.session.events)

    def practice_due(self) -> list:
        """The triage items missed at an earlier visit that come back now (practice.py)."""
        if self.session.learner is None:
            return []
        return practice.due(self.content, self.session.events, self.visit_started)

    def show_practice(self) -> None:
        """A short practice of the items due: answered as in the lesson, saved as normal answers."""
        old = self.practice_page
        seed = f"{self.session.seed}:practice:{time.strftime('%Y-%m-%d')}"  # a new order of choices each day
        with session.bound(self.session):
            self.practice_page = PracticePage(self, self.practice_due(), seed)
        self.current = None
        self.stage.children = [self.practice_page.widget]
        if old is not None:
            close_tree(old.widget)
        self._show_save_problem()
        self.history.mark(page_place("practice"))

    def _practising(self) -> bool:
        return self.practice_page is not None and self.practice_page.widget in self.stage.children

    def _close_practice(self) -> None:
        if self.practice_page is not None:
            close_tree(self.practice_page.widget)
            self.practice_page = None

    def _forget_lessons(self, lesson_ids) -> None:
        """Drop these lessons' built widgets: they show answers from when they were built."""
        for lesson_id in lesson_ids:
            steps = self.lesson_cache.pop(lesson_id, None)
            for x in steps.widgets() if steps else ():
                close_tree(x)

    def show_home(self) -> None:
        self.current = None
        if not self._check_signed_in():
            return  # it showed the start page of the fresh learner
        self._check_workshop_open()
        target = self.home.update()
        if self.stage.children != (self.home.widget,):
            self.stage.children = [self.home.widget]
        self._close_practice()  # after it has left the page
        self._show_save_problem()
        self.history.mark("")
        if target and self.session.learner is not None:
            self._prefetch(self.content.lesson(target).number)

    def _on_change(self) -> None:
        """Something was recorded: update counts in place (never rebuild what the learner is using)."""
        if self.session.signed_out and not self._check_signed_in():
            return
        self._show_save_problem()
        self._check_workshop_open()
        if self.current:
            self._update_lesson_furniture()
        elif self._practising():  # an answer given in the practice: the lesson shows it when opened next
            self._forget_lessons(self.practice_page.lessons)

    def _show_save_problem(self) -> None:
        if self.session.last_error:
            self.notice.value = f"<div class='cc-error' role='status'><p>⚠ {escape(self.session.last_error)}</p></div>"
        elif self.store is None:
            self.notice.value = (
                "<div class='cc-error' role='status'><p>⚠ Progress cannot be saved right now. "
                "You can still use every lesson. Please tell the clinic staff.</p></div>"
            )
        else:
            self.notice.value = ""


def run():
    """Entry point for the app notebook: build the app and return its widget."""
    try:
        return CourseApp().widget
    except Exception:
        log.exception("the app could not start")
        return widgets.friendly_error("The course could not start.")
