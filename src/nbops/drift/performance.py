"""Model performance without labels: CBPE for binary classifiers, DLE for regressors.

    nbops.drift.estimate_performance(model, reference_X, reference_y, current_X)
    -> {"accuracy": {"estimate": 0.91, "lower": 0.89, "upper": 0.93}, "f1": ..., "roc_auc": ...}

**CBPE** (confidence-based performance estimation): the model's scores are calibrated on
the labelled reference (isotonic regression), so on new data each row's calibrated score is
the probability that its label is 1. Accuracy, F1 and ROC AUC are then computed as the
values expected under those probabilities. This holds under covariate shift (P(x) moves,
P(y | x) does not), which is what drift monitoring watches for.

**DLE** (direct loss estimation): two gradient-boosted models, of the absolute and of the
squared error, are fitted on the whole reference (features plus the model's prediction) with
LightGBM's default settings, as NannyML's DLE fits them; their mean prediction on new data
estimates MAE and RMSE (on a seeded uniform sample of ``SAMPLE_ROWS`` rows of a larger set).

The band is a ``confidence`` interval for the realized metric: for CBPE the spread of the
metric over labels drawn from the calibrated probabilities, for DLE the sampling error of a
mean of the window's losses; both add the error of what was fitted on the reference (for
DLE, measured by the same fit on part of the reference, on the share it left out), and DLE
on a sample adds the standard error of the sample's mean.
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
    that kept a histogram of its scores estimates a window without the rows.

    ``reference_proba`` and ``reference_predictions`` are the model's ``predict_proba`` and
    ``predict`` on the calibration rows, kept so a caller never scores those rows twice."""

    def __init__(self, positive: Any, calibrate: Any, reference_proba: np.ndarray, reference_predictions: np.ndarray):
        self.positive = positive
        self.calibrate = calibrate
        self.reference_proba = reference_proba
        self.reference_predictions = reference_predictions
        ref_score = _positive_column(reference_proba)
        # The calibrator's own error: how far its estimate misses on the reference, per row of it.
        self._fitted = _spread(_sums(calibrate(ref_score), reference_predictions == positive, _levels(ref_score)))

    def estimate(self, score, predicted, z: float, weights=None) -> dict[str, dict[str, float]]:
        """Estimates and bands for rows of positive-class ``score`` and ``predicted`` positive
        (booleans); ``weights`` counts rows when each entry stands for several (a histogram)."""
        score = np.asarray(score, dtype=np.float64)
        w = None if weights is None else np.asarray(weights, dtype=np.float64)
        sums = _sums(self.calibrate(score), np.asarray(predicted, dtype=bool), _levels(score), w)
        estimates = {"accuracy": _expected_accuracy(sums), "f1": _expected_f1(sums), "roc_auc": _expected_auc(sums)}
        spread = _spread(sums)
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
    proba = np.asarray(model.predict_proba(reference_X), dtype=np.float64)
    predictions = np.asarray(model.predict(reference_X))
    calibrate = _isotonic(_positive_column(proba), (y == positive).astype(np.float64))
    return Calibration(positive, calibrate, proba, predictions)


def _isotonic(score: np.ndarray, y01: np.ndarray) -> _PiecewiseLinear:
    """The isotonic calibration map of ``score`` to P(y = 1), as sklearn's
    ``IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)`` fits it: tied scores pooled
    to their mean label, pool-adjacent-violators (scipy), linear between the fitted points and
    flat beyond them. Only the points where the fitted step changes are kept (plus the ends):
    a few hundred, not 100k."""
    from scipy.optimize import isotonic_regression

    order = np.argsort(score)  # the one sort (ties are pooled, so their order does not matter)
    ordered = score[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    x, counts = ordered[starts], np.diff(np.r_[starts, len(score)])
    sums = np.add.reduceat(y01[order], starts)
    fitted = np.clip(isotonic_regression(sums / counts, weights=counts).x, 0.0, 1.0)
    # keep a point when the fit changes on either side of it: the rest lie on straight segments
    keep = np.ones(len(x), dtype=bool)
    if len(x) > 2:
        keep[1:-1] = (fitted[1:-1] != fitted[:-2]) | (fitted[1:-1] != fitted[2:])
    return _PiecewiseLinear(x[keep], fitted[keep])


class _PiecewiseLinear:
    """``np.interp(values, xs, ys)``, value for value, without its binary search per value.

    A binary search over a few hundred points is a chain of unpredictable branches: on 1M
    scores it was most of CBPE's time. Here each value finds its segment on a uniform grid
    of cells over [xs[0], xs[-1]] (one multiply and one lookup); only values in the few
    cells that hold a breakpoint are searched."""

    CELLS_PER_POINT = 16

    def __init__(self, xs: np.ndarray, ys: np.ndarray):
        self.xs, self.ys = xs, ys
        cells = len(xs) * self.CELLS_PER_POINT
        self.scale = cells / (xs[-1] - xs[0]) if len(xs) > 1 else 0.0
        edges = xs[0] + np.arange(cells + 1) / self.scale if len(xs) > 1 else xs[:1]
        segment = np.searchsorted(xs, edges, side="right") - 1  # segment of each cell's left edge
        self.segment = np.minimum(segment[:-1], len(xs) - 1)
        self.mixed = segment[1:] != segment[:-1]  # a breakpoint falls inside the cell
        # np.interp's formula per segment; the last "segment" is flat at ys[-1] (values >= xs[-1])
        self.slope = np.r_[np.diff(ys) / np.diff(xs), 0.0]

    def __call__(self, values) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if len(self.xs) == 1:
            return np.full(values.shape, self.ys[0])
        x = np.clip(values, self.xs[0], self.xs[-1])  # flat beyond the ends, as np.interp
        scaled = x - self.xs[0]
        scaled *= self.scale
        with np.errstate(invalid="ignore"):  # a NaN's cell is garbage: clipped, any will do, it stays NaN
            cell = scaled.astype(np.intp)
        np.clip(cell, 0, len(self.segment) - 1, out=cell)
        k = self.segment.take(cell)
        searched = np.flatnonzero(self.mixed.take(cell))
        k[searched] = np.searchsorted(self.xs, x[searched], side="right") - 1
        # slope * (x - xs[k]) + ys[k], in two buffers: fresh 8 MB temporaries cost more than the arithmetic
        out, term = np.subtract(x, self.xs.take(k, out=scaled), out=x), scaled
        out *= self.slope.take(k, out=term)
        out += self.ys.take(k, out=term)
        return out


def _positive_score(model, X) -> np.ndarray:
    return _positive_column(np.asarray(model.predict_proba(X), dtype=np.float64))


def _positive_column(proba: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(proba[:, 1]) if proba.ndim == 2 else proba


def _levels(score: np.ndarray) -> np.ndarray:
    """Each score's level on a grid of ``_AUC_BINS`` between the lowest and highest score.

    Rows are grouped on the grid instead of sorted: O(n), and a group acts as one threshold,
    as tied scores do (the AUC moves by less than 1e-4 on 1M rows)."""
    low, high = float(score.min()), float(score.max())
    if high == low:
        return np.zeros(len(score), dtype=np.intp)
    scaled = score - low
    scaled /= high - low
    scaled *= _AUC_BINS
    level = scaled.astype(np.intp)
    return np.minimum(level, _AUC_BINS - 1, out=level)


def _sums(p, predicted, level, w=None) -> np.ndarray:
    """Rows, Σp and Σp² per predicted class and score level, shape (3, 2, levels): all that the
    expected metrics and their spread need, in three bincounts over the rows.
    ``w`` counts rows when each entry stands for several (a histogram's bins)."""
    key = np.asarray(predicted, dtype=np.intp) * _AUC_BINS
    key += level
    size = 2 * _AUC_BINS
    rows = np.bincount(key, minlength=size).astype(np.float64) if w is None else np.bincount(key, w, size)
    wp = p if w is None else w * p
    return np.stack(
        [rows, np.bincount(key, weights=wp, minlength=size), np.bincount(key, weights=wp * p, minlength=size)]
    ).reshape(3, 2, _AUC_BINS)


def _expected_accuracy(sums) -> float:
    rows, p = sums[0].sum(axis=1), sums[1].sum(axis=1)  # per predicted class: [negative, positive]
    return float((p[1] + rows[0] - p[0]) / rows.sum())


def _expected_f1(sums) -> float:
    rows, p = sums[0].sum(axis=1), sums[1].sum(axis=1)
    tp, fp, fn = p[1], rows[1] - p[1], p[0]
    return float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn > 0 else float("nan")


def _expected_auc(sums) -> float:
    """Area under the ROC curve expected when row i is positive with probability p[i]."""
    rows, positive = sums[0, 0] + sums[0, 1], sums[1, 0] + sums[1, 1]  # per level
    if not rows[1:].any():
        return 0.5
    # highest scores first: each level is the next threshold of the curve
    tp = np.cumsum(positive[::-1])
    fp = np.cumsum((rows - positive)[::-1])
    if tp[-1] <= 0 or fp[-1] <= 0:
        return float("nan")
    tpr, fpr = np.r_[0.0, tp / tp[-1]], np.r_[0.0, fp / fp[-1]]
    return float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2))


def _spread(sums) -> dict[str, float]:
    """Standard deviation of each realized metric when row i's label is an independent
    Bernoulli(p[i]): the model CBPE assumes. Rows counted together (a histogram's bins) are
    independent draws of the same p.

    Accuracy is a mean of independent terms, so its variance is exact: sum p(1-p) / n^2.
    F1 = 2A / (P + A + B) with A, B the positives among predicted-positive and -negative rows
    (independent sums, P fixed) and the AUC = (U - L(L+1)/2) / (L(n-L)) with U the rank sum of
    the positives and L their number are smooth functions of sums of independent terms, so
    the delta method gives their variance to O(1/n) — the spread a simulation of labels
    estimates, without its Monte Carlo error (5% in the sd with 200 draws) and in O(n).
    """
    rows, p, v = sums[0], sums[1], sums[1] - sums[2]  # v: Σ p(1 - p)
    n = float(rows.sum())
    accuracy = np.sqrt(float(v.sum())) / n
    predicted_pos = float(rows[1].sum())
    a, b = float(p[1].sum()), float(p[0].sum())
    var_a, var_b = float(v[1].sum()), float(v[0].sum())
    denominator = predicted_pos + a + b
    f1 = (
        np.sqrt((2 * (predicted_pos + b) / denominator**2) ** 2 * var_a + (2 * a / denominator**2) ** 2 * var_b)
        if denominator > 0
        else float("nan")
    )
    # average ranks of the grid's levels (tied levels share their mean rank)
    per_level, p_level, v_level = rows[0] + rows[1], p[0] + p[1], v[0] + v[1]
    rank = np.cumsum(per_level) - (per_level - 1) / 2
    positives = a + b
    # products summed by numpy, not `@`: BLAS threads a 65,536-long dot, and on a busy host
    # its threads waited for cores longer than the sums take
    u = float(np.sum(rank * p_level))
    var_u, var_l, cov = float(np.sum(rank * rank * v_level)), float(v_level.sum()), float(np.sum(rank * v_level))
    m = positives * (n - positives)
    if m > 0:
        grad_u = 1 / m
        grad_l = (-(positives + 0.5) * m - (u - positives * (positives + 1) / 2) * (n - 2 * positives)) / m**2
        auc = np.sqrt(max(grad_u**2 * var_u + grad_l**2 * var_l + 2 * grad_u * grad_l * cov, 0.0))
    else:
        auc = float("nan")
    return {"accuracy": float(accuracy), "f1": float(f1), "roc_auc": float(auc)}


# ---------- DLE ----------

HOLDOUT = 0.2  # share of the reference the checking fit leaves out, to measure the loss models' error there
# Analysis rows DLE predicts at most. The estimate is a mean of predicted losses, so a uniform
# sample of them estimates it, and the band adds that sample mean's standard error; walking
# 2 × 100 trees for every row of a large set was most of DLE's time.
SAMPLE_ROWS = 50_000


def dle(model, reference_X, y, current_X, z: float, seed: int) -> dict[str, dict[str, float]]:
    losses = fit_dle(model, reference_X, y, seed)
    sums, sampling = expected_sums(losses, model, current_X, seed)
    return losses.estimate(_rows(current_X), sums, z, sampling)


def expected_sums(losses: LossModel, model, X, seed: int, limit: int | None = None) -> tuple[dict, dict]:
    """Sums of the rows' expected errors over ``X`` and the standard error of their mean per
    metric: exact (0) up to ``limit`` rows (default ``SAMPLE_ROWS``); beyond, estimated from a
    seeded uniform sample of ``limit`` rows (without replacement, hence the finite-population
    factor). Only the sample is passed to ``model.predict`` and the loss models."""
    rows, limit = _rows(X), SAMPLE_ROWS if limit is None else limit
    if rows > limit:
        # sorted: a DataFrame's rows are then gathered in memory order
        taken = np.sort(np.random.default_rng([seed, rows]).choice(rows, size=limit, replace=False))
        X = X.iloc[taken] if hasattr(X, "iloc") else np.asarray(X)[taken]
    expected = losses.expected(X, np.asarray(model.predict(X), dtype=np.float64))
    m = min(rows, limit)
    spread = np.sqrt((1 - m / rows) / m) if m > 1 else 0.0
    return (
        {metric: float(e.mean() * rows) for metric, e in expected.items()},
        {metric: float(e.std(ddof=1) * spread) if m > 1 else 0.0 for metric, e in expected.items()},
    )


class LossModel:
    """DLE fitted on a labelled reference: two boosted models of a row's absolute and squared
    error from its features and the model's prediction. ``estimate`` needs only a window's row
    count and the sums of those expected errors, so a server keeps two numbers per window.

    The band is ``z`` standard deviations of realized − estimated, in independent parts:
    - sampling: the realized error is a mean over the window's rows, whose losses scatter by
      the reference's loss standard deviation (NannyML's band is this term alone, at z = 3);
    - the loss model's own error: the same fit on (1 − ``HOLDOUT``) of the reference, scored
      on the rest: the mean of its misses there (bias) and that mean's standard error. The
      loss models in use are fitted on all the rows, so this slightly overstates their error;
    - when the expected errors were predicted for a sample of the window's rows only (more than
      ``SAMPLE_ROWS``), the standard error of that sample's mean.
    RMSE's band is the square root of MSE's."""

    def __init__(self, features, models: dict, loss_sd: dict, fit_error: dict, reference_predictions: np.ndarray):
        self.features = features
        self.models = models
        self.loss_sd = loss_sd
        self.fit_error = fit_error
        self.reference_predictions = reference_predictions  # kept so a caller never predicts those rows twice

    def expected(self, X, prediction: np.ndarray) -> dict[str, np.ndarray]:
        """Each row's expected absolute ("mae") and squared ("rmse") error."""
        from threadpoolctl import threadpool_limits

        F = self.features(X, prediction)
        # One OpenMP thread: the loss models are small, and on a busy machine OpenMP's spinning
        # threads made a 1 s fit take 90 s.
        with threadpool_limits(limits=1, user_api="openmp"):
            return {m: np.clip(model.predict(F), 0, None) for m, model in self.models.items()}

    def estimate(
        self, rows: int, sums: dict[str, float], z: float, sampling: dict[str, float] | None = None
    ) -> dict[str, dict[str, float]]:
        """MAE and RMSE with bands for ``rows`` rows whose expected errors sum to ``sums``.
        ``sampling``: the standard error of the mean expected error (of MAE, of MSE) when the
        sums were estimated from a sample of the rows, a third independent part of the band."""
        out = {}
        for metric in REGRESSION_METRICS:
            mean = sums[metric] / rows
            sample_sd = (sampling or {}).get(metric, 0.0)
            sd = float(np.sqrt((self.loss_sd[metric] ** 2 / rows) + self.fit_error[metric] ** 2 + sample_sd**2))
            if metric == "mae":
                out[metric] = _band(mean, sd, z, 0.0, None)
            else:  # RMSE = sqrt(MSE): the band maps through the square root
                lo, hi = max(mean - z * sd, 0.0), mean + z * sd
                out[metric] = {
                    "estimate": float(np.sqrt(mean)),
                    "lower": float(np.sqrt(lo)),
                    "upper": float(np.sqrt(hi)),
                }
        return out


def fit_dle(model, reference_X, y, seed: int = 0) -> LossModel:
    """Fit the loss models on labelled reference rows: one for |error|, one for error², each on
    all the rows. A checking fit of each on (1 − ``HOLDOUT``) of the rows measures their error
    on the rest (validate, then refit on everything)."""
    from threadpoolctl import threadpool_limits

    y = np.asarray(_labels(y), dtype=np.float64)
    prediction = np.asarray(model.predict(reference_X), dtype=np.float64)
    features = _Features(reference_X)
    F = features(reference_X, prediction)
    held = np.zeros(len(y), dtype=bool)
    held[np.random.default_rng(seed).permutation(len(y))[: max(int(HOLDOUT * len(y)), 2)]] = True
    models, loss_sd, fit_error = {}, {}, {}
    with threadpool_limits(limits=1, user_api="openmp"):
        for metric, loss in (("mae", np.abs(y - prediction)), ("rmse", (y - prediction) ** 2)):
            check = _loss_model(_as_categories(F[~held], features.categorical), seed).fit(F[~held], loss[~held])
            miss = loss[held] - np.clip(check.predict(F[held]), 0, None)
            fit_error[metric] = float(np.hypot(miss.mean(), miss.std() / np.sqrt(len(miss))))
            models[metric] = _loss_model(_as_categories(F, features.categorical), seed).fit(F, loss)
            loss_sd[metric] = float(loss.std())
    return LossModel(features, models, loss_sd, fit_error, prediction)


def _as_categories(F: np.ndarray, coded: list[bool]) -> list[bool]:
    """The columns of ``F`` to split as categories: the coded ones, and any with no value at
    all (scikit-learn fails to bin a column of only NaN as numbers; as a category it is fine)."""
    return [c or bool(np.isnan(F[:, i]).all()) for i, c in enumerate(coded)]


def _loss_model(categorical: list[bool], seed: int):
    """A gradient-boosted regressor set as LightGBM's defaults, the learner NannyML's DLE uses:
    100 trees of up to 31 leaves, learning rate 0.1, at least 20 rows per leaf, 255 bins, no
    regularization, no early stopping. Columns coded from categories are split as categories."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        max_iter=100,
        learning_rate=0.1,
        max_leaf_nodes=31,
        max_depth=None,
        min_samples_leaf=20,
        max_bins=255,
        l2_regularization=0.0,
        early_stopping=False,
        categorical_features=categorical if any(categorical) else None,
        random_state=seed,
    )


class _Features:
    """The loss model's inputs: numeric columns as they are, others as category codes of the
    reference's categories, plus the model's prediction. ``categorical`` marks the coded
    columns the loss model splits as categories: those with at most ``MAX_CATEGORIES``
    categories (the regressor's limit); codes of more are split as numbers."""

    MAX_CATEGORIES = 255

    def __init__(self, reference_X):
        self.categories: dict[Any, list] = {}
        self.categorical: list[bool] = []
        if hasattr(reference_X, "columns"):
            for name in reference_X.columns:
                column = reference_X[name]
                if column.dtype.kind not in "biuf":
                    self.categories[name] = list(column.astype("category").cat.categories)
                self.categorical.append(0 < len(self.categories.get(name, ())) <= self.MAX_CATEGORIES)
        else:
            self.categorical = [False] * (np.asarray(reference_X).reshape(_rows(reference_X), -1).shape[1])
        self.categorical.append(False)  # the prediction

    def __call__(self, X, prediction: np.ndarray) -> np.ndarray:
        if not hasattr(X, "columns"):
            return np.column_stack([np.asarray(X, dtype=np.float64).reshape(len(prediction), -1), prediction])
        parts = []
        for name in X.columns:
            column = X[name]
            if name in self.categories:
                import pandas as pd

                # -1 for a category the reference never had and for missing values: both NaN
                codes = pd.Index(self.categories[name]).get_indexer(column).astype(np.float64)
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
