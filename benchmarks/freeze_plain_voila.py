"""Shows the server-freeze attack on a PLAIN Voila server (Voila's defaults, one-button notebook), so the
attack test (tests/security/test_server_attacks.py) is known to aim at the real thing.

Not part of the test suite: the frozen server pins a core until it is killed. This script kills it with
SIGKILL after measuring, and only ever talks to 127.0.0.1. Prints figures, exit 0 whether or not it froze.

    .venv/bin/python benchmarks/freeze_plain_voila.py [--course-server]

With --course-server the same attack is aimed at the course's own server instead (it should not freeze).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from security.attack import HealthWatch, connect, fetch, image_comm_open, kernel_id_of  # noqa: E402

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": "import ipywidgets as w\nw.Button(description='Hello')",
        }
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def legacy(msg_type: str, content: dict) -> str:
    """A message in the legacy (pre-v1) kernel websocket format: JSON text with its channel."""
    return json.dumps(
        {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "msg_type": msg_type,
                "username": "x",
                "session": uuid.uuid4().hex,
                "date": "2026-01-01T00:00:00Z",
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": "shell",
        }
    )


async def attack(ws_base: str, kernel_id: str) -> str:
    try:
        ws = await connect(ws_base, kernel_id, protocols=())
    except Exception as exc:
        return f"refused ({type(exc).__name__}: {exc})"
    _, content = image_comm_open("freeze-1")  # the same client-made Image model the attack tests send
    content["data"]["buffer_paths"] = []  # legacy text frames carry no buffers; the kernel's reply will
    msg = json.loads(legacy("comm_open", content))
    msg["metadata"] = {"version": "2.1.0"}  # the widget protocol version the kernel expects
    ws.write_message(json.dumps(msg))
    ws.write_message(legacy("comm_msg", {"comm_id": "freeze-1", "data": {"method": "request_state"}}))
    got = []
    try:
        while True:
            msg = await asyncio.wait_for(ws.read_message(), 3)
            if msg is None:
                break
            got.append(
                type(msg).__name__
                + ":"
                + (msg[:80].hex() if isinstance(msg, bytes) else (msg[-700:] if '"stream"' in msg[:200] else msg[:120]))
            )
    except asyncio.TimeoutError:
        pass
    return "sent; got " + " | ".join(got)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course-server", action="store_true", help="attack the course's server instead")
    parser.add_argument("--watch", type=float, default=10.0, help="seconds to watch the server after the attack")
    args = parser.parse_args()
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="freeze-"))
    log = open(tmp / "server.log", "w")
    if args.course_server:
        cmd = [sys.executable, "-m", "caregiver_course", "serve", f"--port={port}"]
        cwd, page, health = REPO, "/voila/render/course.ipynb", "/cc/health"
        env = dict(os.environ, CAREGIVER_DATA_DIR=str(tmp / "data"))
    else:
        (tmp / "one.ipynb").write_text(json.dumps(NOTEBOOK))
        cmd = [str(Path(sys.executable).parent / "voila"), "one.ipynb", f"--port={port}", "--no-browser"]
        cwd, page, health = tmp, "/", "/voila/static/voila.js"
        env = dict(os.environ)
    server = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(url + health, timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        time.sleep(3 if not args.course_server else 20)
        status, html, _ = fetch(url + page, timeout=120)
        kernel_id = kernel_id_of(html)
        print(f"server: {'course server' if args.course_server else 'plain Voila'}; page {status}, kernel {kernel_id}")
        with HealthWatch(url + health, every=0.5, timeout=2.0) as watch:
            outcome = asyncio.run(attack(url.replace("http://", "ws://"), kernel_id))
            time.sleep(args.watch)
        with open(f"/proc/{server.pid}/status") as f:
            rss = next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS:"))
        print(f"attack: {outcome}")
        print(
            f"health checks: {watch.samples}, failed (no answer in 2 s): {watch.failures}, "
            f"slowest {watch.worst:.2f} s; server memory {rss} MiB"
        )
        print("FROZE" if watch.failures else "kept answering")
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
