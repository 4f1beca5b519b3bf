"""The JupyterHub recipe run for real: JupyterHub from pip, Debian's configurable-http-proxy, local-process servers.

The Hub reads deploy/jupyterhub/jupyterhub_config.py (with CAREGIVER_HUB_DEMO=1: a shared-password login and
SimpleLocalProcessSpawner) through a small config file that loads it first and then sets only what a test must:
free ports on 127.0.0.1, its files in a temporary folder, and an admin service token to ask the REST API. alice
and bob log in over HTTP at once; each one's server is the course server and nothing else: JupyterLab, the file
tree, terminals, starting a kernel, the contents API and running code in their own course kernel are all refused,
and neither reaches the other's server. Then real browsers log in as both and the course starts for each, keyed
to their Hub names; the servers report activity to the Hub for its idle culler.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from security.attack import V1, connect, header, kernel_id_of, run, v1_frame

from caregiver_course.server.cluster import free_port

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
RECIPE = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
APP = "/voila/render/course.ipynb"
PASSWORD = "course-" + secrets.token_hex(6)
START_WAIT = 180  # seconds for the Hub to answer (65 s seen on a busy machine)
SPAWN_WAIT = 120  # seconds for a learner's server to be ready
LEARNERS = ("alice", "bob")
ACTIVITY_EVERY = 3  # seconds between a server's activity reports (300 in production)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


class Hub:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port, hub_port, proxy_api = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)
        self.data = tmp / "data"
        self.server_pids: list[int] = []
        config = tmp / "jupyterhub_test_config.py"
        config.write_text(
            f"""c = get_config()  # noqa
load_subconfig({str(RECIPE)!r})  # the recipe, then only what this test must change
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api}"
c.ConfigurableHTTPProxy.pid_file = {str(tmp / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{tmp / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(tmp / "cookie_secret")!r}
c.JupyterHub.pid_file = {str(tmp / "jupyterhub.pid")!r}
c.Spawner.start_timeout = c.Spawner.http_timeout = {SPAWN_WAIT}
c.Spawner.environment["JUPYTERHUB_ACTIVITY_INTERVAL"] = "{ACTIVITY_EVERY}"
c.JupyterHub.last_activity_interval = 3600  # the proxy's activity counts only after an hour: only the servers'
c.JupyterHub.services.append({{"name": "caregiver-test", "api_token": {self.token!r}}})
c.JupyterHub.load_roles.append({{
    "name": "caregiver-test-role",
    "scopes": ["admin:users", "admin:servers", "admin:server_state", "list:services", "read:services", "tokens"],
    "services": ["caregiver-test"],
}})
"""
        )
        env = dict(
            os.environ,
            PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
            CAREGIVER_HUB_DEMO="1",
            CAREGIVER_HUB_PASSWORD=PASSWORD,
            CAREGIVER_HUB_URL=self.url,
            CAREGIVER_HUB_STATE=str(tmp / "state"),
            CAREGIVER_DATA_DIR=str(self.data),
            # Debian's configurable-http-proxy keeps its modules in /usr/share/nodejs, where Debian's node looks
            # and a NodeSource node (this machine's) does not
            NODE_PATH=":".join(p for p in ("/usr/share/nodejs", os.environ.get("NODE_PATH", "")) if p),
        )
        for name in ("CAREGIVER_DATABASE_URL", "CAREGIVER_HASH_KEY", "CAREGIVER_IDENTITY", "JUPYTERHUB_USER"):
            env.pop(name, None)  # one SQLite file in the data folder, with its own key
        self.log_path = tmp / "jupyterhub.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
            cwd=tmp, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.wait_for(lambda: self.api("").status_code == 200, START_WAIT, "the Hub did not answer")

    def tail(self) -> str:
        return self.log_path.read_text()[-4000:]

    def wait_for(self, ok, seconds: float, what: str) -> None:
        import requests

        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Hub stopped:\n{self.tail()}")
            try:
                if ok():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{what} within {seconds} s:\n{self.tail()}")

    def api(self, path: str, method: str = "GET", **kwargs):
        import requests

        return requests.request(
            method, f"{self.url}/hub/api{path}", headers={"Authorization": f"token {self.token}"}, timeout=10, **kwargs
        )

    def stop(self) -> None:
        """Stop the learners' servers, then the Hub (and its proxy and culler); kill whatever is left. Bounded."""
        for user in LEARNERS:
            try:
                self.api(f"/users/{user}/server", "DELETE")
            except Exception:
                pass
        pids = [p for pid in self.server_pids for p in (pid, *descendants(pid))]
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:  # the spawner starts each server in a session of its own, kernels too
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


def login(session, hub: Hub, user: str) -> None:
    form = session.get(f"{hub.url}/hub/login", timeout=10)
    xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', form.text).group(1)
    r = session.post(
        f"{hub.url}/hub/login",
        data={"username": user, "password": PASSWORD, "_xsrf": xsrf},
        timeout=30,
        allow_redirects=False,
    )
    assert r.status_code == 302, (r.status_code, r.text[:500])


def kernel_environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode("utf-8", "replace").split("\0") if "=" in item)


def cookie_header(session) -> str:
    """Every cookie the learner's browser holds (the Hub's and their own server's), whatever its path."""
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


async def try_to_run_code(ws_url: str, kernel_id: str, cookies: str) -> list[bytes]:
    """Open the learner's own course kernel as their page does, ask it to run code, then ask for kernel_info.
    Returns every message received until a little after the kernel_info reply."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    req = HTTPRequest(
        f"{ws_url}/api/kernels/{kernel_id}/channels?session_id={secrets.token_hex(8)}",
        headers={"Cookie": cookies},
        request_timeout=20,
    )
    ws = await websocket_connect(req, subprotocols=[V1])
    try:
        code = "import os; print('cc-ran-' + str(6 * 7), os.environ.get('CAREGIVER_DATA_DIR'))"
        for kind, content in (
            ("execute_request", {"code": code, "silent": False}),
            ("inspect_request", {"code": "os"}),
        ):
            ws.write_message(v1_frame("shell", header(kind), content), binary=True)
        ws.write_message(v1_frame("shell", header("kernel_info_request"), {}), binary=True)
        got: list[bytes] = []
        deadline, after = time.time() + 30, None
        while time.time() < (after or deadline):
            try:
                msg = await asyncio.wait_for(ws.read_message(), max(0.1, (after or deadline) - time.time()))
            except asyncio.TimeoutError:
                break
            if msg is None:
                break
            got.append(msg if isinstance(msg, bytes) else msg.encode())
            if b"kernel_info_reply" in got[-1] and after is None:
                after = time.time() + 3  # anything the code printed would be here by now
        return got
    finally:
        ws.close()


def refused_without_login(hub: Hub, user: str, kernel_id: str) -> None:
    import requests

    anon = requests.Session()
    page = anon.get(f"{hub.url}/user/{user}{APP}", timeout=30)
    assert page.url.startswith(f"{hub.url}/hub/login"), page.url  # sent to the Hub's login
    assert "Caregiver course" not in page.text or "kernelId" not in page.text
    for method, path in (("POST", "/api/kernels"), ("GET", f"/cc/kernel/{kernel_id}"), ("GET", "/api/contents")):
        r = anon.request(method, f"{hub.url}/user/{user}{path}", timeout=30, allow_redirects=False)
        assert r.status_code in (302, 403), (method, path, r.status_code)
        assert r.status_code == 403 or "/hub/api/oauth2/authorize" in r.headers["Location"]
    with pytest.raises(Exception) as refused:
        run(connect(hub.url.replace("http", "ws") + f"/user/{user}", kernel_id), timeout=30)
    assert "403" in str(refused.value)


def test_the_recipe_on_a_real_hub_serves_the_course_and_nothing_else(tmp_path, browser):
    import requests

    from caregiver_course.store import Store

    t0 = time.time()
    hub = Hub(tmp_path)
    try:
        started = time.time() - t0
        sessions = {user: requests.Session() for user in LEARNERS}
        for user, s in sessions.items():  # both log in and ask for their servers before either is ready
            login(s, hub, user)
            s.get(f"{hub.url}/hub/spawn", timeout=30, allow_redirects=False)
        servers = {}
        for user in LEARNERS:
            hub.wait_for(lambda u=user: hub.api(f"/users/{u}").json()["servers"][""]["ready"], SPAWN_WAIT, "no server")
            servers[user] = hub.api(f"/users/{user}").json()["servers"][""]
            hub.server_pids.append(int(servers[user]["state"]["pid"]))
            assert servers[user]["url"] == f"/user/{user}/"
        ws_url = hub.url.replace("http://", "ws://")

        kernels = {}
        for user, s in sessions.items():
            base = f"{hub.url}/user/{user}"
            page = s.get(f"{base}/", timeout=120)  # through the Hub's OAuth to the course page
            assert page.status_code == 200 and page.url == f"{base}{APP}", (user, page.url)
            assert "Caregiver course" in page.text and 'data-voila="voila"' in page.text
            assert 'data-idle-seconds="1800"' in page.text  # the course server's help bar, the recipe's idle time
            kernels[user] = kernel_id_of(page.text)
            assert kernels[user]
            pid = int(servers[user]["state"]["pid"])
            before = descendants(pid)
            assert len(before) == 1, "the page's course kernel, and no other"

            xsrf = next((c.value for c in s.cookies if c.name == "_xsrf" and c.path.startswith(f"/user/{user}")), "")
            assert xsrf
            # JupyterLab, the file tree, terminals, starting a kernel, the contents API: none of them is there
            for method, path in (
                ("GET", "/lab"),
                ("GET", "/lab/tree/course.ipynb"),
                ("GET", "/tree"),
                ("GET", "/terminals/1"),
                ("GET", "/api/terminals"),
                ("POST", "/api/terminals"),
                ("POST", "/api/kernels"),
                ("GET", "/api/kernels"),
                ("GET", "/api/sessions"),
                ("POST", "/api/sessions"),
                ("GET", "/api/contents"),
                ("GET", "/api/contents/course.ipynb"),
                ("PUT", "/api/contents/x.ipynb"),
                ("GET", "/files/course.ipynb"),
                ("GET", "/voila/files/course.ipynb"),
                ("GET", "/voila/render/01-understanding.ipynb"),
                ("GET", "/api/kernelspecs"),
            ):
                r = s.request(
                    method,
                    base + path,
                    json={"name": "python3", "path": "x.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
                    headers={"X-XSRFToken": xsrf},  # the server's own xsrf cookie: as a page's script would send
                    timeout=30,
                    allow_redirects=False,
                )
                assert r.status_code in (403, 404, 405), (user, method, path, r.status_code, r.text[:200])
                assert "jupyterlab" not in r.text.lower() and '"content"' not in r.text, (user, path)
            assert descendants(pid) == before, "no kernel was started"

            # Code sent on the learner's own course kernel's websocket is never run; the page's own messages are
            got = run(try_to_run_code(f"{ws_url}/user/{user}", kernels[user], cookie_header(s)), timeout=60)
            assert any(b"kernel_info_reply" in m for m in got), "the socket works for the page's own messages"
            for bad in (b"cc-ran-42", b"execute_reply", b"execute_input", b"inspect_reply", str(hub.data).encode()):
                assert not any(bad in m for m in got), (user, bad)
            env = kernel_environ(before[0])  # what the kernel holds: the store's settings and the learner's name
            assert env["CAREGIVER_IDENTITY"] == "hub" and env["JUPYTERHUB_USER"] == user
            assert "JUPYTERHUB_API_TOKEN" not in env and "JPY_API_TOKEN" not in env

            refused_without_login(hub, user, kernels[user])

        # Neither learner reaches the other's server: not with their browser's cookies, nor with their own token.
        for user, other in (("alice", "bob"), ("bob", "alice")):
            s = sessions[user]
            r = s.get(f"{hub.url}/user/{other}{APP}", timeout=30)
            assert r.status_code == 403 and "kernelId" not in r.text, (user, other, r.status_code, r.url)
            token = hub.api(f"/users/{user}/tokens", "POST", json={"note": "test"}).json()["token"]
            for path in (APP, f"/cc/kernel/{kernels[other]}"):
                r = requests.get(
                    f"{hub.url}/user/{other}{path}",
                    headers={"Authorization": f"token {token}"},
                    timeout=30,
                    allow_redirects=False,
                )
                assert r.status_code == 403, (user, other, path, r.status_code)
            with pytest.raises(Exception) as refused:
                run(try_to_run_code(f"{ws_url}/user/{other}", kernels[other], cookie_header(s)), timeout=60)
            assert "403" in str(refused.value)

        services = hub.api("/services").json()
        culler = services["jupyterhub-idle-culler-service"]
        assert "jupyterhub_idle_culler" in culler["command"] and "--timeout=1800" in culler["command"]
        assert culler["pid"] and Path(f"/proc/{culler['pid']}").exists()  # running, started by the Hub
        reported = {u: hub.api(f"/users/{u}").json()["servers"][""]["last_activity"] for u in LEARNERS}

        # Real browsers, both at once: each logs in and the course starts, for the learner keyed to their Hub name.
        contexts = [browser.new_context() for _ in LEARNERS]
        try:
            tabs = []
            for user, context in zip(LEARNERS, contexts):
                tab = context.new_page()
                tab.goto(f"{hub.url}/hub/login", timeout=60_000)
                tab.fill("input[name=username]", user)
                tab.fill("input[name=password]", PASSWORD)
                tab.click("input[type=submit], button[type=submit]")
                tabs.append(tab)
            for user, tab in zip(LEARNERS, tabs):
                tab.wait_for_selector(".cc-home", timeout=120_000)
                assert tab.url.split("?")[0] == f"{hub.url}/user/{user}{APP}"
                # the page's own status checks (script fetches, as cc-status.js makes them) pass the Hub's login
                kid = kernel_id_of(tab.content())
                statuses = tab.evaluate(
                    """async (url) => [
                        (await fetch(url, {cache: "no-store", credentials: "same-origin"})).status,
                        (await fetch(url, {method: "POST", cache: "no-store", credentials: "same-origin"})).status,
                    ]""",
                    f"/user/{user}/cc/kernel/{kid}",
                )
                assert kid and statuses == [200, 200], (user, kid, statuses)
            store = Store(hub.data / "course.sqlite3")
            deadline = time.time() + 20
            while len(store.learner_ids()) < 2 and time.time() < deadline:
                time.sleep(0.2)
            assert sorted(store.learner_ids()) == sorted(store.hub_learner(u).id for u in LEARNERS)
            data = (hub.data / "course.sqlite3").read_bytes()
            assert b"alice" not in data and b"bob" not in data

            # The servers tell the Hub a learner is at work (what its idle culler reads)
            for user in LEARNERS:
                hub.wait_for(
                    lambda u=user: hub.api(f"/users/{u}").json()["servers"][""]["last_activity"] > reported[u],
                    ACTIVITY_EVERY * 5 + 10,
                    f"no activity reported for {user}",
                )

            sizes = []
            for user in LEARNERS:
                pid = int(servers[user]["state"]["pid"])
                kernel_kib = [rss_kib(k) for k in descendants(pid)]
                sizes.append(
                    f"{user}: server {rss_kib(pid) / 1024:.0f} MiB + {len(kernel_kib)} kernel(s) "
                    f"{', '.join(f'{k / 1024:.0f}' for k in kernel_kib)} MiB"
                )
            print(f"\nJupyterHub: started in {started:.1f} s, whole test {time.time() - t0:.1f} s; " + "; ".join(sizes))
        finally:
            for context in contexts:
                context.close()
    finally:
        hub.stop()
