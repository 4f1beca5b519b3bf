"""Glossary terms on the screen: the first use of each term made tap-to-define, and a lesson's "Words to know"."""

from __future__ import annotations

import json
import re
from html import escape

from .. import content as content_mod
from ..content.glossary import Term, all_terms, term_pattern
from .widgets import Panel, current_content, html

SKIP_INSIDE = ("a", "h1", "h2", "h3", "h4", "button", "summary", "code", "style", "script", "title")


def term_html(word: str, term: Term) -> str:
    return (
        f"<span class='cc-term' tabindex='0'>{word}<span class='cc-def' role='tooltip'> ({escape(term.means)})"
        "</span></span>"
    )


def mark_terms(html: str, content, seen: set | None = None) -> str:
    """html with the first use of each glossary term made tap-to-define. seen: terms already marked on this page."""
    seen = set() if seen is None else seen
    terms = [t for t in all_terms(content) if t.term.lower() not in seen]
    if not terms:
        return html
    parts = re.split(r"(<[^>]+>)", html)
    stack: list[str] = []
    for i, part in enumerate(parts):
        if part.startswith("<"):
            m = re.match(r"<(/?)([a-zA-Z0-9]+)", part)
            if m and not part.endswith("/>"):
                tag = m.group(2).lower()
                if m.group(1):
                    if tag in stack:
                        del stack[len(stack) - 1 - stack[::-1].index(tag) :]
                elif tag not in ("br", "img", "hr", "input", "meta", "link"):
                    stack.append(tag)
            continue
        if any(t in SKIP_INSIDE for t in stack) or "cc-term" in "".join(parts[max(0, i - 1) : i]):
            continue
        hits = []  # (start, end, term), found in the original text only, never inside a definition
        for term in terms:
            if term.term.lower() in seen:
                continue
            match = term_pattern(term).search(part)
            if match and not any(a < match.end() and match.start() < b for a, b, _ in hits):
                hits.append((match.start(), match.end(), term))
                seen.add(term.term.lower())
        for start, end, term in sorted(hits, key=lambda h: h[0], reverse=True):
            part = part[:start] + term_html(part[start:end], term) + part[end:]
        parts[i] = part
    return "".join(parts)  # the look of terms (.cc-term, .cc-def) is in the template's stylesheet, cc-app.css


def words_to_know(lesson_id: str):
    """Widget for a lesson cell: the glossary terms this lesson uses, with their meanings."""
    c = current_content()
    lesson = c.lesson(lesson_id)
    path = content_mod.notebooks_dir(c.lang) / lesson.notebook
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    text = "\n".join("".join(x.get("source", "")) for x in cells if x.get("cell_type") == "markdown")
    code = "\n".join("".join(x.get("source", "")) for x in cells if x.get("cell_type") == "code")
    for name in re.findall(r"[\"']([a-z_]+)[\"']", code):  # clinic values the lesson shows (e.g. medicines)
        if name in c.clinic.settings:
            text += "\n" + c.clinic.value(name)
    text += "\n" + "\n".join(q.prompt + " " + q.explanation for q in c.questions_for(lesson_id))
    used = [t for t in all_terms(c) if term_pattern(t).search(text)]
    items = "".join(f"<li><strong>{escape(t.term)}</strong>: {escape(t.means)}.</li>" for t in used)
    summary = "Words to know:\n" + "\n".join(f"- {t.term}: {t.means}." for t in used)
    return Panel(
        [html(f"<h3>Words to know</h3><ul>{items}</ul>", "cc-card")], summary=summary, classes=("cc-words-to-know",)
    )
