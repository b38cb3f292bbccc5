"""Idempotent, incremental and resumable pushes against a real MLflow server."""

from __future__ import annotations

import pytest

import nbops
from nbops.mlflow_sync import push

POINTS = 10_000


def log_run(experiment: str, points: int = POINTS, end: bool = True):
    run = nbops.start_run(experiment, capture_provenance=False)
    for step in range(points):
        run.log_metric("loss", 1.0 / (step + 1), step=step)
    if end:
        run.end()
    else:
        run._buffer.flush()
    return run


def remote_runs(client, experiment: str, deleted: bool = False):
    from mlflow.entities import ViewType

    exp = client.get_experiment_by_name(experiment)
    return client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL if deleted else ViewType.ACTIVE_ONLY)


def steps_of(client, remote_id: str, key: str = "loss") -> list[int]:
    return sorted(m.step for m in client.get_metric_history(remote_id, key))


def test_push_twice_duplicates_nothing_and_a_third_push_sends_only_what_is_new(
    project, mlflow_server, client, experiment_name
):
    live = log_run(experiment_name, end=False)  # still running at the first push
    done = log_run(experiment_name)
    store = nbops.store()
    first = push(store, mlflow_server.uri)
    assert first.points == 2 * POINTS and not first.failed

    seen = mlflow_server.requests_seen()
    second = push(store, mlflow_server.uri)
    assert mlflow_server.requests_seen() - seen == 2
    assert [r.action for r in second.runs] == ["unchanged", "unchanged"]
    assert second.points == 0
    assert second.requests == 2  # the reachability check and the experiment lookup: nothing per run
    runs = remote_runs(client, experiment_name)
    assert len(runs) == 2
    assert all(steps_of(client, r.info.run_id) == list(range(POINTS)) for r in runs)

    for step in range(POINTS, POINTS + 500):
        live.log_metric("loss", 0.0, step=step)
    live.log_artifact(b"late", name="late.txt")
    live.end()
    seen = mlflow_server.requests_seen()
    third = push(store, mlflow_server.uri)
    sent = mlflow_server.requests_seen() - seen
    by_id = {r.id: r for r in third.runs}
    assert by_id[done.id].action == "unchanged"
    assert (by_id[live.id].action, by_id[live.id].points, by_id[live.id].artifacts) == ("updated", 500, 1)
    # check + experiment + get_run + one log_batch + the artifact + the end status
    assert third.requests == 6
    assert sent == 6, f"the server answered {sent} requests"
    remote = next(r for r in remote_runs(client, experiment_name) if r.data.tags["nbops.run_id"] == live.id)
    assert steps_of(client, remote.info.run_id) == list(range(POINTS + 500))
    assert remote.info.status == "FINISHED"


def test_a_push_cut_by_a_server_crash_resumes_with_no_duplicate_or_missing_point(
    project, mlflow_server, client, experiment_name
):
    runs = [log_run(experiment_name) for _ in range(3)]
    store = nbops.store()
    batches = []

    def crash_after_four_batches(run_id: str, points: int) -> None:
        batches.append(points)
        if len(batches) == 4:
            mlflow_server.kill()

    try:
        cut = push(store, mlflow_server.uri, workers=2, after_batch=crash_after_four_batches)
    finally:
        if mlflow_server.process is None:
            mlflow_server.start()
    assert cut.failed, "the crash must be reported"
    assert all("cannot reach the MLflow server at " + mlflow_server.uri in r.error for r in cut.failed)
    assert 0 < cut.points < 3 * POINTS
    states = store.sync.states(r.id for r in runs)
    assert {states[r.id]["state"] for r in cut.failed} == {"failed"}

    resumed = push(store, mlflow_server.uri)
    assert not resumed.failed
    assert cut.points + resumed.points == 3 * POINTS
    remote = remote_runs(client, experiment_name)
    assert sorted(r.data.tags["nbops.run_id"] for r in remote) == sorted(r.id for r in runs)
    for run in remote:
        assert steps_of(client, run.info.run_id) == list(range(POINTS))
        assert run.info.status == "FINISHED"
    assert {s["state"] for s in store.sync.states(r.id for r in runs).values()} == {"pushed"}


def test_a_run_deleted_on_the_server_is_reported_and_never_recreated(
    project, mlflow_server, client, experiment_name, capsys
):
    from nbops.cli import main

    run = log_run(experiment_name, points=10)
    store = nbops.store()
    push(store, mlflow_server.uri)
    [remote] = remote_runs(client, experiment_name)
    client.delete_run(remote.info.run_id)
    store.runs.set_tags(run.id, {"reviewed": "yes"})

    assert main(["mlflow", "push", mlflow_server.uri]) == 1
    err = capsys.readouterr().err
    assert f"MLflow run {remote.info.run_id} was deleted on the server at {mlflow_server.uri}" in err
    assert remote_runs(client, experiment_name) == []
    assert len(remote_runs(client, experiment_name, deleted=True)) == 1
    state = store.sync.states([run.id])[run.id]
    assert state["state"] == "failed" and "deleted on the server" in state["error"]


@pytest.mark.parametrize("since, selected", [("1h", 1), ("2999-01-01", 0)])
def test_since_and_dry_run_select_runs_without_contacting_the_server(project, capsys, since, selected):
    from nbops.cli import main

    log_run("dry", points=5)
    assert main(["mlflow", "push", "http://127.0.0.1:9", "--dry-run", "--since", since]) == 0
    out = capsys.readouterr().out
    assert out.count("would create (5 points") == selected
    assert f"would push {selected} run(s) to http://127.0.0.1:9" in out
