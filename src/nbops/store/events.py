"""The audit trail of the model registry: one row per registration, alias change,
promotion, retrain or intended-use edit — who, when, why and the evaluation run or alert
behind it. Rows are only ever inserted; SQLite triggers refuse UPDATE and DELETE."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import InvalidValueError
from .database import Database, inserted_id

if TYPE_CHECKING:
    import sqlite3

KINDS = ("registered", "alias_set", "alias_removed", "promoted", "retrained", "intended_use")
MAX_REASON = 2000


def current_actor() -> str | None:
    """The operating-system user, the same "who" runs record."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container: the event still counts
        return None


class ModelEvents:
    def __init__(self, db: Database):
        self.db = db

    def add(
        self,
        conn: sqlite3.Connection,
        model: str,
        kind: str,
        version: int | None = None,
        alias: str | None = None,
        previous_version: int | None = None,
        actor: str | None = None,
        reason: str | None = None,
        evaluation_run_id: str | None = None,
        alert_event_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Append one event inside the caller's transaction (the change and its event commit together)."""
        if kind not in KINDS:
            raise InvalidValueError(f"model event kind {kind!r} is not valid: use one of {', '.join(KINDS)}")
        if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
            raise InvalidValueError(
                f"reason must be a text of at most {MAX_REASON} characters, got {str(reason)[:60]!r}"
            )
        import json

        return inserted_id(
            conn.execute(
                """INSERT INTO model_events (model, version, kind, alias, previous_version, actor, reason,
                                         evaluation_run_id, alert_event_id, detail, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    model,
                    version,
                    kind,
                    alias,
                    previous_version,
                    actor if actor is not None else current_actor(),
                    reason,
                    evaluation_run_id,
                    alert_event_id,
                    json.dumps(detail) if detail else None,
                    time.time(),
                ),
            )
        )

    def of_model(self, name: str, version: int | None = None) -> list[dict[str, Any]]:
        """Events of a model (of one version when given), oldest first."""
        import json

        sql = "SELECT * FROM model_events WHERE model = ?"
        values: list[str | int] = [name]
        if version is not None:
            sql += " AND version = ?"
            values.append(version)
        rows = self.db.connection().execute(sql + " ORDER BY id", values).fetchall()
        return [{**dict(r), "detail": json.loads(r["detail"]) if r["detail"] else None} for r in rows]
