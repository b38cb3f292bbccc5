"""Sync state: which runs went to (or came from) a remote tracking server, and how far.

A *target* is a server's URI with any credentials removed (see :func:`clean_target`), so no
password ever reaches the store. Per run and target, ``sync_runs`` keeps the remote run id,
whether the run was pulled from there, and the last outcome; ``sync_marks`` keeps one
high-water mark per kind and key (the highest metric step sent, the digest of a tag's value
sent...). Marks move only after the server accepted what they cover.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .database import Database

if TYPE_CHECKING:
    import sqlite3

STATES = ("pushed", "failed", "pulled")


def clean_target(uri: str) -> str:
    """``uri`` without user, password, query or fragment: safe to store, log and show."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri.strip())
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


class SyncState:
    def __init__(self, db: Database):
        self.db = db

    # -- runs ----------------------------------------------------------------------
    def remote(self, target: str, run_id: str) -> dict[str, Any] | None:
        row = (
            self.db.connection()
            .execute(
                "SELECT remote_id, origin, state, error, updated_at FROM sync_runs WHERE run_id = ? AND target = ?",
                (run_id, target),
            )
            .fetchone()
        )
        return dict(row) if row else None

    def local_id(self, target: str, remote_id: str) -> str | None:
        row = (
            self.db.connection()
            .execute("SELECT run_id FROM sync_runs WHERE target = ? AND remote_id = ?", (target, remote_id))
            .fetchone()
        )
        return row[0] if row else None

    def record(
        self,
        target: str,
        run_id: str,
        state: str,
        remote_id: str | None = None,
        error: str | None = None,
        origin: bool | None = None,
        conn: sqlite3.Connection | None = None,
    ) -> None:
        """Set a run's outcome for ``target``; a None ``remote_id``/``origin`` keeps the known one."""
        if state not in STATES:
            raise ValueError(f"sync state {state!r}: use one of {', '.join(STATES)}")
        sql = """INSERT INTO sync_runs (run_id, target, remote_id, origin, state, error, updated_at, seq)
                 VALUES (?, ?, ?, COALESCE(?, 0), ?, ?, ?, (SELECT seq FROM change_counter WHERE id = 1))
                 ON CONFLICT (run_id, target) DO UPDATE SET
                     remote_id = COALESCE(excluded.remote_id, remote_id),
                     origin = COALESCE(?, origin), state = excluded.state, error = excluded.error,
                     updated_at = excluded.updated_at, seq = excluded.seq"""
        flag = None if origin is None else int(origin)
        values = (run_id, target, remote_id, flag, state, error, time.time(), flag)
        if conn is not None:
            conn.execute(sql, values)
            return
        with self.db.transaction() as conn:
            conn.execute(sql, values)

    def record_failure(self, target: str, run_ids: Iterable[str], error: str) -> None:
        """Mark runs as failed for ``target`` (pulled runs keep their state)."""
        with self.db.transaction() as conn:
            for run_id in run_ids:
                known = conn.execute(
                    "SELECT origin FROM sync_runs WHERE run_id = ? AND target = ?", (run_id, target)
                ).fetchone()
                if known is None or not known[0]:
                    self.record(target, run_id, "failed", error=error, conn=conn)

    def states(self, run_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Per run, its most recent sync outcome across targets: state, target, error, time."""
        ids = list(run_ids)
        if not ids:
            return {}
        rows = self.db.connection().execute(
            f"""SELECT run_id, target, state, error, updated_at, remote_id FROM sync_runs
                WHERE run_id IN ({",".join("?" * len(ids))}) ORDER BY updated_at""",
            ids,
        )
        return {
            r["run_id"]: {
                "state": r["state"],
                "target": r["target"],
                "error": r["error"],
                "updated_at": r["updated_at"],
                "remote_id": r["remote_id"],
            }
            for r in rows
        }

    def attach(self, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Set ``sync`` on each run: its latest outcome, or None when it never left this store."""
        states = self.states(run["id"] for run in runs)
        for run in runs:
            run["sync"] = states.get(run["id"])
        return runs

    # -- marks ---------------------------------------------------------------------
    def marks(self, target: str, run_id: str) -> dict[str, dict[str, Any]]:
        """``{kind: {key: mark}}`` of one run."""
        result: dict[str, dict[str, Any]] = {}
        rows = self.db.connection().execute(
            "SELECT kind, key, mark FROM sync_marks WHERE run_id = ? AND target = ?", (run_id, target)
        )
        for kind, key, mark in rows:
            result.setdefault(kind, {})[key] = mark
        return result

    def advance(
        self, target: str, run_id: str, kind: str, marks: dict[str, Any], conn: sqlite3.Connection | None = None
    ) -> None:
        """Record that ``marks`` (key -> mark) of ``kind`` reached the server."""
        rows = [(run_id, target, kind, key, mark) for key, mark in marks.items()]
        sql = "INSERT OR REPLACE INTO sync_marks (run_id, target, kind, key, mark) VALUES (?, ?, ?, ?, ?)"
        if conn is not None:
            conn.executemany(sql, rows)
            return
        with self.db.transaction() as conn:
            conn.executemany(sql, rows)

    def forget(self, target: str, run_id: str) -> None:
        """Drop a run's state and marks for ``target`` (its remote copy is gone for good)."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM sync_marks WHERE run_id = ? AND target = ?", (run_id, target))
            conn.execute("DELETE FROM sync_runs WHERE run_id = ? AND target = ?", (run_id, target))
