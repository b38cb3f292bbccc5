"""Drift references, results and alerts in the nbops store (migration 0002_drift).

References are stored per column as JSON sketches; each checked window stores its
decision per feature (``drift_features``) and every statistic (``drift_results``), so a
feature's drift over time is one query. Alert rules are evaluated when a window is saved
and what fires is recorded in ``drift_alert_events`` for the Lab to notify.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from nbops.drift.actions import retrain_from_stored
from nbops.drift.alerts import AlertRule, alert_message, evaluate_rule, rule_values
from nbops.drift.api import compare
from nbops.drift.overlay import overlay
from nbops.drift.policy import Policy
from nbops.drift.reference import Sketch
from nbops.drift.report import DriftReport
from nbops.drift.serialization import FORMAT, _column_from_dict, _column_to_dict, sketch_from_bytes, sketch_to_bytes
from nbops.drift.windows import current_windows
from nbops.errors import InvalidValueError, NotFoundError

DEFAULT_RULE = AlertRule(statistic="tier", threshold=2.0, name="drift")
PRODUCTION_ALIAS = "production"


def save_reference(store, dataset_id: int, reference: Sketch) -> None:
    """Store ``reference`` for a logged dataset, replacing any earlier one."""
    now = time.time()
    with store.transaction() as conn:
        conn.execute("DELETE FROM drift_reference_columns WHERE dataset_id = ?", (dataset_id,))
        conn.execute("DELETE FROM drift_references WHERE dataset_id = ?", (dataset_id,))
        conn.execute(
            "INSERT INTO drift_references (dataset_id, rows, bins, top_k, format, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (dataset_id, reference.rows, reference.bins, reference.top_k, FORMAT, now),
        )
        conn.executemany(
            "INSERT INTO drift_reference_columns (dataset_id, feature, position, kind, source, sketch) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    dataset_id,
                    name,
                    i,
                    sk.kind,
                    reference.sources.get(name),
                    json.dumps(_column_to_dict(sk), separators=(",", ":")),
                )
                for i, (name, sk) in enumerate(reference.columns.items())
            ],
        )


def load_reference(store, dataset_id: int) -> Sketch:
    conn = store.reader()
    head = conn.execute("SELECT * FROM drift_references WHERE dataset_id = ?", (dataset_id,)).fetchone()
    if head is None:
        raise NotFoundError(
            f"dataset {dataset_id} has no drift reference: log it with nbops.log_dataset(df, name) "
            "so its reference is fitted"
        )
    rows = conn.execute(
        "SELECT feature, source, sketch FROM drift_reference_columns WHERE dataset_id = ? ORDER BY position",
        (dataset_id,),
    ).fetchall()
    columns = {r["feature"]: _column_from_dict(r["feature"], json.loads(r["sketch"])) for r in rows}
    sources = {r["feature"]: r["source"] for r in rows if r["source"]}
    return Sketch(columns, rows=head["rows"], sources=sources, bins=head["bins"], top_k=head["top_k"])


def drift_version(store, name: str) -> dict[str, Any]:
    """The version of model ``name`` drift checks compare against: its production alias,
    else its latest version; ``via`` says which (``"production"`` or ``"latest"``)."""
    try:
        return dict(store.models.version(name, PRODUCTION_ALIAS), via=PRODUCTION_ALIAS)
    except NotFoundError:
        return dict(store.models.version(name), via="latest")


def resolve(store, name: str) -> dict[str, Any]:
    """The reference dataset for a model name (its production or latest version), a model
    version (``NAME:VERSION``, the subject of a served version's live windows) or a dataset name.

    A model wins over a dataset of the same name. Returns ``dataset_id``,
    ``model_version_id`` (or None) and a readable ``subject``.
    """
    if not isinstance(name, str) or not name:
        raise InvalidValueError(f"check_drift needs a dataset or model name, got {name!r}")
    conn = store.reader()
    if conn.execute("SELECT 1 FROM models WHERE name = ?", (name,)).fetchone():
        return _version_target(conn, name, name, drift_version(store, name))
    model, _, number = name.rpartition(":")
    if model and number.isdigit() and conn.execute("SELECT 1 FROM models WHERE name = ?", (model,)).fetchone():
        return _version_target(conn, model, name, store.models.version(model, int(number)))
    row = conn.execute(
        "SELECT id FROM datasets WHERE name = ? ORDER BY created_at DESC, id DESC LIMIT 1", (name,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no model or dataset named {name!r}: log a dataset or register a model first")
    return {"dataset_id": row["id"], "model_version_id": None, "subject": name, "label": name}


def _version_target(conn, name: str, subject: str, version: dict) -> dict[str, Any]:
    """A model version's training dataset (``dataset_id``, else its run's ``train`` dataset)."""
    dataset_id = version.get("dataset_id")
    if dataset_id is None and version.get("run_id"):
        row = conn.execute(
            "SELECT id FROM datasets WHERE run_id = ? AND role = 'train' ORDER BY created_at DESC, id DESC LIMIT 1",
            (version["run_id"],),
        ).fetchone()
        dataset_id = row["id"] if row else None
    if dataset_id is None:
        raise NotFoundError(
            f"model {name!r} v{version['version']} has no training dataset: log one with "
            "nbops.log_dataset(df, name, role='train') in the run that registered it"
        )
    return {
        "dataset_id": dataset_id,
        "model_version_id": version["id"],
        "subject": subject,
        "label": f"{name} v{version['version']}",
    }


def check_drift(
    reference_or_model_name,
    current: Any,
    *,
    window: str | None = None,
    store=None,
    policy: str | Policy = "default",
    retrain_data: Any = None,
) -> DriftReport:
    """Score ``current`` against a stored reference, store the results, and evaluate alerts.

    ``reference_or_model_name``: a model name (the dataset its production, else latest,
    version was trained on) or a dataset name (its latest logging). A fitted ``Sketch`` or
    a raw table is compared without storing anything, as ``compare`` does.

    An alert whose rule carries a retrain action runs it before this returns, on
    ``retrain_data`` (the window's table, or its CSV/parquet files), by default ``current``
    itself; ``report.summary["retrains"]`` tells what became of each.
    """
    if isinstance(reference_or_model_name, str):
        if store is None or not hasattr(store, "transaction"):
            from nbops.store import open_store

            store = open_store(store)  # None: the project's store; else a .nbops folder
        target = resolve(store, reference_or_model_name)
        reference = load_reference(store, target["dataset_id"])
    else:
        return compare(reference_or_model_name, current, policy=policy, window=window)
    if window is not None and (not isinstance(window, str) or not window.strip()):
        raise InvalidValueError(f"window={window!r} is not valid: use a non-empty label such as '2024-W19'")
    # Unlabelled checks are windows of their own: a label is the window's identity.
    label = window or datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    report = compare(reference, current, policy=policy, window=label)
    window_id, fired = save_window(store, target, report)
    retrains = []
    if any(alert.get("retrain") for alert in fired):
        from nbops.governance.retrain import retrain_on_alerts

        data = retrain_data if retrain_data is not None else (None if isinstance(current, Sketch) else current)
        retrains = retrain_on_alerts(store, fired, data)
    report.summary.update(
        window_id=window_id,
        subject=target["subject"],
        reference=target["label"],
        dataset_id=target["dataset_id"],
        alerts=[_public(a) for a in fired],
        retrains=retrains,
    )
    return report


def _public(alert: dict) -> dict:
    """An alert as check_drift reports it (the rule's retrain action stays inside)."""
    return {k: v for k, v in alert.items() if k not in ("retrain", "event_id", "subject", "window")}


def save_window(store, target: dict[str, Any], report: DriftReport) -> tuple[int, list[dict]]:
    """Insert one window's results; returns its id and the alerts that fired."""
    s = report.summary
    now = time.time()
    with store.transaction() as conn:
        # Same subject and label: the earlier result becomes history of this one.
        earlier = conn.execute(
            "SELECT id FROM drift_windows WHERE subject = ? AND window = ? AND superseded_at IS NULL",
            (target["subject"], s["window"]),
        ).fetchone()
        if earlier is not None:
            conn.execute("UPDATE drift_windows SET superseded_at = ? WHERE id = ?", (now, earlier[0]))
        window_id = conn.execute(
            "INSERT INTO drift_windows (subject, dataset_id, model_version_id, window, policy, rows, features, "
            "drifted, share_drifted, dataset_drift, sketch, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                target["subject"],
                target["dataset_id"],
                target.get("model_version_id"),
                s["window"],
                s["policy"],
                s["rows_current"],
                s["features"],
                s["n_drifted"],
                s["share_drifted"],
                int(s["dataset_drift"]),
                sketch_to_bytes(report.window),
                now,
            ),
        ).lastrowid
        if earlier is not None:
            conn.execute("UPDATE drift_windows SET superseded_by = ? WHERE id = ?", (window_id, earlier[0]))
        _write_results(conn, window_id, report)
        fired = _fire_alerts(conn, target, window_id, report, now)
    return window_id, fired


def _write_results(conn, window_id: int, report: DriftReport) -> None:
    """A window's per-feature verdicts and per-statistic values."""
    conn.executemany(
        "INSERT INTO drift_features (window_id, feature, kind, tier, statistic, effect, threshold, p_value, "
        "p_adjusted, n_reference, n_current, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                window_id,
                f["feature"],
                f["kind"],
                f["tier"],
                f["statistic"],
                f["effect"],
                f["threshold"],
                f["p_value"],
                f["p_adjusted"],
                f["n_reference"],
                f["n_current"],
                f["note"],
            )
            for f in report.features
        ],
    )
    conn.executemany(
        "INSERT INTO drift_results (window_id, feature, statistic, value, p_value, p_adjusted) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (window_id, r["feature"], r["statistic"], r["value"], r["p_value"], r["p_adjusted"])
            for r in report.statistics
        ],
    )


def add_alert_rule(store, subject: str, rule: AlertRule) -> int:
    """Add or replace (by name) an alert rule for a dataset/model name, or '*' for all."""
    name = rule.label
    with store.transaction() as conn:
        conn.execute("DELETE FROM drift_alert_rules WHERE subject = ? AND name = ?", (subject, name))
        return conn.execute(
            "INSERT INTO drift_alert_rules (subject, name, statistic, threshold, consecutive, cooldown, features, "
            "webhook, retrain, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                subject,
                name,
                rule.statistic,
                rule.threshold,
                rule.consecutive,
                rule.cooldown,
                json.dumps(list(rule.features)) if rule.features is not None else None,
                rule.webhook,
                rule.retrain.to_json() if rule.retrain is not None else None,
                time.time(),
            ),
        ).lastrowid


def alert_rules(store_or_conn, subject: str) -> list[AlertRule]:
    """Rules for ``subject`` (its own and '*'); the default 'drift' rule when there are none."""
    conn = store_or_conn.reader() if hasattr(store_or_conn, "reader") else store_or_conn
    rows = conn.execute("SELECT * FROM drift_alert_rules WHERE subject IN (?, '*') ORDER BY id", (subject,)).fetchall()
    if not rows:
        return [DEFAULT_RULE]
    return [
        AlertRule(
            statistic=r["statistic"],
            threshold=r["threshold"],
            consecutive=r["consecutive"],
            cooldown=r["cooldown"],
            name=r["name"],
            webhook=r["webhook"],
            retrain=retrain_from_stored(r["retrain"]),
            features=tuple(json.loads(r["features"])) if r["features"] else None,
        )
        for r in rows
    ]


def alert_events(store, *, unseen_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    sql = "SELECT * FROM drift_alert_events" + (" WHERE seen_at IS NULL" if unseen_only else "")
    rows = store.reader().execute(sql + " ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [dict(r, features=json.loads(r["features"])) for r in rows]


def history(store, subject: str, statistic: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Per feature and window: tier and effect (or ``statistic``'s value), in window order.

    Only each label's current result counts; re-checked labels' earlier results are history.
    """
    conn = store.reader()
    order = {w["id"]: j for j, w in enumerate(current_windows(conn, subject)[-limit:])}
    if not order:
        return []
    ids = ",".join(str(i) for i in order)  # whole numbers read from the store
    if statistic is None:
        rows = conn.execute(
            "SELECT w.id AS window_id, w.window, w.created_at, f.feature, f.tier, f.statistic, f.effect AS value, "
            "f.p_adjusted FROM drift_features f JOIN drift_windows w ON w.id = f.window_id "
            f"WHERE w.id IN ({ids}) ORDER BY f.feature",
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT w.id AS window_id, w.window, w.created_at, r.feature, f.tier, r.statistic, r.value, "
            "r.p_adjusted FROM drift_results r JOIN drift_windows w ON w.id = r.window_id "
            "JOIN drift_features f ON f.window_id = r.window_id AND f.feature = r.feature "
            f"WHERE w.id IN ({ids}) AND r.statistic = ? ORDER BY r.feature",
            (statistic,),
        ).fetchall()
    return sorted((dict(r) for r in rows), key=lambda r: order[r["window_id"]])


def _fire_alerts(
    conn, target: dict, window_id: int, report: DriftReport, now: float, only_new: bool = False
) -> list[dict]:
    """Insert an event per rule that fires; ``only_new``: not for features it already fired on
    in this window (a live window is re-scored as it grows)."""
    fired = []
    for rule in alert_rules(conn, target["subject"]):
        depth = max(rule.consecutive - 1, rule.cooldown)
        past_ids = _preceding(conn, target["subject"], window_id, depth)
        past = [rule_values(_feature_rows(conn, wid), rule.statistic) for wid in past_ids]
        past_fired = [_fired_in(conn, wid, rule.label) for wid in past_ids]
        hits = evaluate_rule(rule, past, rule_values(report.features, rule.statistic), past_fired)
        if only_new:
            done = _fired_in(conn, window_id, rule.label)
            hits = [h for h in hits if h not in done]
        if not hits:
            continue
        message = alert_message(report.features, hits, target["label"], report.summary["window"])
        event_id = conn.execute(
            "INSERT INTO drift_alert_events (window_id, rule, subject, features, message, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (window_id, rule.label, target["subject"], json.dumps(hits), message, now),
        ).lastrowid
        fired.append(
            {
                "rule": rule.label,
                "features": hits,
                "message": message,
                "event_id": event_id,
                "subject": target["subject"],
                "window": report.summary["window"],
                "retrain": rule.retrain,
            }
        )
    return fired


def _preceding(conn, subject: str, window_id: int, depth: int) -> list[int]:
    """Ids of the ``depth`` current windows before ``window_id`` in label order, oldest first."""
    if not depth:
        return []
    ids = [w["id"] for w in current_windows(conn, subject)]
    at = ids.index(window_id)
    return ids[max(0, at - depth) : at]


def _feature_rows(conn, window_id: int) -> list[dict]:
    rows = conn.execute("SELECT * FROM drift_features WHERE window_id = ?", (window_id,)).fetchall()
    out = []
    for r in rows:
        row = dict(r)
        for stat, value in conn.execute(
            "SELECT statistic, value FROM drift_results WHERE window_id = ? AND feature = ?", (window_id, r["feature"])
        ):
            row[stat] = value
        out.append(row)
    return out


def _fired_in(conn, window_id: int, rule: str) -> set[str]:
    out: set[str] = set()
    for (features,) in conn.execute(
        "SELECT features FROM drift_alert_events WHERE window_id = ? AND rule = ?", (window_id, rule)
    ):
        out.update(json.loads(features))
    return out


def load_window(store, window_id: int) -> tuple[Sketch, Sketch, dict[str, Any]]:
    """A stored window: its reference, its sketch, and its row (without the sketch bytes)."""
    row = store.reader().execute("SELECT * FROM drift_windows WHERE id = ?", (window_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"drift window {window_id!r} does not exist")
    info = {k: row[k] for k in row.keys() if k != "sketch"}  # noqa: SIM118 (a sqlite3.Row iterates values)
    return load_reference(store, row["dataset_id"]), sketch_from_bytes(row["sketch"]), info


def feature_overlay(store, window_id: int, feature: str) -> dict[str, Any]:
    """Reference vs current distribution of one feature in a stored window (for the Lab)."""
    reference, window, _ = load_window(store, window_id)
    return overlay(reference, window, feature)


def mark_alerts_seen(store, event_ids) -> int:
    """Mark alert events as shown to the user; returns how many changed."""
    ids = [int(i) for i in event_ids]
    if not ids:
        return 0
    with store.transaction() as conn:
        return conn.execute(
            f"UPDATE drift_alert_events SET seen_at = ? WHERE seen_at IS NULL AND id IN ({','.join('?' * len(ids))})",
            (time.time(), *ids),
        ).rowcount


def grow_window(
    store, target: dict[str, Any], reference: Sketch, delta: Sketch, label: str, policy: str | Policy = "default"
) -> tuple[int, list[dict]]:
    """Add ``delta`` (rows sketched on ``reference``) to the live window ``label`` of a subject.

    The window is re-scored and updated in place (no history row per batch: it is one window
    that grows), so several writers (serving workers) add to the same counts. Alert rules fire
    once per rule and feature in a window. Returns the window id and the alerts that fired.
    """
    now = time.time()
    with store.transaction() as conn:  # read, merge and write under the one write lock
        row = conn.execute(
            "SELECT id, sketch FROM drift_windows WHERE subject = ? AND window = ? AND superseded_at IS NULL",
            (target["subject"], label),
        ).fetchone()
        merged = delta if row is None or row["sketch"] is None else sketch_from_bytes(row["sketch"]) + delta
        report = compare(reference, merged, policy=policy, window=label)
        s = report.summary
        values = (
            s["policy"],
            s["rows_current"],
            s["features"],
            s["n_drifted"],
            s["share_drifted"],
            int(s["dataset_drift"]),
            sketch_to_bytes(merged),
            now,
        )
        if row is None:
            window_id = conn.execute(
                "INSERT INTO drift_windows (subject, dataset_id, model_version_id, window, policy, rows, features, "
                "drifted, share_drifted, dataset_drift, sketch, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (target["subject"], target["dataset_id"], target.get("model_version_id"), label, *values),
            ).lastrowid
        else:
            window_id = row["id"]
            conn.execute(
                "UPDATE drift_windows SET policy = ?, rows = ?, features = ?, drifted = ?, share_drifted = ?, "
                "dataset_drift = ?, sketch = ?, created_at = ? WHERE id = ?",
                (*values, window_id),
            )
            conn.execute("DELETE FROM drift_features WHERE window_id = ?", (window_id,))
            conn.execute("DELETE FROM drift_results WHERE window_id = ?", (window_id,))
        _write_results(conn, window_id, report)
        fired = _fire_alerts(conn, target, window_id, report, now, only_new=True)
    return window_id, fired
