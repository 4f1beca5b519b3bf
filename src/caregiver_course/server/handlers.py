"""Tornado handlers the course server adds to, or puts in place of, Voila's own."""

from __future__ import annotations

import contextvars
import logging
import time

from jupyter_server.base.handlers import FileFindHandler
from tornado import web
from tornado.iostream import StreamBufferFullError
from tornado.websocket import WebSocketClosedError
from voila.static_file_handler import MultiStaticFileHandler
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


def client_address(handler: web.RequestHandler) -> str:
    """The client's address; behind a trusted proxy, the address the proxy saw (its last X-Forwarded-For)."""
    if handler.settings.get("cc_trust_forwarded_for"):
        forwarded = handler.request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return handler.request.remote_ip or ""


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
        if self.ws_connection is not None and getattr(self.ws_connection, "stream", None) is not None:
            self.ws_connection.stream.max_write_buffer_size = WRITE_BUFFER_LIMIT
        self.settings["cc_book"].connected(self.kernel_id)
        self.cc_counted = True
        await super().open(kernel_id)

    def on_message(self, ws_message):
        try:
            try:
                wire.check_incoming(ws_message)
            except wire.Refused:
                raise
            except Exception as exc:  # anything the checks did not foresee is refused, never passed on
                raise wire.Refused(f"a frame the checks could not read ({type(exc).__name__})") from exc
        except wire.Refused as why:
            self.cc_refused = getattr(self, "cc_refused", 0) + 1
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
