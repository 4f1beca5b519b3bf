"""Every caregiver fact of the fact sheet's sections B-I is taught, or left out with a reason (issue 10, item 2)."""

from pathlib import Path

import yaml

from caregiver_course import content
from caregiver_course.content import coverage

REPO = Path(__file__).resolve().parents[1]


def test_every_fact_of_sections_b_to_i_is_mapped():
    c = content.load(REPO / "data", REPO / "notebooks")
    assert [str(p) for p in coverage.fact_coverage_problems(c, REPO / "data", REPO / "notebooks")] == []
    facts = coverage.caregiver_facts(REPO / "data")
    assert len(facts) == 58 and facts[0] == "B1" and facts[-1] == "I6"
    mapped = yaml.safe_load((REPO / "data" / "fact_coverage.yaml").read_text())["facts"]
    left_out = {f: e["left_out"] for f, e in mapped.items() if "left_out" in e}
    assert len(mapped) - len(left_out) == 54 and sorted(left_out) == ["B1", "B2", "C2", "C6"]
    for reason in left_out.values():
        assert reason.strip() and "\n" not in reason.strip()


def test_an_unmapped_fact_or_a_wrong_section_fails_the_check(data_copy):
    path = data_copy / "fact_coverage.yaml"
    doc = yaml.safe_load(path.read_text())
    del doc["facts"]["F5"]
    doc["facts"]["H7"]["section"] = "No such section"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    problems = content.preflight_problems(data_copy)
    assert (
        "fact_coverage.yaml: item 'F5', field '(fact)': not mapped: name the lesson and section that teach it, "
        "or give a one-line reason (left_out: ...)" in problems
    )
    assert (
        "fact_coverage.yaml: item 'H7', field 'section': lesson 'side-effects' has no section called "
        "'No such section'" in problems
    )
