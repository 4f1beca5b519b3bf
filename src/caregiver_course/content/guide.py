"""Reading the clinic guide (data/source/guide.txt) into headings and paragraphs.

Used by source checking (a citation like ``guide:transportation-and-scheduling`` must name a real
heading) and by the coverage map (every heading and paragraph must be taught somewhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Block:
    kind: str  # "heading" or "paragraph"
    text: str
    section: str  # slug of the heading this block sits under (a heading's own slug for headings)


def slugify(text: str) -> str:
    text = text.lower().replace("’", "").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _is_heading(line: str) -> bool:
    return len(line) < 90 and not line.rstrip().endswith((".", "!", "?", ":"))


def read_blocks(path: Path) -> list[Block]:
    blocks: list[Block] = []
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if _is_heading(line):
            section = slugify(line)
            blocks.append(Block("heading", line, section))
        else:
            blocks.append(Block("paragraph", line, section))
    return blocks


def section_slugs(path: Path) -> set[str]:
    return {b.section for b in read_blocks(path) if b.kind == "heading"}
