"""The JupyterHub recipe (deploy/jupyterhub/jupyterhub_config.py) read as JupyterHub reads it, with a real traitlets
Config in place of the Hub: each learner's server is the course server (`caregiver-course hub`), the recipe passes
only settings the course server has, and jupyterhub-idle-culler culls with the scopes it needs. And the course
server under a Hub (server/hub.py): where it listens, which handlers need the Hub user, what kernels inherit."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest
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


def test_each_learner_server_is_the_course_server(monkeypatch):
    import sys

    from caregiver_course.server.app import APP_NOTEBOOK

    c = load(monkeypatch, CAREGIVER_DATABASE_URL="postgresql+psycopg://course@db/course")
    assert c.Spawner.cmd == ["caregiver-course", "hub"]  # not jupyterhub-singleuser
    assert (Path(sys.executable).parent / "caregiver-course").exists()  # the package's own command
    assert c.Spawner.default_url == f"/voila/render/{APP_NOTEBOOK}"
    assert c.Spawner.environment["CAREGIVER_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert c.Spawner.mem_limit == "320M"
    assert c.Spawner.environment["CAREGIVER_IDENTITY"] == "hub"  # the learner is the Hub user


def test_every_server_setting_names_a_real_option():
    """A misspelt option would be ignored silently by the single-user server: each must exist."""
    classes = {
        "CourseVoila": ("caregiver_course.server.hub", "HubCourseVoila"),
        "VoilaConfiguration": ("voila.configuration", "VoilaConfiguration"),
        "VoilaExecutor": ("voila.execute", "VoilaExecutor"),
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


def test_the_local_try_out_uses_a_dummy_login_and_local_processes(monkeypatch, tmp_path):
    monkeypatch.delenv("NODE_PATH", raising=False)  # the try-out sets it for the proxy; put back afterwards
    monkeypatch.delenv("CAREGIVER_DATA_DIR", raising=False)
    assert "authenticator_class" not in load(monkeypatch).JupyterHub
    c = load(monkeypatch, CAREGIVER_HUB_DEMO="1", CAREGIVER_HUB_STATE=str(tmp_path / "hub"))
    assert c.JupyterHub.authenticator_class == "dummy" and c.JupyterHub.spawner_class == "simple"
    # the Hub's files and the learners' data in the state folder, never in the folder the Hub is started from
    for path in (c.JupyterHub.cookie_secret_file, c.JupyterHub.pid_file, c.ConfigurableHTTPProxy.pid_file):
        assert Path(path).parent == tmp_path / "hub"
    assert c.JupyterHub.db_url == f"sqlite:///{tmp_path / 'hub' / 'jupyterhub.sqlite'}"
    assert c.Spawner.environment["CAREGIVER_DATA_DIR"] == str(tmp_path / "hub" / "data")
    assert c.JupyterHub.hub_bind_url != "http://127.0.0.1:8081"  # free ports for the Hub's API and the proxy's
    c = load(monkeypatch, CAREGIVER_HUB_DEMO="1", CAREGIVER_HUB_PASSWORD="a-test-password")
    assert c.JupyterHub.authenticator_class == "shared-password" and c.Authenticator.allow_all


HUB_ENV = {
    "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:45123/user/alice/",
    "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/",
    "JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api",
    "JUPYTERHUB_API_TOKEN": "a-server-token-0123456789",
    "JPY_API_TOKEN": "a-server-token-0123456789",
    "JUPYTERHUB_CLIENT_ID": "jupyterhub-user-alice",
    "JUPYTERHUB_OAUTH_CALLBACK_URL": "/user/alice/oauth_callback",
    "JUPYTERHUB_OAUTH_ACCESS_SCOPES": '["access:servers!server=alice/", "access:servers!user=alice"]',
    "JUPYTERHUB_USER": "alice",
    "JUPYTERHUB_ACTIVITY_URL": "http://127.0.0.1:8081/hub/api/users/alice/activity",
    "CAREGIVER_IDENTITY": "hub",
}


def test_the_hub_says_where_the_course_server_listens():
    from caregiver_course.server.hub import hub_addresses

    assert hub_addresses(HUB_ENV) == {"ip": "127.0.0.1", "port": 45123, "base_url": "/user/alice/"}
    assert hub_addresses({"JUPYTERHUB_SERVICE_URL": "http://:8888"})["ip"] == ""  # every interface (Kubernetes)
    with pytest.raises(SystemExit, match="JupyterHub starts it"):
        hub_addresses({})
    with pytest.raises(SystemExit, match="internal TLS"):
        hub_addresses({**HUB_ENV, "JUPYTERHUB_SSL_KEYFILE": "/x.key"})


def test_under_a_hub_every_handler_but_the_scripts_needs_the_owner_and_kernels_get_no_hub_token(monkeypatch, tmp_path):
    from tornado import web

    from caregiver_course.server import handlers
    from caregiver_course.server.hub import HubCourseVoila, OwnerOnly, main

    for k, v in HUB_ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JUPYTER_PATH", "")
    started = {}
    monkeypatch.setattr(HubCourseVoila, "launch_instance", classmethod(lambda cls, argv: started.update(argv=argv)))
    main([])
    app = HubCourseVoila()
    app.initialize(started["argv"])
    assert (app.ip, app.port, app.base_url) == ("127.0.0.1", 45123, "/user/alice/")
    assert app.config_file_paths == [str(REPO)]  # voila.json from the course, nothing from the learner's home
    assert not app.voila_configuration.preheat_kernel and app.max_kernels == 2
    app.connection_dir = str(tmp_path)
    settings = app.init_settings()
    try:
        # the course process keeps the Hub token; the environment every kernel copies no longer has it
        assert settings["cc_hub_auth"].api_token == HUB_ENV["JUPYTERHUB_API_TOKEN"]
        assert "JUPYTERHUB_API_TOKEN" not in os.environ and "JPY_API_TOKEN" not in os.environ
        assert os.environ["JUPYTERHUB_USER"] == "alice"  # the kernel's identity (CAREGIVER_IDENTITY=hub)
        routes = app.init_handlers()
        assert routes[0][0] == "/user/alice/oauth_callback"
        guarded = {pattern: cls for pattern, cls, *_ in routes[1:]}
        assert all(issubclass(cls, OwnerOnly) != issubclass(cls, web.StaticFileHandler) for cls in guarded.values())
        for needed in (handlers.CoursePageHandler, handlers.GuardedKernelWebsocketHandler, handlers.KernelStatusHandler,
                       handlers.NotFoundHandler, handlers.HealthHandler, handlers.RedirectToApp):  # fmt: skip
            assert any(issubclass(cls, needed) and issubclass(cls, OwnerOnly) for cls in guarded.values()), needed
        assert list(guarded)[-1] == "/user/alice/(.*)"  # anything else: not found, for the owner only
    finally:
        if app.store is not None:
            app.store.engine.dispose()
