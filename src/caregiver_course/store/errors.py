"""The store's errors, in plain words a learner or a clinic's IT person can act on."""

from __future__ import annotations

# PostgreSQL error codes that mean "try again later": lock wait or statement timed out, serialization, deadlock,
# and too many connections at once (more kernels writing at the same moment than max_connections allows).
PG_BUSY = {"55P03", "57014", "40001", "40P01", "53300"}


class StoreError(Exception):
    """The database could not be used; the message says what to do (in plain words: learners read it)."""

    conflict = False  # True when a unique value clashed (a random code drawn twice): the caller may retry
    detail = ""  # the database's own words, for the server's log only


# A full disk, in the words SQLite, PostgreSQL and the system use (SQLite often says only "disk I/O error").
_FULL = ("disk i/o error", "database or disk is full", "no space left", "disk full", "could not extend file")

DISK_FULL = (
    "The course's server is out of storage space, so your progress cannot be saved right now. What you do on "
    "this page is kept here and saved when there is room again. Please tell the clinic staff."
)


class SignedOut(StoreError):
    """This device no longer belongs to the learner: a new resume code was made, which signs out every device
    added with the old one."""


class KeyMismatch(StoreError):
    """The hashing key differs from the one the database was made with (its fingerprint is in the database)."""


KEY_MISMATCH = (
    "This course's progress database was made with a different hashing key. With this key no learner's saved "
    "browser or resume code would be found: everyone would silently start afresh. Use the key the database was "
    "made with (the course.key file, or CAREGIVER_HASH_KEY: the same 64 characters). To change the key on "
    "purpose, follow 'Changing the key' in the README (python -m caregiver_course accept-key)."
)


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


def explain(exc: BaseException) -> StoreError:
    """A database error as a StoreError with a plain message (the original is kept as its __cause__)."""
    from sqlalchemy import exc as sa_exc

    text = first_line(exc)
    orig = getattr(exc, "orig", None)
    full = str(orig or exc)
    if any(w in full for w in ("locked", "busy", "too many clients")) or getattr(orig, "sqlstate", None) in PG_BUSY:
        err = StoreError("The progress database is busy. Your answer is kept and will be saved with your next one.")
    elif any(w in full.lower() for w in _FULL) or getattr(orig, "sqlstate", None) == "53100":
        err = StoreError(DISK_FULL)
    else:  # the database's own words (which may name a file) go to the log, never to the page
        err = StoreError(
            "The progress database could not be used just now. Your answers on this page are kept. If this keeps "
            "happening, please tell the clinic staff."
        )
    err.detail = text
    err.conflict = isinstance(exc, sa_exc.IntegrityError)
    return err
