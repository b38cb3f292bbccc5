"""One run logged by several processes in turn, as an orchestrator's tasks log one pipeline run:
``resume_run`` takes a running run over, ``release_run`` hands it on, ``end_run`` ends it."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

import nbops
from nbops.errors import ConflictError, NotFoundError
from nbops.tracking import release_run, resume_run


def task(python_env, code: str, status: int = 0) -> str:
    """Run ``code`` in a fresh process (``t`` is nbops.tracking), as an orchestrator runs a task."""
    done = subprocess.run(
        [sys.executable, "-c", "import nbops, nbops.tracking as t\n" + code],
        env=python_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == status, done.stderr[-2000:]
    return done.stdout.strip()


def test_a_run_passes_from_process_to_process_and_is_ended_by_the_last(project, store, python_env):
    run_id = task(python_env, "r = nbops.start_run('pipe', params={'n': 3})\nt.release_run(r)\nprint(r.id)")
    between = store.runs.get(run_id)
    assert between["status"] == "running" and between["pid"] is None  # its process has exited
    assert store.runs.mark_crashed() == []  # unowned, yet fresh: not taken for dead
    task(python_env, f"r = t.resume_run({run_id!r})\nnbops.log_metric('loss', 0.5)\nt.release_run(r)")
    task(python_env, f"r = t.resume_run({run_id!r})\nnbops.log_metric('auc', 0.9)\nnbops.end_run(run=r)")
    (run,) = store.runs.search(experiment="pipe").runs
    assert run["id"] == run_id and run["status"] == "finished"
    assert run["params"] == {"n": "3"} and run["metrics"] == {"loss": 0.5, "auc": 0.9}


def test_a_released_handle_logs_no_more_and_an_ended_run_cannot_be_resumed(project, store):
    run = nbops.start_run("pipe")
    release_run(run)
    assert nbops.active_run() is None
    with pytest.raises(ConflictError, match="handed to another process"):
        run.log_metric("x", 1.0)
    again = resume_run(run.id)
    assert nbops.active_run() is again
    nbops.end_run("failed")
    with pytest.raises(ConflictError, match=rf"run {run.id} has ended \(failed\)"):
        resume_run(run.id)
    with pytest.raises(NotFoundError, match="run 'nope' does not exist"):
        resume_run("nope")


def test_a_task_that_dies_holding_the_run_leaves_it_crashed_and_the_next_revives_it(project, store, python_env):
    run = nbops.start_run("pipe")
    release_run(run)
    task(python_env, f"import os\nr = t.resume_run({run.id!r})\nos._exit(9)", status=9)
    assert store.runs.mark_crashed() == [run.id]  # its owner is gone
    resume_run(run.id)
    assert store.runs.get(run.id)["status"] == "running"
    nbops.end_run()
    assert store.runs.get(run.id)["status"] == "finished"


def test_an_unowned_run_nobody_touches_for_a_minute_is_crashed(project, store):
    run = nbops.start_run("pipe")
    release_run(run)
    assert store.runs.mark_crashed(now=time.time() + 120) == [run.id]
