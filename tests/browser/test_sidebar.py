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
    lab.wait_for_kernel()

    # Open the sidebar before running: it shows the empty state, then the run
    # appears without reloading.
    panel = lab.open_left_panel(PANEL_ID)
    expect(panel.get_by_text("No runs yet")).to_be_visible()
    expect(panel.get_by_text("%%track my-experiment")).to_be_visible()
    lab.screenshot("sidebar-empty-light", panel)

    lab.focus_notebook()
    lab.menu("Run", "Run All Cells")
    expect(notebook.locator(".jp-InputPrompt").nth(1)).to_have_text(re.compile(r"\[[*\d]+\]"))

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
    assert not [error for error in lab.console_errors if "nbops" in error.lower()]

    # The settings schema ships with the extension and Lab serves its defaults.
    settings = page.evaluate(
        "async () => (await window.jupyterapp.serviceManager.settings.fetch('nbops:plugin')).schema"
    )
    assert settings["properties"]["refreshInterval"]["default"] == 5


def test_a_logging_run_updates_live_while_the_sidebar_is_open(lab, lab_server):
    """Polling shows a run while it logs (running, metric moving), then its end."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import time\n"
            "import nbops\n"
            'with nbops.start_run("live", name="warmup"):\n'
            "    for step in range(40):\n"
            '        nbops.log_metric("loss", round(1 / (step + 1), 4), step=step)\n'
            "        time.sleep(0.3)"
        )
    ]
    nbformat.write(notebook, lab_server.root_dir / "live.ipynb")
    lab.open("lab/tree/live.ipynb")
    lab.wait_for_kernel()
    panel = lab.open_left_panel(PANEL_ID)

    notebook = lab.focus_notebook()
    lab.menu("Run", "Run All Cells")
    expect(notebook.locator(".jp-InputPrompt").first).to_have_text(re.compile(r"\[[*\d]+\]"))
    row = panel.get_by_role("row").filter(has_text="warmup")
    status = row.get_by_role("cell").nth(0)
    expect(status).to_have_text("running", timeout=15_000)
    panel.get_by_role("combobox", name="Experiment").select_option("live")
    expect(panel.get_by_role("row").filter(has=lab.page.get_by_role("cell"))).to_have_count(1)
    loss = row.get_by_role("cell").nth(column_index(panel, "loss"))
    expect(loss).not_to_be_empty()
    first = loss.inner_text()
    expect(loss).not_to_have_text(first, timeout=10_000)
    lab.screenshot("sidebar-live-light", panel)
    expect(status).to_have_text("finished", timeout=30_000)
    expect(loss).to_have_text("0.025")


def test_missing_server_extension_is_explained(lab):
    """Without the server routes the panel says what to do, not just '404'."""
    lab.page.route(
        re.compile(r".*/nbops/api/.*"),
        lambda route: route.fulfill(status=404, content_type="text/html", body="<html>404</html>"),
    )
    lab.open()
    # Opened through its command this time, as the command palette would.
    lab.page.evaluate("() => window.jupyterapp.commands.execute('nbops:open-experiments')")
    panel = lab.page.locator(f"#{PANEL_ID}")
    expect(panel).to_be_visible()
    expect(lab.left_tab(PANEL_ID)).to_have_attribute("aria-selected", "true")
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text("nbops server extension is not enabled")
    expect(alert).to_contain_text("jupyter server extension enable nbops")
    expect(alert.get_by_role("button", name="Retry")).to_be_visible()
    lab.screenshot("sidebar-error-light", panel)


def _fake_runs(now: float) -> list[dict]:
    def run(id_, experiment, name, status, age, duration, metrics, params=None):
        start = now - age
        end = None if duration is None else start + duration
        return {
            "id": id_,
            "experiment": experiment,
            "name": name,
            "status": status,
            "start_time": start,
            "end_time": end,
            "duration": duration,
            "params": params or {},
            "metrics": metrics,
            "tags": {},
            "notebook_path": "train.ipynb",
        }

    return [
        run("a7c1e2f09b", "churn", "lr-sweep-7", "running", 40, None, {"auc": 0.8731, "loss": 0.30121}),
        run("b3d9a61c2e", "churn", "baseline-rf", "finished", 190, 84.2, {"auc": 0.9134, "loss": 0.2488}),
        run("c5e0f7a8d1", "churn", None, "failed", 1250, 3.1, {}),
        run("d2f4b8c6e3", "churn", "xgb-deep", "crashed", 7300, None, {"auc": None, "loss": 0.61}),
        run("e8a3c5d7f9", "fraud", "gbm-early-stop", "killed", 90_000, 3725, {"auc": 0.7702}),
        run("f1b2c3d4e5", "fraud", "logreg", "finished", 800_000, 12.5, {"auc": 0.8012, "loss": 0.4}),
    ]


def _serve_fake_api(page, runs: list[dict], requests: list[str]) -> None:
    """Answer the nbops REST routes from ``runs``, as the server contract says."""
    import json
    from urllib.parse import parse_qs, urlparse

    experiments = {}
    for run in runs:
        entry = experiments.setdefault(run["experiment"], {"name": run["experiment"], "run_count": 0, "last_start_time": None})
        entry["run_count"] += 1
        entry["last_start_time"] = max(entry["last_start_time"] or 0, run["start_time"])

    def handle(route):
        url = urlparse(route.request.url)
        requests.append(url.path.rsplit("/nbops/api/", 1)[1] + (f"?{url.query}" if url.query else ""))
        endpoint = url.path.rsplit("/nbops/api/", 1)[1]
        if endpoint == "version":
            body = {"version": "0.1.0"}
        elif endpoint == "experiments":
            body = {"experiments": list(experiments.values())}
        elif endpoint == "runs":
            wanted = parse_qs(url.query).get("experiment", [None])[0]
            selected = [run for run in runs if wanted in (None, run["experiment"])]
            body = {"runs": selected, "next_cursor": "page-2" if wanted is None else None}
        else:
            route.fulfill(status=404, json={"message": f"no route {endpoint}", "reason": "not_found"})
            return
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(re.compile(r".*/nbops/api/.*"), handle)


def test_runs_table_shows_every_status_and_filters_by_experiment(lab):
    """Against the REST contract: order, status words, NaN metrics, experiment filter."""
    import time

    runs = _fake_runs(time.time())
    requests: list[str] = []
    _serve_fake_api(lab.page, runs, requests)
    lab.open()
    panel = lab.open_left_panel(PANEL_ID)
    lab.resize_left_sidebar(440)

    rows = panel.get_by_role("row").filter(has=lab.page.get_by_role("cell"))
    expect(rows).to_have_count(len(runs))
    status = column_index(panel, "Status")
    expect(rows.locator(f"td:nth-child({status + 1})")).to_have_text(
        ["running", "finished", "failed", "crashed", "killed", "finished"]
    )
    expect(rows.nth(0)).to_contain_text("lr-sweep-7 · churn")
    expect(rows.nth(2)).to_contain_text("c5e0f7a8")  # unnamed: start of its id
    expect(rows.nth(3).get_by_role("cell").nth(column_index(panel, "auc"))).to_have_text("NaN")
    expect(rows.nth(1).get_by_role("cell").nth(column_index(panel, "Duration"))).to_have_text("1m 24s")
    expect(panel.get_by_role("button", name="Load more runs")).to_be_visible()
    rows.nth(1).click()
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    lab.screenshot("sidebar-statuses-light", panel)
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("sidebar-statuses-dark", panel)

    panel.get_by_role("combobox", name="Experiment").select_option("fraud")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("gbm-early-stop")
    expect(rows.nth(0)).not_to_contain_text("· fraud")
    assert any(request.startswith("runs?") and "experiment=fraud" in request for request in requests)
    lab.set_theme("JupyterLab Light")


def test_tracked_cell_draws_a_live_chart_under_itself(lab, lab_server):
    """While a %%track cell logs, a plotly chart under the cell redraws; it stays after."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext nbops\nimport math, time\nimport nbops"),
        nbformat.v4.new_code_cell(
            "%%track curves --metrics final\n"
            "for step in range(60):\n"
            '    nbops.log_metric("loss", math.exp(-step / 15) + 0.05 * math.sin(step), step=step)\n'
            '    nbops.log_metric("val_loss", math.exp(-step / 20) + 0.1, step=step)\n'
            "    time.sleep(0.05)\n"
            "final = 0.12"
        ),
    ]
    nbformat.write(notebook, lab_server.root_dir / "curves.ipynb")
    lab.open("lab/tree/curves.ipynb")
    lab.wait_for_kernel()
    cells = lab.focus_notebook()
    lab.menu("Run", "Run All Cells")
    chart = cells.locator(".jp-OutputArea-output .js-plotly-plot")
    expect(chart).to_have_count(1, timeout=60_000)
    expect(chart.locator(".legendtext")).to_have_text(["loss", "val_loss"], timeout=30_000)
    summary = cells.locator(".jp-nbops-summary")
    expect(summary).to_contain_text("finished", timeout=30_000)
    expect(summary).to_contain_text("final=0.12")
    lab.screenshot("live-chart-light")
    lab.set_theme("JupyterLab Dark")
    expect(chart.locator(".legendtext")).to_have_count(2)
    lab.screenshot("live-chart-dark")
    lab.set_theme("JupyterLab Light")
