"""Production mode: the shipped clinic file (placeholders, unconfirmed values) is refused, a finished one is not."""

from __future__ import annotations

import re

import yaml

from caregiver_course import __main__ as cli


def test_the_shipped_clinic_file_is_refused_with_the_list_to_fix(data_copy, capsys):
    assert cli.main(["check"]) == 0  # fine for a try-out
    capsys.readouterr()
    assert cli.main(["check", "--production"]) == 1
    out = capsys.readouterr().out
    assert "Not ready for learners yet" in out
    assert "clinic_phone: 'the phone number on your appointment card' is not a number" in out
    assert "after_hours_phone:" in out
    raw = yaml.safe_load((data_copy / "clinic.yaml").read_text())
    unconfirmed = [k for k, v in raw.items() if isinstance(v, dict) and v.get("confirmed") is False]
    assert len(unconfirmed) >= 15
    for name in unconfirmed:
        assert f"  - {name}: not confirmed yet" in out
    assert cli.main(["serve", "--production", "--port=1"]) == 1  # refused before any server starts


def test_a_finished_clinic_file_passes(data_copy, capsys):
    path = data_copy / "clinic.yaml"
    text = path.read_text()
    text = text.replace("value: the phone number on your appointment card", 'value: "503-555-0100"')
    text = text.replace("value: the after-hours number on your appointment card", 'value: "503-555-0199"')
    text = re.sub(r"confirmed: no", "confirmed: yes", text)
    path.write_text(text)
    assert cli.main(["check", "--production"]) == 0, capsys.readouterr().out
