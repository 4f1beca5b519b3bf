"""The house in layers (issue 19): imports point down, no cycles, no widgets below ui/, modules a newcomer can
read. `lint-imports` (contracts in pyproject.toml) runs in `make test`; these tests show that it would catch a
planted break, so a green run means something."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "caregiver_course"
LINT = Path(sys.executable).with_name("lint-imports")
MAX_LINES = 500


def _lint(root: Path, src: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layers_hold():
    result = _lint(REPO, REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "expected"),
    [
        # an upward import: content (the bottom layer) reaching for a screen
        (
            "content/paths.py",
            "from ..ui import widgets",
            "caregiver_course.content is not allowed to import caregiver_course.ui",
        ),
        # the same inside a function, where Python would not notice
        (
            "learning/quiz.py",
            "def _f():\n    from ..store import Store",
            "caregiver_course.learning is not allowed to import caregiver_course.store",
        ),
        # a cycle between two screens
        ("ui/widgets.py", "def _g():\n    from . import app", "No cycles are allowed in caregiver_course.ui"),
        # widgets in the files-out toolkit
        ("toolkit/plan.py", "import ipywidgets", "caregiver_course.toolkit is not allowed to import ipywidgets"),
    ],
)
def test_a_planted_break_fails_the_linter(tmp_path, module, planted, expected):
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "caregiver_course", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = src / "caregiver_course" / module
    target.write_text(target.read_text() + "\n\n" + planted + "\n")
    result = _lint(tmp_path, src)
    assert result.returncode != 0, result.stdout
    assert expected in " ".join(result.stdout.split()), result.stdout


def test_no_module_is_over_500_lines():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these where they have seams (or say why in the README): {long}"


def test_imports_inside_functions_say_why():
    """An import inside a function hides a dependency from a reader; it is kept only to load something heavy
    later (start-up speed), and then says so with a '# lazy:' comment on its line."""
    silent = []
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (
                    inner.level or (inner.module or "").startswith("caregiver_course")
                ):
                    if "# lazy:" not in lines[inner.lineno - 1]:
                        silent.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    assert silent == [], "move these to the top of the module, or say why they wait ('# lazy: ...'): " + ", ".join(
        silent
    )


def test_the_server_and_the_files_out_load_no_widgets():
    code = (
        "import sys, caregiver_course.server.app, caregiver_course.toolkit.worker, caregiver_course.ops.checks; "
        "print(sorted(m for m in ('ipywidgets', 'anywidget') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"
