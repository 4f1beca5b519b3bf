"""Joins per second and memory per learner for 1 and 2 course processes behind nginx (make serve-cluster), on this
machine. Each join is a new browser (its own cookies) loading the course page through the proxy: the page is
rendered and its kernel started and run, which is most of a learner's arrival cost. Prints JSON.

    .venv/bin/python benchmarks/bench_cluster.py [--waves 8,16] [--processes 1,2]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import http.cookiejar
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = "/voila/render/course.ipynb"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def join(url: str) -> tuple[bool, float]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    t = time.perf_counter()
    try:
        with opener.open(url + APP, timeout=300) as r:
            ok = r.status == 200 and '"kernelId"' in r.read().decode()
    except OSError:
        ok = False
    return ok, time.perf_counter() - t


def kernels_memory(server_pids: list[int]) -> list[tuple[float, float]]:
    """(RSS, USS) in MiB of every kernel process under the course processes."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            if b"ipykernel" not in cmd or ppid not in server_pids:
                continue
            f = {}
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                parts = line.split()
                if len(parts) >= 2 and parts[1].isdigit():
                    f[parts[0].rstrip(":")] = int(parts[1]) / 1024
            out.append((f["Rss"], f["Private_Clean"] + f["Private_Dirty"]))
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return out


def run(processes: int, waves: list[int]) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-cluster-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, CAREGIVER_DATA_DIR=str(tmp / "data"))
    log = open(tmp / "cluster.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "caregiver_course.server.cluster", f"--processes={processes}", f"--port={port}",
         f"--workdir={tmp / 'nginx'}", "--page-rate=6000r/m", "--page-burst=1000", "--request-burst=10000",
         "--CourseVoila.max_kernels=500", "--CourseVoila.max_kernels_per_client=500",
         "--CourseVoila.max_loading_per_client=500"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url + "/cc/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        time.sleep(10)  # the preheated kernels of each process settle
        join(url)  # warm-up
        pids = [int(line.split()[1]) for line in (tmp / "nginx" / "processes.txt").read_text().splitlines()]
        result = {"processes": processes, "waves": []}
        for n in waves:
            t = time.perf_counter()
            with cf.ThreadPoolExecutor(n) as pool:
                done = list(pool.map(lambda _: join(url), range(n)))
            wall = time.perf_counter() - t
            ok = [s for good, s in done if good]
            result["waves"].append(
                {
                    "joins_at_once": n,
                    "ok": len(ok),
                    "wall_s": round(wall, 1),
                    "joins_per_s": round(len(ok) / wall, 2),
                    "median_page_s": round(statistics.median(ok), 1) if ok else None,
                    "slowest_page_s": round(max(ok), 1) if ok else None,
                }
            )
        mem = kernels_memory(pids)
        result["kernels_held"] = len(mem)
        result["kernel_rss_mib_median"] = round(statistics.median(m[0] for m in mem), 1)
        result["kernel_uss_mib_median"] = round(statistics.median(m[1] for m in mem), 1)
        return result
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--processes", default="1,2")
    ap.add_argument("--waves", default="8,16")
    args = ap.parse_args()
    waves = [int(x) for x in args.waves.split(",")]
    out = [run(int(p), waves) for p in args.processes.split(",")]
    print(json.dumps({"cpus": os.cpu_count(), "runs": out}, indent=1))


if __name__ == "__main__":
    main()
