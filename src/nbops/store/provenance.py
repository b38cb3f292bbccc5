"""Where a run came from: interpreter, packages, git diff, executed cells (JSON columns)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from .database import Database

if TYPE_CHECKING:
    import sqlite3

FIELDS = ("python", "packages", "git_diff", "cells")


class Captured(NamedTuple):
    """Provenance captured before its run is written, to go in with the run's row (see
    ``Runs.prepare``): the git columns of ``runs`` and the ``provenance`` fields, JSON ones as text."""

    git_commit: str | None
    git_branch: str | None
    git_dirty: bool | None
    python: str
    packages: str  # the JSON text of the package list
    git_diff: str | None


class Provenance:
    def __init__(self, db: Database):
        self.db = db

    def update(self, run_id: str, **fields: Any) -> None:
        """Set provenance fields of a run; a field that is not text is stored as its JSON."""
        if not fields:
            return
        with self.db.transaction() as conn:
            write(conn, run_id, fields)

    def get(self, run_id: str) -> dict[str, Any]:
        row = self.db.connection().execute("SELECT * FROM provenance WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            return {field: None for field in FIELDS}
        import json

        item = {field: row[field] for field in FIELDS}
        for field in ("packages", "cells"):
            if item[field]:
                item[field] = json.loads(item[field])
        return item


def write(conn: sqlite3.Connection, run_id: str, fields: dict[str, Any]) -> None:
    """Set provenance fields of a run inside the caller's transaction."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown provenance fields {sorted(unknown)}")
    import json  # here, not at the top: `import nbops` stays cheap

    encoded = {k: v if isinstance(v, str) or v is None else json.dumps(v) for k, v in fields.items()}
    columns = ", ".join(encoded)
    updates = ", ".join(f"{k} = excluded.{k}" for k in encoded)
    conn.execute(
        f"INSERT INTO provenance (run_id, {columns}) VALUES (?, {', '.join('?' * len(encoded))}) "
        f"ON CONFLICT (run_id) DO UPDATE SET {updates}",
        (run_id, *encoded.values()),
    )
