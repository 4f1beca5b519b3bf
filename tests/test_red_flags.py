"""One source of truth for red flags (issue 10, item 1).

The side-effect table (data/side_effects.yaml) decides each sign's group. Sorting rows, key points and lesson
text must agree with it, and the missing red flags (mania and dangerous impulses F5; harming others and sudden
weakness H7; "in danger right now") are taught.
"""

import json
import re
from pathlib import Path

import pytest
import yaml
from widget_text import text_of

from caregiver_course import content
from caregiver_course.ui import links, redflags

REPO = Path(__file__).resolve().parents[1]

# How a sentence says what to do; {placeholders} are matched before the clinic's values are filled in.
ACTIONS = {
    "clinic": ("call the clinic",),
    "emergency": ("call {emergency_number}", "call your emergency number", "emergency room"),
    "crisis": ("{crisis_call}", "crisis line"),
    "expected": ("fade the same day", "fades the same day", "usually pass", "expected, it passes"),
}
# Sign words that mean different things in different groups ("confusion" in the first hours is expected,
# confusion that comes back is an emergency): a sentence that uses one must also say which sign it means.
AMBIGUOUS = ("confus", "dizz", "blurry", "nausea", "headache", "vomit", "weak", "mood", "sleep")


@pytest.fixture(scope="module")
def course():
    return content.load(REPO / "data", REPO / "notebooks")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text.lower()) if s.strip()]


def _group_of(sentence: str) -> set[str]:
    return {g for g, phrases in ACTIONS.items() if any(p in sentence for p in phrases)}


def disagreements(rows, text: str) -> list[str]:
    """Sentences of text that tie a sign to a group other than the table's."""
    found = []
    for sentence in _sentences(text):
        groups = _group_of(sentence)
        if len(groups) != 1:
            continue  # no action, or several (e.g. "if X, call the clinic; if Y, call 911"): not one claim
        (group,) = groups
        qualified = any(w in sentence for r in rows if r.group == group for w in r.words)
        for row in rows:
            hits = [w for w in row.words if w in sentence]
            if not hits or row.group == group:
                continue
            if qualified and all(any(stem in w for stem in AMBIGUOUS) for w in hits):
                continue  # e.g. "dizziness that is still there": an ambiguous sign, qualified for this group
            found.append(f"{sentence!r} says {group}, but the table puts {row.id} ({hits[0]}) in {row.group}")
        for stem in AMBIGUOUS:
            if stem in sentence and not any(stem in w and w in sentence for r in rows for w in r.words):
                found.append(f"{sentence!r} says {group} for '{stem}...' without saying which sign it means")
    return found


def _markdown(notebook: Path) -> str:
    return "\n".join(
        "".join(c["source"]) for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "markdown"
    )


def test_every_sorting_row_takes_its_group_from_the_table(course):
    rows = {r.id: r for r in course.side_effects}
    triage = [q for q in course.all_questions if q.type == "triage"]
    assert len(triage) >= 3
    for q in triage:
        for item in q.items:
            assert item.sign in rows, f"{q.id}/{item.id} names no sign of the side-effect table"
            assert item.answer == rows[item.sign].group, (q.id, item.id)
    raw = "\n".join(p.read_text() for p in (REPO / "data" / "questions").glob("*.yaml"))
    assert not re.search(r"^\s+answer: (expected|clinic|emergency|crisis)\s*$", raw, re.MULTILINE), (
        "sorting rows name their sign; the table gives the answer"
    )


def test_key_points_objectives_and_lesson_text_agree_with_the_table(course):
    rows = course.side_effects
    problems = []
    for lesson in course.lessons:
        for text in (*lesson.key_points, *lesson.objectives):
            problems += disagreements(rows, text)
        problems += disagreements(rows, _markdown(REPO / "notebooks" / lesson.notebook))
    for q in course.all_questions:
        for text in (q.prompt, q.explanation, *(o.feedback for o in q.options), *(i.feedback for i in q.items)):
            problems += [f"{q.id}: {p}" for p in disagreements(rows, text)]
    for row in rows:
        problems += [f"{row.id}: {p}" for p in disagreements(rows, row.what_to_do)]
    assert problems == []


def test_the_check_catches_the_old_disagreements(course):
    rows = course.side_effects
    # The old lesson-4 key point: "new confusion" sorted as an emergency without saying which confusion.
    assert disagreements(rows, "Call {emergency_number} for chest pain, trouble breathing or new confusion.")
    # A sign in the wrong group.
    assert disagreements(rows, "Call the clinic for chest pain.")
    assert disagreements(rows, "A new rash usually fades the same day.")
    assert not disagreements(rows, "Call {emergency_number} for chest pain.")


def test_the_lesson_4_key_points_are_built_from_the_table(course):
    raw = yaml.safe_load((REPO / "data" / "lessons.yaml").read_text())
    lesson = next(entry for entry in raw["lessons"] if entry["id"] == "side-effects")
    for group in ("expected", "clinic", "emergency", "crisis"):
        assert any(f"{{signs:{group}}}" in point for point in lesson["key_points"]), group
    points = "\n".join(course.lesson("side-effects").key_points)
    for row in course.side_effects:
        assert row.short in points, row.id


def test_lesson_4_lists_each_group_from_the_table():
    cells = json.loads((REPO / "notebooks" / "04-side-effects.ipynb").read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    for group in ("clinic", "emergency", "crisis"):
        assert f'cc.red_flags("{group}")' in code


def test_a_sorting_row_that_disagrees_with_the_table_is_a_problem(data_copy):
    path = data_copy / "questions" / "side-effects.yaml"
    text = path.read_text().replace("        sign: floaty\n", "        sign: floaty\n        answer: emergency\n", 1)
    path.write_text(text)
    problems = [str(p) for p in content.load(data_copy).problems]
    assert problems == [
        (
            "questions/side-effects.yaml: item 'se-sort-practice', field 'items[2].answer': says "
            "'emergency', but side_effects.yaml puts 'floaty' in 'expected'. Change one of them; the "
            "table decides"
        )
    ]


def test_the_missing_red_flags_are_taught(course):
    rows = {r.id: r for r in course.side_effects}
    assert rows["mania-impulses"].group == "clinic" and "F5" in rows["mania-impulses"].sources
    assert rows["sudden-weakness"].group == "emergency" and "H7" in rows["sudden-weakness"].sources
    assert rows["in-danger"].group == "emergency" and {"H3", "H7"} <= set(rows["in-danger"].sources)
    assert "harming someone else" in rows["in-danger"].looks_like
    # The early "high" in lesson 2 is no longer presented as something that just settles.
    md = _markdown(REPO / "notebooks" / "02-emotional-support.ipynb")
    assert "mania" in md and "dangerous impulses" in md


def test_in_danger_right_now_is_defined_where_it_is_used(course):
    definition = links.danger_definition(course.side_effects)
    assert definition.startswith("“In danger right now” means: they have hurt themselves")
    for group in ("emergency", "crisis"):
        assert definition in links.red_flags_html(course, group).replace("&quot;", '"')


def test_the_numbers_are_links_where_the_action_is(data_copy):
    for group, wanted in {
        "emergency": ["tel:911"],
        "crisis": ["tel:988", "sms:988", "https://988lifeline.org"],
    }.items():
        shown = text_of(redflags.red_flags(group))
        for link in wanted:
            assert f"href='{link}'" in shown, (group, link)
    assert "There is hope." in text_of(redflags.red_flags("crisis"))
