"""The preheated pool: filled at a pace the machine can take, and never handing out a bad page.

Voila (0.5) fills its pool by starting every kernel at once and hands out each preheated page whatever its
render did. On a busy 2-core machine, 30 renders at once each hit "Timeout waiting for IOPub output", and
every learner got a page without the app (the help bar only). Here instead:

* a page is prepared fully (kernel started, app cell run) and then checked: only a page whose app cell
  shows its widget, with no error, joins the pool. A page that timed out, failed or has no widget output is
  thrown away (its kernel shut down) and made again: it is never served;
* only checked pages count as the pool, so a learner gets one of them or, if none is ready, a page of their
  own made on the spot (Voila's usual way, which the page itself checks: see cc-loading.js);
* a few pages are prepared at a time, fewer and with longer pauses when the machine is busy (the load
  average against the number of cores), and after a failure one at a time with a growing pause;
* after a page is taken, replacements wait ``fill_delay`` seconds (a room joining is not slowed by them);
* the pool's state goes to the server's log and to a small file that the facilitator's dashboard reads.

Admission (who may take a pooled page) stays in kernels.py and handlers.py; this module only decides what
is in the pool.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from dataclasses import dataclass, field

from jupyter_core.utils import ensure_async
from voila.utils import ENV_VARIABLE

from ..store import data_dir
from ..workshop import poolstatus

log = logging.getLogger("caregiver_course.server")

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ERROR_SIGNS = (
    '"output_type": "error"',
    "There was an error when executing cell",
    "An exception occurred at the server",
)
PREPARE_TIMEOUT = 240.0  # seconds for a kernel to start and the app cell to run, however busy the machine
HEARTBEAT = 30.0  # seconds between status file updates while nothing changes


def page_problem(html: str) -> str | None:
    """Why a rendered page must not be served, or None if it shows the app."""
    if any(sign in html for sign in ERROR_SIGNS):
        return "its app cell failed"
    if WIDGET_VIEW not in html:
        return "its app cell has no widget output (the render timed out or was cut short)"
    return None


def fill_pace(load1: float, cores: int, failures_in_a_row: int = 0) -> tuple[int, float]:
    """How many pages to prepare at once, and the pause in seconds before starting the next one.

    A page costs about 3 CPU-seconds. On a quiet machine three at a time fill a pool of 30 in about a
    minute; on a busy one, more at a time only makes each render slower (and risks its timeout). Measured at
    a load average of 27-37 on 2 cores: one at a time, 0 of 25 pages failed, but a pool of 2 took over 90 s."""
    busy = load1 / max(1, cores)
    if busy < 0.75:
        at_once, pause = 3, 0.2
    elif busy < 1.5:
        at_once, pause = 2, 1.0
    elif busy < 3.0:
        at_once, pause = 2, 2.0
    else:  # two at a time still: with other programs busy, one render alone gets too small a share of the CPU
        at_once, pause = 2, 4.0
    if failures_in_a_row:
        at_once, pause = 1, min(60.0, pause * 2 ** min(failures_in_a_row, 5))
    return at_once, pause


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


@dataclass
class Fill:
    """The pool of one notebook."""

    target: int
    kwargs: dict
    starting: int = 0  # preparations under way
    failures_in_a_row: int = 0
    failed_total: int = 0
    failures: deque = field(default_factory=lambda: deque(maxlen=200))  # times of failures
    last_problem: str = ""
    not_before: float = 0.0  # no new preparation before this time (monotonic)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    was_full: bool = False


class PacedPool:
    """Mixed in before Voila's VoilaKernelManager (see app.py): its pool, filled and checked as above."""

    def _cc_fills(self) -> dict:
        if "_cc_fill_state" not in self.__dict__:
            self.__dict__["_cc_fill_state"] = {}
            self.__dict__["_cc_preparing"] = set()
        return self.__dict__["_cc_fill_state"]

    @property
    def cc_preparing(self) -> set:
        self._cc_fills()
        return self.__dict__["_cc_preparing"]

    def fill_if_needed(self, delay=None, notebook_name=None, extra_kernel_env_variables=None, **kwargs) -> None:
        """Called by Voila at start-up for every notebook; starts this notebook's filler once."""
        fills = self._cc_fills()
        if notebook_name in fills:
            fills[notebook_name].wake.set()
            return
        default = self.kernel_pools_config.get("default", {})
        config = self.kernel_pools_config.get(notebook_name, default)
        target = int(config.get("pool_size", default.get("pool_size", 1)))
        if target <= 0:
            return
        self._pools[notebook_name] = []
        kwargs.setdefault("path", os.path.dirname(notebook_name) if notebook_name else self.root_dir)
        env = os.environ.copy()
        env.update(kwargs.get("env", {}))
        for key, value in config.get("kernel_env_variables", default.get("kernel_env_variables", {})).items():
            env.setdefault(key, value)
        env[ENV_VARIABLE.VOILA_BASE_URL] = self.parent.base_url
        env[ENV_VARIABLE.VOILA_SERVER_URL] = self.parent.server_url
        env[ENV_VARIABLE.VOILA_APP_PORT] = str(self.parent.port)
        env[ENV_VARIABLE.VOILA_PREHEAT] = "True"
        kwargs["env"] = env
        fill = Fill(target=target, kwargs=kwargs)
        fills[notebook_name] = fill
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
        fill.task = loop.create_task(self._cc_filler(notebook_name, fill))

    def get_pool_size(self, notebook_name: str) -> int:
        return len(self._pools.get(notebook_name, []))

    async def get_rendered_notebook(self, notebook_name: str, extra_kernel_env_variables=None, **kwargs):
        """A checked page from the pool (the handler asks only when get_pool_size says there is one)."""
        pool = self._pools.get(notebook_name) or []
        fill = self._cc_fills().get(notebook_name)
        while pool:
            content = await pool.pop(0)
            kernel_id = content["kernel_id"]
            try:
                alive = kernel_id in self and await ensure_async(self.get_kernel(kernel_id).is_alive())
            except Exception:
                alive = False
            if alive:
                break
            log.warning("a ready page's kernel %s had died; it was thrown away", kernel_id)
            await self._cc_discard(kernel_id, content)
        else:
            raise RuntimeError(f"no ready page for {notebook_name}")
        renderer = content["renderer"]
        renderer.stop_generator = True
        log.info("Using pre-heated kernel: %s for %s", kernel_id, notebook_name)
        if fill is not None:
            fill.not_before = time.monotonic() + float(self.fill_delay or 0)
            fill.was_full = False
            fill.wake.set()
        self._cc_publish()
        return content["task"], renderer.rendered_cache, kernel_id

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
        result = await super().shutdown_kernel(kernel_id, *args, **kwargs)
        for fill in self._cc_fills().values():
            fill.wake.set()  # a pool page that died and was culled is replaced
        return result

    async def shutdown_all(self, *args, **kwargs):
        for fill in self._cc_fills().values():
            if fill.task is not None:
                fill.task.cancel()
        try:
            self._cc_status_path().unlink()
        except OSError:
            pass
        return await super().shutdown_all(*args, **kwargs)

    # ------------------------------------------------------------------ filling

    async def _cc_filler(self, name: str, fill: Fill) -> None:
        self._cc_publish()
        while True:
            try:
                ready = len(self._pools.get(name, []))
                missing = fill.target - ready - fill.starting
                wait_for = None
                if missing <= 0:
                    wait_for = HEARTBEAT
                elif time.monotonic() < fill.not_before:
                    wait_for = min(HEARTBEAT, fill.not_before - time.monotonic())
                else:
                    at_once, pause = fill_pace(load_average(), os.cpu_count() or 1, fill.failures_in_a_row)
                    if fill.starting >= at_once:
                        wait_for = min(HEARTBEAT, 5.0)
                    else:
                        fill.starting += 1
                        asyncio.ensure_future(self._cc_prepare(name, fill))
                        self._cc_publish()
                        await asyncio.sleep(pause)
                        continue
                fill.wake.clear()
                try:
                    await asyncio.wait_for(fill.wake.wait(), wait_for)
                except asyncio.TimeoutError:
                    self._cc_publish()
            except asyncio.CancelledError:
                raise
            except Exception:  # the filler must never stop: log and try again shortly
                log.exception("the pool filler of %s hit a problem", name)
                await asyncio.sleep(5)

    async def _cc_prepare(self, name: str, fill: Fill) -> None:
        content, kernel_id, problem = None, None, None
        t0 = time.monotonic()
        try:
            start = self._initialize(name, None, **fill.kwargs)
            content = await asyncio.wait_for(start, PREPARE_TIMEOUT)
            kernel_id = content["kernel_id"]
            self.cc_preparing.add(kernel_id)
            left = max(1.0, PREPARE_TIMEOUT - (time.monotonic() - t0))
            rendered, _ = await asyncio.wait_for(asyncio.shield(content["task"]), left)
            problem = page_problem("".join(rendered))
            if problem is None and not await ensure_async(self.get_kernel(kernel_id).is_alive()):
                problem = "its kernel died"
        except asyncio.CancelledError:
            problem = "the server is stopping"
        except asyncio.TimeoutError:
            problem = f"it was not ready after {PREPARE_TIMEOUT:.0f} s"
        except Exception as exc:
            problem = f"preparing it failed ({type(exc).__name__})"
            log.debug("preparing a page of %s failed", name, exc_info=True)
        finally:
            fill.starting -= 1
            self.cc_preparing.discard(kernel_id)
        if problem is None:
            future = asyncio.get_event_loop().create_future()
            future.set_result(content)
            self._pools.setdefault(name, []).append(future)
            fill.failures_in_a_row = 0
            if len(self._pools[name]) >= fill.target and not fill.was_full:
                fill.was_full = True
                log.info("Kernel pool of %s is filled with %s kernel(s)", name, fill.target)
        else:
            fill.failures_in_a_row += 1
            fill.failed_total += 1
            fill.failures.append(time.time())
            fill.last_problem = problem
            log.warning(
                "Threw away a preheated page of %s after %.0f s (load average %.1f): %s. It is made again.",
                name,
                time.monotonic() - t0,
                load_average(),
                problem,
            )
            if content is not None:
                await self._cc_discard(kernel_id, content)
        self._cc_publish()
        fill.wake.set()

    async def _cc_discard(self, kernel_id, content) -> None:
        task = content.get("task") if content else None
        if task is not None and not task.done():
            task.cancel()
        if kernel_id and kernel_id in self:
            try:
                await self.shutdown_kernel(kernel_id, now=True)
            except Exception:
                log.debug("could not shut down kernel %s", kernel_id, exc_info=True)

    # ------------------------------------------------------------------ status for the dashboard

    def cc_status(self) -> poolstatus.PoolStatus:
        status = poolstatus.PoolStatus()
        recent = time.time() - poolstatus.RECENT_SECONDS
        for name, fill in self._cc_fills().items():
            status.ready += len(self._pools.get(name, []))
            status.preparing += fill.starting
            status.target += fill.target
            status.failed_total += fill.failed_total
            status.failed_recently += sum(1 for t in fill.failures if t >= recent)
            status.last_problem = fill.last_problem or status.last_problem
        return status

    def _cc_status_path(self):
        return poolstatus.status_path(data_dir(), self.parent.port)

    def _cc_publish(self) -> None:
        try:
            poolstatus.write(self._cc_status_path(), self.cc_status())
        except OSError:
            log.debug("could not write the pool status", exc_info=True)
