"""Parsing each content file into the model, checking every field (one broken item never hides the rest)."""

from __future__ import annotations

import re
from pathlib import Path

from .clinic import (
    VARIANT_SETTINGS,
    Clinic,
    did_you_mean,
)
from .lang import join_or
from .model import Checklist, ChecklistItem, CoverageEntry, Lesson, Reflection, SideEffect, Variant
from .problems import Problem
from .questions import CHOICE_TYPES, TOPICS, TRIAGE_BINS, TYPES, Option, Question, TriageItem
from .yamlfile import Checker, check_unique, items_of


def parse_lessons(raw, rel, problems, notebooks: Path) -> list[Lesson]:
    lessons, seen = [], {}
    for n, entry in enumerate(items_of(raw, rel, "lessons", problems)):
        if not isinstance(entry, dict):
            problems.append(Problem(rel, f"#{n + 1}", "(item)", "each lesson should be a set of fields"))
            continue
        chk = Checker(rel, str(entry.get("id", f"#{n + 1}")), problems)
        ident = chk.ident(entry)
        check_unique(seen, ident, chk, "lesson")
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


def _parse_options(entry: dict, chk: Checker) -> tuple[tuple[Option, ...], frozenset[str]]:
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


def _parse_triage(entry: dict, chk: Checker, known, rows=None) -> tuple[TriageItem, ...]:
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


def parse_questions(raw, rel, problems, lesson_ids, known, seen, rows=None) -> list[Question]:
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
    for n, entry in enumerate(items_of(raw, rel, "questions", problems)):
        if not isinstance(entry, dict):
            problems.append(Problem(rel, f"#{n + 1}", "(item)", "each question should be a set of fields"))
            continue
        chk = Checker(rel, str(entry.get("id", f"question #{n + 1}")), problems)
        ident = chk.ident(entry)
        check_unique(seen, ident, chk, "question")
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


def _only_if(entry: dict, chk: Checker) -> tuple[tuple[str, str], ...]:
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


def parse_variants(raw, rel, problems) -> dict[str, Variant]:
    out = {}
    if raw is None:
        return out
    if not isinstance(raw, dict) or not isinstance(raw.get("variants"), dict):
        problems.append(Problem(rel, "(whole file)", "variants", "the file should have a mapping called 'variants:'"))
        return out
    for ident, entry in raw["variants"].items():
        chk = Checker(rel, str(ident), problems)
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


def parse_checklists(raw, rel, problems, lesson_ids, known) -> dict[str, Checklist]:
    out = {}
    for n, entry in enumerate(items_of(raw, rel, "checklists", problems)):
        if not isinstance(entry, dict):
            problems.append(Problem(rel, f"#{n + 1}", "(item)", "each checklist should be a set of fields"))
            continue
        chk = Checker(rel, str(entry.get("id", f"checklist #{n + 1}")), problems)
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
            sub = Checker(rel, f"{ident}/{item.get('id', i + 1)}", problems)
            items.append(ChecklistItem(sub.ident(item), sub.text(item, "text"), sub.sources(item, known)))
            chk.ok &= sub.ok
        if chk.ok:
            out[ident] = Checklist(
                ident, entry["lesson"], chk.text(entry, "title"), chk.text(entry, "intro", False), tuple(items)
            )
    return out


def parse_reflections(raw, rel, problems, lesson_ids, known) -> dict[str, Reflection]:
    out = {}
    for n, entry in enumerate(items_of(raw, rel, "reflections", problems)):
        if not isinstance(entry, dict):
            problems.append(Problem(rel, f"#{n + 1}", "(item)", "each reflection should be a set of fields"))
            continue
        chk = Checker(rel, str(entry.get("id", f"reflection #{n + 1}")), problems)
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


def parse_side_effects(raw, rel, problems, known) -> list[SideEffect]:
    out, seen = [], {}
    for n, entry in enumerate(items_of(raw, rel, "side_effects", problems)):
        if not isinstance(entry, dict):
            problems.append(Problem(rel, f"#{n + 1}", "(item)", "each row should be a set of fields"))
            continue
        chk = Checker(rel, str(entry.get("id", f"row #{n + 1}")), problems)
        ident = chk.ident(entry)
        check_unique(seen, ident, chk, "side-effect")
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


def parse_actions(raw, rel, problems) -> dict[str, str]:
    """actions: what to do for each group, in words the triage cards show (one place for every card)."""
    if raw is None:
        return {}
    actions = raw.get("actions") if isinstance(raw, dict) else None
    if not isinstance(actions, dict):
        problems.append(Problem(rel, "(whole file)", "actions", "add 'actions:' with what to do for each group"))
        return {}
    out = {}
    for group in TRIAGE_BINS:
        chk = Checker(rel, "actions", problems)
        text = chk.text(actions, group)
        if chk.ok:
            out[group] = text
    for extra in sorted(set(map(str, actions)) - set(TRIAGE_BINS)):
        problems.append(Problem(rel, "actions", extra, f"not a group; use one of: {', '.join(TRIAGE_BINS)}"))
    return out


SIGNS = re.compile(r"\{signs:([a-z]+)\}")


def signs_text(rows: list[SideEffect], group: str, lang: str = "en") -> str:
    """The short names of a group's signs as one phrase: 'chest pain; trouble breathing; or a seizure'."""
    return join_or([r.short for r in rows if r.group == group], lang)


def expand_signs(raw, rows: list[SideEffect], rel: str, problems: list[Problem], lang: str = "en"):
    """Replace {signs:GROUP} in every text of a file by that group's signs from the side-effect table."""
    if isinstance(raw, dict):
        return {k: expand_signs(v, rows, rel, problems, lang) for k, v in raw.items()}
    if isinstance(raw, list):
        return [expand_signs(v, rows, rel, problems, lang) for v in raw]
    if not isinstance(raw, str) or "{signs:" not in raw:
        return raw

    def one(match):
        group = match.group(1)
        if group not in TRIAGE_BINS:
            problems.append(
                Problem(rel, raw[:40], "{signs:...}", f"'{group}' is not a group; use one of: {', '.join(TRIAGE_BINS)}")
            )
            return ""
        return signs_text(rows, group, lang)

    return SIGNS.sub(one, raw)


def parse_coverage(raw, rel, problems, lesson_ids) -> list[CoverageEntry]:
    out = []
    for n, entry in enumerate(items_of(raw, rel, "coverage", problems)):
        chk = Checker(rel, f"#{n + 1}", problems)
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


def parse_text_map(raw, rel, key, problems, ids, what) -> dict:
    out = {}
    if raw is None:
        return out
    if not isinstance(raw, dict) or not isinstance(raw.get(key), dict):
        problems.append(Problem(rel, "(whole file)", key, f"the file should have a mapping called '{key}:'"))
        return out
    for ident, value in raw[key].items():
        chk = Checker(rel, str(ident), problems)
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
