"""Tap-to-define words (data/glossary.yaml): jargon such as "off-label" or "dissociation" is explained in place.

:func:`mark_terms` wraps the first use of each term in a piece of HTML in a focusable span; tapping (or
tabbing to) it opens the meaning right after the word, in the text itself (no pop-up to fall off a phone
screen), and screen readers read the meaning right after the word. No JavaScript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from .problems import Problem

SKIP_INSIDE = ("a", "h1", "h2", "h3", "h4", "button", "summary", "code", "style", "script", "title")


@dataclass(frozen=True)
class Term:
    term: str
    forms: tuple[str, ...]  # the term and its other forms, longest first
    means: str
    sources: tuple[str, ...]


def parse_glossary(raw, rel: str, problems: list[Problem], known) -> dict[str, Term]:
    out: dict[str, Term] = {}
    if raw is None:
        return out
    if not isinstance(raw, dict) or not isinstance(raw.get("terms"), list):
        problems.append(Problem(rel, "(whole file)", "terms", "the file should have a list called 'terms:'"))
        return out
    for n, entry in enumerate(raw["terms"]):
        item = str(entry.get("term", f"#{n + 1}")) if isinstance(entry, dict) else f"#{n + 1}"
        before = len(problems)
        if not isinstance(entry, dict) or not str(entry.get("term", "")).strip():
            problems.append(Problem(rel, item, "term", "missing: the word as it is written in the lessons"))
            continue
        means = str(entry.get("means", "")).strip()
        if not means:
            problems.append(Problem(rel, item, "means", "missing: say what it means in plain words"))
        also = entry.get("also") or []
        if not isinstance(also, list):
            problems.append(Problem(rel, item, "also", "should be a list, like [SPRAVATO]"))
            also = []
        sources = entry.get("source") or []
        sources = [sources] if isinstance(sources, str) else sources
        if not sources:
            problems.append(Problem(rel, item, "source", "missing: cite a fact ID or a guide section"))
        for s in sources:
            if str(s) not in known:
                problems.append(Problem(rel, item, "source", f"'{s}' is not a guide section or a fact ID"))
        term = str(entry["term"]).strip()
        if term.lower() in out:
            problems.append(Problem(rel, item, "term", "listed twice"))
        if len(problems) == before:
            forms = tuple(sorted({term, *map(str, also)}, key=len, reverse=True))
            out[term.lower()] = Term(term, forms, means, tuple(map(str, sources)))
    return out


def all_terms(content) -> list[Term]:
    """The glossary plus "in danger right now", defined by the side-effect table (one source of truth)."""
    terms = list(content.glossary.values())
    row = next((r for r in content.side_effects if r.id == "in-danger"), None)
    if row is not None:
        text = row.looks_like
        terms.append(Term("in danger right now", ("in danger right now",), text[:1].lower() + text[1:], row.sources))
    return terms


def _pattern(term: Term) -> re.Pattern:
    forms = "|".join(re.escape(f) for f in term.forms)
    flags = 0 if term.term.isupper() else re.IGNORECASE  # "IV" and "FDA" only in capitals
    return re.compile(rf"(?<![\w-])({forms})(?![\w-])", flags)


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
            match = _pattern(term).search(part)
            if match and not any(a < match.end() and match.start() < b for a, b, _ in hits):
                hits.append((match.start(), match.end(), term))
                seen.add(term.term.lower())
        for start, end, term in sorted(hits, key=lambda h: h[0], reverse=True):
            part = part[:start] + term_html(part[start:end], term) + part[end:]
        parts[i] = part
    return "".join(parts)  # the look of terms (.cc-term, .cc-def) is in the template's stylesheet, cc-app.css


def words_to_know(lesson_id: str):
    """Widget for a lesson cell: the glossary terms this lesson uses, with their meanings."""
    import json

    from . import content as content_mod
    from .widgets import Panel, html

    c = content_mod.get()
    lesson = c.lesson(lesson_id)
    path = content_mod.notebooks_dir() / lesson.notebook
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    text = "\n".join("".join(x.get("source", "")) for x in cells if x.get("cell_type") == "markdown")
    code = "\n".join("".join(x.get("source", "")) for x in cells if x.get("cell_type") == "code")
    for name in re.findall(r"[\"']([a-z_]+)[\"']", code):  # clinic values the lesson shows (e.g. medicines)
        if name in c.clinic.settings:
            text += "\n" + c.clinic.value(name)
    text += "\n" + "\n".join(q.prompt + " " + q.explanation for q in c.questions_for(lesson_id))
    used = [t for t in all_terms(c) if _pattern(t).search(text)]
    items = "".join(f"<li><strong>{escape(t.term)}</strong>: {escape(t.means)}.</li>" for t in used)
    summary = "Words to know:\n" + "\n".join(f"- {t.term}: {t.means}." for t in used)
    return Panel(
        [html(f"<h3>Words to know</h3><ul>{items}</ul>", "cc-card")], summary=summary, classes=("cc-words-to-know",)
    )
