"""The pure rules of the server's front door and websocket gate (no server started)."""

from __future__ import annotations

import logging
import sys

from caregiver_course.server import front, wire


def test_no_frame_is_read_once_closing_began_or_without_the_v1_protocol():
    assert wire.frame_gate(wire.V1_PROTOCOL, closing=False) is None
    assert wire.frame_gate(wire.V1_PROTOCOL, closing=True)
    for other in (None, "", "kernel.v5.2", "v1.kernel.websocket.jupyter.org "):
        assert wire.frame_gate(other, closing=False)
        assert wire.frame_gate(other, closing=True)


def test_a_socket_may_send_a_burst_then_a_steady_rate_and_questions_cost_more():
    now = [0.0]
    budget = wire.FrameBudget(rate=100, burst=1000, clock=lambda: now[0])
    assert sum(budget.take("comm_msg") for _ in range(5000)) == 1000
    now[0] = 1.0
    assert sum(budget.take("comm_msg") for _ in range(5000)) == 100
    now[0] = 100.0  # a quiet minute refills the burst, never more
    assert sum(budget.take("comm_info_request") for _ in range(5000)) == 1000 // wire.QUESTION_COST["comm_info_request"]
    # What the course page sends on load (a few questions, a state request per widget) fits in one burst.
    page = wire.FrameBudget(clock=lambda: 0.0)
    assert all(page.take(t) for t in ["kernel_info_request"] * 2 + ["comm_info_request"] * 2 + ["comm_msg"] * 600)


def test_connections_are_capped_per_address_and_in_total():
    count = front.ConnectionCount(per_address=3, total=5)
    assert [count.take("a") for _ in range(3)] == [None, None, None]
    assert "one address" in count.take("a")
    assert count.take("b") is None and count.take("b") is None
    assert "the server holds" in count.take("c")  # total reached
    count.release("a")
    assert count.take("c") is None
    for _ in range(10):  # releasing more than was taken never goes below zero
        count.release("zzz")
    assert count.count >= 0 and "zzz" not in count.open
    unlimited = front.ConnectionCount(per_address=0, total=4)  # behind a proxy: the total only
    assert [unlimited.take("proxy") for _ in range(5)] == [None] * 4 + [unlimited.take("proxy")]


def test_ipv6_addresses_count_by_their_64_block():
    assert front.address_group("2001:db8:1:2:aaaa::1") == front.address_group("2001:db8:1:2:ffff::9")
    assert front.address_group("2001:db8:1:2::1") != front.address_group("2001:db8:1:3::1")
    assert front.address_group("::ffff:192.0.2.7") == front.address_group("192.0.2.7") == "192.0.2.7"
    assert front.address_group("not an address") == "not an address"


def _record(msg, *args, level=logging.ERROR, name="tornado.application", exc=False):
    exc_info = None
    if exc:
        try:
            raise ValueError("x")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord(name, level, __file__, 1, msg, args, exc_info)


def test_a_repeated_error_is_logged_a_few_times_a_minute_then_counted():
    now = [0.0]
    f = front.RepeatFilter(interval=60, burst=3, clock=lambda: now[0])
    passed = [f.filter(_record("Uncaught exception %s", f"GET /x/{i}", exc=True)) for i in range(1000)]
    assert sum(passed) == 3
    assert f.filter(_record("another kind of error %s", "y"))  # other kinds are not held back
    assert f.filter(_record("info %s", 1, level=logging.INFO))  # info lines are never limited
    now[0] = 61.0
    first = _record("Uncaught exception %s", "GET /x/again", exc=True)
    assert f.filter(first) and "997 more like this" in first.getMessage()
    # Access-log lines are kinds by status code, whatever the path.
    lines = [f.filter(_record(f"404 GET /p{i} (127.0.0.1) 1.00ms", name="tornado.access")) for i in range(50)]
    assert sum(lines) == 3
    assert f.filter(_record("500 GET /p (127.0.0.1) 1.00ms", name="tornado.access"))


def test_one_record_reaching_two_handlers_counts_once_and_kinds_are_bounded():
    f = front.RepeatFilter(interval=60, burst=1, clock=lambda: 0.0)
    r = _record("once %s", 1)
    assert f.filter(r) and f.filter(r)  # the second handler sees the same decision
    for i in range(front.RepeatFilter.MAX_KINDS * 2):
        f.filter(_record(f"message number {'x' * (i % 7)} {chr(65 + i % 26)}{i // 26 % 26}", name=f"n{i}"))
    assert len(f.windows) <= front.RepeatFilter.MAX_KINDS
    later = front.RepeatFilter(interval=1, burst=1, clock=lambda: 0.0)
    for _ in range(5):
        later.filter(_record("again %s", 1))
    later.clock = lambda: 5.0
    assert [(k[2], n) for k, n in later.pending()] == [("again %s", 4)]


def test_the_default_budget_lets_a_page_fall_back_to_asking_for_each_widget():
    """On a busy machine the page's one request for all widget states can time out (4 s in the page); it then
    asks for each widget model's state, hundreds at once. The default budget must let that burst through."""
    now = [0.0]
    budget = wire.FrameBudget(clock=lambda: now[0])
    assert budget.take("comm_info_request") and all(
        budget.take("comm_msg") for _ in range(1500)
    )  # the fallback for a page of ~500 models, three times over
    now[0] += 60  # refilled to the full burst
    assert sum(budget.take("comm_msg") for _ in range(100_000)) == wire.FRAME_BURST  # a flood is still cut off
