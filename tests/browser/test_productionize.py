"""Productionize in Lab end to end: tag a cell from its toolbar, see its badge and the DAG in
the Pipeline panel, press Productionize and read the report; an unconvertible magic shows a
coded diagnostic anchored to its cell."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PANEL_ID = "nbops-pipeline"


@pytest.fixture(autouse=True)
def patient_expect():
    """Two cores shared with other work: give assertions 15 s, then restore Playwright's 5 s."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def code(source: str, *tags: str):
    return new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


def write(root, name: str, *cells) -> str:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    nbformat.write(nb, root / name)
    return name


def small_pipeline(root) -> str:
    """parameters, setup, a tagged step, an untagged cell the test tags, metrics (numpy only)."""
    return write(
        root,
        "noise.ipynb",
        new_markdown_cell("# Noise summary"),
        code("n = 200\nseed = 0", "parameters"),
        code("import numpy as np", "setup"),
        code("rng = np.random.default_rng(seed)\nx = rng.normal(size=n)", "step:load"),
        code("mean = float(x.mean())\nspread = float(x.std())"),
        code("score = round(spread, 3)", "metrics"),
    )


def with_cd(root) -> str:
    return write(
        root, "moves.ipynb", code("%cd data\nrows = [1, 2, 3]", "step:load"), code("total = sum(rows)", "step:sum")
    )


def open_notebook(lab, path: str):
    lab.open(f"lab/tree/{path}")
    notebook = lab.page.locator(".jp-NotebookPanel").filter(has=lab.page.locator(".jp-Notebook"))
    expect(notebook).to_be_visible()
    # Lab renders long notebooks progressively: wait for the last cell before looking at badges.
    count = len(nbformat.read(lab.server.root_dir / path, as_version=4).cells)
    expect(notebook.locator(".jp-Cell")).to_have_count(count, timeout=30_000)
    return notebook


def open_pipeline_panel(lab):
    tab = lab.page.locator(f'.jp-SideBar.jp-mod-right li[data-id="{PANEL_ID}"]')
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    panel = lab.page.locator(f"#{PANEL_ID}")
    expect(panel).to_be_visible()
    return panel


def accept_first_run(lab, screenshot: str | None = None):
    """The warning before a notebook's code first runs: it says what runs, then we accept it."""
    confirm = lab.page.locator(".jp-Dialog").filter(has_text="Run this notebook's code?")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("three times")
    if screenshot:
        lab.screenshot(screenshot)
    confirm.get_by_role("button", name="Run and productionize").click()
    expect(confirm).to_have_count(0)


def test_tag_see_the_dag_and_productionize(lab, lab_server):
    page = lab.page
    notebook = open_notebook(lab, small_pipeline(lab_server.root_dir))
    cells = notebook.locator(".jp-Cell")
    expect(cells.nth(3).locator(".jp-nbops-RoleChip")).to_have_text("step: load")
    expect(cells.nth(1).locator(".jp-nbops-RoleChip")).to_have_text("parameters")

    # Before tagging, the panel says which untagged cell the pipeline needs.
    panel = open_pipeline_panel(lab)
    expect(panel.get_by_role("list", name="Untagged cells the pipeline needs")).to_contain_text("cell 4 defines")
    expect(panel.locator('[data-code="NB301"]')).to_have_count(1)
    lab.screenshot("productionize-untagged-light", panel)

    # Tag cell 4 from its cell toolbar: role menu -> Step… -> name.
    cells.nth(4).locator(".jp-InputPrompt").click()
    cells.nth(4).locator('[data-command="nbops:open-cell-role-menu"]').click()
    menu = page.locator(".jp-nbops-RoleMenu")
    expect(menu).to_be_visible()
    lab.screenshot("productionize-role-menu-light")
    menu.get_by_role("menuitem", name=re.compile(r"^Step")).click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input").fill("summarize")
    dialog.get_by_role("button", name="Tag").click()
    expect(cells.nth(4).locator(".jp-nbops-RoleChip")).to_have_text("step: summarize")

    # The DAG follows the unsaved tags: both steps and the edge carrying x.
    dag = panel.locator("svg.jp-nbops-Dag")
    expect(dag.locator('[data-step="load"]')).to_be_visible()
    expect(dag.locator('[data-step="summarize"]')).to_be_visible()
    expect(dag.locator('[data-edge="load->summarize"]')).to_contain_text("x")
    expect(panel.locator('[data-code="NB301"]')).to_have_count(0)
    lab.screenshot("productionize-dag-light", panel)

    # Productionize from the notebook toolbar: the notebook never ran here, so Lab asks first.
    notebook.locator('.jp-Toolbar [data-command="nbops:productionize"]').click()
    accept_first_run(lab)
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator("input")).to_have_value("noise_pipeline")
    dialog.get_by_role("button", name="Productionize").click()
    job = panel.locator("section.jp-nbops-JobView")
    expect(job).to_be_visible()
    expect(job.locator('[data-stage="golden_run"]')).to_be_visible()
    lab.screenshot("productionize-running-light", panel)
    expect(job).to_have_attribute("data-state", re.compile("done|failed"), timeout=150_000)
    lab.screenshot("productionize-done-light", panel)
    lab.screenshot("productionize-page-light")
    expect(job).to_have_attribute("data-state", "done")
    expect(job).to_contain_text(re.compile(r"Equivalent: all \d+ step outputs match the notebook"))
    expect(job.locator(".jp-nbops-TestsSummary")).to_have_attribute("data-ok", "true")
    passed = int(re.search(r"(\d+) passed", job.locator(".jp-nbops-TestsSummary").inner_text()).group(1))
    assert passed >= 3
    table = job.get_by_role("table", name="Equivalence")
    expect(table.get_by_role("row").filter(has_text="summarize")).not_to_have_count(0)
    assert (lab_server.root_dir / "noise_pipeline" / "README.md").is_file()
    deploy = job.get_by_role("list", name="Deployment targets")  # generated targets and how to submit each
    expect(deploy.locator('[data-target="container"]')).to_contain_text("Containerfile")
    expect(deploy.locator('[data-target="container"]')).to_contain_text("podman build")
    job.locator(".jp-nbops-DeployTargets").scroll_into_view_if_needed()
    lab.screenshot("productionize-deploy-light", panel)

    lab.set_theme("JupyterLab Dark")
    lab.screenshot("productionize-done-dark", panel)
    lab.screenshot("productionize-deploy-dark", panel)
    lab.screenshot("productionize-page-dark")
    lab.set_theme("JupyterLab Light")

    # A second run into the same folder asks before overwriting.
    notebook.locator('.jp-Toolbar [data-command="nbops:productionize"]').click()
    page.locator(".jp-Dialog").get_by_role("button", name="Productionize").click()
    expect(page.locator(".jp-Dialog")).to_contain_text("already exists")
    page.locator(".jp-Dialog").get_by_role("button", name="Cancel").click()

    job.get_by_role("button", name="Open the generated README").click()
    expect(page.locator(".jp-RenderedMarkdown").filter(has_text="noise_pipeline")).not_to_have_count(0)


def test_unconvertible_magic_is_a_coded_diagnostic_on_its_cell(lab, lab_server):
    page = lab.page
    notebook = open_notebook(lab, with_cd(lab_server.root_dir))
    panel = open_pipeline_panel(lab)
    diagnostic = panel.locator('[data-code="NB203"]')
    expect(diagnostic).to_have_count(1)
    expect(diagnostic).to_contain_text("cell 0, line 1")
    expect(diagnostic).to_have_attribute("data-cell-id", "cell-0")
    first = notebook.locator(".jp-Cell").nth(0)
    expect(first.locator(".jp-nbops-RoleChip.jp-mod-error")).to_have_text("NB203")

    # Go to cell activates the offending cell.
    notebook.locator(".jp-Cell").nth(1).locator(".jp-InputPrompt").click()
    diagnostic.get_by_role("button", name=re.compile("Go to cell 0")).click()
    expect(first).to_have_class(re.compile("jp-mod-active"))
    lab.screenshot("productionize-diagnostic-light")
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("productionize-diagnostic-dark")
    lab.set_theme("JupyterLab Light")

    # The cell context menu sets a role; clearing keeps the tags that are not nbops roles.
    second = notebook.locator(".jp-Cell").nth(1)
    second.locator(".jp-InputPrompt").click()
    page.evaluate("""() => {
        const cell = window.jupyterapp.shell.currentWidget.content.widgets[1];
        cell.model.setMetadata('tags', [...cell.model.getMetadata('tags'), 'keep-me']);
    }""")
    second.locator(".jp-InputPrompt").click(button="right")
    page.locator(".lm-Menu-item").filter(has_text="Productionize role").click()
    page.locator(".jp-nbops-RoleMenu .lm-Menu-item").filter(has_text=re.compile("^Skip$")).click()
    expect(second.locator(".jp-nbops-RoleChip")).to_have_text("skip")
    page.evaluate("() => window.jupyterapp.commands.execute('nbops:clear-cell-tags')")
    expect(second.locator(".jp-nbops-RoleChip")).to_have_count(0)
    tags = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[1].model.getMetadata('tags')")
    assert tags == ["keep-me"]
    assert not [e for e in lab.console_errors if "nbops" in e.lower()], lab.console_errors


def test_a_cell_failing_in_the_clean_run_fails_the_job_with_a_diagnostic_on_it(lab, lab_server):
    page = lab.page
    path = write(
        lab_server.root_dir,
        "broken.ipynb",
        code("values = [1, 2, 3]", "step:load"),
        code("ratio = values[0] / (values[1] - 2)", "step:divide"),
    )
    notebook = open_notebook(lab, path)
    panel = open_pipeline_panel(lab)
    expect(panel.locator('g[data-step="divide"]')).to_be_visible()

    lab.set_theme("JupyterLab Dark")
    page.evaluate("() => { window.jupyterapp.commands.execute('nbops:productionize', {out_dir: 'broken_pipeline'}); }")
    accept_first_run(lab, "productionize-first-run-warning-dark")
    lab.set_theme("JupyterLab Light")
    job = panel.locator("section.jp-nbops-JobView")
    expect(job).to_have_attribute("data-state", "failed", timeout=90_000)
    expect(job.locator(".jp-nbops-JobState")).to_have_text("Failed")
    expect(job.locator('[data-stage="golden_run"]')).to_have_class(re.compile("jp-mod-failed"))
    failure = job.locator('[data-code="NB402"]')
    expect(failure).to_have_attribute("data-cell-id", "cell-1")
    expect(notebook.locator(".jp-Cell").nth(1).locator(".jp-nbops-RoleChip.jp-mod-error")).to_have_text("NB402")
    assert not (lab_server.root_dir / "broken_pipeline").exists()
    lab.screenshot("productionize-failed-light", panel)
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("productionize-failed-dark")
    lab.set_theme("JupyterLab Light")


def untagged(root) -> str:
    """Written while exploring: no tags at all, sections as markdown headings (stdlib only)."""
    return write(
        root,
        "forecast.ipynb",
        new_markdown_cell("# Sales forecast"),
        code("import random\nimport statistics"),
        code("n_days = 30\nscale = 2.0"),
        new_markdown_cell("## Load the data"),
        code("rng = random.Random(7)\nsales = [rng.random() * scale for _ in range(n_days)]"),
        code("sales[:5]"),
        new_markdown_cell("## Summarize"),
        code("mean = statistics.mean(sales)\nspread = statistics.pstdev(sales)"),
        code("assert mean > 0"),
    )


def test_suggested_tags_accepted_then_productionized(lab, lab_server):
    """An untagged notebook: suggestions in the Pipeline panel, one accepted, then all, then a package."""
    page = lab.page
    notebook = open_notebook(lab, untagged(lab_server.root_dir))
    cells = notebook.locator(".jp-Cell")
    panel = open_pipeline_panel(lab)
    listing = panel.get_by_role("list", name="Suggested tags")
    expect(listing.locator("li")).to_have_count(6)
    expect(listing.locator('li[data-cell-id="cell-4"]')).to_contain_text("step:load_the_data")
    expect(listing.locator('li[data-cell-id="cell-5"]')).to_contain_text("only displays values")
    expect(panel.locator('[data-code="NB108"]')).to_have_count(1)  # no steps yet
    lab.screenshot("productionize-suggestions-light", panel)
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("productionize-suggestions-dark", panel)
    lab.set_theme("JupyterLab Light")

    # One cell at a time: its tag lands in the open notebook, the others stay proposed.
    panel.get_by_role("button", name="Accept setup for cell 1").click()
    expect(cells.nth(1).locator(".jp-nbops-RoleChip")).to_have_text("setup")
    expect(listing.locator("li")).to_have_count(5)

    panel.get_by_role("button", name="Accept all").click()
    expect(cells.nth(2).locator(".jp-nbops-RoleChip")).to_have_text("parameters")
    expect(cells.nth(7).locator(".jp-nbops-RoleChip")).to_have_text("step: summarize")
    expect(cells.nth(5).locator(".jp-nbops-RoleChip")).to_have_text("skip")
    expect(panel.locator('[data-id="nbops-tag-suggestions"]')).to_have_count(0)
    dag = panel.locator("svg.jp-nbops-Dag")
    expect(dag.locator('[data-edge="load_the_data->summarize"]')).to_contain_text("sales")
    expect(panel.locator(".jp-nbops-Diagnostic.jp-mod-error")).to_have_count(0)
    tags = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.cells.get(4).getMetadata('tags')")
    assert tags == ["step:load_the_data"]
    lab.screenshot("productionize-suggestions-accepted-light", panel)

    notebook.locator('.jp-Toolbar [data-command="nbops:productionize"]').click()
    accept_first_run(lab, "productionize-first-run-warning-light")
    page.locator(".jp-Dialog").get_by_role("button", name="Productionize").click()
    job = panel.locator("section.jp-nbops-JobView")
    expect(job).to_have_attribute("data-state", re.compile("done|failed"), timeout=150_000)
    expect(job).to_have_attribute("data-state", "done")
    saved = nbformat.read(lab_server.root_dir / "forecast.ipynb", as_version=4)
    assert saved.cells[7].metadata.tags == ["step:summarize"]  # saved before the job read it
    assert (lab_server.root_dir / "forecast_pipeline" / ".nbops-package.json").is_file()
    lab.set_theme("JupyterLab Dark")
    notebook.locator('.jp-Toolbar [data-command="nbops:productionize"]').click()
    # Accepted once: the next Productionize goes straight to the folder.
    expect(page.locator(".jp-Dialog")).to_contain_text("Write the pipeline package to")
    page.locator(".jp-Dialog").get_by_role("button", name="Cancel").click()
    lab.screenshot("productionize-suggestions-done-dark", panel)
    lab.set_theme("JupyterLab Light")


def test_a_notebook_run_in_this_session_productionizes_without_the_warning(lab, lab_server):
    path = write(lab_server.root_dir, "ran.ipynb", code("values = [1, 2]", "step:load"))
    open_notebook(lab, path)
    lab.wait_for_kernel()
    lab.focus_notebook()
    lab.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")
    lab.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.model.cells.get(0).executionCount === 1"
    )
    lab.page.evaluate("() => { window.jupyterapp.commands.execute('nbops:productionize', {out_dir: 'ran_pipeline'}); }")
    # The command opens the Pipeline panel itself once it has saved the notebook; a click here could close it.
    expect(lab.page.locator(f"#{PANEL_ID} section.jp-nbops-JobView")).to_be_visible()
    expect(lab.page.locator(".jp-Dialog")).to_have_count(0)
