"""The ``airflow`` retrain target against a real Airflow 3 API server (its cached venv, SQLite).

The server starts once for the module (db migrate, DAG serialization, ``airflow api-server``;
~30 s here) with the simple auth manager and one user, so the trigger goes through the same
token exchange and ``POST /api/v2/dags/{dag_id}/dagRuns`` as against a team's Airflow.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nbops
from nbops.drift import AlertRule
from nbops.drift.actions import retrain_from_json
from nbops.drift.persistence import add_alert_rule

sys.path.insert(0, str(Path(__file__).parents[1] / "productionize"))
from airflow_venv import ensure_venv  # noqa: E402

DAG = """
import pendulum
from airflow.sdk import dag, task


@dag(dag_id="churn_pipeline", schedule=None, start_date=pendulum.datetime(2024, 1, 1), params={"data_path": ""})
def churn_pipeline():
    @task
    def train(**context):
        return context["params"]["data_path"]

    train()


churn_pipeline()
"""


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    """(url, user, password) of a running Airflow API server; stopped after the module."""
    try:
        python = ensure_venv()
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot create Airflow's virtualenv: {exc}")
    home = tmp_path_factory.mktemp("airflow")
    (home / "dags").mkdir()
    (home / "dags" / "churn_pipeline.py").write_text(DAG)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "nbops:admin",
    }
    airflow = [str(Path(python).with_name("airflow"))]
    for step in (["db", "migrate"], ["dags", "reserialize"]):
        subprocess.run(airflow + step, env=env, check=True, capture_output=True, timeout=300)
    log = open(home / "api-server.log", "w")
    server = subprocess.Popen(
        airflow + ["api-server", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=2)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (home / "api-server.log").read_text()[
                    -3000:
                ]
                time.sleep(1)
        password = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())["nbops"]
        yield url, "nbops", password
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def package(project) -> Path:
    """The parts of a productionized package a retrain reads for Airflow: its manifest and params."""
    folder = project / "churn_pipeline"
    (folder / "src" / "churn_pipeline").mkdir(parents=True)
    (folder / ".nbops-package.json").write_text('{"generator": "nbops", "package": "churn_pipeline", "files": []}')
    (folder / "src" / "churn_pipeline" / "params.py").write_text("_SPECS = {'data_path': ('str', False)}\n")
    return folder


def frame(n, shift, seed):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x1": rng.normal(shift, 1, n), "x2": rng.normal(0, 1, n)})


def dag_run(url, user, password, run_id) -> dict:
    token = _json(f"{url}/auth/token", {"username": user, "password": password})["access_token"]
    request = urllib.request.Request(
        f"{url}/api/v2/dags/churn_pipeline/dagRuns/{run_id}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def _json(url, body):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def test_a_drift_alert_triggers_the_dag_with_the_window_file(airflow, package, store, monkeypatch):
    url, user, password = airflow
    monkeypatch.setenv("NBOPS_AIRFLOW_URL", url)
    monkeypatch.setenv("NBOPS_AIRFLOW_USERNAME", user)
    monkeypatch.setenv("NBOPS_AIRFLOW_PASSWORD", password)
    nbops.log_dataset(frame(1000, 0.0, 1), "events")
    action = retrain_from_json({"package": str(package), "param": "data_path", "target": "airflow", "every_minutes": 0})
    add_alert_rule(store, "events", AlertRule("tier", 2.0, name="retrain", retrain=action))
    (retrain,) = nbops.check_drift("events", frame(500, 2.0, 2), window="W1", store=store).summary["retrains"]
    assert retrain["status"] == "triggered", retrain["reason"]
    assert retrain["target"] == "airflow" and retrain["package"] == "churn_pipeline"
    run = dag_run(url, user, password, retrain["remote_id"])
    assert run["conf"] == {"data_path": retrain["data_path"]} and run["triggered_by"] == "rest_api"
    assert run["triggering_user_name"] == user
    pd.testing.assert_frame_equal(pd.read_parquet(retrain["data_path"]), frame(500, 2.0, 2))

    # Refused credentials: the retrain fails, and says so in an alert of its own.
    monkeypatch.setenv("NBOPS_AIRFLOW_PASSWORD", "wrong")
    (failed,) = nbops.check_drift("events", frame(500, 2.5, 3), window="W2", store=store).summary["retrains"]
    assert failed["status"] == "failed" and f"Airflow at {url} refused" in failed["reason"]
    assert "HTTP 401" in failed["reason"]
    message = (
        store.reader()
        .execute("SELECT message FROM drift_alert_events WHERE id = ?", (failed["failure_event_id"],))
        .fetchone()[0]
    )
    assert "refused the DAG run of 'churn_pipeline'" in message
