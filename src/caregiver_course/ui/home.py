"""The start page, as a small dashboard: overall progress, "next up", every lesson's status and score,
workshop, resume code, privacy and help.

It is built once per page (with what the kernel knows when the page is prepared). Afterwards
:meth:`HomePage.update` only changes text in place: nothing is rebuilt, so a learner typing a workshop or
resume code never loses focus or letters, and no widget is left behind.
"""

from __future__ import annotations

from html import escape

import ipywidgets as w

from ..learning import practice as practice_mod
from ..learning import progress as progress_mod
from .lesson import TABLE_LABEL, side_effect_table
from .privacy import SHORT as PRIVACY_SHORT
from .privacy import privacy_html
from .questions import QuestionView
from .takehome import HomeTools, share_course
from .widgets import Panel, button, help_lines_html, html, safe_callback, text_field


class HomePage:
    def __init__(self, app):
        self.app = app
        content = app.content
        self.target: str | None = None
        intro = html(
            "<h1 class='cc-title' tabindex='-1'>Supporting a loved one through ketamine treatment</h1>"
            "<p class='cc-welcome'>Welcome. For family and friends of someone getting ketamine treatment.</p>"
            "<p>A short course for family and friends: what to expect, how to help, and when to get help. "
            f"{PRIVACY_SHORT}</p>",
            "cc-intro",
        )
        self.overall = html("", "cc-overall")
        self.next_text = html("", "cc-next-up-text")
        self.cont = w.Button(description="Start", button_style="primary")
        self.cont.add_class("cc-continue")
        self.cont.on_click(safe_callback(lambda _: self.target and app.show_lesson(self.target)))

        self.tools = HomeTools(app)
        self.practice = PracticeCard(app)
        self.table_open = button(TABLE_LABEL, "cc-table-open")
        self.table_open.tooltip = "Every sign, and what to do, in one place"
        self.table_open.on_click(safe_callback(lambda _: app.show_table()))
        top = Panel(
            [self.overall, self.next_text, self.cont, self.practice.widget, self.tools.open_button, self.table_open],
            summary="Progress and next up",
            classes=("cc-card", "cc-dash-top"),
        )

        self.cards: dict[str, tuple[w.HTML, w.Button]] = {}
        cards = []
        for lesson in content.lessons:
            text = html("", "cc-lesson-text")
            open_button = w.Button(description="Start")
            open_button.add_class("cc-open-lesson")
            open_button.on_click(safe_callback(lambda _, lid=lesson.id: app.show_lesson(lid)))
            row = w.Box([text, open_button])
            row.add_class("cc-lesson-row")
            label = f"Lesson {lesson.number}" if lesson.number else "Start here"
            cards.append(
                Panel(
                    [row],
                    summary=f"{label}: {lesson.title}",
                    classes=("cc-card", "cc-lesson-card", f"cc-lesson-{lesson.id}"),
                )
            )
            self.cards[lesson.id] = (text, open_button)
        lessons = w.Box(cards)
        lessons.add_class("cc-lessons")

        self.workshop = WorkshopBox(app)
        self.resume = ResumeBox(app)
        self.resume.widget.children = [*self.resume.widget.children, *privacy_parts(app)]  # one card: your data

        self.share = share_course(content.clinic)  # the course's address only: never this learner's codes
        side = w.Box([self.workshop.widget, self.resume.widget])
        side.add_class("cc-side-boxes")
        help_box = html(
            f"<div class='cc-crisis'><h2>Help</h2>{help_lines_html(content.clinic)}</div>"
            "<p class='cc-disclaimer-short'><strong>This course is education, not medical advice.</strong> "
            "Always follow what your clinic tells you.</p>",
            "cc-home-help",
        )
        self.widget = Panel(
            [
                intro,
                top,
                self.tools.completion.widget,
                html("<h2>Lessons</h2>"),
                lessons,
                self.share,
                side,
                help_box,
            ],
            summary="Start page",
            classes=("cc-home",),
        )

    def update(self) -> str | None:
        """Show the learner's current progress (text changes only). Returns the lesson to continue with."""
        app, content = self.app, self.app.content
        prog = app.progress()
        target = progress_mod.resume_point(prog, content, app.session.events)
        self.target = target
        done, total = progress_mod.overall(prog, content)
        left = progress_mod.minutes_left(prog, content)
        pct = round(100 * done / total) if total else 0
        self.overall.value = (
            f"<h2 id='cc-progress-label' class='cc-visually-hidden'>Your progress</h2>"
            f"<div class='cc-progress-track' role='progressbar' aria-labelledby='cc-progress-label' "
            f"aria-valuemin='0' aria-valuemax='{total}' aria-valuenow='{done}' aria-valuetext='{done} of {total} "
            f"lessons done'><div class='cc-progress-fill' style='width:{pct}%'></div></div>"
            f"<p><strong>Your progress: {done} of {total} lessons done</strong> · about {left} min left</p>"
        )
        if target:
            lesson = content.lesson(target)
            started = prog[target].status != progress_mod.NOT_STARTED or done
            name = f"Lesson {lesson.number}: {escape(lesson.title)}" if lesson.number else "Start here"
            self.next_text.value = (
                f"<p class='cc-next-up'>Next up: <strong>{name}</strong> · about {lesson.minutes} min</p>"
            )
            verb = "Continue" if started else "Start"
            self.cont.description = f"{verb} lesson {lesson.number}" if lesson.number else f"{verb} here"
            self.cont.tooltip = f"{'Continue' if started else 'Start'}: {lesson.title}"
            self.cont.layout.display = None
        else:
            self.next_text.value = (
                "<p class='cc-next-up'><strong>✓ You finished every lesson.</strong> Thank you "
                "for the care you give. Come back to any lesson whenever you need it.</p>"
            )
            self.cont.layout.display = "none"
        for lesson in content.lessons:
            p = prog[lesson.id]
            text, open_button = self.cards[lesson.id]
            label = f"Lesson {lesson.number}: " if lesson.number else ""
            quiz = f" · Quiz: {p.score.correct} of {p.score.total} right" if p.score.answered else ""
            text.value = (
                f"<h3>{label}{escape(lesson.title)}</h3>"
                f"<p class='cc-lesson-summary'>{escape(content.clinic.fill(lesson.summary))}</p>"
                f"<p><span class='cc-status'><span aria-hidden='true'>{p.symbol}</span> "
                f"{p.status.capitalize()}</span> · {lesson.minutes} min{quiz}</p>"
            )
            verb = {"not started": "Start", "in progress": "Continue", "done": "Review"}[p.status]
            open_button.description = verb
            open_button.tooltip = f"{verb}: {lesson.title}"
        self.practice.update()
        self.workshop.update()
        self.resume.update()
        self.tools.update()
        self.widget.summary = f"Start page: {done} of {total} lessons done"
        return target


class PracticeCard:
    """One button on the start page's top card, "↻ Practise again: 2 signs", shown only when triage items missed
    at an earlier visit are due (practice.py decides which). One line on a phone: the start page stays short."""

    def __init__(self, app):
        self.app = app
        self.widget = button("", "cc-practice-open")
        self.widget.on_click(safe_callback(lambda _: app.show_practice()))
        self.widget.layout.display = "none"

    def update(self) -> None:
        count = len(self.app.practice_due())
        description = f"↻ {practice_mod.label(count)}" if count else ""
        if self.widget.description != description:
            self.widget.description = description
            self.widget.tooltip = f"Practise the {'sign' if count == 1 else 'signs'} you missed before" if count else ""
        wanted = None if count else "none"
        if self.widget.layout.display != wanted:
            self.widget.layout.display = wanted


class PracticePage:
    """A short practice: the missed triage items, answered as in the lesson (blank, choices in a new order) and
    saved as normal answers."""

    def __init__(self, app, questions: list, seed: str):
        n = len(questions)
        self.lessons = {q.lesson for q in questions}
        if n:
            intro = (
                f"<p>You missed {'this one' if n == 1 else f'these {n}'} before. Answer as in the lesson. "
                "Each one comes back at your next visits until you get it right on two different days.</p>"
            )
        else:
            intro = "<p>Nothing to practise right now. Well done.</p>"
        top = html(f"<h2 class='cc-title' tabindex='-1'>Practise again</h2>{intro}", "cc-practice-intro")
        self.views = [QuestionView(q, i + 1, n, restore=False, seed=seed) for i, q in enumerate(questions)]
        home = button("⌂ Back to the start page", "cc-practice-home")
        home.on_click(safe_callback(lambda _: app.show_home()))
        self.widget = Panel(
            [top, *self.views, home],
            summary=f"Practise again: {n} to answer",
            classes=("cc-practice",),
        )


class TablePage:
    """ "What is normal, what is urgent": every row of the side-effect table (cards on a phone), on one page."""

    def __init__(self, app):
        number = app.content.lesson("side-effects").number
        top = html(
            f"<h2 class='cc-title' tabindex='-1'>{TABLE_LABEL}</h2><p>Every sign from lesson {number}, and what to "
            "do, in one place. Come back to it whenever you need it.</p>",
            "cc-table-intro",
        )
        lesson = button(f"Open lesson {number} to learn more", "cc-table-lesson")
        lesson.on_click(safe_callback(lambda _: app.show_lesson("side-effects")))
        home = button("⌂ Back to the start page", "cc-table-home")
        home.on_click(safe_callback(lambda _: app.show_home()))
        self.widget = Panel(
            [top, side_effect_table(), lesson, home],
            summary="What is normal, what is urgent",
            classes=("cc-table-page",),
        )


class ResumeBox:
    def __init__(self, app):
        self.app = app
        self.mine = html("")
        # The server keeps only a scrambled form of each code, so it cannot show a code this browser never had
        # (a browser from before codes were scrambled): it offers a new one instead.
        self.make = button("Make a new resume code", "cc-new-code")
        self.make.layout.display = "none"
        self.make.on_click(safe_callback(lambda _: app.new_resume_code() and self.update(), self.mine))
        field = text_field("Resume code:", "for example MAPLE-RIVER-OWL-KITE-427", "cc-resume-input")
        go = button("Resume", "cc-resume-button")
        result = html("", "cc-resume-result")

        def resume(_):
            message = app.resume_with_code(field.value)
            # Said beside the button the learner just tapped, not at the top of the page.
            result.value = f"<p role='status' aria-live='polite' class='cc-resume-message'>{escape(message)}</p>"
            if message.startswith("✓"):
                field.value = ""

        go.on_click(safe_callback(resume, result))
        row = w.Box([field, go])
        row.add_class("cc-field-row")
        self.widget = Panel(
            [self.mine, self.make, row, result], summary="Resume code", classes=("cc-card", "cc-resume")
        )

    def update(self) -> None:
        learner = self.app.session.learner
        code = learner.resume_code if learner else "(being made…)"
        if code:
            value = (
                f"<h2>Your code and your data</h2><p>Your resume code: <strong class='cc-resume-code'>"
                f"{escape(code)}</strong>. Type it on another device to go on there. Keep it private.</p>"
            )
        else:
            value = (
                "<h2>Your code and your data</h2><p><span class='cc-resume-code'>This browser does not have "
                "your resume code.</span> You can make a new one: your old code stops working, and your "
                "progress stays.</p>"
            )
        if self.mine.value != value:
            self.mine.value = value
        wanted = None if (learner is not None and not code) else "none"
        if self.make.layout.display != wanted:
            self.make.layout.display = wanted


def privacy_parts(app) -> list:
    text = html(
        "<details class='cc-privacy'><summary><strong>Your privacy:</strong> what we save, and what we "
        f"never save</summary>{privacy_html()}</details>"
    )
    ask = button("Delete my data", "cc-delete")
    confirm = button("Yes, delete everything", "cc-delete-confirm", "danger")
    cancel = w.Button(description="Cancel")
    confirm_row = w.HBox([confirm, cancel])
    confirm_row.layout.display = "none"
    result = html("", "cc-delete-result")

    def show_confirm(_):
        confirm_row.layout.display = None
        result.value = (
            "<p role='status' aria-live='polite'>This removes your answers and progress. It cannot be undone.</p>"
        )

    def do_delete(_):
        message = app.delete_my_data()
        confirm_row.layout.display = "none"
        result.value = ""
        app.announce.value = f"<p role='status' aria-live='polite' class='cc-delete-done'>{escape(message)}</p>"

    def do_cancel(_):
        confirm_row.layout.display = "none"
        result.value = "<p role='status' aria-live='polite'>Nothing was deleted.</p>"

    ask.on_click(safe_callback(show_confirm, result))
    confirm.on_click(safe_callback(do_delete, result))
    cancel.on_click(safe_callback(do_cancel, result))
    return [text, ask, confirm_row, result]


class WorkshopBox:
    """Join a workshop, or (once in one) leave it. Both forms are built once; update() shows the right one."""

    def __init__(self, app):
        self.app = app
        result = html("", "cc-workshop-result")
        join_text = html("<h2>In a workshop?</h2>")
        code = text_field("Workshop code:", "for example OAK-RIVER-42", "cc-workshop-code")
        nick = text_field("Nickname (optional):", "optional", "cc-workshop-nickname")
        join = button("Join", "cc-workshop-join")

        def do_join(_):
            message = app.join_workshop(code.value, nick.value)
            target = app.announce if message.startswith("✓") else result
            target.value = f"<p role='status' aria-live='polite' class='cc-workshop-message'>{escape(message)}</p>"
            if message.startswith("✓"):
                result.value = ""

        join.on_click(safe_callback(do_join, result))
        row = w.Box([code, join])
        row.add_class("cc-field-row")
        self.join_form = [join_text, row, nick, result]
        self.in_text = html("")
        leave = button("Leave the workshop", "cc-workshop-leave")
        leave.on_click(
            safe_callback(
                lambda _: setattr(app.announce, "value", f"<p role='status'>{escape(app.leave_workshop())}</p>"), result
            )
        )
        self.leave_form = [self.in_text, leave, result]
        self.widget = Panel(self.join_form, summary="Join a workshop", classes=("cc-card", "cc-workshop"))

    def update(self) -> None:
        ws = self.app.workshop
        if ws is not None:
            self.in_text.value = f"<h2>Workshop</h2><p>You are in workshop <strong>{escape(ws.join_code)}</strong>.</p>"
        wanted = tuple(self.leave_form if ws is not None else self.join_form)
        if self.widget.children != wanted:
            self.widget.children = wanted
