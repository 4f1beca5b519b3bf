"""The start page: a card per lesson, continue where you left off, overall progress, resume code, privacy."""
from __future__ import annotations

from html import escape

import ipywidgets as w

from . import progress as progress_mod
from .privacy import SHORT as PRIVACY_SHORT
from .privacy import privacy_html
from .widgets import (
    Panel,
    button,
    crisis_html,
    disclaimer_html,
    html,
    safe_callback,
    text_field,
)


def build_home(app, prog: dict, target: str | None) -> Panel:
    """The start page for progress prog; target is the lesson to continue with (None when all are done)."""
    content = app.content
    done, total = progress_mod.overall(prog, content)
    pct = round(100 * done / total) if total else 0
    intro = html(
        "<h1 class='cc-title' tabindex='-1'>Supporting a loved one through ketamine treatment</h1>"
        "<p>A short course for family and friends. Learn what to expect, how to help, and when to get help. "
        f"Go at your own pace. {PRIVACY_SHORT}</p>")
    bar = html(
        f"<p id='cc-progress-label'><strong>Your progress:</strong> {done} of {total} lessons done</p>"
        f"<div class='cc-progress-track' role='progressbar' aria-labelledby='cc-progress-label' "
        f"aria-valuemin='0' aria-valuemax='{total}' aria-valuenow='{done}' aria-valuetext='{done} of {total} "
        f"lessons done'><div class='cc-progress-fill' style='width:{pct}%'></div></div>", "cc-overall")
    children = [intro, bar]

    if target:
        lesson = content.lesson(target)
        started = prog[target].status != progress_mod.NOT_STARTED or done
        word = "Continue" if started else "Start"
        cont = w.Button(description=f"{word}: lesson {lesson.number}, {lesson.title}", button_style="primary")
        cont.layout.width = "auto"
        cont.add_class("cc-continue")
        cont.on_click(safe_callback(lambda _: app.show_lesson(target)))
        children.append(cont)
    else:
        children.append(html("<p><strong>✓ You finished every lesson.</strong> Thank you for the care you give. "
                             "Come back to any lesson whenever you need it.</p>", "cc-card"))

    children.append(html("<h2>Lessons</h2>"))
    for lesson in content.lessons:
        p = prog[lesson.id]
        label = f"Lesson {lesson.number}" if lesson.number else "Start here"
        quiz_line = ""
        if p.score.total:
            quiz_line = f" · Quiz: {p.score.correct} of {p.score.total} right"
        card_text = html(
            f"<h3>{label + ': ' if lesson.number else ''}{escape(lesson.title)}</h3>"
            f"<p>{escape(content.clinic.fill(lesson.summary))}</p>"
            f"<p><span class='cc-status'><span aria-hidden='true'>{p.symbol}</span> {p.status.capitalize()}</span>"
            f" · about {lesson.minutes} minutes{quiz_line}</p>")
        verb = {"not started": "Start", "in progress": "Continue", "done": "Review"}[p.status]
        open_button = w.Button(description=f"{verb} {label.lower() if lesson.number else 'here'}",
                               tooltip=f"{verb}: {lesson.title}")
        open_button.layout.width = "auto"
        open_button.add_class("cc-open-lesson")
        open_button.on_click(safe_callback(lambda _, lid=lesson.id: app.show_lesson(lid)))
        card = Panel([card_text, open_button], summary=f"{label}: {lesson.title} ({p.status})",
                     classes=("cc-card", "cc-lesson-card", f"cc-lesson-{lesson.id}"))
        children.append(card)

    children.append(workshop_box(app))
    children.append(resume_box(app))
    children.append(privacy_box(app))
    children.append(html(f"<h2>Help</h2><div class='cc-crisis'>{crisis_html(content.clinic)}</div>"
                         f"<div class='cc-note'>{disclaimer_html()}</div>", "cc-home-help"))
    return Panel(children, summary=f"Start page: {done} of {total} lessons done", classes=("cc-home",))


def resume_box(app) -> Panel:
    learner = app.session.learner
    code = learner.resume_code if learner else "(being made…)"
    mine = html(f"<h2>Use another device</h2><p>Your resume code is <strong class='cc-resume-code'>{escape(code)}"
                "</strong>. Write it down. Type it on another phone or computer to pick up where you left off. "
                "Keep it private, like a key.</p>")
    extra = []
    if learner is not None and not code:
        # The server keeps only a scrambled form of each code, so it cannot show one this browser never had.
        mine.value = ("<h2>Use another device</h2><p>This browser does not have your resume code. "
                      "<span class='cc-resume-code'>You can make a new one.</span> Your old code stops working, "
                      "and your progress stays.</p>")
        make = button("Make a new resume code", "cc-new-code")

        def new_code(_):
            made = app.new_resume_code()
            mine.value = (f"<h2>Use another device</h2><p>Your new resume code is <strong class='cc-resume-code'>"
                          f"{escape(made)}</strong>. Write it down. Keep it private, like a key.</p>")
            make.layout.display = "none"

        make.on_click(safe_callback(new_code, mine))
        extra.append(make)
    field = text_field("Resume code:", "for example MAPLE-RIVER-OWL-KITE-427", "cc-resume-input")
    go = button("Resume", "cc-resume-button")
    result = html("", "cc-resume-result")

    def resume(_):
        message = app.resume_with_code(field.value)
        # On success the start page is rebuilt for the returning learner, so the message goes above it.
        target = app.announce if message.startswith("✓") else result
        target.value = f"<p role='status' aria-live='polite' class='cc-resume-message'>{escape(message)}</p>"

    go.on_click(safe_callback(resume, result))
    return Panel([mine, *extra, field, go, result], summary="Resume code", classes=("cc-card", "cc-resume"))


def privacy_box(app) -> Panel:
    text = html("<h2>Your privacy</h2>" + privacy_html())
    ask = button("Delete my data", "cc-delete")
    confirm = button("Yes, delete everything", "cc-delete-confirm", "danger")
    cancel = w.Button(description="Cancel")
    confirm_row = w.HBox([confirm, cancel])
    confirm_row.layout.display = "none"
    result = html("", "cc-delete-result")

    def show_confirm(_):
        confirm_row.layout.display = None
        result.value = "<p role='status' aria-live='polite'>This removes your answers and progress. It cannot be undone.</p>"

    def do_delete(_):
        message = app.delete_my_data()
        app.announce.value = f"<p role='status' aria-live='polite' class='cc-delete-done'>{escape(message)}</p>"

    def do_cancel(_):
        confirm_row.layout.display = "none"
        result.value = "<p role='status' aria-live='polite'>Nothing was deleted.</p>"

    ask.on_click(safe_callback(show_confirm, result))
    confirm.on_click(safe_callback(do_delete, result))
    cancel.on_click(safe_callback(do_cancel, result))
    return Panel([text, ask, confirm_row, result], summary="Privacy", classes=("cc-card", "cc-privacy"))


def workshop_box(app) -> Panel:
    result = html("", "cc-workshop-result")
    if app.workshop is not None:
        text = html(f"<h2>Workshop</h2><p>You are in workshop <strong>{escape(app.workshop.join_code)}</strong>."
                    "</p>")
        leave = button("Leave the workshop", "cc-workshop-leave")
        leave.on_click(safe_callback(lambda _: setattr(app.announce, "value", f"<p role='status'>"
                                                       f"{escape(app.leave_workshop())}</p>"), result))
        return Panel([text, leave, result], summary="Workshop", classes=("cc-card", "cc-workshop"))
    text = html("<h2>In a workshop?</h2><p>If your facilitator gave you a code, type it here. A nickname is "
                "optional; you can leave it empty.</p>")
    code = text_field("Workshop code:", "for example OAK-RIVER-42", "cc-workshop-code")
    nick = text_field("Nickname (optional):", "optional", "cc-workshop-nickname")
    join = button("Join", "cc-workshop-join")

    def do_join(_):
        message = app.join_workshop(code.value, nick.value)
        target = app.announce if message.startswith("✓") else result
        target.value = f"<p role='status' aria-live='polite' class='cc-workshop-message'>{escape(message)}</p>"

    join.on_click(safe_callback(do_join, result))
    return Panel([text, code, nick, join, result], summary="Join a workshop", classes=("cc-card", "cc-workshop"))
