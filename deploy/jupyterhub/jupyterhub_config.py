"""JupyterHub: each learner's server is the caregiver course and nothing else (see docs/jupyterhub.md).

The Littlest JupyterHub (one server): copy this file to /opt/tljh/config/jupyterhub_config.d/caregiver.py and
run `sudo tljh-config reload`. Zero to JupyterHub (Kubernetes): the same settings as Helm values (the doc lists
them). A local try-out (`CAREGIVER_HUB_DEMO=1 jupyterhub -f deploy/jupyterhub/jupyterhub_config.py`) adds a
dummy authenticator and a local-process spawner; tests/test_jupyterhub_live.py runs it that way, with its own
ports and files set in a small config file that loads this one first.

Each learner's server is `caregiver-course hub`: the course server (only the course pages, the kernel websocket
guard, no code execution) behind the Hub's login, in place of jupyterhub-singleuser (a full Jupyter server with
JupyterLab, terminals and the contents API). Every server uses one shared store (CAREGIVER_DATABASE_URL:
PostgreSQL) and one hashing key.
"""

import os
import socket
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub provides it)

APP_URL = "/voila/render/course.ipynb"

# --- every learner's server is the course server for that learner alone
c.Spawner.cmd = ["caregiver-course", "hub"]  # on the PATH of the learners' environment
c.Spawner.default_url = APP_URL
c.Spawner.args = [
    # a course kernel left alone goes after 30 minutes (asking "Are you still there?" 10 minutes before), the
    # closed page's after 2; the Hub's culler then stops the idle server
    "--CourseVoila.idle_timeout=1800",
]
c.Spawner.environment = {
    # one store for every learner's server; without it each server would keep its own SQLite file
    "CAREGIVER_DATABASE_URL": os.environ.get("CAREGIVER_DATABASE_URL", ""),
    "CAREGIVER_HASH_KEY": os.environ.get("CAREGIVER_HASH_KEY", ""),  # the same key everywhere
    "CAREGIVER_DATA_DIR": os.environ.get("CAREGIVER_DATA_DIR", "/var/lib/caregiver-course"),
    # the learner is the Hub user (JUPYTERHUB_USER): the same progress on every device, no resume code needed
    "CAREGIVER_IDENTITY": "hub",
}
# Measured under a real Hub (tests/test_jupyterhub_live.py): see docs/jupyterhub.md.
c.Spawner.mem_limit = "320M"  # enforced by TLJH's systemd spawner and KubeSpawner (not by LocalProcessSpawner)
c.Spawner.cpu_limit = 0.5
# A server starts in a few seconds, but a cold start on a busy machine (first imports, the content check) took
# over 30 s, the Hub's default wait: give it two minutes before the Hub gives up on it.
c.Spawner.start_timeout = c.Spawner.http_timeout = 120

# --- idle learners are culled by jupyterhub-idle-culler (TLJH and Z2JH run it already: see the doc)
c.JupyterHub.load_roles = [
    {
        "name": "jupyterhub-idle-culler-role",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["jupyterhub-idle-culler-service"],
    }
]
c.JupyterHub.services = [
    {
        "name": "jupyterhub-idle-culler-service",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=1800", "--cull-every=300"],
    }
]

# --- a local try-out only: anyone may log in with any name, servers are local processes of this user
if os.environ.get("CAREGIVER_HUB_DEMO"):
    c.JupyterHub.authenticator_class = "dummy"  # any name, any password
    if os.environ.get("CAREGIVER_HUB_PASSWORD"):  # any name, this one password (at least 8 characters)
        c.JupyterHub.authenticator_class = "shared-password"  # replaces DummyAuthenticator.password (JupyterHub 5.3)
        c.SharedPasswordAuthenticator.user_password = os.environ["CAREGIVER_HUB_PASSWORD"]
        c.Authenticator.allow_all = True
    c.JupyterHub.spawner_class = "simple"  # jupyterhub.spawner.SimpleLocalProcessSpawner
    c.JupyterHub.bind_url = os.environ.get("CAREGIVER_HUB_URL", "http://127.0.0.1:8000")

    def _free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    # the Hub's own API and the proxy's API on free ports (8081 and 8001 are often taken)
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{_free_port()}"
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_free_port()}"
    # the Hub's files (its database, cookie secret, pid files), the learners' homes and the course's data in one
    # folder outside the repository
    STATE = Path(os.environ.get("CAREGIVER_HUB_STATE", "/tmp/caregiver-hub"))
    (STATE / "homes").mkdir(parents=True, exist_ok=True)
    c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
    c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "homes" / "{username}")
    if "CAREGIVER_DATA_DIR" not in os.environ:
        c.Spawner.environment["CAREGIVER_DATA_DIR"] = str(STATE / "data")
    # the servers find caregiver-course where the Hub was started from
    c.Spawner.environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    # Debian's configurable-http-proxy keeps its modules in /usr/share/nodejs, where only Debian's own node looks
    if Path("/usr/share/nodejs").is_dir():
        os.environ["NODE_PATH"] = os.pathsep.join(filter(None, ["/usr/share/nodejs", os.environ.get("NODE_PATH")]))
