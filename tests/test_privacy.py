"""The privacy text is exact: it names everything the course saves, and where (issue 10, item 5)."""

import json
import re
from pathlib import Path

import ipywidgets as w
from widget_text import text_of

from caregiver_course.ui import privacy
from caregiver_course.ui.home import privacy_parts

REPO = Path(__file__).resolve().parents[1]


def test_the_privacy_text_names_every_kind_of_saved_data():
    schema = (REPO / "src/caregiver_course/store/engine.py").read_text()
    kinds = set(re.search(r"kind IN \(([^)]*)\)", schema).group(1).replace("'", "").split(", "))
    named = {"answer": "quiz answers", "check": "boxes you tick", "step": "lessons you opened and finished"}
    assert kinds == set(named), "a new kind of saved data: say it in privacy.py"
    text = privacy.privacy_text()
    for words in named.values():
        assert words in text
    assert "nickname" in text and "server" in text and "not on your phone" in text
    assert "never saved" in text and "Delete my data removes everything" in text
    assert "scrambled" in text and "internet address" in text  # the keyed hashes and the rate limits' rows


def test_every_page_uses_the_one_privacy_text(store):
    class App:  # the start page's privacy box needs only these
        announce = None

        def delete_my_data(self):
            return ""

    assert privacy.privacy_html() in text_of(w.VBox(privacy_parts(App())))
    home = (REPO / "src/caregiver_course/ui/home.py").read_text()
    assert "on this device" not in home
    cells = json.loads((REPO / "notebooks/00-start-here.ipynb").read_text())["cells"]
    assert any("".join(c["source"]) == "cc.privacy_note()" for c in cells if c["cell_type"] == "code")
