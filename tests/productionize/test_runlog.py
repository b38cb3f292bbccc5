"""The generated package's ``tracking.py`` (``runlog``): one run per pipeline run, steps join it,
tracking off makes the calls no-ops, and nbops's own functions are restored afterwards."""

import sys
import warnings

import pytest

import nbops
from nbops.productionize import runlog


@pytest.fixture
def store_home(tmp_path, monkeypatch):
    monkeypatch.setenv("NBOPS_HOME", str(tmp_path / ".nbops"))
    monkeypatch.delenv("NBOPS_TRACKING", raising=False)
    return tmp_path / ".nbops"


def test_a_step_start_run_joins_the_pipeline_run_and_does_not_end_it(store_home):
    original = nbops.start_run
    with runlog.track_run("exp", {"a": 1}, package="pkg", version="1.2.0", notebook="nb.ipynb") as log:
        with nbops.start_run("other", params={"a": 2, "b": 3}, tags={"k": "v"}) as joined:
            nbops.log_metric("loss", 0.5)
            joined.log_metric("acc", 0.9)
        nbops.end_run()  # a notebook's explicit end: the pipeline ends its run itself
        assert nbops.active_run() is not None
        nbops.log_metric("after", 1.0)
        log({"final": 2.0, "loss": 0.7})  # a metrics-cell value the step logged already is not logged twice
    assert nbops.start_run is original and nbops.active_run() is None
    (run,) = nbops.search_runs()
    assert run["experiment"] == "exp" and run["name"] == "pkg" and run["status"] == "finished"
    assert run["params"] == {"a": "1", "b": "3"}  # the pipeline's value of a wins
    assert run["metrics"] == {"loss": 0.5, "acc": 0.9, "after": 1.0, "final": 2.0}
    assert [point[1] for point in nbops.store().metrics.history(run["id"], "loss")] == [0.5]
    assert run["tags"]["k"] == "v" and run["tags"]["pipeline.version"] == "1.2.0"


def test_a_failing_step_fails_the_run(store_home):
    with pytest.raises(ZeroDivisionError), runlog.track_run("exp", {}, package="pkg"):
        1 / 0
    assert [r["status"] for r in nbops.search_runs()] == ["failed"]


def test_tracking_off_makes_every_call_a_no_op_and_restores_them(store_home):
    saved = {name: getattr(nbops, name) for name in runlog.API}
    with runlog.track_run("exp", {}, enabled=False), nbops.start_run("exp") as run:
        run.log_metric("x", 1)
        nbops.log_metric("x", 1)
        assert nbops.register_model("m", object()) is None
        assert nbops.check_drift("m", [1, 2]) is None
    assert {name: getattr(nbops, name) for name in runlog.API} == saved
    assert not store_home.exists()


def test_without_nbops_a_shim_stands_in_and_warns_once(monkeypatch):
    monkeypatch.setitem(sys.modules, "nbops", None)  # import nbops raises ImportError
    monkeypatch.setattr(runlog, "_warned", False)
    runlog.install_shim()
    shim = sys.modules["nbops"]
    assert getattr(shim, runlog.SHIM_FLAG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with runlog.track_run("exp", {}):
            with shim.start_run("exp"):
                shim.log_metric("x", 1)
            shim.register_model("m", object())
    assert [str(w.message) for w in caught] == [
        "nbops is not installed: this run is not tracked and the steps' nbops calls do nothing"
    ]
