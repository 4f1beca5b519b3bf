"""Loading and validating the course content in ``data/``.

Every file is checked against its schema when it is loaded. A broken item is left out and described by a
:class:`~caregiver_course.problems.Problem` (file, item, field, what to fix); everything that does not
depend on it still loads, so one typo never takes the whole course down.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from functools import lru_cache
from pathlib import Path

from . import lang as langs
from .clinic import (
    parse_clinic,
)
from .clinic_texts import translate_clinic
from .coverage import coverage_problems, fact_coverage_problems
from .glossary import parse_glossary
from .model import Content
from .parse import (
    applies,
    expand_signs,
    parse_actions,
    parse_checklists,
    parse_coverage,
    parse_lessons,
    parse_questions,
    parse_reflections,
    parse_side_effects,
    parse_text_map,
    parse_variants,
)
from .paths import data_dir, notebooks_dir
from .problems import Problem
from .secret import facilitator_secret
from .translations import clinic_current
from .yamlfile import known_sources, read_yaml

log = logging.getLogger("caregiver_course")


def load(root: Path | None = None, notebooks: Path | None = None, lang: str = langs.DEFAULT) -> Content:
    """Load every content file under root (default: data/) in lang. Never raises for bad content.

    English reads data/*.yaml and checks the lesson notebooks in notebooks/. Another language reads its mirror
    in data/<lang>/ (problems name those files, e.g. es/lessons.yaml) with its clinic text values laid over
    data/clinic.yaml, and checks notebooks/<lang>/. notebooks is always the English folder."""
    lang = langs.check(lang)
    root = Path(root) if root else data_dir()
    notebooks = Path(notebooks) if notebooks else notebooks_dir()
    texts, pre = (root, "") if lang == langs.DEFAULT else (root / lang, f"{lang}/")
    lesson_notebooks = notebooks if lang == langs.DEFAULT else notebooks / lang
    problems: list[Problem] = []
    known = known_sources(root)

    def read(rel: str):
        return read_yaml(texts / rel, pre + rel, problems)

    clinic, clinic_problems = parse_clinic(
        read_yaml(root / "clinic.yaml", "clinic.yaml", problems) or {}, "clinic.yaml"
    )
    if not any(p.file == "clinic.yaml" for p in problems):
        problems.extend(clinic_problems)
    if lang != langs.DEFAULT:
        raw = read("clinic.yaml") if (texts / "clinic.yaml").exists() else None
        clinic, more = translate_clinic(clinic, raw, pre + "clinic.yaml", lang, clinic_current(root, lang))
        problems.extend(more)
    content = Content(
        clinic=clinic, problems=problems, known_sources=known, lang=lang, root=root, notebooks=lesson_notebooks
    )
    # The side-effect table first: other files take each sign's group from it.
    raw_table = read("side_effects.yaml")
    content.side_effects = parse_side_effects(raw_table, pre + "side_effects.yaml", problems, known)
    content.actions = parse_actions(raw_table, pre + "side_effects.yaml", problems)
    table_ok = not any(p.file == pre + "side_effects.yaml" for p in problems)
    rows = content.side_effects if table_ok else None

    def signs(raw, rel):
        return expand_signs(raw, content.side_effects, rel, problems, lang)

    content.lessons = parse_lessons(
        signs(read("lessons.yaml"), pre + "lessons.yaml"), pre + "lessons.yaml", problems, lesson_notebooks
    )
    lesson_ids = {lesson.id for lesson in content.lessons}
    seen: dict[str, str] = {}
    for path in sorted((texts / "questions").glob("*.yaml")):
        rel = f"{pre}questions/{path.name}"
        raw = signs(read_yaml(path, rel, problems), rel)
        content.questions += parse_questions(raw, rel, problems, lesson_ids, known, seen, rows)
    content.checklists = parse_checklists(read("checklists.yaml"), pre + "checklists.yaml", problems, lesson_ids, known)
    content.reflections = parse_reflections(
        read("reflections.yaml"), pre + "reflections.yaml", problems, lesson_ids, known
    )
    # Which lessons teach each part of the guide: the same in every language (data/coverage.yaml).
    content.coverage = parse_coverage(
        read_yaml(root / "coverage.yaml", "coverage.yaml", problems), "coverage.yaml", problems, lesson_ids
    )
    # Questions for another treatment or room setting stay checked, but this clinic's learners do not see them.
    content.all_questions = content.questions
    content.questions = [q for q in content.all_questions if applies(q, clinic)]
    if (texts / "variants.yaml").exists():
        content.variants = parse_variants(
            signs(read("variants.yaml"), pre + "variants.yaml"), pre + "variants.yaml", problems
        )
    if (texts / "glossary.yaml").exists():
        content.glossary = parse_glossary(read("glossary.yaml"), pre + "glossary.yaml", problems, known)
    # Every question id written in the files, even one whose question has a problem. If a question file could
    # not be read at all, its ids are unknown, so prompts are not checked against them (that file's own
    # problem is reported already).
    unreadable = any(p.file.startswith(pre + "questions/") and p.item == "(whole file)" for p in problems)
    q_ids = None if unreadable else set(seen)
    if (texts / "discussion.yaml").exists():
        content.discussion = parse_text_map(
            read("discussion.yaml"), pre + "discussion.yaml", "prompts", problems, q_ids, "question"
        )
    if (texts / "facilitator_notes.yaml").exists():
        content.facilitator_notes = parse_text_map(
            read("facilitator_notes.yaml"), pre + "facilitator_notes.yaml", "notes", problems, lesson_ids, "lesson"
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


@lru_cache(maxsize=8)
def _cached(root: str, notebooks: str, stamp: tuple, lang: str = langs.DEFAULT) -> Content:
    return load(Path(root), Path(notebooks), lang)


def _stamp(root: Path) -> tuple:
    try:
        return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in root.rglob("*.yaml")))
    except OSError:
        return ()


_last_good: dict[tuple, Content] = {}  # (content folder, language) -> the last content loaded without a problem

_reported: dict[tuple, int] = {}  # (content folder, language) -> id of the broken content already logged

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


def _from_snapshot(root: Path, notebooks: Path, lang: str) -> Content | None:
    snap = _snapshot_dir(root)
    if snap is None or not (snap / ".stamp").exists():
        return None
    good = _cached(str(snap), str(notebooks), _stamp(snap), lang)
    return None if good.problems else good


def get(lang: str = langs.DEFAULT) -> Content:
    """The current content in lang (English by default), reloaded when a file under data/ changes (so a
    clinic's edit shows up). Each language is cached on its own.

    If an edit breaks a file while the server runs, learners keep the last good content (emergency numbers
    included) and the problems go to the server log. The last good content is kept in this kernel and, when
    CAREGIVER_DATA_DIR is set, on disk for the server's other and later kernels. Only when there never was good
    content (a server started with the check overridden) is the broken content shown, with its problems boxed."""
    lang = langs.check(lang)
    root, notebooks = data_dir(), notebooks_dir()
    stamp = _stamp(root)
    c = _cached(str(root), str(notebooks), stamp, lang)
    key = (str(root), lang)
    if not c.problems:
        _last_good[key] = c
        _reported.pop(key, None)
        _remember(root, stamp)
        return c
    good = _last_good.get(key) or _from_snapshot(root, notebooks, lang)
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


def unreviewed(lang: str, ids) -> list[str]:
    """The units the clinic has not reviewed in lang among ids ([] in English). An id is a unit id
    (``lessons.yaml#start``) or a lesson id, which stands for every unit on that lesson's page."""
    c = get(lang)
    lesson_ids = {lesson.id for lesson in c.lessons}
    units = [u for i in ids for u in (c.lesson_units(i) if i in lesson_ids else [i])]
    return c.unreviewed(list(dict.fromkeys(units)))


def preflight_problems(root: Path | None = None, notebooks: Path | None = None) -> list[str]:
    """Every problem in the course files, in plain words ([] when all is well), in every language whose
    folder exists (data/es/...).

    For the server to call before it starts: a non-empty list means 'do not serve'."""

    root = Path(root) if root else data_dir()
    c = load(root, notebooks)
    found = [str(p) for p in list(c.problems) + coverage_problems(c, root) + fact_coverage_problems(c, root, notebooks)]
    for lang in langs.TRANSLATED:
        if (root / lang).is_dir():
            found += [str(p) for p in load(root, notebooks, lang).problems if p.file.startswith(f"{lang}/")]
    return list(dict.fromkeys(found))  # a problem both languages see (the facilitator secret) is said once
