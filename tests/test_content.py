"""The real course content: valid, complete, cited, and covering the whole guide."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from caregiver_course import content
from caregiver_course.content import guide
from caregiver_course.content.coverage import coverage_problems

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "source"


@pytest.fixture(scope="module")
def course():
    return content.load(REPO / "data", REPO / "notebooks")


def test_content_has_no_problems(course):
    assert [str(p) for p in course.problems] == []


def test_every_guide_heading_and_paragraph_is_taught(course):
    assert [str(p) for p in coverage_problems(course, REPO / "data")] == []
    blocks = guide.read_blocks(REPO / "data" / "source" / "guide.txt")
    assert len(blocks) == 34  # the guide as given: 16 headings, 18 paragraphs
    lesson_ids = {lesson.id for lesson in course.lessons}
    for entry in course.coverage:
        assert set(entry.lessons) <= lesson_ids


def test_the_guide_and_fact_sheet_copies_match_the_shared_source():
    if not SHARED.exists():
        pytest.skip("shared/source is not beside this clone")
    for name in ("guide.txt", "content-facts.md"):
        assert (REPO / "data" / "source" / name).read_text() == (SHARED / name).read_text(), name


def test_question_bank_size_and_mix(course):
    qs = course.questions
    assert len(qs) >= 30
    topics = Counter(q.topic for q in qs)
    assert topics["side-effects"] + topics["red-flags"] >= 12
    assert topics["expectations"] >= 8
    assert set(Counter(q.type for q in qs)) == {"single", "multi", "truefalse", "scenario", "triage"}
    triage = [q for q in qs if q.type == "triage"]
    assert {i.answer for q in triage for i in q.items} == {"expected", "clinic", "emergency", "crisis"}


def test_every_question_has_feedback_for_every_option_and_a_real_source(course):
    facts = set(re.findall(r"^- \*\*([A-K]\d+)\.\*\*", (REPO / "data/source/content-facts.md").read_text(), re.M))
    assert len(facts) > 70
    for q in course.questions:
        assert q.explanation and q.sources, q.id
        for s in q.sources:
            assert s in facts or s.startswith("guide:"), (q.id, s)
        for o in q.options:
            assert o.feedback.strip(), (q.id, o.id)
        for i in q.items:
            assert i.feedback.strip(), (q.id, i.id)
        assert q.answer or q.items, q.id


def test_every_checklist_item_cites_a_source(course):
    assert course.checklists, "lessons should have checklists to tick"
    for cl in course.checklists.values():
        for item in cl.items:
            assert item.sources and set(item.sources) <= course.known_sources, (cl.id, item.id)


def test_every_lesson_has_its_parts(course):
    assert [lesson.id for lesson in course.lessons][0] == "start"
    assert len(course.lessons) == 9
    for lesson in course.lessons:
        assert lesson.objectives and lesson.key_points and 1 <= lesson.minutes <= 20, lesson.id
        if lesson.number:
            assert course.questions_for(lesson.id), f"{lesson.id} has no knowledge check"


def _cells(notebook: Path):
    return json.loads(notebook.read_text())["cells"]


@pytest.mark.parametrize(
    "lesson_id",
    [
        "start",
        "understanding",
        "emotional",
        "practical",
        "side-effects",
        "follow-up",
        "routine",
        "self-care",
        "informed",
    ],
)
def test_lesson_notebooks_are_thin_and_follow_the_anatomy(course, lesson_id):
    lesson = course.lesson(lesson_id)
    cells = _cells(REPO / "notebooks" / lesson.notebook)
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    md = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert code[0].splitlines() == ["import caregiver_course as cc", f'cc.header("{lesson_id}")']
    for src in code[1:]:
        lines = [line for line in src.splitlines() if line.strip()]
        assert 1 <= len(lines) <= 2 and all(line.startswith("cc.") for line in lines), src
    calls = "\n".join(code)
    assert f'cc.key_points("{lesson_id}")' in calls and f'cc.whats_next("{lesson_id}")' in calls
    if lesson.number:
        assert f'cc.knowledge_check("{lesson_id}"' in calls
        assert any(f"cc.{kind}(" in calls for kind in ("reflection", "checklist", "question")), "no practice"
        assert "## Try it" in md and ("## Check what you learned" in md or "## Final check" in md)
    assert md.count("\n## ") + md.startswith("## ") >= 2, "short content sections with headings"
    assert "<script" not in md.lower() and "http" not in md.lower()


def test_notebooks_store_outputs_for_nbval():
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        code = [c for c in _cells(nb) if c["cell_type"] == "code"]
        assert code and all(c["outputs"] for c in code), f"{nb.name}: run `python -m caregiver_course refresh`"


def test_clinic_values_are_not_written_into_lesson_prose(course):
    """Values that differ between clinics come from clinic.yaml, never from notebook Markdown."""
    # Values with a number in them (hours, sessions, phone numbers) are distinctive enough to spot in prose.
    values = {name: s.value for name, s in course.clinic.settings.items() if any(ch.isdigit() for ch in s.value)}
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        md = "\n".join("".join(c["source"]) for c in _cells(nb) if c["cell_type"] == "markdown")
        for name, value in values.items():
            # Bare numbers (the calendar's fasting_solids_hours: 6, ...) are too common to find in prose ("6 to 15
            # minutes", "within about 2 hours" of a study); their text twins (fasting_solids: "6 hours ...") are
            # checked here, and `check` refuses a number that disagrees with its text.
            if not re.fullmatch(r"[\d.:]+", value):
                assert value not in md, f"{nb.name} writes the clinic value of {name} ({value!r}); use cc.clinic_box"
        for number in ("911", "988", "741741"):
            assert number not in md, f"{nb.name} writes {number}; it comes from clinic.yaml"


def _plain_markdown(notebook: Path) -> str:
    text = "\n".join("".join(c["source"]) for c in _cells(notebook) if c["cell_type"] == "markdown")
    text = re.sub(r"^#+ .*$", "", text, flags=re.M)  # headings are not sentences
    return re.sub(r"[*_`>]", "", text)


def test_lesson_text_and_questions_read_at_grade_8_or_below(course):
    import textstat

    for lesson in course.lessons:
        grade = textstat.flesch_kincaid_grade(_plain_markdown(REPO / "notebooks" / lesson.notebook))
        assert grade <= 8, f"{lesson.notebook} reads at grade {grade}"
    bank = "\n".join(
        course.clinic.fill(t)
        for q in course.questions
        for t in [q.prompt, q.explanation, *(o.feedback for o in q.options)]
    )
    assert textstat.flesch_kincaid_grade(bank) <= 8
