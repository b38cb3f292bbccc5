"""The log-batch bodies push builds from SQLite rows: MLflow's limits, every point once in step
order, resuming above a mark, and values JSON cannot hold arriving as MLflow's client sends them."""

from __future__ import annotations

import math

import orjson

import nbops
from nbops.mlflow_sync import batches, push
from nbops.mlflow_sync.batches import log_batches

from .fixtures import require_mlflow_client

require_mlflow_client()

KEYS = {"acc": 700, "loss": 1500, "lr": 1}


def test_the_limits_are_mlflows():
    from mlflow.utils import validation

    assert batches.MAX_METRICS == validation.MAX_METRICS_PER_BATCH
    assert batches.MAX_PARAMS_TAGS == validation.MAX_PARAMS_TAGS_PER_BATCH
    assert batches.MAX_ENTITIES == validation.MAX_ENTITIES_PER_BATCH


def logged_run():
    with nbops.start_run("bodies", capture_provenance=False) as run:
        for key, count in KEYS.items():
            for step in range(count):
                run.log_metric(key, step / 7, step=step)
    return run


def test_bodies_keep_mlflows_limits_and_hold_each_point_once_in_step_order(project):
    run = logged_run()
    params = {f"p{i}": str(i) for i in range(150)}
    tags = {f"t{i}": "x" * i for i in range(120)}
    sent = list(log_batches(nbops.store().reader(), run.id, "remote", params, tags, dict.fromkeys(KEYS)))
    bodies = [orjson.loads(b.body) for b in sent]
    seen: dict[str, list[int]] = {}
    for batch, body in zip(sent, bodies):
        assert body["run_id"] == "remote"
        assert len(body["metrics"]) <= 1000 and len(body["params"]) <= 100 and len(body["tags"]) <= 100
        assert len(body["metrics"]) + len(body["params"]) + len(body["tags"]) <= 1000
        assert set(body["metrics"][0]) == {"key", "value", "timestamp", "step"}
        for point in body["metrics"]:
            seen.setdefault(point["key"], []).append(point["step"])
            assert point["value"] == point["step"] / 7  # the stored double, to the last bit
            assert isinstance(point["timestamp"], int)
        assert batch.points == len(body["metrics"])
        assert batch.steps == {k: max(p["step"] for p in body["metrics"] if p["key"] == k) for k in batch.steps}
    assert seen == {key: list(range(count)) for key, count in KEYS.items()}
    assert [p["key"] for b in bodies for p in b["params"]] == list(params)
    assert {t["key"]: t["value"] for b in bodies for t in b["tags"]} == tags
    assert sum(len(b["metrics"]) for b in bodies) == sum(KEYS.values())
    # 150 params and 120 tags take two bodies' worth of room; the points fill the rest
    assert len(sent) == 3

    # above the marks: only the points after them
    rest = list(log_batches(nbops.store().reader(), run.id, "remote", {}, {}, {"loss": 1200, "acc": 699, "lr": None}))
    points = [(p["key"], p["step"]) for b in rest for p in orjson.loads(b.body)["metrics"]]
    assert points == [("loss", s) for s in range(1201, 1500)] + [("lr", 0)]


def test_nan_and_infinities_reach_mlflow_as_its_client_sends_them(project, mlflow_server, client, experiment_name):
    from mlflow.entities import Metric

    values = [0.0, math.nan, math.inf, -math.inf, 0.1 + 0.2, -1e-300]
    with nbops.start_run(experiment_name, capture_provenance=False) as run:
        for step, value in enumerate(values):
            run.log_metric("odd", value, step=step)
    report = push(nbops.store(), mlflow_server.uri)
    assert not report.failed and report.points == len(values)
    experiment_id = client.get_experiment_by_name(experiment_name).experiment_id
    pushed = client.search_runs([experiment_id])[0].info.run_id
    # the same values logged by MLflow's own client: the server must keep both alike
    theirs = client.create_run(experiment_id).info.run_id
    client.log_batch(theirs, metrics=[Metric("odd", v, 1000, step) for step, v in enumerate(values)])

    def stored(remote_id: str) -> list:
        history = sorted(client.get_metric_history(remote_id, "odd"), key=lambda m: m.step)
        return ["NaN" if math.isnan(m.value) else m.value for m in history]

    assert stored(pushed) == stored(theirs)
    assert stored(pushed)[1] == "NaN" and stored(pushed)[2] > 1e308 and stored(pushed)[3] < -1e308
    history = sorted(client.get_metric_history(pushed, "odd"), key=lambda m: m.step)
    local = {step: ts for step, _, ts in nbops.store().metrics.history(run.id, "odd")}
    assert [m.timestamp for m in history] == [round(local[m.step] * 1000) for m in history]
