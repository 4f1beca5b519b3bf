"""16 PDF requests at once from 4 learners' kernels, before and after the machine-wide limit (issue 21, item 5).

"Before" runs every worker at once at normal priority (as without the limit: CAREGIVER_PDF_WORKERS=16, nice 0);
"after" uses the default limit and priority. Each prints the most workers seen at once, how long the 16 files
took, and how long a new learner's kernel needed to import the app and build its start page while they ran,
against the same start with nothing else of ours running. Prints figures, judges nothing.

    .venv/bin/python benchmarks/bench_pdf_queue.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from pdfload import burst, median_page_start  # noqa: E402

from caregiver_course.toolkit import worker  # noqa: E402


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    alone = median_page_start(data, runs=3)
    print(f"page start with nothing else of ours running: {alone:.1f} s (median of 3)")
    for label, slots, nice in (("before (no limit, normal priority)", 16, 0), ("after", worker.slots(), worker.NICE)):
        found = burst(data, sessions=4, per=4, slots=slots, nice=nice, probe_pages=3)
        ok = sum(r["ok"] for r in found["results"])
        pages = ", ".join(f"{p:.1f}" for p in found["pages"]) or "-"
        print(
            f"{label}: {ok} of 16 files in {found['seconds']:.0f} s, at most {found['most_at_once']} workers at "
            f"once (niceness {found['nice']}); page starts meanwhile {pages} s"
        )
    print(f"page start again with nothing else of ours running: {median_page_start(data, runs=3):.1f} s")


if __name__ == "__main__":
    main()
