"""Practice that comes back (issue 17): triage items a learner missed return on the start page at their next
visits, until each is answered right on two different days. Pure Python, no widgets.

Which items: every sorting task (type ``triage``) and every question whose topic is side effects or red
flags, as the question bank marks them, so new items count without a list of ids here. What counts is the
learner's own saved answer events and their times:

- an item is *missed* when an answer to it was not right (wrong, or only partly right);
- after the last miss it needs right answers on two different days (a new miss starts the count again);
- it comes back at a later visit only: not in the visit where it was missed, and not again on a day it was
  already answered right (a second right answer that day would not count).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..content.model import Content
from . import quiz

TRIAGE_TOPICS = ("side-effects", "red-flags")
RIGHT_DAYS_NEEDED = 2


def is_triage(question: quiz.Question) -> bool:
    """A sorting task, or a question on side effects or red flags (its ``topic`` in the question bank)."""
    return question.type == "triage" or question.topic in TRIAGE_TOPICS


def day_of(at: float) -> dt.date:
    """The day of an event's time (the server's local day)."""
    return dt.datetime.fromtimestamp(at).date()


@dataclass(frozen=True)
class ItemState:
    question_id: str
    missed_at: float  # the time of the last answer that was not right
    right_days: frozenset[dt.date]  # days with a right answer after that miss

    @property
    def learned(self) -> bool:
        return len(self.right_days) >= RIGHT_DAYS_NEEDED


def states(content: Content, events: list[dict]) -> dict[str, ItemState]:
    """Each triage item of this clinic's course that the learner ever missed, in course order."""
    triage = [q for q in content.questions if is_triage(q)]
    ids = {q.id for q in triage}
    missed: dict[str, float] = {}
    right: dict[str, set[dt.date]] = {}
    for e in events:
        if e.get("kind") != "answer" or e.get("item") not in ids:
            continue
        qid, at = e["item"], float(e.get("at") or 0)
        if e.get("status") == quiz.CORRECT:
            if qid in missed:
                right[qid].add(day_of(at))
        else:
            missed[qid], right[qid] = at, set()
    return {q.id: ItemState(q.id, missed[q.id], frozenset(right[q.id])) for q in triage if q.id in missed}


def due(
    content: Content, events: list[dict], visit_started: float, today: dt.date | None = None
) -> list[quiz.Question]:
    """The triage items to practise again at this visit (which started at visit_started), in course order."""
    today = today or dt.date.today()
    out = []
    for qid, state in states(content, events).items():
        if state.learned or state.missed_at >= visit_started or today in state.right_days:
            continue
        out.append(content.question(qid))
    return out


def label(count: int) -> str:
    """'Practise again: 2 signs' (the start page's card)."""
    return f"Practise again: {count} sign{'' if count == 1 else 's'}"
