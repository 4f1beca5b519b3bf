"""The course server's metrics in Prometheus' text format (``/cc/metrics``, only with the metrics token).

Counters the server keeps itself (pages, busy pages, refused websocket frames...), gauges read when asked
(kernels in use and ready), the learners' kernels' save counters (their files, see kernelstats.py; a kernel's
file is folded into the server's own totals when the kernel goes, so counters never go down), and the
wrong tries recorded in the store (every kernel of every process writes them there).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from ..store.kernelstats import BUCKETS

HELP = {
    "caregiver_pages_served_total": ("counter", "Course pages served (each with a kernel)."),
    "caregiver_busy_pages_total": ("counter", "Page requests answered with a waiting page, by reason."),
    "caregiver_refused_frames_total": ("counter", "Kernel websocket messages refused by the guard."),
    "caregiver_kernels_in_use": ("gauge", "Kernels held by pages."),
    "caregiver_kernels_ready": ("gauge", "Preheated kernels ready for people arriving."),
    "caregiver_kernels_max": ("gauge", "The kernel cap of this process."),
    "caregiver_pool_failures_total": ("counter", "Preheated pages thrown away because they did not render."),
    "caregiver_wrong_tries_last_hour": ("gauge", "Wrong codes or secrets in the last hour, by kind, all processes."),
    "caregiver_saves_total": ("counter", "Saves of learners' answers by this process's kernels."),
    "caregiver_database_errors_total": ("counter", "Saves that did not reach the database (kept and retried)."),
    "caregiver_save_seconds": ("histogram", "How long a save took."),
}


class Metrics:
    """Counters for one server process. ``count(name)`` from handlers; ``render()`` for the scrape."""

    def __init__(self, stats_dir: Path | None = None):
        self.stats_dir = stats_dir
        self._lock = threading.Lock()
        self.counters: dict[tuple[str, tuple], float] = {}
        self.gone = {"saves": 0, "save_errors": 0, "save_seconds_sum": 0.0, "buckets": [0] * len(BUCKETS)}

    def count(self, name: str, by: float = 1, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self.counters[key] = self.counters.get(key, 0) + by

    def kernel_gone(self, kernel_id: str) -> None:
        """Fold a culled kernel's save counters into the process's totals and remove its file."""
        if self.stats_dir is None:
            return
        path = self.stats_dir / f"{kernel_id}.json"
        data = _read(path)
        if data:
            with self._lock:
                _add(self.gone, data)
        try:
            path.unlink()
        except OSError:
            pass

    def saves(self) -> dict:
        with self._lock:
            total = json.loads(json.dumps(self.gone))
        if self.stats_dir is not None and self.stats_dir.is_dir():
            for path in self.stats_dir.glob("*.json"):
                data = _read(path)
                if data:
                    _add(total, data)
        return total

    def render(self, gauges: dict[tuple[str, tuple], float]) -> str:
        """Everything as Prometheus text (version 0.0.4)."""
        with self._lock:
            values = dict(self.counters)
        values.update(gauges)
        saves = self.saves()
        values[("caregiver_saves_total", ())] = saves["saves"]
        values[("caregiver_database_errors_total", ())] = saves["save_errors"]
        lines = []
        for name, (kind, text) in HELP.items():
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            if kind == "histogram":
                for le, n in zip(BUCKETS, saves["buckets"]):  # cumulative already: a save counts in each it fits
                    lines.append(f'{name}_bucket{{le="{le}"}} {n}')
                lines.append(f'{name}_bucket{{le="+Inf"}} {saves["saves"]}')
                lines.append(f"{name}_sum {saves['save_seconds_sum']:.6f}")
                lines.append(f"{name}_count {saves['saves']}")
                continue
            found = sorted((labels, v) for (n, labels), v in values.items() if n == name)
            if not found and not any(n == name for n, _ in values):
                found = [((), 0)]
            for labels, v in found:
                label_text = ",".join(f'{k}="{_escape(str(x))}"' for k, x in labels)
                lines.append(f"{name}{{{label_text}}} {_number(v)}" if label_text else f"{name} {_number(v)}")
        return "\n".join(lines) + "\n"


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _add(total: dict, data: dict) -> None:
    for key in ("saves", "save_errors", "save_seconds_sum"):
        value = data.get(key, 0)
        if isinstance(value, (int, float)):
            total[key] += value
    buckets = data.get("buckets")
    if isinstance(buckets, list) and len(buckets) == len(BUCKETS):
        total["buckets"] = [a + (b if isinstance(b, (int, float)) else 0) for a, b in zip(total["buckets"], buckets)]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.6f}"
