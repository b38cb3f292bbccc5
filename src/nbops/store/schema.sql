-- Generated from nbops/store/migrations.py by `python -m nbops.store.schema_script`: do not edit.
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
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
        , change_seq INTEGER NOT NULL DEFAULT 0, summary TEXT);
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
CREATE TABLE tags (
            run_id TEXT NOT NULL REFERENCES runs(id),
            key TEXT NOT NULL,
            value TEXT,
            PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
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
        , snapshot_sha256 TEXT, source TEXT);
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
            created_at REAL NOT NULL, intended_use TEXT,
            UNIQUE (model_id, version)
        );
CREATE TABLE model_aliases (
            model_id INTEGER NOT NULL REFERENCES models(id),
            alias TEXT NOT NULL,
            version_id INTEGER NOT NULL REFERENCES model_versions(id),
            PRIMARY KEY (model_id, alias)
        );
CREATE TABLE drift_references (
            dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id),
            rows INTEGER NOT NULL,
            bins INTEGER NOT NULL,
            top_k INTEGER NOT NULL,
            format INTEGER NOT NULL,
            created_at REAL NOT NULL
        );
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
        , superseded_by INTEGER REFERENCES drift_windows(id), superseded_at REAL);
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
CREATE TABLE drift_results (
            window_id INTEGER NOT NULL REFERENCES drift_windows(id) ON DELETE CASCADE,
            feature TEXT NOT NULL,
            statistic TEXT NOT NULL,
            value REAL,
            p_value REAL,
            p_adjusted REAL,
            PRIMARY KEY (window_id, feature, statistic)
        ) WITHOUT ROWID;
CREATE TABLE drift_alert_rules (
            id INTEGER PRIMARY KEY,
            subject TEXT NOT NULL,  -- dataset or model name; '*' for every subject
            name TEXT NOT NULL,
            statistic TEXT NOT NULL,
            threshold REAL NOT NULL,
            consecutive INTEGER NOT NULL DEFAULT 1,
            cooldown INTEGER NOT NULL DEFAULT 0,
            features TEXT,          -- JSON list, or NULL for every feature
            created_at REAL NOT NULL, webhook TEXT, retrain TEXT,
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
CREATE TABLE change_counter (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL
        );
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
CREATE TABLE sync_marks (
            run_id TEXT NOT NULL REFERENCES runs(id),
            target TEXT NOT NULL,
            kind TEXT NOT NULL,        -- metric, param, tag, artifact, dataset, model_version, alias, run
            key TEXT NOT NULL,
            mark,                      -- metric: highest step sent; others: what was sent (a digest, a version)
            PRIMARY KEY (run_id, target, kind, key)
        ) WITHOUT ROWID
        ;
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
CREATE TABLE model_explanations (
            id INTEGER PRIMARY KEY,
            version_id INTEGER NOT NULL REFERENCES model_versions(id),
            rows INTEGER NOT NULL,      -- rows the importances were computed on
            target TEXT NOT NULL CHECK (target IN ('labels','predictions')),
            detail TEXT NOT NULL,       -- JSON: features [{feature, importance, std, shap}], scoring, notes
            created_at REAL NOT NULL
        );
CREATE TABLE "drift_retrains" (
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
CREATE TABLE "drift_reference_columns" (
            dataset_id INTEGER NOT NULL REFERENCES drift_references(dataset_id) ON DELETE CASCADE,
            feature TEXT NOT NULL,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL
                CHECK (kind IN ('continuous','categorical','discrete','boolean','text','embedding')),
            source TEXT,            -- the datetime column a derived part (col.hour) came from
            sketch TEXT NOT NULL,   -- JSON: grid edges, counts, sums, sampled documents... (drift.serialization)
            PRIMARY KEY (dataset_id, feature)
        ) WITHOUT ROWID;
CREATE TABLE environments (
            sha256 TEXT PRIMARY KEY,    -- of the JSON text of packages
            packages TEXT NOT NULL      -- JSON: [{name, version}] of the installed distributions
        );
CREATE TABLE "provenance" (
            run_id TEXT PRIMARY KEY REFERENCES runs(id),
            python TEXT,
            environment TEXT REFERENCES environments(sha256),
            git_diff TEXT,
            cells TEXT
        );
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time DESC);
CREATE INDEX runs_running ON runs(status) WHERE status = 'running';
CREATE INDEX latest_metrics_by_key ON latest_metrics(key, value);
CREATE INDEX datasets_by_name ON datasets(name, created_at DESC);
CREATE INDEX drift_windows_by_subject ON drift_windows(subject, created_at);
CREATE INDEX drift_results_by_feature ON drift_results(feature, statistic, window_id);
CREATE INDEX drift_alert_events_unseen ON drift_alert_events(created_at) WHERE seen_at IS NULL;
CREATE INDEX runs_by_change ON runs(change_seq)
        ;
CREATE INDEX datasets_by_digest ON datasets(digest) WHERE snapshot_sha256 IS NOT NULL;
CREATE INDEX model_events_by_model ON model_events(model, id);
CREATE INDEX sync_runs_by_remote ON sync_runs(target, remote_id);
CREATE UNIQUE INDEX drift_windows_current ON drift_windows(subject, window) WHERE superseded_at IS NULL;
CREATE INDEX drift_webhook_deliveries_by_event ON drift_webhook_deliveries(event_id, webhook)
        ;
CREATE INDEX model_explanations_by_version ON model_explanations(version_id, id)
        ;
CREATE INDEX drift_retrains_by_rule ON drift_retrains(subject, rule, started_at);
CREATE INDEX drift_retrains_by_event ON drift_retrains(event_id);
CREATE INDEX drift_retrains_pending ON drift_retrains(id) WHERE status IN ('queued', 'running')
        ;
CREATE TRIGGER runs_changed_on_insert AFTER INSERT ON runs
                WHEN (SELECT change_seq FROM runs WHERE id = NEW.id) < (SELECT seq FROM change_counter WHERE id = 1)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1) WHERE id = NEW.id;
                END;
CREATE TRIGGER runs_changed_on_update AFTER UPDATE OF status, end_time, name, note, deleted_at ON runs
                WHEN (SELECT change_seq FROM runs WHERE id = NEW.id) < (SELECT seq FROM change_counter WHERE id = 1)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1) WHERE id = NEW.id;
                END;
CREATE TRIGGER runs_changed_on_param AFTER INSERT ON params
                WHEN (SELECT change_seq < (SELECT seq FROM change_counter WHERE id = 1) OR summary IS NOT NULL
                      FROM runs WHERE id = NEW.run_id)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1), summary = NULL
                    WHERE id = NEW.run_id;
                END;
CREATE TRIGGER runs_changed_on_tag AFTER INSERT ON tags
                WHEN (SELECT change_seq < (SELECT seq FROM change_counter WHERE id = 1) OR summary IS NOT NULL
                      FROM runs WHERE id = NEW.run_id)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1), summary = NULL
                    WHERE id = NEW.run_id;
                END;
CREATE TRIGGER runs_changed_on_tag_delete AFTER DELETE ON tags
                WHEN (SELECT change_seq < (SELECT seq FROM change_counter WHERE id = 1) OR summary IS NOT NULL
                      FROM runs WHERE id = OLD.run_id)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1), summary = NULL
                    WHERE id = OLD.run_id;
                END;
CREATE TRIGGER runs_changed_on_metric AFTER INSERT ON latest_metrics
                WHEN (SELECT change_seq < (SELECT seq FROM change_counter WHERE id = 1) OR summary IS NOT NULL
                      FROM runs WHERE id = NEW.run_id)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1), summary = NULL
                    WHERE id = NEW.run_id;
                END;
CREATE TRIGGER runs_changed_on_metric_update AFTER UPDATE ON latest_metrics
                WHEN (SELECT change_seq < (SELECT seq FROM change_counter WHERE id = 1) OR summary IS NOT NULL
                      FROM runs WHERE id = NEW.run_id)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1), summary = NULL
                    WHERE id = NEW.run_id;
                END;
CREATE TRIGGER model_events_no_update BEFORE UPDATE ON model_events
        BEGIN
            SELECT RAISE(ABORT, 'model_events is append-only: an audit event is never edited');
        END;
CREATE TRIGGER model_events_no_delete BEFORE DELETE ON model_events
        BEGIN
            SELECT RAISE(ABORT, 'model_events is append-only: an audit event is never deleted');
        END;
CREATE TRIGGER runs_changed_on_sync AFTER INSERT ON sync_runs
                WHEN (SELECT change_seq FROM runs WHERE id = NEW.run_id) < (SELECT seq FROM change_counter WHERE id = 1)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1) WHERE id = NEW.run_id;
                END;
CREATE TRIGGER runs_changed_on_sync_update AFTER UPDATE ON sync_runs
                WHEN (SELECT change_seq FROM runs WHERE id = NEW.run_id) < (SELECT seq FROM change_counter WHERE id = 1)
                BEGIN
                    UPDATE runs SET change_seq = (SELECT seq FROM change_counter WHERE id = 1) WHERE id = NEW.run_id;
                END;
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (1, 'nbops', '0001_tracking', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (2, 'nbops', '0002_drift', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (3, 'nbops', '0003_change_feed', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (4, 'nbops', '0004_run_summaries', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (5, 'nbops', '0005_listed_summaries', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (6, 'nbops', '0006_model_governance', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (7, 'nbops', '0007_sync', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (8, 'nbops', '0008_drift_window_history', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (9, 'nbops', '0009_serving', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (10, 'nbops', '0010_retraining', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (11, 'nbops', '0011_explanations', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (12, 'nbops', '0012_retrain_jobs', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (13, 'nbops', '0013_text_drift', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "_sqlite_migrations" (id, migration_set, name, applied_at) VALUES (14, 'nbops', '0014_environments', strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now'));
INSERT INTO "change_counter" (id, seq) VALUES (1, 0);
