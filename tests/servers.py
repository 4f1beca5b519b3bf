"""The tests' servers and machine load, in one place: a free port, the course's Voila server (the README's serve
command on a free port with a temporary data directory) and the busy loops that load the CPU on purpose.

Used by tests/browser (its `server` fixture and the servers of single tests) and tests/security. Every server
takes a port the system says is free, so the tests can run side by side (`make test` runs them with
pytest-xdist); if another process takes the port in the moment between, the server is started again on another.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP_PATH = "/voila/render/course.ipynb"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VoilaServer:
    wait_for_pool = True  # ready once the kernel pool is filled (False: as soon as it answers)

    def __init__(self, tmp: Path, extra_args=(), env=None):
        self.data_dir = tmp / "data-dir"
        self.log_path = tmp / "voila.log"
        self.extra_args, self.env = (
            list(extra_args),
            dict(os.environ, CAREGIVER_DATA_DIR=str(self.data_dir), **(env or {})),
        )
        for attempt in range(3):
            self.start()
            try:
                self.wait_ready()
                return
            except PortTaken:
                self.log.close()
                if attempt == 2:
                    raise

    def start(self) -> None:
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "caregiver_course",
                "serve",
                f"--port={self.port}",
                "--Voila.port_retries=0",  # this port or none (never the next one, which another test may hold)
                *self.extra_args,
            ],
            cwd=REPO,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                if "already in use" in self.log_path.read_text() or "Errno 98" in self.log_path.read_text():
                    raise PortTaken(self.port)
                raise RuntimeError(f"Voila exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/cc/health", timeout=2) as r:
                    filled = "Kernel pool of course.ipynb is filled" in self.log_path.read_text()
                    if r.status == 200 and (filled or not self.wait_for_pool):
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("Voila did not start in time")

    def logs(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, 9)
        self.log.close()


class PortTaken(RuntimeError):
    """Another process took the free port before the server bound it."""


# The browser tests open many pages from one address (127.0.0.1) in one server; the per-client kernel cap is
# raised for them. The security tests (tests/security) run servers with the shipped defaults.
MANY_PAGES = (
    "--CourseVoila.max_kernels_per_client=500",
    "--CourseVoila.max_kernels_per_address=500",  # every test's browser is at 127.0.0.1 (the ceiling is 40)
    "--CourseVoila.max_kernels=500",
)

LOOPS_PER_CORE = 3
BURN_SECONDS = 900  # the burners' own limit: they stop by themselves even if the test is killed


class Burners:
    """Busy loops (three per core by default), each bounded by `timeout`, each in its own process group.
    Tests that use them are marked `serial`: `make test` runs them alone, after the parallel phase."""

    def __init__(self, per_core: int = LOOPS_PER_CORE):
        self.procs = []
        for _ in range(per_core * (os.cpu_count() or 1)):
            self.procs.append(
                subprocess.Popen(
                    ["timeout", str(BURN_SECONDS), sys.executable, "-c", "while True: pass"],
                    start_new_session=True,
                )
            )

    def stop(self):
        for p in self.procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in self.procs:
            p.wait(timeout=10)
