"""Metric points and the per-run summary that makes listing and sorting cheap."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .database import Database
from .values import read_float, sql_float

if TYPE_CHECKING:
    import sqlite3

# (run_id, key, step, value, timestamp)
Point = tuple[str, str, int, float, float]
# What latest_metrics gets per (run, key): the top point's value, step and time, then min, max, count.
Summary = tuple[str, str, float | None, int, float, float | None, float | None, int]

_UPSERT_LATEST = """
INSERT INTO latest_metrics (run_id, key, value, step, timestamp, min, max, count)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (run_id, key) DO UPDATE SET
    value = CASE WHEN excluded.step >= step THEN excluded.value ELSE value END,
    timestamp = CASE WHEN excluded.step >= step THEN excluded.timestamp ELSE timestamp END,
    step = MAX(step, excluded.step),
    min = CASE WHEN min IS NULL THEN excluded.min WHEN excluded.min IS NULL THEN min ELSE MIN(min, excluded.min) END,
    max = CASE WHEN max IS NULL THEN excluded.max WHEN excluded.max IS NULL THEN max ELSE MAX(max, excluded.max) END,
    count = count + excluded.count
"""


class Metrics:
    def __init__(self, db: Database):
        self.db = db

    def write(self, points: Sequence[Point], conn: sqlite3.Connection | None = None) -> None:
        """Store a batch of points and fold it into ``latest_metrics`` (one transaction)."""
        if not points:
            return
        # Points go to SQLite as they are: it stores a bound NaN as NULL by itself.
        rows = points
        summaries = _summarize(points)
        if conn is not None:
            _write(conn, rows, summaries)
            return
        with self.db.transaction() as conn:
            _write(conn, rows, summaries)

    def keys(self, run_id: str) -> list[str]:
        rows = self.db.connection().execute("SELECT key FROM latest_metrics WHERE run_id = ? ORDER BY key", (run_id,))
        return [r[0] for r in rows]

    def summary(self, run_id: str) -> dict[str, dict[str, Any]]:
        rows = self.db.connection().execute(
            "SELECT key, value, step, timestamp, min, max, count FROM latest_metrics WHERE run_id = ? ORDER BY key",
            (run_id,),
        )
        return {
            r["key"]: {
                "value": read_float(r["value"]),
                "step": r["step"],
                "timestamp": r["timestamp"],
                "min": r["min"],
                "max": r["max"],
                "count": r["count"],
            }
            for r in rows
        }

    def history(self, run_id: str, key: str) -> list[tuple[int, float, float]]:
        """All (step, value, timestamp) of one metric, by step; NaN comes back as NaN."""
        rows = self.db.connection().execute(
            "SELECT step, value, timestamp FROM metrics WHERE run_id = ? AND key = ? ORDER BY step",
            (run_id, key),
        )
        return [(step, read_float(value), ts) for step, value, ts in rows]


def _write(conn: sqlite3.Connection, rows: Sequence[Point], summaries: Iterable[Summary]) -> None:
    # An upsert, not INSERT OR REPLACE: REPLACE deletes first, which costs a foreign-key
    # check per point.
    conn.executemany(
        "INSERT INTO metrics (run_id, key, step, value, timestamp) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (run_id, key, step) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp",
        rows,
    )
    conn.executemany(_UPSERT_LATEST, summaries)


def _summarize(points: Sequence[Point]) -> list[Summary]:
    """Per (run, key): the point at the highest step (the last logged among equals), the
    finite min/max and the count. Grouping is the only per-point Python; the rest runs in
    builtins."""
    groups: dict[tuple[str, str], list[Point]] = {}
    for point in points:
        group = groups.get(point[:2])
        if group is None:
            groups[point[:2]] = [point]
        else:
            group.append(point)
    summaries: list[Summary] = []
    for (run, key), group in groups.items():
        top = max(reversed(group), key=_step)  # reversed: the last of equal steps wins
        finite = [v for v in map(_value, group) if v - v == 0]  # drops NaN and ±inf
        lo, hi = (min(finite), max(finite)) if finite else (None, None)
        summaries.append((run, key, sql_float(top[3]), top[2], top[4], lo, hi, len(group)))
    return summaries


_step = itemgetter(2)
_value = itemgetter(3)
