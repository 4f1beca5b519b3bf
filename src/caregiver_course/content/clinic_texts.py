"""The clinic's text values in another language, laid over the clinic's settings.

data/<lang>/clinic.yaml holds only the settings whose value is words (translations.CLINIC_TEXTS). Everything
else (numbers, phone numbers, choices, whether a value is confirmed) always comes from data/clinic.yaml. A
translation made from an older English value is not shown: learners read the clinic's current English value
until the translation is updated and stamped (so a changed rule is never hidden behind an old translation).
"""

from __future__ import annotations

from .clinic import TWINS, Clinic, Setting, _numbers_agree_with_texts, _reads_after
from .problems import Problem
from .translations import CLINIC_TEXTS


def translate_clinic(clinic: Clinic, raw, file: str, lang: str, current: set[str]) -> tuple[Clinic, list[Problem]]:
    """clinic (read from data/clinic.yaml) with its text values in lang where a current translation exists."""
    out = Clinic(dict(clinic.settings), lang)
    if raw is None:
        return out, []
    if not isinstance(raw, dict):
        return out, [Problem(file, "(whole file)", "(top level)", "the file should be a list of 'setting: value'")]
    problems: list[Problem] = []
    replaced = set()
    for name, entry in raw.items():
        if name not in CLINIC_TEXTS:
            problems.append(
                Problem(
                    file,
                    str(name),
                    "(name)",
                    "only the settings that are words belong here "
                    f"({', '.join(CLINIC_TEXTS)}); numbers, phone numbers and choices come from data/clinic.yaml. "
                    "Delete this setting from this file",
                )
            )
            continue
        entry = entry if isinstance(entry, dict) else {"value": entry}
        unknown = set(map(str, entry)) - {"value", "esketamine"}
        if unknown:
            problems.append(
                Problem(file, name, min(unknown), "only value and esketamine; confirmed and note stay in clinic.yaml")
            )
        value, esketamine = entry.get("value") or "", entry.get("esketamine") or ""
        if not isinstance(value, str) or not isinstance(esketamine, str):
            problems.append(Problem(file, name, "value", "write the value as plain text"))
            continue
        english = clinic.settings.get(name)
        if english is None or not value.strip():
            continue
        if english.esketamine and not esketamine.strip():
            problems.append(
                Problem(file, name, "esketamine", "data/clinic.yaml has an esketamine value: translate it here too")
            )
            continue
        if name in current:
            out.settings[name] = Setting(
                name, value.strip(), english.confirmed, esketamine.strip() if english.esketamine else ""
            )
            replaced.add(name)
    problems += _reads_after(file, out, only=replaced)
    twins = {number for number, text in TWINS.items() if text in replaced}
    problems += [p for p in _numbers_agree_with_texts(file, out) if p.item in twins]
    return out, problems
