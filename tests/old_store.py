"""A store as a release before a given migration left it, for the tests of that migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database as UtilsDatabase

from nbops.store.migrations import migrations


def store_before(root: Path, migration: str) -> sqlite3.Connection:
    """A connection to ``root/.nbops/nbops.db`` migrated up to just before ``migration``
    (e.g. ``"0014_environments"``), with that release's schema version; the caller writes
    the old rows, closes it, and opens the store, which migrates the rest."""
    (root / ".nbops").mkdir()
    conn = sqlite3.connect(root / ".nbops" / "nbops.db", isolation_level=None)
    migrations.apply(UtilsDatabase(conn), stop_before=migration)
    conn.execute(f"PRAGMA user_version = {int(migration[:4]) - 1}")
    return conn
