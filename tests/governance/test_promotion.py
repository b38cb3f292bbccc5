"""The promotion gate with real models: a better challenger is promoted, a worse one refused."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

import nbops
from nbops.errors import ConflictError, InvalidValueError


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "nbops.cli", *args], capture_output=True, text=True, env=env)


def test_evaluate_promote_moves_production_to_the_better_challenger(registry, store, python_env):
    out = cli(
        "models",
        "evaluate",
        "churn",
        "--versions",
        "production,candidate",
        "--data",
        str(registry),
        "--target",
        "label",
        "--slice",
        "region",
        "--max-slice-drop",
        "0.05",
        "--promote",
        env=python_env,
    )
    assert out.returncode == 0, out.stderr
    assert "gate passed: accuracy" in out.stdout and "promoted: production -> v2" in out.stdout
    assert store.models.version("churn", "production")["version"] == 2
    run_id = next(line.split()[-1] for line in out.stdout.splitlines() if line.startswith("evaluation run"))
    run = store.runs.get(run_id)
    assert run["experiment"] == "evaluate/churn" and run["tags"]["gate"] == "passed"
    assert run["metrics"]["v2.accuracy"] > run["metrics"]["v1.accuracy"] + 0.2  # the stump cannot learn XOR
    assert {"v1.region=north.accuracy", "v2.region=south.accuracy"} <= set(run["metrics"])
    promoted = [e for e in store.models.events.of_model("churn") if e["kind"] == "promoted"]
    assert len(promoted) == 1
    assert promoted[0]["evaluation_run_id"] == run_id and promoted[0]["previous_version"] == 1
    assert promoted[0]["version"] == 2 and promoted[0]["reason"].startswith("gate passed")


def test_evaluate_promote_refuses_a_worse_challenger_with_the_reason(registry, store, python_env):
    store.models.set_alias("churn", "production", 2)
    store.models.set_alias("churn", "candidate", 1)
    out = cli("models", "evaluate", "churn", "--data", str(registry), "--target", "label", "--promote", env=python_env)
    assert out.returncode == 1
    assert "not promoted: production stays on v2: gate failed: accuracy" in out.stderr
    assert "needs to be better" in out.stderr
    assert store.models.version("churn", "production")["version"] == 2
    assert not [e for e in store.models.events.of_model("churn") if e["kind"] == "promoted"]


def test_a_slice_that_gets_worse_blocks_the_promotion(registry, store):
    result = nbops.evaluate_models(
        "churn", "production,candidate", str(registry), "label", slice_column="region", min_improvement=0.5
    )
    assert not result.decision.passed and "needs an improvement of at least 0.5" in result.decision.reason
    with pytest.raises(ConflictError, match="not promoted: gate failed"):
        nbops.evaluate_models(
            "churn", "production,candidate", str(registry), "label", min_improvement=0.5, promote=True
        )
    # a policy no slice can meet: every slice must not drop, and a challenger drops on none, so passes
    result = nbops.evaluate_models(
        "churn",
        ["production", "candidate"],
        str(registry),
        "label",
        metric="f1",
        slice_column="region",
        max_slice_drop=0.0,
    )
    assert result.decision.passed and result.decision.worst_slice in ("north", "south")
    reverse = nbops.evaluate_models(
        "churn", ["candidate", "production"], str(registry), "label", slice_column="region", max_slice_drop=0.0
    )
    assert not reverse.decision.passed


def test_a_stale_evaluation_cannot_promote(registry, store):
    from nbops.governance import promote_evaluation

    result = nbops.evaluate_models("churn", "production,candidate", str(registry), "label")
    assert result.decision.passed
    store.models.set_alias("churn", "production", 2, reason="moved by hand")
    store.models.set_alias("churn", "production", 1)
    store.models.add_version("churn", store.models.version("churn", 1)["artifact_sha256"])  # v3
    store.models.set_alias("churn", "production", 3)
    with pytest.raises(ConflictError, match="production is now version 3, not version 1 .* evaluate again"):
        promote_evaluation(store, "churn", result.run_id)


def test_bad_input_is_named_and_exits_2(registry, python_env):
    out = cli("models", "evaluate", "churn", "--data", str(registry), "--target", "nope", env=python_env)
    assert out.returncode == 2 and "target column 'nope' is not in the data: its columns are x1, x2" in out.stderr
    out = cli("models", "evaluate", "churn", "--data", "missing.csv", "--target", "label", env=python_env)
    assert out.returncode == 2 and "data file 'missing.csv' does not exist" in out.stderr
    out = cli(
        "models",
        "evaluate",
        "churn",
        "--versions",
        "production",
        "--data",
        str(registry),
        "--target",
        "label",
        env=python_env,
    )
    assert out.returncode == 2 and "name the champion then the challenger" in out.stderr
    out = cli(
        "models",
        "evaluate",
        "churn",
        "--versions",
        "production,9",
        "--data",
        str(registry),
        "--target",
        "label",
        env=python_env,
    )
    assert out.returncode == 2 and "model 'churn' has no version or alias 9" in out.stderr
    out = cli(
        "models", "evaluate", "churn", "--data", str(registry), "--target", "label", "--metric", "rmse", env=python_env
    )
    assert (
        out.returncode == 2
        and "metric 'rmse' is not valid for a classification model: use one of accuracy" in out.stderr
    )
    broken = registry.parent / "broken.csv"
    import pandas as pd

    frame = pd.read_csv(registry)
    frame["x2"] = "high"  # a feature the trees cannot read
    frame.to_csv(broken, index=False)
    out = cli("models", "evaluate", "churn", "--data", str(broken), "--target", "label", env=python_env)
    assert out.returncode == 2 and "model 'churn' version 1 cannot score this data: ValueError" in out.stderr
    with pytest.raises(InvalidValueError, match=r"name the same version twice \(production = v1, 1 = v1\)"):
        nbops.evaluate_models("churn", "production,1", str(registry), "label")
    with pytest.raises(InvalidValueError, match="min_improvement -1 is not valid"):
        nbops.evaluate_models("churn", "production,candidate", str(registry), "label", min_improvement=-1)


def test_audit_events_are_listed_and_never_edited(registry, store, python_env):
    store.models.set_alias("churn", "staging", 2, actor="ana", reason="ready for review")
    store.models.delete_alias("churn", "staging", actor="ana", reason="withdrawn")
    events = store.models.events.of_model("churn")
    assert [(e["kind"], e["alias"], e["version"]) for e in events] == [
        ("registered", None, 1),
        ("alias_set", "production", 1),
        ("registered", None, 2),
        ("alias_set", "candidate", 2),
        ("alias_set", "staging", 2),
        ("alias_removed", "staging", None),
    ]
    assert events[4]["actor"] == "ana" and events[4]["reason"] == "ready for review"
    assert events[5]["previous_version"] == 2
    assert all(e["actor"] for e in events) and all(e["created_at"] > 0 for e in events)
    out = cli("models", "events", "churn", "--json", env=python_env)
    assert out.returncode == 0 and [e["id"] for e in json.loads(out.stdout)] == [e["id"] for e in events]
    conn = sqlite3.connect(store.db.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only: an audit event is never edited"):
        conn.execute("UPDATE model_events SET actor = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM model_events")
    conn.close()
    assert store.models.events.of_model("churn") == events
