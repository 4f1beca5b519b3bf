"""Render a lesson notebook inside the app's kernel: Markdown cells as HTML, code cells by running them.

A lesson's code cells only call this package and end with the widget to show, so running them here gives
exactly what the notebook shows on its own. Notebooks are parsed once per kernel.

The app shows a lesson in steps. Steps are derived here, at render time, from the notebook's own "## "
headings, so the notebook itself still reads top to bottom in JupyterLab and nbval compares real content.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import ipywidgets as w

from .. import content
from ..content.lang import current, using
from . import glossary
from .questions import KnowledgeCheck

CHECK_BUDGET = 17  # about how many lines (prompts and options) of a knowledge check one step holds


@cache
def _markdown():
    import mistune

    return mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])


def _heading(source: str) -> str:
    first = source.lstrip().split("\n", 1)[0]
    match = re.match(r"##\s+(.+)", first)
    return match.group(1).strip() if match else ""


@lru_cache(maxsize=32)
def parsed_cells(path: str, mtime_ns: int) -> tuple:
    """[(kind, payload, heading)]: ("html", str, "## heading" text or "") for Markdown, ("code", (body code,
    last expression code), "") for code."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        if not source.strip():
            continue
        if cell.get("cell_type") == "markdown":
            cells.append(("html", _markdown()(source), _heading(source)))
        elif cell.get("cell_type") == "code":
            tree = ast.parse(source, filename=path)
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            body = compile(tree, path, "exec")
            cells.append(("code", (body, compile(last, path, "eval") if last else None), ""))
    return tuple(cells)


def _with_terms(html: str, seen: set, lang: str) -> str:
    try:
        return glossary.mark_terms(html, content.get(lang), seen)
    except Exception:  # a glossary problem must never hide the lesson text
        import logging

        logging.getLogger("caregiver_course").exception("glossary terms could not be marked")
        return html


@dataclass
class Step:
    title: str
    widgets: list = field(default_factory=list)


def render_steps(path: Path, namespace: dict, on_error, split: bool = True, lang: str | None = None) -> list[Step]:
    """The lesson's widgets grouped into steps: a step starts at each "## " heading (what comes before the
    first heading joins the first step), and a long knowledge check is split over several steps. The code
    cells build their parts in lang (the notebook's language: path is notebooks/<lang>/...); by default in
    the language parts are built in now (content.lang.current())."""
    if lang is None:
        return _render_steps(path, namespace, on_error, split, current())
    with using(lang):
        return _render_steps(path, namespace, on_error, split, lang)


def _render_steps(path: Path, namespace: dict, on_error, split: bool, lang: str) -> list[Step]:
    steps: list[Step] = []
    lead: list[w.Widget] = []
    seen: set = set()  # glossary terms already made tap-to-define in this lesson
    try:
        cells = parsed_cells(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError, SyntaxError):
        return [Step("This lesson", [on_error("This lesson's file could not be read.")])]
    for kind, payload, heading in cells:
        if kind == "html":
            widget = w.HTML(_with_terms(payload, seen, lang))
            widget.add_class("cc-md")
        else:
            widget = _run(payload, namespace, path, on_error)
            if widget is None:
                continue
        if heading:
            steps.append(Step(heading, lead + [widget]))
            lead = []
        elif steps:
            steps[-1].widgets.append(widget)
        else:
            lead.append(widget)
    if lead:  # a notebook without any "## " heading is one step
        steps.append(Step("This lesson", lead))
    if not split:
        return steps
    return [part for step in steps for part in _split(step)]


def _split(step: Step) -> list[Step]:
    """A step holding a widget that can be paged (a long knowledge check, the side-effect table) becomes
    one step per page; what comes before it joins the first page, what comes after it the last."""
    for at, widget in enumerate(step.widgets):  # noqa: B007 (at is used after the loop)
        if isinstance(widget, KnowledgeCheck):
            pages = widget.pages(CHECK_BUDGET)
            break
        if callable(getattr(widget, "pages", None)):
            pages = widget.pages()
            break
    else:
        return [step]
    if len(pages) < 2:
        return [step]
    before, after = step.widgets[:at], step.widgets[at + 1 :]
    out = []
    for n, page in enumerate(pages):
        widgets = (before if n == 0 else []) + list(page)
        out.append(Step(f"{step.title} ({n + 1} of {len(pages)})", widgets))
    words = [x for x in after if "cc-words-to-know" in getattr(x, "_dom_classes", ())]
    if words and len(after) > len(words):  # the words to know, then the rest: two short steps on a phone
        out.append(Step("Words to know", words))
        after = [x for x in after if x not in words]
    if after:  # what follows a paged check or table (key points, what's next): a step of its own
        out.append(Step("What to remember", list(after)))
    return out


def _run(payload, namespace: dict, path: Path, on_error):
    body, last = payload
    try:
        exec(body, namespace)  # noqa: S102  a lesson cell from the repository, run as in the notebook
        value = eval(last, namespace) if last else None
    except Exception:
        import logging

        logging.getLogger("caregiver_course").exception("cell in %s failed", path.name)
        value = on_error("Part of this lesson could not be shown.")
    return value if isinstance(value, w.Widget) else None


def render(path: Path, namespace: dict, on_error, lang: str | None = None) -> list[w.Widget]:
    """Widgets for every cell of the notebook, in order. on_error(message) makes the widget shown for a
    failing cell."""
    return [x for step in render_steps(path, namespace, on_error, split=False, lang=lang) for x in step.widgets]
