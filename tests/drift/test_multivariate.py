"""Multivariate drift catches a correlation flip that every per-feature test misses."""

import numpy as np
import pandas as pd
import pytest

import nbops.drift as drift
from nbops.drift.multivariate import Moments, reconstruction_error
from nbops.errors import InvalidValueError

RNG = np.random.default_rng(21)


def correlated(n, rho, extra=3):
    cov = [[1.0, rho], [rho, 1.0]]
    xy = RNG.multivariate_normal([0, 0], cov, n)
    data = {"income": xy[:, 0], "spend": xy[:, 1]}
    data.update({f"noise_{i}": RNG.normal(0, 1, n) for i in range(extra)})
    data["plan"] = RNG.choice(["basic", "pro"], n)
    return pd.DataFrame(data)


def test_a_correlation_flip_is_flagged_while_every_univariate_test_misses_it():
    reference, current = correlated(8000, 0.85), correlated(4000, -0.85)
    univariate = drift.compare(reference, current)
    assert univariate.summary["drifted"] == []  # same marginals: KS, Wasserstein, PSI, chi-square all quiet
    assert {f["tier"] for f in univariate.features} == {"ok"}
    result = drift.multivariate_drift(reference, current)
    assert result["drifted"] and result["domain_drifted"]
    assert result["domain_auc"] > 0.75 > result["auc_threshold"]
    assert result["error_ratio"] > 3
    assert result["features"] == ["income", "spend", "noise_0", "noise_1", "noise_2"]


def test_the_same_distribution_is_not_flagged():
    result = drift.multivariate_drift(correlated(8000, 0.85), correlated(4000, 0.85))
    assert not result["drifted"], result
    assert 0.45 < result["domain_auc"] < result["auc_threshold"]
    assert 0.8 < result["error_ratio"] < 1.2


def test_moments_merge_exactly_so_chunks_give_the_whole_tables_pca_error():
    X = correlated(3000, 0.5)[["income", "spend", "noise_0"]].to_numpy()
    whole = Moments.of(X)
    merged = Moments.of(X[:1000]) + Moments.of(X[1000:2200]) + Moments.of(X[2200:])
    assert merged.n == 3000
    np.testing.assert_allclose(merged.mean, whole.mean)
    np.testing.assert_allclose(merged.covariance, whole.covariance)
    flipped = Moments.of(correlated(3000, -0.5)[["income", "spend", "noise_0"]].to_numpy())
    assert reconstruction_error(merged, flipped) == pytest.approx(reconstruction_error(whole, flipped))


def test_fewer_than_two_numeric_columns_is_refused():
    with pytest.raises(InvalidValueError, match="at least 2 numeric columns"):
        drift.multivariate_drift(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), pd.DataFrame({"a": [1.0]}))
