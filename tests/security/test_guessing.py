"""Guessing resume codes, workshop codes and the facilitator secret from many kernels at once.

Each worker process is one learner kernel (its own kernel id) of the same client, as when a client opens
many pages. The limits live in the store, so opening more pages does not buy more guesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from caregiver_course.store import Store, ratelimit
from caregiver_course.store.codes import WORDS

HERE = Path(__file__).resolve().parent
KERNELS = 10
SECONDS = 12.0


def start_guessers(store, scope: str, seconds: float, rotate: str = "") -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, str(HERE / "guess_worker.py"), str(store.path), scope, f"kernel-{i}", str(seconds)]
            + ([rotate] if rotate else []),
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(KERNELS)
    ]


def guessing_run(tmp_path, scope: str, clients: int = 1, one_browser: bool = False) -> tuple[dict, float]:
    """KERNELS pages guessing at once, at `clients` addresses; with one_browser, all pages of one browser key
    (else each page is a browser of its own, as when a client sends no cookie)."""
    store = Store(tmp_path / "course.sqlite3")
    for i in range(KERNELS):
        address = store.client_hash(f"192.0.2.{i % clients}")
        store.set_kernel_client(
            f"kernel-{i}", f"{address} {store.client_hash('one browser')}" if one_browser else address
        )
    procs = start_guessers(store, scope, SECONDS)
    totals = {"checked": 0, "refused": 0, "found": 0}
    for p in procs:
        out, _ = p.communicate(timeout=120)
        for k, v in json.loads(out.strip().splitlines()[-1]).items():
            totals[k] += v
    return totals, SECONDS


@pytest.mark.parametrize("scope", ["resume", "workshop", "secret"])
def test_many_pages_of_one_browser_get_only_the_free_tries(tmp_path, scope):
    totals, seconds = guessing_run(tmp_path, scope, one_browser=True)
    print(scope, totals)
    limit = ratelimit.LIMITS[scope]
    assert totals["found"] == 0
    # The free tries, plus at most one try per kernel that raced past the check at the same moment.
    assert totals["checked"] <= limit.free + KERNELS, totals
    assert totals["refused"] > 0


@pytest.mark.parametrize("scope", ["resume", "secret"])
def test_many_pages_of_one_address_without_browser_keys_get_the_address_ceiling(tmp_path, scope):
    totals, seconds = guessing_run(tmp_path, scope)
    print(scope, totals)
    limit = ratelimit.LIMITS[scope]
    assert totals["found"] == 0
    # Each page is a browser of its own, but the address's ceiling (and the server's budget) hold them all.
    assert totals["checked"] <= min(limit.address_free, limit.server_per_minute) + KERNELS, totals
    assert totals["refused"] > 0


def test_many_clients_are_held_to_the_server_wide_limit(tmp_path):
    totals, seconds = guessing_run(tmp_path, "resume", clients=KERNELS)
    print("many clients", totals)
    limit = ratelimit.LIMITS["resume"]
    assert totals["refused"] > 0
    # Every client's free tries count against the server-wide budget of 30 a minute; each page's first try
    # (a browser with a clean record) is checked whatever the budget says.
    assert totals["checked"] <= limit.server_per_minute + KERNELS, totals


@pytest.mark.parametrize("addresses", [1, 1000])
def test_the_expected_time_to_hit_any_of_10000_learners_is_over_a_year(addresses):
    """The arithmetic of the README: the best rate the limits allow, against the size of the code space. A
    guesser with many addresses (IPv6: many /64 networks) also gets one checked try per new page, at most
    address_free an hour from each address, on top of the server's budget."""
    space = len(WORDS) ** 4 * 900
    limit = ratelimit.LIMITS["resume"]
    per_hour = limit.server_per_minute * 60 + limit.address_free * addresses * 3600 / limit.window
    expected_seconds = space / 10_000 / per_hour * 3600
    assert space >= 2**40
    assert expected_seconds / (365 * 24 * 3600) > 1
    print(f"space {space:.2e}, {addresses} addresses: {per_hour:.0f}/h, {expected_seconds / 31_557_600:.1f} years")
