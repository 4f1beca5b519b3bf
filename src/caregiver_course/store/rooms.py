"""Workshops, wrong-try counts and which browser owns a kernel: the store's shared, room-level tables.

A mixin of :class:`~caregiver_course.store.database.Store` (it uses the store's transactions and hashing).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from .codes import new_workshop_code, normalise_code
from .errors import StoreError

KNOWN = "known:"  # kernel_clients rows that note a browser with saved progress, not a kernel


@dataclass(frozen=True)
class Workshop:
    id: str
    join_code: str
    title: str
    created_at: float
    closed_at: float | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Rooms:
    """Workshops (made, joined, closed; their answers), wrong tries, and kernel owners."""

    # ------------------------------------------------------------------ workshops

    def create_workshop(self, title: str = "") -> Workshop:
        for _ in range(20):
            code = new_workshop_code()
            ws = Workshop(secrets.token_hex(8), code, title[:80], time.time(), None)
            try:
                with self._tx() as db:
                    if db.execute("SELECT 1 FROM workshops WHERE join_code = ?", (code,)).fetchone():
                        continue
                    db.execute(
                        "INSERT INTO workshops(id, join_code, title, created_at) VALUES (?,?,?,?)",
                        (ws.id, ws.join_code, ws.title, ws.created_at),
                    )
                return ws
            except StoreError as exc:
                if not exc.conflict:
                    raise
        raise StoreError("Could not make a join code. Please try again.")

    def workshop(self, workshop_id: str) -> Workshop | None:
        return self._workshop_where("id", workshop_id)

    def workshop_by_code(self, code: str) -> Workshop | None:
        return self._workshop_where("join_code", normalise_code(code))

    def _workshop_where(self, column: str, value: str) -> Workshop | None:
        with self._tx(write=False) as db:
            row = db.execute(
                f"SELECT id, join_code, title, created_at, closed_at FROM workshops WHERE {column} = ?", (value,)
            ).fetchone()
        return Workshop(*row) if row else None

    def close_workshop(self, workshop_id: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE workshops SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (time.time(), workshop_id)
            )

    def join_workshop(self, workshop_id: str, learner_id: str, nickname: str = "") -> None:
        with self._tx() as db:
            open_ = db.execute(
                "SELECT closed_at IS NULL FROM workshops WHERE id = ?" + db.for_share, (workshop_id,)
            ).fetchone()
            if not open_ or not open_[0]:
                raise StoreError("This workshop has ended.")
            db.execute(
                "INSERT INTO participants(workshop_id, learner_id, nickname, joined_at) VALUES (?,?,?,?) "
                "ON CONFLICT(workshop_id, learner_id) DO UPDATE SET nickname = excluded.nickname",
                (workshop_id, learner_id, nickname, time.time()),
            )

    def participants(self, workshop_id: str) -> list[dict]:
        """Who joined, with when they last did anything (answers, ticks, opening lessons)."""
        with self._tx(write=False) as db:
            rows = db.execute(
                "SELECT p.learner_id, p.nickname, p.joined_at, MAX(e.at) FROM participants p "
                "LEFT JOIN events e ON e.learner_id = p.learner_id AND e.at >= p.joined_at "
                "WHERE p.workshop_id = ? GROUP BY p.learner_id, p.nickname, p.joined_at ORDER BY p.joined_at",
                (workshop_id,),
            ).fetchall()
        return [
            {"learner_id": lid, "nickname": nick, "joined_at": joined, "last_active": last or joined}
            for lid, nick, joined, last in rows
        ]

    def workshop_answers(self, workshop_id: str) -> list[dict]:
        """Every answer that counts for the workshop, oldest first (none after it was closed)."""
        with self._tx(write=False) as db:
            rows = db.execute(
                "SELECT e.learner_id, e.item, e.response, e.status, e.at FROM events e "
                "JOIN workshops w ON w.id = e.workshop_id WHERE e.workshop_id = ? AND e.kind = 'answer' "
                "AND (w.closed_at IS NULL OR e.at <= w.closed_at) ORDER BY e.seq",
                (workshop_id,),
            ).fetchall()
        return [
            {"learner_id": lid, "item": item, "response": json.loads(resp), "status": status, "at": at}
            for lid, item, resp, status, at in rows
        ]

    # ------------------------------------------------------------------ rate limits (shared by all kernels)

    def record_attempt(self, scope: str, client: str, ok: bool, now: float | None = None) -> None:
        """Note one try (a resume code, a workshop code, the facilitator secret). Old rows are trimmed."""
        now = now if now is not None else time.time()
        with self._tx() as db:
            db.execute("INSERT INTO attempts(scope, client, at, ok) VALUES (?,?,?,?)", (scope, client, now, int(ok)))
            db.execute("DELETE FROM attempts WHERE at < ?", (now - 86400,))

    def failures(self, scope: str, since: float, client: str | None = None) -> list[float]:
        """Times of wrong tries in this scope since then (for one client, or for everyone), oldest first."""
        with self._tx(write=False) as db:
            if client is None:
                rows = db.execute(
                    "SELECT at FROM attempts WHERE scope = ? AND at >= ? AND ok = 0 ORDER BY at", (scope, since)
                ).fetchall()
            else:
                rows = db.execute(
                    "SELECT at FROM attempts WHERE scope = ? AND client = ? AND at >= ? AND ok = 0 ORDER BY at",
                    (scope, client, since),
                ).fetchall()
        return [r[0] for r in rows]

    def set_kernel_client(self, kernel_id: str, client: str, now: float | None = None) -> None:
        """The server notes which client (a keyed hash of its address) a page's kernel serves."""
        now = now if now is not None else time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO kernel_clients(kernel_id, client, at) VALUES (?,?,?) ON CONFLICT(kernel_id) "
                "DO UPDATE SET client = excluded.client, at = excluded.at",
                (kernel_id, client, now),
            )
            db.execute(
                "DELETE FROM kernel_clients WHERE at < ? AND kernel_id NOT LIKE ?", (now - 2 * 86400, KNOWN + "%")
            )

    def note_known_browser(self, browser: str, now: float | None = None) -> None:
        """A browser (its key's keyed hash) came back with saved progress: the server lets it in first when
        full. Kept with the kernels' notes, for a year after its last visit."""
        now = now if now is not None else time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO kernel_clients(kernel_id, client, at) VALUES (?,?,?) ON CONFLICT(kernel_id) "
                "DO UPDATE SET at = excluded.at",
                (KNOWN + browser, "", now),
            )
            db.execute("DELETE FROM kernel_clients WHERE at < ? AND kernel_id LIKE ?", (now - 366 * 86400, KNOWN + "%"))

    def browser_known(self, browser: str) -> bool:
        with self._tx(write=False) as db:
            return (
                db.execute("SELECT 1 FROM kernel_clients WHERE kernel_id = ?", (KNOWN + browser,)).fetchone()
                is not None
            )

    def kernel_client(self, kernel_id: str) -> str:
        with self._tx(write=False) as db:
            row = db.execute("SELECT client FROM kernel_clients WHERE kernel_id = ?", (kernel_id,)).fetchone()
        return row[0] if row else ""

    def client_hash(self, address: str) -> str:
        return self._hash("client:" + address)[:27]
