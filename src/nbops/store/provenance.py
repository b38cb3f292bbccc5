"""Where a run came from: interpreter, packages, git diff, executed cells (JSON columns)."""

from __future__ import annotations

from typing import Any

from .database import Database

FIELDS = ("python", "packages", "git_diff", "cells")


class Provenance:
    def __init__(self, db: Database):
        self.db = db

    def update(self, run_id: str, **fields: Any) -> None:
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown provenance fields {sorted(unknown)}")
        if not fields:
            return
        import json  # here, not at the top: `import nbops` stays cheap

        encoded = {k: v if isinstance(v, str) or v is None else json.dumps(v) for k, v in fields.items()}
        columns = ", ".join(encoded)
        updates = ", ".join(f"{k} = excluded.{k}" for k in encoded)
        with self.db.transaction() as conn:
            conn.execute(
                f"INSERT INTO provenance (run_id, {columns}) VALUES (?, {', '.join('?' * len(encoded))}) "
                f"ON CONFLICT (run_id) DO UPDATE SET {updates}",
                (run_id, *encoded.values()),
            )

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
