"""Side-by-side view of a few runs: headers, every param and tag with a ``differs`` flag,
and each metric's last/min/max/count per run. One query per table for the whole set."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import InvalidValueError, NotFoundError
from .database import Database
from .runs import RUN_COLUMNS, _run_dict
from .values import read_float

if TYPE_CHECKING:
    import sqlite3

MAX_RUNS = 100
MISSING_POLICIES = ("error", "omit")


class ComparedKey(TypedDict):
    """A param, tag or metric across the runs: its value per run id (None where a run has none)."""

    key: str
    values: dict[str, Any]
    differs: bool


class Compared(TypedDict):
    """The answer of :meth:`Comparison.of`."""

    runs: list[dict[str, Any]]
    params: list[ComparedKey]
    tags: list[ComparedKey]
    metrics: list[ComparedKey]
    missing_runs: list[str]


def parse_run_ids(text: str | None) -> list[str]:
    """``"a,b,a"`` -> ['a', 'b']: order kept, duplicates dropped, 1 to MAX_RUNS ids."""
    ids = list(dict.fromkeys(part.strip() for part in (text or "").split(",") if part.strip()))
    if not ids:
        raise InvalidValueError("runs is empty: pass run ids separated by commas, e.g. runs=3f2a…,9c1b…")
    if len(ids) > MAX_RUNS:
        raise InvalidValueError(f"runs names {len(ids)} runs: compare at most {MAX_RUNS} at once")
    return ids


def parse_missing(text: str | None) -> str:
    """What to do with unknown run ids: ``error`` (404, the default) or ``omit`` (list them)."""
    policy = (text or "error").strip()
    if policy not in MISSING_POLICIES:
        raise InvalidValueError(f"missing {policy!r} is not valid: use one of {', '.join(MISSING_POLICIES)}")
    return policy


class Comparison:
    def __init__(self, db: Database):
        self.db = db

    def of(self, run_ids: list[str], missing: str = "error") -> Compared:
        """Compare ``run_ids``. Unknown ids are a 404 unless ``missing="omit"``: a panel
        restored after its runs were purged still shows the others and names the gone ones
        in ``missing_runs``. Soft-deleted runs are returned with their ``deleted_at``."""
        conn = self.db.connection()
        plain = conn.cursor()
        plain.row_factory = None
        marks = ",".join("?" * len(run_ids))
        cursor = plain.execute(
            f"SELECT {RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id IN ({marks})",
            run_ids,
        )
        names = [d[0] for d in cursor.description]
        found = {row[0]: _run_dict(dict(zip(names, row))) for row in cursor}
        unknown = [run_id for run_id in run_ids if run_id not in found]
        if unknown and missing == "error":
            listed = ", ".join(repr(u) for u in unknown)
            raise NotFoundError(
                f"run{'s' if len(unknown) > 1 else ''} {listed} do{'' if len(unknown) > 1 else 'es'} not exist"
            )
        run_ids = [run_id for run_id in run_ids if run_id in found]
        marks = ",".join("?" * len(run_ids))
        params = _table(plain, "params", run_ids, marks)
        tags = _table(plain, "tags", run_ids, marks)
        metrics: dict[str, dict[str, Any]] = {}
        for run_id, key, value, step, low, high, count in plain.execute(
            f"SELECT run_id, key, value, step, min, max, count FROM latest_metrics WHERE run_id IN ({marks})", run_ids
        ):
            metrics.setdefault(key, {})[run_id] = {
                "last": read_float(value),
                "step": step,
                "min": low,
                "max": high,
                "count": count,
            }
        return {
            "runs": [found[run_id] for run_id in run_ids],
            "params": _rows(params, run_ids),
            "tags": _rows(tags, run_ids),
            "metrics": [
                {
                    "key": key,
                    "values": {r: per_run.get(r) for r in run_ids},
                    "differs": _differs([(per_run.get(r) or {}).get("last") for r in run_ids]),
                }
                for key, per_run in sorted(metrics.items())
            ],
            "missing_runs": unknown,
        }


def _table(plain: sqlite3.Cursor, table: str, run_ids: list[str], marks: str) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for run_id, key, value in plain.execute(
        f"SELECT run_id, key, value FROM {table} WHERE run_id IN ({marks})", run_ids
    ):
        values.setdefault(key, {})[run_id] = value
    return values


def _rows(values: dict[str, dict[str, Any]], run_ids: list[str]) -> list[ComparedKey]:
    """A missing value counts as different from any present one."""
    return [
        {
            "key": key,
            "values": {r: per_run.get(r) for r in run_ids},
            "differs": _differs([per_run.get(r) for r in run_ids]),
        }
        for key, per_run in sorted(values.items())
    ]


def _differs(values: list[object]) -> bool:
    # NaN != NaN: compare on repr so two NaN lasts count as equal
    return len({repr(v) for v in values}) > 1
