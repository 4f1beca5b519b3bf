"""The privacy text: exactly what the course saves, where, and how to delete it. One copy for every page.

It must match what the code does: the store (store.py) keeps learners (keyed hashes of a random token and
of the resume code), events (quiz answers, ticks, lessons opened and finished, with the time), workshop
nicknames, and for the rate limits a keyed hash of the client's address (kept 1 to 2 days); the browser keeps
the token and the resume code (cc-app.js, localStorage); reflection notes are never sent to the store. The
observation journal (opt-in) keeps its entries in the store's journal tables, read only by the learner's page.
"""

from __future__ import annotations

from .widgets import Panel, html

SAVED = (
    "your quiz answers",
    "the boxes you tick",
    "which lessons you opened and finished, and when",
    "if you join a workshop, the nickname you chose (if any)",
    "if you turn on the observation journal, its entries (mood, sleep, side effects, session days and short "
    "notes), which only you can see",
)

WHERE = (
    "These are saved on the computer that runs this course for your clinic (the course's server), not on "
    "your phone. They are kept under a random code, not under your name. Your browser keeps that code and "
    "your resume code, so it can find your progress again; the server keeps only scrambled forms of them. "
    "To stop people from guessing codes, the server also keeps a scrambled form of your internet address "
    "for up to two days."
)
NEVER = (
    "We never ask your name, or your loved one's name or anything else that tells who they are. Notes you type "
    "in “Think about it” boxes are never saved. A name typed on the certificate is printed, never saved."
)
DELETE = (
    "Delete my data removes everything saved about you. In a workshop, the facilitator sees only how many "
    "people chose each answer, never who chose what."
)
SHORT = "Your progress is saved on the course's server under a random code, not your name."


def privacy_html() -> str:
    items = "".join(f"<li>{s}</li>" for s in SAVED)
    return f"<p>{NEVER}</p><p>The course saves only:</p><ul>{items}</ul><p>{WHERE}</p><p>{DELETE}</p>"


def privacy_text() -> str:
    """The same words as plain text (for tests and summaries)."""
    return " ".join([NEVER, "The course saves only: " + "; ".join(SAVED) + ".", WHERE, DELETE])


def privacy_note():
    """Widget for a lesson cell: ``cc.privacy_note()``."""
    return Panel(
        [html(f"<div class='cc-note cc-privacy-text'>{privacy_html()}</div>")],
        summary="Your privacy: " + privacy_text(),
        classes=("cc-privacy-note",),
    )
