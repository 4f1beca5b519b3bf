"""The course's languages, the few words the content layer writes itself in each, and which language a
lesson is being shown in.

English is the source: its files are data/*.yaml and notebooks/*.ipynb. Each other language mirrors them in
data/<lang>/ and notebooks/<lang>/ (same ids, keys and numbers; only the words translated). Lesson code cells
are the same in every language (``cc.header("start")``), so they read the language from :func:`current`: the
app sets it with :func:`using` while it builds a lesson, and a notebook run on its own (JupyterLab, nbval)
takes it from the folder it runs in (notebooks/es/ is Spanish).
"""

from __future__ import annotations

import contextlib
import contextvars
from pathlib import Path

DEFAULT = "en"
LANGUAGES = ("en", "es")
NAMES = {"en": "English", "es": "Spanish"}  # for the clinic's files and messages
TRANSLATED = tuple(x for x in LANGUAGES if x != DEFAULT)  # languages with a mirror of the English files

# "a, b; or c": the word before the last of a list of signs (content.parse.signs_text)
OR_WORD = {"en": "or", "es": "o"}

# after a clinic value that the clinic has not confirmed yet
CHECK_NOTE = {"en": "check with your clinic", "es": "consulte con su clínica"}

YES_NO_WORDS = {"en": ("yes", "no"), "es": ("sí", "no")}

TREATMENT_NAMES = {
    "en": {"iv_ketamine": "IV ketamine infusion", "esketamine": "esketamine nasal spray (SPRAVATO)"},
    "es": {
        "iv_ketamine": "infusión de ketamina por la vena (IV)",
        "esketamine": "aerosol nasal de esketamina (SPRAVATO)",
    },
}

# Clinic settings read straight after a rule's first words ("No driving {no_driving}", "No conducir
# {no_driving}"): the value must start with one of these words.
READ_AFTER = {
    "en": {"no_driving": (("for ", "until "), "'No driving for 24 hours' or 'No driving until the next day'")},
    "es": {
        "no_driving": (("durante ", "hasta "), "'No conducir durante 24 horas' or 'No conducir hasta el día siguiente'")
    },
}

# The morning and evening marks of a 12-hour clock.
AM_PM = {"en": ("am", "pm"), "es": ("a. m.", "p. m.")}


def check(lang: str) -> str:
    """lang itself if the course has it; ValueError otherwise (a language code from outside is never a path)."""
    if lang not in LANGUAGES:
        raise ValueError(f"'{lang}' is not a language of the course; use one of: {', '.join(LANGUAGES)}")
    return lang


def join_or(names: list[str], lang: str) -> str:
    """'a; b; or c' in English, 'a; b; o c' in Spanish ('u' before a word that starts with an o sound).
    Semicolons: some signs have commas in them."""
    if len(names) < 2:
        return "".join(names)
    last = names[-1]
    word = OR_WORD[lang]
    if lang == "es" and last.lower().startswith(("o", "ho")):
        word = "u"
    return "; ".join(names[:-1]) + f"; {word} {last}"


_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("caregiver_course_lang", default=None)


@contextlib.contextmanager
def using(lang: str):
    """Lesson parts built inside this block read the content in lang."""
    token = _current.set(check(lang))
    try:
        yield lang
    finally:
        _current.reset(token)


def current() -> str:
    """The language lesson parts are built in now: the one set by :func:`using`, else the folder the
    notebook runs in (a kernel started for notebooks/es/X.ipynb works in notebooks/es/), else English."""
    chosen = _current.get()
    if chosen is not None:
        return chosen
    return folder_language(Path.cwd())


def folder_language(folder: Path) -> str:
    """The language of a lesson folder: notebooks/<lang>/ for a translated language, English otherwise."""
    name = folder.name
    if name in TRANSLATED and any(folder.glob("*.ipynb")):
        return name
    return DEFAULT
