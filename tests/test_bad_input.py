"""A broken content or config file gives a message naming file, item and field; the rest keeps working."""

import subprocess
import sys

import yaml
from widget_text import text_of

from caregiver_course import content
from caregiver_course.ui import lesson as lesson_ui
from caregiver_course.ui import questions


def _edit_question(data, file, qid, change):
    path = data / "questions" / file
    doc = yaml.safe_load(path.read_text())
    for q in doc["questions"]:
        if q["id"] == qid:
            change(q)
            break
    else:
        raise AssertionError(f"{qid} not in {file}")
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def _first_question(data, file="side-effects.yaml", qtype=None):
    doc = yaml.safe_load((data / "questions" / file).read_text())
    return next(q for q in doc["questions"] if qtype is None or q["type"] == qtype)


def _problems(data):
    return [str(p) for p in content.load(data).problems]


def test_broken_yaml_names_the_file_and_line(data_copy):
    path = data_copy / "questions" / "routine.yaml"
    path.write_text(path.read_text() + "\n  - id: [unclosed\n")
    problems = _problems(data_copy)
    assert len(problems) == 1
    n = len((data_copy / "questions" / "routine.yaml").read_text().splitlines())
    assert problems[0].startswith(f"questions/routine.yaml, line {n}: this line is not written the way")
    assert "A correct line looks like this: “  - id: [unclosed]”" in problems[0]
    c = content.load(data_copy)
    assert not c.questions_for("routine") and c.questions_for("side-effects"), "other lessons still load"


def test_unknown_type(data_copy):
    q = _first_question(data_copy, qtype="single")
    _edit_question(data_copy, "side-effects.yaml", q["id"], lambda q: q.update(type="essay"))
    assert _problems(data_copy) == [
        f"questions/side-effects.yaml: item '{q['id']}', field 'type': unknown type 'essay'; "
        "use one of: single, multi, truefalse, scenario, triage"
    ]


def test_missing_field(data_copy):
    q = _first_question(data_copy)
    _edit_question(data_copy, "side-effects.yaml", q["id"], lambda q: q.pop("explanation"))
    assert _problems(data_copy) == [
        f"questions/side-effects.yaml: item '{q['id']}', field 'explanation': missing: add some text"
    ]


def test_missing_option_feedback(data_copy):
    q = _first_question(data_copy, qtype="single")
    _edit_question(data_copy, "side-effects.yaml", q["id"], lambda q: q["options"][1].pop("feedback"))
    problems = _problems(data_copy)
    assert f"questions/side-effects.yaml: item '{q['id']}', field 'options[2].feedback'" in problems[-1]


def test_answer_key_pointing_at_no_option(data_copy):
    q = _first_question(data_copy, qtype="single")
    _edit_question(data_copy, "side-effects.yaml", q["id"], lambda q: q.update(answer="zz"))
    problems = _problems(data_copy)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"questions/side-effects.yaml: item '{q['id']}', field 'answer': points at option 'zz', which does not exist"
    )


def test_duplicate_id_across_files(data_copy):
    first = _first_question(data_copy, "emotional.yaml")
    other = _first_question(data_copy, "routine.yaml")
    _edit_question(data_copy, "routine.yaml", other["id"], lambda q: q.update(id=first["id"]))
    problems = _problems(data_copy)
    assert problems[0] == (
        f"questions/routine.yaml: item '{first['id']}', field 'id': duplicate question id: "
        f"'{first['id']}' is also used in questions/emotional.yaml"
    )
    # The renamed question's old id is gone, so its discussion prompt is reported as stale too.
    assert problems[1:] == [
        f"discussion.yaml: item '{other['id']}', field '(id)': '{other['id']}' is not a known question id"
    ]


def test_unknown_source_and_unknown_clinic_setting(data_copy):
    q = _first_question(data_copy)
    _edit_question(
        data_copy, "side-effects.yaml", q["id"], lambda q: q.update(source=["Z99"], prompt="Call {clinic_fax} now?")
    )
    problems = _problems(data_copy)
    assert any("field 'source': 'Z99' is not a guide section or a fact ID" in p for p in problems)
    assert any("field 'prompt': {clinic_fax} is not a clinic setting" in p for p in problems)


def test_a_misspelt_setting_gets_a_did_you_mean(data_copy):
    q = _first_question(data_copy)
    _edit_question(data_copy, "side-effects.yaml", q["id"], lambda q: q.update(prompt="Call {emergency_numbr}."))
    cfg = (data_copy / "clinic.yaml").read_text().replace("clinic_phone:", "clinic_phon:")
    (data_copy / "clinic.yaml").write_text(cfg)
    problems = _problems(data_copy)
    assert any("{emergency_numbr} is not a clinic setting. Did you mean {emergency_number}?" in p for p in problems)
    assert any("item 'clinic_phon', field '(name)': unknown setting. Did you mean clinic_phone?" in p for p in problems)


def test_broken_clinic_config(data_copy):
    cfg = yaml.safe_load((data_copy / "clinic.yaml").read_text())
    cfg.pop("clinic_phone")
    cfg["treatment_type"] = "pills"
    cfg["companion_in_room"] = {"value": "maybe"}
    (data_copy / "clinic.yaml").write_text(yaml.safe_dump(cfg))
    problems = _problems(data_copy)
    assert "clinic.yaml: item 'treatment_type', field 'value': write one of: iv_ketamine, esketamine" in problems
    assert "clinic.yaml: item 'companion_in_room', field 'value': write yes or no" in problems
    assert "clinic.yaml: item 'clinic_phone', field 'value': missing: add the clinic's phone number" in problems


def test_lesson_shows_a_friendly_box_and_the_rest_still_works(data_copy):
    q = _first_question(data_copy, qtype="single")
    _edit_question(data_copy, "side-effects.yaml", q["id"], lambda q: q.update(answer="zz"))
    broken = questions.knowledge_check("side-effects")
    text = text_of(broken)
    assert "Part of this page could not be shown" in text and "Traceback" not in text
    assert f"item &#x27;{q['id']}&#x27;, field &#x27;answer&#x27;" in text
    fine = questions.knowledge_check("emotional")
    assert "could not be shown" not in text_of(fine)
    assert lesson_ui.header("side-effects").summary.startswith("Lesson 4 of 8")


def test_unknown_ids_in_cells_give_a_box_not_a_traceback(data_copy):
    for box in (
        lesson_ui.checklist("no-such-list"),
        lesson_ui.reflection("nope"),
        questions.question("nope"),
        lesson_ui.key_points("no-such-lesson"),
        lesson_ui.clinic_box("no_such_setting"),
    ):
        text = text_of(box)
        assert "⚠" in text and "Traceback" not in text


def test_check_command_exits_nonzero_with_the_messages(data_copy):
    q = _first_question(data_copy, qtype="single")
    _edit_question(data_copy, "side-effects.yaml", q["id"], lambda q: q.update(answer="zz"))
    run = subprocess.run(
        [sys.executable, "-m", "caregiver_course", "check", "--data", str(data_copy)], capture_output=True, text=True
    )
    assert run.returncode == 1
    assert f"questions/side-effects.yaml: item '{q['id']}', field 'answer'" in run.stdout


def test_check_command_passes_on_the_real_content():
    run = subprocess.run([sys.executable, "-m", "caregiver_course", "check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout
    assert run.stdout.startswith("All course files are fine")
