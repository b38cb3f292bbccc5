import json
import math
import sqlite3

import pytest

import nbops
from nbops.errors import ConflictError, InvalidMetricError, InvalidValueError, NotFoundError


def test_a_run_as_context_manager_records_params_metrics_and_status(project):
    with nbops.start_run("churn", name="baseline", params={"lr": 0.1, "layers": [64, 32]}, tags={"team": "ds"}) as run:
        for step in range(5):
            nbops.log_metric("loss", 1.0 / (step + 1))
        nbops.log_metrics({"auc": 0.9, "f1": 0.8})
    info = nbops.get_run(run.id)
    assert info["status"] == "finished"
    assert info["params"] == {"lr": "0.1", "layers": "[64, 32]"}
    assert info["tags"] == {"team": "ds"}
    assert info["metrics"] == {"loss": 0.2, "auc": 0.9, "f1": 0.8}
    history = nbops.store().metrics.history(run.id, "loss")
    assert [step for step, _, _ in history] == [0, 1, 2, 3, 4]


def test_an_exception_marks_the_run_failed_and_propagates(project):
    with pytest.raises(ZeroDivisionError), nbops.start_run("churn") as run:
        1 / 0
    assert nbops.get_run(run.id)["status"] == "failed"


def test_runs_nest_and_functions_act_on_the_innermost(project):
    with nbops.start_run("tuning") as parent:
        with nbops.start_run("tuning", name="trial-1") as child:
            nbops.log_metric("score", 3)
        nbops.log_metric("best", 3)
    assert nbops.get_run(child.id)["parent_id"] == parent.id
    assert nbops.get_run(child.id)["metrics"] == {"score": 3.0}
    assert nbops.get_run(parent.id)["metrics"] == {"best": 3.0}


def test_nan_and_inf_are_stored_faithfully(project):
    with nbops.start_run("numbers") as run:
        nbops.log_metric("x", float("nan"))
        nbops.log_metric("x", float("inf"))
        nbops.log_metric("y", float("-inf"))
        nbops.log_metric("z", float("nan"))
    values = [v for _, v, _ in nbops.store().metrics.history(run.id, "x")]
    assert math.isnan(values[0]) and values[1] == math.inf
    metrics = nbops.get_run(run.id)["metrics"]
    assert metrics["y"] == -math.inf and math.isnan(metrics["z"])


def test_numpy_scalars_are_metrics_and_text_is_a_clear_type_error(project):
    np = pytest.importorskip("numpy")
    with nbops.start_run("types") as run:
        nbops.log_metric("acc", np.float32(0.5))
        nbops.log_metric("n", np.int64(3))
        with pytest.raises(InvalidMetricError, match="metric 'acc' got str 'high'") as caught:
            nbops.log_metric("acc", "high")
        assert isinstance(caught.value, TypeError)
        with pytest.raises(InvalidValueError, match="step 1.5"):
            nbops.log_metric("acc", 1.0, step=1.5)
    assert nbops.get_run(run.id)["metrics"] == {"acc": 0.5, "n": 3.0}


def test_logging_without_a_run_or_after_its_end_says_what_to_do(project):
    with pytest.raises(ConflictError, match="start_run"):
        nbops.log_metric("loss", 1.0)
    run = nbops.start_run("x")
    nbops.end_run()
    with pytest.raises(ConflictError, match="has ended"):
        run.log_metric("loss", 1.0)
    with pytest.raises(InvalidValueError, match="run status 'done'"):
        nbops.start_run("x").end("done")


def test_artifacts_are_content_addressed(project):
    (project / "report.txt").write_text("hello")
    with nbops.start_run("files") as run:
        first = nbops.log_artifact(project / "report.txt")
        second = nbops.log_artifact(b"hello", name="copy/report.txt")
        with pytest.raises(InvalidValueError, match="inside the run"):
            nbops.log_artifact(b"x", name="../escape.txt")
        with pytest.raises(InvalidValueError, match="not a readable file"):
            nbops.log_artifact(project / "missing.txt")
    assert first["sha256"] == second["sha256"]
    blob = project / ".nbops" / "blobs" / first["sha256"][:2] / first["sha256"][2:]
    assert blob.read_text() == "hello"
    assert [a["path"] for a in nbops.store().artifacts.list(run.id)] == ["copy/report.txt", "report.txt"]


def test_figures_are_stored_as_plotly_json_or_png(project):
    go = pytest.importorskip("plotly.graph_objects")
    with nbops.start_run("figures"):
        item = nbops.log_figure(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), name="curve")
        with pytest.raises(InvalidValueError, match="plotly Figure or a matplotlib"):
            nbops.log_figure("not a figure")
    assert item["path"] == "curve.plotly.json"
    assert item["media_type"] == "application/vnd.plotly.v1+json"


def test_datasets_are_described_not_copied(project):
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    frame = pd.DataFrame({"age": [31, 45, 27], "plan": ["a", "b", "a"]})
    with nbops.start_run("data") as run:
        dataset_id = nbops.log_dataset(frame, "customers")
        same = nbops.log_dataset(frame.copy(), "customers", role="validation")
        changed = nbops.log_dataset(frame.assign(age=[31, 45, 28]), "customers", role="test")
        array_id = nbops.log_dataset(np.zeros((4, 2)), "matrix")
        records_id = nbops.log_dataset([{"a": 1}, {"a": 2, "b": "x"}], "records")
        with pytest.raises(InvalidValueError, match="role 'holdout'"):
            nbops.log_dataset(frame, "customers", role="holdout")
        with pytest.raises(InvalidValueError, match="pass a pandas DataFrame"):
            nbops.log_dataset("a string", "bad")
    datasets = {d["id"]: d for d in nbops.store().datasets.of_run(run.id)}
    assert datasets[dataset_id]["rows"] == 3 and datasets[dataset_id]["columns"] == 2
    assert datasets[dataset_id]["schema"] == [
        {"name": "age", "dtype": "int64"},
        {"name": "plan", "dtype": datasets[dataset_id]["schema"][1]["dtype"]},
    ]
    assert datasets[dataset_id]["digest"] == datasets[same]["digest"] != datasets[changed]["digest"]
    assert datasets[array_id]["rows"] == 4 and datasets[array_id]["columns"] == 2
    assert datasets[records_id]["columns"] == 2


def test_register_model_versions_and_links_run_and_training_data(project):
    pd = pytest.importorskip("pandas")
    with nbops.start_run("churn") as run:
        dataset_id = nbops.log_dataset(pd.DataFrame({"x": [1, 2]}), "train-set")
        v1 = nbops.register_model("churn-model", {"weights": [1, 2, 3]})
    v2 = nbops.register_model("churn-model", {"weights": [4]}, run=run.id, alias="production")
    assert (v1["version"], v2["version"]) == (1, 2)
    assert v1["run_id"] == run.id and v1["dataset_id"] == dataset_id
    assert nbops.store().models.version("churn-model", "production")["version"] == 2
    with pytest.raises(NotFoundError, match="run 'nope'"):
        nbops.register_model("churn-model", {}, run="nope")
    with pytest.raises(InvalidValueError, match="alias 'prod uction'"):
        nbops.register_model("churn-model", {}, alias="prod uction")
    with pytest.raises(InvalidValueError, match="cannot pickle"):
        nbops.register_model("bad", lambda: None)


def test_search_runs_filters_and_sorts(project):
    for i, model in enumerate(["rf", "gb", "rf"]):
        with nbops.start_run("search", params={"model": model}):
            nbops.log_metric("auc", 0.7 + i / 10)
    found = nbops.search_runs("search", filter="params.model = 'rf'", order_by="-metrics.auc")
    assert [round(r["metrics"]["auc"], 2) for r in found] == [0.9, 0.7]


def test_provenance_captures_git_state_python_and_packages(git_project):
    project = git_project
    (project / "train.py").write_text("print(2)\n")
    run = nbops.start_run("prov", capture_provenance=False)
    run.record_provenance(str(project))
    run.end()
    info = nbops.get_run(run.id)
    assert len(info["git_commit"]) == 40 and info["git_dirty"] is True
    provenance = nbops.store().provenance.get(run.id)
    assert "+print(2)" in provenance["git_diff"]
    assert any(p["name"].lower() == "pytest" for p in provenance["packages"])
    assert provenance["python"].startswith("3.")


def test_a_run_started_with_git_and_packages_at_hand_writes_its_provenance_with_its_row(git_project, monkeypatch):
    """A loop of short runs (an autologged fit each) hands no run to the provenance thread once
    the git state and the package list are read: the run's own commit carries them."""
    from nbops.tracking import capture, provenance

    project = git_project

    (project / "train.py").write_text("print(2)\n")
    monkeypatch.setattr(capture, "GIT_CACHE_SECONDS", 600.0)  # a slow host must not let it expire
    with nbops.start_run("prov"):  # reads git and the packages in the provenance thread
        pass
    assert provenance.recorder.wait(60)

    def queued(run, cwd):
        raise AssertionError(f"run {run.id} was handed to the provenance thread")

    monkeypatch.setattr(provenance.recorder, "put", queued)
    with nbops.start_run("prov") as run:
        pass
    conn = sqlite3.connect(project / ".nbops" / "nbops.db")  # what another process sees now
    commit, dirty = conn.execute("SELECT git_commit, git_dirty FROM runs WHERE id = ?", (run.id,)).fetchone()
    assert len(commit) == 40 and dirty == 1
    python, packages, diff = conn.execute(
        "SELECT python, e.packages, git_diff FROM provenance p JOIN environments e ON e.sha256 = p.environment "
        "WHERE run_id = ?",
        (run.id,),
    ).fetchone()
    assert python.startswith("3.") and "+print(2)" in diff
    assert json.loads(packages) == capture.installed_packages()


def test_the_flusher_thread_ends_once_no_run_is_open(project):
    import threading
    import time

    import nbops

    def flushers():
        return [t for t in threading.enumerate() if t.name == "nbops-flusher" and t.is_alive()]

    with nbops.start_run("idle"):
        nbops.log_metric("loss", 1.0)
        assert flushers()
    deadline = time.monotonic() + 10
    while flushers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not flushers()
    with nbops.start_run("idle") as run:  # a new run gets a new flusher and its heartbeat
        nbops.log_metric("loss", 2.0)
        assert flushers()
    assert nbops.get_run(run.id)["metrics"] == {"loss": 2.0}


def test_a_new_run_is_written_within_a_flush_interval_without_any_other_call(project):
    import sqlite3
    import time

    from nbops.tracking.buffer import FLUSH_INTERVAL

    run = nbops.start_run("deferred", params={"lr": 0.1})
    reader = sqlite3.connect(project / ".nbops" / "nbops.db")  # as another process sees it
    deadline = time.monotonic() + FLUSH_INTERVAL + 2.0
    while not reader.execute("SELECT 1 FROM runs WHERE id = ?", (run.id,)).fetchone():
        assert time.monotonic() < deadline, "the run was not written within a flush interval"
        time.sleep(0.05)
    assert reader.execute("SELECT value FROM params WHERE run_id = ?", (run.id,)).fetchall() == [("0.1",)]
    nbops.end_run()


def test_whatever_refers_to_a_new_run_writes_it_first(project):
    parent = nbops.start_run("deferred")
    nbops.set_tags({"stage": "dev"})
    nbops.log_params({"seed": 7})
    child = nbops.start_run("deferred", name="child")
    assert nbops.get_run(child.id)["parent_id"] == parent.id
    nbops.end_run()
    nbops.end_run()
    info = nbops.get_run(parent.id)
    assert (info["status"], info["tags"], info["params"]) == ("finished", {"stage": "dev"}, {"seed": "7"})


def test_a_child_run_logs_to_the_store_of_its_parent(project, monkeypatch):
    nbops.start_run("here")
    monkeypatch.setenv("NBOPS_HOME", str(project / "elsewhere" / ".nbops"))
    with pytest.raises(ConflictError, match="nested=False"):
        nbops.start_run("there")
    other = nbops.start_run("there", nested=False)
    nbops.end_run(run=other)
    assert nbops.get_run(other.id)["status"] == "finished"


def test_the_package_list_names_and_versions_each_distribution_as_importlib_metadata_does():
    from importlib.metadata import distributions

    from nbops.tracking import capture

    expected = {}
    for dist in distributions():
        if dist.metadata["Name"]:
            expected[dist.metadata["Name"].lower()] = {"name": dist.metadata["Name"], "version": dist.version}
    assert capture._read_packages() == sorted(expected.values(), key=lambda p: p["name"].lower())


def test_a_run_ends_without_waiting_for_the_package_list_its_provenance_thread_reads(project, monkeypatch):
    """The first run of a process hands its provenance to the thread, which reads the package
    list; it used to read it inside its write transaction, so the run's own end waited for it."""
    import time

    from nbops.tracking import capture, provenance

    def slow_read():
        time.sleep(3.0)
        return [{"name": "slow", "version": "1"}]

    monkeypatch.setattr(capture, "_packages", None)
    monkeypatch.setattr(capture, "_environment", None)
    monkeypatch.setattr(capture, "_read_packages", slow_read)
    run = nbops.start_run("prov")
    time.sleep(0.2)  # the thread is reading the list now
    started = time.perf_counter()
    nbops.end_run()
    assert time.perf_counter() - started < 1.5
    assert provenance.recorder.wait(60)
    assert nbops.store().provenance.get(run.id)["packages"] == [{"name": "slow", "version": "1"}]
