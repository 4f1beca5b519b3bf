"""Workshop results: how the room answered each item. Pure Python over rows from the store (pandas only
for the CSV export). No individual scores: only counts per option, per item."""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from ..content.model import Content
from ..learning.quiz import Question

NICKNAME_MAX = 30
ACTIVE_SECONDS = 300  # "active" = did something in the last 5 minutes


def clean_nickname(text: str) -> str:
    """A nickname as stored: no control or direction-override characters, at most 30 characters.

    It is still shown only escaped; cleaning keeps it readable, escaping keeps it harmless."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in (text or "")
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )
    return " ".join(kept.split())[:NICKNAME_MAX]


@dataclass
class ItemResult:
    question: Question
    participants: int = 0  # how many people answered it
    first_try_right: int = 0
    option_counts: Counter = field(default_factory=Counter)  # option id (or triage item id) -> count
    triage_right: Counter = field(default_factory=Counter)  # triage item id -> people who placed it right

    @property
    def percent_right(self) -> int:
        return round(100 * self.first_try_right / self.participants) if self.participants else 0


def item_results(content: Content, answers: list[dict]) -> dict[str, ItemResult]:
    """Per item, each participant's FIRST answer: that shows where the room was unsure (retries are free
    and would all end right)."""
    results = {q.id: ItemResult(q) for q in content.questions}
    seen: set[tuple[str, str]] = set()
    for a in answers:
        key = (a["learner_id"], a["item"])
        if key in seen or a["item"] not in results:
            continue
        seen.add(key)
        r = results[a["item"]]
        r.participants += 1
        r.first_try_right += a["status"] == "correct"
        response = a["response"]
        if r.question.type == "triage" and isinstance(response, dict):
            answers_by_item = {i.id: i.answer for i in r.question.items}
            for item_id, chosen in response.items():
                r.option_counts[item_id] += 1
                r.triage_right[item_id] += answers_by_item.get(item_id) == chosen
        elif isinstance(response, list):
            r.option_counts.update(str(x) for x in response)
        else:
            r.option_counts[str(response)] += 1
    return results


def most_missed(results: dict[str, ItemResult], limit: int = 5, minimum: int = 1) -> list[ItemResult]:
    answered = [r for r in results.values() if r.participants >= minimum and r.first_try_right < r.participants]
    return sorted(answered, key=lambda r: (r.percent_right, -r.participants))[:limit]


def counts(participants: list[dict], now: float | None = None) -> tuple[int, int]:
    """(joined, active in the last 5 minutes)."""
    now = now or time.time()
    return len(participants), sum(now - p["last_active"] <= ACTIVE_SECONDS for p in participants)


def export_frame(content: Content, results: dict[str, ItemResult], joined: int):
    """One row per item and option: counts, % right on the first try, participants. No nicknames."""
    import pandas as pd

    rows = []
    for r in results.values():
        q = r.question
        choices = (
            [(i.id, i.text, i.answer) for i in q.items]
            if q.type == "triage"
            else [(o.id, o.text, "right" if o.id in q.answer else "") for o in q.options]
        )
        for cid, text, mark in choices:
            rows.append(
                {
                    "lesson": q.lesson,
                    "item": q.id,
                    "type": q.type,
                    "prompt": content.clinic.fill(q.prompt),
                    "option": cid,
                    "option_text": content.clinic.fill(text),
                    "right_answer": mark if q.type != "triage" else f"belongs in: {mark}",
                    "count": r.option_counts.get(cid, 0),
                    "placed_right": r.triage_right.get(cid, 0) if q.type == "triage" else None,
                    "answered_by": r.participants,
                    "percent_right_first_try": r.percent_right,
                    "participants_joined": joined,
                }
            )
    return pd.DataFrame(rows)
