"""Hostile-client helpers for the attack tests and the freeze script: raw HTTP and kernel websockets.

Only ever aimed at this machine's loopback addresses. Every call has a timeout."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

V1 = "v1.kernel.websocket.jupyter.org"


def fetch(url: str, source: str = "", timeout: float = 60.0) -> tuple[int, str, dict]:
    """GET from a chosen loopback source address (127.0.0.2 is 'another client')."""
    handlers = []
    if source:

        class Bound(urllib.request.HTTPHandler):
            def http_open(self, req):
                import http.client

                return self.do_open(
                    lambda host, **kw: http.client.HTTPConnection(host, source_address=(source, 0), **kw), req
                )

        handlers.append(Bound)
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), dict(e.headers)


def kernel_id_of(page: str) -> str:
    m = re.search(r'"kernelId": "([0-9a-f-]{36})"', page)
    return m.group(1) if m else ""


def v1_frame(
    channel: str, header: dict, content: dict, buffers: tuple[bytes, ...] = (), parent=None, metadata=None
) -> bytes:
    metadata = metadata if metadata is not None else {"version": "2.1.0"}  # the widget protocol version
    parts = [json.dumps(x).encode() for x in (header, parent or {}, metadata or {}, content)] + list(buffers)
    chan = channel.encode()
    offsets = [8 * (1 + 1 + len(parts) + 1)]
    offsets.append(offsets[-1] + len(chan))
    for p in parts:
        offsets.append(offsets[-1] + len(p))
    return b"".join([len(offsets).to_bytes(8, "little"), *(o.to_bytes(8, "little") for o in offsets), chan, *parts])


def header(msg_type: str) -> dict:
    return {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "x",
        "session": uuid.uuid4().hex,
        "date": "2026-01-01T00:00:00Z",
        "version": "5.3",
    }


def image_comm_open(comm_id: str) -> tuple[dict, dict]:
    """A client-made Image widget with a binary buffer: the model a hostile client would create."""
    state = {
        "_model_name": "ImageModel",
        "_model_module": "@jupyter-widgets/controls",
        "_model_module_version": "2.0.0",
        "_view_name": "ImageView",
        "_view_module": "@jupyter-widgets/controls",
        "_view_module_version": "2.0.0",
        "format": "png",
    }  # exactly what a plain Voila kernel accepts (a "layout": None would make it refuse the model)
    return header("comm_open"), {
        "comm_id": comm_id,
        "target_name": "jupyter.widget",
        "data": {"state": state, "buffer_paths": [["value"]]},
    }


async def connect(base_ws: str, kernel_id: str, protocols=(V1,), timeout: float = 20.0):
    req = HTTPRequest(
        f"{base_ws}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}", request_timeout=timeout
    )
    return await websocket_connect(
        req, subprotocols=list(protocols) if protocols else None, max_message_size=256 * 1024 * 1024
    )


class HealthWatch:
    """Polls /cc/health from another thread; records the slowest answer (a freeze shows as a timeout)."""

    def __init__(self, url: str, every: float = 0.2, timeout: float = 5.0):
        self.url, self.every, self.timeout = url, every, timeout
        self.worst, self.failures, self.samples = 0.0, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            t = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=self.timeout) as r:
                    r.read()
            except (TimeoutError, OSError):
                self.failures += 1
            self.worst = max(self.worst, time.monotonic() - t)
            self.samples += 1
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


def run(coro, timeout: float = 120.0):
    """Run a websocket coroutine in a thread of its own (the browser fixture's loop owns the main thread)."""
    result: dict = {}

    def target():
        try:
            result["value"] = asyncio.run(asyncio.wait_for(coro, timeout))
        except BaseException as exc:  # re-raised in the test's thread
            result["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join(timeout + 10)
    if "error" in result:
        raise result["error"]
    return result.get("value")
