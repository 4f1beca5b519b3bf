"""Widgets: show content and quiz results; all logic is in content, quiz and session.

Every function a notebook cell calls returns one widget. If anything goes wrong, it returns a friendly box
instead (never a traceback), and the detail goes to the server log.
"""

from __future__ import annotations

import functools
import logging
import re
from html import escape
from pathlib import Path

import anywidget
import ipywidgets as w
import traitlets as t

from . import content as content_mod
from . import quiz, session
from .clinic import LEARNER_LABELS
from .problems import Problem
from .sources import source_line

log = logging.getLogger("caregiver_course")

ASSETS = Path(__file__).resolve().parent / "voila" / "templates" / "caregiver" / "static"
# The page's look lives in the template's stylesheet (static/cc-app.css), not in Python strings.
_WIDGETS_JS = (ASSETS / "cc-widgets.js").read_text(encoding="utf-8")


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


class _Browser(anywidget.AnyWidget):
    """A widget drawn by the template's cc-widgets.js (see there)."""

    _esm = _WIDGETS_JS
    kind = t.Unicode("").tag(sync=True)


class Bridge(_Browser):
    """Tells the kernel who this browser is: the page sends ``{"hello": {"token", "code", "search", "origin"}}``
    as a widget message until the kernel answers ``{"ok": token, "code": resume code}``; the browser keeps
    both (an empty value leaves what it has). The store keeps only hashes of them.

    on_hello(hello: dict) returns the token to send back, or None to answer later with :meth:`answer`."""

    def __init__(self, on_hello):
        super().__init__(kind="bridge")
        self.add_class("cc-identity")
        self.layout.display = "none"
        self.on_hello = on_hello
        self.token = ""  # the last token sent to the browser
        self.code = ""  # and the last resume code
        self.on_msg(safe_callback(lambda _w, content, _buffers: self.receive(content)))

    def receive(self, content) -> None:
        hello = content.get("hello") if isinstance(content, dict) else None
        if not isinstance(hello, dict):
            return
        token = self.on_hello(hello)
        if token is not None:
            self.answer(token)

    def answer(self, token: str, code: str = "") -> None:
        self.token, self.code = token, code
        self.send({"ok": token, "code": code})


class Choices(_Browser):
    """Choices drawn as real HTML: a fieldset named by the prompt, one label per option (see cc-widgets.js).

    kind: "single" (radio), "multi" (checkboxes) or "sort" (one radio group per row). value is the option
    id (single), a list of ids (multi) or {row id: option id} (sort). A "check" message from the browser
    calls on_check; feedback is HTML (made from escaped text) shown in a live region that stays in place."""

    prompt = t.Unicode("").tag(sync=True)
    prompt_id = t.Unicode("").tag(sync=True)
    number_label = t.Unicode("").tag(sync=True)
    hint = t.Unicode("").tag(sync=True)
    options = t.List().tag(sync=True)  # [[label, id], ...]
    rows = t.List().tag(sync=True)  # sort: [[row id, situation], ...]
    value = t.Any(None, allow_none=True).tag(sync=True)
    feedback = t.Unicode("").tag(sync=True)
    check_label = t.Unicode("").tag(sync=True)

    def __init__(self, on_check=None, **kwargs):
        super().__init__(**kwargs)
        self.add_class("cc-choices")
        self.on_check = on_check
        self.on_msg(safe_callback(lambda _w, content, _buffers: self._message(content)))

    def show(self, value) -> None:
        """Set the choices from the kernel (a fresh form, or a saved entry loaded to edit) and draw them so.

        The page draws value changes only when the choices are first drawn (later ones are echoes of the
        learner's own taps), so the kernel asks for this redraw with a message of its own."""
        self.value = value
        self.send({"show": value})

    def _message(self, content) -> None:
        if isinstance(content, dict) and content.get("event") == "check" and self.on_check is not None:
            if "value" in content:  # the choices as the learner sees them (the same trust as a value update)
                self.value = content["value"]
            self.on_check()


class Refused(Exception):
    """A file cannot be made for a reason the learner can act on; the message says it in plain words."""


MAX_FILE_BYTES = 700_000  # base64 makes it about 0.93 MB: every message stays under 1 MB


class Download(_Browser):
    """A large button that saves a file made by make() (bytes or text) in the browser (see cc-widgets.js).

    The file travels as base64 text in one widget message, never as binary buffers. action "print" sends
    HTML to print instead. make() may raise Refused with a message for the learner; any other failure is
    logged and the learner reads a plain sentence (never a traceback)."""

    label = t.Unicode("").tag(sync=True)
    note = t.Unicode("").tag(sync=True)
    action = t.Unicode("download").tag(sync=True)

    def __init__(self, label: str, make, filename="", mime: str = "application/pdf", action: str = "download"):
        super().__init__(kind="download", label=label, action=action)
        self.add_class("cc-download-widget")
        self.make, self.filename, self.mime = make, filename, mime
        self.on_msg(lambda _w, content, _buffers: self._message(content))

    def _message(self, content) -> None:
        if not isinstance(content, dict) or content.get("event") not in ("download", "print"):
            return
        from .toolkit import worker

        # While the file waits for a PDF worker, the page says so (the button stays busy until the file comes).
        token = worker.notice.set(lambda text: self.send({"status": text}))
        try:
            data = self.make()
            if self.action == "print":
                self.send({"print": str(data)})
                return
            raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
            if len(raw) > MAX_FILE_BYTES:
                raise Refused("This file is too big to send. Please tell the clinic staff.")
            import base64

            name = self.filename() if callable(self.filename) else self.filename
            self.send({"file": {"name": name, "mime": self.mime, "data": base64.b64encode(raw).decode("ascii")}})
        except Refused as exc:
            self.send({"error": str(exc)})
        except worker.Busy:
            log.warning("no PDF worker came free for %s", self.filename)
            self.send({"error": "Many files are being made right now. Please try again in a minute."})
        except Exception:
            log.exception("making %s failed", self.filename)
            self.send({"error": "Sorry, the file could not be made. Please try again, or tell the clinic staff."})
        finally:
            worker.notice.reset(token)


def problem_box(problems: list[Problem], what: str) -> Panel:
    items = "".join(f"<li>{escape(str(p))}</li>" for p in problems[:8])
    more = f"<p>…and {len(problems) - 8} more.</p>" if len(problems) > 8 else ""
    box = html(
        f'<div role="status"><p><strong>⚠ Part of this page could not be shown.</strong> {escape(what)} '
        f"The rest of the lesson still works.</p><p>Please tell the clinic staff. They can fix it in the course "
        f"files:</p><ul>{items}</ul>{more}</div>",
        "cc-error",
    )
    return Panel([box], summary=f"Content problem: {len(problems)} to fix", classes=("cc-problem",))


def missing_box(c, file: str, ident: str, what: str) -> Panel:
    """Why an item named in a cell cannot be shown: its own problems (or its file's), else 'no such id'."""
    found = [
        p
        for p in c.problems
        if (p.file == file or (file.endswith("/") and p.file.startswith(file)))
        and (p.item in (ident, "(whole file)") or p.item.startswith(ident + "/"))
    ]
    return problem_box(found or [Problem(file, ident, "id", f"nothing has the id '{ident}'")], what)


def friendly_error(what: str) -> Panel:
    box = html(
        f'<div role="status"><p><strong>⚠ Sorry, something went wrong.</strong> {escape(what)}</p>'
        "<p>Your answers so far are safe. Try again, or tell the clinic staff.</p></div>",
        "cc-error",
    )
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
                feedback.value = (
                    '<div role="status" aria-live="polite" class="cc-feedback-hint">⚠ Sorry, that did '
                    "not work. Please try again. Your earlier answers are safe.</div>"
                )

    return wrapper


def _content():
    return content_mod.get()


# --------------------------------------------------------------------------- page furniture


def _digits(value: str) -> str:
    return re.sub(r"[^0-9+]", "", value)


def phone_link(c, name: str, scheme: str = "tel") -> str:
    """A clinic setting as a tap-to-call (tel:) or tap-to-text (sms:) link; plain text if it has no number."""
    digits = _digits(c.value(name))
    shown = escape(c.shown(name))
    if len(digits) < 3:
        return f"<strong>{shown}</strong>"
    verb = "Call" if scheme == "tel" else "Text"
    return f"<a class='cc-{scheme}' href='{scheme}:{digits}' aria-label='{verb} {shown}'><strong>{shown}</strong></a>"


def web_link(c, name: str) -> str:
    value = c.value(name).strip()
    if not value or any(ch in value for ch in " <>\"'"):
        return escape(c.shown(name))
    href = value if value.startswith(("https://", "http://")) else "https://" + value
    return f"<a class='cc-web' href='{escape(href)}' target='_blank' rel='noopener'>{escape(c.shown(name))}</a>"


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
    lines.append(
        f"For questions about treatment, call {escape(c.shown('clinic_name'))}: "
        f"{rf.call_link(c, 'clinic_phone', '')}. After hours: {rf.call_link(c, 'after_hours_phone', '')}."
    )
    return "".join(f"<p>{line}</p>" for line in lines)


def help_lines_html(c=None) -> str:
    """The crisis and clinic numbers in three short lines (the start page's help box)."""
    c = c or _content().clinic
    crisis = (
        f"call {phone_link(c, 'crisis_call')} · text {phone_link(c, 'crisis_text', 'sms')} · chat "
        f"{web_link(c, 'crisis_chat')}"
    )
    if c.is_set("crisis_text_line"):
        crisis += f" · Crisis Text Line: text {phone_link(c, 'crisis_text_line', 'sms')}"
    return (
        f"<p><strong>Emergency:</strong> call {phone_link(c, 'emergency_number')}</p>"
        f"<p><strong>Suicide or mental health crisis</strong> (free, day and night): {crisis}</p>"
        f"<p><strong>Treatment questions:</strong> {escape(c.shown('clinic_name'))}, "
        f"{phone_link(c, 'clinic_phone')}. After hours: {phone_link(c, 'after_hours_phone')}.</p>"
    )


def disclaimer_html() -> str:
    return (
        "<p><strong>This course is education, not medical advice.</strong> It does not replace your "
        "loved one's care team. Always follow what your clinic tells you.</p>"
    )


HELP_LABEL = "☎ Help"
# Where the button is (cc-app.css: .cc-help is fixed at the bottom right). Lessons and notes name the button
# "**☎ Help** button at the bottom right of the screen"; tests/test_one_answer.py keeps them in step with these.
HELP_WHERE = "at the bottom right of the screen"


@friendly("The help box could not be shown.")
def help_now() -> Panel:
    """A Help button that stays on screen (bottom corner) and opens the crisis and clinic numbers as links."""
    box = html(f"<h2 class='cc-help-title'>Help now</h2>{crisis_html()}", "cc-crisis", "cc-help-box")
    box.layout.display = "none"
    button = w.Button(description=HELP_LABEL, tooltip="Show crisis and clinic numbers")
    button.add_class("cc-help-button")

    def toggle(_):
        opening = box.layout.display == "none"
        box.layout.display = None if opening else "none"
        button.description = "✕ Close help" if opening else HELP_LABEL

    button.on_click(safe_callback(toggle))
    return Panel([box, button], summary="Help now button (crisis and clinic numbers)", classes=("cc-help",))


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
        f"<p class='cc-where'>{where} · about {lesson.minutes} minutes</p>"
        f"<h1 class='cc-title'>{escape(lesson.title)}</h1><p><strong>In this lesson you will:</strong></p>"
        f"<ul>{objectives}</ul>",
        "cc-header",
    )
    note = html(f"<div class='cc-note'>{disclaimer_html()}</div>", "cc-disclaimer")
    children = [top, help_now(), note]
    if c.clinic.value("treatment_type") == "esketamine":
        children.append(
            html(  # fact A5: a different, FDA-approved treatment with rules of its own
                "<div class='cc-note'><p><strong>Note:</strong> This course was written for ketamine infusions "
                "given into a vein. Your loved one's clinic gives esketamine nasal spray (SPRAVATO). It is approved "
                "by the FDA and has some rules of its own, so a few details here differ. Always follow what your "
                "clinic tells you.</p></div>",
                "cc-treatment-note",
            )
        )
    broken = c.problems_in("clinic.yaml")
    if broken:
        children.append(problem_box(broken, "Some clinic details are missing."))
    return Panel(
        children,
        summary=f"{where}: {lesson.title} (about {lesson.minutes} minutes)"
        if lesson.number
        else f"{lesson.title} (about {lesson.minutes} minutes)",
        classes=("cc-lesson-header",),
    )


@friendly("The key points could not be shown.")
def key_points(lesson_id: str) -> Panel:
    c = _content()
    lesson = c.lesson(lesson_id)
    points = [c.clinic.fill(p) for p in lesson.key_points]
    body = "".join(f"<li>{escape(p)}</li>" for p in points)
    summary = "Key points:\n" + "\n".join(f"- {p}" for p in points)
    return Panel([html(f"<h3>Key points</h3><ul>{body}</ul>", "cc-card")], summary=summary, classes=("cc-key-points",))


@friendly("The next step could not be shown.")
def whats_next(lesson_id: str) -> Panel:
    c = _content()
    lesson = c.lesson(lesson_id)
    later = [x for x in c.lessons if x.number == lesson.number + 1]
    if later:
        nxt = later[0]
        text = (
            f"<h3>What's next</h3><p>Next is lesson {nxt.number}: <strong>{escape(nxt.title)}</strong> "
            f"(about {nxt.minutes} minutes). {escape(c.clinic.fill(nxt.summary))}</p>"
        )
        summary = f"Next: lesson {nxt.number}, {nxt.title}"
    else:
        text = (
            "<h3>What's next</h3><p>You have reached the end of the course. Thank you for the care you "
            "give. Come back to any lesson whenever you need it.</p>"
        )
        summary = "End of the course"
    from .takehome import lesson_tools  # lessons 3, 4, 7 and 8 end with the take-home tools

    tools = lesson_tools(lesson_id, session.for_new_widget())
    return Panel([*tools, html(text, "cc-card")], summary=summary, classes=("cc-next",))


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
    return Panel(
        [html(f"<div class='cc-note'><h3>{escape(title)}</h3><ul>{body}</ul></div>")],
        summary=summary,
        classes=("cc-clinic-box",),
    )


# --------------------------------------------------------------------------- practice


@friendly("The checklist could not be shown.")
def checklist(checklist_id: str) -> Panel:
    c = _content()
    cl = c.checklists.get(checklist_id)
    if cl is None:
        return missing_box(c, "checklists.yaml", checklist_id, "A checklist is missing.")
    sess = session.for_new_widget()
    ticked = sorted(sess.checked(checklist_id))
    box = Choices(
        kind="multi",
        prompt=cl.title,
        prompt_id=f"cc-cl-{cl.id}",
        hint=c.clinic.fill(cl.intro) if cl.intro else "",
        options=[[c.clinic.fill(i.text), i.id] for i in cl.items],
        value=ticked,
    )
    box.add_class("cc-checklist-items")
    count = len(cl.items)

    def status(n: int) -> str:
        return f"<p>{n} of {count} ticked.</p>"

    box.feedback = status(len(ticked))
    before = set(ticked)

    def on_change(change):
        nonlocal before
        now = {str(x) for x in (change["new"] or ())} & {i.id for i in cl.items}
        for item_id in sorted(now ^ before):
            sess.record_check(cl.lesson, cl.id, item_id, item_id in now)
        before = now
        box.feedback = status(len(now))
        sess.changed()

    box.observe(safe_callback(on_change), names="value")
    return Panel([box], summary=f"Checklist: {cl.title} ({count} items)", classes=("cc-card", "cc-checklist"))


@friendly("The reflection box could not be shown.")
def reflection(reflection_id: str) -> Panel:
    c = _content()
    r = c.reflections.get(reflection_id)
    if r is None:
        return missing_box(c, "reflections.yaml", reflection_id, "A reflection prompt is missing.")
    prompt = c.clinic.fill(r.prompt)
    top = html(
        f"<h3>Think about it</h3><p id='cc-r-{escape(r.id)}'>{escape(prompt)}</p>"
        + (f"<p><em>{escape(c.clinic.fill(r.hint))}</em></p>" if r.hint else "")
    )
    area = w.Textarea(placeholder="Type here if you like (optional).", rows=4)
    area.layout.width = "100%"
    area.add_class("cc-reflection-text")
    note = html("<p>🔒 What you type here is never saved, and no one else can see it.</p>")
    return Panel([top, area, note], summary=f"Reflection: {prompt}", classes=("cc-card", "cc-reflection"))


GROUP_ICONS = {"expected": "🕒", "clinic": "☎", "emergency": "🚑", "crisis": "💬"}
ROWS_PER_PART = 4  # side-effect rows in one part of the table (one lesson step on a phone)


class SideEffectTable(Panel):
    """One small table per group (the app may show each group as its own step)."""

    def __init__(self, parts: list, extra: list, summary: str):
        super().__init__([*parts, *extra], summary=summary, classes=("cc-side-effect-table",))
        self.parts, self.extra = parts, extra

    def pages(self) -> list[list]:
        pages = [[part] for part in self.parts]
        if pages:
            pages[-1] += self.extra
        return pages


@friendly("The side-effect table could not be shown.")
def side_effect_table(groups: tuple[str, ...] = quiz.TRIAGE_BINS) -> Panel:
    """A table per group on wide screens; on phones each row is a card whose fields carry their labels
    (cc-app.css). Each group is shown by icon + word + colour, never colour alone."""
    c = _content()
    rows = [r for r in c.side_effects if r.group in groups]
    heads = ("What you notice", "What it can look like", "What to do")
    parts = []
    chunks = []  # (group, rows, continued): a group of many rows is shown in parts, so a phone step stays short
    for group in groups:
        mine = [r for r in rows if r.group == group]
        chunks += [(group, mine[i : i + ROWS_PER_PART], i > 0) for i in range(0, len(mine), ROWS_PER_PART)]
    for group, mine, continued in chunks:
        label = escape(c.clinic.fill(quiz.TRIAGE_LABELS[group]))
        more = " (continued)" if continued else ""
        body = "".join(
            f"<tr class='cc-se-row cc-se-{r.group}'><th scope='row' data-label='{heads[0]}'>"
            f"{escape(c.clinic.fill(r.name))}</th><td data-label='{heads[1]}'>{escape(c.clinic.fill(r.looks_like))}"
            f"</td><td data-label='{heads[2]}'><span class='cc-se-group'><span aria-hidden='true'>"
            f"{GROUP_ICONS[r.group]}</span> <strong>{label}.</strong></span> {escape(c.clinic.fill(r.what_to_do))}"
            f"</td></tr>"
            for r in mine
        )
        parts.append(
            html(
                f"<h3 class='cc-se-heading cc-se-{group}'><span aria-hidden='true'>{GROUP_ICONS[group]}</span> "
                f"{label}{more}</h3><table class='cc-se-table'><caption class='cc-visually-hidden'>"
                f"Side effects: {label}{more}"
                f"</caption><thead><tr>{''.join(f'<th scope=col>{h}</th>' for h in heads)}</tr></thead>"
                f"<tbody>{body}</tbody></table>",
                "cc-side-effects",
            )
        )
    broken = c.problems_in("side_effects.yaml")
    extra = [problem_box(broken, "Some rows of the table are missing.")] if broken else []
    return SideEffectTable(parts, extra, summary=f"Side-effect table: {len(rows)} rows")


# --------------------------------------------------------------------------- quiz


def explained(html_text: str) -> str:
    """html_text with its glossary terms made tap-to-define (glossary.py)."""
    from .glossary import mark_terms

    return mark_terms(html_text, _content())


def _feedback_html(result: quiz.Result, clinic) -> str:
    details = "".join(f"<li>{escape(clinic.fill(d))}</li>" for d in result.details)
    again = "" if result.correct else "<p>You can change your answer and check again. There is no penalty.</p>"
    return (
        f"<div class='cc-feedback-{result.status}'>"
        f"<p><strong><span aria-hidden='true'>{result.symbol}</span> {result.headline}</strong></p>"
        f"<ul>{details}</ul><p><strong>Why:</strong> {explained(escape(clinic.fill(result.explanation)))}</p>{again}"
        f"<p class='cc-source'><small>{escape(source_line(result.sources))}</small></p></div>"
    )


class QuestionView(Panel):
    """One question: a fieldset named by the prompt, its choices, a Check button and a feedback region that
    stays in the page. It is bound to the learner's session when built, and shows their last answer (and
    its feedback) again after a reload or on another device."""

    def __init__(
        self,
        question: quiz.Question,
        number: int | None = None,
        of: int | None = None,
        restore: bool = True,
        seed: str = "",
    ):
        """restore=False starts blank (a practice); seed orders the choices (default: the learner's own)."""
        c = _content()
        self.question = question
        self.clinic = c.clinic
        self.session = session.for_new_widget()
        label = f"Question {number} of {of}" if number else "Try this"
        kind = {"triage": "sort", "multi": "multi"}.get(question.type, "single")
        things = quiz.shuffled(question, seed or self.session.seed)
        if kind == "sort":
            options = [[c.clinic.fill(quiz.TRIAGE_LABELS[b]), b] for b in quiz.TRIAGE_BINS]
            rows = [[item.id, c.clinic.fill(item.text)] for item in things]
        else:
            options, rows = [[c.clinic.fill(o.text), o.id] for o in things], []
        self.choices = Choices(
            on_check=safe_callback(self._check, None),
            kind=kind,
            prompt=c.clinic.fill(question.prompt),
            prompt_id=f"cc-q-{question.id}",
            number_label=label,
            hint="Choose all that are right." if kind == "multi" else "",
            options=options,
            rows=rows,
            value={} if kind == "sort" else [] if kind == "multi" else "",
            check_label="Check my answer",
        )
        super().__init__(
            [self.choices], summary=f"{label}: {c.clinic.fill(question.prompt)}", classes=("cc-card", "cc-question")
        )
        self.add_class(f"cc-q-{question.type}")
        if restore:
            self._restore()

    @property
    def feedback(self) -> str:
        return self.choices.feedback

    def choose(self, value) -> None:
        """Set the answer as the browser would (tests and scripts)."""
        self.choices.value = value

    def response(self):
        value = self.choices.value
        if self.question.type == "triage":
            return {str(k): str(v) for k, v in (value or {}).items() if v} if isinstance(value, dict) else value
        if self.question.type == "multi":
            return list(value or [])
        return value

    def _restore(self) -> None:
        last = self.session.last_answers().get(self.question.id)
        if last is None:
            return
        try:
            result = quiz.check(self.question, last["response"])
        except (quiz.AnswerError, KeyError, TypeError):
            return  # an answer that no longer fits (the bank changed): start blank
        self.choices.value = last["response"]
        self.choices.feedback = _feedback_html(result, self.clinic)

    def check(self):
        return self._check()

    def _check(self, _=None):
        try:
            result = quiz.check(self.question, self.response())
        except quiz.AnswerError as exc:
            self.choices.feedback = (
                f"<div class='cc-feedback-hint'><p><strong><span aria-hidden='true'>ℹ</span> "
                f"{escape(str(exc))}</strong></p></div>"
            )
            return None
        self.session.record_answer(
            self.question.lesson, self.question.id, quiz.normalise(self.question, self.response()), result.status
        )
        self.choices.feedback = _feedback_html(result, self.clinic)
        self.session.changed()
        return result


@friendly("This question could not be shown.")
def question(question_id: str) -> Panel:
    c = _content()
    try:
        return QuestionView(c.question(question_id))
    except KeyError:
        return missing_box(c, "questions/", question_id, "A practice question is missing.")


class KnowledgeCheck(Panel):
    """The knowledge check: an intro and one view per question (the app may show them over several steps)."""

    def __init__(self, intro: w.Widget, views: list[QuestionView], extra: list[w.Widget], summary: str):
        super().__init__([intro, *views, *extra], summary=summary, classes=("cc-quiz",))
        self.intro, self.views, self.extra = intro, views, extra

    def pages(self, budget: int = 14) -> list[list]:
        """The questions in pages of about one to two phone screens: a question costs 2 lines plus one per
        option (a sorting task: two per situation), and a page holds about budget lines."""
        pages: list[list] = [[]]
        used = 0
        for view in self.views:
            q = view.question
            cost = 2 + (2 * len(q.items) if q.type == "triage" else len(q.options))
            if pages[-1] and used + cost > budget:
                pages.append([])
                used = 0
            pages[-1].append(view)
            used += cost
        pages[0] = [self.intro, *pages[0]]
        pages[-1] = [*pages[-1], *self.extra]
        return pages


@friendly("The knowledge check could not be shown.")
def knowledge_check(lesson_id: str, exclude: tuple[str, ...] = ()) -> Panel:
    """Every question of a lesson (those used as practice elsewhere can be left out)."""
    c = _content()
    qs = [q for q in c.questions_for(lesson_id) if q.id not in exclude]
    views = [QuestionView(q, i + 1, len(qs)) for i, q in enumerate(qs)]
    top = html(
        f"<p><strong>{len(qs)} questions.</strong> Take your time. You can try again as often as you like.</p>",
        "cc-quiz-intro",
    )
    broken = c.problems_in(f"questions/{lesson_id}.yaml")
    extra = [problem_box(broken, "Some questions could not be shown.")] if broken else []
    return KnowledgeCheck(top, views, extra, summary=f"Knowledge check: {len(qs)} questions")
