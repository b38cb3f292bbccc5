"""The package as an Airflow 3 DAG: ``airflow dags test`` in Airflow's own virtualenv, on a SQLite
metadata database, with a changed parameter; every step output equals a plain ``python -m PKG run``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from airflow_venv import ensure_venv
from step_outputs import OUTPUTS, ROOT, assert_one_tracked_run, assert_same_outputs, run_module


@pytest.fixture(scope="module")
def airflow_python():
    try:
        return ensure_venv()
    except (subprocess.CalledProcessError, OSError) as exc:
        if os.environ.get("CI") == "true":
            raise  # CI installs it (.ci/install-airflow): missing is a failure there
        pytest.skip(f"cannot create Airflow's virtualenv: {exc}")


def _airflow(python, home, *args, **env):
    variables = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        **env,
    }
    return subprocess.run(
        [str(python), "-m", "airflow", *args],
        env={**os.environ, **variables},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_dag_test_with_a_changed_parameter_matches_the_plain_cli(orchestrated, airflow_python, tmp_path):
    pkg = orchestrated.package
    plain = run_module(orchestrated, pkg, "run", "-p", "n_estimators=7", "--cache", tmp_path / "cache", cwd=tmp_path)
    home = tmp_path / "airflow"
    (home / "dags").mkdir(parents=True)
    shutil.copy(f"{orchestrated.package_dir}/airflow_dag.py", home / "dags")
    # an object-store URI (fsspec's local driver): the path a bucket takes, checked without one;
    # nbops importable in the tasks (its source on the path), so the DAG run logs one nbops run
    env = {
        "PYTHONPATH": os.pathsep.join([f"{orchestrated.package_dir}/src", str(ROOT / "src")]),
        "NBOPS_TRACKING": "1",
        "NBOPS_HOME": str(tmp_path / ".nbops"),
        f"{pkg.upper()}_AIRFLOW_STORAGE": (tmp_path / "storage").as_uri(),
    }
    for args in (("db", "migrate"), ("dags", "reserialize"), ("dags", "test", pkg, "-c", '{"n_estimators": 7}')):
        done = _airflow(airflow_python, home, *args, **env)
        assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    assert "state=success" in done.stdout + done.stderr
    (run,) = (tmp_path / "storage").iterdir()  # one folder per DAG run, one per step inside
    assert sorted(p.name for p in run.iterdir()) == ["evaluate", "features", "load", "train"]
    assert assert_same_outputs(tmp_path / "cache", lambda step, name: run / step) == OUTPUTS
    assert json.loads(plain.stdout)["params"]["n_estimators"] == 7
    assert_one_tracked_run(tmp_path / ".nbops", json.loads(plain.stdout), runner="airflow")


def test_dag_file_declares_typed_params_and_the_schedule_option(orchestrated):
    text = open(f"{orchestrated.package_dir}/airflow_dag.py").read()
    assert "from airflow.sdk import Param, dag, get_current_context, task" in text
    assert "'n_estimators': Param(20, type='integer')" in text and "'test_size': Param(0.25, type='number')" in text
    assert f'SCHEDULE = os.environ.get("{orchestrated.package.upper()}_AIRFLOW_SCHEDULE") or None' in text
    assert text.count("@task(task_id=") == 6  # a task per step, and nbops_start / nbops_end
    assert "[load_out, features_out, train_out, evaluate_out] >> nbops_end(nbops_run)" in text
