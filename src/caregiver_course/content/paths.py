"""Where the course's files are: the repository, its content (``data/``) and its lesson notebooks.

``CAREGIVER_CONTENT_DIR`` and ``CAREGIVER_NOTEBOOKS_DIR`` point elsewhere (the tests use copies).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def data_dir() -> Path:
    return Path(os.environ.get("CAREGIVER_CONTENT_DIR", REPO / "data"))


def notebooks_dir(lang: str = "en") -> Path:
    """The lesson notebooks in lang: notebooks/ for English, notebooks/<lang>/ for a translation."""
    base = Path(os.environ.get("CAREGIVER_NOTEBOOKS_DIR", REPO / "notebooks"))
    return base if lang == "en" else base / lang
