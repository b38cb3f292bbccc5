"""Queued local retrains, run as a job of the server extension or by ``nbops retrain pending``.

A drift check queues the retrain (it never trains in the checking process); a real Jupyter
server, or the CLI, claims it and runs a small real package (nbops' manifest, params.py, and a
CLI that reads the window's parquet file and registers a model in the store it is given).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nbops
from nbops.drift import AlertRule
from nbops.drift.actions import retrain_from_json
from nbops.drift.persistence import add_alert_rule
from nbops.governance import retrain, retrain_jobs

MAIN = """
import os, sys, time
import pandas as pd
import nbops

params = dict(arg.removeprefix("--param=").split("=", 1) for arg in sys.argv[2:])
time.sleep(float(params.get("sleep", "0")))
if params.get("fail") == "1":
    sys.exit("error: the training step failed: column 'label' is missing")
df = pd.read_parquet(params["data_path"])
tags = {"pipeline.package": "mini_pipeline", "nbops.retrain": os.environ["NBOPS_RETRAIN_ID"]}
with nbops.start_run("churn", params=params, tags=tags, capture_provenance=False):
    nbops.register_model("churn-model", {"rows": len(df)})
"""
PARAMS = "_SPECS = {'data_path': ('str', False), 'fail': ('bool', False), 'sleep': ('float', False)}\n"
CHECK = """
import sys, pandas as pd, nbops
report = nbops.check_drift("churn", pd.read_parquet(sys.argv[1]), window=sys.argv[2])
print(__import__("json").dumps(report.summary["retrains"]))
"""


def frame(n: int, shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x1": rng.normal(shift, 1, n), "x2": rng.normal(0, 1, n)})


@pytest.fixture
def package(project) -> Path:
    folder = project / "mini_pipeline"
    (folder / "src" / "mini_pipeline").mkdir(parents=True)
    (folder / ".nbops-package.json").write_text('{"generator": "nbops", "package": "mini_pipeline", "files": []}')
    (folder / "src" / "mini_pipeline" / "__init__.py").write_text("")
    (folder / "src" / "mini_pipeline" / "params.py").write_text(PARAMS)
    (folder / "src" / "mini_pipeline" / "__main__.py").write_text(MAIN)
    nbops.log_dataset(frame(1000, 0.0, 1), "churn")
    return folder


def add_rule(store, package: Path, name: str = "retrain on drift", **params) -> None:
    action = {"package": str(package), "param": "data_path", "every_minutes": 0, "params": params}
    add_alert_rule(
        store, "churn", AlertRule("tier", 2.0, features=("x1",), name=name, retrain=retrain_from_json(action))
    )


def queue(store, window: str, shift: float = 2.0) -> list[dict]:
    """A drifted window checked here: its retrains are queued, not run."""
    return nbops.check_drift("churn", frame(300, shift, int(window[1:])), window=window, store=store).summary[
        "retrains"
    ]


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    nbops_cli = str(Path(sys.executable).with_name("nbops"))
    return subprocess.run([nbops_cli, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def jp_server_config(project):
    return {"ServerApp": {"jpserver_extensions": {"nbops": True}}, "NbopsApp": {"retrain_poll_interval": 0.5}}


async def test_the_server_runs_a_retrain_queued_by_another_process(jp_fetch, package, store, project):
    add_rule(store, package)
    shifted = frame(400, 2.0, 7)
    shifted.to_parquet(project / "window.parquet")
    checked = subprocess.run(
        [sys.executable, "-c", CHECK, str(project / "window.parquet"), "W19"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr
    (queued,) = json.loads(checked.stdout)
    assert queued["status"] == "queued" and queued["run_id"] is None  # the checking process trained nothing

    deadline = time.monotonic() + 90
    while True:
        response = await jp_fetch("nbops", "api", "drift", "alerts", params={"subject": "churn"})
        (alert,) = [a for a in json.loads(response.body)["alerts"] if a["window"] == "W19"]
        if alert["retrain"]["status"] not in ("queued", "running") or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.3)
    done = alert["retrain"]
    assert done["status"] == "succeeded", done
    assert (done["model"], done["model_version"]) == ("churn-model", 1) and alert["id"] == queued["event_id"]
    version = store.models.version("churn-model", 1)
    assert version["run_id"] == done["run_id"]
    run = nbops.get_run(done["run_id"])
    assert run["tags"]["nbops.retrain"] == str(done["id"])
    pd.testing.assert_frame_equal(pd.read_parquet(run["params"]["data_path"]), shifted)
    (event,) = [e for e in store.models.events.of_model("churn-model") if e["kind"] == "retrained"]
    assert (event["version"], event["alert_event_id"]) == (1, alert["id"])
    row = store.reader().execute("SELECT runner FROM drift_retrains WHERE id = ?", (done["id"],)).fetchone()
    assert row["runner"] == retrain.runner_id()  # this process hosts the in-process Jupyter server


def test_nbops_retrain_pending_runs_queued_retrains_and_a_failure_is_an_alert(package, store):
    add_rule(store, package)
    add_rule(store, package, name="retrain broken", fail="1")
    queued = queue(store, "W1")
    assert sorted(r["status"] for r in queued) == ["queued", "queued"]
    done = cli("retrain", "pending")
    assert done.returncode == 1, done.stderr  # one of them failed
    by_rule = {r["rule"]: retrain_jobs.outcome(store, r["id"]) for r in queued}
    good, broken = by_rule["retrain on drift"], by_rule["retrain broken"]
    assert good["status"] == "succeeded" and good["model_version"] == 1
    assert f"retrain {good['id']} (alert {good['event_id']}, rule 'retrain on drift') succeeded" in done.stdout
    assert broken["status"] == "failed" and "column 'label' is missing" in broken["reason"]
    assert "column 'label' is missing" in done.stderr
    failure = (
        store.reader()
        .execute("SELECT * FROM drift_alert_events WHERE id = ?", (broken["failure_event_id"],))
        .fetchone()
    )
    assert failure["rule"] == "retrain broken: retrain failed" and failure["seen_at"] is None
    assert f"retrain after alert {broken['event_id']}" in failure["message"]
    again = cli("retrain", "pending")
    assert (again.returncode, again.stdout.strip()) == (0, "no queued retrain")


def test_two_runners_never_run_the_same_retrain(package, store):
    add_rule(store, package)
    ids = [queue(store, f"W{i}", 2.0 + i / 10)[0]["id"] for i in range(3)]
    # Two real processes drain the same queue at once.
    runners = [
        subprocess.Popen(
            [str(Path(sys.executable).with_name("nbops")), "retrain", "pending", "--json"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [json.loads(r.communicate(timeout=120)[0]) for r in runners]
    ran = sorted(r["id"] for output in outputs for r in output)
    assert ran == ids  # each once, by one of them
    rows = [retrain_jobs.outcome(store, i) for i in ids]
    assert {r["status"] for r in rows} == {"succeeded"}
    assert sorted(r["model_version"] for r in rows) == [1, 2, 3]
    runs = store.reader().execute("SELECT value FROM tags WHERE key = 'nbops.retrain' ORDER BY value").fetchall()
    assert sorted(int(r[0]) for r in runs) == ids  # no retrain trained twice
    # A claim is one conditional update: the loser of a race gets nothing.
    (extra,) = queue(store, "W9")
    first = retrain_jobs.claim(store, "host-a:1:0.00")
    assert first["id"] == extra["id"] and retrain_jobs.claim(store, "host-b:2:0.00") is None


def test_a_retrain_whose_runner_is_gone_is_queued_again(package, store):
    from nbops.store.liveness import HOST

    add_rule(store, package)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    ids = [queue(store, f"W{i}", 2.0 + i / 10)[0]["id"] for i in range(4)]
    holders = [
        f"{HOST}:{dead.pid}:0.00",  # a runner on this host that ended (its server was killed)
        f"{HOST}:{os.getpid()}:1.00",  # this pid, but another process start: the pid was reused
        retrain.runner_id(),  # alive: left alone
        "elsewhere:42:0.00",  # another machine: queued again once silent past the timeout
    ]
    for holder in holders:
        retrain_jobs.claim(store, holder)
    assert retrain_jobs.requeue_stale(store) == ids[:2]
    later = time.time() + 60 * 60 + retrain_jobs.REMOTE_GRACE_SECONDS + 1
    assert retrain_jobs.requeue_stale(store, now=later) == [ids[3]]
    status = [retrain_jobs.outcome(store, i)["status"] for i in ids]
    assert status == ["queued", "queued", "running", "queued"]


def test_a_stopping_server_releases_its_retrain_and_ends_the_pipeline(package, store):
    import logging

    from nbops.server.retrain_jobs import RetrainRunner

    add_rule(store, package, sleep="60")
    (queued,) = queue(store, "W1")
    runner = RetrainRunner(store, 60.0, logging.getLogger("test")).start()
    deadline = time.monotonic() + 60
    while runner._child is None and time.monotonic() < deadline:
        time.sleep(0.1)
    child = runner._child
    assert child is not None and retrain_jobs.outcome(store, queued["id"])["status"] == "running"
    runner.stop()
    assert child.poll() is not None  # the pipeline ended with the server
    row = retrain_jobs.outcome(store, queued["id"])
    assert (row["status"], row["runner"], row["failure_event_id"]) == ("queued", None, None)  # for the next runner


def test_a_store_from_before_retrain_jobs_keeps_its_retrains(tmp_path):
    from nbops.store import Store
    from tests.old_store import store_before

    conn = store_before(tmp_path, "0012_retrain_jobs")
    conn.execute("INSERT INTO datasets (id, name, role, digest, created_at) VALUES (1, 'churn', 'reference', 'd', 1.0)")
    conn.execute(
        "INSERT INTO drift_windows (id, subject, dataset_id, window, policy, rows, features, drifted, share_drifted, "
        "dataset_drift, created_at) VALUES (1, 'churn', 1, 'W1', 'default', 10, 2, '[]', 0.5, 1, 1.0)"
    )
    conn.execute(
        "INSERT INTO drift_alert_events (id, window_id, rule, subject, features, message, created_at) "
        "VALUES (1, 1, 'r', 'churn', '[]', 'drifted', 1.0)"
    )
    columns = "(id, event_id, subject, rule, target, package, status, run_id, model_version, started_at, ended_at)"
    conn.execute(
        f"INSERT INTO drift_retrains {columns} VALUES (1, 1, 'churn', 'r', 'local', 'p', 'succeeded', NULL, 4, 10.0, 20.0)"
    )
    # left running by a synchronous retrain of an older nbops
    conn.execute(
        f"INSERT INTO drift_retrains {columns} VALUES (2, 1, 'churn', 'r', 'local', 'p', 'running', NULL, NULL, 30.0, NULL)"
    )
    conn.close()
    store = Store(tmp_path / ".nbops")
    kept = retrain_jobs.outcome(store, 1)
    assert (kept["status"], kept["model_version"], kept["ended_at"], kept["runner"]) == ("succeeded", 4, 20.0, None)
    # Older than any timeout and held by no known runner: queued again, for a runner to settle.
    assert retrain_jobs.requeue_stale(store) == [2]
    assert retrain_jobs.outcome(store, 2)["status"] == "queued"
    store.close()
