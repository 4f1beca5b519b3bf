"""The standalone server's front door: what the HTTP server itself limits before any page handler runs.

Workshops run the course server directly, with no reverse proxy in front, so it does what a proxy would:
* waits a bounded time for a request's headers and body, then drops the connection;
* refuses request bodies past a small size (the course takes no uploads) as soon as their length is known,
  without reading them;
* counts open connections per client address and in total, and answers connections past either cap with
  a short "busy" page (still showing the help numbers) and closes them;
* sends no version headers;
* logs a repeated warning or error a few times a minute, then one line with how many more there were.

The pure rules (ConnectionCount, RepeatFilter) have no Tornado in them and are unit-tested on their own.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import resource
import socket
import threading
import time
from dataclasses import dataclass, field

from tornado.httpserver import HTTPServer
from tornado.web import OutputTransform

# Timeouts and sizes of the standalone server (CourseVoila options override them; see app.py).
HEADER_TIMEOUT = 20.0  # s to send a request's headers; also how long a kept-alive connection may sit idle
BODY_TIMEOUT = 30.0  # s to send a request's body
MAX_BODY_BYTES = 1024 * 1024  # the course takes no uploads; its largest request body is a few KiB
MAX_HEADER_BYTES = 64 * 1024
MAX_BUFFER_BYTES = 4 * 1024 * 1024  # what one connection may have unread in memory (websocket frames: 256 KiB)
MIN_CONNECTIONS_PER_ADDRESS = 200  # a browser opens about 6 connections and one websocket per page
MAX_CONNECTIONS = 4000

log = logging.getLogger("caregiver_course.server")


# ---------------------------------------------------------------------------------------------- pure rules


class ConnectionCount:
    """Open connections per client address and in total. take() says why a new one is refused (or None)."""

    def __init__(self, per_address: int, total: int):
        self.per_address, self.total = per_address, total
        self.open: dict[str, int] = {}
        self.count = 0

    def take(self, address: str) -> str | None:
        if self.count >= self.total:
            return f"the server holds {self.count} connections (cap {self.total})"
        held = self.open.get(address, 0)
        if self.per_address and held >= self.per_address:
            return f"one address holds {held} connections (cap {self.per_address})"
        self.open[address] = held + 1
        self.count += 1
        return None

    def release(self, address: str) -> None:
        held = self.open.get(address, 0)
        if held <= 1:
            self.open.pop(address, None)
        else:
            self.open[address] = held - 1
        self.count = max(0, self.count - 1)


def address_group(address: str) -> str:
    """The unit connections are counted by: an IPv4 address, or an IPv6 /64 (one subscriber's whole range)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


@dataclass
class _Window:
    start: float
    shown: int = 0
    hidden: int = 0
    sample: str = field(default="")


class RepeatFilter(logging.Filter):
    """Lets through at most `burst` warnings or errors of one kind per `interval` seconds; the first one let
    through after a window with hidden ones says how many were hidden. A kind is the logger, level, message
    template and exception type (for the access log: the status code), so a client repeating one bad request
    costs the log a few lines a minute, not a traceback each time. Info and debug lines are not limited."""

    MAX_KINDS = 2000

    def __init__(self, interval: float = 60.0, burst: int = 10, clock=time.monotonic):
        super().__init__()
        self.interval, self.burst, self.clock = interval, burst, clock
        self.windows: dict[tuple, _Window] = {}
        self._lock = threading.Lock()

    @staticmethod
    def kind(record: logging.LogRecord) -> tuple:
        exc = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        if record.name == "tornado.access":  # one preformatted line per request: its status is its kind
            text = record.getMessage()
            return (record.name, record.levelno, text.split(" ", 1)[0])
        template = re.sub(r"\d+", "#", str(record.msg)[:120])
        return (record.name, record.levelno, template, exc)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        decided = getattr(record, "cc_repeat", None)  # the same record reaches several handlers
        if decided is not None:
            return decided
        key = self.kind(record)
        now = self.clock()
        with self._lock:
            window = self.windows.get(key)
            hidden_before = 0
            if window is None or now - window.start >= self.interval:
                hidden_before = window.hidden if window else 0
                if window is None and len(self.windows) >= self.MAX_KINDS:
                    self._forget_old(now)
                window = self.windows[key] = _Window(now)
            if window.shown >= self.burst:
                window.hidden += 1
                record.cc_repeat = False
                return False
            window.shown += 1
        if hidden_before:
            record.msg = f"{record.msg} [and {hidden_before} more like this in {self.interval:.0f} s, not shown]"
        record.cc_repeat = True
        return True

    def _forget_old(self, now: float) -> None:
        for key in [k for k, w in self.windows.items() if now - w.start >= self.interval] or list(self.windows):
            del self.windows[key]

    def pending(self) -> list[tuple[tuple, int]]:
        """Kinds whose window has ended with hidden lines (and forgets them): for a periodic summary."""
        now = self.clock()
        out = []
        with self._lock:
            for key, window in list(self.windows.items()):
                if now - window.start >= self.interval:
                    if window.hidden:
                        out.append((key, window.hidden))
                    del self.windows[key]
        return out


def connections_cap(configured: int) -> int:
    """The total connection cap: as configured, and in any case well inside the process's file limit (raised
    to its hard limit first), so that accepting connections can never run out of file descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > 65536:
        hard = 65536
    if soft != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    room = (soft if soft != resource.RLIM_INFINITY else 65536) // 2  # the other half: kernels, files, the store
    return max(64, min(configured or MAX_CONNECTIONS, room))


# ---------------------------------------------------------------------------------------------- Tornado parts


class NoVersionHeaders(OutputTransform):
    """Removes the `Server: TornadoServer/<version>` header from every response."""

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        if "Server" in headers:
            del headers["Server"]
        return status_code, headers, chunk


class GuardedHTTPServer(HTTPServer):
    """Tornado's HTTP server with a cap on open connections per client address and in total (websockets
    included: a connection counts until its socket closes)."""

    cc_count: ConnectionCount
    cc_refusal_page: bytes = b""
    cc_refused: int = 0

    def handle_stream(self, stream, address) -> None:
        ip = address_group(address[0] if isinstance(address, tuple) and address else str(address))
        refused = self.cc_count.take(ip)
        if refused:
            self.cc_refused += 1
            log.warning("refused a connection: %s", re.sub(r"\d+ connections", "too many connections", refused))
            self._turn_away(stream)
            return
        original_close = stream.close
        released = []

        def close(exc_info=False):
            if not released:
                released.append(True)
                self.cc_count.release(ip)
            return original_close(exc_info)

        stream.close = close
        super().handle_stream(stream, address)

    def _turn_away(self, stream) -> None:
        """A short 503 page with the help numbers, then close (never reading what the client sends)."""
        try:
            future = stream.write(self.cc_refusal_page)
            future.add_done_callback(lambda f: (f.exception() if not f.cancelled() else None, stream.close()))
        except Exception:  # the client has gone already
            stream.close()


class HttpsOnlyServer(GuardedHTTPServer):
    """With TLS, a browser that comes with plain http:// to the same port is sent to https:// (a 301 built only
    from the Host header's name and this port, never from the path a client sent). The first byte of a TLS
    connection is 0x16 (a handshake); anything else is read as a plain HTTP request. A connection that sends
    nothing within the header timeout is closed."""

    cc_port: int = 0
    cc_wait: float = HEADER_TIMEOUT

    def _handle_connection(self, connection, address):
        if self.ssl_options is None:
            return super()._handle_connection(connection, address)
        from tornado.ioloop import IOLoop

        loop = IOLoop.current()
        state: dict = {}

        def give_up():
            loop.remove_handler(connection)
            connection.close()

        def readable(fd, events):
            loop.remove_handler(connection)
            loop.remove_timeout(state["timeout"])
            try:
                first = connection.recv(1, socket.MSG_PEEK)
            except BlockingIOError:
                loop.add_handler(connection, readable, IOLoop.READ)
                state["timeout"] = loop.call_later(self.cc_wait, give_up)
                return
            except OSError:
                connection.close()
                return
            if first and first != b"\x16":
                self._redirect(connection)
                return
            if not first:
                connection.close()
                return
            GuardedHTTPServer._handle_connection(self, connection, address)

        loop.add_handler(connection, readable, IOLoop.READ)
        state["timeout"] = loop.call_later(self.cc_wait, give_up)
        return None

    def _redirect(self, connection) -> None:
        try:
            head = connection.recv(8192, socket.MSG_PEEK).decode("latin-1")
        except OSError:
            head = ""
        host = ""
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "host":
                host = value.strip().rsplit(":", 1)[0] if not value.strip().endswith("]") else value.strip()
                break
        if not re.fullmatch(r"[A-Za-z0-9.\-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]", host or ""):
            host = "localhost"
        location = f"https://{host}:{self.cc_port}/"
        body = f'<p>This course is at <a href="{location}">{location}</a>.</p>'.encode()
        reply = (
            f"HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Type: text/html; charset=UTF-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode("ascii") + body
        try:
            connection.setblocking(True)
            connection.settimeout(2)
            connection.sendall(reply)
        except OSError:
            pass
        finally:
            connection.close()


class StrictTransportSecurity(OutputTransform):
    """HSTS on every answer: browsers that have been here use https:// only (a year). Only with a certificate
    a browser trusts (the clinic's): with a self-signed one it would lock out a phone whose owner had accepted
    the warning."""

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        headers["Strict-Transport-Security"] = "max-age=31536000"
        return status_code, headers, chunk


def refusal_page(body: str) -> bytes:
    data = body.encode("utf-8")
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=UTF-8\r\nRetry-After: 60\r\n"
        f"Cache-Control: no-store\r\nConnection: close\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode("ascii") + data
