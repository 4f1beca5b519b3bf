"""Caregiver course: supporting a loved one through ketamine infusion therapy.

Lesson notebooks call the functions below (``import caregiver_course as cc; cc.header("start")``); each
returns one widget (or a friendly message box). They live in :mod:`caregiver_course.ui` and are imported on
first use, so the server process, the command line and the files-out toolkit never load ipywidgets.

The layers, top to bottom (``lint-imports`` holds them; see docs/architecture.md):
``__main__`` (command line) → ``server`` | ``ui`` → ``ops`` → ``toolkit`` | ``workshop`` → ``store`` |
``learning`` → ``content``.
"""

from importlib import import_module

__version__ = "0.1.0"

# name -> module in caregiver_course.ui that defines it
_NOTEBOOK_API = {
    "checklist": "lesson",
    "clinic_box": "lesson",
    "header": "lesson",
    "help_now": "lesson",
    "key_points": "lesson",
    "reflection": "lesson",
    "side_effect_table": "lesson",
    "whats_next": "lesson",
    "knowledge_check": "questions",
    "question": "questions",
    "words_to_know": "glossary",
    "session_timeline": "pictures",
    "triage_card": "pictures",
    "privacy_note": "privacy",
    "red_flags": "redflags",
    "clinic_text": "variants",
}
__all__ = sorted(_NOTEBOOK_API)


def __getattr__(name: str):
    if name in _NOTEBOOK_API:
        return getattr(import_module(f"caregiver_course.ui.{_NOTEBOOK_API[name]}"), name)
    raise AttributeError(f"module 'caregiver_course' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_NOTEBOOK_API))
