"""Dataset rows: what data a run saw (name, role, digest, shape, schema), never the data."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import InvalidValueError, NotFoundError
from .database import Database, inserted_id

if TYPE_CHECKING:
    import sqlite3

ROLES = ("train", "validation", "test", "reference", "current", "other")


class Datasets:
    def __init__(self, db: Database):
        self.db = db

    def add(
        self,
        run_id: str | None,
        name: str,
        role: str,
        digest: str,
        rows: int | None,
        columns: int | None,
        schema: list[Any] | dict[str, Any] | None,
        conn: sqlite3.Connection | None = None,
        snapshot_sha256: str | None = None,
        source: dict[str, Any] | None = None,
    ) -> int:
        if not isinstance(name, str) or not name.strip():
            raise InvalidValueError(f"dataset name {name!r} is not valid: use a non-empty string")
        if role not in ROLES:
            raise InvalidValueError(f"dataset role {role!r} is not valid: use one of {', '.join(ROLES)}")
        import json  # here, not at the top: `import nbops` stays cheap

        values = (
            run_id,
            name,
            role,
            digest,
            rows,
            columns,
            json.dumps(schema),
            time.time(),
            snapshot_sha256,
            json.dumps(source) if source else None,
        )
        sql = (
            "INSERT INTO datasets (run_id, name, role, digest, rows, columns, schema, created_at, "
            "snapshot_sha256, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        if conn is not None:
            return inserted_id(conn.execute(sql, values))
        with self.db.transaction() as conn:
            return inserted_id(conn.execute(sql, values))

    def get(self, dataset_id: int) -> dict[str, Any]:
        row = self.db.connection().execute("SELECT * FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"dataset {dataset_id!r} does not exist")
        return _dataset(row)

    def latest(self, name: str) -> dict[str, Any]:
        row = (
            self.db.connection()
            .execute("SELECT * FROM datasets WHERE name = ? ORDER BY created_at DESC, id DESC LIMIT 1", (name,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError(f"no dataset named {name!r} has been logged")
        return _dataset(row)

    def snapshot_of_digest(self, digest: str) -> str | None:
        """The blob already holding a snapshot of this content, if any (snapshots dedupe by digest)."""
        row = (
            self.db.connection()
            .execute(
                "SELECT snapshot_sha256 FROM datasets WHERE digest = ? AND snapshot_sha256 IS NOT NULL LIMIT 1",
                (digest,),
            )
            .fetchone()
        )
        return row[0] if row else None

    def versions(self, name: str) -> list[dict[str, Any]]:
        """Every logged version of a dataset name, newest first."""
        rows = (
            self.db.connection()
            .execute("SELECT * FROM datasets WHERE name = ? ORDER BY created_at DESC, id DESC", (name,))
            .fetchall()
        )
        return [_dataset(r) for r in rows]

    def of_run(self, run_id: str) -> list[dict[str, Any]]:
        rows = self.db.connection().execute("SELECT * FROM datasets WHERE run_id = ? ORDER BY id", (run_id,))
        return [_dataset(r) for r in rows]


def _dataset(row: sqlite3.Row) -> dict[str, Any]:
    import json

    item = dict(row)
    item["schema"] = json.loads(item["schema"]) if item["schema"] else None
    item["source"] = json.loads(item["source"]) if item.get("source") else None
    return item
