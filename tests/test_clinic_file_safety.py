"""A broken clinic.yaml never hides the emergency numbers, and its mistakes are explained in plain words.

Also: the facilitator secret lives outside data/ and can never be shown in content (issue 10, item 6).
"""

import logging
import os

import pytest
import yaml
from widget_text import text_of

from caregiver_course import content
from caregiver_course.content import clinic, secret
from caregiver_course.ui import lesson as lesson_ui
from caregiver_course.ui import widgets
from caregiver_course.ui.dashboard import configured_secret

PARSER_WORDS = ("mapping values", "column", "block end", "scalar", "(whole file)", "<", "token")


def _problems(data):
    return [str(p) for p in content.load(data).problems]


def _indent_slip(data):
    """One indentation slip: the 'confirmed:' line of clinic_phone gets one space too many."""
    path = data / "clinic.yaml"
    lines = path.read_text().splitlines()
    i = lines.index("clinic_phone:") + 2
    assert lines[i] == "  confirmed: no"
    lines[i] = "   confirmed: no"
    path.write_text("\n".join(lines) + "\n")
    return i + 1


def test_an_indentation_slip_is_explained_in_plain_words_on_the_right_line(data_copy):
    line = _indent_slip(data_copy)
    problems = _problems(data_copy)
    assert problems == [
        (
            f"clinic.yaml, line {line}: this line is not written the way this file needs: “confirmed: no”. The problem: "
            "the spaces at the start of this line do not line up with the line above it, or the line above is missing "
            "something. A correct line looks like this: “  confirmed: no”. The file was not used; fix it and run the "
            "check again."
        )
    ]
    assert not any(word in problems[0] for word in PARSER_WORDS)


def test_a_missing_colon_points_at_its_own_line_not_the_next(data_copy):
    path = data_copy / "clinic.yaml"
    lines = path.read_text().splitlines()
    i = lines.index('emergency_number: "911"')
    lines[i] = 'emergency_number "911"'
    path.write_text("\n".join(lines) + "\n")
    (problem,) = _problems(data_copy)
    assert problem.startswith(f"clinic.yaml, line {i + 1}: ")
    assert "there is no colon after the name" in problem and '“emergency_number: "911"”' in problem


def test_a_value_with_a_colon_is_told_to_use_quotes(data_copy):
    path = data_copy / "clinic.yaml"
    path.write_text(path.read_text().replace("value: NW Ketamine Infusion", "value: NW: Ketamine Infusion"))
    (problem,) = _problems(data_copy)
    assert "Put that text in quotes" in problem and '“  value: "NW: Ketamine Infusion"”' in problem


@pytest.mark.parametrize("breakage", ["indent", "unreadable", "missing", "numbers-left-out"])
def test_emergency_and_crisis_numbers_never_become_placeholder_text(data_copy, breakage):
    path = data_copy / "clinic.yaml"
    if breakage == "indent":
        _indent_slip(data_copy)
    elif breakage == "unreadable":
        path.write_bytes(b"\xff\xfe not text")
    elif breakage == "missing":
        path.unlink()
    else:
        cfg = yaml.safe_load(path.read_text())
        for name in clinic.DEFAULT_NUMBERS:
            cfg.pop(name)
        path.write_text(yaml.safe_dump(cfg))
    c = content.load(data_copy)
    assert c.problems
    text = widgets.crisis_html(c.clinic)
    assert "call 911" in text and "call 988" in text and "text 988" in text and "988lifeline.org" in text
    for name in clinic.DEFAULT_NUMBERS:
        assert clinic.CHECK_NOTE not in c.clinic.shown(name)
        assert c.clinic.fill("{" + name + "}") == clinic.DEFAULT_NUMBERS[name]


def test_a_running_server_keeps_the_last_good_content_and_logs_the_problem(data_copy, caplog):
    path = data_copy / "clinic.yaml"
    path.write_text(path.read_text().replace('emergency_number: "911"', 'emergency_number: "112"'))
    good = content.get()
    assert good.problems == [] and good.clinic.value("emergency_number") == "112"
    _indent_slip(data_copy)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a later edit, whatever the clock says
    with caplog.at_level(logging.ERROR, logger="caregiver_course"):
        now = content.get()
        content.get()  # logged once, not at every page
    assert now is good
    shown = widgets.crisis_html()
    assert "call 112" in shown and "the phone number on your appointment card" in shown
    logged = [r.getMessage() for r in caplog.records if "keeping the last good content" in r.getMessage()]
    assert len(logged) == 1 and "clinic.yaml, line" in logged[0]
    assert "Some clinic details are missing" not in text_of(lesson_ui.header("side-effects"))


def test_preflight_problems_is_empty_for_the_real_content_and_lists_a_broken_file(data_copy):
    from pathlib import Path

    assert content.preflight_problems(Path(__file__).resolve().parents[1] / "data") == []
    _indent_slip(data_copy)
    problems = content.preflight_problems(data_copy)
    assert len(problems) == 1 and problems[0].startswith("clinic.yaml, line ")


def test_the_facilitator_secret_cannot_be_kept_in_clinic_yaml(data_copy, monkeypatch):
    monkeypatch.delenv(secret.SECRET_ENV, raising=False)
    path = data_copy / "clinic.yaml"
    path.write_text(path.read_text() + "facilitator_secret: hunter2-secret\n")
    problems = _problems(data_copy)
    assert len(problems) == 1
    assert (
        "item 'facilitator_secret', field '(name)': the facilitator secret must not be kept in clinic.yaml"
        in problems[0]
    )
    c = content.load(data_copy)
    assert "hunter2" not in c.clinic.fill("{clinic_name}") and "facilitator_secret" not in c.clinic.settings
    assert configured_secret() != "hunter2-secret"


def test_content_can_never_name_the_secret(data_copy):
    doc = yaml.safe_load((data_copy / "questions" / "routine.yaml").read_text())
    doc["questions"][0]["prompt"] = "The code is {facilitator_secret}."
    (data_copy / "questions" / "routine.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    problems = _problems(data_copy)
    assert any("{facilitator_secret} can never be shown to learners" in p for p in problems)


def test_the_secret_comes_from_the_environment_or_a_file_outside_data(data_copy, tmp_path, monkeypatch):
    monkeypatch.delenv(secret.SECRET_ENV, raising=False)
    progress_dir = tmp_path / "progress"
    progress_dir.mkdir()
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(progress_dir))
    assert configured_secret() == ""
    (progress_dir / secret.SECRET_FILE).write_text("from-a-file\n")
    assert configured_secret() == "from-a-file"
    monkeypatch.setenv(secret.SECRET_ENV, "from-the-env")
    assert configured_secret() == "from-the-env"
    # A secret file inside the content folder is never used: that folder is published with the course.
    monkeypatch.delenv(secret.SECRET_ENV)
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(data_copy))
    (data_copy / secret.SECRET_FILE).write_text("inside-data\n")
    assert configured_secret() == ""


def test_the_secret_written_into_a_content_file_is_a_problem(data_copy, monkeypatch):
    monkeypatch.setenv(secret.SECRET_ENV, "plum-tree-77")
    path = data_copy / "reflections.yaml"
    path.write_text(path.read_text() + "# plum-tree-77\n")
    assert _problems(data_copy) == [
        (
            "reflections.yaml: contains the facilitator secret. Remove it: learners can "
            "see this file's text. Keep the secret only in CAREGIVER_FACILITATOR_SECRET or "
            "its own file"
        )
    ]


def test_a_new_kernel_of_a_running_server_keeps_the_last_good_content_too(data_copy, tmp_path, monkeypatch):
    """Every learner's page has its own kernel: the last good content is kept on disk for the others."""
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path / "progress"))
    path = data_copy / "clinic.yaml"
    path.write_text(path.read_text().replace('emergency_number: "911"', 'emergency_number: "112"'))
    assert content.get().clinic.value("emergency_number") == "112"  # a first kernel saw good content
    _indent_slip(data_copy)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    content.loader._last_good.clear()  # a new kernel: nothing in memory
    now = content.get()
    assert now.problems == [] and now.clinic.value("emergency_number") == "112"
    assert "the phone number on your appointment card" in widgets.crisis_html()
    # Once the file is fixed, the fixed content is used again.
    path.write_text(path.read_text().replace("   confirmed: no", "  confirmed: no", 1).replace('"112"', '"999"'))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2 * 10**9))
    assert content.get().clinic.value("emergency_number") == "999"
