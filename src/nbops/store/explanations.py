"""Explanations of model versions (``nbops.explain``): one row per explanation, newest wins."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError
from .database import Database
from .models import Models

if TYPE_CHECKING:
    import sqlite3


class Explanations:
    def __init__(self, db: Database, models: Models):
        self.db, self.models = db, models

    def add(self, name: str, version: int, rows: int, target: str, detail: dict[str, Any]) -> dict[str, Any]:
        import json

        with self.db.transaction() as conn:
            version_id = self._version_id(conn, name, version)
            conn.execute(
                "INSERT INTO model_explanations (version_id, rows, target, detail, created_at) VALUES (?, ?, ?, ?, ?)",
                (version_id, rows, target, json.dumps(detail), time.time()),
            )
        explanation = self.latest(name, version)
        assert explanation is not None  # written just above
        return explanation

    def latest(self, name: str, version: int | str | None) -> dict[str, Any] | None:
        """The newest explanation of a version (a number, an alias, None: the latest), or None."""
        import json

        number = self.models.version(name, version)["version"]  # NotFoundError names what exists
        conn = self.db.connection()
        row = conn.execute(
            """SELECT e.id, e.rows, e.target, e.detail, e.created_at FROM model_explanations e
               WHERE e.version_id = ? ORDER BY e.id DESC LIMIT 1""",
            (self._version_id(conn, name, number),),
        ).fetchone()
        if row is None:
            return None
        return {
            "id": row["id"],
            "name": name,
            "version": number,
            "rows": row["rows"],
            "target": row["target"],
            "created_at": row["created_at"],
            **json.loads(row["detail"]),
        }

    @staticmethod
    def _version_id(conn: sqlite3.Connection, name: str, version: int) -> int:
        row = conn.execute(
            """SELECT v.id FROM model_versions v JOIN models m ON m.id = v.model_id
                              WHERE m.name = ? AND v.version = ?""",
            (name, version),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"model {name!r} has no version {version!r}")
        version_id: int = row[0]
        return version_id
