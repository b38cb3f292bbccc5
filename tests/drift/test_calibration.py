"""The decision rule stays quiet without drift and speaks up with it."""

import numpy as np

import nbops.drift as drift

LEVELS = np.array([f"l{i}" for i in range(8)], dtype=object)
P_LEVELS = np.array([30, 20, 15, 10, 10, 8, 5, 2]) / 100


def _draw(rng, n, shift=0.0):
    cols = {}
    for i in range(40):
        cols[f"normal_{i}"] = rng.normal(shift, 1.0, n)
    for i in range(20):
        cols[f"lognormal_{i}"] = rng.lognormal(shift, 1.0, n)
    for i in range(20):
        cols[f"category_{i}"] = LEVELS[rng.choice(8, n, p=P_LEVELS)]
    for i in range(20):
        cols[f"count_{i}"] = rng.poisson(3 + shift * 3, n)
    return cols


def test_no_drift_windows_are_rarely_flagged():
    rng = np.random.default_rng(11)
    reference = drift.fit_reference(_draw(rng, 5000))
    flagged = windows_with_flags = dataset_drifts = 0
    for _ in range(50):
        report = drift.compare(reference, _draw(rng, 500))
        n = report.summary["n_drifted"]
        flagged += n
        windows_with_flags += n > 0
        dataset_drifts += report.summary["dataset_drift"]
    assert len(report.features) == 100
    assert flagged <= 0.01 * 100 * 50
    assert windows_with_flags <= 0.01 * 50
    assert dataset_drifts == 0


def test_shifted_windows_are_flagged():
    rng = np.random.default_rng(12)
    reference = drift.fit_reference(_draw(rng, 5000))
    report = drift.compare(reference, _draw(rng, 500, shift=0.5))
    numeric = [f for f in report.feature_names if not f.startswith("category")]
    assert set(numeric) <= set(report.drifted)
    assert report.summary["dataset_drift"]


def test_small_effects_are_not_drift_even_when_significant():
    rng = np.random.default_rng(13)
    ref = {"x": rng.normal(size=200_000)}
    row = drift.compare(ref, {"x": rng.normal(0.03, 1, size=200_000)})["x"]
    assert row["p_adjusted"] < 1e-6  # a huge sample makes a tiny shift significant
    assert row["tier"] == "ok"  # but 0.03 std is below the effect threshold


def test_warn_tier_between_thresholds():
    rng = np.random.default_rng(14)
    row = drift.compare({"x": rng.normal(size=50_000)}, {"x": rng.normal(0.07, 1, size=50_000)})["x"]
    assert row["tier"] == "warn"


def test_dataset_drift_needs_half_the_features():
    rng = np.random.default_rng(15)
    ref = {f"x{i}": rng.normal(size=3000) for i in range(4)}
    cur = {f"x{i}": rng.normal(size=3000) + (1.0 if i < 2 else 0.0) for i in range(4)}
    summary = drift.compare(ref, cur).summary
    assert summary["drifted"] == ["x0", "x1"] and summary["share_drifted"] == 0.5
    assert summary["dataset_drift"]
    cur["x1"] = rng.normal(size=3000)
    assert not drift.compare(ref, cur).summary["dataset_drift"]
