"""Param importance without the web layer: what a user sees when scikit-learn is missing,
and that a metric which never changes is explained, not divided by zero."""

import sys

import nbops
from nbops.store.importance import ParamImportance


def runs(store, values):
    ids = []
    for lr, auc in values:
        with nbops.start_run(
            "sweep", params={"lr": lr, "model": "rf" if lr < 0.3 else "gbm"}, capture_provenance=False
        ) as run:
            nbops.log_metric("auc", auc)
        ids.append(run.id)
    return ids


def test_without_scikit_learn_correlations_are_shown_and_the_notice_says_why(store, monkeypatch):
    ids = runs(store, [(0.1, 0.7), (0.2, 0.75), (0.3, 0.8), (0.4, 0.85)])
    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)  # import fails as if not installed
    answer = ParamImportance(store.db).of(ids, "auc")
    assert answer["method"] == "correlation" and "Install scikit-learn" in answer["notice"]
    rows = {row["key"]: row for row in answer["params"]}
    assert rows["lr"]["importance"] is None and rows["lr"]["correlation"] == 1.0
    assert rows["model=gbm"]["correlation"] > 0.7


def test_a_metric_with_one_value_everywhere_is_a_notice(store):
    ids = runs(store, [(0.1, 0.7), (0.2, 0.7), (0.3, 0.7)])
    answer = ParamImportance(store.db).of(ids, "auc")
    assert answer["params"] == [] and "same value in every run" in answer["notice"]


def test_a_run_without_a_numeric_param_gets_the_others_mean(store):
    ids = runs(store, [(0.1, 0.7), (0.2, 0.75), (0.3, 0.8)])
    with nbops.start_run("sweep", params={"model": "rf"}, capture_provenance=False) as run:
        nbops.log_metric("auc", 0.76)
    answer = ParamImportance(store.db).of([*ids, run.id], "auc")
    assert answer["runs"] == 4 and {row["key"] for row in answer["params"]} == {"lr", "model=gbm", "model=rf"}


def test_runs_without_the_metric_are_left_out(store):
    ids = runs(store, [(0.1, 0.7), (0.2, 0.75), (0.3, 0.8)])
    with nbops.start_run("sweep", params={"lr": 0.9}, capture_provenance=False) as run:
        nbops.log_metric("loss", 0.1)
    answer = ParamImportance(store.db).of([*ids, run.id, "ghost"], "auc")
    assert answer["runs"] == 3 and answer["params"][0]["key"] == "lr"
