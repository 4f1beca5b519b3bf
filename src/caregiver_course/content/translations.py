"""Translation units, kept in step with the English they translate.

A *unit* is one piece of English that is translated as a whole: a data item with an id (a question, a
lesson, a side-effect row, a checklist...), one entry of a mapping (a discussion prompt, a variant), a
Markdown cell of a lesson notebook, or one of the clinic's text values. Its id names the English file and the
item: ``questions/understanding.yaml#und-what-is``, ``01-understanding.ipynb#fa8e5efc``,
``clinic.yaml#no_driving``.

Each language keeps a sidecar file, ``data/<lang>/translations.yaml``, that a clinic can read and edit: for
every unit, the fingerprint of the English text its translation was made from (``source``) and whether the
clinic has reviewed the translation (``reviewed``). A unit is *missing* when the language's files have no
translation of it, and *stale* when the English changed after its fingerprint was stamped (or it was never
stamped). ``python -m caregiver_course translations stamp|review`` writes the sidecar.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .lang import NAMES

SIDECAR = "translations.yaml"

# Content files translated as a whole mirror (data/<lang>/<file>); questions/*.yaml too.
TEXT_FILES = (
    "lessons.yaml",
    "checklists.yaml",
    "side_effects.yaml",
    "glossary.yaml",
    "reflections.yaml",
    "discussion.yaml",
    "facilitator_notes.yaml",
    "variants.yaml",
)

# Clinic settings whose value is words a learner reads. Numbers, phone numbers, choices, the clinic's name
# and web addresses always come from data/clinic.yaml.
CLINIC_TEXTS = (
    "clinic_phone",
    "after_hours_phone",
    "initial_series",
    "maintenance",
    "fasting_solids",
    "fasting_liquids",
    "medicines_to_review",
    "recovery_time",
    "companion_stay_after",
    "no_driving",
    "no_alcohol",
    "no_big_decisions",
    "call_if_lasting",
    "anti_nausea",
    "reassess_after",
    "dose_and_length",
    "local_support",
)
PHONES = ("clinic_phone", "after_hours_phone")  # words only while no real number is written


def fingerprint(piece) -> str:
    """A short, stable fingerprint of an English piece (any YAML value or a cell's text)."""
    text = piece if isinstance(piece, str) else json.dumps(piece, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: about 20 times faster when installed


def _read(path: Path):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None


def _item_key(item, index: int, name: str) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return f"{name}[{index}]"  # a list without ids (glossary terms): by position


def data_pieces(raw) -> dict[str, object]:
    """The units of one content file: item key -> its piece (the item, or the mapping entry)."""
    out: dict[str, object] = {}
    if not isinstance(raw, dict):
        return out
    for name, value in raw.items():
        if isinstance(value, list):
            for i, item in enumerate(value):
                out[_item_key(item, i, name)] = item
        elif isinstance(value, dict):
            for key, item in value.items():
                out[str(key)] = item
    return out


def clinic_pieces(raw) -> dict[str, dict]:
    """The clinic's text values as units: setting -> {value, esketamine} (the words a learner reads)."""
    out = {}
    if not isinstance(raw, dict):
        return out
    for name in CLINIC_TEXTS:
        entry = raw.get(name)
        entry = entry if isinstance(entry, dict) else {"value": entry}
        value = entry.get("value")
        if not isinstance(value, str) or not value.strip():
            continue
        if name in PHONES and len(re.sub(r"\D", "", value)) >= 7:
            continue  # a real phone number: the same in every language
        out[name] = {"value": value.strip(), "esketamine": str(entry.get("esketamine") or "").strip()}
    return out


@lru_cache(maxsize=64)
def _markdown_cells(path: str, mtime_ns: int) -> dict[str, str]:
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        str(c.get("id")): "".join(c.get("source", ""))
        for c in nb.get("cells", [])
        if c.get("cell_type") == "markdown" and c.get("id")
    }


def markdown_cells(path: Path) -> dict[str, str]:
    """A notebook's Markdown cells: cell id -> source ({} if it cannot be read)."""
    try:
        return _markdown_cells(str(path), path.stat().st_mtime_ns)
    except OSError:
        return {}


def lesson_notebooks(root: Path) -> list[str]:
    raw = _read(root / "lessons.yaml")
    lessons = raw.get("lessons") if isinstance(raw, dict) else None
    return [x["notebook"] for x in lessons or [] if isinstance(x, dict) and isinstance(x.get("notebook"), str)]


def _text_files(root: Path) -> list[str]:
    return [f for f in TEXT_FILES if (root / f).exists()] + [
        f"questions/{p.name}" for p in sorted((root / "questions").glob("*.yaml"))
    ]


def units(root: Path, notebooks: Path, lang: str) -> dict[str, tuple[str, bool]]:
    """Every English unit: unit id -> (fingerprint of the English, whether lang has a translation of it)."""
    out: dict[str, tuple[str, bool]] = {}
    for rel in _text_files(root):
        english = data_pieces(_read(root / rel))
        translated = data_pieces(_read(root / lang / rel))
        for key, piece in english.items():
            out[f"{rel}#{key}"] = (fingerprint(piece), key in translated)
    translated_clinic = _read(root / lang / "clinic.yaml")
    translated_clinic = translated_clinic if isinstance(translated_clinic, dict) else {}
    for name, piece in clinic_pieces(_read(root / "clinic.yaml")).items():
        out[f"clinic.yaml#{name}"] = (fingerprint(piece), name in translated_clinic)
    for nb in lesson_notebooks(root):
        translated_cells = markdown_cells(notebooks / lang / nb)
        for cell_id, source in markdown_cells(notebooks / nb).items():
            out[f"{nb}#{cell_id}"] = (fingerprint(source), cell_id in translated_cells)
    return out


@dataclass(frozen=True)
class Record:
    source: str
    reviewed: bool


def read_sidecar(path: Path) -> dict[str, Record]:
    """unit id -> Record, from data/<lang>/translations.yaml ({} when there is none or it cannot be read)."""
    raw = _read(path)
    out = {}
    for unit, entry in (raw if isinstance(raw, dict) else {}).items():
        if isinstance(entry, dict):
            out[str(unit)] = Record(str(entry.get("source") or ""), entry.get("reviewed") is True)
    return out


HEADER = """\
# {name} translations of the English course: one line per translated unit (an item, a lesson notebook's
# text cell, a clinic text value).
#   source:   the fingerprint of the English text the translation was made from. After updating a
#             translation, run:  .venv/bin/python -m caregiver_course translations stamp {lang} UNIT...
#   reviewed: yes once someone at the clinic has read the translation and agrees with it. Change "no" to "yes"
#             here, or run:     .venv/bin/python -m caregiver_course translations review {lang} UNIT...
# Learners see a short note on a page while a unit on it is not reviewed. `check` lists units whose English
# changed since their fingerprint (stale) and units with no translation (missing).
"""


def write_sidecar(path: Path, lang: str, records: dict[str, Record]) -> None:
    lines = [HEADER.format(lang=lang, name=NAMES.get(lang, lang))]
    for unit in sorted(records):
        r = records[unit]
        reviewed = "yes" if r.reviewed else "no"
        lines.append(f"{json.dumps(unit)}: {{source: {json.dumps(r.source)}, reviewed: {reviewed}}}\n")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    tmp.replace(path)


@dataclass
class Status:
    """Where a language stands: every unit, and which are missing, stale or not yet reviewed."""

    lang: str
    units: dict[str, tuple[str, bool]]
    records: dict[str, Record]
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unreviewed: list[str] = field(default_factory=list)


def status(root: Path, notebooks: Path, lang: str) -> Status:
    found = units(root, notebooks, lang)
    records = read_sidecar(root / lang / SIDECAR)
    s = Status(lang, found, records)
    for unit, (source, translated) in sorted(found.items()):
        record = records.get(unit)
        if not translated:
            s.missing.append(unit)
        elif record is None or record.source != source:
            s.stale.append(unit)
        elif not record.reviewed:
            s.unreviewed.append(unit)
    return s


def stamp(root: Path, notebooks: Path, lang: str, only: list[str] | None = None) -> list[str]:
    """Record the current English fingerprint of translated units (all, or only those named); a unit whose
    fingerprint changes is no longer reviewed. Returns the units whose record changed. KeyError for an
    unknown or untranslated unit named in only."""
    s = status(root, notebooks, lang)
    wanted = list(s.units) if only is None else only
    for unit in wanted:
        if unit not in s.units or not s.units[unit][1]:
            raise KeyError(unit)
    records = {u: r for u, r in s.records.items() if u in s.units}  # units gone from the English are dropped
    changed = []
    for unit in wanted:
        source, translated = s.units[unit]
        if not translated:
            continue
        old = records.get(unit)
        if old is None or old.source != source:
            records[unit] = Record(source, False)
            changed.append(unit)
    write_sidecar(root / lang / SIDECAR, lang, records)
    return changed


def review(root: Path, notebooks: Path, lang: str, only: list[str] | None = None) -> list[str]:
    """Mark stamped, up-to-date units reviewed (all, or only those named). KeyError for a unit that is not
    stamped with the current English (a stale translation cannot be marked reviewed)."""
    s = status(root, notebooks, lang)
    wanted = s.unreviewed if only is None else only
    records = dict(s.records)
    done = []
    for unit in wanted:
        record = records.get(unit)
        if unit not in s.units or record is None or record.source != s.units[unit][0]:
            raise KeyError(unit)
        if not record.reviewed:
            records[unit] = Record(record.source, True)
            done.append(unit)
    write_sidecar(root / lang / SIDECAR, lang, records)
    return done


def clinic_current(root: Path, lang: str) -> set[str]:
    """The clinic text settings whose translation was made from the English value in use now (a translation
    of an old value is never shown: the clinic's current English value is)."""
    records = read_sidecar(root / lang / SIDECAR)
    out = set()
    for name, piece in clinic_pieces(_read(root / "clinic.yaml")).items():
        record = records.get(f"clinic.yaml#{name}")
        if record is not None and record.source == fingerprint(piece):
            out.add(name)
    return out


def question_files(root: Path) -> dict[str, tuple[str]]:
    """question id -> (its unit id,)"""
    out = {}
    for path in sorted((root / "questions").glob("*.yaml")):
        for key in data_pieces(_read(path)):
            out[key] = (f"questions/{path.name}#{key}",)
    return out


# Lesson code cells that show content from a file: call -> the unit ids they show.
_CALLS = re.compile(r"\b(clinic_text|checklist|reflection|question|clinic_box)\(([^)]*)\)")


def lesson_units(root: Path, notebooks: Path, lang: str, lesson_id: str, notebook: str) -> list[str]:
    """The units a learner reads on a lesson's page: the lesson's entry, its notebook's text cells, its
    questions, and the variants, checklists, reflections, table rows and clinic values its cells show."""
    out = [f"lessons.yaml#{lesson_id}"]
    out += [f"{notebook}#{cell}" for cell in markdown_cells(notebooks / notebook)]
    for path in sorted((root / "questions").glob("*.yaml")):
        raw = _read(path)
        if isinstance(raw, dict) and raw.get("lesson") == lesson_id:
            out += [f"questions/{path.name}#{key}" for key in data_pieces(raw)]
    try:
        nb = json.loads((notebooks / notebook).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        nb = {}
    code = "\n".join("".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    files = {
        "clinic_text": "variants.yaml",
        "checklist": "checklists.yaml",
        "reflection": "reflections.yaml",
        "question": "questions",
        "clinic_box": "clinic.yaml",
    }
    for call, args in _CALLS.findall(code):
        for name in re.findall(r"[\"']([^\"']+)[\"']", args):
            if call == "question":  # a practice question, maybe from another lesson's file
                out += [u for u in question_files(root).get(name, ())]
            elif call != "clinic_box" or name in CLINIC_TEXTS:
                out.append(f"{files[call]}#{name}")
    if "side_effect_table(" in code:
        out += [f"side_effects.yaml#{key}" for key in data_pieces(_read(root / "side_effects.yaml"))]
    return list(dict.fromkeys(out))
