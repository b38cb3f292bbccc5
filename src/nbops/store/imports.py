"""Runs that were logged elsewhere (e.g. pulled from an MLflow server), written as they are:
their own id, status, times and author, not those of this process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidValueError
from .runs import STATUSES, _param_rows, _tag_rows
from .summaries import store_summary

if TYPE_CHECKING:
    import sqlite3

_COLUMNS = (
    "id",
    "experiment_id",
    "name",
    "status",
    "start_time",
    "end_time",
    "host",
    "user",
    "notebook_path",
    "git_commit",
    "git_branch",
    "git_dirty",
    "parent_id",
    "note",
)


def insert_run(
    conn: sqlite3.Connection, run: Mapping[str, Any], params: Mapping[str, Any], tags: Mapping[str, Any]
) -> None:
    """Write a finished (or still running elsewhere) run with its params and tags, inside the
    caller's transaction. ``run`` holds the columns of ``_COLUMNS``; missing ones are NULL."""
    if run.get("status") not in STATUSES:
        raise InvalidValueError(f"run status {run.get('status')!r} is not valid: use one of {', '.join(STATUSES)}")
    values = [run.get(name) for name in _COLUMNS]
    conn.execute(f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", values)
    conn.executemany(
        "INSERT OR REPLACE INTO params (run_id, key, value, value_num) VALUES (?, ?, ?, ?)",
        _param_rows(run["id"], params),
    )
    conn.executemany("INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)", _tag_rows(run["id"], tags))


def finish_import(conn: sqlite3.Connection, run_id: str) -> None:
    """Cache the summary of an imported run once its metrics are in (listing reads it)."""
    row = conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is not None and row[0] != "running":
        store_summary(conn, run_id)


def update_run(conn: sqlite3.Connection, run_id: str, status: str, end_time: float | None, note: str | None) -> None:
    """Bring an imported run's status, end and note up to date (e.g. it was running when first pulled)."""
    if status not in STATUSES:
        raise InvalidValueError(f"run status {status!r} is not valid: use one of {', '.join(STATUSES)}")
    conn.execute(
        "UPDATE runs SET status = ?, end_time = ?, note = ? WHERE id = ? "
        "AND (status IS NOT ? OR end_time IS NOT ? OR note IS NOT ?)",
        (status, end_time, note, run_id, status, end_time, note),
    )
