"""What a learner's kernel counts for the server's metrics: saves, failed saves and how long saves take.

Kernels are separate processes, so each writes its counters to a small JSON file of its own
(``<data dir>/stats/<server port>/<kernel id>.json``, replaced atomically, at most every few seconds); the
course server adds them up when its metrics are read (server/metrics.py). A file, not the database: the
moments worth counting are the ones when the database is failing. Nothing here names a learner.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from .engine import data_dir

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)  # save latency, seconds (Prometheus "le")
WRITE_EVERY = 3.0

_lock = threading.Lock()
_counts: dict = {"saves": 0, "save_errors": 0, "save_seconds_sum": 0.0, "buckets": [0] * len(BUCKETS)}
_timer: threading.Timer | None = None


def stats_file() -> Path | None:
    """This kernel's file, or None when the kernel does not belong to a course server (a notebook run alone)."""
    kernel, port = os.environ.get("VOILA_KERNEL_ID", ""), os.environ.get("VOILA_APP_PORT", "")
    if not kernel or not port.isdigit():
        return None
    return data_dir() / "stats" / port / f"{kernel}.json"


def note_save(seconds: float, ok: bool) -> None:
    """One save (a flush of the learner's answers) that took ``seconds`` and did or did not reach the database."""
    global _timer
    with _lock:
        _counts["saves"] += 1
        if not ok:
            _counts["save_errors"] += 1
        _counts["save_seconds_sum"] += seconds
        for i, le in enumerate(BUCKETS):
            if seconds <= le:
                _counts["buckets"][i] += 1
        if _timer is None:
            _timer = threading.Timer(WRITE_EVERY, _write)
            _timer.daemon = True
            _timer.start()


def snapshot() -> dict:
    with _lock:
        return json.loads(json.dumps(_counts))


def _write() -> None:
    global _timer
    with _lock:
        _timer = None
        data = json.dumps(_counts)
    path = stats_file()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(data)
        os.replace(tmp, path)
    except OSError:  # a full disk: the counts are kept here and written next time
        pass


def timed_save(save) -> bool:
    """Run ``save()`` (returns True when saved), counting it."""
    start = time.perf_counter()
    ok = False
    try:
        ok = bool(save())
        return ok
    finally:
        note_save(time.perf_counter() - start, ok)
