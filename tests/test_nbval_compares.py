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
    run = _nbval(nb_path)
    assert run.returncode == 1, run.stdout[-2000:]
    assert "something the lesson does not say" in run.stdout and "1 failed" in run.stdout


def _nbval(nb_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
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
        cwd=nb_path.parent,
        timeout=300,
    )


def test_a_spanish_notebook_runs_in_spanish_from_its_folder_and_nbval_compares_it(tmp_path):
    """A notebook in a folder called es/ builds its parts in Spanish (its stored outputs pass); the same
    notebook elsewhere builds them in English, and nbval reports the difference."""
    for folder in ("es", "elsewhere"):
        (tmp_path / folder).mkdir()
        shutil.copy(REPO / "notebooks" / "es" / "00-start-here.ipynb", tmp_path / folder / "00-start-here.ipynb")
    run = _nbval(tmp_path / "es" / "00-start-here.ipynb")
    assert run.returncode == 0, run.stdout[-2000:]
    run = _nbval(tmp_path / "elsewhere" / "00-start-here.ipynb")
    assert run.returncode == 1 and "Empiece aquí" in run.stdout, run.stdout[-2000:]
