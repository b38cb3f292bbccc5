"""Continuous training: a drift alert retrains the productionized pipeline on the drifted window.

A real notebook (it reads ``data_path``, logs its training data, registers ``churn``) is
productionized once; each test trains v1 with the package's CLI, adds an alert rule with a
``retrain`` action, and checks a shifted window: the retrain is queued. A runner (here
``run_pending``, as ``nbops retrain pending`` does; a Jupyter server's job in
test_retrain_job.py) then runs the package as a subprocess on the window's data file, and its
run and model version come back linked to the alert.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import nbops
from nbops.drift import AlertRule
from nbops.drift.actions import retrain_from_json
from nbops.drift.persistence import add_alert_rule
from nbops.errors import InvalidValueError
from nbops.governance.retrain_jobs import run_pending

CELLS = [
    ("import pandas as pd\nimport nbops\nfrom sklearn.linear_model import LogisticRegression", "setup"),
    ('data_path = "train.parquet"\nC = 1.0', "parameters"),
    ('df = pd.read_parquet(data_path)\nnbops.log_dataset(df, "churn-train")', "step:load"),
    (
        'model = LogisticRegression(C=C).fit(df[["x1", "x2"]], df["label"])\n'
        'accuracy = float(model.score(df[["x1", "x2"]], df["label"]))\nnbops.register_model("churn", model)',
        "step:train",
    ),
    ("accuracy", "metrics"),
    ("assert 0.5 < accuracy <= 1.0", "test"),
]


def frame(n: int, shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(shift, 1, n), rng.normal(0, 1, n)
    return pd.DataFrame({"x1": x1, "x2": x2, "label": (x1 + x2 > 2 * shift).astype(int)})


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """The notebook productionized (golden tests run), outside any test's store."""
    from nbops.productionize import productionize

    workspace = tmp_path_factory.mktemp("retrain")
    frame(600, 0.0, 1).to_parquet(workspace / "train.parquet")
    nb = new_notebook(cells=[new_code_cell(src, metadata={"tags": [tag]}) for src, tag in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, workspace / "churn.ipynb")
    saved = os.environ.get("NBOPS_HOME")
    os.environ["NBOPS_HOME"] = str(workspace / ".nbops")
    try:
        result = productionize(workspace / "churn.ipynb", workspace / "churn_pipeline")
    finally:
        os.environ.pop("NBOPS_HOME") if saved is None else os.environ.__setitem__("NBOPS_HOME", saved)
    assert result.ok, [d.format() for d in result.diagnostics]
    return Path(result.package_dir)


@pytest.fixture
def trained(package, project, store):
    """churn v1, trained by the package's CLI on the training data: its reference is the drift baseline."""
    env = {**os.environ, "NBOPS_HOME": str(store.root), "PYTHONPATH": str(package / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "churn_pipeline", "run"],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert store.models.version("churn")["version"] == 1
    return package


def rule(package, **action) -> AlertRule:
    return AlertRule(
        "tier",
        2.0,
        name="retrain on drift",
        retrain=retrain_from_json({"package": str(package), "param": "data_path", **action}),
    )


def test_a_drift_alert_retrains_and_links_the_new_version_to_the_alert(trained, store):
    add_alert_rule(store, "churn", rule(trained))
    shifted = frame(500, 2.0, 2)
    report = nbops.check_drift("churn", shifted, window="2024-W19", store=store)
    (alert,) = report.summary["alerts"]
    (queued,) = report.summary["retrains"]
    assert queued["status"] == "queued" and queued["run_id"] is None  # the check itself trains nothing
    (retrain,) = run_pending(store)
    assert retrain["status"] == "succeeded", retrain["reason"]
    assert (retrain["model"], retrain["model_version"]) == ("churn", 2)
    event_id = retrain["event_id"]
    assert (
        store.reader().execute("SELECT rule FROM drift_alert_events WHERE id = ?", (event_id,)).fetchone()[0]
        == alert["rule"]
        == "retrain on drift"
    )
    # The pipeline trained on the drifted window: the file nbops wrote holds exactly its rows.
    run = nbops.get_run(retrain["run_id"])
    data_file = Path(run["params"]["data_path"])
    assert data_file == Path(retrain["data_path"]) and data_file.is_relative_to(store.root / "retrain")
    pd.testing.assert_frame_equal(pd.read_parquet(data_file), shifted)
    assert run["tags"]["nbops.retrain"] == str(retrain["id"]) and run["status"] == "finished"
    assert store.models.version("churn", 2)["run_id"] == run["id"]
    # The audit trail says why v2 exists.
    (event,) = [e for e in store.models.events.of_model("churn") if e["kind"] == "retrained"]
    assert (event["version"], event["alert_event_id"]) == (2, event_id)
    assert event["detail"]["run_id"] == run["id"] and "drift alert" in event["reason"]


def test_the_rate_limit_suppresses_a_second_retrain_and_says_why(trained, store):
    add_alert_rule(store, "churn", rule(trained, every_minutes=30))
    first = nbops.check_drift("churn", frame(500, 2.0, 3), window="W1", store=store).summary["retrains"]
    second = nbops.check_drift("churn", frame(500, 2.5, 4), window="W2", store=store).summary["retrains"]
    assert first[0]["status"] == "queued"  # a queued retrain counts for the rate limit
    assert [r["status"] for r in run_pending(store)] == ["succeeded"]
    assert second[0]["status"] == "suppressed" and second[0]["run_id"] is None
    assert f"(retrain {first[0]['id']})" in second[0]["reason"]
    assert "at most once every 30 min" in second[0]["reason"]
    assert sorted(v["version"] for v in store.models.versions("churn")) == [1, 2]  # no third training


def test_a_failing_retrain_is_an_alert_of_its_own(trained, store):
    # The package reads parquet; a CSV file makes its load step fail, as a broken pipeline would.
    add_alert_rule(store, "churn", rule(trained, format="csv"))
    nbops.check_drift("churn", frame(500, 2.0, 5), window="W1", store=store)
    (retrain,) = run_pending(store)
    assert retrain["status"] == "failed" and "python -m churn_pipeline run exited with" in retrain["reason"]
    failure = (
        store.reader()
        .execute("SELECT * FROM drift_alert_events WHERE id = ?", (retrain["failure_event_id"],))
        .fetchone()
    )
    assert failure["rule"] == "retrain on drift: retrain failed" and failure["seen_at"] is None
    assert f"retrain after alert {retrain['event_id']}" in failure["message"]
    assert [v["version"] for v in store.models.versions("churn")] == [1]


def test_nbops_drift_check_retrains_from_the_window_files(trained, store, project):
    add_alert_rule(store, "churn", rule(trained))
    shifted = frame(400, 2.0, 6)
    shifted.iloc[:200].to_csv(project / "a.csv", index=False)
    shifted.iloc[200:].to_csv(project / "b.csv", index=False)
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("nbops")),
            "drift",
            "check",
            "--reference",
            "churn",
            "--current",
            str(project / "*.csv"),
            "--window",
            "W7",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (queued,) = json.loads(done.stdout)["retrains"]
    assert queued["status"] == "queued"
    pending = subprocess.run(
        [str(Path(sys.executable).with_name("nbops")), "retrain", "pending", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pending.returncode == 0, pending.stderr
    (retrain,) = json.loads(pending.stdout)
    assert retrain["status"] == "succeeded" and retrain["model_version"] == 2
    # Both files, streamed into one parquet file of the window's rows.
    pd.testing.assert_frame_equal(
        pd.read_parquet(retrain["data_path"]), shifted.reset_index(drop=True), check_dtype=False
    )


@pytest.mark.parametrize(
    "body, message",
    [
        ({"param": "data_path"}, "retrain package None is not valid"),
        ({"package": "nowhere", "param": "data_path"}, "is not a package nbops productionized"),
        ({"package": "PKG", "param": "rows"}, "retrain param 'rows' is not a parameter of package"),
        ({"package": "PKG", "param": ["data_path"]}, "retrain param ['data_path'] is not a parameter of package"),
        ({"package": "a\x00b", "param": "data_path"}, "retrain package 'a\\x00b' is not a valid path"),
        ({"package": "PKG", "param": "data_path", "target": "spark"}, "use one of ['local', 'airflow', 'kfp']"),
        ({"package": "PKG", "param": "data_path", "every_minutes": -1}, "every_minutes -1 is not valid"),
        ({"package": "PKG", "param": "data_path", "params": {"rows": "9"}}, "params ['rows'] are not parameters of"),
        ({"package": "PKG", "param": "data_path", "when": 1}, "unknown fields ['when']"),
    ],
)
def test_bad_retrain_actions_name_the_field_and_what_is_valid(package, body, message):
    body = {k: str(package) if v == "PKG" else v for k, v in body.items()}
    with pytest.raises(InvalidValueError, match=None) as caught:
        retrain_from_json(body)
    assert message in str(caught.value)
    if "not a parameter" in message:
        assert "['C', 'data_path']" in str(caught.value)
