"""The facilitator's secret: read from CAREGIVER_FACILITATOR_SECRET or a file in the data folder, never from
the content files (a lesson could show them), and long enough not to be guessed."""

from __future__ import annotations

import os
from pathlib import Path

from .paths import data_dir

SECRET_ENV = "CAREGIVER_FACILITATOR_SECRET"

SECRET_FILE = "facilitator_secret"  # in $CAREGIVER_DATA_DIR (the progress folder), never in data/

MIN_SECRET_LENGTH = 12  # characters: with the limit on wrong tries, too long to guess


def secret_problem(secret: str) -> str:
    """'' if the facilitator secret is long enough (or none is set), else what to do, in plain words."""
    if not secret or len(secret) >= MIN_SECRET_LENGTH:
        return ""
    return (
        f"The facilitator secret is too short: it has {len(secret)} characters, and it needs at least "
        f"{MIN_SECRET_LENGTH}. Choose a longer one (for example three words and a number, like "
        f"'plum-river-lamp-47'), set it again in {SECRET_ENV} or in the file {SECRET_FILE}, then start the course."
    )


def facilitator_secret() -> str:
    """The workshop facilitator's secret: from the environment, else from a file outside data/.

    Never read from clinic.yaml or any content file, so no lesson can show it. '' when none is set."""
    secret = os.environ.get(SECRET_ENV, "").strip()
    if secret:
        return secret
    folder = os.environ.get("CAREGIVER_DATA_DIR", "")
    if not folder:
        return ""
    path = Path(folder) / SECRET_FILE
    content = data_dir()
    try:
        if path.resolve().is_relative_to(content.resolve()):
            return ""  # a secret inside the content folder could be published with it
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
