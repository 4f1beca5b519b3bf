"""Does every text a learner reads apply to their clinic? (issue 17, item 3). Pure Python, no widgets.

:func:`learner_texts` renders everything a learner can read for one clinic setting: the lessons (Markdown cells,
with the clinic's variant texts where a lesson shows them), the questions that clinic shows (prompts, options,
feedback, explanations), checklists, key points, the glossary, the side-effect table, the triage cards, the
session-day picture, the support plan and the calendar. :func:`not_applying` names the sentences that state
something untrue for that setting: an infusion, a vein or a drip for a nasal spray; a nasal spray for an IV
clinic; sitting in the room with them where the clinic has the support person wait outside, and the reverse.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from pathlib import Path

from ..toolkit import calendar, pictures, plan, triage_card

# Statements that do not apply, by setting value. A sentence matching one of these is a finding unless it
# matches an exception for the same value (e.g. the guide's title, or a study result quoted as such).
NOT_FOR: dict[tuple[str, str], tuple[str, ...]] = {
    ("treatment_type", "esketamine"): (
        r"\binfusions?\b",
        r"\bIV\b",
        r"\bintravenous",
        r"\bveins?\b",
        r"\bdrip\b",
        r"\bslow(ed)?( down)? or stop",
    ),
    ("treatment_type", "iv_ketamine"): (
        r"\byour loved one's clinic gives esketamine\b",
        r"\bthe (nasal )?spray is given\b",
        r"\bafter the dose, the team keeps watching\b",
        r"\bnasal spray session\b",
    ),
    ("companion_in_room", "no"): (
        r"\byou are with your loved one (in|during)\b",
        r"\bin the (treatment |infusion )?room with (them|your loved one)\b",
        r"\bif you stay\b",
        r"\byou can stay in the room\b",
        r"\binvites the support person to stay\b",
    ),
    ("companion_in_room", "yes"): (
        r"\bwait outside the treatment room\b",
        r"\byou wait nearby until\b",
    ),
}
# Sentences that may name another treatment: the guide's own title and the clinic's name, and study results
# reported as such ("In studies, ... after one infusion"), which stay true whatever the clinic gives.
EXCEPT_FOR: dict[tuple[str, str], tuple[str, ...]] = {
    ("treatment_type", "esketamine"): (
        r"ketamine infusion therapy",
        r"\b(stud(y|ies)|trial|research|researchers)\b",
        r"\byour clinic's guide\b",
        r"\bthe guide\b",
        r"\banesthetic\b",  # plain ketamine's approval (A1), which the lesson contrasts with the nasal spray's
        r"\boff-label\b",
    ),
    ("treatment_type", "iv_ketamine"): (r"\b(stud(y|ies)|trial|label)\b",),
}
DEFINITION = re.compile(r"^“[^”]+” means:")  # a glossary entry defines a word; it says nothing about this clinic

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_TAGS = re.compile(r"<[^>]+>")


def _plain(html: str) -> str:
    return unescape(_TAGS.sub(" ", html))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def not_applying(text: str, clinic) -> list[str]:
    """The sentences of text that do not apply to this clinic's settings, each with the rule it breaks."""
    name = clinic.shown("clinic_name")
    found = []
    for (setting, value), patterns in NOT_FOR.items():
        if clinic.choice(setting) != value:
            continue
        exceptions = EXCEPT_FOR.get((setting, value), ())
        for sentence in sentences(text.replace(name, "the clinic") if name else text):
            bad = [p for p in patterns if re.search(p, sentence, re.I)]
            if DEFINITION.match(text):
                continue
            if bad and not any(re.search(e, sentence, re.I) for e in exceptions):
                found.append(f"{setting}={value}: {sentence!r} (matches {bad[0]!r})")
    return found


def _notebook_texts(c, path: Path) -> list[tuple[str, str]]:
    """A lesson as it reads: Markdown cells, and each variant text a cell shows (cc.clinic_text("id"))."""
    out = []
    nb = json.loads(path.read_text(encoding="utf-8"))
    for n, cell in enumerate(nb.get("cells", [])):
        source = "".join(cell.get("source", ""))
        where = f"{path.name} cell {n}"
        if cell.get("cell_type") == "markdown":
            out.append((where, source))
        for variant_id in re.findall(r"cc\.clinic_text\(\"([\w-]+)\"\)", source):
            variant = c.variants.get(variant_id)
            if variant is not None:
                out.append((f"{where} ({variant_id})", c.clinic.fill(variant.text_for(c.clinic))))
    return out


def learner_texts(c, notebooks: Path) -> list[tuple[str, str]]:
    """(where, text) for everything a learner of this clinic can read, with the clinic's values filled in."""
    fill = c.clinic.fill
    out: list[tuple[str, str]] = []
    for lesson in c.lessons:
        written = (lesson.summary, *lesson.objectives, *lesson.key_points)
        out += [(f"lessons.yaml {lesson.id}", fill(t)) for t in written]
        if lesson.notebook and (notebooks / lesson.notebook).exists():
            out += _notebook_texts(c, notebooks / lesson.notebook)
    for q in c.questions:  # only those this clinic shows
        texts = [q.prompt, q.explanation]
        texts += [t for o in q.options for t in (o.text, o.feedback)]
        texts += [t for i in q.items for t in (i.text, i.feedback)]
        out += [(f"question {q.id}", fill(t)) for t in texts]
    for cl in c.checklists.values():
        out += [(f"checklist {cl.id}", fill(t)) for t in (cl.title, cl.intro, *(i.text for i in cl.items))]
    for r in c.reflections.values():
        out += [(f"reflection {r.id}", fill(t)) for t in (r.prompt, r.hint)]
    for row in c.side_effects:
        out += [(f"side effect {row.id}", fill(t)) for t in (row.name, row.short, row.looks_like, row.what_to_do)]
    shown = {q.id for q in c.questions}
    out += [(f"discussion {qid}", fill(t)) for qid, t in c.discussion.items() if qid in shown]  # read to the room
    for lesson_id, notes in c.facilitator_notes.items():
        out += [(f"facilitator notes {lesson_id}", fill(t)) for t in notes]
    for term in c.glossary.values():
        out.append((f"glossary {term.term}", f"“{term.term}” means: {fill(term.means)}"))
    out.append(("triage card (picture)", pictures.triage_card_svg(c)[1]))
    out.append(("session day (picture)", pictures.timeline_svg(c)[1]))
    for g in triage_card.groups(c):
        out.append((f"triage card (PDF) {g.id}", " ".join((g.word, g.action, *g.signs))))
    out.append(("support plan", _plain(plan.plan_html(c, {}, [dt.datetime(2026, 12, 3, 9, 0)]))))
    for r in calendar.reminders(c.clinic, dt.datetime(2026, 12, 3, 9, 0)):
        out.append((f"calendar {r.kind}", f"{r.title}. {r.text}"))
    return [(where, text) for where, text in out if text]


def findings(c, notebooks: Path) -> list[str]:
    return [f"{where}: {f}" for where, text in learner_texts(c, notebooks) for f in not_applying(text, c.clinic)]
