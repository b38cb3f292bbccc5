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


def test_a_checked_window_gets_a_multivariate_row_in_the_heatmap_and_timeline(store):
    import nbops
    from nbops.drift import monitor
    from nbops.errors import NotFoundError

    reference = correlated(6000, 0.85)
    nbops.log_dataset(reference, "accounts")
    quiet = drift.check_multivariate("accounts", reference, correlated(3000, 0.85), window="2024-W01", store=store)
    loud = drift.check_multivariate("accounts", reference, correlated(3000, -0.85), window="2024-W02", store=store)
    body = monitor.windows(store, "accounts")
    row = next(f for f in body["features"] if f["feature"] == "(multivariate)")
    assert row["kind"] == "multivariate" and row["tier"] == ["ok", "drift"]
    assert row["values"]["domain_auc"] == [pytest.approx(quiet["domain_auc"]), pytest.approx(loud["domain_auc"])]
    assert "domain_auc" in body["statistics"] and "pca_error_ratio" in body["statistics"]
    others = [f["tier"][1] for f in body["features"] if f["feature"] != "(multivariate)"]
    assert set(others) == {"ok"}  # only the multivariate row sees the flip
    with pytest.raises(NotFoundError, match="no distribution overlay"):
        monitor.feature_detail(store, loud["window_id"], "(multivariate)")
