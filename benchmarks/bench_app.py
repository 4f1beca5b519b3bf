"""Benchmark the course app against a bare Voila page and a static page. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_app.py            # everything (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_app.py --only joins --joins 30
    .venv/bin/python benchmarks/bench_app.py --only loads --loads 300

Parts:
  pages   time to first text and to interactive, in Chromium (medians of --runs), for a static page, a bare
          one-button Voila notebook (Voila's defaults) and the course app (the repository's configuration)
  nav     Next/Back time between lessons in the app (click to the new lesson's title on screen); before a
          first-visit Next the benchmark waits 2 s, as a learner reads (the app prepares the next lesson then)
  rss     memory of one app kernel, fresh and after opening every lesson
  joins   N learners joining within 10 s, with the workshop setting on, measured with an HTTP + websocket
          client (page GET, kernel websocket, kernel_info reply), not N browsers
  loads   N consecutive app page loads over HTTP + websocket, counting failures (a load fails if the page
          is not 200, shows an error, or its kernel does not answer)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP = "/voila/render/course.ipynb"
READING_PAUSE_MS = 2000  # far less than anyone spends on a lesson; enough for the app to prepare the next


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc, log: Path, marker: str | None = None, timeout: float = 240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                if marker is None or marker in log.read_text():
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server at {url} did not start")


class Server:
    def __init__(self, cmd: list[str], cwd: Path, ready: str, marker: str | None = None, env=None):
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-"))
        self.log_path = self.tmp / "server.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, CAREGIVER_DATA_DIR=str(self.tmp / "data"), **(env or {})),
            start_new_session=True,
        )
        wait_http(ready, self.proc, self.log_path, marker)

    def kernel_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-f", "ipykernel_launcher"], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def wait_quiet(self, timeout: float = 300) -> float:
        """Wait until the kernels (the preheated pool) have finished starting; returns seconds waited."""
        t0 = time.time()
        last = cpu_seconds(self.kernel_pids())
        while time.time() - t0 < timeout:
            time.sleep(2)
            now = cpu_seconds(self.kernel_pids())
            if now - last < 0.2:
                break
            last = now
        return time.time() - t0

    def stop(self):
        os.killpg(self.proc.pid, 15)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
        self.log.close()


# Every page of this benchmark comes from one address (127.0.0.1), standing in for many learners: the
# per-client caps (8 kernels, 2 loading) are lifted, and closed pages' kernels go after 60 s.
MANY_LEARNERS = [
    "--CourseVoila.max_kernels_per_client=1000",
    "--CourseVoila.max_loading_per_client=100",
    "--CourseVoila.max_kernels=200",
    "--CourseVoila.disconnected_timeout=60",
]


def app_server(workshop: bool = False, pool: int | None = None) -> tuple[Server, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "caregiver_course", "serve", f"--port={port}", *MANY_LEARNERS]
    if workshop:
        cmd += ["--workshop", "--ip=127.0.0.1"] + ([f"--pool={pool}"] if pool else [])
    url = f"http://localhost:{port}"
    return Server(cmd, REPO, url + "/cc/health", "Kernel pool of course.ipynb is filled"), url


def bare_server() -> tuple[Server, str]:
    d = Path(tempfile.mkdtemp(prefix="bare-"))
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "a",
                "metadata": {},
                "outputs": [],
                "source": "import ipywidgets as w\nb = w.Button(description='Press me')\n"
                "b.on_click(lambda _: setattr(b, 'description', 'Pressed'))\nb",
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (d / "bare.ipynb").write_text(json.dumps(nb))
    port = free_port()
    voila = str(Path(sys.executable).parent / "voila")
    cmd = [voila, "bare.ipynb", f"--port={port}", "--no-browser"]
    url = f"http://localhost:{port}"
    return Server(cmd, d, url + "/"), url


def static_server() -> tuple[Server, str]:
    d = Path(tempfile.mkdtemp(prefix="static-"))
    (d / "index.html").write_text(
        "<!doctype html><html lang='en'><title>s</title><h1 id='t'>Hello</h1>"
        "<button id='b' onclick=\"this.textContent='Pressed'\">Press me</button></html>"
    )
    port = free_port()
    cmd = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    return Server(cmd, d, f"http://127.0.0.1:{port}/"), f"http://127.0.0.1:{port}"


# ----------------------------------------------------------------------------- browser parts


def measure_page(browser, url: str, first: str, interactive) -> tuple[float, float]:
    ctx = browser.new_context()
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(first, state="visible", timeout=120_000)
    t_first = time.perf_counter() - t0
    interactive(page)
    t_inter = time.perf_counter() - t0
    ctx.close()
    return t_first, t_inter


def bench_pages(runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def press(page, selector, done):
            page.click(selector)
            page.wait_for_function(done, timeout=60_000)

        srv, url = static_server()
        try:
            results["static page"] = [
                measure_page(
                    browser,
                    url + "/index.html",
                    "#t",
                    lambda pg: press(pg, "#b", "() => document.getElementById('b').textContent === 'Pressed'"),
                )
                for _ in range(runs)
            ]
        finally:
            srv.stop()
        srv, url = bare_server()
        try:
            results["bare Voila, one button"] = [
                measure_page(
                    browser,
                    url + "/",
                    ".widget-button",
                    lambda pg: press(
                        pg,
                        ".widget-button",
                        "() => document.querySelector('.widget-button').textContent.includes('Pressed')",
                    ),
                )
                for _ in range(runs)
            ]
        finally:
            srv.stop()
        srv, url = app_server()
        try:

            def app_ready(pg):
                pg.wait_for_function(
                    "() => { const e = document.querySelector('.cc-resume-code');"
                    " return e && !e.textContent.includes('being made'); }",
                    timeout=120_000,
                )

            results["course app"] = []
            for _ in range(runs):
                results["course app"].append(measure_page(browser, url + APP, ".cc-home .cc-title", app_ready))
                time.sleep(1.5)  # let the pool refill, as between learners arriving
        finally:
            srv.stop()
        browser.close()
    return results


def bench_nav(rounds: int) -> dict:
    from playwright.sync_api import sync_playwright

    srv, url = app_server()
    out = {"next (first visit)": [], "back (visited)": [], "next (visited)": []}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(url + APP)
            page.wait_for_selector(".cc-home", timeout=120_000)
            page.click(".cc-lesson-start .cc-open-lesson")
            page.wait_for_selector(".cc-stepbar .cc-where")
            steps = 0

            def go(selector):  # click, then wait until the step bar names another step
                before = page.inner_text(".cc-stepbar .cc-where")
                t0 = time.perf_counter()
                page.click(f".cc-nav {selector}")
                page.wait_for_function(
                    "(b) => { const e = document.querySelector('.cc-stepbar .cc-where');"
                    " return e && e.innerText !== b; }",
                    arg=before,
                    timeout=60_000,
                )
                return time.perf_counter() - t0

            while "Finish" not in page.inner_text(".cc-nav .cc-next-button"):  # every step of every lesson
                page.wait_for_timeout(READING_PAUSE_MS)  # a learner reads before pressing Next
                out["next (first visit)"].append(go(".cc-next-button"))
                steps += 1
            for _ in range(rounds):
                for _ in range(min(steps, 20)):
                    out["back (visited)"].append(go(".cc-back"))
                for _ in range(min(steps, 20)):
                    out["next (visited)"].append(go(".cc-next-button"))
            browser.close()
        out["kernel RSS after all lessons (MiB)"] = [max(rss_mib(pid) for pid in srv.kernel_pids())]
    finally:
        srv.stop()
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def bench_rss() -> dict:
    srv, _ = app_server()
    try:
        time.sleep(3)
        return {"fresh app kernel RSS (MiB)": [rss_mib(pid) for pid in srv.kernel_pids()]}
    finally:
        srv.stop()


# ----------------------------------------------------------------------------- HTTP + websocket client


async def join(url: str, start_at: float) -> tuple[float, str]:
    """GET the app page, open its kernel websocket, get a kernel_info reply. Returns (seconds, error)."""
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    t0 = time.perf_counter()
    try:
        resp = await AsyncHTTPClient().fetch(url + APP, request_timeout=120)
        html = resp.body.decode()
        if "There was an error when executing cell" in html or "Kernel died" in html:
            return time.perf_counter() - t0, "error in page"
        if "cc-home" not in html and "widget-view+json" not in html:
            return time.perf_counter() - t0, "app output missing"
        kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', html).group(1)
        ws_url = url.replace("http", "ws") + f"/api/kernels/{kernel}/channels?session_id={uuid.uuid4()}"
        ws = await websocket_connect(HTTPRequest(ws_url, request_timeout=60))
        msg_id = uuid.uuid4().hex
        ws.write_message(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": "bench",
                        "session": uuid.uuid4().hex,
                        "msg_type": "kernel_info_request",
                        "version": "5.3",
                        "date": "",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {},
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            raw = await asyncio.wait_for(ws.read_message(), timeout=60)
            if raw is None:
                return time.perf_counter() - t0, "websocket closed"
            if isinstance(raw, str):
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "kernel_info_reply":
                    ws.close()
                    return time.perf_counter() - t0, ""
        return time.perf_counter() - t0, "no kernel reply"
    except Exception as exc:  # a benchmark counts failures instead of stopping
        return time.perf_counter() - t0, f"{type(exc).__name__}: {exc}"


async def many_joins(url: str, n: int, spread: float, sequential: bool = False) -> list[tuple[float, str]]:
    if sequential:
        return [await join(url, 0) for _ in range(n)]
    t0 = time.perf_counter()
    return await asyncio.gather(*[join(url, t0 + spread * i / max(n - 1, 1)) for i in range(n)])


def bench_joins(n: int, pool: int | None) -> dict:
    srv, url = app_server(workshop=True, pool=pool)
    try:
        warm = srv.wait_quiet()  # a facilitator starts the server before the room arrives
        print(f"workshop pool warmed up in {warm:.0f} s after the server answered")
        results = asyncio.run(many_joins(url, n, 10.0))
    finally:
        srv.stop()
    errors = [e for _, e in results if e]
    times = sorted(t for t, _ in results)
    return {
        "joins": n,
        "errors": len(errors),
        "error kinds": sorted(set(errors))[:5],
        "median s": statistics.median(times),
        "p95 s": times[max(0, int(round(0.95 * len(times))) - 1)],
        "max s": times[-1],
    }


def bench_loads(n: int) -> dict:
    srv, url = app_server()
    try:
        results = asyncio.run(many_joins(url, n, 0, sequential=True))
        deaths = srv.log_path.read_text().count("Kernel died")
    finally:
        srv.stop()
    errors = [e for _, e in results if e]
    return {
        "loads": n,
        "failures": len(errors),
        "failure kinds": sorted(set(errors))[:5],
        "'Kernel died' in server log": deaths,
        "median s": statistics.median(t for t, _ in results),
    }


def median_table(results: dict) -> None:
    print(f"{'page':28} {'first text (s)':>15} {'interactive (s)':>16}")
    base = None
    for name, runs in results.items():
        first = statistics.median(r[0] for r in runs)
        inter = statistics.median(r[1] for r in runs)
        print(f"{name:28} {first:15.2f} {inter:16.2f}")
        if name.startswith("bare"):
            base = (first, inter)
    if base and "course app" in results:
        app = results["course app"]
        print(
            f"ratio app / bare Voila: first text {statistics.median(r[0] for r in app) / base[0]:.2f}x, "
            f"interactive {statistics.median(r[1] for r in app) / base[1]:.2f}x"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["pages", "nav", "rss", "joins", "loads"], action="append")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--joins", type=int, default=30)
    ap.add_argument("--pool", type=int, default=None, help="workshop pool size for the joins part")
    ap.add_argument("--loads", type=int, default=300)
    args = ap.parse_args()
    parts = args.only or ["pages", "nav", "rss", "joins", "loads"]
    print(f"machine: {os.cpu_count()} cores; medians of {args.runs} runs where timed in a browser\n")
    if "pages" in parts:
        median_table(bench_pages(args.runs))
        print()
    if "nav" in parts:
        for name, values in bench_nav(rounds=1).items():
            print(f"{name:36} median {statistics.median(values):.3f}  max {max(values):.3f}  (n={len(values)})")
        print()
    if "rss" in parts:
        for name, values in bench_rss().items():
            print(f"{name:36} {', '.join(f'{v:.0f}' for v in values)}")
        print()
    if "joins" in parts:
        print("joins within 10 s, workshop setting:", json.dumps(bench_joins(args.joins, args.pool), default=str))
    if "loads" in parts:
        print("consecutive loads:", json.dumps(bench_loads(args.loads), default=str))


if __name__ == "__main__":
    main()
