"""Running queued local retrains: claim one, run the package's CLI, record what it became.

A Jupyter server runs them as a job (``nbops.server.retrain_jobs``), ``nbops retrain pending``
in the foreground. A runner claims a ``queued`` row with one conditional UPDATE, so two runners
never run the same retrain, and holds it as ``running`` under its ``host:pid:start`` identity.
A retrain whose runner is gone (killed, or its machine silent past the action's timeout) is
queued again; a runner that stops on purpose releases its retrain the same way.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable

from nbops.drift.actions import RetrainAction, retrain_from_stored
from nbops.governance import launchers
from nbops.governance.retrain import fail, outcome, runner_id, succeed

# A runner on another host cannot be asked whether it lives: its retrain is queued again once it
# has held it this much longer than the action's timeout (a live one has stopped the child by then).
REMOTE_GRACE_SECONDS = 300.0


def claim(store, runner: str) -> dict | None:
    """The oldest queued local retrain, now ``running`` under ``runner``; None when none waits."""
    while True:
        row = (
            store.reader()
            .execute("SELECT id FROM drift_retrains WHERE status = 'queued' AND target = 'local' ORDER BY id LIMIT 1")
            .fetchone()
        )
        if row is None:
            return None
        with store.transaction() as conn:
            won = conn.execute(
                "UPDATE drift_retrains SET status = 'running', runner = ?, claimed_at = ? "
                "WHERE id = ? AND status = 'queued'",
                (runner, time.time(), row["id"]),
            ).rowcount
        if won:
            return outcome(store, row["id"])
        # another runner took it between the read and the write: look again


def run(store, job: dict, runner: str, on_start: Callable[[subprocess.Popen], None] | None = None) -> dict:
    """Run a claimed retrain to its end: ``succeeded`` with its run and model version, or
    ``failed`` with the reason and an alert of its own."""
    if not job.get("data_path") or not job.get("action"):
        return fail(
            store,
            job["id"],
            runner,
            "its window's data file was never recorded: the process that checked drift ended before queuing it",
        )
    try:
        action = RetrainAction(**json.loads(job["action"]))
        package = action.package_name
    except Exception as exc:  # the package folder moved or was deleted since the alert
        return fail(store, job["id"], runner, f"the package cannot be run: {exc}")
    params = {**action.params, action.param: job["data_path"]}
    result = launchers.local(action, params, store_root=store.root, retrain_id=job["id"], on_start=on_start)
    if result.error is not None:
        return fail(store, job["id"], runner, result.error)
    return succeed(store, job["id"], runner, package, job["claimed_at"])


def release(store, retrain_id: int, runner: str | None) -> bool:
    """Queue a retrain ``runner`` holds again (its server is stopping, or it is gone); False if
    it no longer holds it. ``None``: a row left running before runners were recorded."""
    with store.transaction() as conn:
        return bool(
            conn.execute(
                "UPDATE drift_retrains SET status = 'queued', runner = NULL, claimed_at = NULL "
                "WHERE id = ? AND status = 'running' AND runner IS ?",
                (retrain_id, runner),
            ).rowcount
        )


def requeue_stale(store, now: float | None = None) -> list[int]:
    """Running local retrains whose runner is gone become ``queued`` again; returns their ids."""
    now = time.time() if now is None else now
    rows = (
        store.reader()
        .execute(
            "SELECT id, runner, claimed_at, started_at, action FROM drift_retrains "
            "WHERE status = 'running' AND target = 'local'"
        )
        .fetchall()
    )
    return [row["id"] for row in rows if _runner_gone(row, now) and release(store, row["id"], row["runner"])]


def run_pending(store, runner: str | None = None) -> list[dict]:
    """Run every queued local retrain, one after the other, in this process (``nbops retrain
    pending``); stale ones are queued again first. One outcome each."""
    runner = runner or runner_id()
    requeue_stale(store)
    done = []
    while (job := claim(store, runner)) is not None:
        done.append(run(store, job, runner))
    return done


def _runner_gone(row, now: float) -> bool:
    """On this host the process decides (a pid reused by a newer process counts as gone);
    elsewhere, or for a row older than runners, the time it has been held."""
    from nbops.store.liveness import HOST, process_started

    host, _, rest = (row["runner"] or "").partition(":")
    pid, _, began = rest.partition(":")
    if host == HOST and pid.isdigit():
        started = process_started(int(pid))
        return started is None or (started != 0.0 and f"{started:.2f}" != began)  # 0.0: alive, not ours to ask
    action = retrain_from_stored(row["action"])
    limit = (action.timeout_minutes * 60 if action else 3600) + REMOTE_GRACE_SECONDS
    return now - (row["claimed_at"] or row["started_at"]) > limit
