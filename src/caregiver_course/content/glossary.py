"""Tap-to-define words (data/glossary.yaml): jargon such as "off-label" or "dissociation" is explained in place.

:func:`mark_terms` wraps the first use of each term in a piece of HTML in a focusable span; tapping (or
tabbing to) it opens the meaning right after the word, in the text itself (no pop-up to fall off a phone
screen), and screen readers read the meaning right after the word. No JavaScript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .problems import Problem


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


def term_pattern(term: Term) -> re.Pattern:
    forms = "|".join(re.escape(f) for f in term.forms)
    flags = 0 if term.term.isupper() else re.IGNORECASE  # "IV" and "FDA" only in capitals
    return re.compile(rf"(?<![\w-])({forms})(?![\w-])", flags)
