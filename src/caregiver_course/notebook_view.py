"""Render a lesson notebook inside the app's kernel: Markdown cells as HTML, code cells by running them.

A lesson's code cells only call this package and end with the widget to show, so running them here gives
exactly what the notebook shows on its own. Notebooks are parsed once per kernel.
"""
from __future__ import annotations

import ast
import json
from functools import lru_cache
from pathlib import Path

import ipywidgets as w


@lru_cache(maxsize=None)
def _markdown():
    import mistune

    return mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])


@lru_cache(maxsize=32)
def parsed_cells(path: str, mtime_ns: int) -> tuple:
    """[(kind, payload)]: ("html", str) for Markdown, ("code", (body code, last expression code)) for code."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        if not source.strip():
            continue
        if cell.get("cell_type") == "markdown":
            cells.append(("html", _markdown()(source)))
        elif cell.get("cell_type") == "code":
            tree = ast.parse(source, filename=path)
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            body = compile(tree, path, "exec")
            cells.append(("code", (body, compile(last, path, "eval") if last else None)))
    return tuple(cells)


def _with_terms(html: str, seen: set) -> str:
    try:
        from . import content, glossary

        return glossary.mark_terms(html, content.get(), seen)
    except Exception:  # a glossary problem must never hide the lesson text
        import logging

        logging.getLogger("caregiver_course").exception("glossary terms could not be marked")
        return html


def render(path: Path, namespace: dict, on_error) -> list[w.Widget]:
    """Widgets for every cell of the notebook. on_error(message) makes the widget shown for a failing cell."""
    children: list[w.Widget] = []
    try:
        cells = parsed_cells(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError, SyntaxError):
        return [on_error("This lesson's file could not be read.")]
    seen: set = set()  # glossary terms already made tap-to-define in this lesson
    for kind, payload in cells:
        if kind == "html":
            box = w.HTML(_with_terms(payload, seen))
            box.add_class("cc-md")
            children.append(box)
            continue
        body, last = payload
        try:
            exec(body, namespace)
            value = eval(last, namespace) if last else None
        except Exception:
            import logging

            logging.getLogger("caregiver_course").exception("cell in %s failed", path.name)
            value = on_error("Part of this lesson could not be shown.")
        if isinstance(value, w.Widget):
            children.append(value)
    return children
