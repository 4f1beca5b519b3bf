"""Events: a learner's answers, ticks and steps, append-only, with ids made by the writer; and compaction
past the cap (the newest answer per question and the newest tick per item are kept)."""

from __future__ import annotations

import secrets

MAX_EVENTS = 2000  # stored events per learner; past this, the learner's events are compacted (see compact)


def compact(events: list[dict]) -> list[int]:
    """Which events to keep (their indexes, in order) when a learner's events are compacted. The rule keeps
    everything progress, scores, resume points and workshop counts are made from: the latest event of each
    kind of thing (each question's answer, each checklist item's tick, each lesson's opened/step/end), and for
    answers also the latest right one (a question counts as right once any try was right) and the first in
    each workshop (the room's first-try counts). The rest are older repeats: the same answer changed back and
    forth, the same step opened again. How many remain is bounded by the course's content, not by time."""
    keep: dict[tuple, int] = {}
    for i, e in enumerate(events):
        key = (e["kind"], e["lesson"], e["item"], e.get("sub_item", ""))
        keep[("latest", *key)] = i
        if e["kind"] == "answer":
            if e.get("status") == "correct":
                keep[("right", *key)] = i
            if e.get("workshop_id"):
                keep.setdefault(("first", e["workshop_id"], *key), i)
    return sorted(set(keep.values()))


def new_event_id() -> str:
    """An event's id, made by the writer (the learner's kernel) before the first try to save it."""
    return secrets.token_hex(12)
