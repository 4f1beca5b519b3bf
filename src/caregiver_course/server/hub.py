"""The course server as a JupyterHub learner's own server: ``caregiver-course hub`` (the recipe's Spawner.cmd).

In place of ``jupyterhub-singleuser`` (a full Jupyter server: JupyterLab, terminals, the contents API, kernels a
learner can start and run code in), each learner's server is the course server itself (CourseVoila, with all its
hardening), and only the Hub user who owns the server gets past it:

* where to listen, under which prefix, and how to reach the Hub come from the environment the Hub's spawner sets
  (JUPYTERHUB_SERVICE_URL, JUPYTERHUB_SERVICE_PREFIX, JUPYTERHUB_API_URL, ...);
* every handler but the static assets (the same Voila and widget scripts for everyone) asks the Hub, through
  HubOAuth, who the visitor is and whether they may use this server (the access scopes the Hub gives the server);
  anyone else is sent to the Hub's login (a page visit) or refused (anything else: 403);
* the OAuth callback is at ``<prefix>oauth_callback``;
* the server's Hub token is read once and taken out of the process environment before any kernel starts: a
  course kernel inherits only what it needs (the store's settings and the Hub user's name);
* the latest kernel activity is reported to the Hub (JUPYTERHUB_ACTIVITY_URL), so the Hub's idle culler sees a
  learner at work behind any proxy (The Littlest JupyterHub's traefik reports none of its own).

Settings are the repository's voila.json (the same as ``make serve``), then the Hub's, then the command line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import random
from urllib.parse import urlparse

from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.httputil import url_concat
from tornado.ioloop import IOLoop
from traitlets import Instance, Integer, List, Unicode, default

from ..content import notebooks_dir
from ..content.paths import REPO
from . import pages
from .app import CourseVoila

log = logging.getLogger("caregiver_course.server")

# Read by the course process only; a kernel never needs them.
PROCESS_ONLY = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")
# A learner's server holds one learner: no pool (it would double the memory), and a small kernel cap.
HUB_KERNELS = 2


def owner_only(cls):
    """``cls`` behind the Hub's login: only the user (or token) with access to this server gets through."""
    if issubclass(cls, web.StaticFileHandler):
        return cls  # scripts and styles, identical for everyone
    return type(f"Hub{cls.__name__}", (OwnerOnly, cls), {"__module__": __name__})


class OwnerOnly:
    """Mixin put first in a handler's classes: asks the Hub who the visitor is before anything else runs."""

    async def prepare(self):
        hub_auth = self.settings["cc_hub_auth"]
        user = await hub_auth.get_user(self, sync=False)
        allowed = bool(user) and bool(hub_auth.check_scopes(hub_auth.access_scopes, user))
        if not allowed:
            visit = self.request.method in ("GET", "HEAD") and self.request.headers.get(
                "Sec-Fetch-Mode", "navigate"
            ) in ("navigate", "unspecified")
            websocket = self.request.headers.get("Upgrade", "").lower() == "websocket"
            if user is None and visit and not websocket:
                self.redirect(self._hub_login_url(hub_auth))
                return
            log.warning(
                "refused %s %s: %s",
                self.request.method,
                self.request.path,
                "not this server's user" if user else "not logged in",
            )
            self.clear()
            self.set_status(403)
            self.set_header("Cache-Control", "no-store")
            self.finish(pages.error_page(403))
            return
        self.cc_hub_user = user["name"]
        result = super().prepare()
        if result is not None:
            await result

    def _hub_login_url(self, hub_auth) -> str:
        params = {}
        verifier = None
        if hub_auth.pkce_enabled:
            verifier, challenge, method = hub_auth.generate_pkce_code_challenge()
            params.update(code_challenge=challenge, code_challenge_method=method)
        params["state"] = hub_auth.set_state_cookie(self, next_url=self.request.uri, code_verifier=verifier)
        return url_concat(hub_auth.login_url, params)


def _callback_class():
    """The end of the Hub's OAuth login: checks the state it set, swaps the code for a token, sets the cookie."""
    from jupyterhub.services.auth import HubOAuthCallbackHandler

    class HubOAuthCallback(HubOAuthCallbackHandler):
        def initialize(self, hub_auth):
            self.hub_auth = hub_auth

    return HubOAuthCallback


def hub_addresses(environ) -> dict[str, object]:
    """Where the Hub wants this server: the address and port of JUPYTERHUB_SERVICE_URL, the prefix."""
    if not environ.get("JUPYTERHUB_SERVICE_URL"):
        raise SystemExit(
            "caregiver-course hub is the course server for a JupyterHub learner: JupyterHub starts it "
            "(c.Spawner.cmd in deploy/jupyterhub/jupyterhub_config.py). JUPYTERHUB_SERVICE_URL is not set."
        )
    if environ.get("JUPYTERHUB_SSL_KEYFILE"):
        raise SystemExit("caregiver-course hub does not serve the Hub's internal TLS (JupyterHub.internal_ssl).")
    url = urlparse(environ["JUPYTERHUB_SERVICE_URL"])
    port = url.port or (443 if url.scheme == "https" else 80)
    prefix = environ.get("JUPYTERHUB_SERVICE_PREFIX") or "/"
    return {"ip": url.hostname or "", "port": port, "base_url": prefix if prefix.endswith("/") else prefix + "/"}


class HubCourseVoila(CourseVoila):
    """CourseVoila behind JupyterHub's OAuth, reporting activity to the Hub."""

    hub_auth = Instance("jupyterhub.services.auth.HubOAuth", allow_none=True)
    hub_activity_url = Unicode("", config=True, help="Where to report activity (JUPYTERHUB_ACTIVITY_URL).")
    hub_activity_interval = Integer(300, config=True, help="Seconds between activity reports to the Hub.")
    config_file_paths = List(Unicode(), config=True, help="Where voila.json is read (the repository only).")

    @default("config_file_paths")
    def _only_the_repository(self):
        return [str(REPO)]  # not the learner's home: nothing there changes how the course is served

    def init_settings(self):
        self._take_hub_secrets()
        settings = super().init_settings()
        settings["cc_hub_auth"] = self.hub_auth
        return settings

    def _take_hub_secrets(self) -> None:
        """Read the Hub's settings into HubOAuth once, then drop the token from the environment that every
        kernel copies: the course process talks to the Hub, a learner's kernel never does."""
        from jupyterhub.services.auth import HubOAuth

        if self.hub_auth is None:
            self.hub_auth = HubOAuth(parent=self, base_url=self.base_url)
            for name in self.hub_auth.traits(config=True):
                getattr(self.hub_auth, name)  # settle every default now, from the environment as it is
        self.hub_activity_url = self.hub_activity_url or os.environ.get("JUPYTERHUB_ACTIVITY_URL", "")
        interval = os.environ.get("JUPYTERHUB_ACTIVITY_INTERVAL", "")
        if interval.isdigit():
            self.hub_activity_interval = int(interval)
        for name in PROCESS_ONLY:
            os.environ.pop(name, None)

    def init_handlers(self):
        path = urlparse(self.hub_auth.oauth_redirect_uri).path  # <prefix>oauth_callback
        callback = (path, _callback_class(), {"hub_auth": self.hub_auth})
        return [callback] + [(pattern, owner_only(cls), *rest) for pattern, cls, *rest in super().init_handlers()]

    def listen(self):
        if self.hub_activity_url and self.hub_activity_interval > 0:
            IOLoop.current().add_callback(self._keep_activity_updated)
        return super().listen()

    # ------------------------------------------------------------------ activity for the Hub's culler

    def last_activity(self) -> dt.datetime | None:
        """The latest activity of any course kernel (widget messages, the page's "I'm still here")."""
        latest = None
        km = self.kernel_manager
        for kernel_id in list(km.list_kernel_ids()):
            try:
                when = km.get_kernel(kernel_id).last_activity
            except KeyError:
                continue
            if when is not None and when.tzinfo is None:
                when = when.replace(tzinfo=dt.timezone.utc)
            if when is not None and (latest is None or when > latest):
                latest = when
        return latest

    async def notify_activity(self, sent: dt.datetime | None) -> dt.datetime | None:
        latest = self.last_activity()
        if latest is None or (sent is not None and latest <= sent):
            return sent
        stamp = latest.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
        server = os.environ.get("JUPYTERHUB_SERVER_NAME", "")
        body = json.dumps({"servers": {server: {"last_activity": stamp}}, "last_activity": stamp})
        request = HTTPRequest(
            self.hub_activity_url,
            method="POST",
            headers={"Authorization": f"token {self.hub_auth.api_token}", "Content-Type": "application/json"},
            body=body,
            request_timeout=20,
        )
        await AsyncHTTPClient().fetch(request)
        return latest

    async def _keep_activity_updated(self) -> None:
        log.info("Reporting activity to the Hub every %d s", self.hub_activity_interval)
        sent = None
        while True:
            try:
                sent = await self.notify_activity(sent)
            except Exception as exc:
                log.warning("could not report activity to the Hub: %s", exc)
            await asyncio.sleep(self.hub_activity_interval * (1 + 0.2 * (random.random() - 0.5)))


def main(argv: list[str] | None = None) -> None:
    """Start the course server for one JupyterHub learner (argv: more options, as for the course server)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the package: its Voila template
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [here, os.environ.get("JUPYTER_PATH", "")]))
    where = hub_addresses(os.environ)
    try:
        import jupyterhub.services.auth  # noqa: F401 (the Hub's OAuth client)
    except ImportError:
        raise SystemExit("caregiver-course hub needs the jupyterhub package here: pip install jupyterhub") from None
    pools = {"default": {"pool_size": 0}}
    args = [
        str(notebooks_dir()),
        f"--Voila.ip={where['ip']}",
        f"--Voila.port={where['port']}",
        "--Voila.port_retries=0",  # the Hub's address or nothing
        f"--Voila.base_url={where['base_url']}",
        "--Voila.open_browser=False",
        "--VoilaConfiguration.preheat_kernel=False",
        f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}",
        f"--CourseVoila.max_kernels={HUB_KERNELS}",
    ]
    HubCourseVoila.launch_instance(argv=args + list(argv or []))
