"""The model registry: named models, numbered versions, movable aliases."""

from __future__ import annotations

import builtins
import re
import time
from typing import TYPE_CHECKING, Any

from ..errors import InvalidValueError, NotFoundError
from .database import Database
from .events import ModelEvents

if TYPE_CHECKING:
    import sqlite3

ALIAS_PATTERN = r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$"  # also in the OpenAPI document
_ALIAS = re.compile(ALIAS_PATTERN)


class Models:
    def __init__(self, db: Database):
        self.db = db
        self.events = ModelEvents(db)

    def add_version(
        self,
        name: str,
        artifact_sha256: str,
        run_id: str | None = None,
        dataset_id: int | None = None,
        flavor: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
        alert_event_id: int | None = None,
    ) -> dict[str, Any]:
        if not isinstance(name, str) or not name.strip():
            raise InvalidValueError(f"model name {name!r} is not valid: use a non-empty string")
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO models (name, created_at) VALUES (?, ?)", (name, now))
            model_id = conn.execute("SELECT id FROM models WHERE name = ?", (name,)).fetchone()[0]
            version = conn.execute(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE model_id = ?", (model_id,)
            ).fetchone()[0]
            conn.execute(
                """INSERT INTO model_versions (model_id, version, run_id, dataset_id, artifact_sha256, flavor, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (model_id, version, run_id, dataset_id, artifact_sha256, flavor, now),
            )
            self.events.add(
                conn,
                name,
                "retrained" if alert_event_id is not None else "registered",
                version,
                actor=actor,
                reason=reason,
                alert_event_id=alert_event_id,
                detail={"run_id": run_id} if run_id else None,
            )
        return self.version(name, version)

    def set_alias(
        self,
        name: str,
        alias: str,
        version: int,
        actor: str | None = None,
        reason: str | None = None,
        evaluation_run_id: str | None = None,
        kind: str = "alias_set",
        detail: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(alias, str) or not _ALIAS.match(alias):
            raise InvalidValueError(
                f"alias {alias!r} is not valid: use a letter then letters, digits, '_' or '-' (e.g. 'production')"
            )
        with self.db.transaction() as conn:
            model_id = self._model_id(conn, name)
            row = conn.execute(
                "SELECT id FROM model_versions WHERE model_id = ? AND version = ?", (model_id, version)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"model {name!r} has no version {version!r}")
            previous = _alias_version(conn, model_id, alias)
            conn.execute(
                "INSERT OR REPLACE INTO model_aliases (model_id, alias, version_id) VALUES (?, ?, ?)",
                (model_id, alias, row[0]),
            )
            self.events.add(
                conn,
                name,
                kind,
                version,
                alias=alias,
                previous_version=previous,
                actor=actor,
                reason=reason,
                evaluation_run_id=evaluation_run_id,
                detail=detail,
            )

    def delete_alias(self, name: str, alias: str, actor: str | None = None, reason: str | None = None) -> None:
        with self.db.transaction() as conn:
            model_id = self._model_id(conn, name)
            previous = _alias_version(conn, model_id, alias)
            if previous is None:
                return  # nothing moved: no event
            conn.execute("DELETE FROM model_aliases WHERE model_id = ? AND alias = ?", (model_id, alias))
            self.events.add(
                conn, name, "alias_removed", None, alias=alias, previous_version=previous, actor=actor, reason=reason
            )

    def set_intended_use(self, name: str, version: int, text: str, actor: str | None = None) -> dict[str, Any]:
        """The model card's "intended use", written by a person; each edit is an audit event."""
        if not isinstance(text, str) or len(text) > 20_000:
            raise InvalidValueError("intended use must be a text of at most 20000 characters")
        with self.db.transaction() as conn:
            model_id = self._model_id(conn, name)
            cursor = conn.execute(
                "UPDATE model_versions SET intended_use = ? WHERE model_id = ? AND version = ?",
                (text, model_id, version),
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"model {name!r} has no version {version!r}")
            self.events.add(conn, name, "intended_use", version, actor=actor)
        return self.version(name, version)

    def list(self) -> list[dict[str, Any]]:
        rows = (
            self.db.connection()
            .execute(
                """SELECT m.name, m.created_at, m.description, COUNT(v.id) AS version_count,
                      MAX(v.version) AS latest_version
               FROM models m LEFT JOIN model_versions v ON v.model_id = m.id
               GROUP BY m.id ORDER BY m.name"""
            )
            .fetchall()
        )
        models = [dict(r) for r in rows]
        aliases = self._aliases()
        for model in models:
            model["aliases"] = aliases.get(model["name"], {})
        return models

    def versions(self, name: str) -> builtins.list[dict[str, Any]]:  # `list` is a method here
        conn = self.db.connection()
        model_id = self._model_id(conn, name)
        rows = conn.execute(
            "SELECT * FROM model_versions WHERE model_id = ? ORDER BY version DESC", (model_id,)
        ).fetchall()
        aliases = self._aliases().get(name, {})
        return [_version(name, r, aliases) for r in rows]

    def version(self, name: str, version: int | str | None = None) -> dict[str, Any]:
        """A version by number, by alias, or the latest when ``version`` is None."""
        versions = self.versions(name)
        if not versions:
            raise NotFoundError(f"model {name!r} has no versions")
        if version is None:
            return versions[0]
        for item in versions:
            if item["version"] == version or version in item["aliases"]:
                return item
        raise NotFoundError(f"model {name!r} has no version or alias {version!r}")

    def _model_id(self, conn: sqlite3.Connection, name: str) -> int:
        row = conn.execute("SELECT id FROM models WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"no model named {name!r} is registered")
        model_id: int = row[0]
        return model_id

    def _aliases(self) -> dict[str, dict[str, int]]:
        rows = self.db.connection().execute(
            """SELECT m.name, a.alias, v.version FROM model_aliases a
               JOIN models m ON m.id = a.model_id JOIN model_versions v ON v.id = a.version_id"""
        )
        result: dict[str, dict[str, int]] = {}
        for name, alias, version in rows:
            result.setdefault(name, {})[alias] = version
        return result


def _alias_version(conn: sqlite3.Connection, model_id: int, alias: str) -> int | None:
    row = conn.execute(
        """SELECT v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id
           WHERE a.model_id = ? AND a.alias = ?""",
        (model_id, alias),
    ).fetchone()
    return row[0] if row else None


def _version(name: str, row: sqlite3.Row, aliases: dict[str, int]) -> dict[str, Any]:
    item = dict(row)
    item.pop("model_id", None)
    item["name"] = name
    item["aliases"] = sorted(a for a, v in aliases.items() if v == item["version"])
    return item
