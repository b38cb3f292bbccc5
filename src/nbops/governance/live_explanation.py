"""Explain a served version on its recent live inputs (``POST .../explanation {"source": "live"}``).

Live inputs are kept only when the version was served with ``--log-inputs`` (the Models
view's "Keep raw inputs"): without them there is nothing to explain on, and the error says
which opt-in is needed. The newest ``rows`` logged rows of the version are the sample. Rows
that got labels through ``POST /feedback`` (joined by request id) give permutation
importance against the truth, plus mean |SHAP|; without labels, SHAP alone (permutation
importance needs labels); without ``shap`` either, the error says why nothing can be computed.
The result is stored as ``nbops.explain`` stores one (with ``"source": "live"``), so the
Models view shows and compares it.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ConflictError, InvalidValueError
from ..store import Store
from .explain import MAX_ROWS, explain, explain_shap_only

DEFAULT_ROWS = 500
MIN_LABELLED = 20  # fewer labelled rows than this give permutation importances of noise


def explain_live(store: Store, name: str, version: int | str, rows: Any = DEFAULT_ROWS) -> dict:
    if isinstance(rows, float) and rows.is_integer():  # JSON's 175.0 is a whole number too
        rows = int(rows)
    if not isinstance(rows, int) or isinstance(rows, bool) or not 2 <= rows <= MAX_ROWS:
        raise InvalidValueError(f"rows {rows!r} is not valid: use a whole number from 2 to {MAX_ROWS}")
    row = store.models.version(name, version)
    label = f"{name} v{row['version']}"
    records, labels = _sample(store, row["id"], rows, label)
    from .evaluation import _load_model

    model = _load_model(store, name, row)
    frame = _frame(records, model)
    labelled = [i for i, y in enumerate(labels) if y is not None]
    source = {"source": "live", "sampled_rows": len(frame), "labelled_rows": len(labelled)}
    if len(labelled) >= MIN_LABELLED:
        result = explain(
            model, frame.iloc[labelled], [labels[i] for i in labelled], name=name, version=row["version"], store=store
        )
        return _with_source(store, result, source)
    why = (
        f"{len(labelled)} of the {len(frame)} newest live rows of {label} have feedback labels "
        f"(permutation importance needs at least {MIN_LABELLED}: POST /feedback to the server)"
    )
    return _with_source(store, explain_shap_only(store, name, row["version"], model, frame, [why]), source)


def _sample(store: Store, version_id: int, rows: int, label: str) -> tuple[list[dict], list]:
    """The newest ``rows`` logged input rows of the version, and each row's label or None."""
    conn = store.reader()
    records: list[dict] = []
    labels: list = []
    cursor = conn.execute(
        "SELECT inputs, labels FROM serving_requests WHERE version_id = ? AND inputs IS NOT NULL "
        "ORDER BY created_at DESC",
        (version_id,),
    )
    for r in cursor:
        inputs = json.loads(r["inputs"])
        given = json.loads(r["labels"]) if r["labels"] else [None] * len(inputs)
        records += inputs
        labels += given
        if len(records) >= rows:
            break
    cursor.close()
    if records:
        return records[:rows], labels[:rows]
    answered = conn.execute("SELECT COUNT(*) FROM serving_requests WHERE version_id = ?", (version_id,)).fetchone()[0]
    if answered:
        raise ConflictError(
            f"{label} answered {answered:,} live request(s) but their inputs were not kept: serve it with "
            "`nbops serve --log-inputs` (Keep raw inputs in the Models view) to explain it on live inputs"
        )
    raise ConflictError(
        f"{label} has no logged live requests: serve it with `nbops serve --log-inputs` and send requests first"
    )


def _frame(records: list[dict], model):
    import pandas as pd

    frame = pd.DataFrame.from_records(records)
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        frame = frame[[str(n) for n in names]]
    return frame


def _with_source(store: Store, result: dict, source: dict) -> dict:
    """Mark the stored explanation as computed on live inputs; returns it as stored."""
    with store.transaction() as conn:
        (detail,) = conn.execute("SELECT detail FROM model_explanations WHERE id = ?", (result["id"],)).fetchone()
        conn.execute(
            "UPDATE model_explanations SET detail = ? WHERE id = ?",
            (json.dumps(json.loads(detail) | source), result["id"]),
        )
    return result | source
