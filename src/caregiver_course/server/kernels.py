"""Which kernels a page holds, and when a kernel may go (pure bookkeeping, no Tornado, no Jupyter).

Voila starts a kernel for a page, or hands it one from the preheated pool. Jupyter Server's culler only
knows "idle since" and "connections", so on its own it (a) counts a pool kernel's idle time from when the
pool made it, and (b) sees a page still downloading its JavaScript as "0 connections": a slow phone's page
lost its kernel before it could connect and stayed blank. Here each kernel's life is counted from the
moment a page *took* it:

* in the pool, waiting: never culled;
* taken, never connected: kept for ``connect_grace`` seconds (minutes: a slow phone needs them);
* connected once, now closed (tab closed, phone asleep): culled ``disconnected_timeout`` after the close;
* connected and idle: culled after ``idle_timeout`` (generous; the page asks "still there?" first);
* dead, or restarted (a fresh kernel has none of the page's widgets): culled at once.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Holding:
    client: str  # the browser (its key), or the address when a page came without one
    taken_at: float
    connections: int = 0
    ever_connected: bool = False
    closed_at: float | None = None
    restarted: bool = False
    address: str = ""  # the address (IPv6: its /64) the page came from
    acted: bool = False  # the page sent something only a learner's action sends (a click, a typed answer)
    connected_at: float | None = None
    sent_at: float | None = None  # when the page had been sent in full (a page still loading is never reclaimed)

    @property
    def closed(self) -> bool:
        """The page connected once and has no connection now (closed, reloaded, asleep)."""
        return self.ever_connected and self.connections == 0


class Refusal(str):
    """Why a page was not let in now, for the log; ``kind`` says which page the visitor gets:
    "full" (the server is at its cap: wait in line), "address" (this address's ceiling: wait in line),
    "browser" (this browser holds its cap of open pages), "loading" (its other pages are still loading:
    a short "getting ready" wait)."""

    kind: str = ""

    def __new__(cls, kind: str, text: str):
        made = super().__new__(cls, text)
        made.kind = kind
        return made


@dataclass
class Policy:
    max_kernels: int  # pages' kernels plus the pool
    per_client: int  # kernels one client address may hold at once
    pool_size: int
    per_client_starting: int = 2  # pages one browser may have loading at once (each costs seconds of CPU)
    per_address: int = 40  # open pages one address may hold (a room, or a phone carrier, behind one address)
    per_address_starting: int = 4  # pages one address may have loading at once
    reclaim_unconnected: float = 30.0  # when someone waits: a page not connected after this may lose its kernel
    reclaim_unacted: float = 45.0  # ... and a connected page that showed no learner's action after this
    connect_grace: float = 180.0
    disconnected_timeout: float = 120.0
    idle_timeout: float = 3600.0


@dataclass
class KernelBook:
    policy: Policy
    held: dict[str, Holding] = field(default_factory=dict)
    starting: Counter = field(default_factory=Counter)  # client -> pages admitted, kernel not yet known
    loading: Counter = field(default_factory=Counter)  # client -> pages admitted and not yet fully sent
    address_of: dict[str, str] = field(default_factory=dict)  # client (browser) -> its address, while loading
    starting_at: Counter = field(default_factory=Counter)  # address -> pages admitted, kernel not yet known
    loading_at: Counter = field(default_factory=Counter)  # address -> pages admitted and not yet fully sent

    # ------------------------------------------------------------------ admission

    def page_places(self) -> int:
        return max(1, self.policy.max_kernels - self.policy.pool_size)

    def free_places(self, live_kernels: set[str]) -> int:
        self.forget_missing(live_kernels)
        return self.page_places() - len(self.held) - sum(self.starting.values())

    def open_pages(self, client: str | None = None, address: str | None = None) -> int:
        """Pages held and not closed (a learner's own closed pages never count against them), by browser or
        by address, plus those admitted and not yet holding a kernel."""
        held = sum(
            1
            for h in self.held.values()
            if not h.closed and (client is None or h.client == client) and (address is None or h.address == address)
        )
        return held + (self.starting[client] if client is not None else self.starting_at[address])

    def admit(self, client: str, live_kernels: set[str], address: str | None = None) -> Refusal | None:
        """May this browser's page get a kernel now? None if yes, else why not. ``address`` is where it came
        from (IPv6: its /64); without one, the client is its own address."""
        address = client if address is None else address
        places = self.page_places()
        pages = places - self.free_places(live_kernels)
        if pages >= places:
            return Refusal("full", f"the server holds {pages} page kernels (limit {places})")
        mine = self.open_pages(client=client)
        if mine >= self.policy.per_client:
            return Refusal("browser", f"this browser holds {mine} open pages (limit {self.policy.per_client})")
        if address != client and (here := self.open_pages(address=address)) >= self.policy.per_address:
            return Refusal("address", f"this address holds {here} open pages (limit {self.policy.per_address})")
        if self.loading[client] >= self.policy.per_client_starting:
            limit = self.policy.per_client_starting
            return Refusal("loading", f"this browser has {self.loading[client]} pages loading (limit {limit})")
        if address != client and self.loading_at[address] >= self.policy.per_address_starting:
            return Refusal(
                "loading",
                f"this address has {self.loading_at[address]} pages loading (limit {self.policy.per_address_starting})",
            )
        self.starting[client] += 1
        self.loading[client] += 1
        if address != client:
            self.address_of[client] = address
            self.starting_at[address] += 1
            self.loading_at[address] += 1
        return None

    @staticmethod
    def _down(counter: Counter, key: str) -> None:
        if counter[key] > 0:
            counter[key] -= 1
        if counter[key] <= 0:
            del counter[key]

    def finished_loading(self, client: str) -> None:
        self._down(self.loading, client)
        if (address := self.address_of.get(client)) is not None:
            self._down(self.loading_at, address)
        if not self.loading[client] and not self.starting[client]:
            self.address_of.pop(client, None)

    def release_admission(self, client: str) -> None:
        self._down(self.starting, client)
        if (address := self.address_of.get(client)) is not None:
            self._down(self.starting_at, address)
        if not self.loading[client] and not self.starting[client]:
            self.address_of.pop(client, None)

    def reclaimable(self, now: float | None = None) -> list[str]:
        """Kernels that may go now to make room for someone waiting, the most reclaimable first: closed pages,
        then pages that never connected (``reclaim_unconnected`` after they were sent), then connected pages
        that never showed a learner's action (``reclaim_unacted`` after they connected); within each, the
        address holding most first, then the oldest. A page with a learner's action is never reclaimed while
        it is open."""
        now = now if now is not None else time.time()
        per_address = Counter(h.address for h in self.held.values() if not h.closed)
        ranked = []
        for kid, h in self.held.items():
            if h.closed:
                tier = 0
            elif h.sent_at is None:  # the page is still being made or sent: kept, unless that takes minutes
                if h.ever_connected or now - h.taken_at <= 3 * self.policy.reclaim_unconnected:
                    continue  # (a client that never reads its page must not keep the kernel for ever)
                tier = 1
            elif not h.ever_connected and now - h.sent_at > self.policy.reclaim_unconnected:
                tier = 1
            elif not h.acted and now - (h.connected_at or h.sent_at) > self.policy.reclaim_unacted:
                tier = 2
            else:
                continue
            ranked.append((tier, -per_address[h.address], h.taken_at, kid))
        return [kid for *_, kid in sorted(ranked)]

    def sent(self, kernel_id: str, now: float | None = None) -> None:
        h = self.held.get(kernel_id)
        if h is not None and h.sent_at is None:
            h.sent_at = now if now is not None else time.time()

    def acted(self, kernel_id: str) -> None:
        h = self.held.get(kernel_id)
        if h is not None:
            h.acted = True

    def may_use_pool(self, client: str, pool_items: int) -> bool:
        """May this client's page (already admitted, so counted as loading) take a preheated kernel?

        The pool is for people arriving. A client that already holds a page and a reload (a quarter of its
        allowance in workshop mode) waits for a fresh kernel. And the last kernel in the pool is kept for a
        client that holds nothing and has no other page loading: a client opening many pages at once can
        take at most all but one, so the next learner still gets a page in a second or two."""
        if pool_items <= 0:
            return False
        mine = sum(1 for h in self.held.values() if h.client == client)
        if mine >= max(2, self.policy.per_client // 4):
            return False
        others_loading = self.loading[client] - 1
        return pool_items > 1 or (mine == 0 and others_loading <= 0)

    def address_may_use_pool(self, address: str, pool_items: int) -> bool:
        """The same rule for the last pool kernel by address: requests that send no browser key are each a
        browser of their own, so the last one is kept for an address with nothing open and nothing else
        loading."""
        if pool_items > 1:
            return True
        return self.open_pages(address=address) - self.starting_at[address] == 0 and self.loading_at[address] <= 1

    def took(self, kernel_id: str, client: str, now: float | None = None, address: str | None = None) -> None:
        """A page took this kernel (from the pool or freshly started)."""
        address = self.address_of.get(client, client) if address is None else address
        self.held[kernel_id] = Holding(client=client, taken_at=now if now is not None else time.time(), address=address)

    # ------------------------------------------------------------------ connections

    def connected(self, kernel_id: str) -> None:
        h = self.held.get(kernel_id)
        if h is not None:
            h.connections += 1
            h.ever_connected = True
            h.closed_at = None
            h.connected_at = h.connected_at or time.time()

    def disconnected(self, kernel_id: str, now: float | None = None) -> None:
        h = self.held.get(kernel_id)
        if h is not None:
            h.connections = max(0, h.connections - 1)
            if h.connections == 0:
                h.closed_at = now if now is not None else time.time()

    def restarted(self, kernel_id: str) -> None:
        h = self.held.get(kernel_id)
        if h is not None:
            h.restarted = True

    def forget(self, kernel_id: str) -> None:
        self.held.pop(kernel_id, None)

    def forget_missing(self, live_kernels: set[str]) -> None:
        for kid in [k for k in self.held if k not in live_kernels]:
            del self.held[kid]

    def client_of(self, kernel_id: str) -> str:
        h = self.held.get(kernel_id)
        return h.client if h else ""

    # ------------------------------------------------------------------ culling

    def cull_reason(
        self, kernel_id: str, last_activity: float, in_pool: bool, dead: bool, now: float | None = None
    ) -> str | None:
        """Why this kernel should go now, or None to keep it."""
        now = now if now is not None else time.time()
        if dead:
            return "its process has died"
        if in_pool:
            return None
        h = self.held.get(kernel_id)
        if h is None:  # started some other way (should not happen): Jupyter's own rule, from last activity
            idle = now - last_activity
            return (
                f"no page holds it and it has been idle {idle:.0f} s"
                if idle > self.policy.disconnected_timeout
                else None
            )
        if h.restarted:
            return "it was restarted, so its page's widgets are gone"
        if not h.ever_connected:
            waited = now - h.taken_at
            return f"its page never connected in {waited:.0f} s" if waited > self.policy.connect_grace else None
        if h.connections == 0:
            gone = now - (h.closed_at or h.taken_at)
            return f"its page closed {gone:.0f} s ago" if gone > self.policy.disconnected_timeout else None
        idle = now - max(last_activity, h.taken_at)
        return f"its page has been idle {idle:.0f} s" if idle > self.policy.idle_timeout else None


def memory_total_bytes() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 4 * 1024**3


KERNEL_BUDGET_BYTES = 120 * 1024**2  # a learner's kernel: ~60 MiB fresh, ~70 MiB after every lesson; 120 leaves room
SERVER_RESERVE_BYTES = 1024**3  # the server itself, the OS and the database


def default_max_kernels(total: int | None = None) -> int:
    """Half of the machine's memory, after a 1 GiB reserve, in 120 MiB kernels; between 4 and 400."""
    total = memory_total_bytes() if total is None else total
    return max(4, min(400, int((total - SERVER_RESERVE_BYTES) * 0.5 // KERNEL_BUDGET_BYTES)))
