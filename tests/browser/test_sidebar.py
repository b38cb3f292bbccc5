"""The Experiments sidebar end to end: a ``%%track`` cell run in Lab shows up as a run."""

from __future__ import annotations

import re

import nbformat
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PANEL_ID = "nbops-experiments"


def write_tracked_notebook(root, name: str = "train.ipynb") -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext nbops"),
        nbformat.v4.new_code_cell("%%track churn --metrics auc\nauc = 0.91"),
    ]
    nbformat.write(notebook, root / name)
    return name


def column_index(panel, header: str) -> int:
    headers = panel.get_by_role("columnheader").all_inner_texts()
    return [text.strip() for text in headers].index(header)


def test_tracked_cell_appears_in_experiments_sidebar(lab, lab_server):
    path = write_tracked_notebook(lab_server.root_dir)
    lab.open(f"lab/tree/{path}")
    page = lab.page
    notebook = page.locator(".jp-NotebookPanel").filter(has=page.locator(".jp-Notebook"))
    expect(notebook).to_be_visible()
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_be_attached(timeout=60_000)

    # Open the sidebar before running: it shows the empty state, then the run
    # appears without reloading.
    panel = lab.open_left_panel(PANEL_ID)
    expect(panel.get_by_text("No runs yet")).to_be_visible()
    expect(panel.get_by_text("%%track my-experiment")).to_be_visible()
    lab.screenshot("sidebar-empty-light", panel)

    lab.menu("Run", "Run All Cells")

    run_row = panel.get_by_role("row").filter(has_text="churn")
    expect(run_row).to_have_count(1, timeout=60_000)
    expect(run_row.get_by_role("cell").nth(column_index(panel, "Status"))).to_have_text(
        "finished", timeout=30_000
    )
    auc = run_row.get_by_role("cell").nth(column_index(panel, "auc"))
    expect(auc).to_have_text("0.91")
    lab.screenshot("sidebar-light")
    # Readable at the sidebar's default width, not scrolled out of sight.
    expect(auc).to_be_in_viewport(ratio=1)
    expect(panel.get_by_role("combobox", name="Experiment")).to_contain_text("churn (1)")

    # The cell's own summary is there too, so the screenshot tells the whole story.
    expect(page.locator(".jp-OutputArea-output").filter(has_text=re.compile("auc"))).not_to_have_count(0)
    lab.screenshot("sidebar-panel-light", panel)

    # Widened, the table shows status words, durations and more metrics.
    lab.resize_left_sidebar(420)
    expect(run_row.get_by_text("finished", exact=True)).to_be_visible()
    expect(panel.get_by_role("columnheader", name="Duration")).to_be_visible()
    lab.screenshot("sidebar-wide-light")
    lab.resize_left_sidebar(250)

    lab.set_theme("JupyterLab Dark")
    expect(run_row.get_by_role("cell").nth(column_index(panel, "auc"))).to_have_text("0.91")
    lab.screenshot("sidebar-dark")
    lab.screenshot("sidebar-panel-dark", panel)
    lab.set_theme("JupyterLab Light")


def test_missing_server_extension_is_explained(lab):
    """Without the server routes the panel says what to do, not just '404'."""
    lab.page.route(
        re.compile(r".*/nbops/api/.*"),
        lambda route: route.fulfill(status=404, content_type="text/html", body="<html>404</html>"),
    )
    lab.open()
    panel = lab.open_left_panel(PANEL_ID)
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text("nbops server extension is not enabled")
    expect(alert).to_contain_text("jupyter server extension enable nbops")
    expect(alert.get_by_role("button", name="Retry")).to_be_visible()
    lab.screenshot("sidebar-error-light", panel)
