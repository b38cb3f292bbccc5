"""Round trip through a real MLflow server: log locally -> push -> MlflowClient sees every
field -> pull into an empty store -> nbops sees every field."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from nbops.mlflow_sync import mapping, pull, push
from nbops.store import open_store

KEYS = {"loss": 4000, "accuracy": 3000, "lr": 3000}  # 10,000 points over 3 keys
LONG = "feature_" * 1000  # 8,000 characters: more than MLflow's 6,000


def log_everything(experiment: str):
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    import nbops

    with nbops.start_run(
        experiment,
        name="parent",
        params={"lr": 0.01, "layers": 3, "optimizer": "adam", "features": LONG},
        capture_provenance=False,
    ) as run:
        for key, count in KEYS.items():
            for step in range(count):
                nbops.log_metric(key, math.sin(step / 100) + len(key), step=step)
        nbops.set_tags({"team": "churn", "stage": "baseline"})
        run.log_artifact(b"id,label\n1,0\n", name="data/sample.csv")
        run.log_figure(go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2])), name="loss-curve")
        frame = pd.DataFrame({"age": np.arange(50), "plan": ["a", "b"] * 25})
        run.log_dataset(frame, "train-set", role="train")
        run.register_model(f"{experiment}-model", {"weights": [1, 2, 3]}, alias="production")
        with nbops.start_run(experiment, name="child", params={"fold": 1}, capture_provenance=False) as child:
            nbops.log_metric("fold_auc", 0.8, step=0)
    store = nbops.store()
    store.runs.set_note(run.id, "Baseline with **all** features.")
    store.runs.set_git(run.id, "0123456789abcdef0123456789abcdef01234567", "main", False)
    return store, run.id, child.id


@pytest.fixture(scope="module")
def pushed(mlflow_server, tmp_path_factory):
    import os

    project = tmp_path_factory.mktemp("round-trip")
    old = os.environ.get("NBOPS_HOME")
    os.environ["NBOPS_HOME"] = str(project / ".nbops")
    try:
        experiment = "round-trip"
        store, parent, child = log_everything(experiment)
        report = push(store, mlflow_server.uri)
    finally:
        if old is None:
            os.environ.pop("NBOPS_HOME", None)
        else:
            os.environ["NBOPS_HOME"] = old
    return {
        "store": store,
        "parent": parent,
        "child": child,
        "report": report,
        "experiment": experiment,
        "project": project,
    }


def remote_of(client, experiment: str, run_id: str):
    exp = client.get_experiment_by_name(experiment)
    found = client.search_runs([exp.experiment_id], f"tags.`nbops.run_id` = '{run_id}'")
    assert len(found) == 1, f"{len(found)} MLflow runs carry nbops id {run_id}"
    return found[0]


def test_push_reports_each_run_created(pushed):
    report = pushed["report"]
    assert [r.action for r in report.runs] == ["created", "created"]
    assert report.points == 10_000 + 1
    assert not report.failed


def test_mlflow_sees_run_fields_as_tags(pushed, client):
    store, parent = pushed["store"], pushed["parent"]
    local = store.runs.get(parent)
    remote = remote_of(client, pushed["experiment"], parent)
    assert remote.info.status == "FINISHED"
    assert remote.info.start_time == round(local["start_time"] * 1000)
    assert remote.info.end_time == round(local["end_time"] * 1000)
    assert remote.info.run_name == "parent"
    tags = remote.data.tags
    assert tags["mlflow.user"] == local["user"]
    assert tags["mlflow.source.git.commit"] == "0123456789abcdef0123456789abcdef01234567"
    assert tags["mlflow.source.git.branch"] == "main"
    assert tags["mlflow.note.content"] == "Baseline with **all** features."
    assert tags["nbops.run_id"] == parent
    assert tags["team"] == "churn" and tags["stage"] == "baseline"


def test_mlflow_sees_params_and_long_param_as_artifact(pushed, client):
    remote = remote_of(client, pushed["experiment"], pushed["parent"])
    params = remote.data.params
    assert params["lr"] == "0.01" and params["layers"] == "3" and params["optimizer"] == "adam"
    assert len(params["features"]) <= 6000
    assert params["features"].endswith(f"artifact {mapping.param_artifact('features')}]")
    assert params["features"].startswith("feature_feature_")
    path = client.download_artifacts(remote.info.run_id, mapping.param_artifact("features"), str(pushed["project"]))
    assert open(path).read() == LONG


def test_mlflow_sees_every_metric_point(pushed, client):
    store, parent = pushed["store"], pushed["parent"]
    remote = remote_of(client, pushed["experiment"], parent)
    for key, count in KEYS.items():
        history = sorted(client.get_metric_history(remote.info.run_id, key), key=lambda m: m.step)
        local = store.metrics.history(parent, key)
        assert len(history) == count
        assert [(m.step, m.value, m.timestamp) for m in history] == [(s, v, round(t * 1000)) for s, v, t in local]


def test_mlflow_sees_child_run_artifacts_dataset_and_model(pushed, client):
    parent = remote_of(client, pushed["experiment"], pushed["parent"])
    child = remote_of(client, pushed["experiment"], pushed["child"])
    assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert child.data.params == {"fold": "1"}
    paths = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"data", "loss-curve.plotly.json", "nbops"} <= paths
    sample = client.download_artifacts(parent.info.run_id, "data/sample.csv", str(pushed["project"]))
    assert open(sample, "rb").read() == b"id,label\n1,0\n"
    [dataset_input] = parent.inputs.dataset_inputs
    local_dataset = pushed["store"].datasets.of_run(pushed["parent"])[0]
    assert dataset_input.dataset.name == "train-set"
    assert dataset_input.dataset.digest == local_dataset["digest"][:36]
    assert '"num_rows": 50' in dataset_input.dataset.profile
    assert "age" in dataset_input.dataset.schema and "plan" in dataset_input.dataset.schema
    assert [(t.key, t.value) for t in dataset_input.tags] == [("mlflow.data.context", "training")]
    model = client.get_registered_model(f"{pushed['experiment']}-model")
    assert model.aliases == {"production": "1"}
    version = client.get_model_version(model.name, "1")
    assert version.run_id == parent.info.run_id
    assert version.tags["nbops.sha256"] == pushed["store"].models.version(model.name)["artifact_sha256"]


def test_pull_into_an_empty_store_gives_every_field_back(pushed, mlflow_server, tmp_path):
    source, parent, child = pushed["store"], pushed["parent"], pushed["child"]
    target = open_store(tmp_path / "colleague" / ".nbops")
    report = pull(target, mlflow_server.uri, experiments=[pushed["experiment"]])
    assert sorted(report.created) == sorted([parent, child])
    assert report.points == 10_001
    mine, theirs = source.runs.get(parent), target.runs.get(parent)
    for field in (
        "experiment",
        "name",
        "status",
        "user",
        "notebook_path",
        "git_commit",
        "git_branch",
        "git_dirty",
        "note",
        "params",
        "tags",
    ):
        assert theirs[field] == mine[field], field
    for field in ("start_time", "end_time"):
        assert theirs[field] == pytest.approx(mine[field], abs=1e-3)
    assert theirs["metrics"] == mine["metrics"]
    assert target.runs.get(child)["parent_id"] == parent
    for key in KEYS:
        got = target.metrics.history(parent, key)
        want = source.metrics.history(parent, key)
        assert [(s, v) for s, v, _ in got] == [(s, v) for s, v, _ in want]
        assert all(abs(a[2] - b[2]) < 1e-3 for a, b in zip(got, want))
    strip = lambda items: [{k: a[k] for k in ("path", "sha256", "size", "media_type")} for a in items]  # noqa: E731
    assert strip(target.artifacts.list(parent)) == strip(source.artifacts.list(parent))
    fields = ("name", "role", "digest", "rows", "columns", "schema")
    assert [{k: d[k] for k in fields} for d in target.datasets.of_run(parent)] == [
        {k: d[k] for k in fields} for d in source.datasets.of_run(parent)
    ]
    name = f"{pushed['experiment']}-model"
    got, want = target.models.version(name, "production"), source.models.version(name, "production")
    assert (got["version"], got["run_id"], got["artifact_sha256"], got["flavor"]) == (
        want["version"],
        want["run_id"],
        want["artifact_sha256"],
        want["flavor"],
    )
    # pulling again brings nothing twice
    twice = pull(target, mlflow_server.uri, experiments=[pushed["experiment"]])
    assert (twice.created, twice.points, twice.artifacts, twice.model_versions) == ([], 0, 0, 0)
    assert len(target.metrics.history(parent, "loss")) == KEYS["loss"]
    # pulled runs remember their origin: pushing them back sends nothing
    again = push(target, mlflow_server.uri, experiments=[pushed["experiment"]])
    assert [r.action for r in again.runs] == ["pulled", "pulled"]
    assert again.points == 0 and again.requests <= 3  # the reachability check and the experiment lookup


def test_importing_nbops_does_not_import_mlflow():
    code = "import sys, nbops, nbops.cli, nbops.store; print('mlflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
