"""The checks behind ``python -m caregiver_course check`` (content and clinic settings, and with
``--production`` what must be set before real learners come), and ``refresh`` (run the notebooks and store
the outputs nbval compares)."""

from __future__ import annotations

from pathlib import Path

from .. import content
from . import production as ready
from .translations import report


def check(data: Path | None, notebooks: Path | None, production: bool = False) -> int:
    problems = content.preflight_problems(data, notebooks)
    c = content.load(data, notebooks)
    if production and not problems:
        if found := ready.problems(c.clinic):
            print(
                f"Not ready for learners yet: {len(found)} clinic setting(s) in data/clinic.yaml to fix "
                "(production mode refuses placeholders and unconfirmed values):\n"
            )
            for line in found:
                print(f"  - {line}")
            return 1
    if problems:
        print(f"Found {len(problems)} problem(s) in the course files. Fix each one, then run the check again:\n")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(
        f"All course files are fine: {len(c.lessons)} lessons, {len(c.questions)} questions, "
        f"{len(c.checklists)} checklists, {len(c.reflections)} reflections, {len(c.side_effects)} side-effect rows."
    )
    for line in report(data, notebooks):
        print(line)
    return 0


def refresh(paths: list[Path]) -> int:
    """Run notebooks top to bottom and store their outputs (what nbval compares against)."""
    import nbformat
    from nbclient import NotebookClient

    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nb.metadata.pop("widgets", None)  # saved widget state only bloats the file and the diffs
        client = NotebookClient(
            nb,
            timeout=120,
            kernel_name="python3",
            store_widget_state=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
        nbformat.write(nb, path)
        print(f"refreshed {path}")
    return 0
