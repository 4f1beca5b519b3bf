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
from .widgets import Download, Panel, Refused, button, html, safe_callback

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


SIGNED_OUT = "This device was signed out, because a new resume code was made. Go to the start page."


def _checked(sess, content) -> dict[str, set[str]]:
    if hasattr(sess, "device_ok") and not sess.device_ok():
        raise Refused(SIGNED_OUT)
    return {cid: sess.checked(cid) for cid in content.checklists}


def plan_buttons(sess) -> list:
    def make_pdf():
        from ..toolkit import worker

        c = content_mod.get()
        checked = {k: sorted(v) for k, v in _checked(sess, c).items()}
        return worker.make("plan", checked=checked, sessions=[s.isoformat() for s in sess.planned])

    def make_html():
        from ..toolkit import plan

        c = content_mod.get()
        return plan.plan_html(c, _checked(sess, c), sess.planned)

    return [
        Download("⬇ My support plan (PDF)", make_pdf, "my-support-plan.pdf"),
        Download("🖨 Print my support plan", make_html, action="print"),
    ]


def card_buttons(sess) -> list:
    def maker(size):
        def make():
            from ..toolkit import worker

            return worker.make("card", size=size, url=course_url(sess, content_mod.get().clinic))

        return make

    return [
        Download("⬇ Triage card, wallet size (PDF)", maker("wallet"), "triage-card-wallet.pdf"),
        Download("⬇ Triage card, fridge size (PDF)", maker("fridge"), "triage-card-fridge.pdf"),
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
        from ..toolkit.calendar import parse_session

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
        from ..toolkit.calendar import calendar_ics

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


# --------------------------------------------------------------------------- the start page's tools


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
    """Shown when every lesson is done: lessons, quiz results and key points, and a certificate PDF."""

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
        from ..toolkit import certificate

        return certificate.summary(self.app.content, self.app.session.events)

    def update(self) -> None:
        from ..toolkit import certificate

        lines = self.lines()
        done = certificate.all_done(lines)
        wanted = None if done else "none"
        if self.widget.layout.display != wanted:
            self.widget.layout.display = wanted
        if not done:
            return
        rows = "".join(
            f"<li><strong>Lesson {x.number}: {escape(x.title)}</strong>: ✓ done · quiz {x.correct} of {x.total} "
            f"right<details><summary>Key points</summary><ul>"
            + "".join(f"<li>{escape(k)}</li>" for k in x.key_points)
            + "</ul></details></li>"
            for x in lines
        )
        right, total = sum(x.correct for x in lines), sum(x.total for x in lines)
        value = (
            "<h2>Your completion record</h2><p><strong>✓ You finished every lesson.</strong> Quizzes: "
            f"{right} of {total} right.</p><ul>{rows}</ul>"
        )
        if self.summary.value != value:
            self.summary.value = value

    def _make(self):
        from ..toolkit import certificate

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

        from ..toolkit import strip_controls, worker

        name = " ".join(strip_controls(self.name.value or "").split())[:60]
        return worker.make("certificate", lines=[asdict(x) for x in lines], code=code, day=today.isoformat(), name=name)


# --------------------------------------------------------------------------- the observation journal

JOURNAL_INTRO = (
    "<h2>Observation journal</h2>"
    "<p>The journal is a private place to note, once a day, how your loved one seems: their mood, their sleep, "
    "side effects and whether there was a session. It takes under a minute.</p>"
    "<ul><li><strong>Why:</strong> small changes are easy to forget. A chart of the last weeks helps the care "
    "team see them in a minute.</li>"
    "<li><strong>What is saved:</strong> the day, mood (1 to 5), hours of sleep, the side effects you pick, "
    "session days and a short note. It is saved on the course's server under your random code, not your "
    "name. Do not write names in the note.</li>"
    "<li><strong>Who sees it:</strong> only you, on this course. Not a workshop facilitator, and not workshop "
    "results. The care team sees it only if you download it and give it to them.</li>"
    "<li><strong>Stop at any time:</strong> turning the journal off deletes every entry. Delete my data also "
    "deletes it.</li></ul>"
    "<p>The journal does not replace calling for help. If something worries you, use the Help button.</p>"
)


def _options(pairs) -> list:
    return [[label, str(value)] for value, label in pairs]


class JournalPage:
    """The journal's own page: the plain-words screen until it is turned on, then entry, trend and export."""

    def __init__(self, app):
        from ..toolkit import journal as J
        from .widgets import Choices

        self.app = app
        c = app.content
        self.intro = html(JOURNAL_INTRO, "cc-journal-intro")
        turn_on = button("Turn on the journal", "cc-journal-on", "primary")
        not_now = button("Not now", "cc-journal-not-now")
        turn_on.on_click(safe_callback(self._turn_on))
        not_now.on_click(safe_callback(lambda _: app.show_home()))
        self.off_view = [self.intro, w.Box([turn_on, not_now])]
        self.off_view[1].add_class("cc-field-row")

        self.day = w.DatePicker(description="Day:", value=dt.date.today())
        self.day.style.description_width = "initial"
        self.day.add_class("cc-journal-day")
        self.mood = Choices(
            kind="single", prompt="Their mood today", prompt_id="cc-j-mood", options=_options(J.MOODS.items()), value=""
        )
        self.sleep = Choices(
            kind="single",
            prompt="About how many hours did they sleep last night?",
            prompt_id="cc-j-sleep",
            options=[[J.sleep_label(h), str(h)] for h in J.SLEEP],
            value="",
        )
        self.effects = Choices(
            kind="multi",
            prompt="Side effects you noticed (optional)",
            prompt_id="cc-j-effects",
            hint="Choose all that you noticed.",
            options=[[c.clinic.fill(r.name), r.id] for r in c.side_effects],
            value=[],
        )
        self.session_day = Choices(
            kind="multi",
            prompt="Session",
            prompt_id="cc-j-session",
            options=[["There was a treatment session this day", "yes"]],
            value=[],
        )
        self.note = w.Text(description="Short note (optional, no names):", placeholder="for example: quiet day")
        self.note.style.description_width = "initial"
        self.note.continuous_update = False
        self.note.add_class("cc-journal-note")
        save = button("Save this entry", "cc-journal-save", "primary")
        self.saved = html("", "cc-journal-result")
        save.on_click(safe_callback(self._save, self.saved))
        # Beside the button: what will be saved (a phone shows the ticks screens above), and, for a sign from
        # the emergency or crisis group, what to do now with the number to tap.
        self.editing = html("", "cc-journal-editing")
        self.summary = html("", "cc-journal-summary")
        self.alert = html("", "cc-journal-alert-box")
        self._loaded = ""  # the day whose saved entry the form shows (to edit), or ""
        self.day.observe(safe_callback(self._day_changed, self.saved), "value")
        for field in (self.mood, self.sleep, self.effects, self.session_day, self.note):
            field.observe(safe_callback(self._form_changed, self.saved), "value")
        save_row = w.Box([save, self.summary])
        save_row.add_class("cc-field-row")
        save_row.add_class("cc-journal-save-row")
        self.trend = html("", "cc-journal-chart")
        self.flags = html("", "cc-journal-flags")
        self.table = html("", "cc-journal-table")
        exports = [
            html(
                "<h3>For the care team</h3><p>One page with the chart and the last two weeks, or every entry "
                "as a spreadsheet file (CSV).</p>"
            ),
            Download("⬇ Journal for the care team (PDF)", self._pdf, "journal-for-care-team.pdf"),
            Download("⬇ Journal entries (CSV)", self._csv, "journal.csv", "text/csv"),
        ]
        off = button("Turn off and delete the journal", "cc-journal-off")
        confirm = button("Yes, delete every entry", "cc-journal-off-confirm", "danger")
        confirm.layout.display = "none"
        self.off_result = html("", "cc-journal-off-result")
        off.on_click(safe_callback(lambda _: setattr(confirm.layout, "display", None), self.off_result))
        confirm.on_click(safe_callback(self._turn_off, self.off_result))
        self._confirm = confirm
        self.on_view = [
            html(
                "<h2>Observation journal</h2><p>Add one entry a day. A second entry for the same day replaces "
                "the first.</p>"
            ),
            Panel(
                [
                    self.day,
                    self.editing,
                    self.mood,
                    self.sleep,
                    self.effects,
                    self.session_day,
                    self.note,
                    self.alert,
                    save_row,
                    self.saved,
                ],
                summary="Journal entry",
                classes=("cc-card", "cc-journal-form"),
            ),
            Panel([self.trend, self.flags, self.table], summary="Journal trend", classes=("cc-card",)),
            Panel(exports, summary="Journal export", classes=("cc-card",)),
            off,
            confirm,
            self.off_result,
        ]
        self.widget = Panel([], summary="Observation journal", classes=("cc-journal",))

    # -- state

    def entries(self) -> list[dict]:
        app = self.app
        if app.store is None or app.session.learner is None or not app._check_signed_in():
            return []
        return app.store.journal_entries(app.session.learner.id)

    def update(self) -> None:
        on = self.app.journal_on()
        wanted = tuple(self.on_view if on else self.off_view)
        if self.widget.children != wanted:
            self.widget.children = wanted
        if on:
            if not self._loaded and self._form_empty():  # a day that has an entry opens it to edit
                self._day_changed()
            self._form_changed()
            self._draw()

    def _need_store(self):
        app = self.app
        if not app._check_signed_in():
            raise Refused(SIGNED_OUT)
        if app.store is None or app.session.learner is None:
            raise Refused("The journal cannot be used right now, because progress cannot be saved. Try later.")
        return app.store, app.session.learner.id

    def _turn_on(self, _=None) -> None:
        try:
            store, lid = self._need_store()
            store.set_journal_on(lid, True)
        except Refused as exc:
            self.intro.value = JOURNAL_INTRO + f"<p role='status' class='cc-error'>⚠ {escape(str(exc))}</p>"
            return
        self.update()

    def _turn_off(self, _=None) -> None:
        store, lid = self._need_store()
        store.set_journal_on(lid, False)
        self._confirm.layout.display = "none"
        self.app.announce.value = (
            "<p role='status' aria-live='polite' class='cc-journal-deleted'>✓ The journal is off, and its "
            "entries are deleted.</p>"
        )
        self.app.show_home()

    def _save(self, _=None) -> None:
        from ..store import StoreError
        from ..toolkit import journal as J

        raw = {
            "day": self.day.value,
            "mood": self.mood.value,
            "sleep": self.sleep.value,
            "effects": self.effects.value,
            "session": "yes" in (self.session_day.value or []),
            "note": self.note.value,
        }
        try:
            store, lid = self._need_store()
            day, entry = J.clean_entry(raw, self.app.content)
            store.add_journal_entry(lid, day, entry)
        except (J.EntryError, Refused) as exc:
            self.saved.value = f"<p role='status' aria-live='polite' class='cc-feedback-hint'>ℹ {escape(str(exc))}</p>"
            return
        except StoreError as exc:
            self.saved.value = f"<p role='status' aria-live='polite' class='cc-error'>⚠ {escape(str(exc))}</p>"
            return
        urgent = _urgent_box(self.app.content, entry["effects"], saved=True)
        verb = "Updated" if self._loaded == day else "Saved"
        if urgent:  # never only a green "Saved": the action and the number come first
            self.saved.value = (
                f"<div role='status' aria-live='polite'><p>{verb} the entry for {escape(_day(day))}.</p>{urgent}</div>"
            )
        else:
            self.saved.value = (
                f"<p role='status' aria-live='polite' class='cc-feedback-correct'>✓ {verb} the entry for "
                f"{escape(_day(day))}. The form is ready for the next day.</p>"
            )
        self._fresh_form()
        nxt = min(dt.date.fromisoformat(day) + dt.timedelta(days=1), dt.date.today())
        if nxt.isoformat() == day:  # today's entry was saved: the form stays fresh, and says what saving does
            self.editing.value = (
                "<p class='cc-note'>ℹ Today's entry is saved. To change it, fill in the form again: saving "
                "replaces today's entry.</p>"
            )
        elif self.day.value != nxt:
            self.day.value = nxt  # loads that day's entry if it has one
        self._draw()

    # -- the form

    def _form_empty(self) -> bool:
        return (
            not (self.mood.value or self.sleep.value or self.effects.value or self.session_day.value)
            and not (self.note.value or "").strip()
        )

    def _fresh_form(self) -> None:
        """Every answer back to empty (the date is left as it is)."""
        self._loaded = ""
        self.mood.show("")
        self.sleep.show("")
        self.effects.show([])
        self.session_day.show([])
        self.note.value = ""
        self.editing.value = ""

    def _day_changed(self, _=None) -> None:
        """A day with a saved entry opens it to edit; leaving such a day gives a fresh form."""
        from ..toolkit import journal as J

        day = self.day.value.isoformat() if isinstance(self.day.value, dt.date) else ""
        entry = next((e for e in self.entries() if e["day"] == day), None) if day else None
        if entry is None:
            if self._loaded:
                self._fresh_form()
            self.editing.value = ""
            return
        sleep = min(J.SLEEP, key=lambda h: abs(h - float(entry["sleep"])))
        self.mood.show(str(entry["mood"]))
        self.sleep.show(str(sleep))
        known = {r.id for r in self.app.content.side_effects}
        self.effects.show([x for x in entry.get("effects", []) if x in known])
        self.session_day.show(["yes"] if entry.get("session") else [])
        self.note.value = entry.get("note", "")
        self._loaded = day
        self.editing.value = (
            f"<p role='status' aria-live='polite' class='cc-note'>✎ This day already has an entry: it is "
            f"shown below to change. Saving replaces it ({escape(_day(day))}).</p>"
        )

    def _form_changed(self, _=None) -> None:
        """The one-line summary beside Save, and the red box for an emergency or crisis sign."""
        from ..toolkit import journal as J

        c = self.app.content
        parts = []
        day = self.day.value
        parts.append(escape(_day(day.isoformat())) if isinstance(day, dt.date) else "no day chosen")
        mood = J.MOODS.get(int(self.mood.value)) if str(self.mood.value or "").isdigit() else None
        parts.append(f"mood {escape(mood)}" if mood else "mood not chosen")
        sleep = self.sleep.value
        parts.append(f"sleep {escape(J.sleep_label(float(sleep)))}" if _is_number(sleep) else "sleep not chosen")
        parts.append("session day" if "yes" in (self.session_day.value or []) else "no session")
        names = J.effect_names({"effects": list(self.effects.value or [])}, c)
        parts.append(escape(", ".join(names)) if names else "no side effects")
        if (self.note.value or "").strip():
            parts.append("a note")
        summary = f"<p class='cc-journal-summary-text'><strong>Will save:</strong> {' · '.join(parts)}.</p>"
        if self.summary.value != summary:
            self.summary.value = summary
        urgent = _urgent_box(c, list(self.effects.value or []))
        if self.alert.value != urgent:
            self.alert.value = urgent

    def _draw(self) -> None:
        from ..toolkit import journal as J

        c = self.app.content
        entries = self.entries()
        if not entries:
            self.trend.value = "<h3>How things are going</h3><p>No entries yet. The chart appears after the first.</p>"
            self.flags.value = self.table.value = ""
            return
        recent = entries[-28:]
        self.trend.value = (
            f"<h3>How things are going</h3><p>{escape(J.summary_text(recent))} On the chart, S marks a session "
            f"day.</p>{J.chart_svg(recent)}"
        )
        found = J.flags(entries, c)
        if found:
            from ..toolkit.triage_card import WORDS
            from .links import GROUP_ICONS, actions_html

            items = "".join(
                f"<li class='cc-journal-flag cc-journal-flag-{f.group}'><strong><span aria-hidden='true'>"
                f"{GROUP_ICONS[f.group]}</span> {escape(WORDS[f.group])}: {escape(_day(f.day))}: {escape(f.sign)}"
                f"</strong>. What to do: {escape(f.advice)}{actions_html(c.clinic, f.group)}</li>"
                for f in found[:10]
            )
            self.flags.value = (
                "<h3>Signs to act on</h3><p>You noted signs that the side-effect table says to act on. If you "
                f"have not yet, do what it says:</p><ul>{items}</ul>"
            )
        else:
            self.flags.value = ""
        rows = "".join(
            f"<tr><th scope='row'>{escape(_day(e['day']))}</th><td>{e['mood']}</td><td>{e['sleep']:g}</td>"
            f"<td>{'yes' if e.get('session') else ''}</td><td>{escape(', '.join(J.effect_names(e, c)))}</td>"
            f"<td>{escape(e.get('note', ''))}</td></tr>"
            for e in reversed(entries[-7:])
        )
        self.table.value = (
            "<table class='cc-se-table'><caption>The last 7 entries</caption><thead><tr><th scope='col'>Day</th>"
            "<th scope='col'>Mood</th><th scope='col'>Sleep (hours)</th><th scope='col'>Session</th>"
            f"<th scope='col'>Side effects</th><th scope='col'>Note</th></tr></thead><tbody>{rows}</tbody></table>"
        )

    def _pdf(self):
        from ..toolkit import worker

        entries = self.entries()
        if not entries:
            raise Refused("Add an entry first.")
        return worker.make("journal", entries=entries)

    def _csv(self):
        from ..toolkit import journal as J

        entries = self.entries()
        if not entries:
            raise Refused("Add an entry first.")
        return J.to_csv(entries, self.app.content)


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


URGENT = {"emergency": "Emergency sign", "crisis": "Crisis sign"}


def _urgent_box(content, effects, saved: bool = False) -> str:
    """A red box (icon and words, not colour alone) for ticked emergency or crisis signs: what to do now,
    with the numbers as tel:/sms: links. '' when none is ticked."""
    from .links import GROUP_ICONS, actions_html

    rows = {r.id: r for r in content.side_effects}
    parts = []
    for group in ("emergency", "crisis"):
        names = [content.clinic.fill(rows[e].name) for e in effects if e in rows and rows[e].group == group]
        if names:
            parts.append(
                f"<p><strong><span aria-hidden='true'>{GROUP_ICONS[group]}</span> {URGENT[group]}: "
                f"{escape('; '.join(names))}.</strong> "
                + ("Do not wait for the visit." if saved else "Do this now, then save the entry.")
                + f"</p>{actions_html(content.clinic, group)}"
            )
    if not parts:
        return ""
    role = "" if saved else " role='alert'"
    return f"<div class='cc-journal-alert'{role}>{''.join(parts)}</div>"


def _day(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return f"{d:%A} {d.day} {d:%B}"
