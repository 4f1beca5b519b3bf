"""Caregiver course: supporting a loved one through ketamine infusion therapy.

Notebook cells call the functions below; each returns one widget (or a friendly message box).
"""

from .glossary import words_to_know  # noqa: F401
from .pictures import session_timeline, triage_card  # noqa: F401
from .privacy import privacy_note  # noqa: F401
from .redflags import red_flags  # noqa: F401
from .variants import clinic_text  # noqa: F401
from .widgets import (  # noqa: F401
    checklist,
    clinic_box,
    header,
    help_now,
    key_points,
    knowledge_check,
    question,
    reflection,
    side_effect_table,
    whats_next,
)

__version__ = "0.1.0"
