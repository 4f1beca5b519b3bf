"""Make a PDF in a short-lived process, so a learner's kernel never keeps the PDF library's memory.

Importing fpdf2 loads Pillow and fontTools: about 30 MiB that a kernel would keep until the page closes
(measured: 48 -> 84 MiB). The kernel sends the request as JSON on stdin (a typed name too: it is never on
a command line and never written to disk) and reads the file from stdout. The worker reads the same
content files as the kernel (data/, or CAREGIVER_CONTENT_DIR).

**A server-wide limit.** Every learner's kernel is a process of its own, so the limit on PDF workers running
at once must be shared between processes: it is a set of slot files in the data folder
(``<data dir>/pdf-slots/slot-N.lock``), each held with ``flock`` while its worker runs. A kernel takes any free
slot, or waits in the queue (checking every 0.1-0.2 s, at most ``QUEUE_WAIT`` seconds) and the learner reads
"your file is being made" (and that it is queued). Why file locks and not a table in the store: the kernel
holds the lock, so the operating system lets go of it the moment a kernel dies (culled, killed, out of
memory), with no lease to expire and no row left behind, and taking one costs no database write. The limit is
per machine, which is what it should be: it protects this machine's cores; in a cluster of machines each has
its own. Workers also run at a lower CPU priority (``nice``), so a page being loaded wins the cores.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from .. import content as content_mod
from ..store import data_dir
from .certificate import LessonLine, certificate_pdf
from .journal import export_pdf
from .plan import plan_pdf
from .triage_card import card_pdf

log = logging.getLogger("caregiver_course")
# A PDF takes a second or two of CPU. A worker gets CPU_LIMIT seconds of CPU (a runaway is stopped by the system)
# and TIMEOUT seconds of wall time: generous, because at its low priority a worker waits while the machine is busy
# with pages, and that wait must not fail the file.
CPU_LIMIT = 60
TIMEOUT = 300
QUEUE_WAIT = 240  # seconds a request may wait for a free slot before the learner is asked to try again
NICE = 10  # added to the worker's niceness: page loads and kernels go first
SLOTS_ENV = "CAREGIVER_PDF_WORKERS"  # how many PDF workers may run at once on this machine
MAKING = "Your file is being made…"  # what the page says when the button is pressed (cc-widgets.js)
QUEUED = "Your file is being made. It is in the queue behind other files: it can take a minute."

# Who to tell while a request waits (set by the download button for the time of one request).
notice: contextvars.ContextVar = contextvars.ContextVar("cc_pdf_notice", default=None)


class WorkerError(RuntimeError):
    pass


class Busy(WorkerError):
    """No slot came free in time: the learner is asked to try again in a minute."""


def slots() -> int:
    """PDF workers allowed at once: CAREGIVER_PDF_WORKERS, else half the machine's cores (at least 1)."""
    raw = os.environ.get(SLOTS_ENV, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return min(int(raw), 64)
    return max(1, (os.cpu_count() or 2) // 2)


def slot_dir() -> Path:
    return data_dir() / "pdf-slots"


def _tell(text: str) -> None:
    say = notice.get()
    if say is not None:
        try:
            say(text)
        except Exception:  # telling must never stop the file
            log.debug("could not tell the learner", exc_info=True)


@contextlib.contextmanager
def slot(wait: float | None = None):
    """Hold one of the machine's PDF slots (a flock on a slot file) for the time of the block."""
    import fcntl

    folder = slot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    n = slots()
    end = time.monotonic() + (QUEUE_WAIT if wait is None else wait)
    queued = False
    while True:
        for i in random.sample(range(n), n):
            fd = os.open(folder / f"slot-{i}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield i
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        if not queued:
            queued = True
            _tell(QUEUED)
        if time.monotonic() > end:
            raise Busy("no PDF slot came free")
        time.sleep(0.1 + random.random() * 0.1)


def _lower_priority() -> None:  # runs in the child just before the worker starts
    import resource

    if NICE:
        os.nice(NICE)
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT, CPU_LIMIT))


def make(kind: str, **payload) -> bytes:
    """The file of this kind (plan, card, journal, certificate), made in a child process."""
    request = json.dumps({"kind": kind, **payload}, default=str).encode()
    with slot():  # the page says "Your file is being made…" already; a wait adds that it is queued
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "caregiver_course.toolkit.worker"],
                input=request,
                capture_output=True,
                timeout=TIMEOUT,
                preexec_fn=_lower_priority,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise WorkerError(f"the file worker did not finish: {exc}") from exc
    if proc.returncode != 0 or not proc.stdout:
        log.warning("file worker failed (%s): %s", kind, proc.stderr.decode(errors="replace")[-2000:])
        raise WorkerError(f"the file worker failed for {kind}")
    return proc.stdout


def _build(req: dict) -> bytes:
    c = content_mod.get()
    kind = req["kind"]
    if kind == "plan":
        checked = {k: set(v) for k, v in req["checked"].items()}
        sessions = [dt.datetime.fromisoformat(s) for s in req["sessions"]]
        return plan_pdf(c, checked, sessions)
    if kind == "card":
        return card_pdf(c, req["url"], req["size"])
    if kind == "journal":
        return export_pdf(req["entries"], c)
    if kind == "certificate":
        lines = [LessonLine(**{**x, "key_points": tuple(x["key_points"])}) for x in req["lines"]]
        return certificate_pdf(c, lines, req["code"], dt.date.fromisoformat(req["day"]), name=req.get("name", ""))
    raise ValueError(f"unknown kind {kind!r}")


def main() -> int:
    req = json.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(_build(req))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
