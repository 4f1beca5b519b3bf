"""One answer everywhere (issue 17, item 2).

A sign's group and threshold, a time rule and a named control are each stated once (the side-effect table,
a clinic value, a constant in widgets.py) and everything else refers to it, or is checked against it here:
lessons, questions, checklists, glossary, the side-effect table, the cards, the plan and the calendar.

What these tests would have caught before (71f427a): "no driving for until the next day" in 8 places for an
esketamine clinic; 24 driving hours in its calendar where the label says the next day; the mood-worse row
waiting for "the next day"; "for the rest of the day" (lesson 3) against {no_alcohol} = 24 hours; "looking
for a way to end their life" sorted as an emergency by the table and a crisis warning sign by two questions;
a crisis band without 911 or "stay with them"; "the Help now button at the top" in lessons 0, 3, 4 and 7.
"""

import ast
import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

from caregiver_course import content
from caregiver_course.ops import applies
from caregiver_course.toolkit import calendar, pictures, triage_card
from caregiver_course.ui import widgets

REPO = Path(__file__).resolve().parents[1]
CODE = REPO / "src" / "caregiver_course"
CARD_CODE = (
    "toolkit/pictures.py",
    "ui/pictures.py",
    "ui/links.py",
    "ui/redflags.py",
    "ui/app.py",
    "toolkit/calendar.py",
    "toolkit/plan.py",
    "toolkit/triage_card.py",
)


def _strings(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


def written_texts() -> list[tuple[str, str]]:
    """(where, text) for every text as written: lesson Markdown, every content file but clinic.yaml, card code."""
    out = []
    for nb in sorted((REPO / "notebooks").glob("0*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        out += [(nb.name, "".join(c["source"])) for c in cells if c["cell_type"] == "markdown"]
    for path in sorted((REPO / "data").rglob("*.yaml")):
        if path.name not in ("clinic.yaml",):
            out += [(str(path.relative_to(REPO)), s) for s in _strings(yaml.safe_load(path.read_text()))]
    for name in CARD_CODE:  # the strings the code shows, not its docstrings and comments
        tree = ast.parse((CODE / name).read_text())
        docs = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        out += [
            (name, n.value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
        ]
    return out


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _with_clinic(data: Path, **values) -> content.Content:
    path = data / "clinic.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg.update(values)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    c = content.load(data, REPO / "notebooks")
    assert c.problems == []
    return c


# ----------------------------------------------------------------- time rules: one clinic value each

RULES = {  # what a sentence is about -> the clinic value that must say how long
    "no_driving": re.compile(r"\b(drive|driving)\b", re.I),
    "no_alcohol": re.compile(r"\b(alcohol|cannabis)\b", re.I),
    "no_big_decisions": re.compile(r"\bbig decisions\b|\bsigning\b", re.I),
}
DURATION = re.compile(r"\b\d+\s*(hours?|h)\b|rest of the day|next day|following morning|full night", re.I)


REFERS = re.compile(r"as long as your clinic says|your clinic tells you|see the box below", re.I)


def typed_rules(texts) -> list[str]:
    """Paragraphs about driving, alcohol or big decisions that type how long instead of using the clinic value."""
    typed = []
    for where, text in texts:
        for paragraph in re.split(r"\n\s*\n|\n- ", text):
            for name, about in RULES.items():
                if not (about.search(paragraph) and DURATION.search(paragraph)):
                    continue
                if "{" + name + "}" not in paragraph and not REFERS.search(paragraph):
                    typed.append(f"{where}: {paragraph.strip()[:120]!r} types how long instead of {{{name}}}")
    return typed


def test_each_time_rule_is_stated_once_as_a_clinic_value():
    """A paragraph about driving, alcohol or big decisions never types how long: it uses the clinic value."""
    assert typed_rules(written_texts()) == []
    old_lesson_3 = (  # before issue 17: "the rest of the day" here, 24 hours in the clinic value
        "For the rest of the day, they should rest, and have light food and drinks when they are ready. Someone "
        "should stay nearby. They should not drink alcohol or use cannabis or street drugs."
    )
    assert typed_rules([("lesson 3", old_lesson_3)])
    assert typed_rules([("x", "No alcohol for 24 hours.")]) and not typed_rules([("x", "No alcohol for {no_alcohol}.")])


def test_the_driving_rule_reads_right_for_both_treatments(data_copy):
    """{no_driving} brings its own "for"/"until", so no sentence reads "for until the next day"."""
    for where, text in written_texts():
        assert not re.search(r"\b(for|until) \{no_driving\}", text), where
    for treatment in ("iv_ketamine", "esketamine"):
        c = _with_clinic(data_copy, treatment_type=treatment)
        shown = " ".join(t for _, t in applies.learner_texts(c, REPO / "notebooks"))
        assert "driv" in shown and not re.search(r"\bfor (until|for)\b|\buntil for\b", shown), treatment
        assert c.clinic.value("no_driving") in shown


def test_a_driving_value_that_would_read_wrong_is_a_problem(data_copy):
    path = data_copy / "clinic.yaml"
    path.write_text(path.read_text().replace("value: for 24 hours, and until", "value: 24 hours, and until"))
    problems = [str(p) for p in content.load(data_copy).problems]
    assert len(problems) == 1 and "item 'no_driving'" in problems[0] and "start it with 'for' or 'until'" in problems[0]


def test_the_calendar_follows_the_label_for_esketamine(data_copy):
    session = dt.datetime(2026, 12, 3, 9, 0)
    c = _with_clinic(data_copy, treatment_type="esketamine")
    (drive,) = [r for r in calendar.reminders(c.clinic, session) if r.kind == "no-driving"]
    assert drive.end == dt.datetime(2026, 12, 4, 0, 0), "not today; tomorrow after a restful sleep (G1)"
    assert (
        "tomorrow, after a restful sleep" in drive.title and "until the next day, after a restful sleep" in drive.text
    )
    c = _with_clinic(data_copy, treatment_type="iv_ketamine")
    (drive,) = [r for r in calendar.reminders(c.clinic, session) if r.kind == "no-driving"]
    end = session + dt.timedelta(minutes=c.clinic.number("visit_minutes"))
    assert drive.end == end + dt.timedelta(hours=c.clinic.number("no_driving_hours"))
    assert f"{c.clinic.number('no_driving_hours'):g} hours" in c.clinic.value("no_driving")


# ----------------------------------------------------------------- a sign's group and threshold


@pytest.fixture(scope="module")
def course():
    return content.load(REPO / "data", REPO / "notebooks")


def test_worsening_mood_is_reported_promptly_everywhere(course):
    """F5: report promptly. The row does not wait for {call_if_lasting}, and no text says to wait and see."""
    row = course.side_effect("mood-worse")
    assert row.group == "clinic" and "call_if_lasting" not in row.looks_like + row.what_to_do
    waits = []
    for where, text in written_texts():
        for sentence in _sentences(text):
            if re.search(r"mood (gets|getting|is getting) worse|worse mood", sentence, re.I) and re.search(
                r"call_if_lasting|next day|wait", sentence, re.I
            ):
                waits.append(f"{where}: {sentence.strip()!r}")
    assert waits == []


def test_no_sorting_row_or_option_names_a_sign_of_another_group(course):
    """A row's words belong to one group: "looking for a way to end their life" cannot be sorted as a crisis
    warning sign by one question while the table lists it as an emergency."""
    rows = course.side_effects
    owners: dict[str, set[str]] = {}
    for r in rows:
        for word in r.words:
            owners.setdefault(word, set()).add(r.group)
    assert {w: g for w, g in owners.items() if len(g) > 1} == {}
    clashes = []
    for q in course.all_questions:
        for item in q.items:
            group = next(r.group for r in rows if r.id == item.sign)
            clashes += [
                f"{q.id}/{item.id}: {w!r} is {r.group}, sorted as {group}"
                for r in rows
                if r.group != group and not (item.sign == "not-fading" and r.group == "expected")  # the threshold
                for w in r.words
                if w in item.text.lower()
            ]
        if q.id == "se-warning-signs":  # the options that are warning signs are in the crisis rows' words
            for o in q.options:
                if o.id in q.answer:
                    assert any(w in o.text.lower() for r in rows if r.group == "crisis" for w in r.words), o.text
    assert clashes == []
    assert any("way to end their life" in w for r in rows if r.group == "crisis" for w in r.words)
    assert "end their life" not in course.side_effect("in-danger").looks_like


def test_the_breathing_row_describes_what_sedation_looks_like(course):
    """F1: slowed breathing; a very sleepy person does not look like they are struggling."""
    row = course.side_effect("breathing")
    assert "slow" in row.looks_like and "shallow" in row.looks_like and "F1" in row.sources
    assert "Struggling" not in row.looks_like


# ----------------------------------------------------------------- the cards say what lesson 4 says


def test_every_card_gives_the_crisis_band_in_full(data_copy):
    c = content.load(REPO / "data", REPO / "notebooks")
    for group in ("expected", "clinic", "emergency", "crisis"):
        assert c.actions[group], group
    card = {g.id: g.action for g in triage_card.groups(c)}
    svg, alt = pictures.triage_card_svg(c)
    for shown in (card["crisis"], alt):
        assert "Call 988 or text 988" in shown
        assert "If anyone is in danger right now, call 911" in shown and "Stay with them" in shown
    assert card["crisis"] == c.clinic.fill(c.actions["crisis"]), "the PDF card takes its words from the table file"
    assert "Call 911 now" in card["emergency"] and "Stay with them" in card["emergency"]


# ----------------------------------------------------------------- the named control


HELP = re.compile(r"(\S+\s)?\**Help( now)?\** (button|box)")


def test_the_help_button_is_named_as_it_is_shown_and_where_it_is():
    css = (CODE / "voila" / "templates" / "caregiver" / "static" / "cc-app.css").read_text()
    rule = re.search(r"\.cc-help \{([^}]*)\}", css).group(1)
    assert "position: fixed" in rule and "right:" in rule and "bottom:" in rule, "the button is at the bottom right"
    assert widgets.HELP_WHERE == "at the bottom right of the screen" and widgets.HELP_LABEL == "☎ Help"
    label = widgets.HELP_LABEL.split()[0]
    wrong = []
    for where, text in written_texts():
        for sentence in _sentences(text):
            for m in HELP.finditer(sentence):
                if label not in m.group(0) or m.group(2):
                    wrong.append(f"{where}: {sentence.strip()!r}")
            if HELP.search(sentence) and where.endswith(".ipynb") and widgets.HELP_WHERE not in sentence:
                wrong.append(f"{where}: {sentence.strip()!r} does not say where the button is")
            if HELP.search(sentence) and re.search(r"\bat the top\b", sentence):
                wrong.append(f"{where}: {sentence.strip()!r}")
    assert wrong == []
    mentions = [w for w, t in written_texts() if w.endswith(".ipynb") and f"**{widgets.HELP_LABEL}** button" in t]
    assert {"00-start-here.ipynb", "03-practical-support.ipynb", "04-side-effects.ipynb", "07-self-care.ipynb"} <= set(
        mentions
    )
