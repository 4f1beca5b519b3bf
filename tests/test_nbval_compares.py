"""nbval compares real outputs: a lesson whose stored key points differ from what it shows now fails."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_a_changed_key_point_fails_nbval(tmp_path):
    nb_path = tmp_path / "00-start-here.ipynb"
    shutil.copy(REPO / "notebooks" / "00-start-here.ipynb", nb_path)
    nb = json.loads(nb_path.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    key_points = next(o for o in outputs if "".join(o["data"]["text/plain"]).startswith("Key points:"))
    key_points["data"]["text/plain"] = "Key points:\n- something the lesson does not say"
    nb_path.write_text(json.dumps(nb))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            str(nb_path),
            "-p",
            "no:cacheprovider",
            "-q",
            "--nbval-sanitize-with",
            str(REPO / "tests" / "sanitize.cfg"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 1, run.stdout[-2000:]
    assert "something the lesson does not say" in run.stdout and "1 failed" in run.stdout
