"""``make serve-cluster N=2``: N course processes on this machine behind nginx (Debian's package), one link.

Each process is the usual course server (``python -m caregiver_course serve``) on its own local port, on the
loopback address only (workshop mode too: nginx is the one public door), trusting X-Forwarded-For from the proxy
on loopback only (its client limits then count learners, not the proxy), with its share of the per-client caps.
nginx, configured from ``deploy/nginx.conf.in``, keeps each browser on one process (a cookie of the proxy's,
hashed onto the processes), passes the kernel websockets through, compresses, applies per-client limits and, given a
certificate, serves HTTPS. Every process shares one store: CAREGIVER_DATABASE_URL (PostgreSQL) when it is set,
else the SQLite file in CAREGIVER_DATA_DIR (WAL: processes on this one machine only).

Ctrl-C stops nginx and the processes. This is a launcher for one machine; for many machines run the same
processes and the same nginx config on each (see the README, "Serving many learners").
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from ..content.paths import REPO
from ..ops.checks import check
from ..store import data_dir
from ..workshop.poolstatus import WORKSHOP_POOL
from .kernels import default_max_kernels
from .tls import clinic_certificate

TEMPLATE = REPO / "deploy" / "nginx.conf.in"
DEFAULTS = {
    "PAGE_RATE": "60r/m",  # page loads (kernels) per client address; a workshop room behind one router: 30 at once
    "PAGE_BURST": "40",
    "REQUEST_RATE": "50r/s",  # every request; a first page load is ~95 requests of scripts and styles
    "REQUEST_BURST": "400",
    "CONN_PER_CLIENT": "200",  # open connections per address (websockets included): a room of phones
}


# The servers' per-client caps (CourseVoila's defaults, and `serve --workshop`'s), shared out between the
# processes. A browser without the proxy's cookie is hashed onto a process by a new random id at each request,
# so one address's pages spread over every process: each process allows its share, and the address as a whole
# holds about the cap, not the cap once per process. (A browser with the cookie stays on one process.)
PER_CLIENT = {"max_kernels_per_client": 8, "max_loading_per_client": 2}


def _workshop_caps(pool: int) -> dict[str, int]:
    return {"max_kernels_per_client": max(8, 2 * pool), "max_loading_per_client": max(2, pool)}


def process_command(port: int, processes: int, extra: list[str], environ: dict | None = None) -> list[str]:
    """The command of one course process: on loopback only (nginx is the one public door, even in workshop
    mode), trusting X-Forwarded-For (from nginx on loopback only), with its share of the per-client caps."""
    env = os.environ if environ is None else environ
    workshop = env.get("CAREGIVER_WORKSHOP", "") not in ("", "0", "no")
    caps = dict(_workshop_caps(WORKSHOP_POOL) if workshop else PER_CLIENT)
    rest = []
    for arg in extra:
        name, _, value = arg.removeprefix("--CourseVoila.").partition("=")
        if arg.startswith("--CourseVoila.") and name in caps and value.isdigit():
            caps[name] = int(value)  # the operator's cap, for the whole cluster
        elif not arg.startswith(("--ip", "--Voila.ip", "--ServerApp.ip")):  # never another address
            rest.append(arg)
    cmd = [sys.executable, "-m", "caregiver_course", "serve", f"--port={port}", "--ip=127.0.0.1", "--skip-check"]
    cmd += ["--CourseVoila.trust_forwarded_for=True", *rest]
    cmd += [f"--CourseVoila.{k}={max(1, -(-v // max(1, processes)))}" for k, v in caps.items()]
    return cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        raise SystemExit("nginx is not installed: `apt-get install -y nginx` (make serve-cluster does it).")
    return found


def render(listen: str, ports: list[int], prefix: Path, certfile: str = "", keyfile: str = "", **limits: str) -> str:
    """The nginx configuration for these local ports (the template with its @@marks@@ filled in)."""
    values = dict(DEFAULTS, **{k.upper(): v for k, v in limits.items() if v})
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in ports)
    node_upstreams = "\n".join(
        f"    upstream cc_node_{p} {{\n        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n"
        + "".join(f"        server 127.0.0.1:{q} backup;\n" for q in ports if q != p)
        + "        keepalive 8;\n    }"
        for p in ports
    )
    node_map = "\n".join(f'        "{p}" cc_node_{p};' for p in ports)
    tls = ""
    if certfile:
        listen += " ssl"
        tls = (
            f"        ssl_certificate {certfile};\n        ssl_certificate_key {keyfile or certfile};\n"
            "        ssl_protocols TLSv1.2 TLSv1.3;\n        ssl_session_cache shared:cc_tls:10m;\n"
            "        # plain http:// sent to this HTTPS port: to https:// (nginx's code 497)\n"
            "        error_page 497 =301 https://$host:$server_port/;"
        )
    # As root, the workers run as nobody; nginx makes its temporary folders theirs.
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    text = TEMPLATE.read_text()
    for key, value in {
        **values,
        "PREFIX": str(prefix),
        "USER": user,
        "SERVERS": servers,
        "NODE_UPSTREAMS": node_upstreams,
        "NODE_MAP": node_map,
        "LISTEN": listen,
        "TLS": tls,
        "COOKIE_SECURE": "; Secure" if certfile else "",
        # the clinic's certificate, which browsers trust: tell them to insist on https:// for a year
        "HSTS": "max-age=31536000" if certfile else "",
    }.items():
        text = text.replace(f"@@{key}@@", value)
    if "@@" in text:
        raise ValueError(f"unfilled mark in {TEMPLATE}: {text[text.index('@@') :][:40]}")
    return text


def wait_healthy(url: str, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def _certificate_problems(args) -> str:
    """Certificate paths are taken from where the command was typed (nginx would read them from its own folder)."""
    if not args.certfile:
        return ""

    args.certfile, args.keyfile, problem = clinic_certificate(args.certfile, args.keyfile)
    return problem.replace("PEM file.", "PEM file (CERT=... KEY=...).")


class Labelled:
    """One child process whose output lines go to ours with a label ("[course 8001]"), and which is started
    again if it dies (after a pause that grows while it keeps dying, up to a minute)."""

    def __init__(self, label: str, cmd: list[str], env: dict):
        self.label, self.cmd, self.env = label, cmd, env
        self.proc: subprocess.Popen | None = None
        self.restarts, self.next_start, self.pause = 0, 0.0, 1.0

    def start(self) -> subprocess.Popen:
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
        threading.Thread(target=self._pump, args=(self.proc,), daemon=True).start()
        return self.proc

    def _pump(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            sys.stdout.write(f"[{self.label}] {line}")
            sys.stdout.flush()

    def supervise(self) -> bool:
        """Start it again if it died (True when it did)."""
        if self.proc is None or self.proc.poll() is None:
            return False
        now = time.monotonic()
        if not self.next_start:
            print(f"[cluster] {self.label} stopped (exit {self.proc.returncode}); starting it again", flush=True)
            self.next_start = now + self.pause
            self.pause = min(60.0, self.pause * 2)
            return False
        if now < self.next_start:
            return False
        self.next_start = 0.0
        self.restarts += 1
        self.start()
        return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m caregiver_course.server.cluster", description=__doc__.split("\n")[0])
    ap.add_argument("--processes", "-n", type=int, default=2, help="course processes (default 2)")
    ap.add_argument("--port", type=int, default=8866, help="the one public port (nginx)")
    ap.add_argument("--ip", default="127.0.0.1", help="where nginx listens (0.0.0.0: the whole network)")
    ap.add_argument("--upstream-ports", default="", help="the processes' local ports, comma-separated (default: free)")
    ap.add_argument("--certfile", default="", help="TLS certificate (PEM): serve HTTPS")
    ap.add_argument("--keyfile", default="", help="its private key (PEM)")
    ap.add_argument("--workdir", default="", help="nginx's config, logs and pid (default: <data dir>/cluster)")
    for key in DEFAULTS:
        ap.add_argument(f"--{key.lower().replace('_', '-')}", default="", help=f"edge limit (default {DEFAULTS[key]})")
    ap.add_argument("--production", action="store_true", help="refuse placeholder or unconfirmed clinic values")
    args, extra = ap.parse_known_args(argv)  # anything else goes to every course process (--CourseVoila.x=...)
    problems = _certificate_problems(args)
    if problems:
        print(f"The course was NOT started: {problems}", file=sys.stderr)
        return 1
    if not any(a.startswith("--CourseVoila.max_kernels=") for a in extra):
        # the machine's kernel budget is shared out: N processes must not each promise the whole memory

        extra = [*extra, f"--CourseVoila.max_kernels={max(4, default_max_kernels() // max(1, args.processes))}"]

    env = dict(os.environ)
    env.setdefault("CAREGIVER_DATA_DIR", str(data_dir()))
    workdir = Path(args.workdir or Path(env["CAREGIVER_DATA_DIR"]) / "cluster").resolve()
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)
    ports = [int(p) for p in args.upstream_ports.split(",") if p] or [free_port() for _ in range(args.processes)]
    limits = {k.lower(): getattr(args, k.lower()) for k in DEFAULTS}
    conf = workdir / "nginx.conf"
    conf.write_text(render(f"{args.ip}:{args.port}", ports, workdir, args.certfile, args.keyfile, **limits))
    nginx = nginx_binary()
    subprocess.run([nginx, "-t", "-q", "-p", str(workdir), "-c", str(conf)], check=True)

    if check(None, None, production=args.production) != 0:
        print("\nThe course was NOT started: fix the problems above first.", file=sys.stderr)
        return 1
    courses: list[Labelled] = []
    nginx_proc: list[subprocess.Popen] = []

    def stop(*_):
        procs = [c.proc for c in courses if c.proc is not None] + nginx_proc
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()

    def note_processes():
        # Which process serves which port (for an administrator, and for the tests that stop one).
        (workdir / "processes.txt").write_text("".join(f"{port} {c.proc.pid}\n" for port, c in zip(ports, courses)))

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        for port in ports:
            courses.append(Labelled(f"course {port}", process_command(port, len(ports), extra, env), env))
            courses[-1].start()
        note_processes()
        for port in ports:
            if not wait_healthy(f"http://127.0.0.1:{port}/cc/health", 120):
                raise SystemExit(f"the course process on port {port} did not start")
        nginx_proc.append(subprocess.Popen([nginx, "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"]))
        scheme = "https" if args.certfile else "http"
        print(
            f"Serving the caregiver course on {scheme}://{args.ip}:{args.port}/ through nginx "
            f"({len(ports)} processes on ports {', '.join(map(str, ports))}; config {conf})",
            flush=True,
        )
        # A course process that dies leaves the others serving (nginx sends its learners elsewhere), and is
        # started again; its learners stay where they were moved (the cc_node cookie, see nginx.conf.in).
        while nginx_proc[0].poll() is None:
            if any([c.supervise() for c in courses]):
                note_processes()
            time.sleep(0.5)
        print("nginx stopped; stopping the course processes", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
