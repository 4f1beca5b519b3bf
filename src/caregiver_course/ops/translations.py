"""``python -m caregiver_course translations stamp|review|status LANG``: keep translations in step with the
English (content.translations), and the lines ``check`` prints about them."""

from __future__ import annotations

from pathlib import Path

from ..content import data_dir, notebooks_dir, translations
from ..content import lang as langs

SHOWN = 20  # units listed by name before "... and N more"


def _folders(data: Path | None, notebooks: Path | None) -> tuple[Path, Path]:
    return Path(data) if data else data_dir(), Path(notebooks) if notebooks else notebooks_dir()


def report(data: Path | None, notebooks: Path | None) -> list[str]:
    """Lines for `check`: per translated language, how many units are missing, stale and not yet reviewed."""
    root, nbs = _folders(data, notebooks)
    lines = []
    for lang in langs.TRANSLATED:
        if not (root / lang).is_dir():
            continue
        s = translations.status(root, nbs, lang)
        lines.append(
            f"Translation '{lang}': {len(s.units)} units, {len(s.missing)} missing, {len(s.stale)} stale, "
            f"{len(s.unreviewed)} not yet reviewed by the clinic."
        )
        for word, units, fix in (
            ("missing", s.missing, f"translate them in data/{lang}/ or notebooks/{lang}/, then stamp them"),
            ("stale", s.stale, f"the English changed: update the {lang} text, then stamp them"),
        ):
            if units:
                lines.append(f"  {word.capitalize()} ({fix}):")
                lines += [f"    - {u}" for u in units[:SHOWN]]
                if len(units) > SHOWN:
                    lines.append(f"    ... and {len(units) - SHOWN} more")
        if s.missing or s.stale:
            lines.append(f"  Stamp with: python -m caregiver_course translations stamp {lang} UNIT...")
        if s.unreviewed:
            lines.append(
                f"  To mark reviewed: python -m caregiver_course translations review {lang} UNIT... (or --all), or "
                f"write 'reviewed: yes' in data/{lang}/{translations.SIDECAR}"
            )
    return lines


def command(
    action: str, lang: str, units: list[str], everything: bool, data: Path | None = None, notebooks: Path | None = None
) -> int:
    root, nbs = _folders(data, notebooks)
    if lang not in langs.TRANSLATED:
        print(f"'{lang}' is not a translated language; use one of: {', '.join(langs.TRANSLATED)}")
        return 2
    if action == "status":
        print("\n".join(report(root, nbs)))
        return 0
    if not units and not everything:
        print(f"Name the units to {action} (as `check` lists them), or write --all.")
        return 2
    only = None if everything else units
    try:
        done = (translations.stamp if action == "stamp" else translations.review)(root, nbs, lang, only)
    except KeyError as exc:
        why = (
            "has no translation yet"
            if action == "stamp"
            else "is not stamped with the current English (update and stamp it first)"
        )
        print(f"Nothing was changed: {exc.args[0]} is not a unit, or {why}. `check` lists the units.")
        return 1
    verb = "Stamped (now waiting for review)" if action == "stamp" else "Marked reviewed"
    print(f"{verb}: {len(done)} unit(s) in data/{lang}/{translations.SIDECAR}.")
    for u in done[:SHOWN]:
        print(f"  - {u}")
    if len(done) > SHOWN:
        print(f"  ... and {len(done) - SHOWN} more")
    return 0
