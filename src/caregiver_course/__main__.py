"""Command line: ``python -m caregiver_course check`` validates all course content."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def check(data: Path | None, notebooks: Path | None) -> int:
    from . import content
    from .coverage import coverage_problems

    c = content.load(data, notebooks)
    problems = list(c.problems) + coverage_problems(c, data)
    if problems:
        print(f"Found {len(problems)} problem(s) in the course files. Fix each one, then run the check again:\n")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(f"All course files are fine: {len(c.lessons)} lessons, {len(c.questions)} questions, "
          f"{len(c.checklists)} checklists, {len(c.reflections)} reflections, {len(c.side_effects)} side-effect rows.")
    return 0


def refresh(paths: list[Path]) -> int:
    """Run notebooks top to bottom and store their outputs (what nbval compares against)."""
    import nbformat
    from nbclient import NotebookClient

    for path in paths:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=False, resources={"metadata": {"path": str(path.parent)}}).execute()
        nbformat.write(nb, path)
        print(f"refreshed {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m caregiver_course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_check = sub.add_parser("check", help="validate every content file in data/")
    p_check.add_argument("--data", type=Path, default=None, help="content folder (default: data/)")
    p_check.add_argument("--notebooks", type=Path, default=None, help="notebooks folder (default: notebooks/)")
    p_refresh = sub.add_parser("refresh", help="re-run notebooks and store their outputs (after editing one)")
    p_refresh.add_argument("notebooks", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.data, args.notebooks)
    if args.command == "refresh":
        return refresh(args.notebooks)
    return 2


if __name__ == "__main__":
    sys.exit(main())
