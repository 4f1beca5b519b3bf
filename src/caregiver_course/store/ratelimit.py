"""Limits on guessing codes and secrets, shared by every kernel through the store (pure logic, no widgets).

Each learner has a kernel of their own, so a wait inside one kernel does not slow a client that opens many
pages. Here every wrong try is written to the store and every kernel reads the same rows. A try comes from
a *page* (its kernel), in a *browser* (the course's browser key, a cookie the server sets; a page that sent
none counts as a browser of its own) at an *address* (IPv6 addresses grouped by /64). The server notes both,
as keyed hashes, when the page takes its kernel. Only wrong tries are counted:

* per browser: a few free tries, then a wait of 30 s that doubles with each wrong try (up to an hour).
  Its own wait refuses a browser's tries without checking them;
* per address: many more free tries (a room or a phone carrier puts dozens of phones behind one address),
  then the same doubling wait;
* for the whole server: at most ``server_per_minute`` wrong tries a minute in each scope, whoever makes them.

A browser with no wrong try of its own in the last hour, at an address under its ceiling, is always checked,
whatever the rest of the server does: someone typing the right code or secret gets in at the first try
while others guess. That costs a guesser a new page (a new kernel of its own) for every extra guess, and at
most ``address_free`` such guesses an hour from one address (see the README for the arithmetic). Any other
try, while a limit holds, is refused without being checked, so it tells a guesser nothing.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .engine import data_dir

log = logging.getLogger("caregiver_course")


@dataclass(frozen=True)
class Limit:
    free: int  # wrong tries a browser gets before it must wait
    server_per_minute: int  # wrong tries a minute, all clients together
    address_free: int = 30  # wrong tries one address (a room, a carrier) gets in the window before it waits
    window: float = 3600.0  # wrong tries older than this are forgiven
    first_wait: float = 30.0  # the wait after the free tries; it doubles with each wrong try after that
    max_wait: float = 3600.0


LIMITS = {
    "resume": Limit(free=5, server_per_minute=30),
    "workshop": Limit(free=5, server_per_minute=30),
    "secret": Limit(free=3, server_per_minute=10, address_free=10),
}
BROWSER = "/browser"  # rows counted per browser are kept under the scope's name plus this


@dataclass(frozen=True)
class Who:
    """Who is trying: keyed hashes of the address (group) and of the browser key."""

    address: str
    browser: str

    @classmethod
    def of(cls, client) -> Who:
        if isinstance(client, Who):
            return client
        address, _, browser = str(client or "").partition(" ")
        return cls(address, browser or address)


def _doubling(limit: Limit, count: int, free: int, last: float, now: float) -> float:
    if count < free:
        return 0.0
    return max(0.0, last + min(limit.first_wait * 2.0 ** (count - free), limit.max_wait) - now)


def wait_seconds(store, scope: str, client, now: float | None = None) -> float:
    """How long this client must wait before its next try in this scope (0: check it now)."""
    now = time.time() if now is None else now
    who = Who.of(client)
    limit = LIMITS[scope]
    mine = store.failures(scope + BROWSER, now - limit.window, who.browser)
    if mine and (wait := _doubling(limit, len(mine), limit.free, mine[-1], now)) > 0:
        return wait  # this browser's own wrong tries
    here = store.failures(scope, now - limit.window, who.address)
    address_wait = _doubling(limit, len(here), limit.address_free, here[-1], now) if here else 0.0
    if not mine and len(here) < limit.address_free:
        return 0.0  # a browser with a clean record, at an address under its ceiling: always checked
    everyone = store.failures(scope, now - 60.0)
    server_wait = 0.0
    if len(everyone) >= limit.server_per_minute:
        server_wait = everyone[-limit.server_per_minute] + 60.0 - now
    return max(0.0, address_wait, server_wait)


def note(store, scope: str, client, ok: bool, now: float | None = None) -> None:
    """Record a try. Wrong tries that reach a limit are logged for the clinic's administrator."""
    now = time.time() if now is None else now
    who = Who.of(client)
    store.record_attempt(scope, who.address, ok, now)
    if ok:
        return
    store.record_attempt(scope + BROWSER, who.browser, ok, now)
    limit = LIMITS[scope]
    mine = len(store.failures(scope + BROWSER, now - limit.window, who.browser))
    if mine >= limit.free:
        log.warning(
            "rate limit: %d wrong %s tries in the last hour from browser %s; it now waits %.0f s",
            mine,
            scope,
            who.browser or "unknown",
            min(limit.first_wait * 2.0 ** (mine - limit.free), limit.max_wait),
        )
    here = len(store.failures(scope, now - limit.window, who.address))
    if here >= limit.address_free:
        log.warning("rate limit: %d wrong %s tries in the last hour from address %s", here, scope, who.address)
    everyone = len(store.failures(scope, now - 60.0))
    if everyone >= limit.server_per_minute:
        log.warning(
            "rate limit: %d wrong %s tries on this server in the last minute; only browsers without wrong tries "
            "are checked",
            everyone,
            scope,
        )


def note_returning_browser(store) -> None:
    """This page's learner came back with saved progress: the server lets this browser in first when full."""
    who = this_client(store)
    if not who.browser or who.browser == who.address or who.browser.startswith("kernel:"):
        return  # the page came without a browser key
    try:
        store.note_known_browser(who.browser)
    except Exception:  # only an order in a line: never worth a failed page
        log.debug("could not note a returning browser", exc_info=True)


REFUSAL_REASONS = {
    "full": "the server was full (they waited in line)",
    "address": "one address had many pages open (they waited in line)",
    "browser": "one browser had many pages open",
    "loading": "pages were still loading (a short wait)",
}
REFUSALS_FILE = "admission-counts.json"  # the server writes its counts of waiting pages here


def read_refusals(path: Path, now: float | None = None) -> dict[str, int]:
    """The last hour's counts as the server wrote them ({} if none, or if they are more than an hour old)."""
    now = time.time() if now is None else now
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or now - float(data.get("at", 0)) > 3600:
        return {}
    counts = data.get("last_hour")
    return {str(k): int(v) for k, v in counts.items() if k in REFUSAL_REASONS} if isinstance(counts, dict) else {}


def refusals_note(store, now: float | None = None) -> str:
    """For the facilitator's dashboard: how many page requests had to wait in the last hour and why, and how
    many wrong workshop codes were typed (counts only, never who)."""
    now = time.time() if now is None else now
    parts = [
        f"{n} × {REFUSAL_REASONS[kind]}" for kind, n in sorted(read_refusals(data_dir() / REFUSALS_FILE, now).items())
    ]
    try:
        wrong = len(store.failures("workshop", now - 3600)) if store is not None else 0
    except Exception:  # the store cannot be read: say what is known
        wrong = 0
    if wrong:
        parts.append(f"{wrong} wrong workshop code{'s' if wrong != 1 else ''} typed")
    if not parts:
        return "No one was turned away in the last hour."
    return "Turned away or kept waiting in the last hour: " + "; ".join(parts) + "."


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


def this_client(store) -> Who:
    """Who this kernel's page was served to, as the server noted it. A page without a browser key counts as
    a browser of its own (its kernel id); if nothing is known, the server-wide limit still applies."""
    kid = this_kernel_id()
    noted = ""
    if kid and store is not None:
        try:
            noted = store.kernel_client(kid)
        except Exception:  # the store cannot be read
            noted = ""
    address, _, browser = noted.partition(" ")
    return Who(address, browser or (f"kernel:{kid}" if kid else address))
