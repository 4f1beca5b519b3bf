"""Make a PDF in a short-lived process, so a learner's kernel never keeps the PDF library's memory.

Importing fpdf2 loads Pillow and fontTools: about 30 MiB that a kernel would keep until the page closes
(measured: 48 -> 84 MiB). The kernel sends the request as JSON on stdin (a typed name too: it is never on
a command line and never written to disk) and reads the file from stdout. The worker reads the same
content files as the kernel (data/, or CAREGIVER_CONTENT_DIR).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys

log = logging.getLogger("caregiver_course")
TIMEOUT = 90  # seconds; a PDF takes well under a second once the library is loaded


class WorkerError(RuntimeError):
    pass


def make(kind: str, **payload) -> bytes:
    """The file of this kind (plan, card, journal, certificate), made in a child process."""
    request = json.dumps({"kind": kind, **payload}, default=str).encode()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "caregiver_course.toolkit.worker"],
            input=request,
            capture_output=True,
            timeout=TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WorkerError(f"the file worker did not finish: {exc}") from exc
    if proc.returncode != 0 or not proc.stdout:
        log.warning("file worker failed (%s): %s", kind, proc.stderr.decode(errors="replace")[-2000:])
        raise WorkerError(f"the file worker failed for {kind}")
    return proc.stdout


def _build(req: dict) -> bytes:
    from .. import content as content_mod

    c = content_mod.get()
    kind = req["kind"]
    if kind == "plan":
        from .plan import plan_pdf

        checked = {k: set(v) for k, v in req["checked"].items()}
        sessions = [dt.datetime.fromisoformat(s) for s in req["sessions"]]
        return plan_pdf(c, checked, sessions)
    if kind == "card":
        from .triage_card import card_pdf

        return card_pdf(c, req["url"], req["size"])
    if kind == "journal":
        from .journal import export_pdf

        return export_pdf(req["entries"], c)
    if kind == "certificate":
        from .certificate import LessonLine, certificate_pdf

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
