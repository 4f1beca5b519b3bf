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

from .. import content as content_mod
from ..content.problems import Problem
from ..toolkit import worker
from . import links as rf  # numbers as tel:/sms: links (issue 10)

log = logging.getLogger("caregiver_course")

ASSETS = Path(__file__).resolve().parents[1] / "voila" / "templates" / "caregiver" / "static"

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
    HTML to print instead; action "share" sends the file too, and the page offers it to the phone's share sheet
    (or saves it where there is none). make() may raise Refused with a message for the learner; any other failure is
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
        if not isinstance(content, dict) or content.get("event") not in ("download", "print", "share"):
            return

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


class Share(_Browser):
    """ "Send the course to someone": the phone's share sheet (navigator.share) where there is one, else the link is
    copied, with a plain confirmation (see cc-widgets.js). url is the clinic's course address, or this server's
    path to the app (the page adds its own origin): never the page's own address, so no resume code, token,
    workshop code or step travels with it (the person it is sent to starts as a new learner)."""

    label = t.Unicode("").tag(sync=True)
    title = t.Unicode("").tag(sync=True)
    text = t.Unicode("").tag(sync=True)
    url = t.Unicode("").tag(sync=True)

    def __init__(self, label: str, title: str, text: str, url: str):
        super().__init__(kind="share", label=label, title=title, text=text, url=url)
        self.add_class("cc-share-widget")


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


def current_content(lang: str | None = None):
    """The content in lang; by default in the language the lesson is being built in (content.lang.current())."""
    return content_mod.get(lang or content_mod.lang.current())


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

    c = c or current_content().clinic
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
    c = c or current_content().clinic
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
