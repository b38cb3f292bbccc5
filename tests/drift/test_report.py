"""The report: summary, table, tidy statistics, figures."""

import numpy as np
import pandas as pd

import nbops.drift as drift

RNG = np.random.default_rng(4)


def _report():
    ref = {"x": RNG.normal(size=3000), "k": RNG.choice(list("abc"), 3000)}
    cur = {"x": RNG.normal(1, 1, size=1000), "k": RNG.choice(list("abcd"), 1000)}
    return drift.compare(ref, cur, window="w1")


def test_summary_and_table():
    report = _report()
    assert report.summary["drifted"] == ["x", "k"] and report.summary["window"] == "w1"
    table = report.table
    assert isinstance(table, pd.DataFrame)
    assert list(table["feature"]) == ["x", "k"]
    assert {"tier", "effect", "p_adjusted", "ks", "psi", "unseen_share"} <= set(table.columns)
    assert "2/2 features drifted" in repr(report)
    assert "<table>" in report._repr_html_()


def test_tidy_statistics_rows():
    stats = _report().statistics
    x = {r["statistic"]: r for r in stats if r["feature"] == "x"}
    assert set(x) == {"ks", "wasserstein", "psi", "jensen_shannon", "missing_rate_change", "out_of_range_share"}
    assert x["ks"]["p_adjusted"] is not None and x["psi"]["p_value"] is None


def test_figures_show_every_feature_and_overlays():
    report = _report()
    overview = report.figure()
    assert set(overview.data[0].x) == {"x", "k"}
    numeric = report.figure("x")
    assert [t.name for t in numeric.data] == ["reference", "current"]
    categorical = report.figure("k")
    assert "(unseen)" in list(categorical.data[1].x)


def test_figures_read_on_light_and_dark_themes():
    report = _report()
    for figure in (report.figure(), report.figure("x"), report.figure("k")):
        layout = figure.layout
        assert layout.paper_bgcolor == "rgba(0,0,0,0)" and layout.plot_bgcolor == "rgba(0,0,0,0)"
        assert layout.font.color == "#8a8a8a"  # mid-grey: legible on white and on near-black
