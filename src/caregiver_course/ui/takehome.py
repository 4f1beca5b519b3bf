"""The take-home tools on the page: download buttons and small forms. The files themselves are made by
``toolkit/`` (pure Python, imported only when a file is asked for, so a page that makes no file never loads
the PDF, chart or calendar libraries).

- the support plan (PDF, and a print view) and the triage cards: on the start page and at the end of
  lessons 3, 4, 7 and 8;
- the session calendar (.ics): session dates typed here stay in this page only and are never stored;
- the observation journal (opt-in, its own page): only this learner's page reads it;
- the completion record and certificate: on the start page once every lesson is done.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from html import escape

import ipywidgets as w

from .. import content as content_mod
from ..toolkit import certificate, plan, strip_controls, worker
from ..toolkit.calendar import calendar_ics, parse_session
from ..toolkit.certificate import COURSE_TITLE
from .widgets import Download, Panel, Refused, Share, button, html, safe_callback

log = logging.getLogger("caregiver_course")

APP_PATH = "/voila/render/course.ipynb"

ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]{1,100}$")

LESSON_TOOLS = {"practical": ("plan", "calendar"), "side-effects": ("cards", "plan"), "self-care": ("plan",)}
LESSON_TOOLS["informed"] = ("plan", "completion-note")
MAX_SESSIONS = 30


def course_url(sess, clinic) -> str:
    """Where the QR code points: the clinic's course_url, else the address of this page."""
    if clinic.value("course_url"):
        return clinic.value("course_url")
    origin = getattr(sess, "origin", "") or ""
    return (origin if ORIGIN.match(origin) else "http://localhost:8866") + APP_PATH


def share_course(clinic) -> Share:
    """ "Send the course to someone": the course's own address (the clinic's course_url, else this server's app
    path), never this page's address with its codes."""
    return Share(
        "📤 Send the course to someone",
        COURSE_TITLE,
        "A short course for family and friends of someone having ketamine treatment: what to expect, how to help, "
        "and when to get help.",
        clinic.value("course_url") or APP_PATH,
    )


SIGNED_OUT = "This device was signed out, because a new resume code was made. Go to the start page."


def _checked(sess, content) -> dict[str, set[str]]:
    if hasattr(sess, "device_ok") and not sess.device_ok():
        raise Refused(SIGNED_OUT)
    return {cid: sess.checked(cid) for cid in content.checklists}


def plan_buttons(sess) -> list:
    def make_pdf():
        c = content_mod.get()
        checked = {k: sorted(v) for k, v in _checked(sess, c).items()}
        return worker.make("plan", checked=checked, sessions=[s.isoformat() for s in sess.planned])

    def make_html():
        c = content_mod.get()
        return plan.plan_html(c, _checked(sess, c), sess.planned)

    return [
        Download("⬇ My support plan (PDF)", make_pdf, "my-support-plan.pdf"),
        Download("🖨 Print my support plan", make_html, action="print"),
        Download("📤 Send my support plan", make_pdf, "my-support-plan.pdf", action="share"),
    ]


def card_buttons(sess) -> list:
    def maker(size):
        def make():
            return worker.make("card", size=size, url=course_url(sess, content_mod.get().clinic))

        return make

    return [
        Download("⬇ Triage card, wallet size (PDF)", maker("wallet"), "triage-card-wallet.pdf"),
        Download("⬇ Triage card, fridge size (PDF)", maker("fridge"), "triage-card-fridge.pdf"),
        Download("📤 Send the triage card", maker("fridge"), "triage-card.pdf", action="share"),
    ]


def plan_intro() -> w.HTML:
    return html(
        "<h3>Your support plan</h3><p>One or two pages with what you ticked in the checklists, the clinic's "
        "numbers and your session dates. Empty boxes are left to fill in by hand. Print it, or keep it on "
        "your phone.</p>"
    )


def cards_intro() -> w.HTML:
    return html(
        "<h3>The triage card</h3><p>When to get help, in four groups, with the numbers to call. Keep the small "
        "one in a wallet and the big one on the fridge. It matches the table in lesson 4.</p>"
    )


class CalendarBox:
    """Type each planned session's date and start time; download them as a calendar file with reminders."""

    def __init__(self, sess):
        self.sess = sess
        self.date = w.DatePicker(description="Session date:")
        self.time = w.TimePicker(description="Start time:", value=dt.time(9, 0))
        for field in (self.date, self.time):
            field.style.description_width = "initial"
        self.date.add_class("cc-cal-date")
        self.time.add_class("cc-cal-time")
        add = button("Add this session", "cc-cal-add")
        remove = button("Remove the last one", "cc-cal-remove")
        self.result = html("", "cc-cal-result")
        self.listing = html("", "cc-cal-list")
        add.on_click(safe_callback(self._add, self.result))
        remove.on_click(safe_callback(self._remove, self.result))
        self.download = Download("⬇ Session calendar (.ics)", self._make, "session-calendar.ics", "text/calendar")
        intro = html(
            "<h3>Session calendar</h3><p>Add each session's date and start time, then download the calendar "
            "file and open it on your phone. It adds each session, and reminders: when to stop eating and "
            "drinking (the evening before), to arrange the ride home, and how long not to drive after. The "
            "dates stay on this page only; they are not saved.</p>"
        )
        row = w.Box([add, remove])
        row.add_class("cc-field-row")
        self.widget = Panel(
            [intro, self.date, self.time, row, self.result, self.listing, self.download],
            summary="Session calendar",
            classes=("cc-calendar",),
        )
        self._show()

    def _say(self, text: str) -> None:
        self.result.value = f"<p role='status' aria-live='polite'>{escape(text)}</p>"

    def _add(self, _=None) -> None:
        try:
            when = parse_session(self.date.value, self.time.value)
        except ValueError as exc:
            self._say(f"⚠ {exc}")
            return
        if when.date() < dt.date.today() - dt.timedelta(days=1):
            self._say("⚠ That date has passed. Choose a date that is coming up.")
            return
        if when in self.sess.planned:
            self._say("That session is already on the list.")
            return
        if len(self.sess.planned) >= MAX_SESSIONS:
            self._say(f"⚠ The list holds {MAX_SESSIONS} sessions. Download this calendar first.")
            return
        self.sess.planned.append(when)
        self.sess.planned.sort()
        self._say(f"✓ Added: {_when(when)}.")
        self._show()

    def _remove(self, _=None) -> None:
        if self.sess.planned:
            gone = self.sess.planned.pop()
            self._say(f"Removed: {_when(gone)}.")
        self._show()

    def _show(self) -> None:
        planned = self.sess.planned
        if planned:
            items = "".join(f"<li>{escape(_when(s))}</li>" for s in planned)
            self.listing.value = f"<p><strong>Sessions on your calendar ({len(planned)}):</strong></p><ul>{items}</ul>"
        else:
            self.listing.value = "<p>No sessions added yet.</p>"

    def _make(self):
        self._show()
        if not self.sess.planned:
            raise Refused("First add at least one session: choose its date and time, then press Add this session.")
        return calendar_ics(content_mod.get().clinic, list(self.sess.planned))


def _when(s: dt.datetime) -> str:
    return f"{s:%A} {s.day} {s:%B %Y}, {content_mod.get().clinic.clock_time(s)}"


def lesson_tools(lesson_id: str, sess) -> list:
    """The take-home card at the end of lessons 3, 4, 7 and 8 (empty for the others)."""
    tools = LESSON_TOOLS.get(lesson_id)
    if not tools:
        return []
    # Short: the buttons say what each file is, and the start page's "Take it with you" page explains them.
    parts: list = [html("<h2>Take it with you</h2><p>Save these on your phone, or print them and keep them close.</p>")]
    for tool in tools:
        if tool == "plan":
            parts += plan_buttons(sess)
        elif tool == "cards":
            parts += card_buttons(sess)
        elif tool == "calendar":
            parts.append(CalendarBox(sess).widget)
        elif tool == "completion-note":
            parts.append(
                html(
                    "<p>When every lesson is done, the start page shows your completion record: a summary "
                    "and a certificate you can download.</p>"
                )
            )
    return [Panel(parts, summary="Take it with you", classes=("cc-card", "cc-tools"))]


class HomeTools:
    """The start page's "Take it with you" card, and the completion record once every lesson is done."""

    def __init__(self, app):
        self.app = app
        sess = app.session
        self.calendar = CalendarBox(sess)
        journal_open = button("Open my journal", "cc-journal-open")
        journal_open.on_click(safe_callback(lambda _: app.show_journal()))
        self.journal_text = html("", "cc-journal-status")
        home = button("⌂ Back to the start page", "cc-tools-home")
        home.on_click(safe_callback(lambda _: app.show_home()))
        self.widget = Panel(
            [
                html("<h2 class='cc-title' tabindex='-1'>Take it with you</h2>"),
                plan_intro(),
                *plan_buttons(sess),
                cards_intro(),
                *card_buttons(sess),
                self.calendar.widget,
                self.journal_text,
                journal_open,
                home,
            ],
            summary="Take it with you: support plan, triage cards, calendar, journal",
            classes=("cc-card", "cc-tools", "cc-home-tools"),
        )
        # The start page shows only this button (beside "Continue"); the tools have a page of their own, one tap
        # away, so the start page stays short on a phone.
        self.open_button = button("Take it with you: plan, cards, calendar", "cc-tools-open")
        self.open_button.tooltip = (
            "Your support plan, triage cards for your wallet or fridge, a session calendar and a journal"
        )
        self.open_button.on_click(safe_callback(lambda _: app.show_tools()))
        self.completion = CompletionBox(app)

    def update(self) -> None:
        self.calendar._show()
        on = self.app.journal_on()
        text = (
            "<h3>Observation journal</h3><p>Your journal is on. Add today's entry or see how things are going.</p>"
            if on
            else "<h3>Observation journal</h3><p>Optional: a private daily note of mood, sleep and side effects, "
            "with a chart for the care team. It is off until you turn it on.</p>"
        )
        if self.journal_text.value != text:
            self.journal_text.value = text
        self.completion.update()


class CompletionBox:
    """Shown when every lesson is done: lessons, what was practised in each and key points, and a certificate PDF."""

    def __init__(self, app):
        self.app = app
        self.summary = html("", "cc-completion-summary")
        self.name = w.Text(description="Name on the certificate (optional):", placeholder="optional")
        self.name.style.description_width = "initial"
        self.name.continuous_update = False
        self.name.add_class("cc-cert-name")
        note = html("<p>The name is only printed on the certificate. It is not saved.</p>")
        self.download = Download("⬇ My certificate (PDF)", self._make, "certificate.pdf")
        self.widget = Panel(
            [self.summary, self.name, note, self.download],
            summary="Your completion record",
            classes=("cc-card", "cc-completion"),
        )
        self.widget.layout.display = "none"

    def lines(self):
        return certificate.summary(self.app.content, self.app.session.events)

    def update(self) -> None:
        lines = self.lines()
        done = certificate.all_done(lines)
        wanted = None if done else "none"
        if self.widget.layout.display != wanted:
            self.widget.layout.display = wanted
        if not done:
            return
        # What the caregiver practised, in the lesson's own aims: no scores (the course is "for learning, not a test").
        rows = "".join(
            f"<li><strong>Lesson {x.number}: {escape(x.title)}</strong>: ✓ done<p>What you practised:</p><ul>"
            + "".join(f"<li>{escape(p)}</li>" for p in x.practised)
            + "</ul><details><summary>Key points</summary><ul>"
            + "".join(f"<li>{escape(k)}</li>" for k in x.key_points)
            + "</ul></details></li>"
            for x in lines
        )
        value = (
            "<h2>Your completion record</h2><p><strong>✓ You finished every lesson.</strong> Here is what you "
            f"practised.</p><ul>{rows}</ul>"
        )
        if self.summary.value != value:
            self.summary.value = value

    def _make(self):
        app = self.app
        lines = self.lines()
        if not certificate.all_done(lines):
            raise Refused("The certificate is ready when every lesson is done.")
        if not app.session.device_ok():
            raise Refused(SIGNED_OUT)
        if app.store is None or app.session.learner is None:
            raise Refused("The certificate cannot be made right now, because progress cannot be saved. Try later.")
        today = dt.date.today()
        code = certificate.verification_code(app.store.key, app.session.learner.id, today.isoformat())
        from dataclasses import asdict

        name = " ".join(strip_controls(self.name.value or "").split())[:60]
        return worker.make("certificate", lines=[asdict(x) for x in lines], code=code, day=today.isoformat(), name=name)
