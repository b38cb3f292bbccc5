"""Model performance without labels: CBPE for binary classifiers, DLE for regressors.

    nbops.drift.estimate_performance(model, reference_X, reference_y, current_X)
    -> {"accuracy": {"estimate": 0.91, "lower": 0.89, "upper": 0.93}, "f1": ..., "roc_auc": ...}

**CBPE** (confidence-based performance estimation): the model's scores are calibrated on
the labelled reference (isotonic regression), so on new data each row's calibrated score is
the probability that its label is 1. Accuracy, F1 and ROC AUC are then computed as the
values expected under those probabilities. This holds under covariate shift (P(x) moves,
P(y | x) does not), which is what drift monitoring watches for.

**DLE** (direct loss estimation): a gradient-boosted model of the absolute and squared
error is fitted on the reference (features plus the model's prediction); its mean
prediction on new data estimates MAE and RMSE.

The band is a ``confidence`` interval for the realized metric: for CBPE the spread of the
metric over labels drawn from the calibrated probabilities, for DLE the spread of the loss
model's out-of-fold error; both add the error of what was fitted on the reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nbops.errors import InvalidValueError

CLASSIFICATION_METRICS = ("accuracy", "f1", "roc_auc")
REGRESSION_METRICS = ("mae", "rmse")
# Labels drawn per simulation, and at most this many rows each (the spread is rescaled to n).
_DRAWS = 200
_SIMULATED_ROWS = 20_000
_AUC_BINS = 1 << 16


def estimate_performance(
    model: Any, reference_X: Any, reference_y: Any, current_X: Any, *, confidence: float = 0.95, seed: int = 0
) -> dict[str, dict[str, float]]:
    """Estimated performance of ``model`` on ``current_X`` (no labels), with a confidence band.

    A model with ``predict_proba`` is a binary classifier (CBPE: accuracy, f1, roc_auc);
    any other model with ``predict`` is a regressor (DLE: mae, rmse). ``reference_X`` and
    ``reference_y`` are labelled data the model did not train on (a test set), like
    ``current_X`` in form.
    """
    if not 0.5 <= confidence < 1:
        raise InvalidValueError(f"confidence={confidence!r} is not valid: use a number in [0.5, 1), e.g. 0.95")
    if not hasattr(model, "predict"):
        raise InvalidValueError(f"model {type(model).__name__} has no predict(): pass a fitted estimator")
    y = _labels(reference_y)
    if len(y) != _rows(reference_X):
        raise InvalidValueError(
            f"reference_X has {_rows(reference_X)} rows but reference_y has {len(y)}: they must be the same rows"
        )
    if len(y) < 20 or _rows(current_X) < 1:
        raise InvalidValueError(
            f"estimate_performance needs at least 20 labelled reference rows and 1 current "
            f"row, got {len(y)} and {_rows(current_X)}"
        )
    z = _z(confidence)
    rng = np.random.default_rng(seed)
    if hasattr(model, "predict_proba"):
        return cbpe(model, reference_X, y, current_X, z, rng)
    return dle(model, reference_X, y, current_X, z, seed)


# ---------- CBPE ----------


def cbpe(model, reference_X, y, current_X, z: float, rng) -> dict[str, dict[str, float]]:
    calibration = fit_cbpe(model, reference_X, y)
    score = _positive_score(model, current_X)
    predicted = np.asarray(model.predict(current_X)) == calibration.positive
    return calibration.estimate(score, predicted, z, rng)


class Calibration:
    """CBPE fitted on a labelled reference: a model's positive-class score -> the probability
    that the label is positive. ``estimate`` needs only scores and predictions, so a server
    that kept a histogram of its scores estimates a window without the rows."""

    def __init__(self, positive: Any, calibrator: Any, ref_p: np.ndarray, ref_pred: np.ndarray, ref_score: np.ndarray):
        self.positive = positive
        self.calibrator = calibrator
        self._reference = (ref_p, ref_pred, ref_score)
        self._fitted: dict[str, float] | None = None

    def estimate(self, score, predicted, z: float, rng, weights=None) -> dict[str, dict[str, float]]:
        """Estimates and bands for rows of positive-class ``score`` and ``predicted`` positive
        (booleans); ``weights`` counts rows when each entry stands for several (a histogram)."""
        score = np.asarray(score, dtype=np.float64)
        predicted = np.asarray(predicted).astype(np.float64)
        w = None if weights is None else np.asarray(weights, dtype=np.float64)
        p = self.calibrator.predict(score)
        estimates = {
            "accuracy": _expected_accuracy(p, predicted, w),
            "f1": _expected_f1(p, predicted, w),
            "roc_auc": _expected_auc(p, score, w),
        }
        spread = _simulated_spread(p, predicted, score, rng, w)
        if self._fitted is None:
            # The calibrator's own error: how far its estimate misses on the reference, per row of it.
            self._fitted = _simulated_spread(*self._reference, rng)
        return {
            m: _band(estimates[m], np.hypot(spread[m], self._fitted[m]), z, 0.0, 1.0) for m in CLASSIFICATION_METRICS
        }


def fit_cbpe(model, reference_X, y) -> Calibration:
    """Calibrate a binary classifier's scores on labelled reference rows (isotonic regression)."""
    from sklearn.isotonic import IsotonicRegression

    y = _labels(y)
    classes = list(getattr(model, "classes_", np.unique(y)))
    if len(classes) != 2:
        raise InvalidValueError(f"CBPE here supports binary classifiers; the model has classes {classes[:10]}")
    positive = classes[1]
    y01 = (y == positive).astype(np.float64)
    ref_score = _positive_score(model, reference_X)
    calibrator = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(ref_score, y01)
    ref_pred = (np.asarray(model.predict(reference_X)) == positive).astype(np.float64)
    return Calibration(positive, calibrator, calibrator.predict(ref_score), ref_pred, ref_score)


def _positive_score(model, X) -> np.ndarray:
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    return proba[:, 1] if proba.ndim == 2 else proba


def _expected_accuracy(p, predicted, w=None) -> float:
    return float(np.average(predicted * p + (1 - predicted) * (1 - p), weights=w))


def _expected_f1(p, predicted, w=None) -> float:
    w = 1.0 if w is None else w
    tp = np.sum(w * predicted * p)
    fp = np.sum(w * predicted * (1 - p))
    fn = np.sum(w * (1 - predicted) * p)
    return float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn > 0 else float("nan")


def _expected_auc(p, score, w=None) -> float:
    """Area under the ROC curve expected when row i is positive with probability p[i].

    Rows are grouped on a grid of ``_AUC_BINS`` score levels instead of sorted: O(n), and a
    group acts as one threshold, as tied scores do (the error is below 1e-4 on 1M rows).
    """
    low, high = float(score.min()), float(score.max())
    if high == low:
        return 0.5
    w = np.ones_like(p) if w is None else w
    level = np.minimum(((score - low) / (high - low) * _AUC_BINS).astype(np.int64), _AUC_BINS - 1)
    # highest scores first: each level is the next threshold of the curve
    tp = np.cumsum(np.bincount(level, weights=w * p, minlength=_AUC_BINS)[::-1])
    fp = np.cumsum(np.bincount(level, weights=w * (1 - p), minlength=_AUC_BINS)[::-1])
    if tp[-1] <= 0 or fp[-1] <= 0:
        return float("nan")
    tpr, fpr = np.r_[0.0, tp / tp[-1]], np.r_[0.0, fp / fp[-1]]
    return float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2))


def _simulated_spread(p, predicted, score, rng, w=None) -> dict[str, float]:
    """Standard deviation of each metric over labels drawn from ``p`` (rescaled to the rows).

    With weights (entries standing for several rows) the simulated rows are drawn by weight."""
    if w is None:
        n = len(p)
        idx = rng.choice(n, _SIMULATED_ROWS, replace=False) if n > _SIMULATED_ROWS else np.arange(n)
    else:
        n = int(round(w.sum()))
        idx = rng.choice(len(p), min(n, _SIMULATED_ROWS), p=w / w.sum())
    m = len(idx)
    p, predicted, score = p[idx], predicted[idx].astype(bool), score[idx]
    labels = rng.random((m, _DRAWS)) < p[:, None]
    correct = labels == predicted[:, None]
    tp = (labels & predicted[:, None]).sum(axis=0)
    fp = predicted.sum() - tp
    fn = labels.sum(axis=0) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * tp / (2 * tp + fp + fn)
        ranks = _ranks(score)
        positives = labels.sum(axis=0)
        negatives = m - positives
        auc = (ranks @ labels - positives * (positives + 1) / 2) / (positives * negatives)
    scale = np.sqrt(m / n)
    return {
        "accuracy": float(np.std(correct.mean(axis=0))) * scale,
        "f1": float(np.nanstd(f1)) * scale,
        "roc_auc": float(np.nanstd(auc)) * scale,
    }


def _ranks(values: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(values)


# ---------- DLE ----------


def dle(model, reference_X, y, current_X, z: float, seed: int) -> dict[str, dict[str, float]]:
    from threadpoolctl import threadpool_limits

    # One OpenMP thread: the loss models are small, and on a busy machine OpenMP's spinning
    # threads made a 1 s fit take 90 s.
    with threadpool_limits(limits=1, user_api="openmp"):
        return _dle(model, reference_X, y, current_X, z, seed)


def _dle(model, reference_X, y, current_X, z: float, seed: int) -> dict[str, dict[str, float]]:
    from sklearn.model_selection import cross_val_predict

    y = y.astype(np.float64)
    ref_pred = np.asarray(model.predict(reference_X), dtype=np.float64)
    features = _Features(reference_X)
    ref_F = features(reference_X, ref_pred)
    cur_pred = np.asarray(model.predict(current_X), dtype=np.float64)
    cur_F = features(current_X, cur_pred)
    out = {}
    for metric, loss in (("mae", np.abs(y - ref_pred)), ("rmse", (y - ref_pred) ** 2)):
        regressor = _loss_model(seed)
        oof = cross_val_predict(regressor, ref_F, loss, cv=3)
        expected = np.clip(regressor.fit(ref_F, loss).predict(cur_F), 0, None)
        mean = float(expected.mean())
        miss = loss - oof  # how far the loss model misses per row, out of fold
        # realized − estimated: per-row noise on the current rows, plus the fit's own error
        sd = float(np.std(miss)) * np.sqrt(1 / len(cur_F) + 1 / len(ref_F))
        if metric == "mae":
            out[metric] = _band(mean, sd, z, 0.0, None)
        else:  # RMSE = sqrt(MSE): the band maps through the square root
            lo, hi = max(mean - z * sd, 0.0), mean + z * sd
            out[metric] = {"estimate": float(np.sqrt(mean)), "lower": float(np.sqrt(lo)), "upper": float(np.sqrt(hi))}
    return out


def _loss_model(seed: int):
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(max_iter=200, learning_rate=0.08, min_samples_leaf=40, random_state=seed)


class _Features:
    """The loss model's inputs: numeric columns as they are, others as category codes of the
    reference's categories, plus the model's prediction."""

    def __init__(self, reference_X):
        self.categories: dict[Any, list] = {}
        if hasattr(reference_X, "columns"):
            for name in reference_X.columns:
                column = reference_X[name]
                if column.dtype.kind not in "biuf":
                    self.categories[name] = list(column.astype("category").cat.categories)

    def __call__(self, X, prediction: np.ndarray) -> np.ndarray:
        if not hasattr(X, "columns"):
            return np.column_stack([np.asarray(X, dtype=np.float64).reshape(len(prediction), -1), prediction])
        parts = []
        for name in X.columns:
            column = X[name]
            if name in self.categories:
                import pandas as pd

                codes = pd.Categorical(column, categories=self.categories[name]).codes.astype(np.float64)
                parts.append(np.where(codes < 0, np.nan, codes))
            else:
                parts.append(np.asarray(column, dtype=np.float64))
        return np.column_stack(parts + [prediction])


# ---------- shared ----------


def _band(estimate: float, sd: float, z: float, low: float | None, high: float | None) -> dict[str, float]:
    lower, upper = estimate - z * sd, estimate + z * sd
    if low is not None:
        lower = max(lower, low)
    if high is not None:
        upper = min(upper, high)
    return {"estimate": float(estimate), "lower": float(lower), "upper": float(upper)}


def _z(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))


def _labels(y) -> np.ndarray:
    out = np.asarray(y)
    if out.ndim != 1:
        out = out.reshape(-1)
    return out


def _rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


def realized_performance(kind: str, y_true, y_pred, y_score=None) -> dict[str, float]:
    """The metrics ``estimate_performance`` estimates, computed from labels (for ``log_labels``)."""
    from sklearn import metrics

    if kind == "classification":
        out = {"accuracy": float(metrics.accuracy_score(y_true, y_pred))}
        labels = np.unique(np.r_[np.asarray(y_true), np.asarray(y_pred)])
        positive = labels[-1]
        out["f1"] = float(metrics.f1_score(y_true, y_pred, pos_label=positive, zero_division=0))
        if y_score is not None and len(np.unique(y_true)) == 2:
            out["roc_auc"] = float(metrics.roc_auc_score(y_true, y_score))
        return out
    if kind == "regression":
        err = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
        return {"mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err**2)))}
    raise InvalidValueError(f"kind={kind!r} is not valid: use 'classification' or 'regression'")
