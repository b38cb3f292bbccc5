"""The evidently policy reproduces Evidently's default test choices and verdicts."""

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

import nbops.drift as drift

RNG = np.random.default_rng(21)


def test_large_reference_numeric_uses_normed_wasserstein_at_0_1():
    ref, cur = RNG.normal(size=5000), RNG.normal(0.08, 1, size=5000)
    row = drift.compare({"x": ref}, {"x": cur}, policy="evidently")["x"]
    assert row["statistic"] == "wasserstein" and row["threshold"] == 0.1
    expected = stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
    assert row["effect"] == pytest.approx(expected, rel=0.02)
    assert row["tier"] == ("drift" if expected >= 0.1 else "ok")


def test_large_reference_categorical_uses_natural_log_jensen_shannon():
    ref = RNG.choice(list("abcd"), 3000, p=[0.4, 0.3, 0.2, 0.1])
    cur = RNG.choice(list("abcde"), 2000, p=[0.2, 0.3, 0.2, 0.1, 0.2])
    row = drift.compare({"k": ref}, {"k": cur}, policy="evidently")["k"]
    keys = sorted(set(ref) | set(cur))
    p = [np.mean(ref == k) for k in keys]
    q = [np.mean(cur == k) for k in keys]
    assert row["statistic"] == "jensen_shannon_e"
    assert row["effect"] == pytest.approx(jensenshannon(p, q))  # scipy's default base e
    assert row["tier"] == "drift"


def test_small_reference_uses_p_values_without_adjustment():
    ref, cur = RNG.normal(size=800), RNG.normal(0.25, 1, size=800)
    report = drift.compare(
        {"x": ref, "k": RNG.choice(list("abc"), 800)},
        {"x": cur, "k": RNG.choice(list("abc"), 800, p=[0.5, 0.3, 0.2])},
        policy="evidently",
    )
    assert report["x"]["test"] == "ks" and report["x"]["p_adjusted"] == report["x"]["p_value"]
    assert report["x"]["tier"] == ("drift" if stats.ks_2samp(ref, cur).pvalue < 0.05 else "ok")
    assert report["k"]["test"] == "chi_square_fit"


def test_chi_square_goodness_of_fit_matches_scipy_chisquare():
    ref = np.array(["a"] * 300 + ["b"] * 500 + ["c"] * 200)
    cur = np.array(["a"] * 120 + ["b"] * 250 + ["c"] * 130)
    row = drift.compare({"k": ref}, {"k": cur}, policy="evidently")["k"]
    expected = stats.chisquare([120, 250, 130], np.array([300, 500, 200]) * 0.5).pvalue
    assert row["p_value"] == pytest.approx(expected)


def test_binary_small_reference_uses_z_test():
    ref = RNG.uniform(size=600) < 0.3
    cur = RNG.uniform(size=600) < 0.45
    row = drift.compare({"b": ref}, {"b": cur}, policy="evidently")["b"]
    assert row["test"] == "z_test"
    table = [[ref.sum(), (~ref).sum()], [cur.sum(), (~cur).sum()]]
    assert row["p_value"] == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue)


def test_default_policy_thresholds_can_be_changed():
    strict = drift.DEFAULT.with_(numeric=drift.Rule("wasserstein", "ks", warn=0.01, drift=0.02))
    ref, cur = RNG.normal(size=20000), RNG.normal(0.05, 1, size=20000)
    assert drift.compare({"x": ref}, {"x": cur})["x"]["tier"] != "drift"
    assert drift.compare({"x": ref}, {"x": cur}, policy=strict)["x"]["tier"] == "drift"
