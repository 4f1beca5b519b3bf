"""Guessing resume codes, workshop codes and the facilitator secret from many kernels at once.

Each worker process is one learner kernel (its own kernel id) of the same client, as when a client opens
many pages. The limits live in the store, so opening more pages does not buy more guesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from caregiver_course import ratelimit
from caregiver_course.codes import WORDS
from caregiver_course.store import Store

HERE = Path(__file__).resolve().parent
KERNELS = 10
SECONDS = 12.0


def guessing_run(tmp_path, scope: str, clients: int = 1) -> tuple[dict, float]:
    store = Store(tmp_path / "course.sqlite3")
    for i in range(KERNELS):
        store.set_kernel_client(f"kernel-{i}", store.client_hash(f"192.0.2.{i % clients}"))
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE / "guess_worker.py"), str(store.path), scope, f"kernel-{i}", str(SECONDS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(KERNELS)
    ]
    totals = {"checked": 0, "refused": 0, "found": 0}
    for p in procs:
        out, _ = p.communicate(timeout=120)
        for k, v in json.loads(out.strip().splitlines()[-1]).items():
            totals[k] += v
    return totals, SECONDS


@pytest.mark.parametrize("scope", ["resume", "workshop", "secret"])
def test_many_kernels_of_one_client_get_only_the_free_tries(tmp_path, scope):
    totals, seconds = guessing_run(tmp_path, scope)
    print(scope, totals)
    limit = ratelimit.LIMITS[scope]
    assert totals["found"] == 0
    # The free tries, plus at most one try per kernel that raced past the check at the same moment.
    assert totals["checked"] <= limit.free + KERNELS, totals
    assert totals["refused"] > 0


def test_many_clients_are_held_to_the_server_wide_limit(tmp_path):
    totals, seconds = guessing_run(tmp_path, "resume", clients=KERNELS)
    print("many clients", totals)
    limit = ratelimit.LIMITS["resume"]
    assert totals["refused"] > 0
    # Every client's free tries count against the server-wide budget of 30 a minute.
    assert totals["checked"] <= limit.server_per_minute + KERNELS, totals


def test_the_expected_time_to_hit_any_of_10000_learners_is_over_a_year():
    """The arithmetic of the note: the best rate the limits allow, against the size of the code space."""
    space = len(WORDS) ** 4 * 900
    best_rate = ratelimit.LIMITS["resume"].server_per_minute / 60  # wrong tries a second, all clients together
    expected_seconds = space / 10_000 / best_rate
    assert space >= 2**40
    assert expected_seconds / (365 * 24 * 3600) > 1
    print(f"space {space:.2e}, best rate {best_rate:.2f}/s, expected {expected_seconds / 31_557_600:.0f} years")
