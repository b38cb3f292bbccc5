"""The bodies of one run's ``runs/log-batch`` requests, built straight from the store's rows.

MLflow's client turns each point into a ``Metric`` entity, then a protobuf message, then JSON:
24 ms of CPU for a body of 1,000 points, 48 ms a request with the HTTP round (measured by
``bench_mlflow_push.py --breakdown``). On a small host that CPU is taken from the server and
its database, which do the real work, so here each body is one SQLite query per key and chunk
and one ``orjson`` call (2 ms a body, 13 ms a request), in MLflow's REST field names and its
batch limits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

ENDPOINT = "/api/2.0/mlflow/runs/log-batch"
# MLflow's limits (mlflow.utils.validation), copied so a dry run need not import MLflow;
# tests/mlflow_sync checks they still match.
MAX_METRICS = 1000
MAX_PARAMS_TAGS = 100
MAX_ENTITIES = 1000
_FIRST_STEP = -(2**63)

# JSON has no NaN or infinity; protobuf's JSON reader (the server's) takes these strings for a
# double, as MLflow's own client sends them. nbops stores a NaN as NULL and an infinity as REAL.
_CHUNK = """SELECT step,
                   CASE WHEN value IS NULL THEN 'NaN' WHEN value = 9e999 THEN 'Infinity'
                        WHEN value = -9e999 THEN '-Infinity' ELSE value END,
                   timestamp
            FROM metrics WHERE run_id = ? AND key = ? AND step > ? ORDER BY step LIMIT ?"""


@dataclass
class Batch:
    body: bytes
    points: int = 0
    steps: dict[str, int] = field(default_factory=dict)  # per key, the highest step it holds
    params: list[str] = field(default_factory=list)  # keys
    tags: dict[str, str] = field(default_factory=dict)


def log_batches(
    conn: sqlite3.Connection,
    run_id: str,
    remote_id: str,
    params: dict[str, str],
    tags: dict[str, str],
    sent: dict[str, int | None],
) -> Iterator[Batch]:
    """``runs/log-batch`` bodies for ``params``, ``tags`` and, per metric key of ``sent``, the
    points above its step (None: all), each key in step order. Rows are read one chunk at a
    time, as the caller sends, so memory stays at one batch whatever the run's size."""
    param_items, tag_items = list(params.items()), list(tags.items())
    keys: list[tuple[str, int]] = [(key, _FIRST_STEP if step is None else step) for key, step in sent.items()]
    while param_items or tag_items or keys:
        batch_params, param_items = param_items[:MAX_PARAMS_TAGS], param_items[MAX_PARAMS_TAGS:]
        batch_tags, tag_items = tag_items[:MAX_PARAMS_TAGS], tag_items[MAX_PARAMS_TAGS:]
        room = min(MAX_METRICS, MAX_ENTITIES - len(batch_params) - len(batch_tags))
        metrics: list[dict] = []
        steps: dict[str, int] = {}
        while keys and len(metrics) < room:
            key, after = keys[0]
            wanted = room - len(metrics)
            rows = conn.execute(_CHUNK, (run_id, key, after, wanted)).fetchall()
            if rows:
                # round() as mapping.ms does: seconds in the store, milliseconds in MLflow
                metrics.extend({"key": key, "value": v, "timestamp": round(t * 1000), "step": s} for s, v, t in rows)
                steps[key] = rows[-1][0]
                keys[0] = (key, steps[key])
            if len(rows) < wanted:
                keys.pop(0)
        if not (batch_params or batch_tags or metrics):
            return
        body = {
            "run_id": remote_id,
            "metrics": metrics,
            "params": [{"key": k, "value": v} for k, v in batch_params],
            "tags": [{"key": k, "value": v} for k, v in batch_tags],
        }
        yield Batch(orjson.dumps(body), len(metrics), steps, [k for k, _ in batch_params], dict(batch_tags))
