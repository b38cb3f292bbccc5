"""Estimated performance per window in the store, labels that arrive later, and its alert rule.

    nbops.drift.check_performance("churn", model, X_test, y_test, week_df, window="2024-W19")
    nbops.drift.log_labels("churn", "2024-W19", y_true, y_pred, y_score)   # weeks later

``check_performance`` checks the window's drift too when that label has not been checked
yet, so both sit side by side in the Drift Monitor. A rule on an estimate uses the
statistics ``<metric>_drop`` (classifiers: the reference's value minus the estimate) or
``<metric>_increase`` (regressors: relative rise of the error), e.g.
``AlertRule("accuracy_drop", 0.05)``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from nbops.drift.alerts import AlertRule
from nbops.drift.performance import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    estimate_performance,
    realized_performance,
)
from nbops.errors import InvalidValueError, NotFoundError

# Alert-rule statistic -> (metric, how it is computed from an estimate and the reference value)
PERFORMANCE_STATISTICS = {
    **{f"{m}_drop": m for m in CLASSIFICATION_METRICS},
    **{f"{m}_increase": m for m in REGRESSION_METRICS},
}


def check_performance(
    name: str,
    model: Any,
    reference_X: Any,
    reference_y: Any,
    current_X: Any,
    *,
    window: str,
    store=None,
    confidence: float = 0.95,
) -> dict[str, dict[str, float]]:
    """Estimate ``model``'s performance on ``current_X`` and store it for window ``window`` of ``name``."""
    from nbops.drift.persistence import check_drift, resolve

    store = _store(store)
    target = resolve(store, name)
    if not isinstance(window, str) or not window.strip():
        raise InvalidValueError(f"window={window!r} is not valid: use the window's label, e.g. '2024-W19'")
    result = estimate_performance(model, reference_X, reference_y, current_X, confidence=confidence)
    method = "cbpe" if "accuracy" in result else "dle"
    kind = "classification" if method == "cbpe" else "regression"
    ref_pred = model.predict(reference_X)
    ref_score = _positive_score(model, reference_X) if method == "cbpe" else None
    reference = realized_performance(kind, reference_y, ref_pred, ref_score)
    if _window_id(store, target["subject"], window) is None:
        check_drift(name, current_X, window=window, store=store)
    fired = save_estimate(store, target, window, method, result, reference)
    return {m: dict(v, reference=reference.get(m)) for m, v in result.items()} | ({"alerts": fired} if fired else {})


def save_estimate(
    store, target: dict, window: str, method: str, result: dict, reference: dict, *, only_new: bool = False
) -> list[dict]:
    """Store a window's estimates (replacing earlier ones) and fire the performance rules;
    ``only_new``: a rule fires once per window (a live window is estimated again as it grows)."""
    now = time.time()
    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO drift_performance (subject, window, metric, method, estimate, lower, upper, "
            "reference, realized, created_at, labelled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)",
            [
                (target["subject"], window, m, method, v["estimate"], v["lower"], v["upper"], reference.get(m), now)
                for m, v in result.items()
            ],
        )
        return _fire(conn, target, window, result, reference, now, only_new)


def log_labels(name: str, window: str, y_true: Any, y_pred: Any, y_score: Any = None, *, store=None) -> dict:
    """Record the realized performance of a window whose labels arrived; returns the metrics."""
    store = _store(store)
    conn = store.reader()
    rows = conn.execute(
        "SELECT metric, method FROM drift_performance WHERE subject = ? AND window = ?", (name, window)
    ).fetchall()
    if not rows:
        raise NotFoundError(
            f"{name!r} has no estimated performance for window {window!r}: "
            "run nbops.drift.check_performance for it first"
        )
    kind = "classification" if rows[0]["method"] == "cbpe" else "regression"
    realized = realized_performance(kind, y_true, y_pred, y_score)
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE drift_performance SET realized = ?, labelled_at = ? WHERE subject = ? AND window = ? AND metric = ?",
            [(v, time.time(), name, window, m) for m, v in realized.items()],
        )
    return realized


def performance_series(conn, subject: str, labels: list[str]) -> dict[str, dict[str, list]]:
    """metric -> {"estimate", "lower", "upper", "realized", "reference"} lists aligned with ``labels``."""
    index = {label: j for j, label in enumerate(labels)}
    out: dict[str, dict[str, list]] = {}
    for r in conn.execute("SELECT * FROM drift_performance WHERE subject = ?", (subject,)):
        j = index.get(r["window"])
        if j is None:
            continue
        series = out.setdefault(
            r["metric"], {k: [None] * len(labels) for k in ("estimate", "lower", "upper", "realized", "reference")}
        )
        for key in series:
            series[key][j] = r[key]
    return out


def performance_rules(conn, subject: str) -> list[AlertRule]:
    rows = conn.execute("SELECT * FROM drift_alert_rules WHERE subject IN (?, '*') ORDER BY id", (subject,))
    return [
        AlertRule(statistic=r["statistic"], threshold=r["threshold"], name=r["name"])
        for r in rows
        if r["statistic"] in PERFORMANCE_STATISTICS
    ]


def _fire(conn, target, window: str, result, reference, now: float, only_new: bool = False) -> list[dict]:
    window_id = _window_id(conn, target["subject"], window)
    fired = []
    for rule in performance_rules(conn, target["subject"]):
        if (
            only_new
            and conn.execute(
                "SELECT 1 FROM drift_alert_events WHERE window_id = ? AND rule = ?", (window_id, rule.label)
            ).fetchone()
        ):
            continue
        metric = PERFORMANCE_STATISTICS[rule.statistic]
        if metric not in result or reference.get(metric) is None:
            continue
        estimate, ref = result[metric]["estimate"], reference[metric]
        change = ref - estimate if rule.statistic.endswith("_drop") else (estimate - ref) / ref if ref else 0.0
        if change < rule.threshold:
            continue
        how = f"{change:.3f} below" if rule.statistic.endswith("_drop") else f"{change:.0%} above"
        message = (
            f"estimated {metric} {estimate:.3f} [{result[metric]['lower']:.3f}, {result[metric]['upper']:.3f}]"
            f" in {target['label']}, window {window}: {how} the reference {ref:.3f}"
        )
        conn.execute(
            "INSERT INTO drift_alert_events (window_id, rule, subject, features, message, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (window_id, rule.label, target["subject"], json.dumps([metric]), message, now),
        )
        fired.append({"rule": rule.label, "features": [metric], "message": message})
    return fired


def _window_id(store_or_conn, subject: str, window: str) -> int | None:
    conn = store_or_conn.reader() if hasattr(store_or_conn, "reader") else store_or_conn
    row = conn.execute(
        "SELECT id FROM drift_windows WHERE subject = ? AND window = ? AND superseded_at IS NULL", (subject, window)
    ).fetchone()
    return row[0] if row else None


def _positive_score(model, X):
    proba = model.predict_proba(X)
    return proba[:, 1] if getattr(proba, "ndim", 1) == 2 else proba


def _store(store):
    if store is None or not hasattr(store, "transaction"):
        from nbops.store import open_store

        return open_store(store)
    return store
