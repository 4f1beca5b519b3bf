"""The course's kernel manager: kernels that know which page took them (for admission and culling), and
Voila's pooled manager with the paced, checked pool (pool.py)."""

from __future__ import annotations

import functools
import logging
import time

from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from . import handlers
from .kernels import KernelBook
from .pool import PacedPool

log = logging.getLogger("caregiver_course.server")


class CourseKernels(AsyncMappingKernelManager):
    """Kernels that know which page took them (base class for Voila's pooled kernel manager)."""

    cc_book: KernelBook | None = None

    async def start_kernel(self, *args, **kwargs):
        kernel_id = await super().start_kernel(*args, **kwargs)
        env = kwargs.get("env") or {}
        admission = handlers.ADMISSION.get()
        if env.get("VOILA_PREHEAT") == "False" and admission is not None:  # a page's own kernel
            admission.took_kernel(kernel_id)
        if self.cc_book is not None:
            self.add_restart_callback(kernel_id, functools.partial(self.cc_book.restarted, kernel_id), "restart")
        return kernel_id

    def cc_in_pool(self, kernel_id: str) -> bool:
        if kernel_id in getattr(self, "cc_preparing", ()):  # a page being prepared for the pool
            return True
        for pool in getattr(self, "_pools", {}).values():
            for f in pool:
                try:
                    if f.done() and f.result().get("kernel_id") == kernel_id:
                        return True
                except Exception:  # a pool kernel that failed to start
                    continue
        return False

    async def cull_kernel_if_idle(self, kernel_id):
        if self.cc_book is None or kernel_id not in self:
            return await ensure_async(super().cull_kernel_if_idle(kernel_id))
        kernel = self.get_kernel(kernel_id)
        last = getattr(kernel, "last_activity", None)
        dead = getattr(kernel, "execution_state", "") == "dead" or not await ensure_async(kernel.is_alive())
        reason = self.cc_book.cull_reason(
            kernel_id, last.timestamp() if last else time.time(), in_pool=self.cc_in_pool(kernel_id), dead=dead
        )
        if reason:
            log.info("Culling kernel %s: %s", kernel_id, reason)
            await ensure_async(self.shutdown_kernel(kernel_id))
            self.cc_book.forget(kernel_id)
            if getattr(self, "cc_metrics", None) is not None:
                self.cc_metrics.kernel_gone(kernel_id)
        return None


def with_pages(km_class):
    """Voila's pooled kernel manager with a paced, checked pool (pool.py), noting which page takes each
    pool kernel."""
    if not hasattr(km_class, "kernel_pools_config"):  # preheating is off: Voila's plain manager
        return km_class

    class CoursePooledKernels(PacedPool, km_class):
        async def get_rendered_notebook(self, *args, **kwargs):
            render_task, rendered_cache, kernel_id = await super().get_rendered_notebook(*args, **kwargs)
            admission = handlers.ADMISSION.get()
            if admission is not None:
                admission.took_kernel(kernel_id)
            return render_task, rendered_cache, kernel_id

        async def cull_kernel_if_idle(self, kernel_id):
            # Voila's own version skips pool kernels and then defers to Jupyter's rule; ours does both.
            return await CourseKernels.cull_kernel_if_idle(self, kernel_id)

    return CoursePooledKernels
