"""Who a page request comes from, and the line people wait in when the server is full (no Tornado here
except the websocket handler at the end, which notes a learner's first action).

* An address is grouped: an IPv6 address counts as its /64 network (one home or phone gets a whole /64).
* A browser is its key: a random cookie the server sets on its first answer (``cc_browser``). A request
  without one is a browser of its own. The store remembers, as keyed hashes, browsers whose learner came
  back with saved progress; they are let in ahead of anonymous pages.
* When the server is at its cap, a newcomer gets a page with the help numbers and their place in line that
  asks again by itself every few seconds; kernels of pages that never showed a learner's action are
  reclaimed (see KernelBook.reclaimable) for the people in line, in order: browsers with saved progress
  first, then addresses whose pages were not reclaimed lately, then addresses holding fewer pages, then
  whoever came first.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import secrets
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path

from ..store.ratelimit import REFUSALS_FILE  # noqa: F401 (where the server writes its counts)
from . import wire
from .kernels import Refusal

log = logging.getLogger("caregiver_course.server")

BROWSER_COOKIE = "cc_browser"
_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
RETRY_SECONDS = 5  # the waiting page asks again this often
PATIENCE = 3 * RETRY_SECONDS  # a place in line is kept this long after the last ask
MAX_PENDING = 5000  # keys given out and not yet seen again, remembered for their time of arrival


def address_group(address: str) -> str:
    """The address as limits count it: IPv4 as it is, IPv6 as its /64 network."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return address or ""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def browser_key(cookie: str | None) -> tuple[str, bool]:
    """(this browser's key, whether it is new): the cookie's value if it looks like one of ours."""
    if cookie and _KEY.match(cookie):
        return cookie, False
    return secrets.token_urlsafe(24), True


@dataclass
class Ticket:
    key: str
    address: str
    known: bool
    since: float
    seen: float


class Line:
    """The people waiting for a place, in the order they get one."""

    def __init__(self, patience: float = PATIENCE):
        self.patience = patience
        self.tickets: dict[str, Ticket] = {}
        self.pending: OrderedDict[str, float] = OrderedDict()  # keys just given out: when they first asked
        self.reclaimed: deque[tuple[float, str]] = deque()  # (when, address) of kernels reclaimed lately

    def expire(self, now: float) -> None:
        for key in [k for k, t in self.tickets.items() if now - t.seen > self.patience]:
            del self.tickets[key]
        while self.pending and now - next(iter(self.pending.values())) > self.patience:
            self.pending.popitem(last=False)
        while self.reclaimed and now - self.reclaimed[0][0] > 600:
            self.reclaimed.popleft()

    def note_reclaimed(self, address: str, now: float) -> None:
        self.reclaimed.append((now, address))

    def position(
        self, key: str, address: str, known: bool, held_by_address: Counter, now: float, new: bool = False
    ) -> int:
        """Join (or stay in) the line; this browser's place in it, from 1. A request that came without a
        browser key (``new``) joins the line only when it comes back with the key it was given (keeping the
        time it first asked), so requests that never keep a cookie cannot fill the line ahead of people."""
        self.expire(now)
        t = self.tickets.get(key)
        if t is None:
            since = self.pending.pop(key, now)
            t = Ticket(key, address, known, since, now)
            if new:
                self.pending[key] = now
                while len(self.pending) > MAX_PENDING:
                    self.pending.popitem(last=False)
            else:
                self.tickets[key] = t
        t.seen, t.known = now, t.known or known
        lately = Counter(a for _, a in self.reclaimed)

        def order(x: Ticket):
            return (not x.known, lately[x.address], held_by_address[x.address], x.since)

        mine = order(t)
        return 1 + sum(1 for x in self.tickets.values() if x is not t and order(x) < mine)

    def leave(self, key: str) -> None:
        self.tickets.pop(key, None)

    def __len__(self) -> int:
        return len(self.tickets)


class RefusalCounts:
    """How many page requests were made to wait, and why, in the last hour (counts only, no identities),
    written to a small file beside the store for the facilitator's dashboard."""

    def __init__(self, path: Path | None, every: float = 5.0):
        self.path, self.every = path, every
        self.events: deque[tuple[float, str]] = deque()
        self.written = 0.0

    def add(self, kind: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self.events.append((now, kind))
        while self.events and now - self.events[0][0] > 3600:
            self.events.popleft()
        if self.path is not None and now - self.written >= self.every:
            self.written = now
            self.write(now)

    def counts(self) -> dict[str, int]:
        return dict(Counter(kind for _, kind in self.events))

    def write(self, now: float) -> None:
        try:
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            tmp.write_text(json.dumps({"at": now, "last_hour": self.counts()}))
            os.replace(tmp, self.path)
        except OSError:
            log.debug("could not write the refusal counts", exc_info=True)


class Admitter:
    """The line and the kernel cap together: decide() says whether a page request gets a kernel now.

    known(key) says whether a browser has saved progress; reclaim(kernel_id) shuts a kernel down (the book
    has already let it go); counts records each refusal's reason for the dashboard."""

    def __init__(self, book, known=lambda key: False, reclaim=lambda kernel_id: None, counts=None):
        self.book, self.known, self.reclaim = book, known, reclaim
        self.line = Line()
        self.counts = counts if counts is not None else RefusalCounts(None)

    def decide(self, key: str, address: str, live_kernels: set[str], now: float | None = None, new: bool = False):
        """None: let this page in (it is then admitted in the book); else a Refusal, whose ``position`` is
        the place in line for kinds "full" and "address"."""
        now = time.time() if now is None else now
        book = self.book
        self.line.expire(now)
        free = book.free_places(live_kernels)
        if len(self.line) or free <= 0:  # people are waiting (or there is no place): join the line
            held = Counter(h.address for h in book.held.values() if not h.closed)
            try:
                known = self.known(key)
            except Exception:  # the store cannot be read: wait like everyone else
                known = False
            position = self.line.position(key, address, known, held, now, new=new)
            if position > free and not new:  # only for a browser that came back with its key: in line
                free += self._make_room(position - free, now)
            if position > free:
                refusal = Refusal("full", f"the server is full; place {position} in line of {len(self.line)}")
                refusal.position = position
                self.counts.add("full", now)
                return refusal
            self.line.leave(key)
        refusal = book.admit(key, live_kernels, address)
        if refusal is not None:
            refusal.position = 0
            self.counts.add(refusal.kind, now)
        return refusal

    def _make_room(self, wanted: int, now: float) -> int:
        made = 0
        for kid in self.book.reclaimable(now)[: min(wanted, 8)]:
            holding = self.book.held.get(kid)
            self.book.forget(kid)
            if holding is not None:
                self.line.note_reclaimed(holding.address, now)
                why = "its page closed" if holding.closed else "its page showed no action"
                log.info("reclaimed kernel %s for someone waiting: %s", kid, why)
            try:
                self.reclaim(kid)
            except Exception:
                log.warning("could not shut down reclaimed kernel %s", kid, exc_info=True)
            made += 1
        return made


def is_action(frame) -> bool:
    """Is this (already checked) websocket frame something only a learner's action sends: a widget value
    change or a click, not the page's own hello or its request for the widgets' state?"""
    if not isinstance(frame, (bytes, bytearray)):
        return False
    try:
        channel, parts = wire.parse_v1(bytes(frame))
        if json.loads(parts[0]).get("msg_type") != "comm_msg":
            return False
        data = json.loads(parts[3]).get("data") or {}
    except Exception:
        return False
    method = data.get("method")
    if method == "update":
        return True
    content = data.get("content")
    return method == "custom" and isinstance(content, dict) and "hello" not in content
