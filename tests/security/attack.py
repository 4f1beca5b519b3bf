"""Hostile-client helpers for the attack tests and the freeze script: raw HTTP and kernel websockets.

Only ever aimed at this machine's loopback addresses. Every call has a timeout."""

from __future__ import annotations

import asyncio
import base64
import json
import os
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


class RawSocket:
    """A kernel websocket spoken by hand, so a test decides exactly what is sent and whether anything is read
    (Tornado's own client reads for us). Client frames are masked, as the protocol requires."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, base_url: str, kernel_id: str, timeout: float = 20.0, rcvbuf: int = 0) -> RawSocket:
        host, port = base_url.split("://", 1)[1].split(":")
        assert host in ("localhost", "127.0.0.1"), "attacks aim at this machine only"
        sock = None
        if rcvbuf:  # a small receive window: a client that does not read fills the server's buffer sooner
            import socket

            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.connect(("127.0.0.1", int(port)))
            sock.setblocking(False)
            reader, writer = await asyncio.wait_for(asyncio.open_connection(sock=sock), timeout)
        else:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", int(port)), timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET /api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex} HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {V1}\r\n\r\n"
            ).encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        assert head.startswith(b"HTTP/1.1 101"), head[:200]
        return cls(reader, writer)

    @staticmethod
    def frame(payload: bytes, opcode: int = 2) -> bytes:
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = bytes([0x80 | opcode, 0x80 | n])
        elif n < 65536:
            head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return head + mask + masked

    def send(self, *payloads: bytes) -> None:
        """Queue frames as one write: they reach the server in one burst."""
        self.writer.write(b"".join(self.frame(p) for p in payloads))

    async def drain(self, timeout: float = 20.0) -> None:
        await asyncio.wait_for(self.writer.drain(), timeout)

    def close(self) -> None:
        self.writer.transport.abort()


class MemoryWatch:
    """Samples a process's resident memory (MiB) from another thread; records the largest."""

    def __init__(self, pid: int, every: float = 0.2):
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib(self.pid))
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


def rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
