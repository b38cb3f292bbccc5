"""References and results live in the store; check_drift resolves datasets and models."""

import re
import sqlite3

import numpy as np
import pandas as pd
import pytest

import nbops
import nbops.drift as drift
from nbops.drift import persistence
from nbops.errors import NotFoundError

RNG = np.random.default_rng(5)


def _frame(n, shift=0.0):
    return pd.DataFrame(
        {
            "age": RNG.normal(40 + shift * 10, 10, n),
            "plan": RNG.choice(["basic", "pro", "team"], n, p=[0.6, 0.3, 0.1]),
            "seen": pd.date_range("2024-01-01", periods=n, freq="37min"),
        }
    )


def test_reference_round_trips_through_the_store(store):
    dataset_id = store.datasets.add(None, "train", "train", "d1", 2000, 3, None)
    ref = drift.fit_reference(_frame(2000))
    persistence.save_reference(store, dataset_id, ref)
    back = persistence.load_reference(store, dataset_id)
    cur = _frame(500, 1.0)
    assert drift.compare(back, cur).features == drift.compare(ref, cur).features
    assert list(back.columns) == ["age", "plan", "seen.hour", "seen.weekday"]


def test_check_drift_by_dataset_name_stores_one_row_per_feature_window_and_statistic(store):
    nbops.log_dataset(_frame(3000), "customers")
    r1 = nbops.check_drift("customers", _frame(800), window="2024-W01", store=store)
    r2 = nbops.check_drift("customers", _frame(800, 1.0), window="2024-W02", store=store)
    assert r1.summary["drifted"] == [] and r2.summary["drifted"] == ["age"]
    conn = sqlite3.connect(store.root / "nbops.db")  # any SQLite tool can read results
    rows = conn.execute(
        "SELECT w.window, r.value FROM drift_results r JOIN drift_windows w ON w.id = r.window_id "
        "WHERE w.subject = 'customers' AND r.feature = 'age' AND r.statistic = 'wasserstein' ORDER BY w.id"
    ).fetchall()
    assert [w for w, _ in rows] == ["2024-W01", "2024-W02"]
    assert rows[1][1] == pytest.approx(r2["age"]["wasserstein"])
    per_window = conn.execute(
        "SELECT COUNT(*) FROM drift_results WHERE window_id = ?", (r2.summary["window_id"],)
    ).fetchone()[0]
    assert per_window == len(r2.statistics)
    heat = persistence.history(store, "customers")
    assert {(h["window"], h["feature"], h["tier"]) for h in heat} >= {
        ("2024-W02", "age", "drift"),
        ("2024-W01", "age", "ok"),
    }


def test_model_name_resolves_to_the_production_versions_training_data(store):
    with nbops.start_run("churn"):
        nbops.log_dataset(_frame(3000), "train_v1", role="train")
        nbops.register_model("churn", {"weights": 1})
    with nbops.start_run("churn"):
        nbops.log_dataset(_frame(3000, 1.0), "train_v2", role="train")
        nbops.register_model("churn", {"weights": 2}, alias="production")
    with nbops.start_run("churn"):
        nbops.log_dataset(_frame(3000, 3.0), "train_v3", role="train")
        nbops.register_model("churn", {"weights": 3})
    report = nbops.check_drift("churn", _frame(800, 1.0), store=store)
    assert report.summary["reference"] == "churn v2"
    assert report.summary["drifted"] == []  # same distribution as v2's training data
    store.models.delete_alias("churn", "production")
    assert nbops.check_drift("churn", _frame(800, 1.0), store=store).summary["reference"] == "churn v3"


def test_alerts_fire_after_consecutive_windows_and_respect_cooldown(store):
    nbops.log_dataset(_frame(3000), "events")
    persistence.add_alert_rule(store, "events", drift.AlertRule("wasserstein", 0.5, consecutive=2, cooldown=2))
    fired = [nbops.check_drift("events", _frame(600, 1.0), store=store).summary["alerts"] for _ in range(5)]
    assert [bool(f) for f in fired] == [False, True, False, False, True]
    assert fired[1][0]["features"] == ["age"]
    assert re.match(
        r"1 feature drifted in events, window 20\d\d-\d\d-\d\dT[\d:.]+\+00:00: age W=", fired[1][0]["message"]
    )
    events = persistence.alert_events(store, unseen_only=True)
    assert len(events) == 2 and events[0]["features"] == ["age"]
    assert persistence.mark_alerts_seen(store, [e["id"] for e in events]) == 2
    assert persistence.alert_events(store, unseen_only=True) == []
    assert len(persistence.alert_events(store)) == 2


def test_default_alert_rule_fires_on_drift_tier(store):
    nbops.log_dataset(_frame(3000), "plain")
    quiet = nbops.check_drift("plain", _frame(600), store=store)
    loud = nbops.check_drift("plain", _frame(600, 2.0), store=store)
    assert quiet.summary["alerts"] == []
    assert loud.summary["alerts"][0]["rule"] == "drift"


def test_unknown_names_are_not_found(store):
    with pytest.raises(NotFoundError, match="no model or dataset named 'nope'"):
        nbops.check_drift("nope", _frame(10), store=store)


def test_stored_windows_give_overlays_and_merge(store):
    nbops.log_dataset(_frame(3000), "shop")
    ids = [nbops.check_drift("shop", _frame(500, s), store=store).summary["window_id"] for s in (0.0, 1.0)]
    data = persistence.feature_overlay(store, ids[1], "age")
    assert sum(data["reference"]) == pytest.approx(1.0) and sum(data["current"]) == pytest.approx(1.0)
    ks = [h for h in persistence.history(store, "shop", "ks") if h["window_id"] == ids[1]]
    assert [h["feature"] for h in ks] == ["age"]
    assert data["ks_gap"]["gap"] == pytest.approx(ks[0]["value"], abs=1e-9)
    plan = persistence.feature_overlay(store, ids[1], "plan")
    assert set(plan["labels"]) == {"basic", "pro", "team"}
    reference, first, _ = persistence.load_window(store, ids[0])
    _, second, _ = persistence.load_window(store, ids[1])
    both = drift.compare(reference, first + second)
    assert both.summary["rows_current"] == 1000
