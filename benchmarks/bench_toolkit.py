"""Kernel memory of the take-home tools (issue 11): a bare Voila kernel against an app kernel with the
observation journal open (chart drawn), then after making each file. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_toolkit.py

The target (issue 11): the kernel with the journal open stays within 1.5x a bare Voila kernel. The app's
page is opened in Chromium at 390x844; 30 days of journal entries are written to the store first, so the
chart has something to draw. Kernels are found as descendants of each server process (not every kernel on
the machine), and a page's kernel is the one that grew.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_app as B  # noqa: E402


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            pass
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kernels(srv) -> dict[int, float]:
    pids = [p for p in descendants(srv.proc.pid) if "ipykernel" in _cmdline(p)]
    return {p: B.rss_mib(p) for p in pids}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def quiet(srv, timeout: float = 120) -> None:
    """Wait until the server's kernels stop using CPU (the start page prepares the next lesson after a load)."""
    t0, last = time.time(), B.cpu_seconds(list(kernels(srv)))
    while time.time() - t0 < timeout:
        time.sleep(2)
        now = B.cpu_seconds(list(kernels(srv)))
        if now - last < 0.1:
            return
        last = now


def direct_kernels() -> dict[str, float]:
    """The same comparison in kernels started directly (jupyter_client, no server): a bare kernel showing one
    button, then the app, then the journal with 30 entries and its chart, then after making each file."""
    import tempfile

    from jupyter_client.manager import start_new_kernel

    out = {}
    data = tempfile.mkdtemp(prefix="bench-toolkit-data-")
    from caregiver_course.store import Store

    Store(Path(data) / "course.sqlite3")  # made first, as the course server does before its kernels start
    km, kc = start_new_kernel(kernel_name="python3", env=dict(os.environ, CAREGIVER_DATA_DIR=data))
    pid = km.provisioner.process.pid

    def run(name: str, code: str) -> None:
        kc.execute_interactive(code, timeout=180, output_hook=lambda m: None)
        time.sleep(1)
        out[name] = B.rss_mib(pid)

    try:
        run("direct: bare kernel, one button (MiB)", "import ipywidgets as w; display(w.Button(description='x'))")
        run(
            "direct: app, start page (MiB)", "import caregiver_course.ui.app as A; a = A.CourseApp(); display(a.widget)"
        )
        run(
            "direct: journal open, 30 entries, chart (MiB)",
            "import datetime as dt\na._on_hello({'token': ''})\nlid = a.session.learner.id\n"
            "a.store.set_journal_on(lid, True)\nfor i in range(30):\n"
            "    a.store.add_journal_entry(lid, (dt.date.today() - dt.timedelta(days=i)).isoformat(), "
            "{'mood': 1 + i % 5, 'sleep': 6 + i % 3, 'effects': ['nausea'] if i % 4 == 0 else [], "
            "'session': i % 4 == 0, 'note': 'a note'})\na.show_journal()",
        )
        run(
            "direct: after making every file (MiB)",
            "from caregiver_course.ui.widgets import Download\n"
            "def downloads(x):\n    stack, found = [x], []\n    while stack:\n        y = stack.pop()\n"
            "        found += [y] if isinstance(y, Download) else []\n"
            "        stack += list(getattr(y, 'children', ()) or ())\n    return found\n"
            "for d in downloads(a.journal.widget) + downloads(a.home.widget):\n"
            "    d.send = lambda msg, buffers=None: None\n    d._message({'event': d.action})",
        )
    finally:
        km.shutdown_kernel(now=True)
    return out


def bare_kernel(browser) -> float:
    srv, url = B.bare_server()
    try:
        ctx = browser.new_context(viewport={"width": 390, "height": 844})
        page = ctx.new_page()
        page.goto(url + "/")
        page.wait_for_selector(".widget-button", timeout=120_000)
        page.click(".widget-button")
        page.wait_for_function("() => document.querySelector('.widget-button').textContent.includes('Pressed')")
        time.sleep(2)
        rss = max(kernels(srv).values())
        ctx.close()
        return rss
    finally:
        srv.stop()


def app_kernel(browser, tmp: Path) -> dict[str, float]:
    srv, url = B.app_server()
    out: dict[str, float] = {}
    try:
        srv.wait_quiet()
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
        page = ctx.new_page()
        page.goto(url + B.APP)
        page.wait_for_function(
            "() => { const e = document.querySelector('.cc-resume-code');"
            " return e && !e.textContent.includes('being made'); }",
            timeout=120_000,
        )
        quiet(srv)
        before = kernels(srv)
        cpu_before = {p: B.cpu_seconds([p]) for p in before}

        from caregiver_course.store import Store

        store = Store(srv.tmp / "data" / "course.sqlite3")
        learner = store.by_token(page.evaluate("() => localStorage.getItem('caregiver-course-learner')"))
        store.set_journal_on(learner.id, True)
        today = dt.date.today()
        for i in range(30):
            day = today - dt.timedelta(days=29 - i)
            store.add_journal_entry(
                learner.id,
                day.isoformat(),
                {
                    "mood": 1 + i % 5,
                    "sleep": 5 + i % 4,
                    "effects": ["nausea"] if i % 4 == 0 else [],
                    "session": i % 4 == 0,
                    "note": "a short note",
                },
            )
        page.locator(".cc-dash-top .cc-tools-open").click()  # the tools' own page, then the journal
        page.locator(".cc-journal-open").click()
        page.locator(".cc-journal-chart svg").wait_for(timeout=60_000)
        quiet(srv)
        after = kernels(srv)
        mine = max(after, key=lambda p: B.cpu_seconds([p]) - cpu_before.get(p, 0))  # the kernel that worked
        print(
            "every kernel of the server (MiB), start page / journal open:",
            {p: (round(before.get(p, 0)), round(after[p])) for p in after},
        )
        out["app kernel, start page (MiB)"] = before.get(mine, 0)
        out["app kernel, journal open with chart (MiB)"] = after[mine]
        for label in ("Journal for the care team (PDF)", "Journal entries (CSV)"):
            with page.expect_download(timeout=60_000) as info:
                page.locator("button.cc-download", has_text=label).click()
            info.value.save_as(tmp / info.value.suggested_filename)
        quiet(srv)
        out["app kernel, after the journal PDF (MiB)"] = kernels(srv)[mine]
        page.locator(".cc-topbar .cc-home-button").click()
        page.wait_for_selector(".cc-home")
        quiet(srv)  # the start page prepares the next lesson in the background
        out["app kernel, back on the start page (MiB)"] = kernels(srv)[mine]
        page.locator(".cc-dash-top .cc-tools-open").click()
        for label in ("My support plan (PDF)", "Triage card, wallet size (PDF)", "Triage card, fridge size (PDF)"):
            with page.expect_download(timeout=60_000) as info:
                page.locator("button.cc-download", has_text=label).first.click()
            info.value.save_as(tmp / info.value.suggested_filename)
        quiet(srv)
        out["app kernel, then plan and both cards (MiB)"] = kernels(srv)[mine]
        ctx.close()
        return out
    finally:
        srv.stop()


def main() -> None:
    import tempfile

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-toolkit-"))
    direct = direct_kernels()
    base = direct["direct: bare kernel, one button (MiB)"]
    for name, value in direct.items():
        print(f"{name:44} {value:.0f}  ({value / base:.2f}x bare)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=B.CHROMIUM, args=B.ARGS)
        bare = bare_kernel(browser)
        app = app_kernel(browser, tmp)
        browser.close()
    print(f"{'bare Voila kernel, one button (MiB)':44} {bare:.0f}")
    for name, value in app.items():
        print(f"{name:44} {value:.0f}  ({value / bare:.2f}x bare)")
    target = app["app kernel, journal open with chart (MiB)"] / bare
    print(f"journal open vs bare: {target:.2f}x (target: within 1.5x)")
    for f in sorted(tmp.iterdir()):
        print(f"  {f.name:32} {f.stat().st_size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
