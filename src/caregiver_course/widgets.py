"""Widgets: show content and quiz results; all logic is in content, quiz and session.

Every function a notebook cell calls returns one widget. If anything goes wrong, it returns a friendly box
instead (never a traceback), and the detail goes to the server log.
"""
from __future__ import annotations

import functools
import json
import logging
from html import escape

import ipywidgets as w

from . import content as content_mod
from . import quiz, session
from .clinic import LEARNER_LABELS
from .problems import Problem
from .sources import source_line

log = logging.getLogger("caregiver_course")

CSS = """
<style>
.cc { font-size: 18px; line-height: 1.5; color: #1a1a1a; max-width: 46rem; }
.cc, .cc * { box-sizing: border-box; }
.cc p, .cc li { font-size: 18px; }
.cc h1, .cc h2, .cc h3 { line-height: 1.25; margin: 0.4em 0; }
.cc h1 { font-size: 1.7em; }
.cc .widget-html-content { font-size: 18px; line-height: 1.5; }
.cc-card { border: 2px solid #5a6b7b; border-radius: 8px; padding: 12px 16px; margin: 12px 0;
           background: #ffffff; }
.cc-note { border-left: 6px solid #1f5f99; background: #eef4fa; padding: 10px 14px; margin: 10px 0; }
.cc-error { border: 3px solid #8a1c1c; background: #fff4f4; padding: 10px 14px; margin: 10px 0; }
.cc-crisis { border: 3px solid #8a1c1c; background: #fff7f7; padding: 10px 14px; }
.cc-feedback-correct { border-left: 8px solid #1e6b35; background: #eef8f0; padding: 10px 14px; }
.cc-feedback-partly { border-left: 8px dashed #7a5200; background: #fdf6e7; padding: 10px 14px; }
.cc-feedback-incorrect { border-left: 8px double #8a1c1c; background: #fff3f3; padding: 10px 14px; }
.cc-feedback-hint { border-left: 8px dotted #1f5f99; background: #eef4fa; padding: 10px 14px; }
.cc .jupyter-button, .cc button { min-height: 48px; min-width: 48px; font-size: 18px; padding: 8px 18px;
           border-radius: 6px; width: auto; max-width: 100%; height: auto; white-space: normal;
           overflow: visible; text-overflow: clip; line-height: 1.3; text-align: center; }
.cc .jupyter-button.mod-primary { background: #1f5f99; color: #fff; }
.cc .jupyter-button:focus-visible, .cc input:focus-visible, .cc textarea:focus-visible,
.cc select:focus-visible { outline: 3px solid #1f5f99; outline-offset: 2px; }
.cc .widget-radio-box label { flex-direction: row-reverse; justify-content: flex-end; }
.cc .widget-radio-box label, .cc .widget-checkbox label { display: flex; align-items: center; gap: 10px;
           min-height: 44px; font-size: 18px; line-height: 1.3; padding: 6px 4px; cursor: pointer;
           white-space: normal; }
.cc .widget-radio-box input, .cc .widget-checkbox input { width: 24px; height: 24px; flex: none; margin: 0; }
.cc .widget-radio, .cc .widget-checkbox, .cc .widget-textarea { width: 100%; height: auto; }
.cc .widget-radio-box { width: 100%; height: auto; }
.cc .widget-label-basic, .cc .widget-label { font-size: 18px; }
.cc textarea { font-size: 18px; min-height: 6em; width: 100%; }
.cc table { border-collapse: collapse; width: 100%; }
.cc th, .cc td { border: 1px solid #8a97a3; padding: 8px; text-align: left; vertical-align: top; font-size: 17px; }
.cc .cc-visually-hidden { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
@media (max-width: 600px) {
  .cc, .cc p, .cc li, .cc .widget-html-content { font-size: 17px; }
  .cc th, .cc td { display: block; width: 100%; }
  .cc tr { display: block; border-bottom: 2px solid #5a6b7b; margin-bottom: 8px; }
}
</style>
"""


class Panel(w.VBox):
    """A VBox whose plain-text form is a short summary, so nbval compares meaningful text, not widget ids."""

    def __init__(self, children=(), summary: str = "", classes=(), **kwargs):
        super().__init__(children=list(children), **kwargs)
        self.summary = summary
        for c in ("cc",) + tuple(classes):
            self.add_class(c)

    def __repr__(self) -> str:
        return self.summary or "Panel"

    def _repr_mimebundle_(self, **kwargs):
        # ipywidgets cuts the plain-text form at 110 characters; keep all of it for nbval to compare.
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/plain"] = repr(self)
        return bundle


def html(text: str, *classes: str) -> w.HTML:
    widget = w.HTML(text)
    for c in classes:
        widget.add_class(c)
    return widget


def text_field(description: str, placeholder: str, css_class: str, password: bool = False) -> w.Text:
    """A labelled text box whose value reaches the kernel when the learner leaves it or presses a button."""
    field = (w.Password if password else w.Text)(description=description, placeholder=placeholder)
    field.style.description_width = "initial"
    field.continuous_update = False
    field.add_class(css_class)
    return field


def button(description: str, css_class: str, style: str = "") -> w.Button:
    b = w.Button(description=description, button_style=style)
    b.add_class(css_class)
    return b


def identity_bridge(on_hello) -> w.Text:
    """A hidden text box through which the page script (voila/.../cc-app.js) says hello.

    The browser sends ``hello:{"token", "code", "search", "origin"}`` until it gets ``ok:{"token", "code"}``
    back, and keeps what it gets (an empty value leaves what it has). on_hello(hello: dict) returns the JSON
    reply to send back (or None to answer later itself)."""
    box = w.Text(value="")
    box.add_class("cc-identity")
    box.layout.display = "none"

    def changed(change):
        value = change["new"]
        if not value.startswith("hello:"):
            return
        try:
            hello = json.loads(value[len("hello:"):] or "{}")
        except ValueError:
            hello = {}
        token = on_hello(hello if isinstance(hello, dict) else {})
        if token is not None:
            box.value = "ok:" + token

    box.observe(safe_callback(changed), names="value")
    return box


def problem_box(problems: list[Problem], what: str) -> Panel:
    items = "".join(f"<li>{escape(str(p))}</li>" for p in problems[:8])
    more = f"<p>…and {len(problems) - 8} more.</p>" if len(problems) > 8 else ""
    box = html(
        f'<div role="status"><p><strong>⚠ Part of this page could not be shown.</strong> {escape(what)} '
        f"The rest of the lesson still works.</p><p>Please tell the clinic staff. They can fix it in the course "
        f"files:</p><ul>{items}</ul>{more}</div>", "cc-error")
    return Panel([box], summary=f"Content problem: {len(problems)} to fix", classes=("cc-problem",))


def missing_box(c, file: str, ident: str, what: str) -> Panel:
    """Why an item named in a cell cannot be shown: its own problems (or its file's), else 'no such id'."""
    found = [p for p in c.problems if (p.file == file or (file.endswith("/") and p.file.startswith(file)))
             and (p.item in (ident, "(whole file)") or p.item.startswith(ident + "/"))]
    return problem_box(found or [Problem(file, ident, "id", f"nothing has the id '{ident}'")], what)


def friendly_error(what: str) -> Panel:
    box = html(f'<div role="status"><p><strong>⚠ Sorry, something went wrong.</strong> {escape(what)}</p>'
               "<p>Your answers so far are safe. Try again, or tell the clinic staff.</p></div>", "cc-error")
    return Panel([box], summary="Something went wrong", classes=("cc-problem",))


def friendly(what: str):
    """Wrap a cell-facing function: any exception becomes a friendly box, and the detail goes to the log."""

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception:
                log.exception("%s failed", fn.__name__)
                return friendly_error(what)

        return wrapper

    return deco


def safe_callback(fn, feedback: w.HTML | None = None):
    """Wrap a widget callback: errors are logged and shown as words, never lost silently."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception:
            log.exception("callback %s failed", fn.__name__)
            if feedback is not None:
                feedback.value = ('<div role="status" aria-live="polite" class="cc-feedback-hint">⚠ Sorry, that did '
                                  "not work. Please try again. Your earlier answers are safe.</div>")

    return wrapper


def _content():
    return content_mod.get()


# --------------------------------------------------------------------------- page furniture


def crisis_html(c=None) -> str:
    from . import redflags as rf  # numbers as tel:/sms: links (issue 10)

    c = c or _content().clinic
    lines = [
        f"<strong>In an emergency, {rf.call_link(c, 'emergency_number', 'call')}.</strong>",
        f"For thoughts of suicide or a mental health crisis, <strong>{rf.call_link(c, 'crisis_call', 'call')}"
        f"</strong> or <strong>{rf.text_link(c, 'crisis_text')}</strong>, or chat at "
        f"{rf.web_link(c, 'crisis_chat')}. "
        "It is free, private and open day and night, also for people worried about someone else.",
    ]
    if c.is_set("crisis_text_line"):
        lines.append(f"You can also {rf.text_link(c, 'crisis_text_line')} (Crisis Text Line).")
    lines.append(f"For questions about treatment, call {escape(c.shown('clinic_name'))}: "
                 f"{rf.call_link(c, 'clinic_phone', '')}. After hours: {rf.call_link(c, 'after_hours_phone', '')}.")
    return "".join(f"<p>{line}</p>" for line in lines)


def disclaimer_html() -> str:
    return ("<p><strong>This course is education, not medical advice.</strong> It does not replace your "
            "loved one's care team. Always follow what your clinic tells you.</p>")


@friendly("The help box could not be shown.")
def help_now() -> Panel:
    """A 'Help now' button that opens crisis contacts: one click from anywhere."""
    box = html(crisis_html(), "cc-crisis")
    box.layout.display = "none"
    button = w.Button(description="☎ Help now: crisis and clinic numbers", tooltip="Show crisis and clinic numbers")
    button.add_class("cc-help-button")
    button.layout.width = "auto"

    def toggle(_):
        opening = box.layout.display == "none"
        box.layout.display = None if opening else "none"
        button.description = "✕ Hide the numbers" if opening else "☎ Help now: crisis and clinic numbers"

    button.on_click(safe_callback(toggle))
    return Panel([button, box], summary="Help now button (crisis and clinic numbers)", classes=("cc-help",))


@friendly("The lesson header could not be shown.")
def header(lesson_id: str) -> Panel:
    c = _content()
    try:
        lesson = c.lesson(lesson_id)
    except KeyError:
        return missing_box(c, "lessons.yaml", lesson_id, "The lesson title could not be shown.")
    total = len(c.lessons) - 1
    where = f"Lesson {lesson.number} of {total}" if lesson.number else "Start here"
    objectives = "".join(f"<li>{escape(c.clinic.fill(o))}</li>" for o in lesson.objectives)
    top = html(
        f"{CSS}<p class='cc-where'>{where} · about {lesson.minutes} minutes</p>"
        f"<h1 class='cc-title'>{escape(lesson.title)}</h1><p><strong>In this lesson you will:</strong></p><ul>{objectives}</ul>",
        "cc-header")
    note = html(f"<div class='cc-note'>{disclaimer_html()}</div>", "cc-disclaimer")
    children = [top, help_now(), note]
    if c.clinic.value("treatment_type") == "esketamine":
        children.append(html(  # fact A5: a different, FDA-approved treatment with rules of its own
            "<div class='cc-note'><p><strong>Note:</strong> This course was written for ketamine infusions "
            "given into a vein. Your loved one's clinic gives esketamine nasal spray (SPRAVATO). It is approved "
            "by the FDA and has some rules of its own, so a few details here differ. Always follow what your "
            "clinic tells you.</p></div>", "cc-treatment-note"))
    broken = c.problems_in("clinic.yaml")
    if broken:
        children.append(problem_box(broken, "Some clinic details are missing."))
    return Panel(children, summary=f"{where}: {lesson.title} (about {lesson.minutes} minutes)" if lesson.number
                 else f"{lesson.title} (about {lesson.minutes} minutes)",
                 classes=("cc-lesson-header",))


@friendly("The key points could not be shown.")
def key_points(lesson_id: str) -> Panel:
    c = _content()
    lesson = c.lesson(lesson_id)
    points = [c.clinic.fill(p) for p in lesson.key_points]
    body = "".join(f"<li>{escape(p)}</li>" for p in points)
    summary = "Key points:\n" + "\n".join(f"- {p}" for p in points)
    return Panel([html(f"{CSS}<h3>Key points</h3><ul>{body}</ul>", "cc-card")], summary=summary,
                 classes=("cc-key-points",))


@friendly("The next step could not be shown.")
def whats_next(lesson_id: str) -> Panel:
    c = _content()
    lesson = c.lesson(lesson_id)
    later = [x for x in c.lessons if x.number == lesson.number + 1]
    if later:
        nxt = later[0]
        text = (f"<h3>What's next</h3><p>Next is lesson {nxt.number}: <strong>{escape(nxt.title)}</strong> "
                f"(about {nxt.minutes} minutes). {escape(c.clinic.fill(nxt.summary))}</p>")
        summary = f"Next: lesson {nxt.number}, {nxt.title}"
    else:
        text = ("<h3>What's next</h3><p>You have reached the end of the course. Thank you for the care you "
                "give. Come back to any lesson whenever you need it.</p>")
        summary = "End of the course"
    return Panel([html(CSS + text, "cc-card")], summary=summary, classes=("cc-next",))


@friendly("The clinic's details could not be shown.")
def clinic_box(*names: str, title: str = "What your clinic says") -> Panel:
    """A box of clinic settings (from data/clinic.yaml) with learner-friendly labels."""
    c = _content()
    rows = []
    for name in names:
        if name not in LEARNER_LABELS:
            raise KeyError(name)
        if name in ("dose_and_length", "local_support", "crisis_text_line") and not c.clinic.is_set(name):
            continue
        rows.append((LEARNER_LABELS[name], c.clinic.shown(name)))
    body = "".join(f"<li><strong>{escape(label)}:</strong> {escape(value)}</li>" for label, value in rows)
    summary = title + ":\n" + "\n".join(f"- {label}: {value}" for label, value in rows)
    return Panel([html(f"{CSS}<div class='cc-note'><h3>{escape(title)}</h3><ul>{body}</ul></div>")],
                 summary=summary, classes=("cc-clinic-box",))


# --------------------------------------------------------------------------- practice


@friendly("The checklist could not be shown.")
def checklist(checklist_id: str) -> Panel:
    c = _content()
    cl = c.checklists.get(checklist_id)
    if cl is None:
        return missing_box(c, "checklists.yaml", checklist_id, "A checklist is missing.")
    done_ids = session.current().checked(checklist_id)
    status = html("", "cc-checklist-status")
    boxes = []

    def refresh():
        n = sum(b.value for b in boxes)
        status.value = f"<p role='status' aria-live='polite'>{n} of {len(boxes)} ticked.</p>"

    for item in cl.items:
        box = w.Checkbox(value=item.id in done_ids, description=c.clinic.fill(item.text), indent=False)
        box.layout.width = "100%"
        box.add_class("cc-check-item")

        def on_change(change, item=item):
            session.current().record_check(cl.lesson, cl.id, item.id, change["new"])
            refresh()
            session.changed()

        box.observe(safe_callback(on_change, status), names="value")
        boxes.append(box)
    refresh()
    intro = f"<p>{escape(c.clinic.fill(cl.intro))}</p>" if cl.intro else ""
    top = html(f"{CSS}<h3>{escape(cl.title)}</h3>{intro}")
    return Panel([top, *boxes, status], summary=f"Checklist: {cl.title} ({len(boxes)} items)",
                 classes=("cc-card", "cc-checklist"))


@friendly("The reflection box could not be shown.")
def reflection(reflection_id: str) -> Panel:
    c = _content()
    r = c.reflections.get(reflection_id)
    if r is None:
        return missing_box(c, "reflections.yaml", reflection_id, "A reflection prompt is missing.")
    prompt = c.clinic.fill(r.prompt)
    top = html(f"{CSS}<h3>Think about it</h3><p id='cc-r-{escape(r.id)}'>{escape(prompt)}</p>"
               + (f"<p><em>{escape(c.clinic.fill(r.hint))}</em></p>" if r.hint else ""))
    area = w.Textarea(placeholder="Type here if you like (optional).", rows=4)
    area.layout.width = "100%"
    area.add_class("cc-reflection-text")
    note = html("<p>🔒 What you type here is never saved, and no one else can see it.</p>")
    return Panel([top, area, note], summary=f"Reflection: {prompt}", classes=("cc-card", "cc-reflection"))


@friendly("The side-effect table could not be shown.")
def side_effect_table(groups: tuple[str, ...] = quiz.TRIAGE_BINS) -> Panel:
    c = _content()
    rows = [r for r in c.side_effects if r.group in groups]
    body = "".join(
        f"<tr><th scope='row'>{escape(c.clinic.fill(r.name))}</th><td>{escape(c.clinic.fill(r.looks_like))}</td>"
        f"<td><strong>{escape(c.clinic.fill(quiz.TRIAGE_LABELS[r.group]))}.</strong> "
        f"{escape(c.clinic.fill(r.what_to_do))}</td></tr>"
        for r in rows)
    table = (f"{CSS}<table><caption class='cc-visually-hidden'>Side effects and what to do</caption>"
             f"<thead><tr><th scope='col'>What you notice</th><th scope='col'>What it can look like</th>"
             f"<th scope='col'>What to do</th></tr></thead><tbody>{body}</tbody></table>")
    children = [html(table, "cc-side-effects")]
    broken = c.problems_in("side_effects.yaml")
    if broken:
        children.append(problem_box(broken, "Some rows of the table are missing."))
    return Panel(children, summary=f"Side-effect table: {len(rows)} rows", classes=("cc-side-effect-table",))


# --------------------------------------------------------------------------- quiz


def explained(html_text: str) -> str:
    """html_text with its glossary terms made tap-to-define (glossary.py)."""
    from .glossary import mark_terms

    return mark_terms(html_text, _content())


def _feedback_html(result: quiz.Result, clinic) -> str:
    details = "".join(f"<li>{escape(clinic.fill(d))}</li>" for d in result.details)
    again = "" if result.correct else "<p>You can change your answer and check again. There is no penalty.</p>"
    return (f"<div class='cc-feedback-{result.status}'>"
            f"<p><strong><span aria-hidden='true'>{result.symbol}</span> {result.headline}</strong></p>"
            f"<ul>{details}</ul><p><strong>Why:</strong> {explained(escape(clinic.fill(result.explanation)))}</p>{again}"
            f"<p class='cc-source'><small>{escape(source_line(result.sources))}</small></p></div>")


class QuestionView(Panel):
    """One question: the prompt, the choices, a Check button and a feedback region read out to screen readers."""

    def __init__(self, question: quiz.Question, number: int | None = None, of: int | None = None):
        c = _content()
        self.question = question
        self.clinic = c.clinic
        seed = session.current().seed
        label = f"Question {number} of {of}" if number else "Try this"
        prompt_id = f"cc-q-{question.id}"
        heading = html(f"<p class='cc-q-number'>{label}</p>"
                       f"<p id='{prompt_id}'><strong>{escape(c.clinic.fill(question.prompt))}</strong></p>")
        if question.type == "multi":
            heading.value += "<p><em>Choose all that are right.</em></p>"
        self.inputs: list = []
        if question.type == "triage":
            bins = [(c.clinic.fill(quiz.TRIAGE_LABELS[b]), b) for b in quiz.TRIAGE_BINS]
            for item in quiz.shuffled(question, seed):
                rb = w.RadioButtons(options=bins, value=None, description="")
                rb.add_class("cc-choice")
                rb.add_class("cc-triage-item")
                rb.layout.width = "100%"
                self.inputs.append((item.id, html(f"<p><strong>{escape(c.clinic.fill(item.text))}</strong></p>"), rb))
            body = [x for _, label_w, rb in self.inputs for x in (label_w, rb)]
        elif question.type == "multi":
            for opt in quiz.shuffled(question, seed):
                cb = w.Checkbox(value=False, description=c.clinic.fill(opt.text), indent=False)
                cb.layout.width = "100%"
                cb.add_class("cc-choice")
                self.inputs.append((opt.id, cb))
            body = [cb for _, cb in self.inputs]
        else:
            options = [(c.clinic.fill(o.text), o.id) for o in quiz.shuffled(question, seed)]
            rb = w.RadioButtons(options=options, value=None, description="")
            rb.layout.width = "100%"
            rb.add_class("cc-choice")
            self.inputs.append(rb)
            body = [rb]
        self.button = w.Button(description="Check my answer", button_style="primary")
        self.button.add_class("cc-check")
        self.feedback = html("<div role='status' aria-live='polite'></div>", "cc-feedback")
        self.button.on_click(safe_callback(self._check, self.feedback))
        super().__init__([heading, *body, self.button, self.feedback],
                         summary=f"{label}: {c.clinic.fill(question.prompt)}", classes=("cc-card", "cc-question"))
        self.add_class(f"cc-q-{question.type}")

    def response(self):
        if self.question.type == "triage":
            return {iid: rb.value for iid, _, rb in self.inputs if rb.value}
        if self.question.type == "multi":
            return [oid for oid, cb in self.inputs if cb.value]
        return self.inputs[0].value

    def _check(self, _=None):
        try:
            result = quiz.check(self.question, self.response())
        except quiz.AnswerError as exc:
            self.feedback.value = (f"<div role='status' aria-live='polite' class='cc-feedback-hint'>"
                                   f"<p><strong><span aria-hidden='true'>ℹ</span> {escape(str(exc))}</strong></p></div>")
            return None
        session.current().record_answer(self.question.lesson, self.question.id,
                                        quiz.normalise(self.question, self.response()), result.status)
        self.feedback.value = (f"<div role='status' aria-live='polite'>{_feedback_html(result, self.clinic)}</div>")
        session.changed()
        return result


@friendly("This question could not be shown.")
def question(question_id: str) -> Panel:
    c = _content()
    try:
        return QuestionView(c.question(question_id))
    except KeyError:
        return missing_box(c, "questions/", question_id, "A practice question is missing.")


@friendly("The knowledge check could not be shown.")
def knowledge_check(lesson_id: str, exclude: tuple[str, ...] = ()) -> Panel:
    """Every question of a lesson (those used as practice elsewhere can be left out)."""
    c = _content()
    qs = [q for q in c.questions_for(lesson_id) if q.id not in exclude]
    views = [QuestionView(q, i + 1, len(qs)) for i, q in enumerate(qs)]
    top = html(f"{CSS}<p><strong>{len(qs)} questions.</strong> Take your time. You can try again as often as "
               "you like.</p>")
    children = [top, *views]
    broken = c.problems_in(f"questions/{lesson_id}.yaml")
    if broken:
        children.append(problem_box(broken, "Some questions could not be shown."))
    return Panel(children, summary=f"Knowledge check: {len(qs)} questions", classes=("cc-quiz",))
