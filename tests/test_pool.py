"""The preheated pool's rules (server/pool.py) and the status the facilitator's dashboard reads."""

from __future__ import annotations

import json

from caregiver_course.server.pool import fill_pace, page_problem
from caregiver_course.workshop import poolstatus

GOOD = (
    '<div cell-index="1"><script type="application/vnd.voila.cell-output+json">'
    '{"output_type": "display_data", "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "ab"}}}'
    "</script></div>"
)


def test_a_page_is_served_only_with_its_app_widget_and_no_error():
    assert page_problem(GOOD) is None
    assert "no widget output" in page_problem('<div class="jp-Cell jp-mod-noOutputs"></div>')
    failed = GOOD + '<script>{"output_type": "error", "ename": "ExecutionError"}</script>'
    assert "failed" in page_problem(failed)
    assert "failed" in page_problem(GOOD + "There was an error when executing cell [1].")


def test_the_pool_fills_slower_when_the_machine_is_busy_and_after_failures():
    quiet, busy, very_busy = fill_pace(0.2, 2), fill_pace(4.0, 2), fill_pace(10.0, 2)
    assert quiet[0] == 3 and busy[0] == 2 and very_busy[0] == 2
    assert quiet[1] < busy[1] < very_busy[1]
    assert fill_pace(0.2, 2, failures_in_a_row=1) == (1, 0.4)
    assert fill_pace(10.0, 2, failures_in_a_row=3)[1] == 32.0
    assert fill_pace(10.0, 2, failures_in_a_row=50)[1] == 60.0  # never more than a minute between tries


def test_the_dashboard_adds_up_fresh_status_files_and_says_it_in_words(tmp_path):
    poolstatus.write(poolstatus.status_path(tmp_path, 1), poolstatus.PoolStatus(ready=12, preparing=2, target=15))
    poolstatus.write(
        poolstatus.status_path(tmp_path, 2),
        poolstatus.PoolStatus(ready=15, target=15, failed_total=3, failed_recently=2, last_problem="timed out"),
    )
    stale = poolstatus.status_path(tmp_path, 3)
    stale.write_text(json.dumps({"ready": 0, "target": 30, "updated": 1.0}))  # a server that stopped long ago
    total = poolstatus.read_all(tmp_path)
    assert (total.ready, total.preparing, total.target, total.failed_recently) == (27, 2, 30, 2)
    words = poolstatus.describe(total)
    assert "27 of 30" in words and "2 being prepared" in words
    assert "2 places did not get ready" in words and "never shown to anyone" in words
    assert "⏳" in words and "⚠" in words  # not colour alone: a sign and words
    full = poolstatus.describe(poolstatus.PoolStatus(ready=30, target=30))
    assert "✓" in full and "30 of 30" in full and "did not" not in full
    assert poolstatus.read_all(tmp_path / "none") is None and poolstatus.describe(None) == ""
