"""30 participants in separate processes answer 20 items each at once: nothing is lost, counts match."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_thirty_participants_answering_at_once_lose_nothing():
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_workshop.py"), "--participants", "30", "--items", "20"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout)
    print(figures)
    assert figures["answers_sent"] == 600
    assert figures["answers_stored"] == 600 and figures["answers_lost"] == 0 and figures["unsaved_at_end"] == 0
    assert figures["dashboard_joined"] == 30
    assert figures["dashboard_counts_match"] is True and figures["every_item_answered_by_all"] is True
