"""The facilitator dashboard: start a workshop, show the join code, see how the room answers.

Nothing about the workshop exists in this kernel until the facilitator's secret is accepted (a browser can
read every widget on its page, so no data widget is built before that). No timers, no leaderboard, no
individual scores: only how many people chose each answer, hidden until the facilitator reveals it.
"""

from __future__ import annotations

import hmac
import logging
import time
from html import escape
from pathlib import Path

import ipywidgets as w

from .. import content as content_mod
from ..content.secret import SECRET_ENV, facilitator_secret
from ..learning.quiz import TRIAGE_LABELS
from ..store import Store, data_dir, ratelimit
from ..toolkit import strip_controls
from ..workshop import results as ws_logic
from .room_status import chart_bar, lan_address, ready_places, shorten
from .widgets import Bridge, Panel, button, friendly_error, html, safe_callback, text_field

log = logging.getLogger("caregiver_course")

REFRESH_MS = 2000


def configured_secret() -> str:
    return facilitator_secret()  # environment or a file outside data/, never clinic.yaml


class Dashboard:
    def __init__(self, store=None):
        self.store = store
        self.root = Panel(
            [
                html(
                    "<h1 class='cc-title'>Workshop dashboard</h1>"
                    "<p>For the facilitator. Participants use the course link.</p>"
                )
            ],
            summary="Workshop dashboard",
            classes=("cc-dash",),
        )
        self.origin = ""
        self.identity = Bridge(self._on_hello)
        self.body = w.VBox()
        self.root.children = [*self.root.children, self.identity, self.body]
        self.timer = None
        self.workshop = None
        self.revealed = False
        self.results: dict = {}  # item id -> ItemResult, from the last refresh
        self._last = {}
        self.show_login()

    # ------------------------------------------------------------------ login

    def _on_hello(self, hello: dict) -> str:
        """The page tells us its address (for the join link); the browser's learner token stays as it was."""
        self.origin = str(hello.get("origin") or "")[:200]
        return str(hello.get("token") or "")

    def show_login(self):
        if not configured_secret():
            self.body.children = [
                html(
                    "<div class='cc-note' role='status'><p><strong>No facilitator secret is set.</strong> The person "
                    f"who runs the server sets one with the environment variable {SECRET_ENV} (or a file called "
                    "<code>facilitator_secret</code> in the server's progress folder), then restarts it.</p></div>",
                    "cc-no-secret",
                )
            ]
            return
        password = text_field("Facilitator secret:", "secret", "cc-secret", password=True)
        go = button("Open the dashboard", "cc-login", "primary")
        message = html("", "cc-login-message")
        self.logged_in = False

        def login(_=None):
            given = password.value
            if self.logged_in:
                return
            if not given:  # the button after Enter already sent it, or nothing typed: keep what was said
                if not message.value:
                    message.value = "<p role='status' aria-live='polite'>Type the facilitator secret first.</p>"
                return
            password.value = ""
            store = self._store()
            client = ratelimit.this_client(store)
            wait = ratelimit.wait_seconds(store, "secret", client)
            if wait > 0:  # not checked at all while the limit holds (shared by every kernel, see ratelimit.py)
                message.value = (
                    "<p role='status' aria-live='polite'>✗ Too many wrong tries. Please wait "
                    f"{ratelimit.as_words(wait)}.</p>"
                )
                return
            ok = hmac.compare_digest(given.encode(), configured_secret().encode())
            ratelimit.note(store, "secret", client, ok)
            if ok:
                self.logged_in = True
                self.show_controls()
            else:
                time.sleep(1.0)
                message.value = "<p role='status' aria-live='polite'>✗ That secret is not right.</p>"

        go.on_click(safe_callback(login, message))
        # The box sends its text when Enter is pressed (or when it loses focus): Enter submits.
        password.observe(safe_callback(lambda change: change["new"] and login(), message), names="value")
        self.body.children = [password, go, message]

    # ------------------------------------------------------------------ workshop controls

    def _store(self):
        if self.store is None:
            self.store = Store()
        return self.store

    def show_controls(self):
        title = text_field("Workshop name:", "optional, e.g. Tuesday evening group", "cc-workshop-title")
        start = button("Start a new workshop", "cc-start-workshop", "primary")
        code = text_field("Or continue workshop:", "e.g. OAK-RIVER-42", "cc-continue-code")
        cont = button("Continue", "cc-continue-workshop")
        message = html("", "cc-controls-message")

        def do_start(_):
            self.open_workshop(self._store().create_workshop(title.value.strip()))

        def do_continue(_):
            found = self._store().workshop_by_code(code.value)
            if found is None:
                message.value = "<p role='status'>✗ No workshop with that code.</p>"
            else:
                self.open_workshop(found)

        start.on_click(safe_callback(do_start, message))
        cont.on_click(safe_callback(do_continue, message))
        self.body.children = [html("<h2>Start</h2>"), title, start, code, cont, message]

    def join_link(self, code: str) -> str:
        origin = self.origin or "http://localhost:8866"
        return f"{origin}/voila/render/course.ipynb?workshop={code}"

    def open_workshop(self, workshop):
        import segno

        self.workshop = workshop
        self.revealed = False
        link = self.join_link(workshop.join_code)
        qr = segno.make(link, error="m").svg_inline(scale=4, dark="#000000", light="#ffffff", omitsize=True)
        hint = ""
        if any(h in self.origin for h in ("localhost", "127.0.0.1", "[::1]")) or not self.origin:
            hint = (
                "<p><strong>Note:</strong> this link only works on this computer. Open the dashboard with "
                "this computer's network address (for example http://"
                + escape(lan_address())
                + ":8866/…) so the link works for phones in the room.</p>"
            )
        self.join_panel = html(
            f"<h2>Join</h2><p>Ask the room to open the course and type this code, or scan the QR code:</p>"
            f"<p class='cc-join-code'>{escape(workshop.join_code)}</p>"
            f"<p class='cc-wrap'>Link: <strong class='cc-join-link'>{escape(link)}</strong></p>"
            f"<div class='cc-qr' role='img' aria-label='QR code for the join link'>{qr}</div>{hint}",
            "cc-join",
        )
        self.counts = html("", "cc-counts")
        self.places = html("", "cc-places-line")
        self.nicknames = html("", "cc-nicknames")
        content = content_mod.get()
        self.all_items = [
            (f"Lesson {content.lesson(q.lesson).number}: {shorten(content.clinic.fill(q.prompt))}", q.id, q.lesson)
            for q in sorted(content.questions, key=lambda q: content.lesson(q.lesson).number)
        ]
        lessons = [("All lessons", "")] + [
            (f"Lesson {x.number}: {x.title}", x.id)
            for x in content.lessons
            if any(i[2] == x.id for i in self.all_items)
        ]
        self.lesson_filter = w.Dropdown(options=lessons, description="Lesson:")
        self.lesson_filter.style.description_width = "initial"
        self.lesson_filter.add_class("cc-item-lesson")
        self.search = text_field("Search items:", "a word from the question", "cc-item-search")
        self.search.continuous_update = True
        self.picker = w.Dropdown(
            options=[(label, qid) for label, qid, _ in self.all_items], description="Item to discuss:"
        )
        self.picker.style.description_width = "initial"
        self.picker.layout.width = "100%"
        self.picker.add_class("cc-item-picker")
        self.picker.observe(safe_callback(lambda _: self._select()), names="value")
        self.lesson_filter.observe(safe_callback(lambda _: self._filter()), names="value")
        self.search.observe(safe_callback(lambda _: self._filter()), names="value")
        self.item_count = html("", "cc-item-count")
        self.reveal = button("Reveal answers", "cc-reveal", "primary")
        self.reveal.on_click(safe_callback(lambda _: self._toggle_reveal()))
        self.chart = html("", "cc-chart")
        self.notes = html("", "cc-notes")
        self.missed = html("", "cc-missed")
        self.export_area = html("", "cc-export")
        close = button("Close the workshop", "cc-close-workshop", "danger")
        confirm = button("Yes, close it now", "cc-close-confirm", "danger")
        cancel = button("Cancel", "cc-close-cancel")
        confirm_row = w.HBox([confirm, cancel])
        confirm_row.layout.display = "none"
        self.close_message = html("", "cc-close-message")

        def ask(_):
            confirm_row.layout.display = None
            self.close_message.value = (
                "<p role='status'>Close the workshop? Answers given after this no longer "
                "count for the group. This cannot be undone.</p>"
            )

        def do_close(_):
            confirm_row.layout.display = "none"
            self.close_message.value = ""
            self.close_workshop()

        def do_cancel(_):
            confirm_row.layout.display = "none"
            self.close_message.value = "<p role='status'>The workshop is still open.</p>"

        close.on_click(safe_callback(ask, self.close_message))
        confirm.on_click(safe_callback(do_close, self.export_area))
        cancel.on_click(safe_callback(do_cancel, self.close_message))
        export = button("Export results (CSV)", "cc-export-button")
        export.on_click(safe_callback(lambda _: self.export(), self.export_area))

        # The presenter view (for the projector): only the code, the QR code, the link, the join count and,
        # once revealed, the bars. Notes and "Most missed" stay on the private dashboard.
        # On a projector (landscape) the code runs across the top on one line, the QR code sits on the left
        # and the link, the count and the bars on the right: all on one screen (cc-app.css).
        presenter_code = html(
            f"<p>Open the course and type this code, or scan the QR code:</p>"
            f"<p class='cc-join-code'>{escape(workshop.join_code)}</p>",
            "cc-presenter-code",
        )
        presenter_qr = html(
            f"<div class='cc-qr' role='img' aria-label='QR code for the join link'>{qr}</div>", "cc-presenter-qr"
        )
        presenter_link = html(
            f"<p class='cc-wrap'>Link: <strong class='cc-join-link'>{escape(link)}</strong></p>", "cc-presenter-link"
        )
        self.presenter_counts = html("", "cc-presenter-counts")
        self.presenter_chart = html("", "cc-presenter-chart")
        back = button("← Back to my dashboard", "cc-presenter-back")
        back.on_click(safe_callback(lambda _: self._show_private()))
        self.presenter = Panel(
            [presenter_code, presenter_qr, presenter_link, self.presenter_counts, self.presenter_chart, back],
            summary="Presenter view",
            classes=("cc-presenter",),
        )
        present = button("Show the presenter view (for the projector)", "cc-present", "primary")
        present.on_click(safe_callback(lambda _: self._show_presenter()))
        self.private = [
            present,
            self.join_panel,
            self.counts,
            self.places,
            self.nicknames,
            html("<h2>Item</h2><p>Pick an item; reveal the answers when the room is ready to talk.</p>"),
            self.lesson_filter,
            self.search,
            self.item_count,
            self.picker,
            self.reveal,
            self.chart,
            self.notes,
            html("<h2>Most missed</h2><p>Answers stay hidden here until you reveal an item.</p>"),
            self.missed,
            html("<h2>End</h2>"),
            close,
            confirm_row,
            self.close_message,
            export,
            self.export_area,
        ]
        self.body.children = self.private
        self.refresh()
        self._select()
        self._start_timer()

    # ------------------------------------------------------------------ live data

    def _start_timer(self):
        try:
            from tornado.ioloop import PeriodicCallback

            if self.timer is None:
                self.timer = PeriodicCallback(safe_callback(self.refresh), REFRESH_MS)
                self.timer.start()
        except Exception:
            log.debug("no event loop; the dashboard refreshes on each action only", exc_info=True)

    def data(self):
        store = self._store()
        participants = store.participants(self.workshop.id)
        answers = store.workshop_answers(self.workshop.id)
        return participants, ws_logic.item_results(content_mod.get(), answers)

    def refresh(self):
        if self.workshop is None:
            return
        content = content_mod.get()
        participants, results = self.data()
        self.results = results
        joined, active = ws_logic.counts(participants)
        state = "open" if self.workshop.is_open else "closed: new answers no longer count"
        self._set(
            self.counts,
            f"<p><strong>Joined:</strong> {joined} · <strong>Active in the last 5 minutes:"
            f"</strong> {active} · Workshop {state}.</p>"
            f"<p class='cc-refusals'>{escape(ratelimit.refusals_note(self._store()))}</p>",
        )
        self._set(
            self.presenter_counts,
            f"<p class='cc-presenter-joined'><strong>{joined}</strong> joined"
            + ("" if self.workshop.is_open else " · the workshop has ended")
            + "</p>",
        )
        self._set(self.places, ready_places())
        nicks = [p["nickname"] for p in participants if p["nickname"]]
        self._set(
            self.nicknames,
            ("<p>Nicknames: " + " ".join(f"<bdi class='cc-nick'>{escape(n)}</bdi>" for n in nicks) + "</p>")
            if nicks
            else "",
        )
        missed = ws_logic.most_missed(results)
        if missed:
            items = "".join(self._missed_item(r, content) for r in missed)
            self._set(self.missed, f"<ol>{items}</ol>")
        else:
            self._set(self.missed, "<p>Nothing missed yet.</p>")
        self._draw_chart()

    def _missed_item(self, r, content) -> str:
        """One "Most missed" item: how it went is shown only once that item's answers are revealed."""
        prompt = escape(shorten(content.clinic.fill(r.question.prompt), 120))
        ask = escape(
            content.clinic.fill(content.discussion.get(r.question.id, "Ask the room what made this one hard."))
        )
        if self.revealed and self.picker.value == r.question.id:
            how = f"{r.percent_right}% right on the first try ({r.participants} answered)."
        else:
            how = f"{r.participants} answered. 🙈 Results hidden until you reveal this item."
        return f"<li><p><strong>{prompt}</strong><br>{how}</p><p>💬 {ask}</p></li>"

    def _filter(self):
        """Show the items of the chosen lesson whose text has the search words."""
        words = self.search.value.lower().split()
        lesson = self.lesson_filter.value
        options = [
            (label, qid)
            for label, qid, lid in self.all_items
            if (not lesson or lid == lesson) and all(x in label.lower() for x in words)
        ]
        self.item_count.value = f"<p role='status'>{len(options)} of {len(self.all_items)} items shown.</p>"
        if options and [o[1] for o in options] != [o[1] for o in self.picker.options]:
            keep = self.picker.value if self.picker.value in {o[1] for o in options} else options[0][1]
            self.picker.options = options
            self.picker.value = keep

    def _show_presenter(self):
        self.body.children = [self.presenter]
        self.root.add_class("cc-presenting")
        self.refresh()

    def _show_private(self):
        self.body.children = self.private
        self.root.remove_class("cc-presenting")
        self.refresh()

    def _set(self, widget, value):
        if self._last.get(id(widget)) != value:
            self._last[id(widget)] = value
            widget.value = value

    def _select(self):
        self.revealed = False
        self.reveal.description = "Reveal answers"
        content = content_mod.get()
        q = content.question(self.picker.value)
        notes = content.facilitator_notes.get(q.lesson, ())
        lesson = content.lesson(q.lesson)
        self._set(
            self.notes,
            (
                f"<details><summary>Notes for lesson {lesson.number}: {escape(lesson.title)}</summary>"
                "<ul>" + "".join(f"<li>{escape(content.clinic.fill(n))}</li>" for n in notes) + "</ul></details>"
            )
            if notes
            else "",
        )
        self.refresh()

    def _toggle_reveal(self):
        self.revealed = not self.revealed
        self.reveal.description = "Hide answers" if self.revealed else "Reveal answers"
        self.refresh()  # the chart, and "Most missed" for this item

    def _draw_chart(self):
        content = content_mod.get()
        q = content.question(self.picker.value)
        r = self.results.get(q.id)
        n = r.participants if r else 0
        head = (
            f"<p><strong>{escape(content.clinic.fill(q.prompt))}</strong></p>"
            f"<p>{n} {'person has' if n == 1 else 'people have'} answered.</p>"
        )
        if not self.revealed:
            self._set(
                self.chart,
                head + "<p class='cc-hidden-note'>🙈 Answers are hidden. Press <em>Reveal "
                "answers</em> when the room is ready to talk.</p>",
            )
            self._set(self.presenter_chart, "")  # the projector shows bars only once they are revealed
            return
        rows = []
        if q.type == "triage":
            for item in q.items:
                right = r.triage_right.get(item.id, 0) if r else 0
                pct = round(100 * right / n) if n else 0
                rows.append(
                    chart_bar(
                        f"{content.clinic.fill(item.text)} → belongs in: "
                        f"{content.clinic.fill(TRIAGE_LABELS[item.answer])}",
                        pct,
                        f"placed right by {right} of {n}",
                        "",
                    )
                )
        else:
            for o in q.options:
                count = r.option_counts.get(o.id, 0) if r else 0
                pct = round(100 * count / n) if n else 0
                rows.append(
                    chart_bar(
                        content.clinic.fill(o.text),
                        pct,
                        f"{count} ({pct}%)",
                        "✓ Right answer" if o.id in q.answer else "",
                    )
                )
        label = escape(shorten(content.clinic.fill(q.prompt), 80))
        bars = f"<ul class='cc-bars' aria-label='Answers to: {label}'>{''.join(rows)}</ul>"
        self._set(
            self.chart, head + bars + f"<p><strong>Why:</strong> {escape(content.clinic.fill(q.explanation))}</p>"
        )
        self._set(self.presenter_chart, head + bars)

    # ------------------------------------------------------------------ close and export

    def close_workshop(self):
        self._store().close_workshop(self.workshop.id)
        self.workshop = self._store().workshop(self.workshop.id)
        self.refresh()
        self.export()

    def export(self):
        import base64

        participants, results = self.data()
        frame = ws_logic.export_frame(content_mod.get(), results, len(participants))

        csv = strip_controls(frame.to_csv(index=False))  # no control character from a content file reaches it
        name = f"workshop-{self.workshop.join_code}-{time.strftime('%Y%m%d-%H%M')}.csv"
        folder = Path(data_dir()) / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(csv, encoding="utf-8")
        b64 = base64.b64encode(csv.encode("utf-8")).decode()
        self.export_area.value = (
            f"<p role='status'>✓ Results exported ({len(frame)} rows, no names). "
            f"<a download='{name}' href='data:text/csv;base64,{b64}'>Download {name}</a>. "
            "A copy is also saved on the course's server, in the <code>exports</code> folder of its data folder.</p>"
        )


def run():
    try:
        return Dashboard().root
    except Exception:
        log.exception("the dashboard could not start")

        return friendly_error("The dashboard could not start.")
