"""What the kernel knows about the page it serves: the page's address and query string (read from the
Voila request, waited for briefly), the JupyterHub user when the Hub identifies learners, and opening the
store for this kernel."""

from __future__ import annotations

import logging
import os

from ..store import Store, StoreError

log = logging.getLogger("caregiver_course")


def wait_for_page_request() -> str:
    """A preheated kernel waits until a page takes it; Voila then sends the page's request (its query string)
    over a websocket. Voila's own helper for this (voila.utils.wait_for_request) imports the whole Voila
    server package, nbconvert and Jupyter Server into the learner's kernel: about 40 MiB per learner. This
    reads the same message with Tornado, which the kernel has loaded already. Returns the query string."""
    import asyncio
    import json
    import ssl

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    env = os.environ
    protocol = env.get("VOILA_WS_PROTOCOL", "ws")
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    url = (
        f"{protocol}://{env.get('VOILA_APP_IP', '127.0.0.1')}:{env.get('VOILA_APP_PORT', '8866')}"
        f"{base}voila/query/{env.get('VOILA_KERNEL_ID', '')}"
    )
    options = {}
    if protocol == "wss":  # the course server's own certificate, on this machine's loopback address
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        options["ssl_options"] = context

    async def receive() -> str:
        connection = await websocket_connect(HTTPRequest(url, connect_timeout=5, **options))
        try:
            return await connection.read_message() or ""
        finally:
            connection.close()

    loop = asyncio.new_event_loop()
    try:
        info = loop.run_until_complete(receive())
    finally:
        loop.close()
    for key, value in (json.loads(info) if info else {}).items():
        if isinstance(key, str) and isinstance(value, str):
            os.environ[key] = value
    return os.environ.get("QUERY_STRING", "")


def query_value(search: str, name: str) -> str:
    from urllib.parse import parse_qs

    values = parse_qs(search.lstrip("?")).get(name, [])
    return values[0][:40] if values else ""


def hub_user(environ=None) -> str:
    """The JupyterHub user this kernel serves, when the deployment asks for it (CAREGIVER_IDENTITY=hub, set by
    deploy/jupyterhub/jupyterhub_config.py) and the Hub's single-user server says who it is (JUPYTERHUB_USER,
    which kernels inherit). "" otherwise: the browser's saved token identifies the learner, as without a Hub."""
    env = os.environ if environ is None else environ
    if env.get("CAREGIVER_IDENTITY", "").strip().lower() != "hub":
        return ""
    return env.get("JUPYTERHUB_USER", "").strip()[:200]


def open_store():
    try:
        return Store()
    except StoreError:
        log.exception("progress store unavailable")
        return None
