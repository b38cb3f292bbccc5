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
    if hasattr(model, "predict_proba"):
        return cbpe(model, reference_X, y, current_X, z)
    return dle(model, reference_X, y, current_X, z, seed)


# ---------- CBPE ----------


def cbpe(model, reference_X, y, current_X, z: float) -> dict[str, dict[str, float]]:
    calibration = fit_cbpe(model, reference_X, y)
    score = _positive_score(model, current_X)
    predicted = np.asarray(model.predict(current_X)) == calibration.positive
    return calibration.estimate(score, predicted, z)


class Calibration:
    """CBPE fitted on a labelled reference: a model's positive-class score -> the probability
    that the label is positive. ``estimate`` needs only scores and predictions, so a server
    that kept a histogram of its scores estimates a window without the rows."""

    def __init__(self, positive: Any, calibrate: Any, ref_score: np.ndarray, ref_pred: np.ndarray):
        self.positive = positive
        self.calibrate = calibrate
        # The calibrator's own error: how far its estimate misses on the reference, per row of it.
        self._fitted = _spread(calibrate(ref_score), ref_pred, _levels(ref_score))

    def estimate(self, score, predicted, z: float, weights=None) -> dict[str, dict[str, float]]:
        """Estimates and bands for rows of positive-class ``score`` and ``predicted`` positive
        (booleans); ``weights`` counts rows when each entry stands for several (a histogram)."""
        score = np.asarray(score, dtype=np.float64)
        predicted = np.asarray(predicted).astype(np.float64)
        w = None if weights is None else np.asarray(weights, dtype=np.float64)
        p = self.calibrate(score)
        level = _levels(score)
        estimates = {
            "accuracy": _expected_accuracy(p, predicted, w),
            "f1": _expected_f1(p, predicted, w),
            "roc_auc": _expected_auc(p, level, w),
        }
        spread = _spread(p, predicted, level, w)
        return {
            m: _band(estimates[m], np.hypot(spread[m], self._fitted[m]), z, 0.0, 1.0) for m in CLASSIFICATION_METRICS
        }


def fit_cbpe(model, reference_X, y) -> Calibration:
    """Calibrate a binary classifier's scores on labelled reference rows (isotonic regression)."""
    y = _labels(y)
    classes = list(getattr(model, "classes_", np.unique(y)))
    if len(classes) != 2:
        raise InvalidValueError(f"CBPE here supports binary classifiers; the model has classes {classes[:10]}")
    positive = classes[1]
    y01 = (y == positive).astype(np.float64)
    ref_score = _positive_score(model, reference_X)
    ref_pred = (np.asarray(model.predict(reference_X)) == positive).astype(np.float64)
    return Calibration(positive, _isotonic(ref_score, y01), ref_score, ref_pred)


def _isotonic(score: np.ndarray, y01: np.ndarray):
    """The isotonic calibration map of ``score`` to P(y = 1), as sklearn's
    ``IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)`` fits it: tied scores pooled
    to their mean label, pool-adjacent-violators (scipy), linear between the fitted points and
    flat beyond them. Only the points where the fitted step changes are kept (plus the ends),
    so calibrating 1M scores is a binary search in a few hundred points, not 100k."""
    from scipy.optimize import isotonic_regression

    order = np.argsort(score, kind="stable")  # the one sort
    ordered = score[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    x, counts = ordered[starts], np.diff(np.r_[starts, len(score)])
    sums = np.add.reduceat(y01[order], starts)
    fitted = np.clip(isotonic_regression(sums / counts, weights=counts).x, 0.0, 1.0)
    # keep a point when the fit changes on either side of it: the rest lie on straight segments
    keep = np.ones(len(x), dtype=bool)
    if len(x) > 2:
        keep[1:-1] = (fitted[1:-1] != fitted[:-2]) | (fitted[1:-1] != fitted[2:])
    xs, ys = x[keep], fitted[keep]
    return lambda values: np.interp(values, xs, ys)


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


def _levels(score: np.ndarray) -> np.ndarray:
    """Each score's level on a grid of ``_AUC_BINS`` between the lowest and highest score.

    Rows are grouped on the grid instead of sorted: O(n), and a group acts as one threshold,
    as tied scores do (the AUC moves by less than 1e-4 on 1M rows)."""
    low, high = float(score.min()), float(score.max())
    if high == low:
        return np.zeros(len(score), dtype=np.int64)
    return np.minimum(((score - low) / (high - low) * _AUC_BINS).astype(np.int64), _AUC_BINS - 1)


def _expected_auc(p, level, w=None) -> float:
    """Area under the ROC curve expected when row i is positive with probability p[i]."""
    if level.max() == 0:
        return 0.5
    w = 1.0 if w is None else w
    # highest scores first: each level is the next threshold of the curve
    tp = np.cumsum(np.bincount(level, weights=w * p, minlength=_AUC_BINS)[::-1])
    fp = np.cumsum(np.bincount(level, weights=w * (1 - p), minlength=_AUC_BINS)[::-1])
    if tp[-1] <= 0 or fp[-1] <= 0:
        return float("nan")
    tpr, fpr = np.r_[0.0, tp / tp[-1]], np.r_[0.0, fp / fp[-1]]
    return float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2))


def _spread(p, predicted, level, w=None) -> dict[str, float]:
    """Standard deviation of each realized metric when row i's label is an independent
    Bernoulli(p[i]): the model CBPE assumes. ``w`` counts rows when each entry stands for
    several (a histogram's bins): its rows are independent draws of the same p.

    Accuracy is a mean of independent terms, so its variance is exact: sum p(1-p) / n^2.
    F1 = 2A / (P + A + B) with A, B the positives among predicted-positive and -negative rows
    (independent sums, P fixed) and the AUC = (U - L(L+1)/2) / (L(n-L)) with U the rank sum of
    the positives and L their number are smooth functions of sums of independent terms, so
    the delta method gives their variance to O(1/n) — the spread a simulation of labels
    estimates, without its Monte Carlo error (5% in the sd with 200 draws) and in O(n).
    """
    w = np.ones_like(p) if w is None else w
    n = float(w.sum())
    v = p * (1 - p)
    accuracy = np.sqrt(float(w @ v)) / n
    pos = predicted > 0
    predicted_pos = float(w[pos].sum())
    a, b = float(w[pos] @ p[pos]), float(w[~pos] @ p[~pos])
    var_a, var_b = float(w[pos] @ v[pos]), float(w[~pos] @ v[~pos])
    denominator = predicted_pos + a + b
    f1 = (
        np.sqrt((2 * (predicted_pos + b) / denominator**2) ** 2 * var_a + (2 * a / denominator**2) ** 2 * var_b)
        if denominator > 0
        else float("nan")
    )
    # average ranks of the grid's levels (tied levels share their mean rank)
    per_level = np.bincount(level, weights=w, minlength=_AUC_BINS)
    rank = (np.cumsum(per_level) - (per_level - 1) / 2)[level]
    positives = float(w @ p)
    u = float(rank @ (w * p))
    wv = w * v
    var_u, var_l, cov = float((rank * rank) @ wv), float(wv.sum()), float(rank @ wv)
    m = positives * (n - positives)
    if m > 0:
        grad_u = 1 / m
        grad_l = (-(positives + 0.5) * m - (u - positives * (positives + 1) / 2) * (n - 2 * positives)) / m**2
        auc = np.sqrt(max(grad_u**2 * var_u + grad_l**2 * var_l + 2 * grad_u * grad_l * cov, 0.0))
    else:
        auc = float("nan")
    return {"accuracy": float(accuracy), "f1": float(f1), "roc_auc": float(auc)}


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
    from statistics import NormalDist  # scipy.stats would cost a second of import here

    return float(NormalDist().inv_cdf(0.5 + confidence / 2))


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
