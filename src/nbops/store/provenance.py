"""Where a run came from: interpreter, packages, git diff, executed cells (JSON columns).

The package list is the same for every run of an environment and is the bulk of a run's
provenance (~11 kB for a few hundred distributions), so it is stored once per content in
``environments`` (keyed by the SHA-256 of its JSON text) and a run's row names that key
(migration ``0014_environments``). Readers get the list back as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from .database import Database

if TYPE_CHECKING:
    import sqlite3

FIELDS = ("python", "packages", "git_diff", "cells")


class Environment(NamedTuple):
    """A package list as stored: its JSON text and that text's SHA-256, its key."""

    sha256: str
    packages: str

    @classmethod
    def of(cls, packages: str) -> Environment:
        import hashlib

        return cls(hashlib.sha256(packages.encode()).hexdigest(), packages)


class Captured(NamedTuple):
    """Provenance captured before its run is written, to go in with the run's row (see
    ``Runs.prepare``): the git columns of ``runs`` and the ``provenance`` fields."""

    git_commit: str | None
    git_branch: str | None
    git_dirty: bool | None
    python: str
    packages: Environment
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
        row = (
            self.db.connection()
            .execute(
                "SELECT p.python, e.packages, p.git_diff, p.cells FROM provenance p "
                "LEFT JOIN environments e ON e.sha256 = p.environment WHERE p.run_id = ?",
                (run_id,),
            )
            .fetchone()
        )
        if row is None:
            return {field: None for field in FIELDS}
        import json

        item = {field: row[field] for field in FIELDS}
        for field in ("packages", "cells"):
            if item[field]:
                item[field] = json.loads(item[field])
        return item


def write(conn: sqlite3.Connection, run_id: str, fields: dict[str, Any]) -> None:
    """Set provenance fields of a run inside the caller's transaction. ``packages`` may be
    the list, its JSON text or an :class:`Environment`."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown provenance fields {sorted(unknown)}")
    import json  # here, not at the top: `import nbops` stays cheap

    encoded = {k: v if isinstance(v, str) or v is None else json.dumps(v) for k, v in fields.items() if k != "packages"}
    if "packages" in fields:
        encoded["environment"] = _environment_key(conn, fields["packages"])
    columns = ", ".join(encoded)
    updates = ", ".join(f"{k} = excluded.{k}" for k in encoded)
    conn.execute(
        f"INSERT INTO provenance (run_id, {columns}) VALUES (?, {', '.join('?' * len(encoded))}) "
        f"ON CONFLICT (run_id) DO UPDATE SET {updates}",
        (run_id, *encoded.values()),
    )


def _environment_key(conn: sqlite3.Connection, packages: Any) -> str | None:
    """Store a package list once per content and give its key (None for no list)."""
    if packages is None:
        return None
    if isinstance(packages, Environment):
        environment = packages
    else:
        import json

        environment = Environment.of(packages if isinstance(packages, str) else json.dumps(packages))
    # the same environment's list is already there for every run but its first: a lookup
    conn.execute("INSERT OR IGNORE INTO environments (sha256, packages) VALUES (?, ?)", environment)
    return environment.sha256
