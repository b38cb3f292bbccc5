"""The serving tables (migration 0009_serving): sessions, answered requests, per-window stats,
and realized performance from feedback labels. Reads here shape ``GET /stats``."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from nbops.errors import InvalidValueError
from nbops.serving.latency import Histogram

MAX_FEEDBACK = 10_000  # request ids per POST /feedback


def start_session(store, session_id: str, model: str, config: dict) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO serving_sessions (id, model, config, started_at) VALUES (?, ?, ?, ?)",
            (session_id, model, json.dumps(config), time.time()),
        )


def stop_session(store, session_id: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            "UPDATE serving_sessions SET stopped_at = ? WHERE id = ? AND stopped_at IS NULL", (time.time(), session_id)
        )


def add_requests(conn, rows: list[tuple]) -> None:
    """Rows of (id, version_id, session_id, role, window, predictions JSON, inputs JSON or None, created_at)."""
    conn.executemany(
        "INSERT OR REPLACE INTO serving_requests (id, version_id, session_id, role, window, predictions, inputs, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def add_stats(
    conn,
    session_id: str,
    version_id: int,
    window: str,
    role: str,
    *,
    requests: int,
    rows: int,
    errors: int,
    latency: Histogram,
    predictions: dict,
) -> None:
    """Add a batch's counts to the window's row (several workers add to the same row)."""
    old = conn.execute(
        "SELECT * FROM serving_stats WHERE session_id = ? AND version_id = ? AND window = ?",
        (session_id, version_id, window),
    ).fetchone()
    if old is not None:
        requests += old["requests"]
        rows += old["rows"]
        errors += old["errors"]
        latency = Histogram.from_dict(json.loads(old["latency"])).merge(latency)
        predictions = merge_predictions(json.loads(old["predictions"]), predictions)
    conn.execute(
        "INSERT OR REPLACE INTO serving_stats (session_id, version_id, window, role, requests, rows, errors, latency, "
        "predictions, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            session_id,
            version_id,
            window,
            role,
            requests,
            rows,
            errors,
            json.dumps(latency.to_dict()),
            json.dumps(predictions),
            time.time(),
        ),
    )


def prediction_summary(values: list, classifier: bool) -> dict:
    if classifier:  # Counter counts in C: this runs on every monitoring write, under the GIL
        return {"counts": dict(Counter(map(str, values)))}
    numbers = list(map(float, values))
    if not numbers:
        return {"n": 0}
    return {
        "n": len(numbers),
        "sum": sum(numbers),
        "sumsq": sum(x * x for x in numbers),
        "min": min(numbers),
        "max": max(numbers),
    }


def merge_predictions(a: dict, b: dict) -> dict:
    if "counts" in a or "counts" in b:
        counts = dict(a.get("counts", {}))
        for k, v in b.get("counts", {}).items():
            counts[k] = counts.get(k, 0) + v
        if "scores" not in a and "scores" not in b:
            return {"counts": counts}
        from nbops.serving.estimation import merge_histograms

        return {"counts": counts, "scores": merge_histograms(a.get("scores", {}), b.get("scores", {}))}
    if not a.get("n"):
        return b
    if not b.get("n"):
        return a
    merged = {
        "n": a["n"] + b["n"],
        "sum": a["sum"] + b["sum"],
        "sumsq": a["sumsq"] + b["sumsq"],
        "min": min(a["min"], b["min"]),
        "max": max(a["max"], b["max"]),
    }
    if "scores" in a or "scores" in b:  # a regressor's DLE sums (nbops.serving.estimation)
        from nbops.serving.estimation import merge_histograms

        merged["scores"] = merge_histograms(a.get("scores", {}), b.get("scores", {}))
    return merged


def window_scores(conn, version_id: int, window: str) -> dict:
    """The score histogram of a version's window, summed over its stats rows (sessions, workers)."""
    from nbops.serving.estimation import merge_histograms

    total: dict = {}
    for r in conn.execute(
        "SELECT predictions FROM serving_stats WHERE version_id = ? AND window = ?", (version_id, window)
    ):
        total = merge_histograms(total, json.loads(r["predictions"]).get("scores", {}))
    return total


def add_feedback(store, request_ids: Any, labels: Any, classifier_of) -> dict[str, Any]:
    """Attach labels to answered requests and recompute realized performance of their windows.

    ``classifier_of(version_id)`` says whether a version is a classifier. A request of n rows
    takes a list of n labels, a one-row request a single label too.
    """
    if not isinstance(request_ids, list) or not isinstance(labels, list) or len(request_ids) != len(labels):
        raise InvalidValueError('feedback needs {"request_ids": [...], "labels": [...]} of the same length')
    if not 0 < len(request_ids) <= MAX_FEEDBACK:
        raise InvalidValueError(f"feedback has {len(request_ids)} request ids: send 1 to {MAX_FEEDBACK} at a time")
    if not all(isinstance(i, str) for i in request_ids):
        raise InvalidValueError("request_ids must be strings: the X-Request-Id values of earlier answers")
    now = time.time()
    touched: set[tuple[int, str]] = set()
    with store.transaction() as conn:
        found: dict[str, list] = {}
        for chunk in _chunks(sorted(set(request_ids)), 500):
            marks = ",".join("?" * len(chunk))
            for r in conn.execute(
                f"SELECT id, version_id, window, predictions FROM serving_requests WHERE id IN ({marks})", chunk
            ):
                found.setdefault(r["id"], []).append(r)
        unknown = [i for i in request_ids if i not in found]
        if unknown:
            raise InvalidValueError(
                f"unknown request id(s) {unknown[:10]}: use the X-Request-Id of answers this model's server gave"
            )
        updates = []
        for request_id, label in zip(request_ids, labels):
            for r in found[request_id]:
                n = len(json.loads(r["predictions"]))
                values = label if isinstance(label, list) else [label]
                if len(values) != n:
                    raise InvalidValueError(
                        f"request {request_id!r} answered {n} row(s) but got {len(values)} "
                        "label(s): send one label per row (a list for several rows)"
                    )
                updates.append((json.dumps(values), now, request_id, r["version_id"]))
                touched.add((r["version_id"], r["window"]))
        conn.executemany(
            "UPDATE serving_requests SET labels = ?, labelled_at = ? WHERE id = ? AND version_id = ?", updates
        )
        performance = [
            _realize(conn, version_id, window, classifier_of(version_id), now) for version_id, window in sorted(touched)
        ]
    return {"labelled": len(request_ids), "performance": performance}


def _realize(conn, version_id: int, window: str, classifier: bool, now: float) -> dict[str, Any]:
    from nbops.drift.performance import realized_performance

    truth, predicted = [], []
    for labels, predictions in conn.execute(
        "SELECT labels, predictions FROM serving_requests WHERE version_id = ? AND window = ? AND labels IS NOT NULL",
        (version_id, window),
    ):
        truth += json.loads(labels)
        predicted += json.loads(predictions)
    try:
        if classifier and len(set(map(str, truth)) | set(map(str, predicted))) > 2:
            from sklearn.metrics import accuracy_score  # F1 and ROC AUC here are for binary labels

            metrics = {"accuracy": float(accuracy_score(truth, predicted))}
        else:
            metrics = realized_performance("classification" if classifier else "regression", truth, predicted)
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(
            f"the labels cannot be compared with the predictions ({exc}): send labels of the "
            f"model's classes, e.g. {predicted[:3]}"
        ) from None
    conn.executemany(
        "INSERT OR REPLACE INTO serving_performance (version_id, window, metric, value, labelled_rows, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(version_id, window, m, v, len(truth), now) for m, v in metrics.items()],
    )
    return {"version_id": version_id, "window": window, "labelled_rows": len(truth), **metrics}


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def session_stats(store, session_id: str) -> list[dict[str, Any]]:
    """Per version of the session: totals over its windows, and each window's numbers."""
    conn = store.reader()
    rows = conn.execute(
        "SELECT s.*, v.version FROM serving_stats s JOIN model_versions v ON v.id = s.version_id "
        "WHERE s.session_id = ? ORDER BY s.version_id, s.window",
        (session_id,),
    ).fetchall()
    by_version: dict[int, dict[str, Any]] = {}
    for r in rows:
        item = by_version.setdefault(
            r["version_id"],
            {
                "version": r["version"],
                "role": r["role"],
                "windows": [],
                "_latency": Histogram(),
                "_predictions": {},
                "requests": 0,
                "rows": 0,
                "errors": 0,
            },
        )
        latency = Histogram.from_dict(json.loads(r["latency"]))
        predictions = json.loads(r["predictions"])
        predictions.pop("scores", None)  # the estimate's input: the estimate is in drift_performance
        performance = {
            m: {"value": v, "labelled_rows": n}
            for m, v, n in conn.execute(
                "SELECT metric, value, labelled_rows FROM serving_performance WHERE version_id = ? AND window = ?",
                (r["version_id"], r["window"]),
            )
        }
        item["windows"].append(
            {
                "window": r["window"],
                "requests": r["requests"],
                "rows": r["rows"],
                "errors": r["errors"],
                "latency_ms": latency.summary_ms(),
                "predictions": predictions,
                "performance": performance,
            }
        )
        item["requests"] += r["requests"]
        item["rows"] += r["rows"]
        item["errors"] += r["errors"]
        item["_latency"] = item["_latency"].merge(latency)
        item["_predictions"] = merge_predictions(item["_predictions"], predictions)
    out = []
    for item in by_version.values():
        item["latency_ms"] = item.pop("_latency").summary_ms()
        item["predictions"] = item.pop("_predictions")
        out.append(item)
    return out
