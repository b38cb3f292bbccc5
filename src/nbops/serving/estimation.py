"""Label-free performance of live windows: CBPE for served classifiers, DLE for regressors.

When a served version loads, its estimator is fitted once on a labelled dataset its run
logged with a snapshot: the ``validation`` or ``test`` set first, else the training set.

- A binary classifier with ``predict_proba`` is calibrated (CBPE,
  ``nbops.drift.performance.fit_cbpe``). Each answered row adds its positive-class score to
  a histogram of ``SCORE_BINS`` bins, split by the predicted class.
- A regressor (``predict`` only) gets DLE's loss models (``fit_dle``). Each batch of answered
  rows the monitor writes is scored by them at once (one call per model, on the rows the
  server parsed anyway), and adds its row count and the sums of the rows' expected absolute
  and squared errors.

Either summary is a dict of additive cells ``{key: [a, b]}`` kept in the window's stats row
(several workers add to the same row; nothing per row is kept). When the monitor writes the
version's drift window, the estimate (accuracy, F1, ROC AUC or MAE, RMSE, with bands) is
computed from the summary of the whole window and stored as
``nbops.drift.check_performance`` stores one, so the Drift Monitor shows it beside drift and
rules such as ``AlertRule("accuracy_drop", 0.05)`` or ``AlertRule("mae_increase", 0.2)`` fire.

Scoring a classifier stays one model call per batch: when ``predict`` agrees with the argmax
of ``predict_proba`` on every calibration row (checked at load, true of scikit-learn's usual
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
    """CBPE of a served binary classifier."""

    calibration: Any  # nbops.drift.performance.Calibration
    positive: Any  # the positive class
    reference: dict[str, float]  # realized metrics on the calibration rows
    dataset: str  # the calibration dataset, e.g. "churn-valid (validation)"
    proba_gives_labels: bool  # predict == classes[argmax(predict_proba)] on the calibration rows
    method = "cbpe"

    def describe(self) -> dict[str, Any]:
        return {"method": self.method, "calibrated_on": self.dataset}

    def summarize(self, answered: list, features) -> dict[str, list[int]]:
        """Sparse counts per score bin of answered observations:
        {bin: [rows predicted negative, rows predicted positive]}."""
        import numpy as np

        scored = [o for o in answered if o.scores is not None]
        if not scored:
            return {}
        score = np.concatenate([np.asarray(o.scores, dtype=np.float64) for o in scored])
        positive = np.concatenate([np.asarray(o.predictions, dtype=object) for o in scored]) == self.positive
        key = np.minimum((score * SCORE_BINS).astype(np.intp), SCORE_BINS - 1) * 2 + positive
        counts = np.bincount(key, minlength=2 * SCORE_BINS).reshape(SCORE_BINS, 2)
        return {str(b): counts[b].tolist() for b in np.flatnonzero(counts.any(axis=1))}

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


@dataclass
class LossEstimation:
    """DLE of a served regressor."""

    losses: Any  # nbops.drift.performance.LossModel
    reference: dict[str, float]  # realized MAE and RMSE on the calibration rows
    dataset: str
    proba_gives_labels = False
    method = "dle"

    def describe(self) -> dict[str, Any]:
        return {"method": self.method, "calibrated_on": self.dataset}

    def summarize(self, answered: list, features) -> dict[str, list[float]]:
        """{"mae": [rows, Σ expected |error|], "rmse": [rows, Σ expected error²]} of answered
        observations: their rows scored by the loss models in one call each."""
        import numpy as np

        from nbops.serving.payload import frame

        prediction = np.concatenate([np.asarray(o.predictions, dtype=np.float64) for o in answered])
        expected = self.losses.expected(frame([o.columns for o in answered], features), prediction)
        return {m: [len(prediction), float(e.sum())] for m, e in expected.items()}

    def estimate(self, sums: dict[str, list[float]], confidence: float = 0.95) -> dict[str, dict[str, float]]:
        """MAE and RMSE of the rows the sums count, with ``confidence`` bands."""
        from nbops.drift.performance import _z

        return self.losses.estimate(sums["mae"][0], {m: total for m, (_, total) in sums.items()}, _z(confidence))


def merge_histograms(a: dict, b: dict) -> dict:
    """Add two summaries cell by cell (score histograms, or DLE's row counts and sums)."""
    out = {k: list(v) for k, v in a.items()}
    for key, (first, second) in b.items():
        cell = out.setdefault(key, [0, 0])
        cell[0] += first
        cell[1] += second
    return out


def prepare(store, row: dict, model, features: list[tuple[str, str]], label: str):
    """The version's estimator (``Estimation`` for a binary classifier with ``predict_proba``,
    ``LossEstimation`` for a regressor), or None (logged) when it is neither or no labelled
    snapshot of its run has the label column."""
    classes = list(getattr(model, "classes_", []))
    classifier = hasattr(model, "predict_proba") and len(classes) == 2
    regressor = not hasattr(model, "predict_proba") and not classes
    if not (classifier or regressor):
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

    from nbops.drift.performance import fit_cbpe, fit_dle, realized_performance

    with store.blobs.open(dataset["snapshot_sha256"]) as handle:
        frame = pd.read_parquet(handle, engine="pyarrow").dropna(subset=[label])
    X, y = frame[[n for n, _ in features]], frame[label].to_numpy()
    described = f"{dataset['name']} ({dataset['role']})"
    try:
        if regressor:
            losses = fit_dle(model, X, y)
            return LossEstimation(
                losses, realized_performance("regression", y, losses.reference_predictions), described
            )
        calibration = fit_cbpe(model, X, y)  # scores the rows once; kept on the calibration
    except (InvalidValueError, ValueError, TypeError, KeyError) as exc:
        log.warning("nbops serve: cannot fit the performance estimate on %s: %s", dataset["name"], exc)
        return None
    proba, predicted = calibration.reference_proba, calibration.reference_predictions
    argmax = np.asarray(classes)[proba.argmax(axis=1)]
    return Estimation(
        calibration,
        _plain(classes[1]),
        realized_performance("classification", y, predicted, proba[:, 1]),
        described,
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
