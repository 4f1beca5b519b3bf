"""JupyterHub: the caregiver course as what each learner's single-user server opens (see docs/jupyterhub.md).

The Littlest JupyterHub (one server): copy this file to /opt/tljh/config/jupyterhub_config.d/caregiver.py and
run `sudo tljh-config reload`. Zero to JupyterHub (Kubernetes): the same settings as Helm values (the doc lists
them). A local try-out (`CAREGIVER_HUB_DEMO=1 jupyterhub -f deploy/jupyterhub/jupyterhub_config.py`) adds a
dummy authenticator and a local-process spawner; tests/test_jupyterhub_live.py runs it that way, with its own
ports and files set in a small config file that loads this one first.

Each learner gets a single-user Jupyter server running Voila as a server extension, opened at the course page;
every server uses one shared store (CAREGIVER_DATABASE_URL: PostgreSQL) and one hashing key.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub provides it)

# Where the course is installed (its notebooks/ and the package's Voila template).
COURSE = Path(os.environ.get("CAREGIVER_COURSE_DIR", "/opt/caregiver-course"))
PACKAGE = COURSE / "src" / "caregiver_course"
APP_URL = "/voila/render/course.ipynb"

# --- every learner's server opens the course (Voila inside the single-user Jupyter server)
c.Spawner.default_url = APP_URL
c.Spawner.notebook_dir = str(COURSE / "notebooks")
c.Spawner.args = [
    "--VoilaConfiguration.template=caregiver",
    "--VoilaConfiguration.theme=light",
    "--VoilaConfiguration.show_tracebacks=False",
    "--VoilaConfiguration.strip_sources=True",
    "--VoilaExecutor.timeout=60",
    # the learner's own kernel: culled when the page is gone (the Hub's culler then stops the server)
    "--MappingKernelManager.cull_idle_timeout=600",
    "--MappingKernelManager.cull_interval=60",
    # a learner opens the course, never JupyterLab's file browser or a terminal
    "--ServerApp.terminals_enabled=False",
]
c.Spawner.environment = {
    "JUPYTER_PATH": str(PACKAGE),  # the course's Voila template (voila/templates/caregiver)
    # one store for every learner's server; without it each server would keep its own SQLite file
    "CAREGIVER_DATABASE_URL": os.environ.get("CAREGIVER_DATABASE_URL", ""),
    "CAREGIVER_HASH_KEY": os.environ.get("CAREGIVER_HASH_KEY", ""),  # the same key everywhere
    "CAREGIVER_DATA_DIR": os.environ.get("CAREGIVER_DATA_DIR", "/var/lib/caregiver-course"),
    # the learner is the Hub user (JUPYTERHUB_USER): the same progress on every device, no resume code needed
    "CAREGIVER_IDENTITY": "hub",
}
# Measured under a real Hub (tests/test_jupyterhub_live.py): the single-user server ~161 MiB after serving the
# page, a course kernel 73-82 MiB. 320 MiB leaves room for both and for a reload's second kernel for a while.
c.Spawner.mem_limit = "320M"  # enforced by TLJH's systemd spawner and KubeSpawner (not by LocalProcessSpawner)
c.Spawner.cpu_limit = 0.5

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
    c.Spawner.environment["PATH"] = os.environ.get("PATH", "")
    c.SimpleLocalProcessSpawner.home_dir_template = os.environ.get(
        "CAREGIVER_HUB_HOMES", "/tmp/caregiver-hub/{username}"
    )
