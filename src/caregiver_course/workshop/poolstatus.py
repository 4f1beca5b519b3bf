"""How many ready places (preheated pages) the course server has, for the facilitator's dashboard.

The server writes a small JSON file per process into the data folder each time its pool changes (and every
30 s while it runs); the dashboard's kernel reads them. Pure Python: the dashboard never imports the server.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

FRESH_SECONDS = 90  # a file older than this belongs to a server that has stopped
RECENT_SECONDS = 600  # "failed recently" = in the last 10 minutes
WORKSHOP_POOL = 30  # a room of up to 30 joins at once without waiting for a kernel to start
WORKSHOP_FILL_DELAY = 30  # seconds between filling rounds of the workshop's pool


@dataclass
class PoolStatus:
    ready: int = 0  # pages prepared, checked and waiting for someone
    preparing: int = 0
    target: int = 0  # the pool's size
    failed_total: int = 0  # pages thrown away since the server started (never served)
    failed_recently: int = 0
    last_problem: str = ""
    updated: float = 0.0


def status_path(folder: Path, port: int) -> Path:
    return Path(folder) / f"pool-status-{port}.json"


def write(path: Path, status: PoolStatus) -> None:
    status.updated = time.time()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(status)), encoding="utf-8")
    os.replace(tmp, path)


def read_all(folder: Path, now: float | None = None) -> PoolStatus | None:
    """Every running server's pool added up; None when no server has said anything lately."""
    now = time.time() if now is None else now
    total, seen = PoolStatus(), False
    for path in sorted(Path(folder).glob("pool-status-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            one = PoolStatus(**{k: data[k] for k in PoolStatus.__dataclass_fields__ if k in data})
        except (OSError, ValueError, TypeError):
            continue
        if now - one.updated > FRESH_SECONDS:
            continue
        seen = True
        total.ready += one.ready
        total.preparing += one.preparing
        total.target += one.target
        total.failed_total += one.failed_total
        total.failed_recently += one.failed_recently
        total.last_problem = one.last_problem or total.last_problem
        total.updated = max(total.updated, one.updated)
    return total if seen else None


def describe(status: PoolStatus | None) -> str:
    """One or two short lines for the facilitator (HTML, no user input in it)."""
    if status is None or status.target <= 0:
        return ""
    if status.ready >= status.target:
        line = f"✓ Ready places for people joining: <strong>{status.ready} of {status.target}</strong>."
    else:
        line = (
            f"⏳ Ready places for people joining: <strong>{status.ready} of {status.target}</strong> "
            f"({status.preparing} being prepared). People can still join; some wait a little longer."
        )
    if status.failed_recently:
        places = "place" if status.failed_recently == 1 else "places"
        line += (
            f"<br>⚠ {status.failed_recently} {places} did not get ready in the last 10 minutes (the computer is "
            "busy). They were made again and never shown to anyone. Closing other programs helps."
        )
    return f"<p class='cc-places' role='status'>{line}</p>"
