"""Multivariate drift: what per-feature tests cannot see (a correlation that flips).

    nbops.drift.multivariate_drift(reference_df, current_df)
    -> {"drifted": True, "domain_auc": 0.81, "auc_threshold": 0.52,
        "reconstruction_error": 1.73, "reference_error": 0.10, "error_ratio": 17.3, ...}

Two detectors over the numeric columns (standardized on the reference):

* **Domain classifier**: gradient-boosted trees learn to tell reference rows from current
  rows; its out-of-fold ROC AUC is 0.5 when they are alike. The threshold needs no
  permutations: under "no drift" the AUC of any scorer is a Mann-Whitney statistic with
  standard deviation sqrt((n0 + n1 + 1) / (12 n0 n1)), so the threshold is 0.5 plus
  ``z(alpha)`` of those, and at least ``min_auc`` (an effect size, so a huge window does
  not flag a negligible change).
* **PCA reconstruction error**: the reference's principal components that explain
  ``variance`` of its variance; the current rows' mean squared distance to that subspace,
  against the reference's own. It needs only means and covariances (``Moments``), which
  merge across chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nbops.errors import InvalidValueError


@dataclass
class Moments:
    """Count, mean and scatter matrix of numeric rows: mergeable, so chunks can be added up."""

    n: int
    mean: np.ndarray
    scatter: np.ndarray  # sum of (x - mean)(x - mean)^T

    @classmethod
    def of(cls, X: np.ndarray) -> Moments:
        mean = X.mean(axis=0)
        centred = X - mean
        return cls(len(X), mean, centred.T @ centred)

    def __add__(self, other: Moments) -> Moments:
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        scatter = self.scatter + other.scatter + np.outer(delta, delta) * self.n * other.n / n
        return Moments(n, mean, scatter)

    @property
    def covariance(self) -> np.ndarray:
        return self.scatter / max(self.n - 1, 1)


def multivariate_drift(
    reference: Any,
    current: Any,
    *,
    variance: float = 0.9,
    alpha: float = 0.001,
    min_auc: float = 0.55,
    max_rows: int = 50_000,
    error_ratio: float = 1.2,
    seed: int = 0,
) -> dict[str, Any]:
    """Domain-classifier AUC and PCA reconstruction error of ``current`` against ``reference``."""
    columns, ref, cur = _numeric(reference, current)
    centre, scale = np.nanmean(ref, axis=0), np.nanstd(ref, axis=0)
    scale[scale == 0] = 1.0
    ref, cur = (ref - centre) / scale, (cur - centre) / scale
    pca = reconstruction_error(Moments.of(np.nan_to_num(ref)), Moments.of(np.nan_to_num(cur)), variance)
    auc, threshold = domain_classifier_auc(ref, cur, alpha=alpha, min_auc=min_auc, max_rows=max_rows, seed=seed)
    ratio = pca["current"] / pca["reference"] if pca["reference"] > 0 else float("inf")
    return {
        "drifted": bool(auc >= threshold or ratio >= error_ratio),
        "domain_auc": auc,
        "auc_threshold": threshold,
        "domain_drifted": bool(auc >= threshold),
        "reconstruction_error": pca["current"],
        "reference_error": pca["reference"],
        "error_ratio": ratio,
        "components": pca["components"],
        "features": columns,
        "rows": [len(ref), len(cur)],
    }


def reconstruction_error(reference: Moments, current: Moments, variance: float = 0.9) -> dict[str, float]:
    """Mean squared distance to the reference's principal subspace, for both sides, from moments alone.

    E||(I - P)(x - mu)||^2 = trace((I - P) (C + d d^T)), with C the current covariance and d
    its mean's offset from the reference mean mu.
    """
    values, vectors = np.linalg.eigh(reference.covariance)
    values, vectors = values[::-1], vectors[:, ::-1]
    share = np.cumsum(values) / values.sum() if values.sum() > 0 else np.ones_like(values)
    k = int(np.searchsorted(share, variance) + 1)
    k = min(k, len(values) - 1) if len(values) > 1 else 1
    residual = np.eye(len(values)) - vectors[:, :k] @ vectors[:, :k].T
    offset = current.mean - reference.mean
    second = current.covariance + np.outer(offset, offset)
    return {
        "reference": float(np.trace(residual @ reference.covariance)),
        "current": float(np.trace(residual @ second)),
        "components": k,
    }


def domain_classifier_auc(
    ref: np.ndarray,
    cur: np.ndarray,
    *,
    alpha: float = 0.001,
    min_auc: float = 0.55,
    max_rows: int = 50_000,
    seed: int = 0,
) -> tuple[float, float]:
    """Out-of-fold AUC of a classifier telling ``cur`` rows from ``ref`` rows, and its threshold."""
    from scipy.stats import norm
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    ref = ref[rng.choice(len(ref), max_rows, replace=False)] if len(ref) > max_rows else ref
    cur = cur[rng.choice(len(cur), max_rows, replace=False)] if len(cur) > max_rows else cur
    X = np.vstack([ref, cur])
    y = np.r_[np.zeros(len(ref)), np.ones(len(cur))]
    model = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, random_state=seed)
    with threadpool_limits(limits=1, user_api="openmp"):  # see performance.dle: spinning threads
        score = cross_val_predict(
            model, X, y, cv=StratifiedKFold(2, shuffle=True, random_state=seed), method="predict_proba"
        )[:, 1]
    auc = float(roc_auc_score(y, score))
    n0, n1 = len(ref), len(cur)
    sd = np.sqrt((n0 + n1 + 1) / (12 * n0 * n1))
    return auc, float(max(0.5 + norm.isf(alpha) * sd, min_auc))


def _numeric(reference, current) -> tuple[list[str], np.ndarray, np.ndarray]:
    if hasattr(reference, "columns") and hasattr(current, "columns"):
        columns = [c for c in reference.columns if reference[c].dtype.kind in "biuf" and c in current.columns]
        if len(columns) < 2:
            raise InvalidValueError(f"multivariate drift needs at least 2 numeric columns; the reference has {columns}")
        return (
            [str(c) for c in columns],
            reference[columns].to_numpy(np.float64),
            current[columns].to_numpy(np.float64),
        )
    ref, cur = np.asarray(reference, dtype=np.float64), np.asarray(current, dtype=np.float64)
    if ref.ndim != 2 or cur.ndim != 2 or ref.shape[1] != cur.shape[1] or ref.shape[1] < 2:
        raise InvalidValueError(
            f"multivariate drift needs two tables with the same >= 2 numeric columns, got "
            f"shapes {ref.shape} and {cur.shape}"
        )
    return [f"x{i}" for i in range(ref.shape[1])], ref, cur


MULTIVARIATE_FEATURE = "(multivariate)"


def check_multivariate(
    name: str, reference: Any, current: Any, *, window: str, store=None, **options
) -> dict[str, Any]:
    """``multivariate_drift`` for window ``window`` of ``name``, stored as the window's
    ``(multivariate)`` row: tier, effect = domain AUC, threshold, and the PCA error ratio."""
    from nbops.drift.estimates import _store, _window_id
    from nbops.drift.persistence import check_drift, resolve

    store = _store(store)
    target = resolve(store, name)
    result = multivariate_drift(reference, current, **options)
    if _window_id(store, target["subject"], window) is None:
        check_drift(name, current, window=window, store=store)
    window_id = _window_id(store, target["subject"], window)
    tier = "drift" if result["drifted"] else "ok"
    note = f"PCA error x{result['error_ratio']:.2f} over {len(result['features'])} numeric columns"
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO drift_features (window_id, feature, kind, tier, statistic, effect, threshold, "
            "p_value, p_adjusted, n_reference, n_current, note) VALUES (?, ?, 'multivariate', ?, 'domain_auc', ?, ?, "
            "NULL, NULL, ?, ?, ?)",
            (
                window_id,
                MULTIVARIATE_FEATURE,
                tier,
                result["domain_auc"],
                result["auc_threshold"],
                result["rows"][0],
                result["rows"][1],
                note,
            ),
        )
        conn.executemany(
            "INSERT OR REPLACE INTO drift_results (window_id, feature, statistic, value, p_value, p_adjusted) "
            "VALUES (?, ?, ?, ?, NULL, NULL)",
            [
                (window_id, MULTIVARIATE_FEATURE, "domain_auc", result["domain_auc"]),
                (window_id, MULTIVARIATE_FEATURE, "pca_error_ratio", result["error_ratio"]),
            ],
        )
    return dict(result, window_id=window_id)
