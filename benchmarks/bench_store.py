"""The store before and after SQLAlchemy: what a learner's kernel pays to import the app and open the store
(time and memory), and how long store operations take on SQLite and on PostgreSQL. Prints JSON.

    .venv/bin/python benchmarks/bench_store.py [--before-ref main] [--runs 5] [--ops 200]

"Before" is the package at --before-ref (git archive into a temporary folder, run with the same Python).
PostgreSQL is a throw-away server started as the tests do (tests/pgserver.py), with its default durability
(fsync on, synchronous_commit on); SQLite runs as the store sets it (WAL, synchronous=NORMAL).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

# What a kernel does when a page opens: import the app (as course.ipynb does) and open the store.
KERNEL = r"""
import json, resource, sys, time
def mem():
    # RSS, and USS (memory only this process holds: what one more kernel costs; shared libraries count once)
    f = {}
    for line in open("/proc/self/smaps_rollup"):
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            f[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return f["Rss"], f["Private_Clean"] + f["Private_Dirty"]
base = mem()
t0 = time.perf_counter()
import caregiver_course.ui.app
t1 = time.perf_counter()
from caregiver_course.store import Store
s = Store()
s.by_token("nobody")
t2 = time.perf_counter()
print(json.dumps({"import_app_s": t1 - t0, "open_store_s": t2 - t1, "total_s": t2 - t0,
                  "rss_mib": mem()[0], "rss_added_mib": mem()[0] - base[0],
                  "uss_mib": mem()[1], "uss_added_mib": mem()[1] - base[1],
                  "sqlalchemy": "sqlalchemy" in sys.modules, "alembic": "alembic" in sys.modules,
                  "file": caregiver_course.ui.app.__file__}))
"""


def kernel_figures(src: Path, runs: int, env: dict) -> dict:
    out = []
    for _ in range(runs):
        r = subprocess.run(
            [sys.executable, "-c", KERNEL],
            env={**env, "PYTHONPATH": str(src)},
            capture_output=True,
            text=True,
            check=True,
            cwd=tempfile.gettempdir(),
        )
        out.append(json.loads(r.stdout.strip().splitlines()[-1]))
    assert all(o["file"].startswith(str(src)) for o in out), out[0]["file"]
    keys = ["import_app_s", "open_store_s", "total_s", "rss_mib", "rss_added_mib", "uss_mib", "uss_added_mib"]
    fig = {k: round(statistics.median(o[k] for o in out), 3) for k in keys}
    fig["sqlalchemy_loaded"], fig["alembic_loaded"] = out[0]["sqlalchemy"], out[0]["alembic"]
    return fig


def import_only(src: Path, module: str, runs: int) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        r = subprocess.run(
            [sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(src)}, capture_output=True, text=True
        )
        times.append(float(r.stdout.strip()))
    return round(statistics.median(times), 3)


def op_timings(store, ops: int) -> dict:
    """Median milliseconds of the operations a learner's kernel and the dashboard do most."""
    from caregiver_course.store.session import StoreSession

    def median_ms(fn, n=ops):
        t = []
        for _ in range(n):
            a = time.perf_counter()
            fn()
            t.append((time.perf_counter() - a) * 1000)
        return round(statistics.median(t), 2)

    learners = []
    res = {"new_learner_ms": median_ms(lambda: learners.append(store.new_learner()), max(20, ops // 4))}
    lr = learners[0]
    session = StoreSession(store)
    session.adopt(lr)
    i = iter(range(10**9))
    res["save_answer_ms"] = median_ms(lambda: session.record_answer("l", f"q{next(i)}", "a", "correct"))
    res["by_token_ms"] = median_ms(lambda: store.by_token(lr.token))
    res["events_of_learner_ms"] = median_ms(lambda: store.events(lr.id), max(20, ops // 4))
    ws = store.create_workshop("bench")
    for other in learners[:30]:
        store.join_workshop(ws.id, other.id)
        store.add_events(other.id, [{"kind": "answer", "lesson": "l", "item": "q", "workshop_id": ws.id}])
    res["dashboard_counts_ms"] = median_ms(
        lambda: (store.participants(ws.id), store.workshop_answers(ws.id)), max(20, ops // 4)
    )
    res["rate_limit_check_ms"] = median_ms(lambda: store.failures("resume", 0, "client"))
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before-ref", default="main")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--ops", type=int, default=200)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-store-"))
    before = tmp / "before"
    before.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", args.before_ref, "src"], capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
    env = {**os.environ, "CAREGIVER_DATA_DIR": str(tmp / "data")}
    env.pop("CAREGIVER_DATABASE_URL", None)
    result = {"kernel": {}, "ops": {}}
    for name, src in (("before", before / "src"), ("after", REPO / "src")):
        # The first run makes the database (and, before Alembic, migrates it): measured apart, warm runs after.
        result["kernel"][f"{name}_first_open"] = kernel_figures(src, 1, {**env, "CAREGIVER_DATA_DIR": str(tmp / name)})
        result["kernel"][name] = kernel_figures(src, args.runs, {**env, "CAREGIVER_DATA_DIR": str(tmp / name)})
        result["kernel"][f"{name}_import_store_module_s"] = import_only(src, "caregiver_course.store", args.runs)
    result["kernel"]["import_sqlalchemy_s"] = import_only(REPO / "src", "sqlalchemy", args.runs)
    result["kernel"]["import_alembic_s"] = import_only(REPO / "src", "alembic.command", args.runs)

    from pgserver import PgServer

    from caregiver_course.store import Store

    os.environ["CAREGIVER_DATA_DIR"] = str(tmp / "ops")
    result["ops"]["sqlite"] = op_timings(Store(tmp / "ops" / "course.sqlite3"), args.ops)
    pg = PgServer(fsync=True).start()
    try:
        url = pg.new_database("bench")
        t = time.perf_counter()
        Store(url=url)
        result["ops"]["postgresql_first_open_s"] = round(time.perf_counter() - t, 3)
        result["ops"]["postgresql"] = op_timings(Store(url=url), args.ops)
        os.environ["CAREGIVER_DATABASE_POOL"] = "1"  # one kept connection per store (for pgbouncer)
        result["ops"]["postgresql_pool_of_1"] = op_timings(Store(url=url), args.ops)
        del os.environ["CAREGIVER_DATABASE_POOL"]
        import psycopg

        t = []
        for _ in range(50):
            a = time.perf_counter()
            psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname=bench").close()
            t.append((time.perf_counter() - a) * 1000)
        result["ops"]["postgresql_connect_ms"] = round(statistics.median(t), 2)
        env_pg = {**env, "CAREGIVER_DATABASE_URL": url, "CAREGIVER_DATA_DIR": str(tmp / "ops")}
        result["kernel"]["after_postgresql"] = kernel_figures(REPO / "src", args.runs, env_pg)
    finally:
        pg.stop()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
