"""The JupyterHub recipe run for real: JupyterHub from pip, Debian's configurable-http-proxy, local-process servers.

The Hub reads deploy/jupyterhub/jupyterhub_config.py (with CAREGIVER_HUB_DEMO=1: a shared-password login and
SimpleLocalProcessSpawner) through a small config file that loads it first and then sets only what a test must:
free ports on 127.0.0.1, its files in a temporary folder, and an admin service token to ask the REST API. alice
logs in over HTTP, her server opens the course page, and the API shows her server and the idle culler; then a
real browser logs in as alice and the learner in the store is the one keyed to her Hub name.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caregiver_course.server.cluster import free_port

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
RECIPE = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
APP = "/voila/render/course.ipynb"
PASSWORD = "course-" + secrets.token_hex(6)
START_WAIT = 90  # seconds for the Hub to answer
SPAWN_WAIT = 120  # seconds for alice's server to be ready


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
if {os.geteuid() == 0!r}:
    c.Spawner.args.append("--allow-root")  # CI containers run as root
c.JupyterHub.services.append({{"name": "caregiver-test", "api_token": {self.token!r}}})
c.JupyterHub.load_roles.append({{
    "name": "caregiver-test-role",
    "scopes": ["admin:users", "admin:servers", "admin:server_state", "list:services", "read:services"],
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
            CAREGIVER_HUB_HOMES=str(tmp / "homes" / "{username}"),
            CAREGIVER_COURSE_DIR=str(REPO),
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

    def api(self, path: str, method: str = "GET"):
        import requests

        return requests.request(
            method, f"{self.url}/hub/api{path}", headers={"Authorization": f"token {self.token}"}, timeout=10
        )

    def stop(self) -> None:
        """Stop alice's server, then the Hub (and its proxy and culler); kill whatever is left. Bounded in time."""
        try:
            self.api("/users/alice/server", "DELETE")
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


def test_the_recipe_on_a_real_hub_serves_the_course_to_each_learner(tmp_path, browser):
    import requests

    from caregiver_course.store import Store

    t0 = time.time()
    hub = Hub(tmp_path)
    try:
        started = time.time() - t0
        s = requests.Session()
        login(s, hub, "alice")
        s.get(f"{hub.url}/hub/spawn", timeout=30)  # starts alice's server (no options form)
        hub.wait_for(lambda: hub.api("/users/alice").json()["servers"][""]["ready"], SPAWN_WAIT, "no server")
        server = hub.api("/users/alice").json()["servers"][""]
        hub.server_pids.append(int(server["state"]["pid"]))
        assert server["url"] == "/user/alice/"

        page = s.get(f"{hub.url}/user/alice/", timeout=120)  # the server's default URL: the course page
        assert page.status_code == 200 and page.url == f"{hub.url}/user/alice{APP}", page.url
        assert "Caregiver course" in page.text and 'data-voila="voila"' in page.text
        assert "<!--cc-help-bar-->" in page.text  # the course's template (the marker the course server fills)

        services = hub.api("/services").json()
        culler = services["jupyterhub-idle-culler-service"]
        assert "jupyterhub_idle_culler" in culler["command"] and "--timeout=1800" in culler["command"]
        assert culler["pid"] and Path(f"/proc/{culler['pid']}").exists()  # running, started by the Hub

        # A real browser: alice logs in and the course starts; the learner is the one keyed to her Hub name.
        context = browser.new_context()
        try:
            tab = context.new_page()
            tab.goto(f"{hub.url}/hub/login", timeout=60_000)
            tab.fill("input[name=username]", "alice")
            tab.fill("input[name=password]", PASSWORD)
            tab.click("input[type=submit], button[type=submit]")
            tab.wait_for_selector(".cc-home", timeout=120_000)
            assert tab.url.split("?")[0] == f"{hub.url}/user/alice{APP}"
            store = Store(hub.data / "course.sqlite3")
            deadline = time.time() + 20
            while not store.learner_ids() and time.time() < deadline:
                time.sleep(0.2)
            (learner_id,) = store.learner_ids()
            assert store.hub_learner("alice").id == learner_id and store.learner_ids() == [learner_id]
            assert b"alice" not in (hub.data / "course.sqlite3").read_bytes()

            pid = hub.server_pids[0]
            kernels = descendants(pid)
            server_kib, kernel_kib = rss_kib(pid), [rss_kib(k) for k in kernels]
            print(
                f"\nJupyterHub: started in {started:.1f} s, whole test {time.time() - t0:.1f} s; "
                f"alice's single-user server RSS {server_kib / 1024:.0f} MiB, "
                f"its {len(kernels)} kernel process(es) {', '.join(f'{k / 1024:.0f}' for k in kernel_kib)} MiB"
            )
            assert kernels, "the course kernel runs under alice's server"
        finally:
            context.close()
    finally:
        hub.stop()
