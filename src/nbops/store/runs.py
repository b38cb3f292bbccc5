"""Experiments and runs: create, end, describe, search, and mark the dead as crashed."""

from __future__ import annotations

import json
import os
import time
from typing import Any, Iterable, Mapping, NamedTuple

from ..errors import ConflictError, InvalidValueError, NotFoundError
from .database import Database
from .query import ATTRIBUTES, SortKey, compile_filter, parse_sort
from .values import check_key, param_number, param_text, read_float

STATUSES = ("running", "finished", "failed", "crashed", "killed")
FINAL_STATUSES = STATUSES[1:]
# A live process beats every few seconds; a run silent for this long is dead
# even when its pid cannot be checked (another host, or a reused pid).
STALE_AFTER_SECONDS = 60.0
MAX_PAGE = 1000
HOST = os.uname().nodename

RUN_COLUMNS = """r.id, e.name AS experiment, r.name, r.status, r.start_time, r.end_time,
    r.heartbeat, r.pid, r.host, r.user, r.notebook_path, r.git_commit, r.git_branch,
    r.git_dirty, r.parent_id, r.note, r.deleted_at"""


class Page(NamedTuple):
    runs: list[dict]
    next_cursor: str | None


def new_run_id() -> str:
    return os.urandom(8).hex()


class Runs:
    """Rows of ``experiments``, ``runs``, ``params`` and ``tags``."""

    def __init__(self, db: Database):
        self.db = db
        self._experiment_ids: dict[str, int] = {}  # experiments are never deleted

    # -- writing -------------------------------------------------------------------
    def experiment_id(self, name: str) -> int:
        if not isinstance(name, str) or not name.strip():
            raise InvalidValueError(f"experiment name {name!r} is not valid: use a non-empty string")
        cached = self._experiment_ids.get(name)
        if cached is not None:
            return cached
        with self.db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)", (name, time.time()))
            found = conn.execute("SELECT id FROM experiments WHERE name = ?", (name,)).fetchone()[0]
        self._experiment_ids[name] = found
        return found

    def create(
        self,
        experiment: str,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        parent_id: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> str:
        """Insert a running run with its params and tags; returns its id."""
        experiment_id = self.experiment_id(experiment)
        run_id = new_run_id()
        now = time.time()
        context = dict(context or {})
        with self.db.transaction() as conn:
            if parent_id is not None and not conn.execute("SELECT 1 FROM runs WHERE id = ?", (parent_id,)).fetchone():
                raise NotFoundError(f"parent run {parent_id!r} does not exist")
            conn.execute(
                """INSERT INTO runs (id, experiment_id, name, status, start_time, heartbeat, pid, host,
                   user, notebook_path, parent_id) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)""",
                (run_id, experiment_id, name, now, now, os.getpid(), HOST,
                 context.get("user"), context.get("notebook_path"), parent_id),
            )
            self._write_params(conn, run_id, params or {})
            self._write_tags(conn, run_id, tags or {})
        return run_id

    def log_params(self, run_id: str, params: Mapping[str, Any]) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id)
            self._write_params(conn, run_id, params)

    def set_tags(self, run_id: str, tags: Mapping[str, Any]) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id)
            self._write_tags(conn, run_id, tags)

    def delete_tag(self, run_id: str, key: str) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id)
            conn.execute("DELETE FROM tags WHERE run_id = ? AND key = ?", (run_id, key))

    def set_note(self, run_id: str, note: str | None) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id)
            conn.execute("UPDATE runs SET note = ? WHERE id = ?", (note, run_id))

    def set_git(self, run_id: str, commit: str | None, branch: str | None, dirty: bool | None) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE runs SET git_commit = ?, git_branch = ?, git_dirty = ? WHERE id = ?",
                (commit, branch, None if dirty is None else int(dirty), run_id),
            )

    def end(self, run_id: str, status: str = "finished") -> None:
        if status not in FINAL_STATUSES:
            raise InvalidValueError(f"run status {status!r} is not valid: use one of {', '.join(FINAL_STATUSES)}")
        with self.db.transaction() as conn:
            changed = conn.execute(
                "UPDATE runs SET status = ?, end_time = ? WHERE id = ? AND status = 'running' AND deleted_at IS NULL",
                (status, time.time(), run_id),
            ).rowcount
            if not changed:  # already ended is fine; unknown or deleted is an error
                self._require(conn, run_id)

    def heartbeat(self, run_ids: Iterable[str], conn=None) -> None:
        ids = list(run_ids)
        if not ids:
            return
        now = time.time()
        target = conn or self.db.connection()
        target.executemany("UPDATE runs SET heartbeat = ? WHERE id = ? AND status = 'running'", [(now, i) for i in ids])

    def soft_delete(self, run_id: str, deleted: bool = True) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id, include_deleted=True)
            conn.execute("UPDATE runs SET deleted_at = ? WHERE id = ?", (time.time() if deleted else None, run_id))

    def mark_crashed(self, now: float | None = None) -> list[str]:
        """Runs left 'running' by a dead process become 'crashed'; returns their ids."""
        now = time.time() if now is None else now
        conn = self.db.connection()
        rows = conn.execute("SELECT id, pid, host, heartbeat FROM runs WHERE status = 'running'").fetchall()
        dead = [r["id"] for r in rows if _is_dead(r["pid"], r["host"], r["heartbeat"], now)]
        if dead:
            with self.db.transaction() as conn:
                conn.executemany(
                    "UPDATE runs SET status = 'crashed', end_time = COALESCE(heartbeat, start_time) "
                    "WHERE id = ? AND status = 'running'",
                    [(i,) for i in dead],
                )
        return dead

    # -- reading -------------------------------------------------------------------
    def get(self, run_id: str) -> dict:
        conn = self.db.connection()
        row = conn.execute(
            f"SELECT {RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?",
            (run_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"run {run_id!r} does not exist")
        return self._with_children(conn, [_run_dict(dict(row))])[0]

    def children(self, run_id: str) -> list[dict]:
        """Id, name and status of the runs started inside ``run_id`` (not deleted), oldest first."""
        rows = self.db.connection().execute(
            "SELECT id, name, status FROM runs WHERE parent_id = ? AND deleted_at IS NULL ORDER BY start_time, id",
            (run_id,),
        )
        return [dict(r) for r in rows]

    def experiments(self) -> list[dict]:
        rows = self.db.connection().execute(
            """SELECT e.name, e.created_at, COUNT(r.id) AS run_count, MAX(r.start_time) AS last_start_time
               FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.deleted_at IS NULL
               GROUP BY e.id ORDER BY COALESCE(MAX(r.start_time), e.created_at) DESC"""
        ).fetchall()
        return [dict(r) for r in rows]

    def search(
        self,
        experiment: str | None = None,
        filter: str | None = None,
        order_by: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
        include_deleted: bool = False,
    ) -> Page:
        """One page of runs matching ``filter``, sorted by ``order_by`` (keyset paginated)."""
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE:
            raise InvalidValueError(f"limit {limit!r} is not valid: use a whole number from 1 to {MAX_PAGE}")
        sort = parse_sort(order_by)
        compiled = compile_filter(filter)
        where, params = [compiled.where], list(compiled.params)
        if experiment is not None:
            where.append("e.name = ?")
            params.append(experiment)
        if not include_deleted:
            where.append("r.deleted_at IS NULL")
        join, sort_sql, join_params = _sort_expression(sort)
        if cursor:
            clause, cursor_params = _after_cursor(cursor, sort_sql, sort.descending)
            where.append(clause)
            params.extend(cursor_params)
        direction = "DESC" if sort.descending else "ASC"
        sql = (
            f"SELECT {RUN_COLUMNS}, {sort_sql} AS sort_value FROM runs r "
            f"JOIN experiments e ON e.id = r.experiment_id {join} "
            f"WHERE {' AND '.join(where)} "
            f"ORDER BY (sort_value IS NULL), sort_value {direction}, r.id {direction} LIMIT ?"
        )
        conn = self.db.connection()
        cursor_ = _plain(conn).execute(sql, [*join_params, *params, limit + 1])
        names = [d[0] for d in cursor_.description]
        rows = cursor_.fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        runs = self._with_children(conn, [_run_dict(dict(zip(names, r))) for r in rows])
        next_cursor = _encode_cursor(rows[-1][-1], rows[-1][0]) if more else None
        return Page(runs, next_cursor)

    # -- helpers -------------------------------------------------------------------
    def _require(self, conn, run_id: str, include_deleted: bool = False) -> None:
        row = conn.execute("SELECT deleted_at FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"run {run_id!r} does not exist")
        if row[0] is not None and not include_deleted:
            raise ConflictError(f"run {run_id!r} is deleted; restore it first")

    @staticmethod
    def _write_params(conn, run_id: str, params: Mapping[str, Any]) -> None:
        if not isinstance(params, Mapping):
            raise InvalidValueError(f"params must be a mapping of name to value, got {type(params).__name__}")
        rows = [(run_id, check_key("param", k), param_text(v), param_number(v)) for k, v in params.items()]
        conn.executemany("INSERT OR REPLACE INTO params (run_id, key, value, value_num) VALUES (?, ?, ?, ?)", rows)

    @staticmethod
    def _write_tags(conn, run_id: str, tags: Mapping[str, Any]) -> None:
        if not isinstance(tags, Mapping):
            raise InvalidValueError(f"tags must be a mapping of name to value, got {type(tags).__name__}")
        rows = [(run_id, check_key("tag", k), param_text(v)) for k, v in tags.items()]
        conn.executemany("INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)", rows)

    @staticmethod
    def _with_children(conn, runs: list[dict]) -> list[dict]:
        """Attach params, latest metrics and tags to a page of runs.

        One query builds a single JSON document for the whole page, so Python parses once
        instead of once per run and table (the difference is most of a 1,000-run page's cost).
        """
        if not runs:
            return runs
        by_id = {run["id"]: run for run in runs}
        marks = ",".join("?" * len(by_id))
        document = _plain(conn).execute(_CHILDREN_SQL.replace("{marks}", marks), list(by_id)).fetchone()[0]
        for run_id, params, metrics, tags in json.loads(document):
            run = by_id[run_id]
            run["params"], run["tags"] = params, tags
            # NaN was stored as NULL and infinities came as text: give both back as floats
            if not all(type(v) is float for v in metrics.values()):
                metrics = {k: read_float(v) if v is None or type(v) is str else float(v) for k, v in metrics.items()}
            run["metrics"] = metrics
        return runs


# JSON has no infinity (SQLite would write a bare Inf), so infinite metrics travel as text.
_CHILD = "json(COALESCE((SELECT json_group_object(key, {value}) FROM {table} WHERE run_id = r.id), '{{}}'))"
_CHILDREN_SQL = (
    "SELECT json_group_array(json_array(r.id, "
    + _CHILD.format(value="value", table="params") + ", "
    + _CHILD.format(value="CASE WHEN abs(value) > 1.7976931348623157e308 THEN CAST(value AS TEXT) ELSE value END",
                    table="latest_metrics") + ", "
    + _CHILD.format(value="value", table="tags")
    + ")) FROM runs r WHERE r.id IN ({marks})"
)


def _plain(conn):
    """A cursor yielding plain tuples: much faster than sqlite3.Row for wide pages."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


def _run_dict(run: dict) -> dict:
    run.pop("sort_value", None)
    end = run["end_time"] if run["end_time"] is not None else (run["heartbeat"] if run["status"] == "running" else None)
    run["duration"] = None if end is None else max(0.0, end - run["start_time"])
    run["git_dirty"] = None if run["git_dirty"] is None else bool(run["git_dirty"])
    return run


def _is_dead(pid: int | None, host: str | None, heartbeat: float | None, now: float) -> bool:
    if heartbeat is not None and now - heartbeat > STALE_AFTER_SECONDS:
        return True
    if host != HOST or not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def _sort_expression(sort: SortKey) -> tuple[str, str, list]:
    """JOIN text, the SQL of the sort value, and the JOIN's parameters."""
    if not sort.family:
        return "", ATTRIBUTES[sort.key], []
    table, column = {
        "metrics": ("latest_metrics", "value"),
        "params": ("params", "COALESCE(s.value_num, s.value)"),
        "tags": ("tags", "value"),
    }[sort.family]
    column = column if "(" in column else f"s.{column}"
    return f"LEFT JOIN {table} s ON s.run_id = r.id AND s.key = ?", column, [sort.key]


def _encode_cursor(value: Any, run_id: str) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps([value, run_id]).encode()).decode()


def _after_cursor(cursor: str, sort_sql: str, descending: bool) -> tuple[str, list]:
    import base64
    import json

    try:
        value, run_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        assert isinstance(run_id, str)
    except Exception:
        raise InvalidValueError(f"cursor {cursor[:40]!r} is not valid: pass back the next_cursor of a previous page") from None
    cmp = "<" if descending else ">"
    if value is None:  # inside the trailing block of NULL sort values
        return f"(({sort_sql}) IS NULL AND r.id {cmp} ?)", [run_id]
    return (
        f"(({sort_sql}) IS NULL OR ({sort_sql}) {cmp} ? OR (({sort_sql}) = ? AND r.id {cmp} ?))",
        [value, value, run_id],
    )
