"""The course on a phone: a static page, a bare Voila page and the app, side by side. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_phone.py                      # everything, 1 run (about 20 minutes; more
                                                                    # when aged loads go blank: 90 s each)
    .venv/bin/python benchmarks/bench_phone.py --runs 3 --skip-aged
    .venv/bin/python benchmarks/bench_phone.py --only app --aged-loads 4 --keep-logs /tmp/bench-logs

Every page is loaded in Debian's Chromium (/usr/bin/chromium, headless) at 390x844, device scale 2, as a
touch phone, under two network profiles set with the DevTools Protocol (Network.emulateNetworkConditions):
"none" (no throttling) and "slow 4G" (Lighthouse's mobile profile: 1.6 Mbit/s down, 750 kbit/s up, 150 ms
round trip). Each page is visited cold (a new browser context: empty cache, no saved learner) and then once
more in the same context and tab (a warm repeat visit: the HTTP cache is on, and for the app the same learner).

Pages:
  static  lesson 4's text (the Markdown cells of notebooks/04-side-effects.ipynb, rendered with mistune) as one
          HTML file, served by http.server in a thread
  bare    a notebook with one ipywidgets.Button, served by plain `voila` with its defaults (from a temp folder,
          so the repository's voila.json is not read)
  app     the course app, `python -m caregiver_course serve` (the repository's voila.json), measured once the
          kernel pool is filled and the kernels have finished starting. Each new browser context stands for a
          different learner: when the course server tells clients apart by address (it then has the option
          CourseVoila.trust_forwarded_for), it is started with that option and each context sends its own
          X-Forwarded-For (198.51.100.N), as if each came from its own phone; otherwise every page would count
          against 127.0.0.1's per-client limits (e.g. no pool kernel for a client that holds two already).

Figures (times are in seconds from navigation start, i.e. performance.now() inside the page):
  over the wire   sum of encodedDataLength of the DevTools Protocol's Network.loadingFinished events (headers and
                  bodies as received, so compressed sizes when compressed; websocket frames are not counted),
                  taken once the page is interactive and the network has been quiet for 1 s. 1 KB = 1000 bytes.
  requests        Network.requestWillBeSent events (data: and blob: URLs left out); "from cache" is how many of
                  them were answered by the browser's cache without going to the server (a 304 counts as a request
                  to the server, not as from cache)
  first text      static: the first-contentful-paint entry (the first paint of text).
                  bare: the button is visible with its text.
                  app: the first of #cc-help-bar (server-rendered help numbers, when the template has it) or a
                  .cc-home element (the app's Home button / start page) visible with text.
  interactive     static: the load event (loadEventEnd).
                  bare: the button is visible and enabled.
                  app: the learner is known: .cc-resume-code exists and does not say "being made", or a .cc-home
                  element exists and document.body.dataset.ccReady === "1".
  lesson open     app only: from the click on the first lesson's open button (a button in .cc-next-up or
                  .cc-lesson-card whose text starts with Start/Continue/Open/Review) to a .cc-nav bar or a lesson
                  title on screen. This is a duration, not a time since navigation start.
  How: "visible" means a non-empty box, not hidden by display, visibility or opacity (Element.checkVisibility),
  with non-empty text. A script added at document start (add_init_script) checks every condition on each
  animation frame and stores the performance.now() of the first frame at which it held; Python then waits
  (wait_for_function) for the stored value. A frame is the soonest the text could be painted, so the times are
  comparable between pages; the resolution is one frame (~17 ms).

Blank pages: a second app server with short cull timeouts (--MappingKernelManager.cull_idle_timeout=20
--MappingKernelManager.cull_interval=5) is left alone for 30 s after its pool is filled, so the pool kernels have
aged past the cull timeout; then --aged-loads loads are made (alternately slow 4G and none), each in a new
context, --aged-wait seconds apart (so the refilled pool kernels age too). A load that is not interactive within
90 s counts as blank. The server's own lines on how it culls, and its log lines about culled or missing kernels,
are printed (a server that culls by its own rule, e.g. counted from when a page took its kernel, says so there).

Chromium is also told to resolve no host name but localhost (--host-resolver-rules), so nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import itertools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import ARGS as _CHROMIUM_ARGS  # noqa: E402  (one list of Chromium flags for every benchmark)
from bench_app import CHROMIUM  # noqa: E402

ARGS = [
    *_CHROMIUM_ARGS,
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]  # only ever talk to this machine
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
PROFILES = {
    "none": {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    "slow 4G": {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8},
}
APP = "/voila/render/course.ipynb"
POOL_FILLED = "Kernel pool of course.ipynb is filled"
PAGE_TIMEOUT = 150  # s, one page load until interactive (the app takes ~35 s on slow 4G today)
AGED_TIMEOUT = 90  # s, a load after the pool has aged that is not interactive by then is blank
LESSON_TIMEOUT = 60  # s
AGED_CULL = ["--MappingKernelManager.cull_idle_timeout=20", "--MappingKernelManager.cull_interval=5"]
AGE_FIRST = 30  # s of quiet after the pool is filled, before the first aged load
LOG_PROBLEMS = (
    "Culling 'idle'",
    "Culling kernel ",
    "Kernel does not exist",
    "404 GET /api/kernels",
    "Kernel died",
    "busy page",
    "refused a",
    "closed the websocket",
    "Traceback",
    "ERROR",
)
LOG_SETTINGS = ("Culling kernels with idle durations", "Kernel cap:")  # how the server says it culls
# The course server (src/caregiver_course/server) has per-client-address limits; when it can take the address
# from X-Forwarded-For, each browser context gets its own (see the docstring).
COURSE_SERVER = REPO / "src" / "caregiver_course" / "server" / "app.py"
FORWARDED = "trust_forwarded_for"
LEARNERS = itertools.count(1)  # the Nth context's address: 198.51.100.N (a documentation range)
KEEP_LOGS: Path | None = None  # --keep-logs: copy each server's log there before its temp folder is removed

# Runs at document start in every page: stores in window.__bench the performance.now() of the first animation
# frame at which each condition holds (see the docstring).
PROBES_JS = """
(() => {
  if (window.__bench) return;
  const marks = window.__bench = {};
  const shown = (el) => {
    if (!el || !el.isConnected) return false;
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return false;
    if (el.checkVisibility && !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) return false;
    return (el.innerText || '').trim().length > 0;
  };
  const any = (sel, ok = shown) => Array.from(document.querySelectorAll(sel)).some(ok);
  const probes = {
    helpBar: () => any('#cc-help-bar'),
    home: () => any('.cc-home'),
    button: () => any('.widget-button'),
    buttonEnabled: () => any('.widget-button', (b) => shown(b) && !b.disabled),
    learner: () => {
      const code = document.querySelector('.cc-resume-code');
      if (code && code.textContent.trim() && !code.textContent.includes('being made')) return true;
      return !!document.querySelector('.cc-home') && document.body.dataset.ccReady === '1';
    },
    lesson: () => any('.cc-nav, .cc-lesson-header .cc-title'),
  };
  const tick = () => {
    const now = performance.now();
    if (document.body) {
      for (const [name, holds] of Object.entries(probes)) {
        if (marks[name] === undefined) {
          try { if (holds()) marks[name] = now; } catch (e) { /* a half-built page: try next frame */ }
        }
      }
    }
    if (now < 600000) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""

# Marks the first lesson's open button (data-bench-open) and records the click time; returns its text or null.
FIND_LESSON_BUTTON_JS = """
() => {
  const starts = /^\\s*(Start|Continue|Open|Review)/i;
  for (const sel of ['.cc-next-up', '.cc-lesson-card', '.cc-home']) {
    for (const box of document.querySelectorAll(sel)) {
      for (const b of box.querySelectorAll('button')) {
        if (starts.test(b.innerText || '') && !b.disabled && b.getClientRects().length) {
          b.dataset.benchOpen = '1';
          b.addEventListener('click', () => { window.__bench.click = performance.now(); }, {once: true});
          return b.innerText.trim();
        }
      }
    }
  }
  return null;
}
"""
FCP_JS = "() => { const e = performance.getEntriesByName('first-contentful-paint')[0]; return e ? e.startTime : null; }"
LOAD_JS = (
    "() => { const n = performance.getEntriesByType('navigation')[0];"
    " return n && n.loadEventEnd > 0 ? n.loadEventEnd : null; }"
)


# ----------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_info() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time) for every process."""
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
                out[int(d.name)] = (int(fields[1]), fields[19])
            except (OSError, IndexError, ValueError):
                pass
    return out


def descendants(pid: int) -> dict[int, str]:
    """The processes started by pid (kernels run in sessions of their own): pid -> start time."""
    info = proc_info()
    found, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, start) in info.items():
            if ppid == parent and child not in found:
                found[child] = start
                todo.append(child)
    return found


def cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError for the 3xx: the server answered


NO_REDIRECTS = urllib.request.build_opener(_NoRedirect)


class Server:
    """A server process in a session of its own, with its log and temp folder; stop() ends it and its kernels."""

    def __init__(self, name: str, cmd: list[str], cwd: Path | None, env: dict | None = None):
        self.name = name
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bench-phone-{name}-"))
        self.cwd = cwd or self.tmp
        self.log_path = self.tmp / "server.log"
        with open(self.log_path, "w") as log:  # the server keeps its own copy of the file
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(os.environ, **(env or {})),
                start_new_session=True,
            )
        self.children: dict[int, str] = {}
        self.learner_addresses = False  # True: each browser context sends its own X-Forwarded-For (new_tab)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_http(self, url: str, timeout: float = 240) -> None:
        """Until the server answers at all (any HTTP status; a redirect is not followed: it may lead to the app
        page, and a page request takes a kernel from the pool)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} server exited:\n{self.log_text()[-3000:]}")
            try:
                with NO_REDIRECTS.open(url, timeout=3):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{self.name} server at {url} did not answer within {timeout:.0f} s")

    def wait_pool(self, timeout: float = 120) -> float:
        """Until every kernel taken from the pool has been replaced ("is filled" logged once more than "Using
        pre-heated kernel"), then until the kernels are quiet (they run the app notebook after starting)."""
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} server exited:\n{self.log_text()[-3000:]}")
            text = self.log_text()
            if text.count(POOL_FILLED) > text.count("Using pre-heated kernel"):
                break
            time.sleep(0.5)
        else:
            print(f"  ({self.name}: pool not refilled within {timeout:.0f} s; measuring anyway)", flush=True)
        self.wait_quiet(max(10.0, timeout - (time.time() - t0)))
        return time.time() - t0

    def wait_quiet(self, timeout: float = 60) -> None:
        t0 = time.time()
        last = cpu_seconds(descendants(self.proc.pid))
        while time.time() - t0 < timeout:
            time.sleep(2)
            now = cpu_seconds(descendants(self.proc.pid))
            if now - last < 0.2:
                return
            last = now

    def problems(self) -> list[str]:
        """Log lines about problems; a traceback is shown as the line before it and its exception line."""
        lines = self.log_text().splitlines()
        out, i = [], 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("Traceback"):  # one entry per traceback, chained ones included
                before = next((x for x in reversed(lines[:i]) if x.strip() and not x.startswith("future:")), "")
                chained = ("Traceback", "During handling", "The above exception")
                while True:  # to the exception line of the last traceback of the chain
                    i += 1
                    while i < len(lines) and (
                        not lines[i].strip() or lines[i][0].isspace() or lines[i].startswith(chained)
                    ):
                        i += 1
                    nxt = next((j for j in range(i + 1, len(lines)) if lines[j].strip()), len(lines))
                    if nxt < len(lines) and lines[nxt].startswith(chained[1:]):
                        i = nxt
                        continue
                    break
                exc = lines[i] if i < len(lines) else "?"
                out.append(f"Traceback ending {exc[:100]} (after: {before[:100]})")
            elif any(p in line for p in LOG_PROBLEMS):
                out.append(line)
            i += 1
        return out

    def settings(self) -> list[str]:
        return [line for line in self.log_text().splitlines() if any(p in line for p in LOG_SETTINGS)]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.children.update(descendants(self.proc.pid))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        time.sleep(0.5)
        alive = proc_info()
        for pid, start in self.children.items():  # kernels the server did not shut down (same pid, same start)
            if pid in alive and alive[pid][1] == start:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if KEEP_LOGS:
            KEEP_LOGS.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                shutil.copy(self.log_path, KEEP_LOGS / f"{self.name}-{self.proc.pid}.log")
        shutil.rmtree(self.tmp, ignore_errors=True)


class StaticServer:
    """http.server in a thread, serving one folder on 127.0.0.1."""

    learner_addresses = False

    def __init__(self, folder: Path):
        self.folder = folder

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def problems(self) -> list[str]:
        return []

    def settings(self) -> list[str]:
        return []

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)
        shutil.rmtree(self.folder, ignore_errors=True)


def lesson_html() -> str:
    import mistune

    nb = json.loads((REPO / "notebooks" / "04-side-effects.ipynb").read_text())
    md = mistune.create_markdown(plugins=["table", "strikethrough"])
    body = "\n".join(md("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "markdown")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'><title>Lesson 4: side effects</title>"
        "<style>body{font-family:sans-serif;line-height:1.5;margin:0 12px}</style></head>"
        f"<body>{body}</body></html>"
    )


@contextlib.contextmanager
def serve(kind: str, extra: list[str] | None = None):
    """Start the server for a page kind; yields (server, page URL); always stops it."""
    if kind == "static":
        folder = Path(tempfile.mkdtemp(prefix="bench-phone-static-"))
        (folder / "lesson-4.html").write_text(lesson_html(), encoding="utf-8")
        srv = StaticServer(folder)
        url = srv.url + "/lesson-4.html"
    elif kind == "bare":
        port = free_port()
        voila = str(Path(sys.executable).parent / "voila")
        srv = Server("bare", [voila, "bare.ipynb", "--no-browser", f"--port={port}"], None)
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
        (srv.tmp / "bare.ipynb").write_text(json.dumps(nb))
        url = f"http://localhost:{port}/"
    else:
        port = free_port()
        cmd = [sys.executable, "-m", "caregiver_course", "serve", f"--port={port}", *(extra or [])]
        by_address = COURSE_SERVER.exists() and FORWARDED in COURSE_SERVER.read_text()
        if by_address:
            cmd.append(f"--CourseVoila.{FORWARDED}=True")
        srv = Server("app-aged" if extra else "app", cmd, REPO)  # serve changes to the repository: its voila.json
        srv.learner_addresses = by_address
        url = f"http://localhost:{port}{APP}"
    try:
        if kind == "bare":
            srv.wait_http(url.rsplit("/", 1)[0] + "/voila/static/")  # not the page: that would start a kernel
        elif kind == "app":
            srv.wait_http(url.split("/voila/")[0] + "/voila/tree/")
            t = srv.wait_pool(timeout=240)
            print(
                f"  ({srv.name} server: pool filled and quiet {t:.0f} s after it answered"
                + ("; one X-Forwarded-For address per browser context" if srv.learner_addresses else "")
                + ")",
                flush=True,
            )
        yield srv, url
    finally:
        srv.stop()


# ----------------------------------------------------------------------------- browser


class Wire:
    """What one tab fetches, from the DevTools Protocol's Network events; also sets the network profile."""

    def __init__(self, page, profile: str):
        self.cdp = page.context.new_cdp_session(page)
        self.reset()
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.loadingFailed", self._failed)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        self.cdp.send("Network.emulateNetworkConditions", PROFILES[profile])

    def reset(self) -> None:
        self.bytes = 0
        self.requests = 0
        self.failed = 0
        self.cached: set[str] = set()
        self.pending: set[str] = set()
        self.foreign: set[str] = set()
        self.last_event = time.monotonic()

    def _sent(self, e) -> None:
        url = e["request"]["url"]
        if url.startswith(("data:", "blob:")):
            return
        self.last_event = time.monotonic()
        self.requests += 1
        self.pending.add(e["requestId"])
        host = urlsplit(url).hostname or ""
        if host not in ("localhost", "127.0.0.1"):
            self.foreign.add(host)

    def _response(self, e) -> None:
        r = e["response"]
        if r.get("fromDiskCache") or r.get("fromPrefetchCache") or r.get("fromServiceWorker"):
            self.cached.add(e["requestId"])

    def _finished(self, e) -> None:
        self.last_event = time.monotonic()
        self.bytes += e.get("encodedDataLength", 0)
        self.pending.discard(e["requestId"])

    def _failed(self, e) -> None:
        self.last_event = time.monotonic()
        self.failed += 1
        self.pending.discard(e["requestId"])

    def wait_quiet(self, page, quiet: float = 1.0, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.pending and time.monotonic() - self.last_event >= quiet:
                return
            page.wait_for_timeout(200)  # lets Playwright deliver the events

    def figures(self) -> dict:
        return {
            "bytes": self.bytes,
            "requests": self.requests,
            "cached": len(self.cached),
            "failed": self.failed,
            "foreign": sorted(self.foreign),
        }


def new_tab(browser, profile: str, srv=None):
    """A new browser context (a new learner's phone) with one tab, its probes and its network profile."""
    headers = {}
    if srv is not None and srv.learner_addresses:
        headers["X-Forwarded-For"] = f"198.51.100.{next(LEARNERS) % 254 + 1}"
    ctx = browser.new_context(**PHONE, extra_http_headers=headers)
    ctx.add_init_script(PROBES_JS)
    page = ctx.new_page()
    return ctx, page, Wire(page, profile)


def wait_value(page, js: str, deadline: float, arg=None) -> float | None:
    """Poll js (a function returning a number or null) until it returns a number; its value in seconds, or None."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    try:
        return page.wait_for_function(js, arg=arg, polling=100, timeout=left * 1000).json_value() / 1000
    except PlaywrightTimeout:
        return None


def mark(page, name: str, deadline: float) -> float | None:
    """The time a probe of PROBES_JS first held (s since navigation start), waiting for it until deadline."""
    return wait_value(
        page, "(k) => (window.__bench && window.__bench[k] !== undefined) ? window.__bench[k] : null", deadline, name
    )


def screen_text(page) -> str:
    try:
        text = page.evaluate("() => document.body ? document.body.innerText : ''")
    except PlaywrightError:  # a page in the middle of navigating
        return "?"
    return " ".join(text.split())[:100] or "(nothing)"


def visit(page, wire: Wire, url: str, kind: str, timeout: float, lesson: bool = True) -> dict:
    """Load url in the tab and take every figure of the docstring for this kind of page."""
    wire.reset()
    row: dict = {"first": None, "interactive": None, "lesson": None, "note": ""}
    deadline = time.monotonic() + timeout
    try:
        response = page.goto(url, wait_until="commit", timeout=timeout * 1000)
    except PlaywrightError as exc:  # counts as never interactive
        row["note"] = f"navigation failed: {str(exc).splitlines()[0][:120]}"
        row.update(wire.figures())
        return row
    status = response.status if response else 0
    if kind == "static":
        row["first"] = wait_value(page, FCP_JS, deadline)
        row["interactive"] = wait_value(page, LOAD_JS, deadline)
    elif kind == "bare":
        row["first"] = mark(page, "button", deadline)
        row["interactive"] = mark(page, "buttonEnabled", deadline)
    else:
        row["interactive"] = mark(page, "learner", deadline)
        marks = page.evaluate("() => window.__bench || {}")
        seen = {k: marks[k] / 1000 for k in ("helpBar", "home") if marks.get(k) is not None}
        if seen:
            source = min(seen, key=seen.get)
            row["first"], row["first_from"] = seen[source], source
    if row["interactive"] is None:
        row["note"] = f"HTTP {status}; not interactive within {timeout:.0f} s; on screen: {screen_text(page)!r}"
    wire.wait_quiet(page)
    row.update(wire.figures())
    if kind == "app" and lesson and row["interactive"] is not None:
        row["lesson"], note = open_lesson(page)
        row["note"] = note
    return row


def open_lesson(page) -> tuple[float | None, str]:
    label = page.evaluate(FIND_LESSON_BUTTON_JS)
    if not label:
        return None, "no lesson open button found"
    try:
        page.click("[data-bench-open='1']", timeout=LESSON_TIMEOUT * 1000)
    except PlaywrightError as exc:
        return None, f"could not click {label!r}: {type(exc).__name__}"
    shown = mark(page, "lesson", time.monotonic() + LESSON_TIMEOUT)
    clicked = page.evaluate("() => window.__bench.click")
    if shown is None or clicked is None:
        return None, f"lesson not shown within {LESSON_TIMEOUT} s after clicking {label!r}"
    return shown - clicked / 1000, ""


# ----------------------------------------------------------------------------- measurements


def bench_page(browser, kind: str, runs: int) -> dict:
    """{(profile, "cold"|"warm"): [row per run]} for one kind of page."""
    results: dict = {}
    with serve(kind) as (srv, url):
        for run in range(runs):
            for profile in PROFILES:
                ctx, page, wire = new_tab(browser, profile, srv)
                try:
                    for visit_kind in ("cold", "warm"):
                        if kind == "app":
                            srv.wait_pool()
                        row = visit(page, wire, url, kind, PAGE_TIMEOUT)
                        results.setdefault((profile, visit_kind), []).append(row)
                        print(f"  {kind:6} {profile:8} {visit_kind} run {run + 1}: {brief(row)}", flush=True)
                finally:
                    ctx.close()
        problems, settings = srv.problems(), srv.settings()
    for line in settings:
        print(f"  {kind} server: " + line[:200])
    if problems:
        print(f"  {kind} server log, lines about problems ({len(problems)}):")
        for line in problems[:8]:
            print("    " + line[:200])
    return results


def bench_aged(browser, loads: int, aged_wait: float) -> dict:
    """Loads made after the pool kernels have aged past the (shortened) cull timeout; counts blank pages."""
    out = {"loads": [], "log": []}
    with serve("app", AGED_CULL) as (srv, url):
        print(f"  letting the pool kernels age {AGE_FIRST} s (cull timeout 20 s, cull check every 5 s)", flush=True)
        time.sleep(AGE_FIRST)
        for i in range(loads):
            profile = "slow 4G" if i % 2 == 0 else "none"
            ctx, page, wire = new_tab(browser, profile, srv)
            try:
                row = visit(page, wire, url, "app", AGED_TIMEOUT, lesson=False)
            finally:
                ctx.close()
            row["profile"] = profile
            out["loads"].append(row)
            print(
                f"  aged load {i + 1}/{loads} {profile:8}: "
                f"{'BLANK' if row['interactive'] is None else 'ok'}; {brief(row)}",
                flush=True,
            )
            if i + 1 < loads:
                time.sleep(aged_wait)
        out["log"] = srv.problems()
        out["settings"] = srv.settings()
    return out


def brief(row: dict) -> str:
    parts = [
        f"{fmt_bytes(row.get('bytes'))}, {row.get('requests')} requests ({row.get('cached')} from cache)",
        f"first text {fmt_s(row['first'])}",
        f"interactive {fmt_s(row['interactive'])}",
    ]
    if row.get("lesson") is not None:
        parts.append(f"lesson open {fmt_s(row['lesson'])}")
    if row.get("foreign"):
        parts.append(f"blocked hosts {row['foreign']}")
    if row.get("note"):
        parts.append(row["note"])
    return "; ".join(parts)


# ----------------------------------------------------------------------------- output


def fmt_bytes(b) -> str:
    if b is None:
        return "-"
    return f"{b / 1e3:.1f} KB" if b < 1e6 else f"{b / 1e6:.2f} MB"


def fmt_s(t) -> str:
    return "-" if t is None else f"{t:.2f}"


def median_of(rows: list[dict], key: str):
    """Median over the runs that have the figure, with a '!' when some runs never got there."""
    values = [r[key] for r in rows if r.get(key) is not None]
    if not values:
        return None, "never" if key != "lesson" else "-"
    return statistics.median(values), "" if len(values) == len(rows) else "!"


def print_table(results: dict, runs: int) -> None:
    head = (
        f"{'page':7} {'network':8} {'visit':5}  {'over the wire':>13}  {'requests':>8}  {'from cache':>10}  "
        f"{'first text (s)':>14}  {'interactive (s)':>15}  {'lesson open (s)':>15}"
    )
    print(head)
    print("-" * len(head))
    flagged = False
    for kind, by_key in results.items():
        for (profile, visit_kind), rows in by_key.items():
            cells = []
            for key, width, fmt in (
                ("bytes", 13, fmt_bytes),
                ("requests", 8, lambda v: f"{v:.0f}"),
                ("cached", 10, lambda v: f"{v:.0f}"),
                ("first", 14, fmt_s),
                ("interactive", 15, fmt_s),
                ("lesson", 15, fmt_s),
            ):
                value, flag = median_of(rows, key)
                if kind != "app" and key == "lesson":
                    text = ""
                else:
                    text = (fmt(value) if value is not None else "") + flag
                flagged = flagged or flag == "!"
                cells.append(f"{text:>{width}}")
            print((f"{kind:7} {profile:8} {visit_kind:5}  " + "  ".join(cells)).rstrip())
    print(
        f"(medians of {runs} run(s); "
        + ("'!': some runs never got there; " if flagged else "")
        + "'never': not within the time limit)"
    )
    sources = {r.get("first_from") for rows in results.get("app", {}).values() for r in rows} - {None}
    if sources:
        print(
            "app first text came from: "
            + ", ".join(
                {"helpBar": "#cc-help-bar (server-rendered)", "home": ".cc-home (needs the kernel)"}[s]
                for s in sorted(sources)
            )
        )
    if "app" in results and "bare" in results:
        for visit_kind in ("cold", "warm"):
            app, _ = median_of(results["app"].get(("none", visit_kind), []), "interactive")
            bare, _ = median_of(results["bare"].get(("none", visit_kind), []), "interactive")
            if app and bare:
                print(
                    f"ratio app / bare Voila, interactive, no throttling, {visit_kind}: {app / bare:.2f}x "
                    f"({app:.2f} s / {bare:.2f} s)"
                )


def print_aged(aged: dict, aged_wait: float) -> None:
    loads = aged["loads"]
    blank = [r for r in loads if r["interactive"] is None]
    by_profile = {
        p: (sum(1 for r in blank if r["profile"] == p), sum(1 for r in loads if r["profile"] == p)) for p in PROFILES
    }
    print(
        f"blank pages after the pool kernels aged past the cull timeout: {len(blank)} of {len(loads)} "
        f"(" + ", ".join(f"{p}: {b} of {n}" for p, (b, n) in by_profile.items()) + f"); first load after "
        f"{AGE_FIRST} s of quiet, then {aged_wait:.0f} s between loads; blank = not interactive within "
        f"{AGED_TIMEOUT} s"
    )
    for r in blank:
        print(f"  blank ({r['profile']}): {r['note']}")
    for line in aged["settings"]:
        print("server: " + line[:200])
    log = aged["log"]
    counts = {p: sum(p in line for line in log) for p in LOG_PROBLEMS}
    print(
        "server log: " + ", ".join(f"{n} x '{p}'" for p, n in counts.items() if n)
        if log
        else "server log: no lines about culling or missing kernels"
    )
    for line in log[:12]:
        print("  " + line[:220])


def describe_machine() -> str:
    try:
        commit = (
            subprocess.run(
                ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                check=False,
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
            or "?"
        )
    except (OSError, subprocess.TimeoutExpired):
        commit = "?"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; {os.cpu_count()} cores, load {load}; "
        f"commit {commit}; Chromium at 390x844, scale 2, touch"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1, help="runs per page, profile and visit; medians are shown")
    ap.add_argument("--aged-loads", type=int, default=20, help="app loads made after the pool kernels aged")
    ap.add_argument("--aged-wait", type=float, default=25, help="seconds between the aged loads")
    ap.add_argument("--skip-aged", action="store_true", help="leave out the aged loads (blank-page count)")
    ap.add_argument("--only", default="static,bare,app", help="comma-separated pages: static,bare,app")
    ap.add_argument("--keep-logs", type=Path, default=None, help="copy the servers' logs to this folder")
    args = ap.parse_args()
    global KEEP_LOGS
    KEEP_LOGS = args.keep_logs
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    if not kinds or set(kinds) - {"static", "bare", "app"}:
        ap.error("--only takes a comma-separated list of static, bare, app")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the servers are stopped on `kill` too
    print(describe_machine(), flush=True)
    results, aged = {}, None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for kind in ("static", "bare", "app"):
                if kind in kinds:
                    results[kind] = bench_page(browser, kind, args.runs)
            if "app" in kinds and not args.skip_aged and args.aged_loads > 0:
                aged = bench_aged(browser, args.aged_loads, args.aged_wait)
        finally:
            browser.close()
    print()
    print_table(results, args.runs)
    if aged:
        print()
        print_aged(aged, args.aged_wait)


if __name__ == "__main__":
    main()
