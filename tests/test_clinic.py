"""Clinic values come from data/clinic.yaml only: change them and every place in the course changes."""

import pytest
import yaml
from widget_text import text_of

from caregiver_course import content
from caregiver_course.content import clinic
from caregiver_course.store import session
from caregiver_course.ui import lesson as lesson_ui
from caregiver_course.ui.app import CourseApp

NOT_VALUES = {"treatment_type", "companion_in_room", "facilitator_secret"}  # enumerations, or never shown
NOT_VALUES |= (
    set(clinic.NUMBERS) | clinic.TIMES | {"course_url"} | set(clinic.CHOICES)
)  # numbers, QR address, paper, clock


@pytest.fixture
def changed_clinic(data_copy):
    path = data_copy / "clinic.yaml"
    original = yaml.safe_load(path.read_text())
    new = {}
    for name, entry in original.items():
        if name in NOT_VALUES:
            new[name] = entry
        else:
            lead = clinic.READ_AFTER.get(name, ("",))[0]  # "for " where the value is read after "No driving"
            new[name] = {"value": f"{lead}SENTINEL-{name}", "confirmed": True}
            if isinstance(entry, dict) and "esketamine" in entry:  # the nasal spray's own value is the one shown
                new[name]["esketamine"] = f"{lead}SENTINEL-{name}"
    new["treatment_type"] = "esketamine"
    path.write_text(yaml.safe_dump(new))
    old = {name: (e["value"] if isinstance(e, dict) else e) for name, e in original.items() if name not in NOT_VALUES}
    old.update(
        {
            f"{name} (esketamine)": e["esketamine"]
            for name, e in original.items()  # long enough to be
            if isinstance(e, dict) and len(e.get("esketamine", "")) >= 25
        }
    )  # distinctive ("2 hours" is not)
    return {k: str(v) for k, v in old.items() if v}


def test_every_placeholder_in_the_content_files_takes_the_new_value(changed_clinic, data_copy):
    c = content.load(data_copy)
    assert c.problems == []
    raw = "\n".join(p.read_text() for p in data_copy.rglob("*.yaml") if p.name != "clinic.yaml")
    used = {name for name in clinic.SETTINGS if "{" + name + "}" in raw}
    assert {"emergency_number", "crisis_call", "no_driving", "clinic_name"} <= used
    texts = []
    for q in c.questions:
        texts += [
            q.prompt,
            q.explanation,
            *(o.text for o in q.options),
            *(o.feedback for o in q.options),
            *(i.text for i in q.items),
            *(i.feedback for i in q.items),
        ]
    for cl in c.checklists.values():
        texts += [cl.title, cl.intro, *(i.text for i in cl.items)]
    texts += [r.prompt for r in c.reflections.values()] + [s.what_to_do for s in c.side_effects]
    texts += list(c.actions.values())  # what to do for each group, on the triage cards
    for lesson in c.lessons:
        texts += [lesson.summary, *lesson.objectives, *lesson.key_points]
    texts += list(c.discussion.values())
    filled = "\n".join(c.clinic.fill(t) for t in texts)
    for name in used:
        assert f"SENTINEL-{name}" in filled, name
    assert "{" not in filled


def test_the_whole_app_shows_the_new_values_and_none_of_the_old(changed_clinic, store):
    session.use(session.StoreSession())
    app = CourseApp(store)
    shown = [text_of(app.widget)]
    for lesson in content.get().lessons:
        app.show_lesson(lesson.id, record=False)
        for step in range(len(app.lesson_steps(lesson.id).steps)):  # a lesson is shown one step at a time
            app.show_step(step, record=False)
            shown.append(text_of(app.widget))
    help_box = lesson_ui.help_now()
    shown.append(text_of(help_box))
    text = "\n".join(shown)
    for name in (
        "clinic_name",
        "clinic_phone",
        "after_hours_phone",
        "emergency_number",
        "crisis_call",
        "crisis_text",
        "crisis_chat",
        "initial_series",
        "no_driving",
        "no_alcohol",
        "no_big_decisions",
        "fasting_solids",
        "recovery_time",
        "reassess_after",
    ):
        assert f"SENTINEL-{name}" in text, f"{name} is not shown anywhere"
    # Old values that cannot be everyday words ("the rest of the day" can): numbers, and longer phrases.
    distinctive = {n: v for n, v in changed_clinic.items() if any(ch.isdigit() for ch in v) or len(v) >= 25}
    assert {"emergency_number", "crisis_call", "no_driving", "fasting_solids"} <= set(distinctive)
    for name, old in distinctive.items():
        assert old not in text, f"the old value of {name} ({old!r}) is still shown"
    assert "esketamine nasal spray (SPRAVATO)" in text  # the treatment-type note in every lesson header


def test_unconfirmed_values_say_check_with_your_clinic(data_copy):
    path = data_copy / "clinic.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg["no_driving"] = {"value": "for 48 hours", "confirmed": False}
    path.write_text(yaml.safe_dump(cfg))
    c = content.load(data_copy)
    assert c.clinic.fill("Do not drive {no_driving}.") == "Do not drive for 48 hours (check with your clinic)."
    cfg["no_driving"] = "for 48 hours"  # the short form counts as confirmed
    path.write_text(yaml.safe_dump(cfg))
    assert content.load(data_copy).clinic.fill("{no_driving}") == "for 48 hours"
