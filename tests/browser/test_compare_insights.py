"""Issue 14's everyday parity in the browser, on a 6-run sweep (2 alphas × 3 seeds): param
importance, code diff and artifacts side by side in Compare; renaming a run from Run detail
and from the sidebar; the Datasets section; the version drift checks resolve to in Models.
Light and dark screenshots of each."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PANEL_ID = "nbops-experiments"

SEED = textwrap.dedent(
    """
    import json, sys
    import plotly.graph_objects as go
    import nbops
    from nbops import tracking
    sys.path.insert(0, sys.argv[1])
    from seed_runs import png_bytes

    store = tracking.store()
    ids = {}
    for alpha in (0.0001, 0.01):
        for seed in (1, 2, 3):
            params = {"alpha": alpha, "seed": seed, "penalty": "l2" if seed != 3 else "l1"}
            with nbops.start_run("sweep", name=f"sgd-a{alpha}", params=params, capture_provenance=False) as run:
                for epoch in range(10):
                    nbops.log_metric("loss", 0.7 / (1 + epoch * alpha * 40) + 0.01 * seed, step=epoch)
                nbops.log_metric("test_auc", 0.9 + 4 * alpha + 0.002 * seed)
                if seed < 3:
                    run.log_artifact(png_bytes(120 + 40 * seed, 80), name="plots/confusion.png")
                    figure = go.Figure(go.Bar(x=["a", "b"], y=[seed, alpha * 100], name="weights"))
                    run.log_figure(figure, name="weights")
                run.log_dataset([{"x": i, "y": i % 2} for i in range(30 + seed)], name="train-set", role="train")
            cells = ["import numpy as np\\nfrom sklearn.linear_model import SGDClassifier",
                     f"clf = SGDClassifier(alpha={alpha}, random_state={seed})\\nclf.fit(X, y)",
                     "print(clf.score(X_test, y_test))"]
            if seed == 2:
                cells.insert(1, "X = np.log1p(X)  # try a log transform")
            store.provenance.update(
                run.id, cells=[{"execution_count": i + 1, "source": s} for i, s in enumerate(cells)],
                git_diff=f"diff --git a/train.py b/train.py\\n--- a/train.py\\n+++ b/train.py\\n@@ -1,2 +1,2 @@\\n"
                         f" import sklearn\\n-ALPHA = 0.1\\n+ALPHA = {alpha}\\n")
            ids[f"{alpha}-{seed}"] = run.id
    with nbops.start_run("churn", name="register", capture_provenance=False) as run:
        run.log_dataset([{"tenure": t} for t in range(20)], name="customers", role="train")
        run.register_model("churn-model", {"w": 1}, alias="production")
        run.register_model("churn-model", {"w": 2})
        run.register_model("churn-model", {"w": 3})
    json.dump(ids, sys.stdout)
    """
)


@pytest.fixture(scope="module")
def sweep(lab_server) -> dict[str, str]:
    env = {**os.environ, "NBOPS_HOME": str(lab_server.root_dir / ".nbops")}
    here = os.path.dirname(__file__)
    out = subprocess.run([sys.executable, "-c", SEED, here], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def both_themes(lab, name: str, locator=None) -> None:
    lab.screenshots_light_and_dark(name, locator)


def open_compare(lab, run_ids: list[str]):
    lab.page.evaluate("runs => window.jupyterapp.commands.execute('nbops:open-compare', {runs})", run_ids)
    panel = lab.page.locator(".jp-nbops-ComparePanel:visible")
    expect(panel).to_be_visible()
    return panel


def section(panel, title: str):
    found = panel.get_by_role("region", name=title, exact=True)
    found.scroll_into_view_if_needed()
    return found


def test_compare_ranks_params_by_importance_in_a_sortable_table(lab, sweep):
    lab.open()
    panel = open_compare(lab, list(sweep.values()))
    importance = section(panel, "Param importance")
    table = importance.get_by_role("table", name="Param importance for test_auc")
    expect(table).to_be_visible(timeout=30_000)
    rows = table.locator("tbody tr")
    # alpha drives test_auc; seed barely; penalty is one-hot (l1 / l2)
    expect(rows.first).to_have_attribute("data-param", "alpha")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.param)")) == [
        "alpha",
        "penalty=l1",
        "penalty=l2",
        "seed",
    ]
    assert float(rows.first.locator("td").nth(1).inner_text()) > 0.99  # correlation of alpha
    header = table.get_by_role("button", name="Param")
    header.click()
    expect(table.locator("th").first).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_have_attribute("data-param", "alpha")
    header.click()
    expect(table.locator("th").first).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_have_attribute("data-param", "seed")
    table.get_by_role("button", name="Importance").click()
    both_themes(lab, "parity2-compare-importance", importance)
    both_themes(lab, "parity2-compare-sweep")  # the whole panel, the 6-run sweep scrolled to importance


def test_importance_with_two_runs_says_it_needs_three(lab, sweep):
    lab.open()
    panel = open_compare(lab, [sweep["0.0001-1"], sweep["0.01-1"]])
    importance = section(panel, "Param importance")
    expect(importance.get_by_role("status")).to_contain_text("importance needs at least 3", timeout=30_000)


def test_code_diff_shows_changed_and_added_cells_and_git_diffs_side_by_side(lab, sweep):
    lab.open()
    panel = open_compare(lab, [sweep["0.0001-1"], sweep["0.01-2"], sweep["0.01-1"]])
    diff = section(panel, "Code diff")
    cells = diff.get_by_role("list", name="Cell diff")
    expect(cells).to_be_visible(timeout=30_000)
    statuses = cells.locator("li").evaluate_all("items => items.map(i => i.dataset.status)")
    assert statuses == ["added", "changed"], statuses
    changed = cells.locator('li[data-status="changed"]')
    expect(changed.locator(".jp-mod-removed")).to_have_text("-clf = SGDClassifier(alpha=0.0001, random_state=1)")
    expect(changed.locator(".jp-mod-added")).to_have_text("+clf = SGDClassifier(alpha=0.01, random_state=2)")
    expect(cells.locator('li[data-status="added"]')).to_contain_text("X = np.log1p(X)")
    diff.get_by_role("checkbox", name="Show 2 unchanged cells").check()
    expect(cells.locator('li[data-status="same"]')).to_have_count(2)
    expect(diff.get_by_role("figure", name="Git diff of sgd-a0.0001")).to_contain_text("+ALPHA = 0.0001")
    expect(diff.locator(".jp-nbops-CodeDiff-side").nth(1)).to_contain_text("+ALPHA = 0.01")
    # another pair: B is the same config with another seed
    diff.get_by_role("combobox", name="Code diff run B").select_option(sweep["0.01-1"])
    expect(cells.locator('li[data-status="changed"] .jp-mod-added')).to_have_text(
        "+clf = SGDClassifier(alpha=0.01, random_state=1)"
    )
    diff.get_by_role("combobox", name="Code diff run B").select_option(sweep["0.01-2"])
    expect(cells.locator('li[data-status="added"]')).to_have_count(1)
    both_themes(lab, "parity2-compare-code-diff", diff)


def test_artifacts_with_the_same_name_sit_side_by_side(lab, sweep):
    lab.open()
    ids = [sweep["0.0001-1"], sweep["0.0001-2"], sweep["0.0001-3"]]
    panel = open_compare(lab, ids)
    artifacts = section(panel, "Artifacts side by side")
    rows = artifacts.locator(".jp-nbops-ArtifactsCompare-row")
    expect(rows).to_have_count(2, timeout=30_000)
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.artifact)") == ["plots/confusion.png", "weights.plotly.json"]
    image_row = artifacts.get_by_role("region", name="plots/confusion.png")
    images = image_row.get_by_role("img", name="plots/confusion.png")
    expect(images).to_have_count(2)
    for i, width in enumerate((160, 200)):  # each run's own image, not one image twice
        images.nth(i).evaluate("img => img.complete || new Promise(r => img.onload = r)")
        assert images.nth(i).evaluate("img => img.naturalWidth") == width
    expect(image_row.locator(f'figure[data-run="{ids[2]}"]')).to_contain_text("Not logged by this run.")
    figures = artifacts.get_by_role("region", name="weights.plotly.json").locator(".js-plotly-plot")
    expect(figures).to_have_count(2, timeout=30_000)
    both_themes(lab, "parity2-compare-artifacts", artifacts)


def test_rename_from_run_detail_and_refuse_a_blank_name(lab, sweep):
    run_id = sweep["0.01-3"]
    lab.open()
    lab.page.evaluate("run => window.jupyterapp.commands.execute('nbops:open-run', {run})", run_id)
    view = lab.page.locator(f'.jp-nbops-RunDetail[data-run="{run_id}"]')
    expect(view.get_by_role("heading", name="sgd-a0.01", level=2)).to_be_visible()
    view.get_by_role("button", name="Rename").click()
    box = view.get_by_role("textbox", name="Run name")
    box.fill("   ")
    box.press("Enter")
    expect(view.get_by_role("alert")).to_contain_text("A run needs a name")
    box.fill("sgd-a0.01-l1-penalty")
    box.press("Enter")
    expect(view.get_by_role("heading", name="sgd-a0.01-l1-penalty", level=2)).to_be_visible()
    expect(lab.page.get_by_role("tab", name="sgd-a0.01-l1-penalty")).to_be_visible()
    # saved on the server, not only shown
    lab.open()
    lab.page.evaluate("run => window.jupyterapp.commands.execute('nbops:open-run', {run})", run_id)
    expect(view.get_by_role("heading", name="sgd-a0.01-l1-penalty", level=2)).to_be_visible(timeout=30_000)
    lab.screenshot("parity2-run-detail-renamed-light", view.locator(".jp-nbops-RunDetail-header"))


def test_rename_from_the_sidebar_context_menu(lab, sweep):
    run_id = sweep["0.0001-3"]
    lab.open()
    panel = lab.open_left_panel(PANEL_ID)
    lab.resize_left_sidebar(300)
    panel.get_by_role("combobox", name="Experiment").select_option("sweep")
    row = panel.locator(f'tr[data-run-id="{run_id}"]')
    row.click(button="right")
    lab.page.locator(".lm-Menu").get_by_role("menuitem", name="Rename Run…").click()
    dialog = lab.page.get_by_role("dialog")
    dialog.get_by_role("textbox").fill("x" * 251)  # the server refuses it and says why
    dialog.get_by_role("button", name="Rename").click()
    expect(lab.page.get_by_text(re.compile(r"name=\"x+… is not valid: use at most 250 characters"))).to_be_visible()
    row.click(button="right")
    lab.page.locator(".lm-Menu").get_by_role("menuitem", name="Rename Run…").click()
    dialog = lab.page.get_by_role("dialog")
    expect(dialog.get_by_role("textbox")).to_have_value("sgd-a0.0001")
    dialog.get_by_role("textbox").fill("baseline-l1")
    dialog.get_by_role("button", name="Rename").click()
    expect(row.locator(".jp-nbops-RunName")).to_contain_text("baseline-l1")
    both_themes(lab, "parity2-sidebar-renamed-300", panel)


def test_run_detail_lists_the_datasets_the_run_logged(lab, sweep):
    run_id = sweep["0.0001-2"]
    lab.open()
    lab.page.evaluate("run => window.jupyterapp.commands.execute('nbops:open-run', {run})", run_id)
    view = lab.page.locator(f'.jp-nbops-RunDetail[data-run="{run_id}"]')
    datasets = view.locator('[data-section="datasets"]')
    datasets.scroll_into_view_if_needed()
    table = datasets.get_by_role("table", name="Datasets")
    row = table.locator('tr[data-dataset="train-set"]')
    expect(row.locator("td")).to_have_text(
        ["train-set", "train", "32", "2", re.compile(r"^[0-9a-f]{12}$"), "digest only"]
    )
    both_themes(lab, "parity2-run-detail-datasets", datasets)


def test_models_view_says_which_version_drift_checks_use(lab, lab_server, sweep):
    import urllib.request

    lab.open()
    lab.page.evaluate("() => window.jupyterapp.commands.execute('nbops:open-models')")
    card = lab.page.locator('.jp-nbops-ModelCard[data-model="churn-model"]')
    badge = card.locator('[data-id="drift-version"]')
    expect(badge).to_have_text("drift checks use v1 (production)")
    # moving the alias moves the version drift checks use
    card.locator('tr[data-version="1"]').get_by_role("button", name="Remove alias production").click()
    expect(badge).to_have_text("drift checks use v3 (latest)")
    both_themes(lab, "parity2-models-drift-version", card.locator(".jp-nbops-ModelCard-header"))
    request = urllib.request.Request(
        f"{lab_server.url}/nbops/api/models/churn-model/aliases",
        method="PATCH",
        data=json.dumps({"alias": "production", "version": 1}).encode(),
        headers={"Authorization": f"token {lab_server.token}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).close()
