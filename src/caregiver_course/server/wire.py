"""What a browser may send to its kernel, and what the kernel may send back (pure functions, no Tornado).

The app's own page speaks the Jupyter v1 kernel-websocket protocol and only ever sends a few kinds of
message: it asks for kernel info, opens the widget *control* comm to fetch widget states, and sends widget
updates (a click, a tick, typed text). Everything else a client could send is refused here, before it
reaches Jupyter Server's parser or the kernel:

* a frame whose offset table does not fit the frame (the parser would otherwise loop over it),
* a ``comm_open`` for any target but the widget control comm (so a client cannot create widget models,
  binary ones included),
* any message with binary buffers (the app has no binary widgets),
* anything larger than the largest real message, and anything that is not well-formed JSON.

Going out, error reports and stderr text never reach the page: they would show server paths.
"""

from __future__ import annotations

import json
import time

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
MAX_PARTS = 16  # channel, header, parent header, metadata, content and a few buffers
# The largest real message from the app's page is a widget update with typed text (a reflection box holds
# at most a few thousand characters). 256 KiB is far above it and far below what would hurt the server.
MAX_INCOMING_BYTES = 256 * 1024
ALLOWED_CHANNELS = {"shell", "control", "iopub", "stdin"}
ALLOWED_MSG_TYPES = {"comm_open", "comm_msg", "comm_close", "comm_info_request", "kernel_info_request"}
ALLOWED_COMM_TARGETS = {"jupyter.widget.control"}  # the page asks for all widget states through this
ALLOWED_COMM_METHODS = {"update", "request_state", "request_states", "custom"}
BLOCKED_OUTGOING = {"error", "execute_input"}
# What one socket may send: a budget of frames that refills at a steady rate. On load the page asks once
# for all widget states through the control comm; on a busy machine that answer can take longer than the page's
# 4 s, and the page then asks for the list of widgets and each widget's state (about 300 messages for the course
# app). After that it sends a message per click or keystroke. The burst lets a page fall back several times
# over (a refused burst would close the page's socket: the guard itself would blank the page). A question whose
# answer is large (the list of widgets is about 22 KB) costs more of the budget, so a client cannot make the
# server pass on answers faster than anyone could use them (each one costs the server the time to pass it on).
FRAMES_PER_SECOND = 100
FRAME_BURST = 3000
QUESTION_COST = {"comm_info_request": 20, "kernel_info_request": 20}


class Refused(ValueError):
    """A message the server will not pass on. The text is for the server log, never for the client."""


class FrameBudget:
    """A token bucket for one socket: take(msg_type) is False once the client sends faster than the rate."""

    def __init__(self, rate: float = FRAMES_PER_SECOND, burst: int = FRAME_BURST, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.last = float(burst), clock()

    def take(self, msg_type: str = "") -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        cost = QUESTION_COST.get(msg_type, 1)
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True


def frame_gate(protocol: str | None, closing: bool) -> str | None:
    """Why a frame must be dropped before anything reads it, or None if it may be checked.

    A socket the server has started to close (after too many refused frames, or a client that does not read)
    still receives the frames already on their way; Jupyter Server would then no longer find the socket's
    protocol and read them with its older parser, whose offset table a v1 frame turns into a huge number.
    So nothing is read once closing has begun, and nothing but the v1 protocol pinned when the socket opened
    is ever read."""
    if closing:
        return "a frame after the socket began to close"
    if protocol != V1_PROTOCOL:
        return f"a frame on a socket without the v1 protocol ({str(protocol)[:40]!r})"
    return None


def parse_v1(frame: bytes) -> tuple[str, list[bytes]]:
    """Split a v1 frame into its channel and parts, checking every offset first. Raises Refused."""
    if not isinstance(frame, (bytes, bytearray)):
        raise Refused("a text frame where the v1 protocol sends binary frames")
    if len(frame) > MAX_INCOMING_BYTES:
        raise Refused(f"a frame of {len(frame)} bytes (limit {MAX_INCOMING_BYTES})")
    if len(frame) < 8:
        raise Refused("a frame too short to hold its offset table")
    count = int.from_bytes(frame[:8], "little")
    if not 3 <= count <= MAX_PARTS + 1 or 8 * (count + 1) > len(frame):
        raise Refused(f"an offset table of {count} entries that does not fit the frame")
    offsets = [int.from_bytes(frame[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    if offsets[0] != 8 * (count + 1) or any(b < a for a, b in zip(offsets, offsets[1:])) or offsets[-1] > len(frame):
        raise Refused("offsets that point outside the frame")
    bounds = [*offsets, len(frame)] if offsets[-1] < len(frame) else offsets
    parts = [bytes(frame[a:b]) for a, b in zip(bounds, bounds[1:])]
    try:
        channel = parts[0].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused("a channel name that is not text") from exc
    return channel, parts[1:]


def _json(part: bytes, what: str) -> dict:
    try:
        value = json.loads(part.decode("utf-8")) if part else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(f"a {what} that is not JSON") from exc
    if not isinstance(value, dict):
        raise Refused(f"a {what} that is not a JSON object")
    return value


def check_incoming(frame: bytes) -> str:
    """Check one frame from a browser. Returns its message type if the kernel may see it; raises Refused."""
    channel, parts = parse_v1(frame)
    if channel not in ALLOWED_CHANNELS:
        raise Refused(f"the unknown channel {channel[:40]!r}")
    if len(parts) < 4:
        raise Refused("a message without header, parent header, metadata and content")
    if len(parts) > 4 and any(parts[4:]):
        raise Refused("binary buffers (the app has no binary widgets)")
    header = _json(parts[0], "header")
    msg_type = header.get("msg_type")
    if not isinstance(msg_type, str) or msg_type not in ALLOWED_MSG_TYPES:
        raise Refused(f"the message type {str(msg_type)[:40]!r}")
    content = _json(parts[3], "content")
    if msg_type == "comm_open":
        target = content.get("target_name")
        if not isinstance(target, str) or target not in ALLOWED_COMM_TARGETS:
            raise Refused(f"a comm_open for target {str(target)[:60]!r}")
    elif msg_type == "comm_msg":
        data = content.get("data")
        if not isinstance(content.get("comm_id"), str) or not isinstance(data, dict):
            raise Refused("a comm_msg without a comm id and data")
        if not isinstance(data.get("method"), str) or data.get("method") not in ALLOWED_COMM_METHODS:
            raise Refused(f"a comm_msg with method {str(data.get('method'))[:40]!r}")
        if data.get("buffer_paths"):
            raise Refused("a comm_msg that declares binary buffers")
    return msg_type


def outgoing_header(frame: bytes | str | dict) -> dict | None:
    """The header of a message on its way to the browser (None if it cannot be read safely)."""
    if isinstance(frame, dict):
        header = frame.get("header")
        return header if isinstance(header, dict) else None
    if not isinstance(frame, (bytes, bytearray)):
        return None
    try:
        _, parts = parse_v1(frame) if len(frame) <= MAX_INCOMING_BYTES else _parse_large(frame)
        return _json(parts[0], "header")
    except Refused:
        return None


def _parse_large(frame: bytes) -> tuple[str, list[bytes]]:
    """Outgoing frames may be larger than incoming ones; read only the header part, with the same checks."""
    count = int.from_bytes(frame[:8], "little")
    if not 3 <= count <= MAX_PARTS + 1 or 8 * (count + 1) > len(frame):
        raise Refused("bad offset table")
    offsets = [int.from_bytes(frame[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(3)]
    if not offsets[0] <= offsets[1] <= offsets[2] <= len(frame):
        raise Refused("bad offsets")
    return "", [bytes(frame[offsets[1] : offsets[2]])]


def blocked_outgoing(frame: bytes | str | dict) -> bool:
    """True for messages the page must not get: error reports (tracebacks name server paths) and input echo."""
    header = outgoing_header(frame)
    if header is None:
        return not isinstance(frame, (bytes, bytearray, dict))  # unreadable text frame: legacy, never sent
    msg_type = header.get("msg_type")
    if msg_type in BLOCKED_OUTGOING:
        return True
    if msg_type == "stream" and isinstance(frame, (bytes, bytearray)):
        try:
            _, parts = parse_v1(frame)
            return _json(parts[3], "content").get("name") == "stderr"
        except Refused:
            return True
    return False
