"""The change feed: runs changed after a sequence number, for panels that update live.

Triggers (migration 0003) stamp a run with the next value of a one-row counter whenever
its status, end, name, note, deletion, params, tags or latest metrics change. A panel
keeps the ``seq`` of its last answer and asks for what changed since.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import InvalidValueError
from .database import Database
from .runs import LISTED_COLUMNS, _run_dict
from .summaries import attach_children

if TYPE_CHECKING:
    import sqlite3

MAX_CHANGES = 1_000


class ChangeFeed(TypedDict):
    """One answer of :meth:`Changes.since` (see there)."""

    runs: list[dict[str, Any]]
    seq: int
    more: bool
    reset: bool


class Changes:
    def __init__(self, db: Database):
        self.db = db

    def current(self) -> int:
        seq: int = self.db.connection().execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0]
        return seq

    def since(self, seq: int | None, limit: int = MAX_CHANGES) -> ChangeFeed:
        """``{"runs": [...], "seq": N, "more": bool, "reset": bool}``: run summaries (deleted
        ones too, with ``deleted_at`` and empty params, metrics and tags) stamped after ``seq``,
        oldest change first; long values cut as in listings (see ``summaries``). Pass ``seq``
        back next time; ``more`` means call again at once; ``reset`` means ``seq`` is newer than
        the store (it was replaced), so refetch everything."""
        conn = self.db.connection()
        if seq is None:
            return {"runs": [], "seq": self.current(), "more": False, "reset": False}
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise InvalidValueError(
                f"since {seq!r} is not valid: use the seq of a previous answer (a whole number ≥ 0)"
            )
        with _snapshot(conn):
            current: int = conn.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0]
            if seq > current:
                return {"runs": [], "seq": current, "more": False, "reset": True}
            plain = conn.cursor()
            plain.row_factory = None
            cursor = plain.execute(
                f"SELECT {LISTED_COLUMNS}, r.change_seq, r.summary FROM runs r "
                "JOIN experiments e ON e.id = r.experiment_id "
                "WHERE r.change_seq > ? ORDER BY r.change_seq LIMIT ?",
                (seq, limit + 1),
            )
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, row)) for row in cursor.fetchall()]
            more = len(rows) > limit
            rows = rows[:limit]
            summaries = [row.pop("summary") for row in rows]
            runs = [_run_dict(row) for row in rows]
            live = [(run, text) for run, text in zip(runs, summaries) if run["deleted_at"] is None]
            attach_children(conn, [run for run, _ in live], [text for _, text in live])
            for run in runs:  # a deleted run says it left, without its payload
                if run["deleted_at"] is not None:
                    run["params"], run["metrics"], run["tags"] = {}, {}, {}
        newest: int = rows[-1]["change_seq"] if more else current
        return {"runs": runs, "seq": newest, "more": more, "reset": False}


class _snapshot:
    """A read transaction, so the counter and the runs read come from one snapshot."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.owned = False

    def __enter__(self) -> sqlite3.Connection:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN")
            self.owned = True
        return self.conn

    def __exit__(self, *exc: object) -> None:
        if self.owned:
            self.conn.execute("COMMIT")
