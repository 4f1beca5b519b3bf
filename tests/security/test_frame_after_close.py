"""Frames that arrive after the websocket guard has closed a socket are dropped unread (issue 21, item 1).

When the guard closes a kernel websocket (after 20 refused frames, or because the client does not read what
it is sent), frames already on their way are still dispatched by Tornado. Jupyter Server used to read such a
frame with its older parser, which takes a v1 frame's first bytes as a count of about 10^8 and froze the
server for about a minute while it grew by gigabytes. Each test sends that window its frames in one burst,
from a hand-made websocket client, and checks that /cc/health answers in < 1 s throughout, that the server's
memory stays flat, and that the server logged the drop. Aimed at 127.0.0.1 only; every step has a timeout."""

from __future__ import annotations

import asyncio
import time

import pytest
from browser.conftest import APP_PATH, VoilaServer

from security.attack import HealthWatch, MemoryWatch, RawSocket, fetch, header, kernel_id_of, rss_mib, run, v1_frame

pytestmark = pytest.mark.browser
WRITE_BUFFER = 256 * 1024  # a small write buffer, so a client that does not read is found out in seconds


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = VoilaServer(
        tmp_path_factory.mktemp("frames"),
        extra_args=[
            f"--CourseVoila.websocket_write_buffer={WRITE_BUFFER}",
            # The not-reading test asks for the list of widgets 40 times a second (past the shipped budget, which
            # would refuse it first): this server lets it, so that the buffer fills.
            "--CourseVoila.websocket_frame_rate=2000",
            "--CourseVoila.websocket_frame_burst=20000",
        ],
    )
    yield s
    s.stop()


def valid_frames(n: int, kind: str = "kernel_info_request") -> list[bytes]:
    """Frames the page itself sends: the checks let them through. Their first 4 bytes, read as the legacy
    parser reads them (a big-endian buffer count), say 100,663,296."""
    frames = [v1_frame("shell", header(kind), {}) for _ in range(n)]
    assert int.from_bytes(frames[0][:4], "big") > 10**7
    return frames


def wait_for_log(s, text: str, timeout: float, since: int = 0) -> bool:
    """Has the server logged this (after the first `since` characters of its log: what this test caused)?"""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in s.logs()[since:]:
            return True
        time.sleep(0.2)
    return False


def settle(pid: int, seconds: float = 3.0) -> float:
    time.sleep(seconds)
    return rss_mib(pid)


def test_twenty_refused_frames_then_valid_ones_in_one_burst_are_dropped_unread(srv):
    pid = srv.proc.pid
    refused = v1_frame("shell", header("execute_request"), {"code": "1"})  # never allowed
    burst = [refused] * 20 + valid_frames(30)

    async def attack(kernel_id: str):
        sock = await RawSocket.open(srv.url, kernel_id)
        sock.send(*burst)
        await sock.drain()
        await asyncio.sleep(1)
        sock.close()

    kernels = []
    for round_ in range(3):  # three pages (loaded first: rendering a page is work the server does anyway)
        status, page, _ = fetch(srv.url + APP_PATH, source=f"127.0.0.{21 + round_}")
        assert status == 200
        kernels.append(kernel_id_of(page))
    base_rss = settle(pid)
    with HealthWatch(srv.url + "/cc/health") as health, MemoryWatch(pid) as memory:
        for kernel_id in kernels:  # three bursts
            run(attack(kernel_id), timeout=60)
        assert wait_for_log(srv, "after 20 refused messages", 30)
        assert wait_for_log(srv, "unread: a frame after the socket began to close", 30)
        time.sleep(3)  # and after it
    print(
        f"refused burst: health worst {health.worst:.3f} s over {health.samples} checks ({health.failures} failed); "
        f"server memory {base_rss:.0f} MiB before, peak {memory.peak:.0f} MiB"
    )
    assert health.failures == 0 and health.worst < 1.0
    assert memory.peak < base_rss * 1.10 + 10, (base_rss, memory.peak)
    assert "Traceback" not in srv.logs()


def test_valid_frames_after_the_client_does_not_read_close_are_dropped_unread(srv):
    pid = srv.proc.pid
    since = len(srv.logs())  # the server is shared with the test before: only what this test causes counts
    status, page, _ = fetch(srv.url + APP_PATH, source="127.0.0.25")
    assert status == 200
    kernel_id = kernel_id_of(page)
    base_rss = settle(pid)

    async def attack() -> int:
        # A small receive window and nothing ever read: each valid frame asks for a reply the server must
        # queue (the list of the page's widgets, about 22 KB), until its buffer is full and the guard closes
        # the socket. The frames keep coming after that.
        sock = await RawSocket.open(srv.url, kernel_id, rcvbuf=4096)
        sent = 0
        deadline = time.time() + 90
        try:
            while time.time() < deadline:
                sock.send(*valid_frames(8, "comm_info_request"))  # 40 a second
                sent += 8
                await sock.drain()
                await asyncio.sleep(0.2)
                if "unread: a frame after the socket began to close" in srv.logs()[since:]:
                    sock.send(*valid_frames(20))  # one more burst inside the closing window
                    await sock.drain()
                    break
        except (ConnectionError, OSError, asyncio.TimeoutError) as exc:  # the server has dropped the connection
            print(f"the server dropped the connection after {sent} frames: {type(exc).__name__}")
        finally:
            sock.close()
        return sent

    with HealthWatch(srv.url + "/cc/health") as health, MemoryWatch(pid) as memory:
        sent = run(attack(), timeout=120)
        assert wait_for_log(srv, "the client does not read", 30, since), "the guard closed the socket"
        assert wait_for_log(srv, "unread: a frame after the socket began to close", 30, since)
        time.sleep(3)
    print(
        f"not-reading close: {sent} frames sent; health worst {health.worst:.3f} s over {health.samples} checks "
        f"({health.failures} failed); server memory {base_rss:.0f} MiB before, peak {memory.peak:.0f} MiB"
    )
    assert health.failures == 0 and health.worst < 1.0
    assert memory.peak < base_rss * 1.10 + 10, (base_rss, memory.peak)
    assert "Traceback" not in srv.logs()
