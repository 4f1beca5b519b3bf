"""Limits on guessing codes and secrets, shared by every kernel through the store (pure logic, no widgets).

Each learner has a kernel of their own, so a wait inside one kernel does not slow a client that opens many
pages. Here every wrong try is written to the store, keyed by the client (a keyed hash of its address,
noted by the server when the page took its kernel), and every kernel reads the same rows:

* per client: a few free tries, then a wait of 30 s that doubles with each wrong try (up to an hour);
* for the whole server: at most ``server_per_minute`` wrong tries a minute in each scope, whoever makes
  them. This caps guessing from many addresses at once; while it holds, everyone waits a minute.

A refused try is not checked at all, so it tells a guesser nothing.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("caregiver_course")


@dataclass(frozen=True)
class Limit:
    free: int  # wrong tries a client gets before it must wait
    server_per_minute: int  # wrong tries a minute, all clients together
    window: float = 3600.0  # wrong tries older than this are forgiven
    first_wait: float = 30.0  # the wait after the free tries; it doubles with each wrong try after that
    max_wait: float = 3600.0


LIMITS = {
    "resume": Limit(free=5, server_per_minute=30),
    "workshop": Limit(free=5, server_per_minute=30),
    "secret": Limit(free=3, server_per_minute=10),
}


def wait_seconds(store, scope: str, client: str, now: float | None = None) -> float:
    """How long this client must wait before its next try in this scope (0: it may try now)."""
    now = time.time() if now is None else now
    limit = LIMITS[scope]
    mine = store.failures(scope, now - limit.window, client)
    wait = 0.0
    if len(mine) >= limit.free:
        delay = min(limit.first_wait * 2.0 ** (len(mine) - limit.free), limit.max_wait)
        wait = max(wait, mine[-1] + delay - now)
    everyone = store.failures(scope, now - 60.0)
    if len(everyone) >= limit.server_per_minute:
        wait = max(wait, everyone[-limit.server_per_minute] + 60.0 - now)
    return max(0.0, wait)


def note(store, scope: str, client: str, ok: bool, now: float | None = None) -> None:
    """Record a try. Wrong tries that reach a limit are logged for the clinic's administrator."""
    now = time.time() if now is None else now
    store.record_attempt(scope, client, ok, now)
    if ok:
        return
    limit = LIMITS[scope]
    mine = len(store.failures(scope, now - limit.window, client))
    if mine >= limit.free:
        log.warning(
            "rate limit: %d wrong %s tries in the last hour from client %s; it now waits %.0f s",
            mine,
            scope,
            client or "unknown",
            min(limit.first_wait * 2.0 ** (mine - limit.free), limit.max_wait),
        )
    everyone = len(store.failures(scope, now - 60.0))
    if everyone >= limit.server_per_minute:
        log.warning("rate limit: %d wrong %s tries on this server in the last minute; everyone waits", everyone, scope)


def as_words(seconds: float) -> str:
    """'1 minute', '12 minutes', 'an hour': how long to wait, for a learner."""
    minutes = max(1, round(seconds / 60))
    if minutes >= 55:
        return "about an hour"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def this_kernel_id() -> str:
    """The id of the kernel this code runs in (Voila sets it; the connection file names it too)."""
    kid = os.environ.get("VOILA_KERNEL_ID", "")
    if kid:
        return kid
    try:
        from ipykernel.connect import get_connection_file

        return Path(get_connection_file()).stem.removeprefix("kernel-")
    except Exception:  # not in a kernel (tests, scripts)
        return ""


def this_client(store) -> str:
    """The client this kernel's page was served to, as the server noted it ('' if unknown)."""
    kid = this_kernel_id()
    if not kid or store is None:
        return ""
    try:
        return store.kernel_client(kid)
    except Exception:  # the store cannot be read: the server-wide limit still applies
        return ""
