"""Experiments and runs: create, end, describe, search, and mark the dead as crashed."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import ConflictError, InvalidValueError, NotFoundError
from .database import Database
from .liveness import HOST, process_started
from .provenance import Captured
from .provenance import write as write_provenance
from .query import ATTRIBUTES, SortKey, Value, compile_filter, parse_sort
from .summaries import MAX_LISTED_VALUE, attach_children, store_summary
from .summaries import cut as _cut
from .values import check_key, param_number, param_text

if TYPE_CHECKING:
    import sqlite3

    from . import Store

STATUSES = ("running", "finished", "failed", "crashed", "killed")
FINAL_STATUSES = STATUSES[1:]
# A live process beats every few seconds; a run silent for this long is dead
# even when its pid cannot be checked (another host, or a reused pid).
STALE_AFTER_SECONDS = 60.0
MAX_PAGE = 1000

RUN_NAMES = (
    "id",
    "experiment",
    "name",
    "status",
    "start_time",
    "end_time",
    "heartbeat",
    "pid",
    "host",
    "user",
    "notebook_path",
    "git_commit",
    "git_branch",
    "git_dirty",
    "parent_id",
    "note",
    "deleted_at",
)


def _column(name: str, listed: bool = False) -> str:
    if name == "experiment":
        return "e.name AS experiment"
    # listings and the change feed cut long names and notes as they cut values (see summaries)
    return f"{_cut('r.' + name)} AS {name}" if listed and name in ("name", "note") else f"r.{name}"


RUN_COLUMNS = ", ".join(_column(n) for n in RUN_NAMES)
LISTED_COLUMNS = ", ".join(_column(n, listed=True) for n in RUN_NAMES)


class Page(NamedTuple):
    runs: list[dict[str, Any]]
    next_cursor: str | None


ParamRow = tuple[str, str, str, float | None]  # run_id, key, value as text, value as a number
TagRow = tuple[str, str, str]  # run_id, key, value
# A row of a listing query, read through a plain cursor (see _plain): one value per column.
ListedRow = tuple[Any, ...]


class NewRun(NamedTuple):
    """A checked run not written yet, and the rows of its params and tags."""

    id: str
    experiment_id: int
    name: str | None
    start_time: float
    pid: int
    user: str | None
    notebook_path: str | None
    parent_id: str | None
    params: list[ParamRow]
    tags: list[TagRow]
    provenance: Captured | None = None  # None: recorded later, in a transaction of its own


def new_run_id() -> str:
    """20 hex digits: the creation time in milliseconds, then 32 random bits. Time first
    makes a new run's rows land at the end of every index keyed by run id (runs, params,
    metrics, latest_metrics, tags) instead of at random places: fewer pages to split and
    write per commit, which made creating runs ~14% faster."""
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(4).hex()}"


class Runs:
    """Rows of ``experiments``, ``runs``, ``params`` and ``tags``."""

    def __init__(self, db: Database, details: Store | None = None):
        self.db = db
        self._details = details  # the Store, whose other parts make up a run's detail
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
            found: int = conn.execute("SELECT id FROM experiments WHERE name = ?", (name,)).fetchone()[0]
        self._experiment_ids[name] = found
        return found

    def prepare(
        self,
        experiment: str,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        parent_id: str | None = None,
        context: Mapping[str, Any] | None = None,
        provenance: Captured | None = None,
    ) -> NewRun:
        """Check a run and give it an id and start time, without writing it yet: a logger
        writes it with its first batch of points (see :meth:`insert`), and its ``provenance``
        when given."""
        experiment_id = self.experiment_id(experiment)
        run_id = new_run_id()
        context = dict(context or {})
        return NewRun(
            run_id,
            experiment_id,
            name,
            time.time(),
            os.getpid(),
            context.get("user"),
            context.get("notebook_path"),
            parent_id,
            _param_rows(run_id, params or {}),
            _tag_rows(run_id, tags or {}),
            provenance,
        )

    def insert(self, conn: sqlite3.Connection, run: NewRun) -> None:
        """Write a prepared run as running, inside the caller's transaction."""
        if (
            run.parent_id is not None
            and not conn.execute("SELECT 1 FROM runs WHERE id = ?", (run.parent_id,)).fetchone()
        ):
            raise NotFoundError(f"parent run {run.parent_id!r} does not exist")
        origin = run.provenance
        conn.execute(
            """INSERT INTO runs (id, experiment_id, name, status, start_time, heartbeat, pid, host,
               user, notebook_path, parent_id, git_commit, git_branch, git_dirty)
               VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                run.id,
                run.experiment_id,
                run.name,
                run.start_time,
                run.start_time,
                run.pid,
                HOST,
                run.user,
                run.notebook_path,
                run.parent_id,
                *((None, None, None) if origin is None else _git_columns(origin)),
            ),
        )
        conn.executemany(_WRITE_PARAMS, run.params)
        conn.executemany(_WRITE_TAGS, run.tags)
        if origin is not None:
            write_provenance(
                conn, run.id, {"python": origin.python, "packages": origin.packages, "git_diff": origin.git_diff}
            )

    def create(self, experiment: str, **details: Any) -> str:
        """Insert a running run now (``details`` as for :meth:`prepare`); returns its id."""
        run = self.prepare(experiment, **details)
        with self.db.transaction() as conn:
            self.insert(conn, run)
        return run.id

    def log_params(self, run_id: str, params: Mapping[str, Any]) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id)
            conn.executemany(_WRITE_PARAMS, _param_rows(run_id, params))

    def set_tags(self, run_id: str, tags: Mapping[str, Any]) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id)
            conn.executemany(_WRITE_TAGS, _tag_rows(run_id, tags))

    def delete_tag(self, run_id: str, key: str) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id)
            conn.execute("DELETE FROM tags WHERE run_id = ? AND key = ?", (run_id, key))

    def set_note(self, run_id: str, note: str | None) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id)
            conn.execute("UPDATE runs SET note = ? WHERE id = ?", (note, run_id))

    def rename(self, run_id: str, name: str) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id)
            conn.execute("UPDATE runs SET name = ? WHERE id = ?", (name, run_id))

    def set_git(self, run_id: str, commit: str | None, branch: str | None, dirty: bool | None) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE runs SET git_commit = ?, git_branch = ?, git_dirty = ? WHERE id = ?",
                (commit, branch, None if dirty is None else int(dirty), run_id),
            )

    def end(self, run_id: str, status: str = "finished") -> None:
        """End a run; a run marked crashed while its process was paused (SIGSTOP, a laptop
        asleep, a debugger) ends normally too."""
        if status not in FINAL_STATUSES:
            raise InvalidValueError(f"run status {status!r} is not valid: use one of {', '.join(FINAL_STATUSES)}")
        with self.db.transaction() as conn:
            changed = conn.execute(
                "UPDATE runs SET status = ?, end_time = ? "
                "WHERE id = ? AND status IN ('running', 'crashed') AND deleted_at IS NULL",
                (status, time.time(), run_id),
            ).rowcount
            if not changed:  # already ended is fine; unknown or deleted is an error
                self._require(conn, run_id)
                return
            store_summary(conn, run_id)

    def set_owner(self, run_id: str, pid: int | None) -> None:
        """Hand a running run to process ``pid`` of this host, or to none (``None``): a run whose
        steps are an orchestrator's tasks passes from process to process. Unowned, it counts as
        crashed only once its heartbeat is stale; a crashed one taken over is running again."""
        with self.db.transaction() as conn:
            changed = conn.execute(
                "UPDATE runs SET pid = ?, host = ?, heartbeat = ?, status = 'running', end_time = NULL "
                "WHERE id = ? AND status IN ('running', 'crashed') AND deleted_at IS NULL",
                (pid, HOST, time.time(), run_id),
            ).rowcount
            if not changed:
                self._require(conn, run_id)
                status = conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
                raise ConflictError(f"run {run_id} has ended ({status}); only a running run can be resumed")

    def heartbeat(self, run_ids: Iterable[str], conn: sqlite3.Connection | None = None) -> None:
        """Note that the runs' process is alive. A run marked crashed while its process was
        paused is running again: its process was only asleep."""
        ids = list(run_ids)
        if not ids:
            return
        now = time.time()
        target = conn or self.db.connection()
        target.executemany("UPDATE runs SET heartbeat = ? WHERE id = ? AND status = 'running'", [(now, i) for i in ids])
        marks = ", ".join("?" * len(ids))
        crashed = [
            r[0] for r in target.execute(f"SELECT id FROM runs WHERE status = 'crashed' AND id IN ({marks})", ids)
        ]
        if crashed:  # a transaction, so the change feed shows the revival
            with self.db.transaction() as conn:
                conn.executemany(
                    "UPDATE runs SET status = 'running', end_time = NULL, heartbeat = ? WHERE id = ? AND status = 'crashed'",
                    [(now, i) for i in crashed],
                )

    def soft_delete(self, run_id: str, deleted: bool = True) -> None:
        with self.db.transaction() as conn:
            self._require(conn, run_id, include_deleted=True)
            conn.execute("UPDATE runs SET deleted_at = ? WHERE id = ?", (time.time() if deleted else None, run_id))

    def mark_crashed(self, now: float | None = None) -> list[str]:
        """Runs left 'running' by a dead process become 'crashed'; returns their ids. A
        write: the server runs it periodically and ``start_run`` now and then, never a read."""
        now = time.time() if now is None else now
        conn = self.db.connection()
        rows = conn.execute("SELECT id, pid, host, heartbeat, start_time FROM runs WHERE status = 'running'").fetchall()
        dead = [r["id"] for r in rows if _is_dead(r["pid"], r["host"], r["heartbeat"], now, r["start_time"])]
        if dead:
            with self.db.transaction() as conn:
                conn.executemany(
                    "UPDATE runs SET status = 'crashed', end_time = COALESCE(heartbeat, start_time) "
                    "WHERE id = ? AND status = 'running'",
                    [(i,) for i in dead],
                )
                for run_id in dead:
                    store_summary(conn, run_id)
        return dead

    # -- reading -------------------------------------------------------------------
    def get(self, run_id: str) -> dict[str, Any]:
        conn = self.db.connection()
        row = conn.execute(
            f"SELECT {RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?",
            (run_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"run {run_id!r} does not exist")
        # from the tables, not the summary: one run by id carries its long values in full
        return attach_children(conn, [_run_dict(dict(row))], [None], listed=False)[0]

    def detail(self, run_id: str) -> dict[str, Any]:
        """One run with everything its page shows: metric summary, artifacts, datasets,
        provenance, child runs and sync state."""
        run, parts = self.get(run_id), self._details
        assert parts is not None, "a Runs made without its Store has no run details"
        run["metric_summary"] = parts.metrics.summary(run_id)
        run["artifacts"] = parts.artifacts.list(run_id)
        run["datasets"] = parts.datasets.of_run(run_id)
        run["provenance"] = parts.provenance.get(run_id)
        run["child_runs"] = self.children(run_id)
        return parts.sync.attach([run])[0]

    def children(self, run_id: str) -> list[dict[str, Any]]:
        """Id, name and status of the runs started inside ``run_id`` (not deleted), oldest first."""
        rows = self.db.connection().execute(
            "SELECT id, name, status FROM runs WHERE parent_id = ? AND deleted_at IS NULL ORDER BY start_time, id",
            (run_id,),
        )
        return [dict(r) for r in rows]

    def experiments(self) -> list[dict[str, Any]]:
        rows = (
            self.db.connection()
            .execute(
                """SELECT e.name, e.created_at, COUNT(r.id) AS run_count, MAX(r.start_time) AS last_start_time
               FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.deleted_at IS NULL
               GROUP BY e.id ORDER BY COALESCE(MAX(r.start_time), e.created_at) DESC"""
            )
            .fetchall()
        )
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
        after = _decode_cursor(cursor) if cursor else None
        plan = _SortPlan.of(sort)
        conn = self.db.connection()
        if after is not None and after[0] is _REREAD:
            after = (plan.value_of(conn, after[1]), after[1])
        rows: list[ListedRow] = []
        if after is None or after[0] is not None:  # not yet inside the block without values
            rows = plan.valued_rows(conn, where, params, after, limit + 1)
        if len(rows) <= limit:
            after_id = after[1] if after is not None and after[0] is None else None
            rows += plan.valueless_rows(conn, where, params, after_id, limit + 1 - len(rows))
        more = len(rows) > limit
        rows = rows[:limit]
        runs = [_run_dict(dict(zip(RUN_NAMES, r))) for r in rows]
        runs = attach_children(conn, runs, [r[-2] for r in rows])
        next_cursor = _encode_cursor(rows[-1][-1], rows[-1][0]) if more else None
        return Page(runs, next_cursor)

    # -- helpers -------------------------------------------------------------------
    def _require(self, conn: sqlite3.Connection, run_id: str, include_deleted: bool = False) -> None:
        row = conn.execute("SELECT deleted_at FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"run {run_id!r} does not exist")
        if row[0] is not None and not include_deleted:
            raise ConflictError(f"run {run_id!r} is deleted; restore it first")


_WRITE_PARAMS = "INSERT OR REPLACE INTO params (run_id, key, value, value_num) VALUES (?, ?, ?, ?)"
_WRITE_TAGS = "INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)"


def _git_columns(origin: Captured) -> tuple[str | None, str | None, int | None]:
    dirty = origin.git_dirty
    return origin.git_commit, origin.git_branch, None if dirty is None else int(dirty)


def _param_rows(run_id: str, params: Mapping[str, Any]) -> list[ParamRow]:
    if not isinstance(params, Mapping):
        raise InvalidValueError(f"params must be a mapping of name to value, got {type(params).__name__}")
    return [(run_id, check_key("param", k), param_text(v), param_number(v)) for k, v in params.items()]


def _tag_rows(run_id: str, tags: Mapping[str, Any]) -> list[TagRow]:
    if not isinstance(tags, Mapping):
        raise InvalidValueError(f"tags must be a mapping of name to value, got {type(tags).__name__}")
    return [(run_id, check_key("tag", k), param_text(v)) for k, v in tags.items()]


def _plain(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor yielding plain tuples: much faster than sqlite3.Row for wide pages."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


def _run_dict(run: dict[str, Any]) -> dict[str, Any]:
    end = run["end_time"] if run["end_time"] is not None else (run["heartbeat"] if run["status"] == "running" else None)
    run["duration"] = None if end is None else max(0.0, end - run["start_time"])
    run["git_dirty"] = None if run["git_dirty"] is None else bool(run["git_dirty"])
    return run


def _is_dead(
    pid: int | None, host: str | None, heartbeat: float | None, now: float, start_time: float | None = None
) -> bool:
    """On this host the pid decides: a process paused for minutes is alive. Elsewhere a
    silent run is taken for dead; if it was only paused, its next heartbeat revives it."""
    if host != HOST or not pid:
        return heartbeat is not None and now - heartbeat > STALE_AFTER_SECONDS
    started = process_started(pid)
    if started is None:
        return True
    # alive: but a silent run's pid may have been reused by a newer process
    stale = heartbeat is not None and now - heartbeat > STALE_AFTER_SECONDS
    return stale and start_time is not None and started > start_time + 1.0


_FAMILY_SORTS = {  # the table a sort key lives in, and the value it sorts by
    "metrics": ("latest_metrics", "s.value"),
    "params": ("params", "COALESCE(s.value_num, s.value)"),
    "tags": ("tags", "s.value"),
}


class _SortPlan(NamedTuple):
    """How to read one sort order as two blocks: runs that have a value for the sort key,
    in order, then runs that have none, by id.

    Splitting the NULLs off lets SQLite walk an index in order and stop after one page:
    ``latest_metrics_by_key (key, value)`` carries the run id too, so a page of 100 runs
    sorted by a metric reads about 100 index entries instead of sorting every run.
    """

    valued_from: str  # FROM clause of the runs that have a value
    valueless_from: str  # FROM clause of the runs that have none
    value: str  # SQL of the sort value
    tie: str  # SQL of the run id that breaks ties
    key_params: list[str]
    descending: bool

    @classmethod
    def of(cls, sort: SortKey) -> _SortPlan:
        runs = "runs r JOIN experiments e ON e.id = r.experiment_id"
        if not sort.family:
            return cls(runs, runs, ATTRIBUTES[sort.key], "r.id", [], sort.descending)
        table, value = _FAMILY_SORTS[sort.family]
        # CROSS JOIN keeps the sort table outermost, so its index gives the order
        valued = (
            f"{table} s CROSS JOIN runs r ON r.id = s.run_id AND s.key = ? JOIN experiments e ON e.id = r.experiment_id"
        )
        valueless = f"{runs} LEFT JOIN {table} s ON s.run_id = r.id AND s.key = ?"
        return cls(valued, valueless, value, "s.run_id", [sort.key], sort.descending)

    def valued_rows(
        self, conn: sqlite3.Connection, where: list[str], params: list[Value], after: tuple[Any, str] | None, limit: int
    ) -> list[ListedRow]:
        where = [*where, f"{self.value} IS NOT NULL"]
        params = list(params)
        if after is not None:
            cmp = "<" if self.descending else ">"
            where.append(f"({self.value} {cmp} ? OR ({self.value} = ? AND {self.tie} {cmp} ?))")
            params += [after[0], after[0], after[1]]
        order = f"{self.value} {self._direction}, {self.tie} {self._direction}"
        return self._select(conn, self.valued_from, where, params, order, limit)

    def valueless_rows(
        self, conn: sqlite3.Connection, where: list[str], params: list[Value], after_id: str | None, limit: int
    ) -> list[ListedRow]:
        where = [*where, f"{self.value} IS NULL"]
        params = list(params)
        if after_id is not None:
            where.append(f"r.id {'<' if self.descending else '>'} ?")
            params.append(after_id)
        return self._select(conn, self.valueless_from, where, params, f"r.id {self._direction}", limit)

    def value_of(self, conn: sqlite3.Connection, run_id: str) -> object:
        """The sort value of ``run_id`` (None if it has none, or is gone)."""
        row = (
            _plain(conn)
            .execute(f"SELECT {self.value} FROM {self.valued_from} WHERE r.id = ?", [*self.key_params, run_id])
            .fetchone()
        )
        return None if row is None else row[0]

    @property
    def _direction(self) -> str:
        return "DESC" if self.descending else "ASC"

    def _select(
        self, conn: sqlite3.Connection, source: str, where: list[str], params: list[Value], order: str, limit: int
    ) -> list[ListedRow]:
        sql = (
            f"SELECT {LISTED_COLUMNS}, r.summary, {self.value} FROM {source} "
            f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
        )
        rows: list[ListedRow] = _plain(conn).execute(sql, [*self.key_params, *params, limit]).fetchall()
        return rows


_REREAD = object()  # a cursor's sort value too long to carry: read it again from the run


def _encode_cursor(value: Any, run_id: str) -> str:
    import base64
    import json

    # A page cuts long values (see summaries), and so does its cursor: a text sort value past
    # the cap is not carried but read again from the run when the next page is asked for.
    pair = [None, run_id, "reread"] if isinstance(value, str) and len(value) > MAX_LISTED_VALUE else [value, run_id]
    return base64.urlsafe_b64encode(json.dumps(pair).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[Any, str]:
    """The (sort value, run id) of the last run of the previous page. A cursor comes back from
    the client, so every part is checked: anything else is a 400, never an SQL error."""
    import base64
    import binascii
    import json

    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        decoded = None
    if isinstance(decoded, list) and len(decoded) == 2 and _cursor_value(decoded[0]) and _text(decoded[1]):
        return decoded[0], decoded[1]
    if (
        isinstance(decoded, list)
        and len(decoded) == 3
        and decoded[0] is None
        and _text(decoded[1])
        and decoded[2] == "reread"
    ):
        return _REREAD, decoded[1]
    raise InvalidValueError(f"cursor {cursor[:40]!r} is not valid: pass back the next_cursor of a previous page")


def _cursor_value(value: Any) -> bool:
    """A sort value SQLite can compare: NULL, text, a float, or an integer that fits in 64 bits."""
    if value is None or isinstance(value, float):
        return True
    return _text(value) or (type(value) is int and -(2**63) <= value < 2**63)


def _text(value: Any) -> bool:
    """A string SQLite can store: it encodes as UTF-8 (a lone surrogate does not)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
