"""Several course processes behind nginx (``make serve-cluster``): a page and its kernel stay on one process.

The cluster is the one a clinic starts (caregiver_course/server/cluster.py with deploy/nginx.conf.in), with two
processes on free ports. Each try is a new browser (an empty cookie jar): it loads the course page through the
proxy, then asks through the proxy, with the cookie the proxy gave it, for its kernel's status (/cc/kernel/<id>)
and opens its kernel websocket. Which process holds the kernel is asked of each process directly.
"""

from __future__ import annotations

import http.cookiejar
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from security.attack import V1, kernel_id_of, run

from caregiver_course.server.cluster import free_port, render

REPO = Path(__file__).resolve().parents[1]
APP = "/voila/render/course.ipynb"
TRIES = 12


class Cluster:
    def __init__(self, tmp: Path, env: dict | None = None):
        self.port = free_port()
        self.ups = [free_port(), free_port()]
        self.url = f"http://127.0.0.1:{self.port}"
        self.work = tmp / "nginx"
        self.log = open(tmp / "cluster.log", "w")
        extra_env = env or {}
        env = dict(os.environ, CAREGIVER_DATA_DIR=str(tmp / "data"))
        env.pop("CAREGIVER_DATABASE_URL", None)  # by default one SQLite file shared by both processes (one machine)
        env.update(extra_env)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "caregiver_course.server.cluster", "--processes", "2", f"--port={self.port}",
             f"--upstream-ports={self.ups[0]},{self.ups[1]}", f"--workdir={self.work}",
             # every try comes from 127.0.0.1: let one address hold all the test's kernels
             "--CourseVoila.max_kernels_per_client=100", "--CourseVoila.max_loading_per_client=4"],
            cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the cluster stopped: {(tmp / 'cluster.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/cc/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("the cluster did not start in time")

    def pids(self) -> dict[int, int]:
        lines = (self.work / "processes.txt").read_text().split("\n")
        return {int(port): int(pid) for port, pid in (line.split() for line in lines if line)}

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.stop()


def status(url: str, opener=None, headers=None) -> int:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=60) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except urllib.error.URLError:  # nothing listens there (a process that was killed)
        return 0


def owner(cluster: Cluster, kernel_id: str) -> int:
    """The port of the process that holds this kernel (asked of each process directly)."""
    found = [p for p in cluster.ups if status(f"http://127.0.0.1:{p}/cc/kernel/{kernel_id}") == 200]
    assert len(found) == 1, f"kernel {kernel_id} held by {found}"
    return found[0]


async def open_websocket(cluster: Cluster, kernel_id: str, cookie: str) -> bool:
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    req = HTTPRequest(
        f"ws://127.0.0.1:{cluster.port}/api/kernels/{kernel_id}/channels?session_id=t{time.time_ns()}",
        headers={"Cookie": cookie},
        request_timeout=30,
    )
    try:
        ws = await websocket_connect(req, subprotocols=[V1])
    except HTTPClientError:
        return False
    ws.close()
    return True


def new_browser():
    jar = http.cookiejar.CookieJar()
    return jar, urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def load_page(cluster: Cluster):
    jar, opener = new_browser()
    with opener.open(cluster.url + APP, timeout=120) as r:
        assert r.status == 200
        page = r.read().decode()
    kernel_id = kernel_id_of(page)
    cookies = {c.name: c.value for c in jar}
    assert kernel_id and "cc_upstream" in cookies and "cc_node" in cookies, cookies
    opener.jar = jar
    return opener, kernel_id, cookie_header(jar)


def cookie_header(jar) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def test_a_page_and_its_kernel_stay_on_one_process_and_both_processes_serve(cluster):
    seen = []
    for _ in range(TRIES):
        opener, kernel_id, cookie = load_page(cluster)
        seen.append(owner(cluster, kernel_id))
        # The page's status checks and its websocket, through the proxy with the proxy's cookie, reach the
        # process that holds the kernel (any other process answers 410 / refuses the websocket).
        assert [status(f"{cluster.url}/cc/kernel/{kernel_id}", opener) for _ in range(5)] == [200] * 5
        assert run(open_websocket(cluster, kernel_id, cookie), timeout=60)
    counts = {p: seen.count(p) for p in cluster.ups}
    print(f"pages per process over {TRIES} new browsers: {counts}")
    assert all(counts.values()), f"one process got no page: {counts}"


def test_without_the_cookie_half_the_requests_would_miss(cluster):
    """Why stickiness is needed: another process does not know the kernel (so plain round robin breaks pages)."""
    _, kernel_id, _ = load_page(cluster)
    other = next(p for p in cluster.ups if p != owner(cluster, kernel_id))
    assert status(f"http://127.0.0.1:{other}/cc/kernel/{kernel_id}") == 410


def test_the_proxy_compresses_and_passes_the_client_address(cluster):
    req_headers = {"Accept-Encoding": "gzip"}
    opener, kernel_id, _ = load_page(cluster)
    with opener.open(urllib.request.Request(cluster.url + APP, headers=req_headers), timeout=120) as r:
        assert r.headers.get("Content-Encoding") == "gzip"
    log = (cluster.work / "access.log").read_text()
    assert "GET /voila/render/course.ipynb" in log


def test_a_killed_process_sends_its_learners_to_the_other(cluster):
    """kill -9 one process: its learner's status check says the kernel is gone (the page shows "reconnect"),
    and a reload, with the same cookie, lands on the process still running and gets a new kernel there."""
    opener, kernel_id, cookie = load_page(cluster)
    dead = owner(cluster, kernel_id)
    assert f"cc_node={dead}" in cookie  # the cookie names the process that served the page
    old_pid = cluster.pids()[dead]
    os.kill(old_pid, signal.SIGKILL)
    time.sleep(1)
    assert status(f"{cluster.url}/cc/kernel/{kernel_id}", opener) == 410
    with opener.open(cluster.url + APP, timeout=120) as r:
        assert r.status == 200
        again = kernel_id_of(r.read().decode())
    alive = next(p for p in cluster.ups if p != dead)
    assert status(f"http://127.0.0.1:{alive}/cc/kernel/{again}") == 200
    cookie = cookie_header(opener.jar)
    assert f"cc_node={alive}" in cookie  # the learner now belongs to the process that took them over
    assert [status(f"{cluster.url}/cc/kernel/{again}", opener) for _ in range(3)] == [200] * 3
    assert run(open_websocket(cluster, again, cookie), timeout=60)

    # the launcher starts the dead process again (a new pid, healthy on its port) ...
    deadline = time.time() + 150
    while time.time() < deadline and not (
        cluster.pids().get(dead) not in (None, old_pid) and status(f"http://127.0.0.1:{dead}/cc/health") == 200
    ):
        time.sleep(1)
    assert cluster.pids()[dead] != old_pid and status(f"http://127.0.0.1:{dead}/cc/health") == 200
    # ... and the learner is not bounced back to it: every request still reaches their kernel
    for _ in range(10):
        assert status(f"{cluster.url}/cc/kernel/{again}", opener) == 200
        time.sleep(0.5)
    assert run(open_websocket(cluster, again, cookie_header(opener.jar)), timeout=60)
    log = (cluster.work.parent / "cluster.log").read_text()
    assert f"[cluster] course {dead} stopped" in log and f"[course {alive}] " in log  # every line says whose it is


def test_relative_certificate_paths_work_and_a_missing_one_is_explained(tmp_path):
    """CERT=cert.pem KEY=key.pem as the README writes it: relative to where the command is typed."""
    from types import SimpleNamespace

    from caregiver_course.server.cluster import _certificate_problems

    (tmp_path / "cert.pem").write_text("x")
    (tmp_path / "key.pem").write_text("x")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        args = SimpleNamespace(certfile="cert.pem", keyfile="key.pem")
        assert _certificate_problems(args) == ""
        assert args.certfile == str(tmp_path / "cert.pem") and args.keyfile == str(tmp_path / "key.pem")
        missing = SimpleNamespace(certfile="nope.pem", keyfile="")
        assert "does not exist" in _certificate_problems(missing)
    finally:
        os.chdir(here)
    done = subprocess.run(
        [sys.executable, "-m", "caregiver_course.server.cluster", "--certfile", "nope.pem", f"--workdir={tmp_path}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_the_config_takes_a_certificate_and_nginx_accepts_it(tmp_path):
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
         "-subj", "/CN=localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    (tmp_path / "tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(render("127.0.0.1:8443", [9001, 9002], tmp_path, str(cert), str(key)))
    text = conf.read_text()
    assert "listen 127.0.0.1:8443 ssl;" in text and "; Secure" in text and "hash $cc_route consistent" in text
    assert "upstream cc_node_9001" in text and "server 127.0.0.1:9002 backup;" in text
    assert "error_page 497 =301 https://$host:$server_port/;" in text
    assert 'add_header Strict-Transport-Security "max-age=31536000" always;' in text
    plain = render("127.0.0.1:8080", [9001, 9002], tmp_path)
    assert "error_page 497" not in plain and 'Strict-Transport-Security "" always' in plain
    from caregiver_course.server.cluster import nginx_binary

    r = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # started for real: plain http:// to the HTTPS port is sent to https://, and HTTPS answers carry HSTS
    import http.client
    import ssl

    port = free_port()
    conf.write_text(render(f"127.0.0.1:{port}", [free_port(), free_port()], tmp_path, str(cert), str(key)))
    nginx = subprocess.Popen([nginx_binary(), "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"])
    try:
        deadline = time.time() + 30
        while True:
            try:
                plain = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                plain.request("GET", "/voila/render/course.ipynb", headers={"Host": f"127.0.0.1:{port}"})
                moved = plain.getresponse()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        assert moved.status == 301 and moved.getheader("Location") == f"https://127.0.0.1:{port}/"
        secure = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=ssl._create_unverified_context())
        secure.request("GET", "/cc/health")
        answer = secure.getresponse()  # no course process behind it in this test: 502, with HSTS all the same
        assert answer.getheader("Strict-Transport-Security") == "max-age=31536000"
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
