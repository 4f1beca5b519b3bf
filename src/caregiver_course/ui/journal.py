"""The observation journal page: one entry per day (mood, sleep, signs noticed), an entry can be edited, a
summary line, the red emergency box with the numbers to call when an urgent sign is ticked, and export to
PDF and CSV. Turned on by the learner; never reaches a facilitator or a workshop."""

from __future__ import annotations

import datetime as dt
from html import escape

import ipywidgets as w

from ..store import StoreError
from ..toolkit import journal as J
from ..toolkit import worker
from ..toolkit.triage_card import WORDS
from .links import GROUP_ICONS, actions_html
from .takehome import SIGNED_OUT
from .widgets import Choices, Download, Panel, Refused, button, html, safe_callback

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
        # Each cell names its column (data-label): on a phone the rows are cards and the header row is hidden.
        rows = "".join(
            f"<tr><th scope='row'>{escape(_day(e['day']))}</th><td data-label='Mood'>{e['mood']}</td>"
            f"<td data-label='Sleep (hours)'>{e['sleep']:g}</td>"
            f"<td data-label='Session'>{'yes' if e.get('session') else 'no'}</td>"
            f"<td data-label='Side effects'>{escape(', '.join(J.effect_names(e, c))) or 'none'}</td>"
            f"<td data-label='Note'>{escape(e.get('note', ''))}</td></tr>"
            for e in reversed(entries[-7:])
        )
        self.table.value = (
            "<table class='cc-se-table'><caption>The last 7 entries</caption><thead><tr><th scope='col'>Day</th>"
            "<th scope='col'>Mood</th><th scope='col'>Sleep (hours)</th><th scope='col'>Session</th>"
            f"<th scope='col'>Side effects</th><th scope='col'>Note</th></tr></thead><tbody>{rows}</tbody></table>"
        )

    def _pdf(self):
        entries = self.entries()
        if not entries:
            raise Refused("Add an entry first.")
        return worker.make("journal", entries=entries)

    def _csv(self):
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
