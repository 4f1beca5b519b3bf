"""Plain words and pictures (issue 10, item 8): tap-to-define terms, plain source lines, SVG pictures."""

import json
import re
from pathlib import Path

import yaml
from widget_text import text_of

import caregiver_course as cc
from caregiver_course import content
from caregiver_course.content import sources
from caregiver_course.learning import quiz
from caregiver_course.store import session
from caregiver_course.toolkit import pictures
from caregiver_course.ui import glossary
from caregiver_course.ui.app import CourseApp
from caregiver_course.ui.questions import _feedback_html

REPO = Path(__file__).resolve().parents[1]
JARGON = ("FDA", "off-label", "anesthetic", "dissociation", "PTSD", "lamotrigine", "NAMI", "esketamine", "mania")


def test_the_jargon_the_review_found_is_in_the_glossary_with_a_source():
    c = content.load(REPO / "data", REPO / "notebooks")
    assert c.problems == []
    for word in JARGON:
        term = c.glossary[word.lower()]
        assert term.means and term.sources, word
    assert any(t.term == "in danger right now" for t in glossary.all_terms(c))


def test_lessons_make_the_first_use_of_each_term_tap_to_define(store):
    session.use(session.StoreSession())
    app = CourseApp(store)
    app.show_lesson("understanding", record=False)
    shown = "\n".join(text_of(x) for x in app.lesson_steps("understanding").widgets())  # every step
    for word in ("FDA", "off-label", "anesthetic", "Schedule III"):
        assert re.search(rf"<span class='cc-term' tabindex='0'>{word}<span class='cc-def' role='tooltip'> \(", shown), (
            word
        )
    seen = set()
    first = glossary.mark_terms("<p>The FDA says so.</p>", content.get(), seen)
    again = glossary.mark_terms("<p>The FDA says so again.</p>", content.get(), seen)
    assert "cc-term" in first and "cc-term" not in again, "only the first use on a page"
    assert "cc-term" not in glossary.mark_terms("<h2>FDA</h2><a href='x'>FDA</a>", content.get())


def test_feedback_explains_terms_and_names_its_sources_in_plain_words():
    c = content.get()
    q = c.question("und-off-label") if "und-off-label" in {x.id for x in c.questions} else c.questions[0]
    html = _feedback_html(quiz.check(q, min(q.answer)), c.clinic)
    assert "cc-term" in html
    assert "Based on: FDA warning about ketamine (2023)" in html
    assert "fact sheet" not in html and not re.search(r"\b[A-K]\d{1,2}\b", html.split("cc-source")[1])
    assert (
        sources.source_line(["guide:listen-without-judgement", "E3"])
        == "Based on: your clinic's guide; FDA label for SPRAVATO."
    )


def test_every_cited_fact_has_a_plain_source_name():
    facts = sources.fact_sources(REPO / "data")
    assert len(facts) > 70
    missing = {s for ids in facts.values() for s in ids if s not in sources.PLAIN}
    assert missing == set()


def test_the_triage_card_has_four_groups_with_icon_word_colour_and_the_clinic_numbers(data_copy):
    path = data_copy / "clinic.yaml"
    path.write_text(path.read_text().replace('emergency_number: "911"', 'emergency_number: "112"'))
    c = content.get()
    svg, alt = pictures.triage_card_svg(c)
    for group, word in pictures.WORDS.items():
        dark, _ = pictures.COLOURS[group]
        assert word in svg and dark in svg and word in alt
    assert svg.count("<polyline") == 1 and svg.count("<polygon") == 1  # the tick and the warning icons
    assert "Call 112 now." in svg and "Call 112 now." in alt
    assert "<a " not in svg, "no links inside a picture: axe's nested-interactive rule"
    assert "988" in alt and "<title id='cc-triage-title'>" in svg and "role='img'" in svg
    assert "anyone in danger right now" in alt


def test_the_session_day_timeline_uses_the_clinic_values_and_settings(data_copy):
    path = data_copy / "clinic.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg["treatment_type"] = "esketamine"
    cfg["companion_in_room"] = "no"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    svg, alt = pictures.timeline_svg(content.get())
    assert "nasal spray" in alt and "You wait nearby" in alt and "vein" not in alt
    assert "at least 2 hours" in alt and "Step 6, Rest of the day" in alt and "<desc id='cc-day-desc'>" in svg


def test_the_pictures_are_stored_in_the_standalone_notebooks():
    for notebook, call, marker in (
        ("03-practical-support.ipynb", "cc.session_timeline()", "cc-day-title"),
        ("04-side-effects.ipynb", "cc.triage_card()", "cc-triage-title"),
    ):
        cells = json.loads((REPO / "notebooks" / notebook).read_text())["cells"]
        (cell,) = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]) == call]
        data = cell["outputs"][0]["data"]
        assert marker in "".join(data["text/html"]) and "<svg" in "".join(data["text/html"])
        assert "image/png" not in data  # no binary pictures
    assert "Picture: A session day" in text_of(cc.session_timeline())
