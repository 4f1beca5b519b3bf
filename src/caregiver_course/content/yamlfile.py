"""Reading one YAML content file and checking its items, with problems that name file, item and field.

A YAML syntax error is explained in plain words with the line to look at (a clinic manager edits these files
by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from . import guide
from .clinic import (
    check_placeholders,
)
from .problems import Problem

FACT_ID = re.compile(r"^- \*\*([A-K]\d+)\.\*\*", re.M)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class Checker:
    """Collects problems for one item of one file."""

    def __init__(self, file: str, item: str, problems: list[Problem]):
        self.file, self.item, self.problems = file, item, problems
        self.ok = True

    def bad(self, field_name: str, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.file, self.item, field_name, message))

    def text(self, raw: dict, name: str, required: bool = True) -> str:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.bad(name, "missing: add some text")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.bad(name, "should be plain text")
            return ""
        value = str(value).strip()
        for p in check_placeholders(value, self.file, self.item, name):
            self.bad(p.field, p.message)
        return value

    def texts(self, raw: dict, name: str, minimum: int = 1) -> tuple[str, ...]:
        value = raw.get(name)
        if (
            not isinstance(value, list)
            or len(value) < minimum
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            self.bad(name, f"should be a list of at least {minimum} line(s) of text")
            return ()
        for v in value:
            for p in check_placeholders(v, self.file, self.item, name):
                self.bad(p.field, p.message)
        return tuple(v.strip() for v in value)

    def sources(self, raw: dict, known: frozenset[str], name: str = "source") -> tuple[str, ...]:
        value = raw.get(name)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            self.bad(name, "missing: cite a guide section (guide:section-name) or a fact ID such as E2")
            return ()
        for v in value:
            if str(v) not in known:
                self.bad(name, f"'{v}' is not a guide section or a fact ID in the fact sheet")
        return tuple(str(v) for v in value)

    def ident(self, raw: dict, name: str = "id") -> str:
        value = raw.get(name)
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.bad(name, "missing or not a simple id (lower-case letters, digits and dashes)")
            return ""
        return value


def read_yaml(path: Path, rel: str, problems: list[Problem]):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(rel, "(whole file)", "(file)", "the file is missing"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(rel, "(whole file)", "(file)", f"cannot be read: {exc}"))
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line, message = explain_yaml_error(exc, text)
        problems.append(Problem(rel, "(whole file)", f"(line {line})" if line else "(file)", message))
        return None


def explain_yaml_error(exc: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """(line number, plain-words message) for a YAML error: which line is wrong and what a right one looks like."""
    lines = text.splitlines()
    problem = str(getattr(exc, "problem", "") or "")
    context = str(getattr(exc, "context", "") or "")
    mark = getattr(exc, "problem_mark", None)
    start = getattr(exc, "context_mark", None)
    unclosed = "quoted scalar" in context or "flow" in context
    if unclosed and start is not None:
        mark = start  # the parser notices an unclosed quote or bracket only later; the mistake is where it opened
    if mark is None:
        return None, (
            "this file is not written the way the course expects. Check that every line looks like "
            "'name: value', with the spaces at the start lining up."
        )
    n = min(mark.line, max(len(lines) - 1, 0))
    previous = [i for i in range(n) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    no_colon = None
    if "mapping values are not allowed" in problem and previous and ":" not in lines[previous[-1]]:
        no_colon = previous[-1]  # 'name value' without its colon: the parser only notices on the next line
    elif "expected ':'" in problem and start is not None and start.line < len(lines):
        no_colon = start.line
    if no_colon is not None:
        n = no_colon
        wrong = lines[n]
        name, _, value = wrong.strip().partition(" ")
        return n + 1, (
            f"this line is not written the way this file needs: “{wrong.strip()}”. The problem: "
            f"there is no colon after the name. A correct line looks like this: "
            f"“{wrong[: len(wrong) - len(wrong.lstrip())]}{name}: {value}”. The file was not used; fix "
            "it and run the check again."
        )
    wrong = lines[n] if lines else ""
    before = next((ln for ln in reversed(lines[:n]) if ln.strip() and not ln.lstrip().startswith("#")), "")
    indent = before[: len(before) - len(before.lstrip())]
    if before.rstrip().endswith(":") and not before.lstrip().startswith("- "):
        indent += "  "  # the line after 'name:' belongs under it
    stripped = wrong.strip()
    shown = f"“{stripped}”" if stripped else "(an empty line)"
    if "\t" in wrong[: len(wrong) - len(wrong.lstrip())] or "'\\t'" in problem:
        why = "it starts with a tab. Use spaces, not tabs, at the start of a line"
        fix = indent + stripped
    elif "quoted scalar" in context:
        why = 'a quote mark (") opens on this line but is never closed'
        fix = wrong.rstrip() + ('"' if stripped.count('"') % 2 else "'")
    elif unclosed:
        why = "a bracket [ or { opens on this line but is never closed"
        fix = wrong.rstrip() + ("]" if "[" in stripped else "}")
    elif "found '<scalar>'" in problem and re.match(r"^[\w-]+: [\"'].*[\"']\s*\S", stripped):
        name, _, value = stripped.partition(": ")
        why = "the text starts with a quote mark but goes on after the closing quote. Put all of it in single quotes"
        fix = wrong[: len(wrong) - len(wrong.lstrip())] + f"{name}: '{value}'"
    elif "mapping values are not allowed" in problem:
        name, _, value = stripped.partition(": ")
        if ": " in value:
            why = "the text after the first colon has another colon in it. Put that text in quotes"
            fix = f'{indent}{name}: "{value}"'
        else:
            why = (
                "the spaces at the start of this line do not line up with the line above it, "
                "or the line above is missing something"
            )
            fix = indent + stripped
    elif "block end" in problem or "indentation" in problem or "block mapping" in problem:
        why = "the spaces at the start of this line do not line up with the lines around it"
        fix = indent + stripped
    else:
        why = "it is not written as 'name: value'"
        fix = indent + (stripped if ":" in stripped else f"{stripped.rstrip(':')}: ...")
    return n + 1, (
        f"this line is not written the way this file needs: {shown}. The problem: {why}. "
        f"A correct line looks like this: “{fix}”. The file was not used; fix it and run the check "
        "again."
    )


def items_of(raw, rel: str, key: str, problems: list[Problem]) -> list:
    if raw is None:
        return []
    if isinstance(raw, dict) and raw.get(key, "missing") is None:
        return []  # an empty list written as "key:" with nothing under it
    if isinstance(raw, dict) and isinstance(raw.get(key), list):
        return raw[key]
    problems.append(Problem(rel, "(whole file)", key, f"the file should have a list called '{key}:'"))
    return []


def check_unique(seen: dict[str, str], ident: str, chk: Checker, what: str) -> None:
    if not ident:
        return
    if ident in seen:
        chk.bad("id", f"duplicate {what} id: '{ident}' is also used in {seen[ident]}")
    else:
        seen[ident] = chk.file


def known_sources(root: Path) -> frozenset[str]:
    facts_path = root / "source" / "content-facts.md"
    facts = set(FACT_ID.findall(facts_path.read_text(encoding="utf-8"))) if facts_path.exists() else set()
    sections = {f"guide:{s}" for s in guide.section_slugs(root / "source" / "guide.txt")}
    return frozenset(facts | sections)
