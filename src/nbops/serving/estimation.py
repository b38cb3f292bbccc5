"""Label-free performance of live windows: CBPE on the scores the server computes anyway.

When a served binary classifier with ``predict_proba`` loads, it is calibrated
(``nbops.drift.performance.fit_cbpe``) on a labelled dataset its run logged with a snapshot:
the ``validation`` or ``test`` set first, else the training set. Each answered row then adds
its positive-class score to a histogram of ``SCORE_BINS`` bins, split by the predicted
class, kept in the window's stats row (several workers add to the same row; nothing per
row is kept). When the monitor writes the version's drift window, the estimate (accuracy,
F1, ROC AUC with bands) is computed from the histogram of the whole window and stored as
``nbops.drift.check_performance`` stores one, so the Drift Monitor shows it beside drift and
rules such as ``AlertRule("accuracy_drop", 0.05)`` fire on it.

Scoring stays one model call per batch: when ``predict`` agrees with the argmax of
``predict_proba`` on every calibration row (checked at load, true of scikit-learn's usual
classifiers), the labels are read off the probabilities; otherwise both are called.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from nbops.errors import InvalidValueError, NotFoundError

log = logging.getLogger("nbops.serving")
SCORE_BINS = 1000  # score resolution of the histogram: 0.001, finer than any calibration step
PREFERRED_ROLES = ("validation", "test", "train")  # rows the model did not train on come first


@dataclass
class Estimation:
    calibration: Any  # nbops.drift.performance.Calibration
    positive: Any  # the positive class
    reference: dict[str, float]  # realized metrics on the calibration rows
    dataset: str  # the calibration dataset, e.g. "churn-valid (validation)"
    proba_gives_labels: bool  # predict == classes[argmax(predict_proba)] on the calibration rows

    def describe(self) -> dict[str, Any]:
        return {"method": "cbpe", "calibrated_on": self.dataset}

    def histogram(self, scores: list, labels: list) -> dict[str, list[int]]:
        """Sparse counts per score bin: {bin: [rows predicted negative, rows predicted positive]}."""
        out: dict[str, list[int]] = {}
        for score, label in zip(scores, labels):
            cell = out.setdefault(str(min(int(score * SCORE_BINS), SCORE_BINS - 1)), [0, 0])
            cell[label == self.positive] += 1
        return out

    def estimate(self, histogram: dict[str, list[int]], confidence: float = 0.95) -> dict[str, dict[str, float]]:
        """Accuracy, F1 and ROC AUC of the rows the histogram counts, with ``confidence`` bands."""

        from nbops.drift.performance import _z

        score, predicted, weights = [], [], []
        for key, counts in histogram.items():
            for positive, count in enumerate(counts):
                if count:
                    score.append((int(key) + 0.5) / SCORE_BINS)
                    predicted.append(positive)
                    weights.append(count)
        return self.calibration.estimate(score, predicted, _z(confidence), weights)


def merge_histograms(a: dict, b: dict) -> dict:
    out = {k: list(v) for k, v in a.items()}
    for key, (negative, positive) in b.items():
        cell = out.setdefault(key, [0, 0])
        cell[0] += negative
        cell[1] += positive
    return out


def prepare(store, row: dict, model, features: list[tuple[str, str]], label: str) -> Estimation | None:
    """The version's calibration, or None (logged) when it is not a binary classifier with
    ``predict_proba`` or no labelled snapshot of its run has the label column."""
    classes = list(getattr(model, "classes_", []))
    if not hasattr(model, "predict_proba") or len(classes) != 2:
        return None
    dataset = _labelled_dataset(store, row, label)
    if dataset is None:
        log.info(
            "nbops serve: %s v%s has no labelled snapshot (log_dataset(..., snapshot=True) with %r): "
            "no estimated performance for its live windows",
            row.get("name"),
            row["version"],
            label,
        )
        return None
    import numpy as np
    import pandas as pd

    from nbops.drift.performance import fit_cbpe, realized_performance

    with store.blobs.open(dataset["snapshot_sha256"]) as handle:
        frame = pd.read_parquet(handle, engine="pyarrow").dropna(subset=[label])
    X, y = frame[[n for n, _ in features]], frame[label].to_numpy()
    try:
        calibration = fit_cbpe(model, X, y)
        proba = np.asarray(model.predict_proba(X))
        predicted = np.asarray(model.predict(X))
    except (InvalidValueError, ValueError, TypeError, KeyError) as exc:
        log.warning("nbops serve: cannot calibrate the performance estimate on %s: %s", dataset["name"], exc)
        return None
    argmax = np.asarray(classes)[proba.argmax(axis=1)]
    return Estimation(
        calibration,
        _plain(classes[1]),
        realized_performance("classification", y, predicted, proba[:, 1]),
        f"{dataset['name']} ({dataset['role']})",
        bool(np.array_equal(argmax, predicted)),
    )


def _labelled_dataset(store, row: dict, label: str) -> dict | None:
    if row.get("run_id"):
        candidates = store.datasets.of_run(row["run_id"])
    elif row.get("dataset_id") is not None:
        try:
            candidates = [store.datasets.get(row["dataset_id"])]
        except NotFoundError:
            return None
    else:
        return None
    usable = [
        d
        for d in candidates
        if d.get("snapshot_sha256")
        and d["role"] in PREFERRED_ROLES
        and label in {c["name"] for c in d.get("schema") or []}
        and store.blobs.path(d["snapshot_sha256"]).is_file()
    ]
    usable.sort(key=lambda d: (PREFERRED_ROLES.index(d["role"]), -d["id"]))
    return usable[0] if usable else None


def _plain(value):
    return value.item() if hasattr(value, "item") else value
