"""A window is its subject and label: re-checking replaces it, history is kept, labels sort by time."""

import sqlite3

import numpy as np
import pandas as pd
import pytest

import nbops
from nbops.drift import monitor, persistence
from nbops.drift.windows import label_time, order_key
from nbops.errors import InvalidValueError
from nbops.store.migrations import migrations

RNG = np.random.default_rng(11)


def frame(n, shift=0.0):
    return pd.DataFrame({"x": RNG.normal(shift, 1, n), "c": RNG.choice(["a", "b"], n)})


def test_rechecking_a_label_replaces_its_window_and_keeps_the_earlier_result_as_history(store):
    nbops.log_dataset(frame(3000), "churn")
    first = nbops.check_drift("churn", frame(800, 2.0), window="2024-W19", store=store)
    nbops.check_drift("churn", frame(800), window="2024-W20", store=store)
    again = nbops.check_drift("churn", frame(800), window="2024-W19", store=store)
    body = monitor.windows(store, "churn")
    assert [w["window"] for w in body["windows"]] == ["2024-W19", "2024-W20"]
    assert body["subject"]["windows"] == 2
    w19 = body["windows"][0]
    assert w19["id"] == again.summary["window_id"] and w19["drifted"] == 0
    assert [r["id"] for r in w19["revisions"]] == [first.summary["window_id"]]
    assert w19["revisions"][0]["drifted"] == 1
    x = next(f for f in body["features"] if f["feature"] == "x")
    assert x["tier"] == ["ok", "ok"]  # the replaced drifting result is not in the series
    history = monitor.revisions(store, "churn", "2024-W19")
    assert [h["id"] for h in history] == [again.summary["window_id"], first.summary["window_id"]]
    assert history[1]["superseded_by"] == again.summary["window_id"] and history[0]["superseded_at"] is None
    # the earlier result is still whole: its overlay and alerts stay readable
    assert persistence.feature_overlay(store, first.summary["window_id"], "x")["current"]
    assert {h["window"] for h in persistence.history(store, "churn")} == {"2024-W19", "2024-W20"}


def test_a_sweep_rerun_four_times_leaves_four_windows(store):
    nbops.log_dataset(frame(2000), "weekly")
    for _ in range(4):
        for week in ("2024-W16", "2024-W17", "2024-W18", "2024-W19"):
            nbops.check_drift("weekly", frame(300), window=week, store=store)
    conn = sqlite3.connect(store.root / "nbops.db")
    current = conn.execute("SELECT COUNT(*) FROM drift_windows WHERE subject = 'weekly' AND superseded_at IS NULL")
    assert current.fetchone()[0] == 4
    assert len(monitor.windows(store, "weekly")["windows"]) == 4


def test_windows_are_ordered_by_the_time_their_label_names_not_by_insertion(store):
    nbops.log_dataset(frame(2000), "orders")
    for week in ("2024-W16", "2024-W19", "2024-W18", "2024-W17", "2023-W52"):
        nbops.check_drift("orders", frame(300), window=week, store=store)
    labels = [w["window"] for w in monitor.windows(store, "orders")["windows"]]
    assert labels == ["2023-W52", "2024-W16", "2024-W17", "2024-W18", "2024-W19"]
    assert [w["window"] for w in monitor.windows(store, "orders", limit=2)["windows"]] == ["2024-W18", "2024-W19"]


def test_labels_that_name_no_time_sort_naturally(store):
    nbops.log_dataset(frame(2000), "batches")
    for label in ("W10", "W2", "W1", "batch 3"):
        nbops.check_drift("batches", frame(300), window=label, store=store)
    assert [w["window"] for w in monitor.windows(store, "batches")["windows"]] == ["batch 3", "W1", "W2", "W10"]


@pytest.mark.parametrize(
    "label, iso",
    [
        ("2024-W19", "2024-05-06"),
        ("2024W19", "2024-05-06"),
        ("2024-05", "2024-05-01"),
        ("2024-Q2", "2024-04-01"),
        ("2024-05-13", "2024-05-13"),
        ("2024-05-13T12:00:00Z", "2024-05-13T12:00:00+00:00"),
    ],
)
def test_label_time_reads_weeks_months_quarters_and_iso_times(label, iso):
    expected = pd.Timestamp(iso, tz="UTC") if "T" not in iso else pd.Timestamp(iso)
    assert label_time(label) == expected.timestamp()


def test_timed_labels_sort_before_untimed_and_months_interleave_with_weeks():
    labels = ["later", "2024-06", "2024-W19", "2024-05-01"]
    assert sorted(labels, key=order_key) == ["2024-05-01", "2024-W19", "2024-06", "later"]


def test_alert_consecutive_counts_windows_in_label_order(store):
    nbops.log_dataset(frame(3000), "late")
    persistence.add_alert_rule(store, "late", nbops.drift.AlertRule("wasserstein", 0.5, consecutive=2))
    nbops.check_drift("late", frame(600, 2.0), window="2024-W03", store=store)
    quiet = nbops.check_drift("late", frame(600), window="2024-W01", store=store)
    backfill = nbops.check_drift("late", frame(600, 2.0), window="2024-W02", store=store)
    assert quiet.summary["alerts"] == []
    # W02 drifts, and W01 before it (in label order) did not: no two consecutive windows yet
    assert backfill.summary["alerts"] == []
    fixed = nbops.check_drift("late", frame(600, 2.0), window="2024-W01", store=store)
    assert [a["features"] for a in fixed.summary["alerts"]] == []  # W01 has no window before it
    redo = nbops.check_drift("late", frame(600, 2.0), window="2024-W02", store=store)
    assert [a["features"] for a in redo.summary["alerts"]] == [["x"]]
    assert ", window 2024-W02:" in redo.summary["alerts"][0]["message"]


def test_an_empty_window_label_is_refused(store):
    nbops.log_dataset(frame(1000), "e")
    with pytest.raises(InvalidValueError, match="window='  ' is not valid"):
        nbops.check_drift("e", frame(100), window="  ", store=store)


def test_the_migration_turns_earlier_duplicate_labels_into_history(tmp_path):
    from sqlite_utils import Database

    db = Database(tmp_path / "old.db")
    names = [migration.name for migration in migrations._migrations]
    history = names.index("0008_drift_window_history")
    for migration in migrations._migrations[:history]:
        migration.fn(db)
    db.execute(
        "INSERT INTO datasets (id, name, role, digest, rows, columns, created_at) "
        "VALUES (1, 'd', 'train', 'x', 1, 1, 0)"
    )
    for i, label in enumerate(["W1", "W1", "W2", "W1"], start=1):
        db.execute(
            "INSERT INTO drift_windows (id, subject, dataset_id, window, policy, rows, features, drifted, "
            "share_drifted, dataset_drift, created_at) VALUES (?, 'd', 1, ?, 'default', 1, 1, 0, 0, 0, ?)",
            (i, label, float(i)),
        )
    migrations._migrations[history].fn(db)
    rows = db.execute("SELECT id, superseded_by, superseded_at FROM drift_windows ORDER BY id").fetchall()
    assert rows == [(1, 2, 2.0), (2, 4, 4.0), (3, None, None), (4, None, None)]
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO drift_windows (subject, dataset_id, window, policy, rows, features, drifted, "
            "share_drifted, dataset_drift, created_at) VALUES ('d', 1, 'W2', 'default', 1, 1, 0, 0, 0, 9)"
        )
