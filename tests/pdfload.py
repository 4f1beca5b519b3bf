"""Many PDF requests at once from several learners' kernels (separate processes), and what a newcomer's page
start costs meanwhile. Used by tests/test_pdf_workers.py and benchmarks/bench_pdf_queue.py.

A "session" is a process like a learner's kernel: it asks for `per` PDFs at once (one thread each, as a
learner pressing several buttons). The caller watches /proc for the PDF worker processes of this burst (they
carry a marker in their environment) and records the most that ran at the same moment."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

SESSION = r"""
import json, sys, threading, time
from caregiver_course.toolkit import worker
start, per, nice, wait = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
worker.NICE, worker.QUEUE_WAIT = nice, wait
out = [None] * per
def one(i):
    t = time.monotonic()
    try:
        pdf = worker.make("card", size="wallet", url="http://localhost:8866/voila/render/course.ipynb")
        out[i] = {"ok": pdf.startswith(b"%PDF"), "seconds": time.monotonic() - t}
    except Exception as exc:
        out[i] = {"ok": False, "error": repr(exc), "seconds": time.monotonic() - t}
time.sleep(max(0.0, start - time.time()))
threads = [threading.Thread(target=one, args=(i,)) for i in range(per)]
for x in threads: x.start()
for x in threads: x.join(wait + 180)
print(json.dumps(out))
"""

PAGE_START = (
    "import time; t = time.monotonic(); from caregiver_course.ui.app import CourseApp; CourseApp(); "
    "print(time.monotonic() - t)"
)


def _workers(marker: str) -> list[int]:
    """Live PDF worker processes of this burst (their pids)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
            if b"caregiver_course.toolkit.worker" not in cmd:
                continue
            if marker.encode() in Path(f"/proc/{entry}/environ").read_bytes():
                found.append(int(entry))
        except OSError:
            continue
    return found


def _nice(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    except (OSError, IndexError, ValueError):
        return None


def page_start(env: dict) -> float:
    """Seconds a new learner's kernel needs to import the app and build its start page (a CPU-bound start)."""
    out = subprocess.run(
        [sys.executable, "-c", PAGE_START], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def burst(
    data_dir: Path,
    sessions: int = 4,
    per: int = 4,
    slots: int = 1,
    nice: int = 10,
    probe_pages: int = 0,
    queue_wait: float = 900,
) -> dict:
    """Run sessions x per PDF requests at once; return the most workers seen running at once, every result,
    the workers' niceness, and (probe_pages > 0) that many page starts timed while the burst runs."""
    marker = f"CC_PDF_BURST={uuid.uuid4().hex}"
    env = dict(os.environ, CAREGIVER_DATA_DIR=str(data_dir), CAREGIVER_PDF_WORKERS=str(slots))
    env[marker.split("=")[0]] = marker.split("=")[1]
    start = time.time() + 3.0  # every session has imported the package by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SESSION, str(start), str(per), str(nice), str(queue_wait)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(sessions)
    ]
    most, nices, stop = 0, set(), threading.Event()

    def watch():
        nonlocal most
        while not stop.is_set():
            pids = _workers(marker)
            most = max(most, len(pids))
            nices.update(n for n in map(_nice, pids) if n is not None)
            stop.wait(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    pages: list[float] = []
    try:
        if probe_pages:
            page_env = {k: v for k, v in env.items() if k != marker.split("=")[0]}
            deadline = time.monotonic() + 60
            while not _workers(marker) and time.monotonic() < deadline:  # the burst is under way
                time.sleep(0.05)
            for _ in range(probe_pages):
                if all(p.poll() is not None for p in procs):
                    break
                pages.append(page_start(page_env))
        results, errors = [], []
        for p in procs:
            out, err = p.communicate(timeout=max(1.0, start + queue_wait + 180 - time.time()))
            if p.returncode != 0:
                errors.append(err[-2000:])
                continue
            results += json.loads(out.strip().splitlines()[-1])
    finally:
        stop.set()
        watcher.join(5)
        for p in procs:
            if p.poll() is None:
                p.kill()
    return {
        "most_at_once": most,
        "results": results,
        "errors": errors,
        "nice": sorted(nices),
        "pages": pages,
        "seconds": time.time() - start,
    }


def median_page_start(data_dir: Path, runs: int = 3) -> float:
    env = dict(os.environ, CAREGIVER_DATA_DIR=str(data_dir))
    return statistics.median(page_start(env) for _ in range(runs))
