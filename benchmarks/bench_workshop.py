"""Workshop load: N participants (separate processes) answer M items each at the same time through the real
storage layer; then the dashboard's counts are compared with what was sent. Prints figures as JSON.

    .venv/bin/python benchmarks/bench_workshop.py --participants 30 --items 20
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


def choice_questions(m: int):
    from caregiver_course import content

    qs = [q for q in content.get().questions if q.type != "triage"]
    return qs[:m]


def planned_answer(question, participant: int, k: int):
    ids = [o.id for o in question.options]
    if question.type == "multi":
        return sorted({ids[participant % len(ids)], ids[(participant + k) % len(ids)]})
    return ids[(participant + k) % len(ids)]


def participant(args) -> dict:
    db_path, join_code, index, m, start_at = args
    from caregiver_course.learning import quiz
    from caregiver_course.store import Store
    from caregiver_course.store.session import StoreSession

    store = Store(Path(db_path))
    session = StoreSession(store)
    learner = store.new_learner()
    session.adopt(learner)
    ws = store.workshop_by_code(join_code)
    store.join_workshop(ws.id, learner.id, f"P{index}")
    session.workshop_id = ws.id
    while time.time() < start_at:  # everyone starts answering together
        time.sleep(0.001)
    t0 = time.perf_counter()
    busy = 0
    for k, q in enumerate(choice_questions(m)):
        response = planned_answer(q, index, k)
        session.record_answer(q.lesson, q.id, response, quiz.check(q, response).status)
        busy += bool(session.pending)
    retries = 0
    while session.pending and retries < 100:  # what a busy database held back is saved on the next try
        time.sleep(0.05)
        session.flush()
        retries += 1
    return {
        "learner": learner.id,
        "seconds": time.perf_counter() - t0,
        "ended": time.time(),
        "held_back": busy,
        "unsaved": len(session.pending),
    }


def run(n: int, m: int) -> dict:
    from caregiver_course import content
    from caregiver_course.store import Store
    from caregiver_course.workshop import results as workshop

    tmp = Path(tempfile.mkdtemp(prefix="workshop-load-"))
    store = Store(tmp / "course.sqlite3")
    ws = store.create_workshop("load test")
    start_at = time.time() + 10.0  # time for every process to start and join before anyone answers
    with mp.get_context("spawn").Pool(n) as pool:
        results = pool.map(participant, [(str(store.path), ws.join_code, i, m, start_at) for i in range(n)])
    wall = max(r["ended"] for r in results) - start_at
    answers = store.workshop_answers(ws.id)
    item_results = workshop.item_results(content.get(), answers)
    joined, _ = workshop.counts(store.participants(ws.id))
    expected = Counter()
    for i in range(n):
        for k, q in enumerate(choice_questions(m)):
            a = planned_answer(q, i, k)
            for oid in a if isinstance(a, list) else [a]:
                expected[(q.id, oid)] += 1
    shown = Counter({(qid, oid): c for qid, r in item_results.items() for oid, c in r.option_counts.items() if c})
    per_item = {q.id: item_results[q.id].participants for q in choice_questions(m)}
    return {
        "participants": n,
        "items_each": m,
        "answers_sent": n * m,
        "answers_stored": len(answers),
        "answers_lost": n * m - len(answers),
        "unsaved_at_end": sum(r["unsaved"] for r in results),
        "writes_held_back_by_a_busy_database": sum(r["held_back"] for r in results),
        "dashboard_joined": joined,
        "dashboard_counts_match": shown == expected,
        "every_item_answered_by_all": set(per_item.values()) == {n},
        "seconds_wall": round(wall, 2),
        "seconds_per_participant_median": round(sorted(r["seconds"] for r in results)[n // 2], 2),
        "answers_per_second": round(n * m / wall, 1) if wall > 0 else None,
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--participants", type=int, default=30)
    ap.add_argument("--items", type=int, default=20)
    args = ap.parse_args()
    out = run(args.participants, args.items)
    print(json.dumps(out, indent=1))
    sys.exit(0)
