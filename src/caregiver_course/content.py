"""Loading and validating the course content in ``data/``.

Every file is checked against its schema when it is loaded. A broken item is left out and described by a
:class:`~caregiver_course.problems.Problem` (file, item, field, what to fix); everything that does not
depend on it still loads, so one typo never takes the whole course down.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from . import guide
from .clinic import (
    VARIANT_SETTINGS,
    Clinic,
    check_placeholders,
    did_you_mean,
    facilitator_secret,
    parse_clinic,
)
from .problems import Problem
from .quiz import CHOICE_TYPES, TOPICS, TRIAGE_BINS, TYPES, Option, Question, TriageItem

log = logging.getLogger("caregiver_course")

REPO = Path(__file__).resolve().parents[2]
FACT_ID = re.compile(r"^- \*\*([A-K]\d+)\.\*\*", re.M)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def data_dir() -> Path:
    return Path(os.environ.get("CAREGIVER_CONTENT_DIR", REPO / "data"))


def notebooks_dir() -> Path:
    return Path(os.environ.get("CAREGIVER_NOTEBOOKS_DIR", REPO / "notebooks"))


@dataclass(frozen=True)
class Lesson:
    id: str
    number: int
    title: str
    minutes: int
    notebook: str
    summary: str
    objectives: tuple[str, ...]
    key_points: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Checklist:
    id: str
    lesson: str
    title: str
    intro: str
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class Reflection:
    id: str
    lesson: str
    prompt: str
    hint: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SideEffect:
    """One row of the side-effect table: the single source of truth for which group a sign belongs to."""

    id: str
    name: str
    looks_like: str
    group: str  # one of TRIAGE_BINS
    what_to_do: str
    sources: tuple[str, ...]
    short: str = ""  # a few words for lists ("chest pain"); {signs:GROUP} in other files expands to these
    words: tuple[str, ...] = ()  # lower-case words that identify the sign in any text (consistency test)


@dataclass(frozen=True)
class CoverageEntry:
    starts: str
    lessons: tuple[str, ...]


@dataclass
class Content:
    clinic: Clinic
    lessons: list[Lesson] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    checklists: dict[str, Checklist] = field(default_factory=dict)
    reflections: dict[str, Reflection] = field(default_factory=dict)
    side_effects: list[SideEffect] = field(default_factory=list)
    actions: dict[str, str] = field(default_factory=dict)  # group -> what to do (side_effects.yaml, actions:)
    coverage: list[CoverageEntry] = field(default_factory=list)
    discussion: dict[str, str] = field(default_factory=dict)
    facilitator_notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    variants: dict = field(default_factory=dict)  # id -> Variant (text chosen by a clinic setting)
    glossary: dict = field(default_factory=dict)  # lower-case term -> glossary.Term
    all_questions: list[Question] = field(default_factory=list)  # including those for other clinic settings
    problems: list[Problem] = field(default_factory=list)
    known_sources: frozenset[str] = frozenset()

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(lesson_id)

    def questions_for(self, lesson_id: str) -> list[Question]:
        return [q for q in self.questions if q.lesson == lesson_id]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def problems_in(self, *files: str) -> list[Problem]:
        return [p for p in self.problems if p.file in files]

    def side_effect(self, row_id: str) -> SideEffect:
        for row in self.side_effects:
            if row.id == row_id:
                return row
        raise KeyError(row_id)


# --------------------------------------------------------------------------- helpers


class _Checker:
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


def _read_yaml(path: Path, rel: str, problems: list[Problem]):
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


def _items(raw, rel: str, key: str, problems: list[Problem]) -> list:
    if raw is None:
        return []
    if isinstance(raw, dict) and raw.get(key, "missing") is None:
        return []  # an empty list written as "key:" with nothing under it
    if isinstance(raw, dict) and isinstance(raw.get(key), list):
        return raw[key]
    problems.append(Problem(rel, "(whole file)", key, f"the file should have a list called '{key}:'"))
    return []


def _unique(seen: dict[str, str], ident: str, chk: _Checker, what: str) -> None:
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


# --------------------------------------------------------------------------- parsers


def _parse_lessons(raw, rel, problems, notebooks: Path) -> list[Lesson]:
    lessons, seen = [], {}
    for n, entry in enumerate(_items(raw, rel, "lessons", problems)):
        if not isinstance(entry, dict):
            problems.append(Problem(rel, f"#{n + 1}", "(item)", "each lesson should be a set of fields"))
            continue
        chk = _Checker(rel, str(entry.get("id", f"#{n + 1}")), problems)
        ident = chk.ident(entry)
        _unique(seen, ident, chk, "lesson")
        minutes = entry.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 60:
            chk.bad("minutes", "should be a whole number of minutes from 1 to 60")
        notebook = chk.text(entry, "notebook")
        if notebook and not (notebooks / notebook).exists():  # reported, but the lesson's data stays usable
            problems.append(Problem(rel, chk.item, "notebook", f"no notebook called '{notebook}' in notebooks/"))
        lesson = Lesson(
            ident,
            n,
            chk.text(entry, "title"),
            minutes if isinstance(minutes, int) else 0,
            notebook,
            chk.text(entry, "summary"),
            chk.texts(entry, "objectives"),
            chk.texts(entry, "key_points"),
        )
        if chk.ok:
            lessons.append(lesson)
    return lessons


def _parse_options(entry: dict, chk: _Checker) -> tuple[tuple[Option, ...], frozenset[str]]:
    qtype = entry.get("type")
    raw_options = entry.get("options")
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        chk.bad("options", "should be a list of at least 2 options")
        return (), frozenset()
    if qtype == "truefalse" and len(raw_options) != 2:
        chk.bad("options", "a true/false question has exactly 2 options")
    options, ids = [], set()
    for i, raw in enumerate(raw_options):
        if not isinstance(raw, dict):
            chk.bad(f"options[{i + 1}]", "each option needs id, text and feedback")
            continue
        oid = raw.get("id")
        if not isinstance(oid, str) or not oid:
            chk.bad(f"options[{i + 1}].id", "missing: give the option a short id such as a, b, c")
            continue
        if oid in ids:
            chk.bad(f"options[{i + 1}].id", f"two options share the id '{oid}'")
        ids.add(oid)
        text = chk.text(raw, "text")
        feedback = chk.text(raw, "feedback")
        if not text:
            chk.bad(f"options[{i + 1}].text", "missing: add the option's text")
        if not feedback:
            chk.bad(f"options[{i + 1}].feedback", "missing: say why this option is right or not")
        options.append(Option(oid, text, feedback))
    answer = entry.get("answer")
    if qtype == "multi":
        answer = answer if isinstance(answer, list) else [answer]
    else:
        if isinstance(answer, list):
            chk.bad("answer", "this question type has one right answer; give one option id")
            answer = answer[:1]
        answer = [answer]
    answer = [str(a) if isinstance(a, (str, int)) and not isinstance(a, bool) else a for a in answer]
    if not answer or answer == [None]:
        chk.bad("answer", "missing: give the id of the right option")
    for a in answer:
        if a is not None and a not in ids:
            chk.bad("answer", f"points at option '{a}', which does not exist (options are: {', '.join(sorted(ids))})")
    return tuple(options), frozenset(a for a in answer if a in ids)


def _parse_triage(entry: dict, chk: _Checker, known, rows=None) -> tuple[TriageItem, ...]:
    raw_items = entry.get("items")
    if not isinstance(raw_items, list) or len(raw_items) < 2:
        chk.bad("items", "a triage question needs a list of at least 2 items to sort")
        return ()
    items, ids = [], set()
    for i, raw in enumerate(raw_items):
        where = f"items[{i + 1}]"
        if not isinstance(raw, dict):
            chk.bad(where, "each item needs id, text, answer and feedback")
            continue
        iid = raw.get("id")
        if not isinstance(iid, str) or not iid or iid in ids:
            chk.bad(f"{where}.id", "missing or repeated id")
            continue
        ids.add(iid)
        answer, sign = raw.get("answer"), raw.get("sign")
        if sign is not None:  # the side-effect table decides the group; a written answer must agree with it
            row = next((r for r in rows if r.id == sign), None) if rows is not None else None
            if rows is not None and row is None:
                chk.bad(
                    f"{where}.sign",
                    f"'{sign}' is not a row of side_effects.yaml.{did_you_mean(str(sign), [r.id for r in rows])}",
                )
            elif row is not None:
                if answer is not None and answer != row.group:
                    chk.bad(
                        f"{where}.answer",
                        f"says '{answer}', but side_effects.yaml puts '{sign}' in "
                        f"'{row.group}'. Change one of them; the table decides",
                    )
                answer = row.group
        if answer not in TRIAGE_BINS:
            chk.bad(f"{where}.answer", f"should be one of: {', '.join(TRIAGE_BINS)} (or name a sign: row id)")
        if raw.get("source") is not None:
            chk.sources(raw, known)
        text, feedback = chk.text(raw, "text"), chk.text(raw, "feedback")
        items.append(TriageItem(iid, text, str(answer), feedback, str(sign or "")))
    return tuple(items)


def _parse_questions(raw, rel, problems, lesson_ids, known, seen, rows=None) -> list[Question]:
    questions = []
    if raw is not None and not isinstance(raw, dict):
        problems.append(
            Problem(rel, "(whole file)", "(top level)", "the file should start with 'lesson:' and 'questions:'")
        )
        return []
    lesson = (raw or {}).get("lesson")
    if raw is not None and lesson not in lesson_ids:
        problems.append(Problem(rel, "(whole file)", "lesson", f"'{lesson}' is not a lesson id in lessons.yaml"))
        return []
    for n, entry in enumerate(_items(raw, rel, "questions", problems)):
        if not isinstance(entry, dict):
            problems.append(Problem(rel, f"#{n + 1}", "(item)", "each question should be a set of fields"))
            continue
        chk = _Checker(rel, str(entry.get("id", f"question #{n + 1}")), problems)
        ident = chk.ident(entry)
        _unique(seen, ident, chk, "question")
        qtype = entry.get("type")
        if qtype not in TYPES:
            chk.bad("type", f"unknown type '{qtype}'; use one of: {', '.join(TYPES)}")
            continue
        topic = entry.get("topic")
        if topic not in TOPICS:
            chk.bad("topic", f"unknown topic '{topic}'; use one of: {', '.join(TOPICS)}")
        prompt = chk.text(entry, "prompt")
        explanation = chk.text(entry, "explanation")
        sources = chk.sources(entry, known)
        options, answer, items = (), frozenset(), ()
        if qtype in CHOICE_TYPES:
            options, answer = _parse_options(entry, chk)
        else:
            items = _parse_triage(entry, chk, known, rows)
        only_if = _only_if(entry, chk)
        if chk.ok:
            questions.append(
                Question(ident, qtype, topic, lesson, prompt, explanation, sources, options, answer, items, only_if)
            )
    return questions


def _only_if(entry: dict, chk: _Checker) -> tuple[tuple[str, str], ...]:
    """only_if: {companion_in_room: "no"} shows a question only for clinics with that setting."""
    raw = entry.get("only_if")
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        chk.bad("only_if", "write it like: only_if: {treatment_type: esketamine}")
        return ()
    out = []
    for name, value in raw.items():
        value = {True: "yes", False: "no"}.get(value, value)
        if name not in VARIANT_SETTINGS:
            chk.bad("only_if", f"'{name}' cannot switch questions; use one of: {', '.join(VARIANT_SETTINGS)}")
        elif value not in VARIANT_SETTINGS[name]:
            chk.bad("only_if", f"{name} can be: {', '.join(VARIANT_SETTINGS[name])}")
        else:
            out.append((name, value))
    return tuple(out)


def applies(question: Question, clinic: Clinic) -> bool:
    return all(clinic.choice(name) == value for name, value in question.only_if)


@dataclass(frozen=True)
class Variant:
    """Text that depends on a clinic setting: one text per value (data/variants.yaml)."""

    id: str
    setting: str
    texts: dict

    def text_for(self, clinic: Clinic) -> str:
        return self.texts[clinic.choice(self.setting)]


def _parse_variants(raw, rel, problems) -> dict[str, Variant]:
    out = {}
    if raw is None:
        return out
    if not isinstance(raw, dict) or not isinstance(raw.get("variants"), dict):
        problems.append(Problem(rel, "(whole file)", "variants", "the file should have a mapping called 'variants:'"))
        return out
    for ident, entry in raw["variants"].items():
        chk = _Checker(rel, str(ident), problems)
        if not isinstance(entry, dict) or entry.get("setting") not in VARIANT_SETTINGS:
            chk.bad("setting", f"say which setting chooses the text: {', '.join(VARIANT_SETTINGS)}")
            continue
        setting = entry["setting"]
        entry = {({True: "yes", False: "no"}.get(k, k)): v for k, v in entry.items()}
        texts = {value: chk.text(entry, value) for value in VARIANT_SETTINGS[setting]}
        extra = set(entry) - {"setting", *VARIANT_SETTINGS[setting]}
        if extra:
            chk.bad(min(map(str, extra)), f"{setting} can only be: {', '.join(VARIANT_SETTINGS[setting])}")
        if chk.ok:
            out[str(ident)] = Variant(str(ident), setting, texts)
    return out


def _parse_checklists(raw, rel, problems, lesson_ids, known) -> dict[str, Checklist]:
    out = {}
    for n, entry in enumerate(_items(raw, rel, "checklists", problems)):
        if not isinstance(entry, dict):
            problems.append(Problem(rel, f"#{n + 1}", "(item)", "each checklist should be a set of fields"))
            continue
        chk = _Checker(rel, str(entry.get("id", f"checklist #{n + 1}")), problems)
        ident = chk.ident(entry)
        if ident in out:
            chk.bad("id", f"duplicate checklist id '{ident}'")
        if entry.get("lesson") not in lesson_ids:
            chk.bad("lesson", f"'{entry.get('lesson')}' is not a lesson id in lessons.yaml")
        items = []
        raw_items = entry.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            chk.bad("items", "a checklist needs a list of items")
            raw_items = []
        for i, item in enumerate(raw_items):
            if not isinstance(item, dict):
                chk.bad(f"items[{i + 1}]", "each item needs id, text and source")
                continue
            sub = _Checker(rel, f"{ident}/{item.get('id', i + 1)}", problems)
            items.append(ChecklistItem(sub.ident(item), sub.text(item, "text"), sub.sources(item, known)))
            chk.ok &= sub.ok
        if chk.ok:
            out[ident] = Checklist(
                ident, entry["lesson"], chk.text(entry, "title"), chk.text(entry, "intro", False), tuple(items)
            )
    return out


def _parse_reflections(raw, rel, problems, lesson_ids, known) -> dict[str, Reflection]:
    out = {}
    for n, entry in enumerate(_items(raw, rel, "reflections", problems)):
        if not isinstance(entry, dict):
            problems.append(Problem(rel, f"#{n + 1}", "(item)", "each reflection should be a set of fields"))
            continue
        chk = _Checker(rel, str(entry.get("id", f"reflection #{n + 1}")), problems)
        ident = chk.ident(entry)
        if ident in out:
            chk.bad("id", f"duplicate reflection id '{ident}'")
        if entry.get("lesson") not in lesson_ids:
            chk.bad("lesson", f"'{entry.get('lesson')}' is not a lesson id in lessons.yaml")
        r = Reflection(
            ident,
            entry.get("lesson"),
            chk.text(entry, "prompt"),
            chk.text(entry, "hint", False),
            chk.sources(entry, known),
        )
        if chk.ok:
            out[ident] = r
    return out


def _parse_side_effects(raw, rel, problems, known) -> list[SideEffect]:
    out, seen = [], {}
    for n, entry in enumerate(_items(raw, rel, "side_effects", problems)):
        if not isinstance(entry, dict):
            problems.append(Problem(rel, f"#{n + 1}", "(item)", "each row should be a set of fields"))
            continue
        chk = _Checker(rel, str(entry.get("id", f"row #{n + 1}")), problems)
        ident = chk.ident(entry)
        _unique(seen, ident, chk, "side-effect")
        if entry.get("group") not in TRIAGE_BINS:
            chk.bad("group", f"should be one of: {', '.join(TRIAGE_BINS)}")
        words = entry.get("words") or []
        if not isinstance(words, list) or not all(isinstance(x, str) and x.strip() for x in words):
            chk.bad("words", "should be a list of words, like [rash, itch]")
            words = []
        name = chk.text(entry, "name")
        row = SideEffect(
            ident,
            name,
            chk.text(entry, "looks_like"),
            str(entry.get("group")),
            chk.text(entry, "what_to_do"),
            chk.sources(entry, known),
            chk.text(entry, "short", False) or name.lower(),
            tuple(x.strip().lower() for x in words),
        )
        if chk.ok:
            out.append(row)
    return out


def _parse_actions(raw, rel, problems) -> dict[str, str]:
    """actions: what to do for each group, in words the triage cards show (one place for every card)."""
    if raw is None:
        return {}
    actions = raw.get("actions") if isinstance(raw, dict) else None
    if not isinstance(actions, dict):
        problems.append(Problem(rel, "(whole file)", "actions", "add 'actions:' with what to do for each group"))
        return {}
    out = {}
    for group in TRIAGE_BINS:
        chk = _Checker(rel, "actions", problems)
        text = chk.text(actions, group)
        if chk.ok:
            out[group] = text
    for extra in sorted(set(map(str, actions)) - set(TRIAGE_BINS)):
        problems.append(Problem(rel, "actions", extra, f"not a group; use one of: {', '.join(TRIAGE_BINS)}"))
    return out


SIGNS = re.compile(r"\{signs:([a-z]+)\}")


def signs_text(rows: list[SideEffect], group: str) -> str:
    """The short names of a group's signs as one phrase: 'chest pain; trouble breathing; or a seizure'."""
    names = [r.short for r in rows if r.group == group]
    if len(names) < 2:
        return "".join(names)
    return "; ".join(names[:-1]) + "; or " + names[-1]  # semicolons: some signs have commas in them


def expand_signs(raw, rows: list[SideEffect], rel: str, problems: list[Problem]):
    """Replace {signs:GROUP} in every text of a file by that group's signs from the side-effect table."""
    if isinstance(raw, dict):
        return {k: expand_signs(v, rows, rel, problems) for k, v in raw.items()}
    if isinstance(raw, list):
        return [expand_signs(v, rows, rel, problems) for v in raw]
    if not isinstance(raw, str) or "{signs:" not in raw:
        return raw

    def one(match):
        group = match.group(1)
        if group not in TRIAGE_BINS:
            problems.append(
                Problem(rel, raw[:40], "{signs:...}", f"'{group}' is not a group; use one of: {', '.join(TRIAGE_BINS)}")
            )
            return ""
        return signs_text(rows, group)

    return SIGNS.sub(one, raw)


def _parse_coverage(raw, rel, problems, lesson_ids) -> list[CoverageEntry]:
    out = []
    for n, entry in enumerate(_items(raw, rel, "coverage", problems)):
        chk = _Checker(rel, f"#{n + 1}", problems)
        if not isinstance(entry, dict) or not isinstance(entry.get("starts"), str):
            chk.bad("starts", "each entry needs 'starts:' (the first words of a guide heading or paragraph)")
            continue
        chk.item = entry["starts"][:40]
        lessons = entry.get("lessons")
        if not isinstance(lessons, list) or not lessons:
            chk.bad("lessons", "list the lesson ids that teach this part of the guide")
            continue
        for lesson in lessons:
            if lesson not in lesson_ids:
                chk.bad("lessons", f"'{lesson}' is not a lesson id in lessons.yaml")
        if chk.ok:
            out.append(CoverageEntry(entry["starts"], tuple(lessons)))
    return out


def _parse_text_map(raw, rel, key, problems, ids, what) -> dict:
    out = {}
    if raw is None:
        return out
    if not isinstance(raw, dict) or not isinstance(raw.get(key), dict):
        problems.append(Problem(rel, "(whole file)", key, f"the file should have a mapping called '{key}:'"))
        return out
    for ident, value in raw[key].items():
        chk = _Checker(rel, str(ident), problems)
        if ids is not None and ident not in ids:
            chk.bad("(id)", f"'{ident}' is not a known {what} id")
            continue
        if isinstance(value, list):
            value = chk.texts({"text": value}, "text")
        elif isinstance(value, str) and value.strip():
            value = chk.text({"text": value}, "text")
        else:
            chk.bad("text", "should be text")
            continue
        if chk.ok:
            out[ident] = value
    return out


# --------------------------------------------------------------------------- entry points


def load(root: Path | None = None, notebooks: Path | None = None) -> Content:
    """Load every content file under root (default: data/). Never raises for bad content."""
    root = Path(root) if root else data_dir()
    notebooks = Path(notebooks) if notebooks else notebooks_dir()
    problems: list[Problem] = []
    known = known_sources(root)

    clinic, clinic_problems = parse_clinic(
        _read_yaml(root / "clinic.yaml", "clinic.yaml", problems) or {}, "clinic.yaml"
    )
    if not any(p.file == "clinic.yaml" for p in problems):
        problems.extend(clinic_problems)
    content = Content(clinic=clinic, problems=problems, known_sources=known)
    # The side-effect table first: other files take each sign's group from it.
    raw_table = _read_yaml(root / "side_effects.yaml", "side_effects.yaml", problems)
    content.side_effects = _parse_side_effects(raw_table, "side_effects.yaml", problems, known)
    content.actions = _parse_actions(raw_table, "side_effects.yaml", problems)
    table_ok = not any(p.file == "side_effects.yaml" for p in problems)
    rows = content.side_effects if table_ok else None
    content.lessons = _parse_lessons(
        expand_signs(
            _read_yaml(root / "lessons.yaml", "lessons.yaml", problems), content.side_effects, "lessons.yaml", problems
        ),
        "lessons.yaml",
        problems,
        notebooks,
    )
    lesson_ids = {lesson.id for lesson in content.lessons}
    seen: dict[str, str] = {}
    for path in sorted((root / "questions").glob("*.yaml")):
        rel = f"questions/{path.name}"
        raw = expand_signs(_read_yaml(path, rel, problems), content.side_effects, rel, problems)
        content.questions += _parse_questions(raw, rel, problems, lesson_ids, known, seen, rows)
    content.checklists = _parse_checklists(
        _read_yaml(root / "checklists.yaml", "checklists.yaml", problems),
        "checklists.yaml",
        problems,
        lesson_ids,
        known,
    )
    content.reflections = _parse_reflections(
        _read_yaml(root / "reflections.yaml", "reflections.yaml", problems),
        "reflections.yaml",
        problems,
        lesson_ids,
        known,
    )
    content.coverage = _parse_coverage(
        _read_yaml(root / "coverage.yaml", "coverage.yaml", problems), "coverage.yaml", problems, lesson_ids
    )
    # Questions for another treatment or room setting stay checked, but this clinic's learners do not see them.
    content.all_questions = content.questions
    content.questions = [q for q in content.all_questions if applies(q, clinic)]
    if (root / "variants.yaml").exists():
        content.variants = _parse_variants(
            expand_signs(
                _read_yaml(root / "variants.yaml", "variants.yaml", problems),
                content.side_effects,
                "variants.yaml",
                problems,
            ),
            "variants.yaml",
            problems,
        )
    if (root / "glossary.yaml").exists():
        from .glossary import parse_glossary

        content.glossary = parse_glossary(
            _read_yaml(root / "glossary.yaml", "glossary.yaml", problems), "glossary.yaml", problems, known
        )
    # Every question id written in the files, even one whose question has a problem. If a question file could
    # not be read at all, its ids are unknown, so prompts are not checked against them (that file's own
    # problem is reported already).
    unreadable = any(p.file.startswith("questions/") and p.item == "(whole file)" for p in problems)
    q_ids = None if unreadable else set(seen)
    if (root / "discussion.yaml").exists():
        content.discussion = _parse_text_map(
            _read_yaml(root / "discussion.yaml", "discussion.yaml", problems),
            "discussion.yaml",
            "prompts",
            problems,
            q_ids,
            "question",
        )
    if (root / "facilitator_notes.yaml").exists():
        content.facilitator_notes = _parse_text_map(
            _read_yaml(root / "facilitator_notes.yaml", "facilitator_notes.yaml", problems),
            "facilitator_notes.yaml",
            "notes",
            problems,
            lesson_ids,
            "lesson",
        )
    problems.extend(_secret_problems(root))
    return content


def _secret_problems(root: Path) -> list[Problem]:
    """The facilitator secret written anywhere in the content files (where a learner could see it)."""
    secret = facilitator_secret()
    if len(secret) < 4:
        return []
    found = []
    for path in sorted(root.rglob("*.yaml")):
        try:
            if secret in path.read_text(encoding="utf-8"):
                found.append(
                    Problem(
                        str(path.relative_to(root)),
                        "(whole file)",
                        "(file)",
                        "contains the facilitator secret. Remove it: learners can see this file's "
                        "text. Keep the secret only in CAREGIVER_FACILITATOR_SECRET or its own file",
                    )
                )
        except (OSError, UnicodeDecodeError):
            continue
    return found


@lru_cache(maxsize=4)
def _cached(root: str, notebooks: str, stamp: tuple) -> Content:
    return load(Path(root), Path(notebooks))


def _stamp(root: Path) -> tuple:
    try:
        return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in root.rglob("*.yaml")))
    except OSError:
        return ()


_last_good: dict[str, Content] = {}  # content folder -> the last content loaded without a problem
_reported: dict[str, int] = {}  # content folder -> id of the broken content already logged
SNAPSHOT = "last-good-content"  # under CAREGIVER_DATA_DIR: shared by every kernel of a server, and by restarts


def _snapshot_dir(root: Path) -> Path | None:
    base = os.environ.get("CAREGIVER_DATA_DIR", "")
    if not base:
        return None
    return Path(base) / SNAPSHOT / hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:12]


def _remember(root: Path, stamp: tuple) -> None:
    """Keep a copy of content that loaded without a problem, for kernels that later find a file broken."""
    snap = _snapshot_dir(root)
    if snap is None:
        return
    marker = repr(stamp)
    try:
        if (snap / ".stamp").read_text(encoding="utf-8") == marker:
            return
    except OSError:
        pass
    tmp = snap.with_name(f"{snap.name}.{os.getpid()}.tmp")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(
            root,
            tmp,
            ignore=lambda d, names: [
                n for n in names if not (Path(d, n).is_dir() or n.endswith((".yaml", ".md", ".txt")))
            ],
        )
        (tmp / ".stamp").write_text(marker, encoding="utf-8")
        shutil.rmtree(snap, ignore_errors=True)
        os.replace(tmp, snap)
    except OSError:
        log.warning("could not keep a copy of the good course content in %s", snap, exc_info=True)
        shutil.rmtree(tmp, ignore_errors=True)


def _from_snapshot(root: Path, notebooks: Path) -> Content | None:
    snap = _snapshot_dir(root)
    if snap is None or not (snap / ".stamp").exists():
        return None
    good = _cached(str(snap), str(notebooks), _stamp(snap))
    return None if good.problems else good


def get() -> Content:
    """The current content, reloaded when a file under data/ changes (so a clinic's edit shows up).

    If an edit breaks a file while the server runs, learners keep the last good content (emergency numbers
    included) and the problems go to the server log. The last good content is kept in this kernel and, when
    CAREGIVER_DATA_DIR is set, on disk for the server's other and later kernels. Only when there never was good
    content (a server started with the check overridden) is the broken content shown, with its problems boxed."""
    root, notebooks = data_dir(), notebooks_dir()
    stamp = _stamp(root)
    c = _cached(str(root), str(notebooks), stamp)
    key = str(root)
    if not c.problems:
        _last_good[key] = c
        _reported.pop(key, None)
        _remember(root, stamp)
        return c
    good = _last_good.get(key) or _from_snapshot(root, notebooks)
    if _reported.get(key) != id(c):
        _reported[key] = id(c)
        kept = "keeping the last good content" if good is not None else "no earlier good content to keep"
        log.error(
            "The course files have %d problem(s); %s. Run `python -m caregiver_course check`:\n%s",
            len(c.problems),
            kept,
            "\n".join(f"  - {p}" for p in c.problems),
        )
    return good if good is not None else c


def preflight_problems(root: Path | None = None, notebooks: Path | None = None) -> list[str]:
    """Every problem in the course files, in plain words ([] when all is well).

    For the server to call before it starts: a non-empty list means 'do not serve'."""
    from .coverage import coverage_problems, fact_coverage_problems

    root = Path(root) if root else data_dir()
    c = load(root, notebooks)
    return [str(p) for p in list(c.problems) + coverage_problems(c, root) + fact_coverage_problems(c, root, notebooks)]
