"""Guide coverage: every heading and paragraph of the clinic guide is taught by some lesson."""
from __future__ import annotations

from pathlib import Path

from . import content as content_mod
from . import guide
from .problems import Problem


def coverage_problems(c: "content_mod.Content", root: Path | None = None) -> list[Problem]:
    root = Path(root) if root else content_mod.data_dir()
    blocks = guide.read_blocks(root / "source" / "guide.txt")
    problems = []
    used = set()
    for block in blocks:
        hits = [e for e in c.coverage if block.text.startswith(e.starts)]
        if not hits:
            problems.append(Problem("coverage.yaml", block.text[:50], "starts",
                                    f"this guide {block.kind} is not mapped to any lesson"))
        used.update(id(e) for e in hits)
    for e in c.coverage:
        if id(e) not in used:
            problems.append(Problem("coverage.yaml", e.starts[:50], "starts",
                                    "matches no heading or paragraph of the guide (check the first words)"))
    return problems
