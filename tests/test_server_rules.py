"""The server's pure rules, without Tornado or Jupyter: kernel admission, the pool, culling, and the wire checks."""

from __future__ import annotations

import json

import pytest

from caregiver_course.server import wire
from caregiver_course.server.kernels import KernelBook, Policy, default_max_kernels


def book(**kw) -> KernelBook:
    return KernelBook(Policy(max_kernels=kw.pop("max_kernels", 20), per_client=8, pool_size=2, **kw))


def hold(b: KernelBook, client: str, n: int, now: float = 0.0) -> list[str]:
    ids = []
    for i in range(n):
        assert b.admit(client, set(b.held)) is None
        kid = f"{client}-{len(b.held)}-{i}"
        b.release_admission(client)
        b.took(kid, client, now=now)
        b.finished_loading(client)
        ids.append(kid)
    return ids


def test_one_client_holds_at_most_its_cap_and_loads_at_most_two_pages_at_once():
    b = book()
    hold(b, "a", 8)
    assert "limit 8" in b.admit("a", set(b.held))
    assert b.admit("b", set(b.held)) is None
    assert b.admit("b", set(b.held)) is None
    assert "pages loading" in b.admit("b", set(b.held))


def test_the_server_cap_leaves_room_for_the_pool():
    b = book(max_kernels=6)
    for c in "abcd":
        hold(b, c, 1)
    assert "limit 4" in b.admit("e", set(b.held))
    b.forget_missing(set(list(b.held)[:3]))  # one kernel died: its page's place is free again
    assert b.admit("e", set(b.held)) is None


def test_the_last_pool_kernel_waits_for_someone_arriving_with_nothing_open():
    b = book()
    # A flood: two pages admitted at once, holding nothing yet. The first may take a pool kernel...
    assert b.admit("flood", set()) is None and b.admit("flood", set()) is None
    assert b.may_use_pool("flood", 2)
    # ...but not the last one, while another page of the same client is loading.
    assert not b.may_use_pool("flood", 1)
    # A learner arriving with nothing open gets it.
    assert b.admit("learner", set()) is None
    assert b.may_use_pool("learner", 1)
    # A reload (one page held) takes the pool only while more than one kernel waits there.
    r = book()
    hold(r, "reload", 1)
    r.admit("reload", set(r.held))
    assert r.may_use_pool("reload", 2) and not r.may_use_pool("reload", 1)
    # Two pages held: fresh kernels only; an empty pool is never used.
    hold(r, "reload", 1)
    assert not r.may_use_pool("reload", 2)
    assert not book().may_use_pool("x", 0)


def test_kernels_are_culled_by_what_their_page_did():
    b = book(connect_grace=180, disconnected_timeout=120, idle_timeout=3600)
    [kid] = hold(b, "a", 1, now=1000)
    assert b.cull_reason("pool", 0, in_pool=True, dead=False, now=10**6) is None
    assert b.cull_reason(kid, 0, in_pool=False, dead=False, now=1000 + 170) is None
    assert "never connected" in b.cull_reason(kid, 0, in_pool=False, dead=False, now=1000 + 181)
    b.connected(kid)
    assert b.cull_reason(kid, 1000, in_pool=False, dead=False, now=1000 + 3000) is None
    assert "idle" in b.cull_reason(kid, 1000, in_pool=False, dead=False, now=1000 + 3601)
    b.disconnected(kid, now=2000)
    assert b.cull_reason(kid, 2000, in_pool=False, dead=False, now=2100) is None
    assert "closed" in b.cull_reason(kid, 2000, in_pool=False, dead=False, now=2121)
    b.connected(kid)
    b.restarted(kid)
    assert "restarted" in b.cull_reason(kid, 2000, in_pool=False, dead=False, now=2001)
    assert "died" in b.cull_reason(kid, 2000, in_pool=False, dead=True, now=2001)


def test_the_kernel_cap_follows_the_machine_memory():
    gib = 1024**3
    assert default_max_kernels(2 * gib) == 4  # never fewer than 4
    assert default_max_kernels(24 * gib) == 98
    assert default_max_kernels(1024 * gib) == 400  # never more than 400


def frame(channel: str, msg_type: str, content: dict, buffers=()) -> bytes:
    parts = [channel.encode(), json.dumps({"msg_type": msg_type}).encode(), b"{}", b"{}", json.dumps(content).encode()]
    parts += list(buffers)
    offsets, pos = [], 8 * (len(parts) + 1)
    for p in parts:
        offsets.append(pos)
        pos += len(p)
    head = len(parts).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
    return head + b"".join(parts)


def test_the_page_own_messages_pass():
    assert wire.check_incoming(frame("shell", "kernel_info_request", {})) == "kernel_info_request"
    ok = {"comm_id": "c", "target_name": "jupyter.widget.control", "data": {}}
    assert wire.check_incoming(frame("shell", "comm_open", ok)) == "comm_open"
    update = {"comm_id": "c", "data": {"method": "update", "state": {"value": "a"}}}
    assert wire.check_incoming(frame("shell", "comm_msg", update)) == "comm_msg"


@pytest.mark.parametrize(
    "bad, why",
    [
        ("text frame", "text frame"),
        ((2**62).to_bytes(8, "little") + b"\0" * 64, "offset table"),
        (b"\x05\0\0\0\0\0\0\0" + b"\xff" * 48, "offset"),
        (frame("shell", "execute_request", {"code": "import os"}), "message type"),
        (frame("shell", "comm_open", {"comm_id": "c", "target_name": "jupyter.widget"}), "comm_open for target"),
        (frame("shell", "comm_open", {"comm_id": 5, "target_name": ["x"]}), "comm_open for target"),
        (frame("shell", "comm_msg", {"comm_id": "c", "data": {"method": "update"}}, [b"\x89PNG"]), "binary buffers"),
        (frame("shell", "comm_msg", {"comm_id": "c", "data": {"method": "update", "buffer_paths": [["x"]]}}), "binary"),
        (frame("shell", "comm_msg", {"comm_id": "c", "data": {"method": "display"}}), "method"),
        (frame("nowhere", "kernel_info_request", {}), "channel"),
        (frame("shell", "comm_msg", {"comm_id": "c", "data": {"x": "y" * (300 * 1024)}}), "limit"),
    ],
)
def test_anything_else_is_refused_before_any_parser_runs(bad, why):
    with pytest.raises(wire.Refused) as refused:
        wire.check_incoming(bad)
    assert why in str(refused.value)


def test_error_reports_and_stderr_never_go_out_but_widget_messages_do():
    assert wire.blocked_outgoing(frame("iopub", "error", {"traceback": ["/work/x.py"]}))
    assert wire.blocked_outgoing(frame("iopub", "stream", {"name": "stderr", "text": "x"}))
    assert not wire.blocked_outgoing(frame("iopub", "stream", {"name": "stdout", "text": "x"}))
    assert not wire.blocked_outgoing(frame("iopub", "comm_msg", {"comm_id": "c", "data": {}}))
    assert wire.blocked_outgoing({"header": {"msg_type": "error"}})


def test_ipv6_addresses_count_by_their_64_network():
    from caregiver_course.server.admission import address_group

    assert address_group("2001:db8:1:2:aaaa::1") == address_group("2001:db8:1:2:ffff:1:2:3") == "2001:db8:1:2::/64"
    assert address_group("2001:db8:1:3::1") != address_group("2001:db8:1:2::1")
    assert address_group("::ffff:192.0.2.7") == "192.0.2.7" and address_group("192.0.2.7") == "192.0.2.7"


def test_a_learners_own_closed_pages_never_count_against_them():
    b = book(max_kernels=40)
    for i in range(12):  # reloads: each page connects, then closes when the next one loads
        assert b.admit("phone", set(b.held), address="home") is None, i
        b.release_admission("phone")
        b.took(f"k{i}", "phone", address="home")
        b.finished_loading("phone")
        b.connected(f"k{i}")
        b.disconnected(f"k{i}")
    assert b.admit("phone", set(b.held), address="home") is None


def test_one_address_holds_a_room_of_browsers_up_to_its_ceiling():
    b = KernelBook(Policy(max_kernels=100, per_client=8, pool_size=2, per_address=30))
    for phone in range(30):
        assert b.admit(f"phone{phone}", set(b.held), address="clinic") is None
        b.release_admission(f"phone{phone}")
        b.took(f"k{phone}", f"phone{phone}")
        b.finished_loading(f"phone{phone}")
    assert b.held["k0"].address == "clinic"
    refusal = b.admit("phone30", set(b.held), address="clinic")
    assert refusal.kind == "address"
    assert b.admit("phone30", set(b.held), address="elsewhere") is None


def full_server(now: float, reclaim: list) -> tuple:
    """A server with 6 places, all taken by 3 attacking addresses' pages, 100 s ago (the last 60 s ago)."""
    from caregiver_course.server.admission import Admitter

    b = KernelBook(Policy(max_kernels=8, per_client=8, pool_size=2, reclaim_unconnected=30, reclaim_unacted=45))
    known = {"returning"}
    a = Admitter(b, known=lambda key: key in known, reclaim=reclaim.append)
    for i in range(6):
        b.took(f"attack-{i}", f"attacker-browser-{i}", now=now - (100 if i != 5 else 60), address=f"10.0.0.{i % 3}")
        if i != 5:
            b.sent(f"attack-{i}", now=now - 90)  # the last page is still being sent: never reclaimed
    return b, a


def test_when_full_a_newcomer_waits_in_line_and_pages_without_action_are_reclaimed_first():
    reclaimed = []
    b, a = full_server(1000.0, reclaimed)
    for kid in ("attack-0", "attack-1"):  # two pages connected and acted: never reclaimed while open
        b.connected(kid)
        b.acted(kid)
    b.connected("attack-2")  # connected, no action
    b.held["attack-2"].connected_at = 990.0  # ... only 10 s ago: not yet
    # The newcomer is first in line, and a page that never connected makes room at once.
    assert a.decide("learner", "192.0.2.1", set(b.held), now=1000.0) is None
    assert len(reclaimed) == 1 and reclaimed[0] in {"attack-3", "attack-4"}
    assert "attack-5" not in b.reclaimable(now=1000.0)  # still being sent, 60 s after it was taken...
    assert "attack-5" in b.reclaimable(now=1000.0 + 31)  # ...but a page nobody reads goes after 90 s
    assert "attack-0" in b.held and "attack-1" in b.held


def test_a_browser_with_saved_progress_goes_ahead_in_line():
    reclaimed = []
    b, a = full_server(1000.0, reclaimed)
    for kid in list(b.held):
        b.connected(kid)
        b.acted(kid)  # no page can be reclaimed: everyone waits
    first = a.decide("anonymous", "192.0.2.1", set(b.held), now=1000.0)
    assert first.kind == "full" and first.position == 1
    returning = a.decide("returning", "192.0.2.2", set(b.held), now=1001.0)
    assert returning.position == 1
    assert a.decide("anonymous", "192.0.2.1", set(b.held), now=1002.0).position == 2
    b.disconnected("attack-0", now=1003.0)  # a page closes: its kernel goes to the first in line
    assert a.decide("anonymous", "192.0.2.1", set(b.held), now=1004.0).kind == "full"
    assert a.decide("returning", "192.0.2.2", set(b.held), now=1005.0) is None
    assert reclaimed == ["attack-0"]
    assert a.counts.counts() == {"full": 4}
    # A place in line is kept only while the waiting page keeps asking.
    assert len(a.line) == 1
    a.line.expire(1005.0 + 60)
    assert len(a.line) == 0


def test_only_a_learners_action_counts_as_one():
    from caregiver_course.server.admission import is_action

    assert is_action(frame("shell", "comm_msg", {"comm_id": "c", "data": {"method": "update", "state": {"v": 1}}}))
    click = {"comm_id": "c", "data": {"method": "custom", "content": {"event": "click"}}}
    assert is_action(frame("shell", "comm_msg", click))
    hello = {"comm_id": "c", "data": {"method": "custom", "content": {"hello": {"token": ""}}}}
    assert not is_action(frame("shell", "comm_msg", hello))
    assert not is_action(frame("shell", "comm_msg", {"comm_id": "c", "data": {"method": "request_states"}}))
    assert not is_action(frame("shell", "kernel_info_request", {}))
    assert not is_action("text")


def test_the_dashboard_sees_why_pages_waited_in_counts_only(tmp_path, monkeypatch):
    from caregiver_course.server.admission import RefusalCounts
    from caregiver_course.store import ratelimit

    monkeypatch.setenv("CAREGIVER_DATA_DIR", str(tmp_path))
    assert ratelimit.refusals_note(None) == "No one was turned away in the last hour."
    counts = RefusalCounts(tmp_path / ratelimit.REFUSALS_FILE, every=0)
    for kind in ("full", "loading", "full"):
        counts.add(kind, now=1000.0)
    note = ratelimit.refusals_note(None, now=1001.0)
    assert "2 × the server was full" in note and "1 × pages were still loading" in note, note
    assert "h1:" not in (tmp_path / ratelimit.REFUSALS_FILE).read_text()  # counts, never who
    assert ratelimit.refusals_note(None, now=1000.0 + 3601) == "No one was turned away in the last hour."


def test_requests_that_never_keep_their_cookie_cannot_fill_the_line():
    reclaimed = []
    b, a = full_server(1000.0, reclaimed)
    for kid in list(b.held):
        b.connected(kid)
        b.acted(kid)
    # A real browser's first request (no key yet), then a flood of requests that never send one back.
    assert a.decide("learner", "192.0.2.1", set(b.held), now=1000.0, new=True).position == 1
    for i in range(500):
        a.decide(f"flood-{i}", "10.0.0.9", set(b.held), now=1000.5 + i / 100, new=True)
    assert len(a.line) == 0
    # The browser comes back with its key: it is first in line, in the place of its first ask.
    assert a.decide("learner", "192.0.2.1", set(b.held), now=1005.0).position == 1
    assert a.decide("other", "192.0.2.2", set(b.held), now=1006.0).position == 2
    b.disconnected("attack-0", now=1007.0)
    assert a.decide("learner", "192.0.2.1", set(b.held), now=1008.0) is None


def test_the_last_pool_kernel_waits_even_for_requests_without_a_browser_key():
    b = book()
    assert b.admit("flood-1", set(), address="10.0.0.1") is None
    assert b.admit("flood-2", set(), address="10.0.0.1") is None  # each request a browser of its own
    assert b.may_use_pool("flood-2", 1)  # by browser it looks new...
    assert not b.address_may_use_pool("10.0.0.1", 1)  # ...but its address has another page loading
    assert b.address_may_use_pool("10.0.0.1", 2)
    assert b.admit("learner", set(), address="192.0.2.1") is None
    assert b.address_may_use_pool("192.0.2.1", 1)
