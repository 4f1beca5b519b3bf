"""Lines the facilitator's dashboard shows about the room and the machine: one chart bar, ready places for
people joining (from the server's pool status), and this computer's address on the local network."""

from __future__ import annotations

import logging
import socket
from html import escape

from ..store import data_dir
from ..workshop import poolstatus

log = logging.getLogger("caregiver_course")


def chart_bar(label: str, pct: int, figure: str, mark: str) -> str:
    mark_html = f" <strong>{escape(mark)}</strong>" if mark else ""
    return (
        f"<li><span class='cc-wrap'>{escape(label)}</span>{mark_html}<br>"
        f"<span class='cc-bar-track' aria-hidden='true'><span class='cc-bar-fill' style='width:{pct}%'>"
        f"</span></span><span>{escape(figure)}</span></li>"
    )


def shorten(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ready_places() -> str:
    """How many ready places the course server has (and whether any failed), from its status file."""
    try:
        return poolstatus.describe(poolstatus.read_all(data_dir()))
    except Exception:  # the line is a help, never a reason for the dashboard to fail
        log.debug("could not read the pool status", exc_info=True)
        return ""


def lan_address() -> str:
    try:
        addresses = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
        addresses = sorted(a for a in addresses if not a.startswith("127."))
        return addresses[0] if addresses else "this-computer"
    except OSError:
        return "this-computer"
