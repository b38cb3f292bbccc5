"""Explanations in the Models view: a version's importances as sorted bars (permutation and
mean |SHAP|), two versions compared, and a version without one — real Lab, real models."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from playwright.sync_api import expect

from .test_models import open_models

pytestmark = pytest.mark.browser

SEED = textwrap.dedent(
    """
    import numpy as np, pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    import nbops

    def frame(n, seed):
        rng = np.random.default_rng(seed)
        x = pd.DataFrame({"noise": rng.normal(size=n), "weak": rng.normal(size=n), "strong": rng.normal(size=n),
                          "tenure": rng.normal(size=n)})
        return x, ((2.5 * x["strong"] + 0.7 * x["weak"] + 0.4 * x["tenure"] + 0.3 * rng.normal(size=n)) > 0).astype(int)

    x, y = frame(800, 1)
    holdout, labels = frame(300, 2)
    forest = RandomForestClassifier(n_estimators=30, max_depth=4, random_state=0).fit(x, y)
    logistic = LogisticRegression().fit(x, y)
    for model in (forest, logistic, logistic):
        nbops.register_model("churn", model)
    nbops.explain(forest, holdout, labels, name="churn", version=1)
    nbops.explain(logistic, holdout, name="churn", version=2)  # no labels: against its own predictions
    """
)


@pytest.fixture
def explained(lab_server):
    env = dict(os.environ, NBOPS_HOME=str(lab_server.root_dir / ".nbops"))
    done = subprocess.run(
        [sys.executable, "-c", SEED], cwd=lab_server.root_dir, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


def top_to_bottom(ticks) -> list[str]:
    """Tick labels in the order the eye reads them (plotly's DOM order is not the drawn order)."""
    return ticks.evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().top, e.textContent])"
        ".sort((a, b) => a[0] - b[0]).map(pair => pair[1])"
    )


def test_explanation_bars_compare_two_versions_and_an_unexplained_version(lab, lab_server, explained):
    lab.open()
    view = open_models(lab)
    versions = view.get_by_role("table", name="Versions of churn")
    versions.get_by_role("button", name="Explanation of version 1").click()
    panel = view.get_by_role("region", name="Explanation of churn v1")
    chart = panel.get_by_role("img", name="Feature importance of v1")
    expect(chart.locator(".main-svg").first).to_be_visible()
    # sorted: the feature that decides the label on top; the SHAP bars beside the permutation bars
    ticks = chart.locator(".yaxislayer-above .ytick text")
    expect(ticks).to_have_count(4)
    assert top_to_bottom(ticks) == [
        f["feature"] for f in lab_server.api("models/churn/versions/1/explanation")["explanation"]["features"]
    ]
    assert top_to_bottom(ticks)[0] == "strong"
    expect(chart.locator(".xtitle")).to_have_count(1)
    expect(chart.locator(".x2title")).to_have_text("mean |SHAP value|")
    expect(panel).to_contain_text("permutation importance of accuracy on 300 rows against the labels")
    panel.scroll_into_view_if_needed()
    lab.screenshot("explanation-light", panel)
    lab.set_theme("JupyterLab Dark")
    expect(panel).to_be_visible()
    lab.page.wait_for_timeout(800)  # the chart re-reads the theme's colours
    lab.screenshot("explanation-dark", panel)
    lab.set_theme("JupyterLab Light")

    panel.get_by_role("combobox", name="Compare with version").select_option("2")
    compare = panel.get_by_role("img", name="Feature importance of v1 and v2")
    expect(compare.locator(".main-svg").first).to_be_visible()
    expect(compare.locator(".legendtext")).to_have_text(["v1", "v2"])
    table = panel.get_by_role("table", name="Importance by version")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table.locator("tbody tr").first.get_by_role("rowheader")).to_have_text("strong")
    expect(panel).to_contain_text("the model's own predictions")
    expect(panel).to_contain_text("v2: no labels given")
    lab.page.wait_for_timeout(300)
    lab.screenshot("explanation-compare-light", panel)
    lab.set_theme("JupyterLab Dark")
    lab.page.wait_for_timeout(800)
    lab.screenshot("explanation-compare-dark", panel)
    lab.set_theme("JupyterLab Light")

    panel.get_by_role("combobox", name="Compare with version").select_option("3")
    expect(panel.get_by_role("status")).to_contain_text("v3 has no explanation yet")
    panel.get_by_role("button", name="Close").click()
    expect(panel).to_have_count(0)
    versions.get_by_role("button", name="Explanation of version 3").click()
    empty = view.get_by_role("region", name="Explanation of churn v3")
    expect(empty.get_by_role("status")).to_contain_text('nbops.explain(model, X, y, name="churn", version=3)')
