"""Every variant rendered and checked (issue 17, item 3).

For each treatment_type and companion_in_room value, everything a learner can read (lessons with their variant
texts, the questions that clinic shows with options and feedback, checklists, key points, glossary, the
side-effect table, both triage cards, the session-day picture, the support plan and the calendar) is rendered
and searched for statements that do not apply to that setting (caregiver_course.ops.applies).

Before this test (71f427a), an esketamine clinic read 22 such sentences: the nurse who can "slow or stop the
infusion" (lesson 4, und-during-session, se-nausea-help, se-scenario-floaty, prac-in-room, und-home-use and two
discussion prompts), "the infusion room", "a drip into a vein", "ketamine infusions are used", "one infusion"
outside a study, and more. Now none, for all four settings.
"""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from caregiver_course import content
from caregiver_course.ops import applies

REPO = Path(__file__).resolve().parents[1]
SETTINGS = [(t, r) for t in ("iv_ketamine", "esketamine") for r in ("yes", "no")]


def _clinic(data: Path, treatment: str, room: str) -> None:
    path = data / "clinic.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg["treatment_type"] = treatment
    cfg["companion_in_room"] = {"value": room, "confirmed": True}
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))


def _load(data: Path, notebooks: Path = REPO / "notebooks"):
    c = content.load(data, notebooks)
    assert c.problems == []
    return c


@pytest.mark.parametrize(("treatment", "room"), SETTINGS)
def test_every_learner_text_applies_to_the_clinic(data_copy, treatment, room):
    _clinic(data_copy, treatment, room)
    c = _load(data_copy)
    texts = applies.learner_texts(c, REPO / "notebooks")
    kinds = {where.split(" ")[0] for where, _ in texts}
    # every kind of text is rendered: lessons (notebooks and lessons.yaml), questions, checklists, the table,
    # both cards, the picture of the day, the plan and the calendar
    assert {"lessons.yaml", "question", "checklist", "side", "triage", "session", "support", "calendar"} <= kinds
    assert sum(where.endswith(".ipynb") or ".ipynb cell" in where for where, _ in texts) > 50
    assert applies.findings(c, REPO / "notebooks") == []


def test_each_setting_shows_its_own_text(data_copy):
    """The render really follows the setting: the variant texts and only_if questions change with it."""
    _clinic(data_copy, "esketamine", "no")
    esk = " ".join(t for _, t in applies.learner_texts(_load(data_copy), REPO / "notebooks"))
    _clinic(data_copy, "iv_ketamine", "yes")
    iv = " ".join(t for _, t in applies.learner_texts(_load(data_copy), REPO / "notebooks"))
    assert "nasal spray session" in esk and "nasal spray session" not in iv
    assert "slow down or stop the infusion" in iv and "slow down or stop the infusion" not in esk
    assert "wait outside the treatment room" in esk and "If you stay" in iv


PLANTED = "The nurse can slow or stop the infusion if it feels like too much."


def test_a_planted_infusion_sentence_fails_the_esketamine_render(data_copy, tmp_path):
    """The checker catches a sentence that does not apply, wherever it is planted, only where it does not apply."""
    path = data_copy / "questions" / "side-effects.yaml"
    path.write_text(
        path.read_text().replace(
            "feedback: The nurse can help. At your clinic, {anti_nausea}.",
            f"feedback: The nurse can help. At your clinic, {{anti_nausea}}. {PLANTED}",
            1,
        )
    )
    notebooks = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", notebooks)
    lesson = notebooks / "04-side-effects.ipynb"
    nb = json.loads(lesson.read_text())
    nb["cells"][1]["source"].append("\n\nThe medicine goes into a vein through a drip.")
    lesson.write_text(json.dumps(nb))
    cal = data_copy / "checklists.yaml"
    cal.write_text(cal.read_text().replace("They know not to drive", "After the infusion, they know not to drive", 1))

    _clinic(data_copy, "esketamine", "yes")
    found = applies.findings(_load(data_copy, notebooks), notebooks)
    assert any(f.startswith("question se-nausea-help:") and PLANTED in f for f in found), found
    assert any(f.startswith("04-side-effects.ipynb cell 1:") and "drip" in f for f in found), found
    assert any(f.startswith("checklist ") and "After the infusion" in f for f in found), found
    assert any("support plan" in f for f in found), "the plan prints the checklist: caught there too"
    _clinic(data_copy, "iv_ketamine", "yes")
    assert applies.findings(_load(data_copy, notebooks), notebooks) == [], "true for an IV clinic"


def test_the_checker_knows_each_setting():
    class Clinic:
        def __init__(self, treatment, room):
            self.values = {"treatment_type": treatment, "companion_in_room": room}

        def choice(self, name):
            return self.values[name]

        def shown(self, name):
            return "NW Ketamine Infusion"

    esk, iv_out, iv_in = Clinic("esketamine", "yes"), Clinic("iv_ketamine", "no"), Clinic("iv_ketamine", "yes")
    assert applies.not_applying("Then the IV goes in.", esk)
    assert not applies.not_applying("Then the IV goes in.", iv_in)
    assert not applies.not_applying("Call NW Ketamine Infusion.", esk), "the clinic's name is not a statement"
    assert not applies.not_applying("In studies, 1 in 2 felt better after one infusion.", esk)
    assert applies.not_applying("Your loved one's clinic gives esketamine.", iv_in)
    assert applies.not_applying("You are with your loved one in the room.", iv_out)
    assert not applies.not_applying("You are with your loved one in the room.", iv_in)
    assert applies.not_applying("At your clinic, support people wait outside the treatment room.", iv_in)
