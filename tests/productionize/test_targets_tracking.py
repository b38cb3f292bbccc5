"""The generated package's hand-off of one nbops run between an orchestrator's tasks, each task a
fresh process as on KFP or Airflow: a step that fails ends the run failed, with its params."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def task(result, code: str, home: Path, status: int = 0) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(result.package_dir) / "src"),
        "NBOPS_TRACKING": "1",
        "NBOPS_HOME": str(home),
    }
    prelude = f"from {result.package} import pipeline\nfrom {result.package}.params import Params\n"
    done = subprocess.run([sys.executable, "-c", prelude + code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == status, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr


def test_a_failing_step_ends_the_run_failed_and_the_run_keeps_what_came_before(orchestrated, tmp_path):
    from nbops.store import open_store

    home, out = tmp_path / ".nbops", tmp_path / "outputs"
    params = "Params(test_size=5.0)"  # train_test_split refuses a test_size above 1: the train step fails
    run_id = task(orchestrated, f"print(pipeline.start_tracking({params}, runner='test'))", home)
    task(
        orchestrated,
        f"pipeline.run_step('load', {params}, {{}}, {{'raw': {str(out / 'load')!r}}}, run_id={run_id!r})",
        home,
    )
    task(
        orchestrated,
        f"pipeline.run_step('features', {params}, {{'raw': {str(out / 'load')!r}}}, "
        f"{{'data': {str(out / 'features')!r}}}, run_id={run_id!r})",
        home,
    )
    assert open_store(home).runs.get(run_id)["status"] == "running"  # handed on between the tasks
    error = task(
        orchestrated,
        f"pipeline.run_step('train', {params}, {{'data': {str(out / 'features')!r}}}, "
        "{}, run_id=" + repr(run_id) + ")",
        home,
        status=1,
    )
    assert "test_size" in error
    (run,) = open_store(home).runs.search().runs
    assert run["id"] == run_id and run["status"] == "failed"
    assert run["params"]["test_size"] == "5.0" and run["tags"]["pipeline.runner"] == "test"
    assert run["metrics"] == {}
