"""The JupyterHub recipe (deploy/jupyterhub/jupyterhub_config.py) read as JupyterHub reads it, with a real traitlets
Config in place of the Hub: it opens the course page, points at files that exist, passes only settings that the
single-user server's classes have, and lets jupyterhub-idle-culler cull with the scopes it needs."""

from __future__ import annotations

import importlib
from pathlib import Path

from traitlets.config import Config

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"


def load(monkeypatch, **env) -> Config:
    monkeypatch.setenv("CAREGIVER_COURSE_DIR", str(REPO))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    c = Config()
    code = compile(CONFIG.read_text(), str(CONFIG), "exec")
    exec(code, {"get_config": lambda: c, "__file__": str(CONFIG)})
    return c


def test_each_learner_server_opens_the_course(monkeypatch):
    from caregiver_course.server.app import APP_NOTEBOOK

    c = load(monkeypatch, CAREGIVER_DATABASE_URL="postgresql+psycopg://course@db/course")
    assert c.Spawner.default_url == f"/voila/render/{APP_NOTEBOOK}"
    assert (Path(c.Spawner.notebook_dir) / APP_NOTEBOOK).exists()
    template = Path(c.Spawner.environment["JUPYTER_PATH"]) / "voila" / "templates" / "caregiver"
    assert (template / "index.html.j2").exists()
    assert c.Spawner.environment["CAREGIVER_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert c.Spawner.mem_limit == "320M"
    assert c.Spawner.environment["CAREGIVER_IDENTITY"] == "hub"  # the learner is the Hub user


def test_every_server_setting_names_a_real_option():
    """A misspelt option would be ignored silently by the single-user server: each must exist."""
    classes = {
        "VoilaConfiguration": ("voila.configuration", "VoilaConfiguration"),
        "VoilaExecutor": ("voila.execute", "VoilaExecutor"),
        "MappingKernelManager": ("jupyter_server.services.kernels.kernelmanager", "MappingKernelManager"),
        "ServerApp": ("jupyter_server.serverapp", "ServerApp"),
    }
    c = Config()
    exec(compile(CONFIG.read_text(), str(CONFIG), "exec"), {"get_config": lambda: c})
    assert c.Spawner.args
    for arg in c.Spawner.args:
        name, _, value = arg.removeprefix("--").partition("=")
        cls_name, trait = name.split(".")
        module, attr = classes[cls_name]
        cls = getattr(importlib.import_module(module), attr)
        assert trait in cls.class_traits(config=True), f"{arg}: {cls_name} has no option {trait}"
        assert value


def test_idle_learners_are_culled_by_the_hub_culler(monkeypatch):
    c = load(monkeypatch)
    (service,) = c.JupyterHub.services
    assert service["command"][1:3] == ["-m", "jupyterhub_idle_culler"] and "--timeout=1800" in service["command"]
    (role,) = c.JupyterHub.load_roles
    assert role["services"] == [service["name"]]
    assert {"list:users", "read:users:activity", "read:servers", "delete:servers"} <= set(role["scopes"])


def test_the_local_try_out_uses_a_dummy_login_and_local_processes(monkeypatch):
    assert "authenticator_class" not in load(monkeypatch).JupyterHub
    c = load(monkeypatch, CAREGIVER_HUB_DEMO="1")
    assert c.JupyterHub.authenticator_class == "dummy" and c.JupyterHub.spawner_class == "simple"
    c = load(monkeypatch, CAREGIVER_HUB_DEMO="1", CAREGIVER_HUB_PASSWORD="a-test-password")
    assert c.JupyterHub.authenticator_class == "shared-password" and c.Authenticator.allow_all
