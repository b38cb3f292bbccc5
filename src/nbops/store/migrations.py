"""Numbered, append-only schema migrations.

Never edit a migration that has shipped: add the next one. ``SCHEMA_VERSION`` in
``nbops.store.schema_version`` must equal the number of migrations (a test checks it);
opening a store compares it with ``PRAGMA user_version`` so the fast path never imports
sqlite-utils.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("nbops")


def run_statements(db: Database, script: str) -> None:
    """Run ``;``-separated DDL one statement at a time (``executescript`` would commit
    the migration's transaction half-way)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_tracking")
def m0001_tracking(db: Database) -> None:
    run_statements(
        db,
        """
        CREATE TABLE experiments (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            description TEXT
        );
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            experiment_id INTEGER NOT NULL REFERENCES experiments(id),
            name TEXT,
            status TEXT NOT NULL CHECK (status IN ('running','finished','failed','crashed','killed')),
            start_time REAL NOT NULL,
            end_time REAL,
            heartbeat REAL,
            pid INTEGER,
            host TEXT,
            user TEXT,
            notebook_path TEXT,
            git_commit TEXT,
            git_branch TEXT,
            git_dirty INTEGER,
            parent_id TEXT REFERENCES runs(id),
            note TEXT,
            deleted_at REAL
        );
        CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time DESC);
        CREATE INDEX runs_running ON runs(status) WHERE status = 'running';
        CREATE TABLE params (
            run_id TEXT NOT NULL REFERENCES runs(id),
            key TEXT NOT NULL,
            value TEXT,
            value_num REAL,
            PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
        CREATE TABLE metrics (
            run_id TEXT NOT NULL REFERENCES runs(id),
            key TEXT NOT NULL,
            step INTEGER NOT NULL,
            value REAL,
            timestamp REAL NOT NULL,
            PRIMARY KEY (run_id, key, step)
        ) WITHOUT ROWID;
        CREATE TABLE latest_metrics (
            run_id TEXT NOT NULL REFERENCES runs(id),
            key TEXT NOT NULL,
            value REAL,
            step INTEGER NOT NULL,
            timestamp REAL NOT NULL,
            min REAL,
            max REAL,
            count INTEGER NOT NULL,
            PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX latest_metrics_by_key ON latest_metrics(key, value);
        CREATE TABLE tags (
            run_id TEXT NOT NULL REFERENCES runs(id),
            key TEXT NOT NULL,
            value TEXT,
            PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
        CREATE TABLE provenance (
            run_id TEXT PRIMARY KEY REFERENCES runs(id),
            python TEXT,
            packages TEXT,
            git_diff TEXT,
            cells TEXT
        );
        CREATE TABLE artifacts (
            run_id TEXT NOT NULL REFERENCES runs(id),
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            media_type TEXT,
            created_at REAL NOT NULL,
            PRIMARY KEY (run_id, path)
        );
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY,
            run_id TEXT REFERENCES runs(id),
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            digest TEXT NOT NULL,
            rows INTEGER,
            columns INTEGER,
            schema TEXT,
            created_at REAL NOT NULL
        );
        CREATE INDEX datasets_by_name ON datasets(name, created_at DESC);
        CREATE TABLE models (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            description TEXT
        );
        CREATE TABLE model_versions (
            id INTEGER PRIMARY KEY,
            model_id INTEGER NOT NULL REFERENCES models(id),
            version INTEGER NOT NULL,
            run_id TEXT REFERENCES runs(id),
            dataset_id INTEGER REFERENCES datasets(id),
            artifact_sha256 TEXT NOT NULL,
            flavor TEXT,
            created_at REAL NOT NULL,
            UNIQUE (model_id, version)
        );
        CREATE TABLE model_aliases (
            model_id INTEGER NOT NULL REFERENCES models(id),
            alias TEXT NOT NULL,
            version_id INTEGER NOT NULL REFERENCES model_versions(id),
            PRIMARY KEY (model_id, alias)
        );
        """
    )
