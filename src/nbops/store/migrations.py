"""Numbered, append-only schema migrations.

Never edit a migration that has shipped: add the next one. ``SCHEMA_VERSION`` in
``nbops.store.schema_version`` must equal the number of migrations (a test checks it);
opening a store compares it with ``PRAGMA user_version`` so the fast path never imports
sqlite-utils.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("nbops")


def run_statements(db: Database, script: str) -> None:
    """Run ``;``-separated DDL one statement at a time (``executescript`` would commit
    the migration's transaction half-way)."""
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        # a trigger body holds ';' of its own: run only once SQLite says it is complete
        if sqlite3.complete_statement(statement):
            if statement.strip(" \n;"):
                db.execute(statement)
            statement = ""
    if statement.strip(" \n;"):
        raise ValueError(f"incomplete SQL statement in a migration: {statement[:80]!r}")


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
            run_id TEXT NOT NULL,  -- runs.id; not a declared foreign key: a lookup per point
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
        """,
    )


@migrations(name="0002_drift")
def m0002_drift(db: Database) -> None:
    db.executescript(
        """
        -- A drift reference: per-column sketches of a logged dataset (never its rows).
        CREATE TABLE drift_references (
            dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id),
            rows INTEGER NOT NULL,
            bins INTEGER NOT NULL,
            top_k INTEGER NOT NULL,
            format INTEGER NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE TABLE drift_reference_columns (
            dataset_id INTEGER NOT NULL REFERENCES drift_references(dataset_id) ON DELETE CASCADE,
            feature TEXT NOT NULL,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('continuous','categorical','discrete','boolean')),
            source TEXT,            -- the datetime column a derived part (col.hour) came from
            sketch TEXT NOT NULL,   -- JSON: grid edges, counts, sums... (nbops.drift.serialization)
            PRIMARY KEY (dataset_id, feature)
        ) WITHOUT ROWID;
        -- One checked window of current data against a reference.
        CREATE TABLE drift_windows (
            id INTEGER PRIMARY KEY,
            subject TEXT NOT NULL,  -- the dataset or model name the check was asked for
            dataset_id INTEGER NOT NULL REFERENCES datasets(id),
            model_version_id INTEGER REFERENCES model_versions(id),
            window TEXT NOT NULL,
            policy TEXT NOT NULL,
            rows INTEGER NOT NULL,
            features INTEGER NOT NULL,
            drifted INTEGER NOT NULL,
            share_drifted REAL NOT NULL,
            dataset_drift INTEGER NOT NULL,
            sketch BLOB,            -- the window's sketch, for overlays and merging windows
            created_at REAL NOT NULL
        );
        CREATE INDEX drift_windows_by_subject ON drift_windows(subject, created_at);
        -- The decision per feature and window (the heatmap).
        CREATE TABLE drift_features (
            window_id INTEGER NOT NULL REFERENCES drift_windows(id) ON DELETE CASCADE,
            feature TEXT NOT NULL,
            kind TEXT NOT NULL,
            tier TEXT NOT NULL CHECK (tier IN ('ok','warn','drift')),
            statistic TEXT NOT NULL,
            effect REAL,
            threshold REAL,
            p_value REAL,
            p_adjusted REAL,
            n_reference INTEGER NOT NULL,
            n_current INTEGER NOT NULL,
            note TEXT,
            PRIMARY KEY (window_id, feature)
        ) WITHOUT ROWID;
        -- Every statistic of every feature and window (timelines: one query).
        CREATE TABLE drift_results (
            window_id INTEGER NOT NULL REFERENCES drift_windows(id) ON DELETE CASCADE,
            feature TEXT NOT NULL,
            statistic TEXT NOT NULL,
            value REAL,
            p_value REAL,
            p_adjusted REAL,
            PRIMARY KEY (window_id, feature, statistic)
        ) WITHOUT ROWID;
        CREATE INDEX drift_results_by_feature ON drift_results(feature, statistic, window_id);
        CREATE TABLE drift_alert_rules (
            id INTEGER PRIMARY KEY,
            subject TEXT NOT NULL,  -- dataset or model name; '*' for every subject
            name TEXT NOT NULL,
            statistic TEXT NOT NULL,
            threshold REAL NOT NULL,
            consecutive INTEGER NOT NULL DEFAULT 1,
            cooldown INTEGER NOT NULL DEFAULT 0,
            features TEXT,          -- JSON list, or NULL for every feature
            created_at REAL NOT NULL,
            UNIQUE (subject, name)
        );
        CREATE TABLE drift_alert_events (
            id INTEGER PRIMARY KEY,
            window_id INTEGER NOT NULL REFERENCES drift_windows(id) ON DELETE CASCADE,
            rule TEXT NOT NULL,
            subject TEXT NOT NULL,
            features TEXT NOT NULL, -- JSON list of the features that fired
            message TEXT NOT NULL,
            created_at REAL NOT NULL,
            seen_at REAL
        );
        CREATE INDEX drift_alert_events_unseen ON drift_alert_events(created_at) WHERE seen_at IS NULL;
        """
    )


# (trigger name, event, the run it stamps)
_CHANGE_TRIGGERS = (
    ("runs_changed_on_insert", "AFTER INSERT ON runs", "NEW.id"),
    ("runs_changed_on_update", "AFTER UPDATE OF status, end_time, name, note, deleted_at ON runs", "NEW.id"),
    ("runs_changed_on_param", "AFTER INSERT ON params", "NEW.run_id"),
    ("runs_changed_on_tag", "AFTER INSERT ON tags", "NEW.run_id"),
    ("runs_changed_on_tag_delete", "AFTER DELETE ON tags", "OLD.run_id"),
    ("runs_changed_on_metric", "AFTER INSERT ON latest_metrics", "NEW.run_id"),
    ("runs_changed_on_metric_update", "AFTER UPDATE ON latest_metrics", "NEW.run_id"),
)


@migrations(name="0003_change_feed")
def m0003_change_feed(db: Database) -> None:
    # Every write transaction takes the next value of a one-row counter (Database.transaction
    # bumps it) and triggers stamp each run it changes with that value. Writers are serialized
    # (BEGIN IMMEDIATE), so stamps grow in commit order across processes and "runs with
    # change_seq > N" is exactly what changed since a reader saw N. The WHEN guard makes every
    # fire after the first in a transaction a no-op: creating a run with ten params stamps once.
    # Triggers fire on latest_metrics (one row per run and key per flush), never on metrics.
    run_statements(
        db,
        """
        CREATE TABLE change_counter (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL
        );
        ALTER TABLE runs ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
        UPDATE runs SET change_seq = rowid;
        INSERT INTO change_counter (id, seq) VALUES (1, COALESCE((SELECT MAX(change_seq) FROM runs), 0));
        CREATE INDEX runs_by_change ON runs(change_seq)
        """,
    )
    for name, event, run in _CHANGE_TRIGGERS:  # one statement each: bodies contain ';'
        db.execute(
            f"""CREATE TRIGGER {name} {event}
                WHEN (SELECT change_seq FROM runs WHERE id = {run}) < (SELECT seq FROM change_counter WHERE id = 1)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1) WHERE id = {run};
                END"""
        )


@migrations(name="0004_run_summaries")
def m0004_run_summaries(db: Database) -> None:
    # runs.summary caches a run's params, latest metrics and tags as one JSON text (see
    # nbops.store.summaries). The change-feed triggers on child tables now also drop it.
    from .summaries import store_all_summaries

    db.execute("ALTER TABLE runs ADD COLUMN summary TEXT")
    for name, event, run in _CHANGE_TRIGGERS:
        if " ON runs" in event:
            continue  # the run's own columns are not in its summary
        db.execute(f"DROP TRIGGER {name}")
        # Also fire when a summary is cached: an earlier write of this transaction (the
        # run's own row, or a summary just stored) may have stamped the run already.
        db.execute(
            f"""CREATE TRIGGER {name} {event}
                WHEN (SELECT change_seq < (SELECT seq FROM change_counter WHERE id = 1) OR summary IS NOT NULL
                      FROM runs WHERE id = {run})
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1), summary = NULL
                    WHERE id = {run};
                END"""
        )
    store_all_summaries(db.conn)


@migrations(name="0005_listed_summaries")
def m0005_listed_summaries(db: Database) -> None:
    # Summaries now hold listed values: a param or tag value over MAX_LISTED_VALUE characters
    # is cut (see nbops.store.summaries). Only a summary that long can hold such a value.
    from .summaries import MAX_LISTED_VALUE, store_all_summaries

    store_all_summaries(db.conn, where=f"length(r.summary) > {MAX_LISTED_VALUE}")


@migrations(name="0006_model_governance")
def m0006_model_governance(db: Database) -> None:
    # Data versioning: a dataset row may point at a parquet snapshot (a blob) or at the file
    # DVC keeps (its md5 and remote, JSON in ``source``); nbops never copies a DVC file.
    # The audit trail: model_events rows are written once and never changed (the triggers
    # refuse UPDATE and DELETE), so "who moved production, when, why" cannot be rewritten.
    run_statements(
        db,
        """
        ALTER TABLE datasets ADD COLUMN snapshot_sha256 TEXT;
        ALTER TABLE datasets ADD COLUMN source TEXT;
        CREATE INDEX datasets_by_digest ON datasets(digest) WHERE snapshot_sha256 IS NOT NULL;
        ALTER TABLE model_versions ADD COLUMN intended_use TEXT;
        CREATE TABLE model_events (
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL,
            version INTEGER,
            kind TEXT NOT NULL,
            alias TEXT,
            previous_version INTEGER,
            actor TEXT,
            reason TEXT,
            evaluation_run_id TEXT,
            alert_event_id INTEGER,
            detail TEXT,
            created_at REAL NOT NULL
        );
        CREATE INDEX model_events_by_model ON model_events(model, id);
        CREATE TRIGGER model_events_no_update BEFORE UPDATE ON model_events
        BEGIN
            SELECT RAISE(ABORT, 'model_events is append-only: an audit event is never edited');
        END;
        CREATE TRIGGER model_events_no_delete BEFORE DELETE ON model_events
        BEGIN
            SELECT RAISE(ABORT, 'model_events is append-only: an audit event is never deleted');
        END
        """,
    )


@migrations(name="0007_sync")
def m0007_sync(db: Database) -> None:
    # What each run sent to (or came from) a remote tracking server, e.g. MLflow: one row per
    # run and server, and per kind of content a high-water mark, advanced only once the server
    # accepted a batch, so an interrupted push resumes without a duplicate or missing point.
    run_statements(
        db,
        """
        CREATE TABLE sync_runs (
            run_id TEXT NOT NULL REFERENCES runs(id),
            target TEXT NOT NULL,      -- the server's URI without credentials
            remote_id TEXT,            -- the run's id on that server
            origin INTEGER NOT NULL DEFAULT 0,  -- 1: the run was pulled from that server
            state TEXT NOT NULL CHECK (state IN ('pushed','failed','pulled')),
            error TEXT,
            updated_at REAL NOT NULL,
            seq INTEGER,               -- the change feed's seq then: the run changed since if runs.change_seq > seq
            PRIMARY KEY (run_id, target)
        );
        CREATE INDEX sync_runs_by_remote ON sync_runs(target, remote_id);
        CREATE TABLE sync_marks (
            run_id TEXT NOT NULL REFERENCES runs(id),
            target TEXT NOT NULL,
            kind TEXT NOT NULL,        -- metric, param, tag, artifact, dataset, model_version, alias, run
            key TEXT NOT NULL,
            mark,                      -- metric: highest step sent; others: what was sent (a digest, a version)
            PRIMARY KEY (run_id, target, kind, key)
        ) WITHOUT ROWID
        """,
    )
    # A sync state change stamps the run, so the change feed brings the new state to the panels.
    for name, event in (
        ("runs_changed_on_sync", "AFTER INSERT ON sync_runs"),
        ("runs_changed_on_sync_update", "AFTER UPDATE ON sync_runs"),
    ):
        db.execute(
            f"""CREATE TRIGGER {name} {event}
                WHEN (SELECT change_seq FROM runs WHERE id = NEW.run_id) < (SELECT seq FROM change_counter WHERE id = 1)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1) WHERE id = NEW.run_id;
                END"""
        )


@migrations(name="0008_drift_window_history")
def m0008_drift_window_history(db: Database) -> None:
    # A drift window is identified by (subject, label): re-checking a label inserts a new row
    # and stamps the earlier one as superseded, so its result stays readable as history.
    # Earlier duplicates (stores written before this migration) become history of the newest.
    run_statements(
        db,
        """
        ALTER TABLE drift_windows ADD COLUMN superseded_by INTEGER REFERENCES drift_windows(id);
        ALTER TABLE drift_windows ADD COLUMN superseded_at REAL;
        UPDATE drift_windows SET
            superseded_by = (SELECT MIN(n.id) FROM drift_windows n
                             WHERE n.subject = drift_windows.subject AND n.window = drift_windows.window
                               AND n.id > drift_windows.id),
            superseded_at = (SELECT MIN(n.created_at) FROM drift_windows n
                             WHERE n.subject = drift_windows.subject AND n.window = drift_windows.window
                               AND n.id > drift_windows.id);
        CREATE UNIQUE INDEX drift_windows_current ON drift_windows(subject, window) WHERE superseded_at IS NULL;
        -- Estimated performance per subject, window label and metric (CBPE/DLE, nbops.drift.performance),
        -- and the realized value once labels arrive (nbops.drift.log_labels).
        CREATE TABLE drift_performance (
            subject TEXT NOT NULL,
            window TEXT NOT NULL,
            metric TEXT NOT NULL,
            method TEXT NOT NULL CHECK (method IN ('cbpe','dle')),
            estimate REAL,
            lower REAL,
            upper REAL,
            reference REAL,         -- the metric realized on the labelled reference
            realized REAL,          -- from labels logged later; NULL until then
            created_at REAL NOT NULL,
            labelled_at REAL,
            PRIMARY KEY (subject, window, metric)
        ) WITHOUT ROWID;
        -- An alert rule may name a webhook configured in the server (its URL and secret never
        -- enter the store); each delivery attempt is logged.
        ALTER TABLE drift_alert_rules ADD COLUMN webhook TEXT;
        CREATE TABLE drift_webhook_deliveries (
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES drift_alert_events(id) ON DELETE CASCADE,
            webhook TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            status INTEGER,         -- HTTP status, NULL when no answer came
            error TEXT,
            delivered INTEGER NOT NULL,
            final INTEGER NOT NULL, -- delivered, or the last attempt failed
            created_at REAL NOT NULL
        );
        CREATE INDEX drift_webhook_deliveries_by_event ON drift_webhook_deliveries(event_id, webhook)
        """,
    )


@migrations(name="0009_serving")
def m0009_serving(db: Database) -> None:
    # nbops serve: one row per serving process group, the predictions it answered (for
    # feedback labels; inputs only with --log-inputs), and per version and time window its
    # request counts, latency histogram, prediction distribution and realized performance.
    run_statements(
        db,
        """
        CREATE TABLE serving_sessions (
            id TEXT PRIMARY KEY,
            model TEXT NOT NULL,
            config TEXT NOT NULL,    -- JSON: versions, roles, split, host, port, workers (never the token)
            started_at REAL NOT NULL,
            stopped_at REAL
        );
        CREATE TABLE serving_requests (
            id TEXT NOT NULL,        -- the request id answered in X-Request-Id
            version_id INTEGER NOT NULL REFERENCES model_versions(id),
            session_id TEXT NOT NULL REFERENCES serving_sessions(id),
            role TEXT NOT NULL CHECK (role IN ('primary','canary','shadow')),
            window TEXT NOT NULL,
            predictions TEXT NOT NULL,  -- JSON list, one per input row
            inputs TEXT,             -- JSON records, only with --log-inputs
            labels TEXT,             -- JSON list from POST /feedback
            created_at REAL NOT NULL,
            labelled_at REAL,
            PRIMARY KEY (id, version_id)
        ) WITHOUT ROWID;
        CREATE TABLE serving_stats (
            session_id TEXT NOT NULL REFERENCES serving_sessions(id),
            version_id INTEGER NOT NULL REFERENCES model_versions(id),
            window TEXT NOT NULL,
            role TEXT NOT NULL,
            requests INTEGER NOT NULL,
            rows INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            latency TEXT NOT NULL,   -- JSON: counts per log-spaced latency bin, and the sum
            predictions TEXT NOT NULL,  -- JSON: counts per class, or n/sum/sumsq/min/max
            updated_at REAL NOT NULL,
            PRIMARY KEY (session_id, version_id, window)
        ) WITHOUT ROWID;
        CREATE TABLE serving_performance (
            version_id INTEGER NOT NULL REFERENCES model_versions(id),
            window TEXT NOT NULL,
            metric TEXT NOT NULL,
            value REAL,
            labelled_rows INTEGER NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (version_id, window, metric)
        ) WITHOUT ROWID;
        """,
    )


@migrations(name="0010_retraining")
def m0010_retraining(db: Database) -> None:
    # An alert rule may carry a retrain action (JSON: target, package, data parameter, rate
    # limit). Each retrain an alert asked for is one row, linked to the alert event, the run and
    # the model version it produced; a suppressed one keeps its reason, a failed one the alert
    # event it raised in turn.
    run_statements(
        db,
        """
        ALTER TABLE drift_alert_rules ADD COLUMN retrain TEXT;
        CREATE TABLE drift_retrains (
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES drift_alert_events(id) ON DELETE CASCADE,
            subject TEXT NOT NULL,
            rule TEXT NOT NULL,
            target TEXT NOT NULL CHECK (target IN ('local','airflow','kfp')),
            package TEXT NOT NULL,       -- the package folder (local, kfp) or the DAG id (airflow)
            status TEXT NOT NULL CHECK (status IN ('running','succeeded','failed','triggered','suppressed')),
            reason TEXT,                 -- why it was suppressed or failed
            data_path TEXT,              -- the window's data, in a file nbops owns
            run_id TEXT REFERENCES runs(id),
            model TEXT,
            model_version INTEGER,
            remote_id TEXT,              -- the Airflow DAG run or KFP run it started
            failure_event_id INTEGER REFERENCES drift_alert_events(id),
            started_at REAL NOT NULL,
            ended_at REAL
        );
        CREATE INDEX drift_retrains_by_rule ON drift_retrains(subject, rule, started_at);
        CREATE INDEX drift_retrains_by_event ON drift_retrains(event_id)
        """,
    )


@migrations(name="0011_explanations")
def m0011_explanations(db: Database) -> None:
    # A model version's explanation (nbops.explain): per-feature importances as JSON, newest last;
    # explaining again adds a row, so earlier explanations stay readable.
    run_statements(
        db,
        """
        CREATE TABLE model_explanations (
            id INTEGER PRIMARY KEY,
            version_id INTEGER NOT NULL REFERENCES model_versions(id),
            rows INTEGER NOT NULL,      -- rows the importances were computed on
            target TEXT NOT NULL CHECK (target IN ('labels','predictions')),
            detail TEXT NOT NULL,       -- JSON: features [{feature, importance, std, shap}], scoring, notes
            created_at REAL NOT NULL
        );
        CREATE INDEX model_explanations_by_version ON model_explanations(version_id, id)
        """,
    )


@migrations(name="0012_retrain_jobs")
def m0012_retrain_jobs(db: Database) -> None:
    # A local retrain is queued by the process that checked drift and run later by a Jupyter
    # server (or `nbops retrain pending`): two new statuses, the action as it was when queued,
    # and who claimed it when (host:pid:process start, so a dead runner's retrain is queued again).
    # SQLite cannot change a CHECK constraint in place: the table is rebuilt, rows kept.
    run_statements(
        db,
        """
        CREATE TABLE drift_retrains_new (
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES drift_alert_events(id) ON DELETE CASCADE,
            subject TEXT NOT NULL,
            rule TEXT NOT NULL,
            target TEXT NOT NULL CHECK (target IN ('local','airflow','kfp')),
            package TEXT NOT NULL,       -- the package folder (local, kfp) or the DAG id (airflow)
            status TEXT NOT NULL CHECK (
                status IN ('queued','running','succeeded','failed','triggered','suppressed')),
            reason TEXT,                 -- why it was suppressed or failed
            data_path TEXT,              -- the window's data, in a file nbops owns
            run_id TEXT REFERENCES runs(id),
            model TEXT,
            model_version INTEGER,
            remote_id TEXT,              -- the Airflow DAG run or KFP run it started
            failure_event_id INTEGER REFERENCES drift_alert_events(id),
            started_at REAL NOT NULL,    -- when the alert asked for it (queued, or launched at once)
            ended_at REAL,
            action TEXT,                 -- JSON: the rule's retrain action when it was queued
            runner TEXT,                 -- host:pid:process-start of the process running it
            claimed_at REAL              -- when that process claimed it
        );
        INSERT INTO drift_retrains_new (id, event_id, subject, rule, target, package, status, reason, data_path,
            run_id, model, model_version, remote_id, failure_event_id, started_at, ended_at)
            SELECT id, event_id, subject, rule, target, package, status, reason, data_path,
            run_id, model, model_version, remote_id, failure_event_id, started_at, ended_at FROM drift_retrains;
        DROP TABLE drift_retrains;
        ALTER TABLE drift_retrains_new RENAME TO drift_retrains;
        CREATE INDEX drift_retrains_by_rule ON drift_retrains(subject, rule, started_at);
        CREATE INDEX drift_retrains_by_event ON drift_retrains(event_id);
        CREATE INDEX drift_retrains_pending ON drift_retrains(id) WHERE status IN ('queued', 'running')
        """,
    )


@migrations(name="0013_text_drift")
def m0013_text_drift(db: Database) -> None:
    # Free-text and embedding columns get sketches of their own (a bounded sample of rows,
    # nbops.drift.documents): the kind CHECK widens, which SQLite does by rebuilding the table.
    run_statements(
        db,
        """
        CREATE TABLE drift_reference_columns_new (
            dataset_id INTEGER NOT NULL REFERENCES drift_references(dataset_id) ON DELETE CASCADE,
            feature TEXT NOT NULL,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL
                CHECK (kind IN ('continuous','categorical','discrete','boolean','text','embedding')),
            source TEXT,            -- the datetime column a derived part (col.hour) came from
            sketch TEXT NOT NULL,   -- JSON: grid edges, counts, sums, sampled documents... (drift.serialization)
            PRIMARY KEY (dataset_id, feature)
        ) WITHOUT ROWID;
        INSERT INTO drift_reference_columns_new SELECT dataset_id, feature, position, kind, source, sketch
            FROM drift_reference_columns;
        DROP TABLE drift_reference_columns;
        ALTER TABLE drift_reference_columns_new RENAME TO drift_reference_columns
        """,
    )


@migrations(name="0014_environments")
def m0014_environments(db: Database) -> None:
    # The installed-package list (a few hundred distributions, ~11 kB of JSON) was stored in
    # every run's provenance row, so a loop of autologged fits wrote it once per fit. It is now
    # stored once per environment, keyed by the SHA-256 of its JSON text, and a run's
    # provenance names that key. Existing lists move over; the table is rebuilt without them.
    import hashlib

    db.conn.create_function(
        "nbops_sha256", 1, lambda text: hashlib.sha256(text.encode()).hexdigest(), deterministic=True
    )
    run_statements(
        db,
        """
        CREATE TABLE environments (
            sha256 TEXT PRIMARY KEY,    -- of the JSON text of packages
            packages TEXT NOT NULL      -- JSON: [{name, version}] of the installed distributions
        );
        INSERT OR IGNORE INTO environments (sha256, packages)
            SELECT nbops_sha256(packages), packages FROM provenance WHERE packages IS NOT NULL;
        CREATE TABLE provenance_new (
            run_id TEXT PRIMARY KEY REFERENCES runs(id),
            python TEXT,
            environment TEXT REFERENCES environments(sha256),
            git_diff TEXT,
            cells TEXT
        );
        INSERT INTO provenance_new (run_id, python, environment, git_diff, cells)
            SELECT run_id, python, CASE WHEN packages IS NULL THEN NULL ELSE nbops_sha256(packages) END,
            git_diff, cells FROM provenance;
        DROP TABLE provenance;
        ALTER TABLE provenance_new RENAME TO provenance
        """,
    )
