"""One workflow in Lab: run a notebook's ``%%track`` cells, press Productionize on that same
notebook, then run the package: its run appears in the Experiments sidebar beside the
notebook's, and the export itself added none."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from .test_productionize import code, open_notebook, open_pipeline_panel, write

pytestmark = pytest.mark.browser

EXPERIMENTS = "nbops-experiments"


def tracked_notebook(root) -> str:
    return write(
        root,
        "noise.ipynb",
        code("%load_ext nbops\nimport nbops\nimport numpy as np", "setup"),
        code("n = 200\nseed = 0", "parameters"),
        code("rng = np.random.default_rng(seed)\nx = rng.normal(size=n)", "step:load"),
        code(
            "%%track noise --metrics spread\nspread = float(x.std())\nnbops.log_metric('mean', float(x.mean()))",
            "step:summarize",
            "metrics",
        ),
        code("assert 0.5 < spread < 1.5", "test"),
    )


def column_index(panel, header: str) -> int:
    headers = panel.get_by_role("columnheader").all_inner_texts()
    return [text.strip() for text in headers].index(header)


def test_track_then_productionize_then_the_pipeline_run_beside_the_notebooks(lab, lab_server):
    page = lab.page
    root = lab_server.root_dir
    notebook = open_notebook(lab, tracked_notebook(root))
    lab.wait_for_kernel()

    # 1. Track: run the notebook in Lab; its %%track cell is one run of "noise".
    lab.focus_notebook()
    lab.menu("Run", "Run All Cells")
    sidebar = lab.open_left_panel(EXPERIMENTS)
    rows = sidebar.get_by_role("row").filter(has_text="noise")
    expect(rows).to_have_count(1, timeout=60_000)
    expect(rows.get_by_role("cell").nth(column_index(sidebar, "Status"))).to_have_text("finished", timeout=30_000)

    # 2. Productionize the same notebook, %%track and nbops calls included.
    panel = open_pipeline_panel(lab)
    expect(panel.locator('[data-code="NB214"]')).to_have_count(1)
    notebook.locator('.jp-Toolbar [data-command="nbops:productionize"]').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator("input")).to_have_value("noise_pipeline")
    dialog.get_by_role("button", name="Productionize").click()
    job = panel.locator("section.jp-nbops-JobView")
    expect(job).to_have_attribute("data-state", re.compile("done|failed"), timeout=180_000)
    lab.screenshot("one-workflow-productionized-light", panel)
    expect(job).to_have_attribute("data-state", "done")
    expect(job.locator(".jp-nbops-TestsSummary")).to_have_attribute("data-ok", "true")

    # The export's clean runs went to a scratch store: still only the notebook's run.
    sidebar = lab.open_left_panel(EXPERIMENTS)
    expect(rows).to_have_count(1)

    # 3. Run the pipeline from another folder, logging to this project's store.
    elsewhere = root.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = {**os.environ, "NBOPS_HOME": str(root / ".nbops"), "PYTHONPATH": str(root / "noise_pipeline" / "src")}
    env.pop("NBOPS_TRACKING", None)
    done = subprocess.run(
        [sys.executable, "-m", "noise_pipeline", "run", "-p", "seed=5"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["params"]["seed"] == 5

    # 4. The pipeline's run appears beside the notebook's, without reloading.
    pipeline_row = sidebar.get_by_role("row").filter(has_text="noise_pipeline")
    expect(pipeline_row).to_have_count(1, timeout=60_000)
    expect(rows).to_have_count(2)
    expect(pipeline_row.get_by_role("cell").nth(column_index(sidebar, "Status"))).to_have_text("finished")
    lab.resize_left_sidebar(420)
    # its params are the pipeline's Params, with the -p override
    expect(pipeline_row.get_by_role("cell").nth(column_index(sidebar, "seed"))).to_have_text("5")
    expect(
        rows.filter(has_not_text="noise_pipeline").get_by_role("cell").nth(column_index(sidebar, "seed"))
    ).to_have_text("0")
    lab.screenshot("one-workflow-sidebar-light")
    lab.set_theme("JupyterLab Dark")
    expect(pipeline_row).to_be_visible()
    lab.screenshot("one-workflow-sidebar-dark")
    open_pipeline_panel(lab)
    lab.screenshot("one-workflow-productionized-dark", panel)
    lab.set_theme("JupyterLab Light")
    lab.resize_left_sidebar(250)
    assert not [e for e in lab.console_errors if "nbops" in e.lower()], lab.console_errors
