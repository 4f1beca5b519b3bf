"""Memory per learner, measured (issue 16): a course server with N learners' pages, each page's kernel having
run the app; prints the server's and the kernels' resident (RSS) and own (USS) memory. Asserts nothing.

    .venv/bin/python benchmarks/bench_memory.py [--pages 12]

Each page is loaded as a new browser would (GET of the course page: the server renders it, which runs the app
in the page's kernel) and then its kernel websocket is opened and the page's widget states are asked for, as
the page does. Kernels are found as the server's descendants. "Own" memory (USS) is what a learner adds; RSS
also counts pages shared with other kernels (Python itself, shared libraries).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from security.attack import V1, connect, header, kernel_id_of, run, v1_frame  # noqa: E402

APP = "/voila/render/course.ipynb"


def mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def memory(pid: int) -> tuple[float, float]:
    info = psutil.Process(pid).memory_full_info()
    return info.rss, info.uss


async def open_page(base: str) -> str:
    with urllib.request.urlopen(base + APP, timeout=300) as r:
        kernel = kernel_id_of(r.read().decode())
    ws = await connect(base.replace("http", "ws"), kernel, protocols=(V1,), timeout=60)
    ws.write_message(v1_frame("shell", header("kernel_info_request"), {}), binary=True)
    hdr = header("comm_open")
    ws.write_message(
        v1_frame("shell", hdr, {"comm_id": "bench", "target_name": "jupyter.widget.control", "data": {}}), binary=True
    )
    ws.write_message(
        v1_frame("shell", header("comm_msg"), {"comm_id": "bench", "data": {"method": "request_states"}}), binary=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the page's widget states arrive, as in a browser
        try:
            msg = await asyncio.wait_for(ws.read_message(), timeout=5)
        except asyncio.TimeoutError:
            break
        if msg is None or (isinstance(msg, bytes) and b"update_states" in msg):
            break
    return kernel


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=12)
    args = ap.parse_args()
    port = 18000 + os.getpid() % 1000
    data = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    env = dict(os.environ, CAREGIVER_DATA_DIR=str(data))
    env.pop("CAREGIVER_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "caregiver_course", "serve", f"--port={port}", "--skip-check",
         "--CourseVoila.max_kernels_per_client=100", "--CourseVoila.max_loading_per_client=4"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/cc/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        time.sleep(10)  # the pool fills
        server = psutil.Process(proc.pid)
        start_rss, _ = memory(proc.pid)
        kernels = []
        for _ in range(args.pages):
            kernels.append(run(open_page(base), timeout=300))
        time.sleep(5)
        end_rss, end_uss = memory(proc.pid)
        rows = []
        for child in server.children(recursive=True):
            try:
                if any(k in " ".join(child.cmdline()) for k in kernels):
                    rows.append(memory(child.pid))
            except psutil.Error:
                continue
        rss = statistics.median(r for r, _ in rows) if rows else 0
        uss = statistics.median(u for _, u in rows) if rows else 0
        print(f"load average {os.getloadavg()[0]:.1f}; {len(rows)} of {args.pages} learners' kernels found")
        print(f"a learner's kernel (median): {mib(rss)} RSS, {mib(uss)} own (USS)")
        print(
            f"the server: {mib(start_rss)} RSS at start, {mib(end_rss)} after {args.pages} pages ({mib(end_uss)} own)"
        )
        grown = (end_rss - start_rss) / max(1, args.pages)
        print(f"per learner: the kernel's own memory plus the server's growth per page: {mib(uss + grown)}")
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
