"""The Run detail panel end to end: opened by command and from a ``%%track`` summary."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SEED = Path(__file__).with_name("seed_runs.py")


def seed(lab_server, what: str) -> dict:
    env = dict(os.environ, NBOPS_HOME=str(lab_server.root_dir / ".nbops"))
    done = subprocess.run(
        [sys.executable, str(SEED), str(lab_server.root_dir), what],
        cwd=lab_server.root_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def runs(lab_server) -> dict:
    return seed(lab_server, "detail")


def open_run(lab, run_id: str):
    lab.page.evaluate("run => window.jupyterapp.commands.execute('nbops:open-run', {run})", run_id)
    panel = lab.page.locator(f'.jp-nbops-RunDetail[data-run="{run_id}"]')
    expect(panel).to_be_visible()
    return panel


def section(panel, name: str):
    return panel.locator(f'[data-section="{name}"]')


def test_run_detail_shows_params_metrics_artifacts_and_provenance(lab, runs):
    lab.open()
    panel = open_run(lab, runs["detail"])
    page = lab.page
    expect(page.get_by_role("tab", name="gbm-depth-8")).to_be_visible()
    expect(panel.get_by_role("heading", name="gbm-depth-8")).to_be_visible()

    params = panel.get_by_role("table", name="Parameters")
    expect(params.get_by_role("row", name=re.compile("max_depth"))).to_contain_text("8")
    expect(params.get_by_role("row", name=re.compile("learning_rate"))).to_contain_text("0.05")
    metrics = panel.get_by_role("table", name="Metrics")
    expect(metrics.get_by_role("row", name=re.compile("^loss"))).to_contain_text("60")  # steps
    # one plotly chart per metric, drawn from the downsampled series
    for key in ("auc", "loss"):
        expect(panel.locator(f'.jp-nbops-MetricChart[data-metric="{key}"] .main-svg').first).to_be_visible()

    # the PNG really loaded (fetched with the token, shown through an object URL)
    image = panel.get_by_role("img", name="plots/confusion.png")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 160", arg=image.element_handle())
    # the plotly figure logged with log_figure is drawn, with its own title
    figure = panel.locator('[data-artifact="roc.plotly.json"]')
    expect(figure.locator(".main-svg").first).to_be_visible()
    expect(figure).to_contain_text("ROC curve")
    artifacts = panel.get_by_role("table", name="Artifacts")
    expect(artifacts.get_by_role("button", name="Download thresholds.csv")).to_be_visible()
    with page.expect_download() as download:
        artifacts.get_by_role("button", name="Download thresholds.csv").click()
    assert download.value.suggested_filename == "thresholds.csv"
    assert Path(download.value.path()).read_text().startswith("threshold,precision")

    overview = section(panel, "overview")
    expect(overview).to_contain_text("churn")
    expect(overview.get_by_role("button", name=re.compile("fold-1"))).to_be_visible()  # child run link

    provenance = section(panel, "provenance")
    expect(provenance).to_contain_text("4be2f1c9a0d1e7c3b5a9f0e2d4c6b8a1f3e5d7c9")
    expect(provenance).to_contain_text("uncommitted changes")
    provenance.get_by_text("Uncommitted diff").click()
    expect(provenance.locator(".jp-nbops-Diff-add")).to_have_text("+MAX_DEPTH = 8")
    expect(provenance.locator(".jp-nbops-Diff-del")).to_have_text("-MAX_DEPTH = 6")
    provenance.get_by_text("Packages (4)").click()
    provenance.get_by_role("searchbox", name="Filter packages").fill("pan")
    expect(provenance.get_by_role("list", name="Packages").get_by_role("listitem")).to_have_count(1)
    assert not lab.console_errors, lab.console_errors

    for theme, suffix in (("JupyterLab Light", "light"), ("JupyterLab Dark", "dark")):
        lab.set_theme(theme)
        panel.evaluate("node => node.scrollTo(0, 0)")
        expect(panel.locator('.jp-nbops-MetricChart[data-metric="loss"] .main-svg').first).to_be_visible()
        lab.screenshot(f"run-detail-{suffix}")
        section(panel, "tags").evaluate("node => node.scrollIntoView()")
        lab.screenshot(f"run-detail-artifacts-{suffix}")
        panel.evaluate("node => node.scrollTo(0, node.scrollHeight)")
        lab.screenshot(f"run-detail-bottom-{suffix}")
    lab.set_theme("JupyterLab Light")


def test_tags_and_note_edits_are_saved_and_refusals_reverted(lab, lab_server, runs):
    run_id = runs["detail"]
    lab.open()
    panel = open_run(lab, run_id)
    tags = section(panel, "tags")
    tag_list = tags.get_by_role("list", name="Tags")

    tags.get_by_role("button", name="Edit tag stage").click()
    tags.get_by_role("textbox", name="Value of tag stage").fill("final")
    tags.get_by_role("textbox", name="Value of tag stage").press("Enter")
    tags.get_by_role("button", name="Remove tag team").click()
    tags.get_by_role("textbox", name="New tag name").fill("reviewed-by")
    tags.get_by_role("textbox", name="New tag value").fill("ana")
    tags.get_by_role("button", name="Add tag").click()
    tags.get_by_role("button", name="Add note").click()
    note = "Depth 8 beats 6 on **AUC**.\n\n- ship after the holdout check"
    tags.get_by_role("textbox", name="Note").fill(note)
    tags.get_by_role("button", name="Save note").click()
    # rendered as markdown once saved
    expect(tags.get_by_test_id("run-note").locator("strong")).to_have_text("AUC")
    expect(tags.get_by_test_id("run-note").get_by_role("listitem")).to_have_text("ship after the holdout check")
    expect(tag_list.locator('[data-tag="reviewed-by"]')).to_contain_text("ana")

    # saved on the server, not only on screen
    saved = lab_server.api(f"runs/{run_id}")
    assert saved["tags"] == {"stage": "final", "reviewed-by": "ana"}
    assert saved["note"] == note

    # the server refuses a 300-character tag name: the chip goes away again and the reason shows
    tags.get_by_role("textbox", name="New tag name").fill("x" * 300)
    tags.get_by_role("button", name="Add tag").click()
    expect(tags.get_by_role("alert")).to_contain_text("in tags is not valid: use at most 250 characters")
    expect(tag_list.get_by_role("listitem")).to_have_count(2)
    lab.screenshot("run-detail-tags-error-light", section(panel, "tags"))

    # still there after a reload (the panel is restored with the layout)
    lab.page.reload()
    lab.page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
    lab.page.evaluate("() => window.jupyterapp.restored")
    panel = lab.page.locator(f'.jp-nbops-RunDetail[data-run="{run_id}"]')
    expect(section(panel, "tags").get_by_test_id("run-note")).to_contain_text("ship after the holdout check")
    expect(section(panel, "tags").locator('[data-tag="stage"]')).to_contain_text("final")


def test_provenance_warns_when_cells_ran_out_of_order(lab, runs):
    lab.open()
    panel = open_run(lab, runs["out_of_order"])
    provenance = section(panel, "provenance")
    cells = provenance.get_by_role("list", name="Executed cells")
    expect(cells.get_by_role("listitem")).to_have_count(4)
    expect(cells.get_by_role("listitem").nth(1)).to_contain_text("[2]model = fit(features, max_depth=8)")
    warning = provenance.get_by_role("alert", name="Cells ran out of order")
    expect(warning).to_contain_text("Notebook cell 2")
    expect(warning).to_contain_text("ran after cell 3")
    expect(warning).to_contain_text("ran 2 times ([2], [4])")
    section(panel, "provenance").scroll_into_view_if_needed()
    lab.screenshot("run-detail-out-of-order-light", provenance)
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("run-detail-out-of-order-dark", provenance)
    lab.set_theme("JupyterLab Light")


def test_delete_run_is_undone_from_the_notification(lab, lab_server, runs):
    run_id = runs["out_of_order"]
    lab.open()
    panel = open_run(lab, run_id)
    panel.get_by_role("button", name="Delete run").click()
    expect(panel.get_by_role("status")).to_contain_text("This run is deleted")
    listed = [r["id"] for r in lab_server.api("runs?experiment=churn")["runs"]]
    assert run_id not in listed
    lab.screenshot("run-detail-deleted-light")
    lab.page.locator(".jp-toast-button, .jp-Notification-Toast-button, button").filter(has_text="Undo").first.click()
    expect(panel.get_by_role("status")).to_have_count(0)
    assert lab_server.api(f"runs/{run_id}")["deleted_at"] is None
    assert run_id in [r["id"] for r in lab_server.api("runs?experiment=churn")["runs"]]


def test_track_summary_links_to_the_run_detail(lab, lab_server):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext nbops\nalpha = 0.3"),
        nbformat.v4.new_code_cell("%%track linked --params alpha --metrics auc --name from-notebook\nauc = 0.77"),
    ]
    nbformat.write(notebook, lab_server.root_dir / "linked.ipynb")
    lab.open("lab/tree/linked.ipynb")
    lab.wait_for_kernel()
    lab.focus_notebook()
    lab.menu("Run", "Run All Cells")

    summary = lab.page.locator(".jp-nbops-RunSummary")
    expect(summary).to_be_visible(timeout=60_000)
    expect(summary).to_contain_text("alpha=0.3")
    expect(summary).to_contain_text("auc=0.77")
    link = summary.get_by_role("button", name=re.compile(r"^Open run [0-9a-f]{20}$"))
    run_id = link.inner_text().strip()
    lab.screenshot("run-summary-link-light", lab.page.locator(".jp-Cell").nth(1))
    link.click()
    panel = lab.page.locator(f'.jp-nbops-RunDetail[data-run="{run_id}"]')
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="from-notebook")).to_be_visible()
    expect(section(panel, "overview")).to_contain_text("linked.ipynb")
    # the notebook recorded the cells it ran: in order, so no warning
    expect(section(panel, "provenance").get_by_role("list", name="Executed cells")).to_contain_text("%%track linked")
    expect(section(panel, "provenance").get_by_role("alert")).to_have_count(0)
    # opening the same run again focuses its panel instead of adding a second one
    link_again = lab.page.locator(".jp-nbops-RunSummary").get_by_role("button", name=f"Open run {run_id}")
    lab.page.get_by_role("tab", name="linked.ipynb").click()
    link_again.click()
    expect(lab.page.locator(f'.jp-nbops-RunDetail[data-run="{run_id}"]')).to_have_count(1)
    expect(panel).to_be_visible()


def test_a_running_run_updates_while_its_panel_is_open(lab, lab_server):
    env = dict(os.environ, NBOPS_HOME=str(lab_server.root_dir / ".nbops"))
    process = subprocess.Popen(
        [sys.executable, str(SEED), str(lab_server.root_dir), "live"],
        cwd=lab_server.root_dir,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        run_id = json.loads(process.stdout.readline())["live"]
        lab.open()
        panel = open_run(lab, run_id)
        steps = panel.get_by_role("table", name="Metrics").get_by_role("row", name=re.compile("^loss"))
        expect(steps.get_by_role("cell").last).to_have_text("5")
        expect(panel.locator(".jp-nbops-RunDetail-header")).to_contain_text("running")
        (lab_server.root_dir / "go").touch()
        expect(steps.get_by_role("cell").last).to_have_text("10", timeout=15_000)  # no click needed
        (lab_server.root_dir / "stop").touch()
        expect(panel.locator(".jp-nbops-RunDetail-header")).to_contain_text("finished", timeout=15_000)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
