"""Tornado handlers the course server adds to, or puts in place of, Voila's own."""

from __future__ import annotations

import contextvars
import logging
import re
import time

from jupyter_server.base.handlers import FileFindHandler
from jupyter_server.services.kernels.handlers import KernelHandler
from tornado import web
from tornado.iostream import StreamBufferFullError
from tornado.websocket import WebSocketClosedError, WebSocketHandler
from voila.static_file_handler import MultiStaticFileHandler, TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler, WebsocketHandler

from . import admission as admission_rules
from . import pages, wire

log = logging.getLogger("caregiver_course.server")

# The page request being served, so the kernel manager knows which client took a kernel.
ADMISSION: contextvars.ContextVar = contextvars.ContextVar("cc_admission", default=None)
HELP_MARKER = "<!--cc-help-bar-->"
MAX_REFUSED = 20  # refused messages before a websocket is closed
WRITE_BUFFER_LIMIT = 16 * 1024 * 1024  # bytes queued for a client that does not read
TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def client_address(handler: web.RequestHandler) -> str:
    """The client's address; behind a trusted proxy, the address the proxy saw (its last X-Forwarded-For).
    The header is taken only from a proxy on this machine (a loopback address): a client that reaches the
    process directly and forges the header is counted by its own address."""
    remote = handler.request.remote_ip or ""
    if handler.settings.get("cc_trust_forwarded_for") and _loopback(remote):
        forwarded = handler.request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return remote


def _loopback(address: str) -> bool:
    import ipaddress

    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


class Admission:
    """One page request that was let in: it holds a place under the cap until its kernel is known."""

    def __init__(self, book, client: str, note_client, lower_priority=lambda kernel_id: None, address=None):
        self.book, self.client, self.note_client, self.took = book, client, note_client, False
        self.lower_priority = lower_priority
        self.address = client if address is None else address
        self.kernel_id = ""

    def took_kernel(self, kernel_id: str) -> None:
        if not self.took:
            self.took = True
            self.book.release_admission(self.client)
        held = sum(1 for h in self.book.held.values() if h.client == self.client)
        self.book.took(kernel_id, self.client, address=self.address)
        self.kernel_id = kernel_id
        self.note_client(kernel_id, self.address, self.client)
        if held >= 2:  # a client opening page after page: its kernels yield the CPU to everyone else's
            self.lower_priority(kernel_id)


class CoursePageHandler(TornadoVoilaHandler):
    """Voila's page handler with a kernel cap, a list of the notebooks learners may open, and the help bar
    (emergency and crisis numbers) put into the first bytes of the page."""

    async def get(self, path=None):
        name = (path or "").strip("/")
        if name not in self.settings["cc_pages"]:
            self.set_status(404)
            self.finish(pages.not_found(self.settings["cc_home_url"]))
            return
        book = self.settings["cc_book"]
        address = admission_rules.address_group(client_address(self))
        client, new = admission_rules.browser_key(self.get_cookie(admission_rules.BROWSER_COOKIE))
        if new:
            self.set_cookie(
                admission_rules.BROWSER_COOKIE,
                client,
                expires_days=400,
                httponly=True,
                samesite="Lax",
                secure=self.request.protocol == "https",
            )
        self.cc_client, self.cc_address = client, address
        live = set(self.kernel_manager.list_kernel_ids())
        reason = self.settings["cc_admitter"].decide(client, address, live, new=new)
        if reason:
            self.refuse(reason, address)
            return
        if (metrics := self.settings.get("cc_metrics")) is not None:
            metrics.count("caregiver_pages_served_total")
        admission = Admission(
            book, client, self.settings["cc_note_client"], self.settings["cc_lower_priority"], address=address
        )
        token = ADMISSION.set(admission)
        try:
            await super().get(path)
        finally:
            ADMISSION.reset(token)
            book.finished_loading(client)
            if admission.kernel_id:
                book.sent(admission.kernel_id)
            if not admission.took:
                book.release_admission(client)

    def refuse(self, reason, address: str) -> None:
        """A page in the course's words, with the help numbers: a place in line, a short wait, or "too many
        tabs". Waiting pages ask again by themselves."""
        quiet = self.settings.setdefault("cc_quiet_log", {})
        now = time.monotonic()
        if now - quiet.get(reason.kind, -60.0) >= 10.0:  # one line per reason every 10 s, with a count
            skipped = quiet.pop(reason.kind + " skipped", 0)
            quiet[reason.kind] = now
            log.warning(
                "page request waits (address %s): %s%s",
                self.settings["cc_client_hash"](address),
                reason,
                f" (and {skipped} more in the last seconds)" if skipped else "",
            )
        else:
            quiet[reason.kind + " skipped"] = quiet.get(reason.kind + " skipped", 0) + 1
        if (metrics := self.settings.get("cc_metrics")) is not None:
            metrics.count("caregiver_busy_pages_total", reason=reason.kind)
        self.set_status(503)
        self.set_header("Cache-Control", "no-store")
        retry = admission_rules.RETRY_SECONDS
        if reason.kind in ("full", "address"):
            self.set_header("Retry-After", str(retry))
            self.finish(pages.waiting(getattr(reason, "position", 0) or 1, retry))
        elif reason.kind == "loading":
            self.set_header("Retry-After", "2")
            self.finish(pages.getting_ready(2))
        else:
            self.set_header("Retry-After", "60")
            self.finish(pages.too_many_open())

    def should_use_rendered_notebook(self, notebook_data, pool_size, *args, **kwargs):
        """Preheated kernels go to people arriving (see KernelBook.may_use_pool): one client opening many
        pages cannot drain the pool, and the last one waits for a learner who has nothing open yet."""
        book = self.settings["cc_book"]
        client = getattr(self, "cc_client", None) or client_address(self)
        if not book.may_use_pool(client, pool_size):
            return False
        if not book.address_may_use_pool(getattr(self, "cc_address", None) or client, pool_size):
            return False
        return super().should_use_rendered_notebook(notebook_data, pool_size, *args, **kwargs)

    def write(self, chunk):
        if isinstance(chunk, str) and HELP_MARKER in chunk:
            chunk = chunk.replace(HELP_MARKER, pages.help_bar(self.settings["cc_book"].policy.idle_timeout), 1)
        return super().write(chunk)

    def write_error(self, status_code, **kwargs):
        """Never a traceback or a server path: a plain page that still shows the help numbers."""
        self.finish(pages.error_page(status_code))


class GuardedKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """The page's kernel websocket: v1 protocol only, checked messages in, no error reports out."""

    async def get(self, kernel_id):
        offered = [p.strip() for p in self.request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        if wire.V1_PROTOCOL not in offered:
            log.warning("refused a kernel websocket without the %s subprotocol", wire.V1_PROTOCOL)
            self.set_status(400)
            self.finish("This connection needs the Jupyter v1 kernel protocol.")
            return
        if kernel_id not in self.kernel_manager:
            self.set_status(404)
            self.finish("No such kernel.")
            return
        await super().get(kernel_id)

    def select_subprotocol(self, subprotocols):
        return wire.V1_PROTOCOL if wire.V1_PROTOCOL in subprotocols else None

    async def open(self, kernel_id):
        self.cc_refused = 0
        self.cc_dropped = 0
        self.cc_budget = wire.FrameBudget(
            self.settings.get("cc_frame_rate", wire.FRAMES_PER_SECOND),
            self.settings.get("cc_frame_burst", wire.FRAME_BURST),
        )
        conn = self.ws_connection
        # The protocol is pinned here: Jupyter Server asks for it again with every frame, and once the socket
        # starts to close its answer would be "none", which sends the frame to the older parser.
        self.cc_protocol = conn.selected_subprotocol if conn is not None else None
        if self.cc_protocol != wire.V1_PROTOCOL:
            log.warning("closed a kernel websocket without the %s subprotocol", wire.V1_PROTOCOL)
            self.close(1008, "policy")
            return
        if getattr(conn, "stream", None) is not None:
            conn.stream.max_write_buffer_size = self.settings.get("cc_write_buffer_limit", WRITE_BUFFER_LIMIT)
        self.settings["cc_book"].connected(self.kernel_id)
        self.cc_counted = True
        await super().open(kernel_id)

    @property
    def selected_subprotocol(self):
        """The protocol pinned at open(), still known while the socket closes (see wire.frame_gate)."""
        pinned = getattr(self, "cc_protocol", None)
        if pinned is not None:
            return pinned
        conn = self.ws_connection
        return conn.selected_subprotocol if conn is not None else None

    def close(self, code=None, reason=None):
        self.cc_closing = True  # from now on every frame is dropped unread
        super().close(code, reason)

    def on_message(self, ws_message):
        conn = self.ws_connection
        closing = getattr(self, "cc_closing", False) or conn is None or conn.is_closing()
        dropped = wire.frame_gate(getattr(self, "cc_protocol", None), closing)
        if dropped:
            self.cc_dropped = getattr(self, "cc_dropped", 0) + 1
            if self.cc_dropped == 1:
                log.warning("dropped a frame to kernel %s unread: %s", self.kernel_id, dropped)
            return None
        try:
            try:
                msg_type = wire.check_incoming(ws_message)
                if not self.cc_budget.take(msg_type):
                    raise wire.Refused(f"messages faster than the budget ({self.cc_budget.rate:.0f} a second)")
            except wire.Refused:
                raise
            except Exception as exc:  # anything the checks did not foresee is refused, never passed on
                raise wire.Refused(f"a frame the checks could not read ({type(exc).__name__})") from exc
        except wire.Refused as why:
            self.cc_refused = getattr(self, "cc_refused", 0) + 1
            if (metrics := self.settings.get("cc_metrics")) is not None:
                metrics.count("caregiver_refused_frames_total")
            if self.cc_refused == 1:
                log.warning("refused a message to kernel %s: %s", self.kernel_id, why)
            if self.cc_refused >= MAX_REFUSED:
                log.warning(
                    "closed the websocket of kernel %s after %d refused messages", self.kernel_id, self.cc_refused
                )
                self.close(1008, "policy")
            return None
        return super().on_message(ws_message)

    def write_message(self, message, binary=False):
        if wire.blocked_outgoing(message):
            return None
        try:
            # Jupyter Server's writer, not Voila's override (whose header reader trusts the frame's offsets).
            future = WebsocketHandler.write_message(self, message, binary=binary)
        except StreamBufferFullError:
            log.warning("closed the websocket of kernel %s: the client does not read", self.kernel_id)
            self.close(1008, "not reading")
            return None
        except WebSocketClosedError:  # the page has just gone: nothing to send it
            return None
        if future is not None:
            future.add_done_callback(_quietly)  # a page that closes mid-write is not an error
        return future

    def on_close(self):
        self.cc_closing = True
        if getattr(self, "cc_counted", False):
            self.cc_counted = False
            self.settings["cc_book"].disconnected(self.kernel_id)
        if getattr(self, "connection", None) is not None:
            super().on_close()


def _quietly(future) -> None:
    if not future.cancelled():
        future.exception()


class CountingKernelWebsocketHandler(GuardedKernelWebsocketHandler):
    """The guarded websocket, noting a page's first learner's action (a page without one is reclaimed first
    when people wait for a place: see KernelBook.reclaimable)."""

    def on_message(self, ws_message):
        refused = getattr(self, "cc_refused", 0)
        result = super().on_message(ws_message)
        if not getattr(self, "cc_acted", False) and getattr(self, "cc_refused", 0) == refused:
            if admission_rules.is_action(ws_message):
                self.cc_acted = True
                self.settings["cc_book"].acted(self.kernel_id)
        return result


class HealthHandler(web.RequestHandler):
    """For start-up checks and load balancers: says only that the server answers."""

    def get(self):
        self.set_header("Cache-Control", "no-store")
        self.finish({"ok": True})


class ReadyHandler(web.RequestHandler):
    """Readiness, for a proxy or a monitor: 200 when the progress database answers and a newcomer would get a
    kernel; 503 with the reasons otherwise (no address, path or database message in them)."""

    async def get(self):
        self.set_header("Cache-Control", "no-store")
        reasons = await self.settings["cc_readiness"]()
        self.set_status(503 if reasons else 200)
        self.finish({"ready": not reasons, "problems": reasons})


class MetricsHandler(web.RequestHandler):
    """Prometheus text for a scraper that sends the metrics token (Authorization: Bearer ...). Without the
    right token, or with none configured, the same plain "not found" as any other unknown address."""

    def get(self):
        import hmac

        token = self.settings.get("cc_metrics_token") or ""
        sent = self.request.headers.get("Authorization", "")
        if not token or not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            self.set_status(404)
            self.finish(pages.not_found(self.settings["cc_home_url"]))
            return
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(self.settings["cc_metrics"].render(self.settings["cc_gauges"]()))


class KernelStatusHandler(web.RequestHandler):
    """GET: does this page's kernel still hold the page (alive and never restarted)? POST: "I'm still here"
    (resets the idle clock). Only someone who knows the kernel's id (its page) can ask."""

    async def get(self, kernel_id):
        self.set_header("Cache-Control", "no-store")
        alive = await self.settings["cc_kernel_alive"](kernel_id)
        self.set_status(200 if alive else 410)
        self.finish({"alive": alive})

    async def post(self, kernel_id):
        self.set_header("Cache-Control", "no-store")
        alive = self.settings["cc_touch_kernel"](kernel_id)
        self.set_status(200 if alive else 410)
        self.finish({"alive": alive})

    def check_xsrf_cookie(self):  # no cookies are used here; the kernel id is the capability
        return None


class RedirectToApp(web.RequestHandler):
    """The server root and Voila's notebook list both go to the course app (with the query string, so a
    workshop link ?workshop=CODE still works). The list of notebooks is never shown."""

    def get(self, *args):
        query = self.request.query
        self.redirect(self.settings["cc_home_url"] + (f"?{query}" if query else ""))


class ImmutableStaticHandler(MultiStaticFileHandler):
    """Voila's static files under a versioned path: cached for a year, since the path changes with them."""

    def get_cache_time(self, path, modified, mime_type):
        return 365 * 24 * 3600

    def set_extra_headers(self, path):
        self.set_header("Cache-Control", "public, max-age=31536000, immutable")


class ImmutableExtensionsHandler(FileFindHandler):
    """The front-end extensions under a versioned path, cached for a year."""

    def get_cache_time(self, path, modified, mime_type):
        return 365 * 24 * 3600

    def set_extra_headers(self, path):
        self.set_header("Cache-Control", "public, max-age=31536000, immutable")


class NotFoundHandler(web.RequestHandler):
    def prepare(self):
        self.set_status(404)
        self.finish(pages.not_found(self.settings["cc_home_url"]))


class OwnKernelHandler(KernelHandler):
    """Jupyter's kernel API (`/api/kernels/<id>`), answered only to the client address whose page took the
    kernel; anyone else gets "not found", as for a kernel that does not exist. The page's script asks it only
    after its websocket closed (is the kernel dead, or should it reconnect?); a "not found" makes it try the
    websocket again, so a phone that changed networks still reconnects."""

    def _owned(self, kernel_id: str) -> None:
        """The browser whose page took the kernel (its key cookie), or a request from the same address."""
        holding = self.settings["cc_book"].held.get(kernel_id)
        if holding is None:
            raise web.HTTPError(404)
        browser = self.get_cookie(admission_rules.BROWSER_COOKIE) or ""
        same_browser = bool(browser) and browser == holding.client
        same_address = admission_rules.address_group(client_address(self)) == getattr(holding, "address", None)
        if not (same_browser or same_address):
            raise web.HTTPError(404)

    async def get(self, kernel_id):
        self._owned(kernel_id)
        await super().get(kernel_id)

    async def delete(self, kernel_id):
        self._owned(kernel_id)
        await super().delete(kernel_id)


class TemplateStaticHandler(TemplateStaticFileHandler):
    """Voila's template files, at `<template>/static/<file>` only: any other address is "not found" (Voila's
    own handler fails on some with a 500 and a traceback in the log)."""

    async def get(self, path, include_body=True):
        parts = path.split("/")
        if (
            len(parts) < 3
            or parts[1] != "static"
            or not TEMPLATE_NAME.fullmatch(parts[0])
            or any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in parts[2:])
        ):
            raise web.HTTPError(404)
        await super().get(path, include_body)


def plain_errors(cls):
    """The handler class, answering its errors with the course's own page (help numbers, no traceback, no
    path). Websocket handlers are left as they are."""
    if not isinstance(cls, type) or not issubclass(cls, web.RequestHandler) or issubclass(cls, WebSocketHandler):
        return cls
    if "write_error" in cls.__dict__ and cls.__module__ == __name__:
        return cls
    return type(cls.__name__, (PlainErrors, cls), {"__module__": __name__, "__qualname__": cls.__qualname__})


class PlainErrors(web.RequestHandler):
    def write_error(self, status_code, **kwargs):
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        home = self.settings.get("cc_home_url", "/")
        self.finish(pages.not_found(home) if status_code == 404 else pages.error_page(status_code))
