"""The course server: Voila with the hardening a public link needs, configured from voila.json.

What it changes in a plain Voila server (each part is explained where it is done):
* compression of every text response, set before the web app is built (where Voila sets it, it is too late);
* a kernel cap for the server, each browser and each address, with a line to wait in when full (admission.py);
* kernel culling counted from when a page took its kernel (see kernels.py);
* the kernel websocket guard (see wire.py and handlers.py);
* only the app's own pages are served: no notebook list, no contents API, no files;
* Voila's scripts and extensions under versioned paths, cached for a year;
* HTTPS when given a certificate (workshop mode);
* the standalone front door: timeouts, a body size limit, connection caps, no version headers, bounded
  logging of repeated errors (see front.py).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import ssl
from pathlib import Path

import voila.app as voila_app
from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.handlers import KernelHandler
from jupyter_server.utils import url_path_join
from traitlets import Bool, Float, Integer, List, Unicode
from voila.app import Voila
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from ..store import KeyMismatch, Store, StoreError, data_dir
from . import admission, front, handlers, pages, wire
from .kernel_manager import CourseKernels, with_pages
from .kernels import KernelBook, Policy, default_max_kernels
from .metrics import Metrics

log = logging.getLogger("caregiver_course.server")

APP_NOTEBOOK = "course.ipynb"


class CourseVoila(Voila):
    """``python -m caregiver_course.server``: see the module docstring. Options: ``--CourseVoila.<name>``."""

    max_kernels = Integer(
        0,
        config=True,
        help="Most kernels at once (pages and pool); 0: from memory "
        "(half the memory after 1 GiB, in 120 MiB kernels, 4 to 400).",
    )
    max_kernels_per_client = Integer(8, config=True, help="Most open pages one browser may hold at once.")
    max_loading_per_client = Integer(2, config=True, help="Most pages one browser may have loading at once.")
    max_kernels_per_address = Integer(
        40, config=True, help="Most open pages one address (IPv6: one /64) may hold: a room or a phone carrier."
    )
    max_loading_per_address = Integer(4, config=True, help="Most pages one address may have loading at once.")
    reclaim_unconnected = Float(
        30.0, config=True, help="When people wait for a place: seconds a page that never connected keeps its kernel."
    )
    reclaim_unacted = Float(
        45.0,
        config=True,
        help="When people wait for a place: seconds a connected page without a learner's action keeps its kernel.",
    )
    connect_grace = Float(180.0, config=True, help="Seconds a page has to connect to the kernel it took.")
    disconnected_timeout = Float(120.0, config=True, help="Seconds a closed page's kernel is kept.")
    idle_timeout = Float(3600.0, config=True, help="Seconds a connected but idle page keeps its kernel.")
    serve_lessons = Bool(False, config=True, help="Also serve each lesson notebook as its own page.")
    pages = List(Unicode(), [APP_NOTEBOOK, "facilitator.ipynb"], config=True, help="Notebooks served.")
    certfile = Unicode("", config=True, help="TLS certificate (PEM); with keyfile, serve HTTPS.")
    keyfile = Unicode("", config=True, help="TLS private key (PEM).")
    hsts = Bool(
        False,
        config=True,
        help="Send Strict-Transport-Security (only with a certificate browsers trust).",
    )
    trust_forwarded_for = Bool(
        False, config=True, help="Take the client address from X-Forwarded-For (only behind your own proxy)."
    )
    header_timeout = Float(front.HEADER_TIMEOUT, config=True, help="Seconds a client has to send its headers.")
    body_timeout = Float(front.BODY_TIMEOUT, config=True, help="Seconds a client has to send a request body.")
    max_body_bytes = Integer(front.MAX_BODY_BYTES, config=True, help="Largest request body accepted.")
    max_connections = Integer(
        0, config=True, help="Most open connections at once (0: 4000, or half the process's file limit if lower)."
    )
    max_connections_per_client = Integer(
        0, config=True, help="Most open connections from one client address (0: 200, or 8 per kernel it may hold)."
    )
    websocket_frame_rate = Float(
        wire.FRAMES_PER_SECOND, config=True, help="Messages a second one page may send its kernel, after a burst."
    )
    websocket_frame_burst = Integer(wire.FRAME_BURST, config=True, help="Messages one page may send at once.")
    websocket_write_buffer = Integer(
        handlers.WRITE_BUFFER_LIMIT,
        config=True,
        help="Bytes queued for a page that does not read its kernel's messages before its connection is closed.",
    )

    store = None

    def init_settings(self):
        log.handlers, log.propagate = list(self.log.handlers), False  # our messages go to the server's log
        log.setLevel(logging.INFO)
        self.voila_configuration.page_config_hook = self._versioned_urls
        self.voila_configuration.multi_kernel_manager_class = CourseKernels
        if self.certfile and self.keyfile:  # kernels read their page's request from this server: over TLS too
            os.environ["VOILA_WS_PROTOCOL"] = "wss"
        # Open (and, on a new install, create or upgrade) the store before any kernel starts: otherwise each
        # preheated kernel would run the migrations itself and keep Alembic in memory for its whole life.
        self._store()
        # Voila builds its pooled kernel manager from a factory and starts filling the pool in the manager's
        # __init__: the course's pool (pool.py) must be in the class from the start.
        factory = voila_app.voila_kernel_manager_factory
        voila_app.voila_kernel_manager_factory = lambda *a, **k: with_pages(factory(*a, **k))
        try:
            settings = super().init_settings()
        finally:
            voila_app.voila_kernel_manager_factory = factory
        km = self.kernel_manager
        max_kernels = self.max_kernels or default_max_kernels()
        pools = getattr(km, "kernel_pools_config", {}) or {}
        pool_size = sum(int(c.get("pool_size", 0)) for name, c in pools.items() if name != "default")
        self.book = KernelBook(
            Policy(
                max_kernels=max_kernels,
                per_client=self.max_kernels_per_client,
                per_client_starting=self.max_loading_per_client,
                per_address=self.max_kernels_per_address,
                per_address_starting=self.max_loading_per_address,
                reclaim_unconnected=self.reclaim_unconnected,
                reclaim_unacted=self.reclaim_unacted,
                pool_size=pool_size,
                connect_grace=self.connect_grace,
                disconnected_timeout=self.disconnected_timeout,
                idle_timeout=self.idle_timeout,
            )
        )
        km.cc_book = self.book

        self.metrics = Metrics(stats_dir=data_dir() / "stats" / str(self.port))
        km.cc_metrics = self.metrics
        counts = admission.RefusalCounts(self._counts_path())
        self.admitter = admission.Admitter(self.book, known=self._browser_known, reclaim=self._reclaim, counts=counts)
        pages = list(self.pages)
        if self.serve_lessons:
            pages += sorted(p.name for p in Path(self.root_dir).glob("[0-9][0-9]-*.ipynb"))
        settings.update(
            compress_response=True,  # applied when the web app is built, so it must be here
            websocket_max_message_size=wire.MAX_INCOMING_BYTES,
            websocket_compression_options={},  # permessage-deflate: the widget states are text, and repeat a lot
            cc_book=self.book,
            cc_admitter=self.admitter,
            cc_pages=set(pages),
            cc_home_url=url_path_join(self.base_url, "voila/render", APP_NOTEBOOK),
            cc_trust_forwarded_for=self.trust_forwarded_for,
            cc_write_buffer_limit=self.websocket_write_buffer,
            cc_frame_rate=self.websocket_frame_rate,
            cc_frame_burst=self.websocket_frame_burst,
            cc_kernel_alive=self._kernel_alive,
            cc_touch_kernel=self._touch_kernel,
            cc_client_hash=self._client_hash,
            cc_note_client=self._note_client,
            cc_lower_priority=self._lower_priority,
            cc_metrics=self.metrics,
            cc_metrics_token=metrics_token(),
            cc_gauges=self._gauges,
            cc_readiness=self._readiness,
        )
        log.info(
            "Kernel cap: %d at once (%d in the pool), %d per browser (%d loading at once), %d per address (%d "
            "loading at once); a page has %.0f s to connect, a closed page's kernel goes after %.0f s, an idle one "
            "after %.0f s",
            max_kernels,
            pool_size,
            self.max_kernels_per_client,
            self.max_loading_per_client,
            self.max_kernels_per_address,
            self.max_loading_per_address,
            self.connect_grace,
            self.disconnected_timeout,
            self.idle_timeout,
        )
        return settings

    # ------------------------------------------------------------------ handlers

    def init_handlers(self):
        replace = {
            VoilaKernelWebsocketHandler: handlers.CountingKernelWebsocketHandler,
            TornadoVoilaHandler: handlers.CoursePageHandler,
            KernelHandler: handlers.OwnKernelHandler,
            TemplateStaticFileHandler: handlers.TemplateStaticHandler,
        }
        drop = {VoilaContentsHandler, TornadoVoilaTreeHandler}
        out = []
        for spec in super().init_handlers():
            pattern, cls, *rest = spec
            if cls in drop or "/voila/files/" in pattern or "/voila/api/shutdown/" in pattern:
                continue
            out.append((pattern, replace.get(cls, cls), *rest))
        tag = self.asset_tag
        base = self.base_url
        first = [
            (url_path_join(base, r"/cc/health"), handlers.HealthHandler),
            (url_path_join(base, r"/cc/metrics"), handlers.MetricsHandler),
            (url_path_join(base, r"/cc/ready"), handlers.ReadyHandler),
            (url_path_join(base, r"/cc/kernel/(\w+-\w+-\w+-\w+-\w+)"), handlers.KernelStatusHandler),
            (
                url_path_join(base, f"/voila/{tag}/static/(.*)"),
                handlers.ImmutableStaticHandler,
                {"paths": self.static_paths, "default_filename": "index.html"},
            ),
            (
                url_path_join(base, f"/voila/{tag}/labextensions/(.*)"),
                handlers.ImmutableExtensionsHandler,
                {"path": self.labextensions_path},
            ),
            (url_path_join(base, r"/?"), handlers.RedirectToApp),
            (url_path_join(base, r"/voila/tree(/.*)?"), handlers.RedirectToApp),
            (url_path_join(base, r"/voila/?"), handlers.RedirectToApp),
        ]
        last = [(url_path_join(base, r"/(.*)"), handlers.NotFoundHandler)] if not self.notebook_path else []
        # Every error page is the course's own plain page with the help numbers (Jupyter's error template
        # could itself fail, logging a traceback per request).
        return [(pattern, handlers.plain_errors(cls), *rest) for pattern, cls, *rest in first + out + last]

    @functools.cached_property
    def asset_tag(self) -> str:
        """Changes whenever Voila or a front-end extension changes, so cached files are never stale."""
        from importlib.metadata import PackageNotFoundError, version

        parts = []
        for dist in ("voila", "ipywidgets", "jupyterlab_widgets", "caregiver-course"):
            try:
                parts.append(f"{dist}={version(dist)}")
            except PackageNotFoundError:
                parts.append(dist)
        return "v-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]

    def _versioned_urls(self, page_config, **kwargs):
        tag = self.asset_tag
        page_config["fullStaticUrl"] = url_path_join(self.base_url, "voila", tag, "static")
        page_config["fullLabextensionsUrl"] = url_path_join(self.base_url, "voila", tag, "labextensions")
        return page_config

    # ------------------------------------------------------------------ kernel status for the page

    async def _kernel_alive(self, kernel_id: str) -> bool:
        km = self.kernel_manager
        if kernel_id not in km:
            return False
        holding = self.book.held.get(kernel_id)
        if holding is not None and holding.restarted:
            return False
        try:
            return bool(await ensure_async(km.get_kernel(kernel_id).is_alive()))
        except Exception:
            return False

    def _touch_kernel(self, kernel_id: str) -> bool:
        km = self.kernel_manager
        if kernel_id not in km:
            return False
        from jupyter_server._tz import utcnow

        km.get_kernel(kernel_id).last_activity = utcnow()
        return True

    def _note_client(self, kernel_id: str, address: str, browser: str = "") -> None:
        """Tell the kernels (through the store) which address and browser a page's kernel serves, as keyed
        hashes, for the limits on wrong tries (see ratelimit.py)."""
        store = self._store()
        if store is None:
            return
        try:
            noted = store.client_hash(address) + (f" {store.client_hash('browser:' + browser)}" if browser else "")
            store.set_kernel_client(kernel_id, noted)
        except Exception:
            log.warning("could not note the client of kernel %s", kernel_id, exc_info=True)

    def _browser_known(self, browser: str) -> bool:
        store = self._store()
        return bool(store and store.browser_known(store.client_hash("browser:" + browser)))

    def _reclaim(self, kernel_id: str) -> None:
        """Shut down a kernel taken back for someone waiting (in the background: the page request goes on)."""
        from tornado.ioloop import IOLoop

        async def shut():
            try:
                await ensure_async(self.kernel_manager.shutdown_kernel(kernel_id))
            except Exception:
                log.debug("reclaimed kernel %s was already gone", kernel_id, exc_info=True)

        IOLoop.current().spawn_callback(shut)

    def _counts_path(self):
        try:
            return data_dir() / admission.REFUSALS_FILE
        except Exception:
            return None

    def _lower_priority(self, kernel_id: str) -> None:
        """Run this kernel at a lower CPU priority (nice 10): one client's many pages cannot slow the rest."""
        try:
            pid = self.kernel_manager.get_kernel(kernel_id).provisioner.process.pid
            os.setpriority(os.PRIO_PROCESS, pid, 10)
        except Exception:  # not a local process, or already gone
            log.debug("could not lower the priority of kernel %s", kernel_id, exc_info=True)

    async def _readiness(self) -> list[str]:
        """What would stop a newcomer now: the database not answering, or no room for another kernel."""
        import asyncio

        problems = []
        store = self._store()
        if store is None:
            problems.append("the progress database cannot be opened")
        else:
            try:
                await asyncio.wait_for(asyncio.to_thread(store.ping), timeout=5)
            except Exception:
                problems.append("the progress database does not answer")
        if len(self.book.held) >= self.book.policy.max_kernels:
            problems.append("every kernel place is taken")
        return problems

    def _gauges(self) -> dict:
        """The metrics read when asked: kernels now, and the wrong tries every process wrote to the store."""
        book = self.book
        km = self.kernel_manager
        ready = 0
        for pool in getattr(km, "_pools", {}).values():
            ready += sum(1 for f in pool if f.done() and not f.cancelled() and f.exception() is None)
        out = {
            ("caregiver_kernels_in_use", ()): len(book.held),
            ("caregiver_kernels_ready", ()): ready,
            ("caregiver_kernels_max", ()): book.policy.max_kernels,
        }
        if hasattr(km, "cc_status"):  # the checked pool (pool.py): pages it prepared and threw away
            status = km.cc_status()
            out[("caregiver_kernels_ready", ())] = status.ready
            out[("caregiver_pool_failures_total", ())] = status.failed_total
        store = self._store()
        if store is not None:
            import time as _time

            for scope in ("resume", "workshop", "secret"):
                try:
                    n = len(store.failures(scope, _time.time() - 3600))
                except StoreError:
                    continue
                out[("caregiver_wrong_tries_last_hour", (("kind", scope),))] = n
        return out

    def _client_hash(self, address: str) -> str:
        store = self._store()
        return store.client_hash(address) if store else "?"

    def _store(self):
        if self.store is None:
            try:
                self.store = Store()
            except KeyMismatch as exc:  # every learner would silently start afresh: refuse to start
                log.critical("The course was NOT started: %s", exc)
                raise SystemExit(1) from None
            except StoreError:
                log.exception("the progress store cannot be opened; rate limits count per server only")
        return self.store

    # ------------------------------------------------------------------ listen

    def listen(self):
        self._bound_repeated_logs()
        self.app.transforms.append(front.NoVersionHeaders)
        if self.hsts and self.certfile:
            self.app.transforms.append(front.StrictTransportSecurity)
        ctx = self._ssl_context()
        per_client = self.max_connections_per_client or max(
            front.MIN_CONNECTIONS_PER_ADDRESS, 8 * self.max_kernels_per_client
        )
        count = front.ConnectionCount(
            0 if self.trust_forwarded_for else per_client,  # behind a proxy every connection is the proxy's
            front.connections_cap(self.max_connections),
        )
        page = front.refusal_page(pages.error_page(503))

        def listen(port, address=None, **kwargs):
            server = front.HttpsOnlyServer(
                self.app,
                ssl_options=ctx,
                idle_connection_timeout=self.header_timeout,
                body_timeout=self.body_timeout,
                max_body_size=self.max_body_bytes,
                max_header_size=front.MAX_HEADER_BYTES,
                max_buffer_size=max(front.MAX_BUFFER_BYTES, self.max_body_bytes + front.MAX_HEADER_BYTES),
                **kwargs,
            )
            server.cc_count, server.cc_refusal_page = count, page
            server.cc_port, server.cc_wait = port, self.header_timeout
            server.listen(port, address or "")
            self.cc_http_server = server
            return server

        self.app.listen = listen
        log.info(
            "Connections: at most %d at once, %s per client address; %.0f s to send headers, %.0f s for a body "
            "of at most %d bytes",
            count.total,
            count.per_address or "no cap",
            self.header_timeout,
            self.body_timeout,
            self.max_body_bytes,
        )
        return super().listen()

    def _bound_repeated_logs(self):
        """One filter on every handler the server logs through: a repeated warning or error is written a few
        times a minute, then counted (see front.RepeatFilter)."""
        repeat = front.RepeatFilter()
        loggers = [logging.getLogger(), self.log, log] + [
            logging.getLogger(n) for n in ("tornado.access", "tornado.application", "tornado.general", "asyncio")
        ]
        # Loggers without a handler of their own (Tornado's access log here) write through logging.lastResort.
        for handler in {h for lg in loggers for h in lg.handlers} | {logging.lastResort}:
            if handler is not None:
                handler.addFilter(repeat)

        def summary():
            for (name, _level, what, *_), hidden in repeat.pending():
                log.warning("%d more log lines like %r from %s in the last minute were not shown", hidden, what, name)

        from tornado.ioloop import PeriodicCallback

        PeriodicCallback(summary, repeat.interval * 1000).start()

    def _ssl_context(self):
        if not (self.certfile and self.keyfile):
            return None
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.certfile, self.keyfile)
        return ctx


def metrics_token() -> str:
    """The token a metrics scraper sends (CAREGIVER_METRICS_TOKEN, or the file metrics_token in the data
    folder); "" turns /cc/metrics off. Shorter than 16 characters is refused, as a guessable token."""
    token = os.environ.get("CAREGIVER_METRICS_TOKEN", "").strip()
    if not token:
        try:
            token = (data_dir() / "metrics_token").read_text().strip()
        except OSError:
            token = ""
    if token and len(token) < 16:
        log.warning("the metrics token is shorter than 16 characters; /cc/metrics stays off")
        return ""
    return token


def main(argv=None):
    CourseVoila.launch_instance(argv=argv)
