"""Continuous training: a drift alert whose rule carries a retrain action reruns the pipeline.

For each such alert: the rule's rate limit is checked (at most one retrain per rule in
``every_minutes``; a suppressed retrain is recorded with its reason), the drifted window's
data is written to a file nbops owns (``.nbops/retrain/<id>-<window>.parquet``), and the
package runs with that file as its data parameter (``launchers``): an Airflow DAG or KFP run is
triggered at once; a local run is ``queued``, so the checking process (a kernel, ``nbops drift
check``, ``nbops serve``) never blocks on training, and a runner (``retrain_jobs``: a Jupyter
server's job, or ``nbops retrain pending``) runs it. A local run's nbops run and the model
version it registered are linked to the alert (``drift_retrains``) and audited (``model_events``
kind ``retrained``); a failure is an alert event of its own.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nbops.drift.actions import RetrainAction
from nbops.governance import launchers

FOLDER = "retrain"  # under the store folder: the window data files nbops writes
_listeners: list[Callable[[], None]] = []  # see on_queued


def retrain_on_alerts(store, alerts: Sequence[dict], data: Any) -> list[dict]:
    """Run the retrain action of each fired alert that has one; one outcome row each."""
    return [retrain(store, alert, alert["retrain"], data) for alert in alerts if alert.get("retrain")]


def retrain(store, alert: dict, action: RetrainAction, data: Any) -> dict:
    """Retrain for one alert event (``event_id``, ``rule``, ``subject``, ``window``, ``message``):
    a local retrain is queued for a runner (``retrain_jobs``); an orchestrator is triggered now."""
    runner = runner_id()
    retrain_id, reason = _claim(store, alert, action, runner)
    if reason is not None:
        return outcome(store, retrain_id)
    try:
        path = write_window(store.root / FOLDER, retrain_id, alert["window"], data, action.format)
    except Exception as exc:  # unreadable data is this retrain's failure, not the drift check's
        return fail(store, retrain_id, runner, f"the window's data could not be written: {exc}")
    if action.target == "local":  # the pipeline may train for an hour: never in the checking process
        queue(store, retrain_id, path, action)
        return outcome(store, retrain_id)
    _update(store, retrain_id, data_path=str(path))
    result = launchers.launch(
        action, {**action.params, action.param: str(path)}, store_root=store.root, retrain_id=retrain_id
    )
    if result.error is not None:
        return fail(store, retrain_id, runner, result.error)
    # the orchestrator runs it; its run id is the link
    _update(store, retrain_id, status="triggered", remote_id=result.remote_id, ended_at=time.time(), runner=None)
    return outcome(store, retrain_id)


def queue(store, retrain_id: int, path: Path, action: RetrainAction) -> None:
    """Hand the retrain to a runner: a Jupyter server's job, or ``nbops retrain pending``. The
    action is kept as it is now, so editing the rule later does not change a queued retrain."""
    _update(
        store, retrain_id, status="queued", data_path=str(path), action=action.to_json(), runner=None, claimed_at=None
    )
    for wake in list(_listeners):  # a runner in this very process starts at once
        wake()


def on_queued(wake: Callable[[], None]) -> Callable[[], None]:
    """Call ``wake`` (from the queuing thread) whenever this process queues a retrain; returns a
    function that stops it."""
    _listeners.append(wake)
    return lambda: _listeners.remove(wake) if wake in _listeners else None


def runner_id(pid: int | None = None) -> str:
    """``host:pid:process start``: which process holds a retrain, robust to a reused pid."""
    from nbops.store.liveness import HOST, process_started

    pid = os.getpid() if pid is None else pid
    return f"{HOST}:{pid}:{process_started(pid) or 0.0:.2f}"


def succeed(store, retrain_id: int, runner: str, package: str, claimed_at: float) -> dict:
    """Link the run the pipeline logged and the model version it registered to the alert, and
    audit it. Only while ``runner`` still holds the retrain (a released one stays queued)."""
    run_id = _run_of(store, retrain_id, package, claimed_at)
    version = _version_of(store, run_id)
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT r.event_id, r.package, e.message FROM drift_retrains r JOIN drift_alert_events e "
            "ON e.id = r.event_id WHERE r.id = ?",
            (retrain_id,),
        ).fetchone()
        held = conn.execute(
            "UPDATE drift_retrains SET status = 'succeeded', run_id = ?, model = ?, model_version = ?, "
            "ended_at = ? WHERE id = ? AND status = 'running' AND runner = ?",
            (run_id, version and version["model"], version and version["version"], time.time(), retrain_id, runner),
        ).rowcount
        if held and version is not None:
            store.models.events.add(
                conn,
                version["model"],
                "retrained",
                version["version"],
                reason=f"drift alert {row['event_id']}: {row['message']}"[:2000],
                alert_event_id=row["event_id"],
                detail={"run_id": run_id, "retrain_id": retrain_id, "package": row["package"]},
            )
    return outcome(store, retrain_id)


def outcome(store, retrain_id: int) -> dict:
    row = store.reader().execute("SELECT * FROM drift_retrains WHERE id = ?", (retrain_id,)).fetchone()
    return dict(row)


def retrains_of_events(store, event_ids: Sequence[int]) -> dict[int, dict]:
    """event id -> its latest retrain (status, run, model version, reason), for the alert feed."""
    ids = [int(i) for i in event_ids]
    if not ids:
        return {}
    rows = (
        store.reader()
        .execute(f"SELECT * FROM drift_retrains WHERE event_id IN ({','.join('?' * len(ids))}) ORDER BY id", ids)
        .fetchall()
    )
    return {
        r["event_id"]: {
            k: r[k]
            for k in (
                "id",
                "status",
                "target",
                "reason",
                "run_id",
                "model",
                "model_version",
                "remote_id",
                "failure_event_id",
                "started_at",
                "ended_at",
            )
        }
        for r in rows
    }


def write_window(folder: Path, retrain_id: int, window: str, data: Any, fmt: str) -> Path:
    """The window's rows in one file nbops owns: a table as is, or CSV/parquet files streamed chunk by chunk."""
    if data is None:
        raise ValueError(
            "no rows were given to the check (a sketch alone holds none): pass the window's table "
            "to check_drift, or its files to nbops drift check"
        )
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", window)[:60]
    path = folder / f"{retrain_id}-{slug}.{fmt}"
    if isinstance(data, (list, tuple)) and all(isinstance(p, (str, Path)) for p in data):
        from nbops.drift.files import chunks

        _write_chunks(path, chunks([Path(p) for p in data], 200_000), fmt)
        return path
    import pandas as pd

    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    frame.columns = [str(c) for c in frame.columns]
    frame.to_parquet(path, index=False) if fmt == "parquet" else frame.to_csv(path, index=False)
    return path


def _write_chunks(path: Path, frames, fmt: str) -> None:
    if fmt == "csv":
        for i, frame in enumerate(frames):
            frame.to_csv(path, index=False, mode="w" if i == 0 else "a", header=i == 0)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()


def _claim(store, alert: dict, action: RetrainAction, runner: str) -> tuple[int, str | None]:
    """Insert the retrain row: ``running`` (held by ``runner`` while the window's file is written),
    or ``suppressed`` with the reason when the rule retrained less than ``every_minutes`` ago. One
    transaction, so two checks at once cannot both retrain."""
    now = time.time()
    package = (action.dag_id or action.package_name) if action.target == "airflow" else action.package
    with store.transaction() as conn:
        last = conn.execute(
            "SELECT id, started_at FROM drift_retrains WHERE subject = ? AND rule = ? AND status != 'suppressed' "
            "ORDER BY started_at DESC LIMIT 1",
            (alert["subject"], alert["rule"]),
        ).fetchone()
        reason = None
        if last is not None and now - last["started_at"] < action.every_minutes * 60:
            ago = (now - last["started_at"]) / 60
            reason = (
                f"rule {alert['rule']!r} retrained {ago:.1f} min ago (retrain {last['id']}); it retrains at "
                f"most once every {action.every_minutes:g} min"
            )
        retrain_id = conn.execute(
            "INSERT INTO drift_retrains (event_id, subject, rule, target, package, status, reason, started_at, "
            "ended_at, runner, claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                alert["event_id"],
                alert["subject"],
                alert["rule"],
                action.target,
                package,
                "suppressed" if reason else "running",
                reason,
                now,
                now if reason else None,
                None if reason else runner,
                None if reason else now,
            ),
        ).lastrowid
    return retrain_id, reason


def fail(store, retrain_id: int, runner: str, reason: str) -> dict:
    """Mark the retrain failed and raise an alert event for it on the same window; only while
    ``runner`` still holds it (a retrain released when its server stopped stays queued)."""
    now = time.time()
    with store.transaction() as conn:
        held = conn.execute(
            "UPDATE drift_retrains SET status = 'failed', reason = ?, ended_at = ? "
            "WHERE id = ? AND status = 'running' AND runner = ?",
            (reason, now, retrain_id, runner),
        ).rowcount
        if not held:
            return outcome(store, retrain_id)
        alert = conn.execute(
            "SELECT r.event_id, r.rule, r.subject, e.window_id FROM drift_retrains r "
            "JOIN drift_alert_events e ON e.id = r.event_id WHERE r.id = ?",
            (retrain_id,),
        ).fetchone()
        message = f"retrain after alert {alert['event_id']} ({alert['rule']}) failed: {reason}"[:4000]
        event_id = conn.execute(
            "INSERT INTO drift_alert_events (window_id, rule, subject, features, message, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (alert["window_id"], f"{alert['rule']}: retrain failed", alert["subject"], json.dumps([]), message, now),
        ).lastrowid
        conn.execute("UPDATE drift_retrains SET failure_event_id = ? WHERE id = ?", (event_id, retrain_id))
    return outcome(store, retrain_id)


def _update(store, retrain_id: int, **values) -> None:
    columns = ", ".join(f"{k} = ?" for k in values)  # keys are this module's own literals
    with store.transaction() as conn:
        conn.execute(f"UPDATE drift_retrains SET {columns} WHERE id = ?", (*values.values(), retrain_id))


def _run_of(store, retrain_id: int, package: str, started: float) -> str | None:
    """The nbops run the pipeline logged: tagged with this retrain's id by the package's tracking.py,
    else (a package generated before that tag) its newest run since the launch."""
    conn = store.reader()
    row = conn.execute(
        "SELECT run_id FROM tags WHERE key = 'nbops.retrain' AND value = ?", (str(retrain_id),)
    ).fetchone()
    if row is None:
        row = conn.execute(
            "SELECT r.id AS run_id FROM runs r JOIN tags t ON t.run_id = r.id AND t.key = 'pipeline.package' "
            "AND t.value = ? WHERE r.start_time >= ? ORDER BY r.start_time DESC LIMIT 1",
            (package, started),
        ).fetchone()
    return row["run_id"] if row else None


def _version_of(store, run_id: str | None) -> dict | None:
    if run_id is None:
        return None
    row = (
        store.reader()
        .execute(
            "SELECT m.name AS model, v.version FROM model_versions v JOIN models m ON m.id = v.model_id "
            "WHERE v.run_id = ? ORDER BY v.created_at DESC, v.id DESC LIMIT 1",
            (run_id,),
        )
        .fetchone()
    )
    return dict(row) if row else None
