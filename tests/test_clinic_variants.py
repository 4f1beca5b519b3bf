"""Content that depends on treatment_type or companion_in_room follows the setting (issue 10, item 4)."""

import yaml
from widget_text import text_of

import caregiver_course as cc
from caregiver_course import content
from caregiver_course.store import session
from caregiver_course.ui.app import CourseApp


def _set(data, **values):
    path = data / "clinic.yaml"
    cfg = yaml.safe_load(path.read_text())
    for name, value in values.items():
        if isinstance(cfg.get(name), dict) and not isinstance(value, dict):
            cfg[name]["value"] = value
        else:
            cfg[name] = value
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))


def test_esketamine_clinics_get_the_nasal_spray_statements_and_values(data_copy):
    _set(data_copy, treatment_type="esketamine")
    c = content.load(data_copy)
    assert c.problems == []
    assert c.clinic.shown("recovery_time").startswith("at least 2 hours")
    assert c.clinic.shown("fasting_liquids").startswith("30 minutes")
    assert c.clinic.shown("no_driving").startswith("until the next day, after a restful sleep")
    how = text_of(cc.clinic_text("how-given"))
    assert "nasal spray" in how and "vein" not in how and "at least 2 hours" in how
    approval = text_of(cc.clinic_text("approval"))
    assert "nasal spray is approved" in approval and "not been shown to prevent suicide" in approval
    ids = {q.id for q in c.questions}
    assert "und-what-is-esk" in ids and not {"und-what-is", "und-off-label", "fc-understanding"} & ids


def test_iv_clinics_keep_the_infusion_statements(data_copy):
    c = content.load(data_copy)
    assert c.clinic.shown("recovery_time").startswith("about 30 to 60 minutes")
    assert "slowly into a vein" in text_of(cc.clinic_text("how-given"))
    ids = {q.id for q in c.questions}
    assert {"und-what-is", "und-off-label"} <= ids and "und-what-is-esk" not in ids


def test_an_esketamine_clinic_without_nasal_spray_values_is_told_what_to_add(data_copy):
    path = data_copy / "clinic.yaml"
    path.write_text(
        path.read_text().replace("  esketamine: at least 2 hours, until a clinician says they can leave\n", "")
    )
    _set(data_copy, treatment_type="esketamine")
    problems = [str(p) for p in content.load(data_copy).problems]
    assert problems == [
        (
            "clinic.yaml: item 'recovery_time', field 'esketamine': your treatment_type is esketamine: "
            "add the value for the nasal spray under 'esketamine:' (the label says D1: at least 2 hours, "
            "until a clinician says they can leave)"
        )
    ]


def test_without_a_place_in_the_room_nothing_assumes_you_are_there(data_copy, store):
    _set(data_copy, companion_in_room="no")
    c = content.load(data_copy)
    assert c.problems == []
    room = text_of(cc.clinic_text("in-the-room"))
    assert "wait outside the treatment room" in room and "If you stay" not in room
    assert not {"prac-in-room", "se-scenario-floaty"} & {q.id for q in c.questions}
    session.use(session.StoreSession())
    app = CourseApp(store)
    app.show_lesson("practical", record=False)
    shown = "\n".join(text_of(x) for x in app.lesson_steps("practical").widgets())  # every step
    assert (
        "wait outside the treatment room" in shown and "You are with your loved one in the infusion room" not in shown
    )
