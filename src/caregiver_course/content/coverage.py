"""Coverage: every heading and paragraph of the clinic guide, and every caregiver fact of the fact sheet's
sections B-I, is taught by some lesson (or, for a fact, left out with a reason)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import guide
from .model import Content
from .paths import data_dir, notebooks_dir
from .problems import Problem
from .yamlfile import read_yaml


def coverage_problems(c: Content, root: Path | None = None) -> list[Problem]:
    root = Path(root) if root else data_dir()
    blocks = guide.read_blocks(root / "source" / "guide.txt")
    problems = []
    used = set()
    for block in blocks:
        hits = [e for e in c.coverage if block.text.startswith(e.starts)]
        if not hits:
            problems.append(
                Problem(
                    "coverage.yaml", block.text[:50], "starts", f"this guide {block.kind} is not mapped to any lesson"
                )
            )
        used.update(id(e) for e in hits)
    for e in c.coverage:
        if id(e) not in used:
            problems.append(
                Problem(
                    "coverage.yaml",
                    e.starts[:50],
                    "starts",
                    "matches no heading or paragraph of the guide (check the first words)",
                )
            )
    return problems


FACT_SECTIONS = "BCDEFGHI"  # the sections whose facts a caregiver acts on or that set expectations
FACT = re.compile(r"^- \*\*([A-K]\d+)\.\*\*", re.MULTILINE)


def caregiver_facts(root: Path) -> list[str]:
    text = (root / "source" / "content-facts.md").read_text(encoding="utf-8")
    return [f for f in FACT.findall(text) if f[0] in FACT_SECTIONS]


def _headings(notebook: Path) -> set[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    md = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "markdown")
    return {h.strip() for h in re.findall(r"^## (.+)$", md, re.MULTILINE)}


def fact_coverage_problems(c: Content, root: Path | None = None, notebooks: Path | None = None) -> list[Problem]:
    """Facts of sections B-I that data/fact_coverage.yaml does not map to a lesson section (or a reason)."""
    root = Path(root) if root else data_dir()
    notebooks = Path(notebooks) if notebooks else notebooks_dir()
    rel = "fact_coverage.yaml"
    problems: list[Problem] = []
    raw = read_yaml(root / rel, rel, problems)
    if problems:
        return problems
    facts = raw.get("facts") if isinstance(raw, dict) else None
    if not isinstance(facts, dict):
        return [Problem(rel, "(whole file)", "facts", "the file should have a mapping called 'facts:'")]
    known = caregiver_facts(root)
    for fact in known:
        entry = facts.get(fact)
        if not isinstance(entry, dict):
            problems.append(
                Problem(
                    rel,
                    fact,
                    "(fact)",
                    "not mapped: name the lesson and section that teach it, or give a one-line reason (left_out: ...)",
                )
            )
            continue
        if entry.get("left_out"):
            continue
        lesson_id, section = entry.get("lesson"), entry.get("section")
        try:
            lesson = c.lesson(str(lesson_id))
        except KeyError:
            problems.append(Problem(rel, fact, "lesson", f"'{lesson_id}' is not a lesson id in lessons.yaml"))
            continue
        path = notebooks / lesson.notebook
        if not path.exists() or str(section) not in _headings(path):
            problems.append(Problem(rel, fact, "section", f"lesson '{lesson_id}' has no section called '{section}'"))
    for fact in facts:
        if fact not in known:
            problems.append(Problem(rel, str(fact), "(fact)", "is not a fact of sections B-I in the fact sheet"))
    return problems
