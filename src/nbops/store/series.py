"""Metric series for charts: downsampled in SQL, keeping each bucket's min and max.

A run may log 100,000 steps per key; a chart needs about 1,000 points. The step axis is
cut into equal buckets and one GROUP BY over the metrics primary key (run_id, key, step)
gives, per bucket, its first and last step, mean, min, max and count. The bucket's first
and last rows are then read back by primary key for the last value and the wall time.
A spike survives as the bucket's max even when the mean hides it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from ..errors import InvalidValueError, NotFoundError
from .database import Database
from .values import check_key

if TYPE_CHECKING:
    import sqlite3

DEFAULT_POINTS = 1_000
MAX_POINTS = 10_000
MAX_KEYS = 100

_BUCKETS = """
WITH buckets AS (
    SELECT (step - :low) / :width AS bucket, MIN(step) AS first_step, MAX(step) AS last_step,
           AVG(value) AS mean, MIN(value) AS low, MAX(value) AS high, COUNT(*) AS count
    FROM metrics WHERE run_id = :run AND key = :key
    GROUP BY bucket
)
SELECT b.first_step, f.timestamp, b.mean, l.value, b.low, b.high, b.count
FROM buckets b
JOIN metrics f ON f.run_id = :run AND f.key = :key AND f.step = b.first_step
JOIN metrics l ON l.run_id = :run AND l.key = :key AND l.step = b.last_step
ORDER BY b.first_step
"""


class MetricSeries(TypedDict):
    """One key's buckets as column arrays (one entry per bucket), and the bucket width in steps."""

    step: list[int]
    wall_time: list[float]
    relative_time: list[float]
    value: list[float | None]  # the bucket's mean
    last: list[float | None]
    min: list[float | None]
    max: list[float | None]
    count: list[int]
    bucket_width: int
    downsampled: bool


_RANGE = """
SELECT (SELECT step FROM metrics WHERE run_id = :run AND key = :key ORDER BY step LIMIT 1),
       (SELECT step FROM metrics WHERE run_id = :run AND key = :key ORDER BY step DESC LIMIT 1)
"""


def parse_keys(text: str | None) -> list[str] | None:
    """``"loss,acc"`` -> ['loss', 'acc'] (duplicates dropped); empty -> None (every key)."""
    if text is None or not text.strip():
        return None
    keys = list(dict.fromkeys(k.strip() for k in text.split(",") if k.strip()))
    if len(keys) > MAX_KEYS:
        raise InvalidValueError(f"keys names {len(keys)} metrics: ask for at most {MAX_KEYS} at once")
    return [check_key("metric", k) for k in keys]


def check_points(max_points: int) -> int:
    if isinstance(max_points, bool) or not isinstance(max_points, int) or not 2 <= max_points <= MAX_POINTS:
        raise InvalidValueError(f"max_points {max_points!r} is not valid: use a whole number from 2 to {MAX_POINTS}")
    return max_points


class RunSeries(TypedDict):
    """The answer of :meth:`Series.of_run` (see there)."""

    run_id: str
    max_points: int
    metrics: dict[str, MetricSeries]
    missing_keys: list[str]


class Series:
    def __init__(self, db: Database):
        self.db = db

    def of_run(self, run_id: str, keys: Iterable[str] | None = None, max_points: int = DEFAULT_POINTS) -> RunSeries:
        """Per key, column arrays ``step``, ``wall_time``, ``relative_time``, ``value`` (bucket
        mean), ``last``, ``min``, ``max``, ``count``; keys the run never logged are listed
        in ``missing_keys``."""
        check_points(max_points)
        conn = self.db.connection()
        row = conn.execute("SELECT start_time FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"run {run_id!r} does not exist")
        start = row[0]
        logged = [r[0] for r in conn.execute("SELECT key FROM latest_metrics WHERE run_id = ? ORDER BY key", (run_id,))]
        wanted = logged if keys is None else list(keys)
        present = set(logged)
        series = {key: self._series(conn, run_id, key, start, max_points) for key in wanted if key in present}
        return {
            "run_id": run_id,
            "max_points": max_points,
            "metrics": series,
            "missing_keys": [key for key in wanted if key not in present],
        }

    @staticmethod
    def _series(conn: sqlite3.Connection, run_id: str, key: str, start: float, max_points: int) -> MetricSeries:
        plain = conn.cursor()
        plain.row_factory = None
        args = {"run": run_id, "key": key}
        low, high = plain.execute(_RANGE, args).fetchone()
        columns = MetricSeries(
            step=[],
            wall_time=[],
            relative_time=[],
            value=[],
            last=[],
            min=[],
            max=[],
            count=[],
            bucket_width=1,
            downsampled=False,
        )
        if low is None:
            return columns
        width = max(1, -(-(high - low + 1) // max_points))  # ceil: at most max_points buckets
        rows = plain.execute(_BUCKETS, {**args, "low": low, "width": width}).fetchall()
        for step, wall, mean, last, lo, hi, count in rows:
            columns["step"].append(step)
            columns["wall_time"].append(wall)
            columns["relative_time"].append(wall - start)
            columns["value"].append(_number(mean))
            columns["last"].append(_number(last))
            columns["min"].append(_number(lo))
            columns["max"].append(_number(hi))
            columns["count"].append(count)
        columns["bucket_width"], columns["downsampled"] = width, width > 1
        return columns


def _number(value: float | str | None) -> float | None:
    """NaN was stored as NULL and stays None (JSON null); everything else is a float."""
    return None if value is None else float(value)
