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

CHECK_PAGE = 3  # knowledge-check questions per step (a phone screen or so each)


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


@dataclass
class Step:
    title: str
    widgets: list = field(default_factory=list)


def render_steps(path: Path, namespace: dict, on_error, split: bool = True) -> list[Step]:
    """The lesson's widgets grouped into steps: a step starts at each "## " heading (what comes before the
    first heading joins the first step), and a long knowledge check is split over several steps."""
    steps: list[Step] = []
    lead: list[w.Widget] = []
    try:
        cells = parsed_cells(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError, SyntaxError):
        return [Step("This lesson", [on_error("This lesson's file could not be read.")])]
    for kind, payload, heading in cells:
        if kind == "html":
            widget = w.HTML(payload)
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
    return [part for step in steps for part in _split_check(step)]


def _split_check(step: Step) -> list[Step]:
    from .widgets import KnowledgeCheck

    checks = [x for x in step.widgets if isinstance(x, KnowledgeCheck)]
    if not checks or len(checks[0].views) <= CHECK_PAGE + 1:
        return [step]
    check = checks[0]
    at = step.widgets.index(check)
    before, after = step.widgets[:at], step.widgets[at + 1:]
    views = check.views
    pages = [views[i:i + CHECK_PAGE] for i in range(0, len(views), CHECK_PAGE)]
    if len(pages[-1]) == 1 and len(pages) > 1:  # no step with a lonely last question
        pages[-2:] = [pages[-2] + pages[-1]]
    out = []
    for n, page in enumerate(pages):
        widgets = page
        if n == 0:
            widgets = before + [check.intro] + page
        if n == len(pages) - 1:
            widgets = widgets + check.extra + after
        out.append(Step(f"{step.title} ({n + 1} of {len(pages)})", widgets))
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


def render(path: Path, namespace: dict, on_error) -> list[w.Widget]:
    """Widgets for every cell of the notebook, in order. on_error(message) makes the widget shown for a
    failing cell."""
    return [x for step in render_steps(path, namespace, on_error, split=False) for x in step.widgets]
