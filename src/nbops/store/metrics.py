"""Metric points and the per-run summary that makes listing and sorting cheap."""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from .database import Database
from .values import read_float, sql_float

# (run_id, key, step, value, timestamp)
Point = tuple[str, str, int, float, float]

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

    def write(self, points: Sequence[Point], conn=None) -> None:
        """Store a batch of points and fold it into ``latest_metrics`` (one transaction)."""
        if not points:
            return
        rows = [(run, key, step, sql_float(value), ts) for run, key, step, value, ts in points]
        summaries = _summarize(points)
        if conn is not None:
            _write(conn, rows, summaries)
            return
        with self.db.transaction() as conn:
            _write(conn, rows, summaries)

    def keys(self, run_id: str) -> list[str]:
        rows = self.db.connection().execute(
            "SELECT key FROM latest_metrics WHERE run_id = ? ORDER BY key", (run_id,)
        )
        return [r[0] for r in rows]

    def summary(self, run_id: str) -> dict[str, dict]:
        rows = self.db.connection().execute(
            "SELECT key, value, step, timestamp, min, max, count FROM latest_metrics WHERE run_id = ? ORDER BY key",
            (run_id,),
        )
        return {
            r["key"]: {"value": read_float(r["value"]), "step": r["step"], "timestamp": r["timestamp"],
                       "min": r["min"], "max": r["max"], "count": r["count"]}
            for r in rows
        }

    def history(self, run_id: str, key: str) -> list[tuple[int, float, float]]:
        """All (step, value, timestamp) of one metric, by step; NaN comes back as NaN."""
        rows = self.db.connection().execute(
            "SELECT step, value, timestamp FROM metrics WHERE run_id = ? AND key = ? ORDER BY step",
            (run_id, key),
        )
        return [(step, read_float(value), ts) for step, value, ts in rows]


def _write(conn, rows: list, summaries: Iterable[tuple]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO metrics (run_id, key, step, value, timestamp) VALUES (?, ?, ?, ?, ?)", rows
    )
    conn.executemany(_UPSERT_LATEST, summaries)


def _summarize(points: Sequence[Point]) -> list[tuple]:
    """Per (run, key): the point at the highest step, finite min/max and the count."""
    latest: dict[tuple[str, str], list] = {}
    for run, key, step, value, ts in points:
        entry = latest.get((run, key))
        finite = value if math.isfinite(value) else None
        if entry is None:
            latest[(run, key)] = [step, value, ts, finite, finite, 1]
            continue
        if step >= entry[0]:
            entry[0], entry[1], entry[2] = step, value, ts
        if finite is not None:
            entry[3] = finite if entry[3] is None else min(entry[3], finite)
            entry[4] = finite if entry[4] is None else max(entry[4], finite)
        entry[5] += 1
    return [
        (run, key, sql_float(value), step, ts, lo, hi, count)
        for (run, key), (step, value, ts, lo, hi, count) in latest.items()
    ]
