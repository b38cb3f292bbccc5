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


def wait_until(page, predicate, timeout: float = 10.0) -> None:
    """Poll a Python-side condition while letting the page (and its routes) run."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        page.wait_for_timeout(100)


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
    expect(run_row.get_by_role("cell").nth(column_index(panel, "Status"))).to_have_text("finished", timeout=30_000)
    auc = run_row.get_by_role("cell").nth(column_index(panel, "auc"))
    expect(auc).to_have_text("0.91")
    lab.screenshot("sidebar-light")
    # Readable at the sidebar's default width, not scrolled out of sight.
    expect(auc).to_be_in_viewport(ratio=1)
    expect(panel.get_by_role("combobox", name="Experiment")).to_contain_text("churn (1 run)")

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
            "import os, time\n"
            "import nbops\n"
            'with nbops.start_run("live", name="warmup"):\n'
            "    for step in range(40):\n"
            '        nbops.log_metric("loss", round(1 / (step + 1), 4), step=step)\n'
            '        if not os.path.exists("seen"):  # the test has seen it live: log the rest at once\n'
            "            time.sleep(0.3)"
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
    expect(row).to_be_visible(timeout=15_000)  # the table and its headers replace "No runs yet"
    status = row.get_by_role("cell").nth(column_index(panel, "Status"))
    expect(status).to_have_text("running", timeout=15_000)
    # The lab fixture's browser asks for reduced motion, as a user can: the running ring holds still.
    expect(status.locator(".jp-nbops-StatusIcon")).to_have_css("animation-name", "none")
    panel.get_by_role("combobox", name="Experiment").select_option("live")
    expect(panel.get_by_role("row").filter(has=lab.page.get_by_role("cell"))).to_have_count(1)
    loss = row.get_by_role("cell").nth(column_index(panel, "loss"))
    expect(loss).not_to_be_empty()
    first = loss.inner_text()
    expect(loss).not_to_have_text(first, timeout=10_000)
    lab.screenshot("sidebar-live-light", panel)
    (lab_server.root_dir / "seen").touch()
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
        entry = experiments.setdefault(
            run["experiment"], {"name": run["experiment"], "run_count": 0, "last_start_time": None}
        )
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
        elif endpoint == "changes":
            body = {"runs": [], "seq": 1, "more": False, "reset": False}
        elif endpoint == "runs":
            query = parse_qs(url.query)
            wanted = query.get("experiment", [None])[0]
            selected = [run for run in runs if wanted in (None, run["experiment"])]
            if "cursor" in query:  # the second (last) page
                body = {"runs": [], "next_cursor": None}
            else:
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
    # The list is short: the next page is fetched at once, no button to press.
    wait_until(lab.page, lambda: any("cursor=page-2" in request for request in requests))
    rows.nth(1).get_by_role("checkbox").check()
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


# ---- the full sidebar: sort, filter, selection, commands, 10,000 runs ----

ZOO = [  # name, model, lr, auc
    ("rf-a", "rf", 0.1, 0.91),
    ("rf-b", "rf", 0.3, 0.84),
    ("gbm-a", "gbm", 0.1, 0.95),
    ("gbm-b", "gbm", 0.3, 0.78),
    ("lr-a", "lr", 0.01, 0.88),
]

SEED_ZOO = """
import json, sys
import nbops
ids = {}
for name, model, lr, auc in json.loads(sys.argv[1]):
    with nbops.start_run("zoo", name=name, params={"model": model, "lr": lr}) as run:
        nbops.log_metric("auc", auc)
        ids[name] = run.id
print(json.dumps(ids))
"""

RECORD_COMMANDS = """() => {
    // Compare and run detail are other plugins: stand in for them when absent,
    // and record what the sidebar asks either way.
    const app = window.jupyterapp;
    window.nbopsExecuted = [];
    for (const id of ['nbops:open-compare', 'nbops:open-run']) {
        if (!app.commands.hasCommand(id)) {
            app.commands.addCommand(id, { label: id, execute: () => undefined });
        }
    }
    app.commands.commandExecuted.connect((_, { id, args }) => {
        if (id === 'nbops:open-compare' || id === 'nbops:open-run') {
            window.nbopsExecuted.push({ id, args });
        }
    });
}"""


def seed(lab_server, code: str, *args: str) -> str:
    """Run nbops Python code against the Lab server's store; return its stdout."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NBOPS_HOME": str(lab_server.root_dir / ".nbops")}
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def zoo(lab_server) -> dict[str, str]:
    """Five finished runs of experiment ``zoo``; their ids by name."""
    import json

    return json.loads(seed(lab_server, SEED_ZOO, json.dumps(ZOO)).strip().splitlines()[-1])


def open_experiment(lab, name: str):
    lab.open()
    panel = lab.open_left_panel(PANEL_ID)
    panel.get_by_role("combobox", name="Experiment").select_option(name)
    return panel


def run_rows(panel):
    return panel.locator("tr[data-run-id]")


def names(panel) -> list[str]:
    return [text.strip() for text in run_rows(panel).locator(".jp-nbops-RunName").all_inner_texts()]


def expect_names(panel, expected: list[str]) -> None:
    expect(run_rows(panel).locator(".jp-nbops-RunName")).to_have_text(expected)


def _tracked_cell(name: str, acc: float) -> str:
    # params are read when the run starts: the cell before sets lr
    return (
        f"%%track pair --name {name} --params lr --metrics acc\n"
        "for step in range(6):\n"
        "    nbops.log_metric('loss', lr / (step + 1), step=step)\n"
        "    time.sleep(0.15)\n"
        f"acc = {acc}"
    )


def test_two_tracked_cells_appear_live_and_open_in_compare(lab, lab_server):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext nbops\nimport time\nimport nbops\nlr = 0.1"),
        nbformat.v4.new_code_cell(_tracked_cell("cell-one", 0.7)),
        nbformat.v4.new_code_cell("lr = 0.3"),
        nbformat.v4.new_code_cell(_tracked_cell("cell-two", 0.8)),
    ]
    nbformat.write(notebook, lab_server.root_dir / "pair.ipynb")
    lab.open("lab/tree/pair.ipynb")
    lab.wait_for_kernel()
    panel = lab.open_left_panel(PANEL_ID)
    expect(panel.get_by_role("table", name="Runs").or_(panel.get_by_text("No runs yet"))).to_be_visible()
    lab.focus_notebook()
    lab.menu("Run", "Run All Cells")

    # No refresh pressed: the change feed brings both runs, the first while the second runs.
    one = panel.get_by_role("row").filter(has_text="cell-one")
    two = panel.get_by_role("row").filter(has_text="cell-two")
    expect(one).to_have_count(1, timeout=60_000)
    expect(two).to_have_count(1, timeout=60_000)
    status = column_index(panel, "Status")
    expect(two.get_by_role("cell").nth(status)).to_have_text("finished", timeout=30_000)
    # Newest first.
    expect(panel.locator("tr[data-run-id]").first).to_contain_text("cell-two")

    # Select both and compare: the param that differs is marked, the loss curves are drawn.
    panel.get_by_role("checkbox", name="Select run cell-one").check()
    panel.get_by_role("checkbox", name="Select run cell-two").check()
    panel.get_by_role("button", name="Compare", exact=True).click()
    compare = lab.page.locator(".jp-nbops-ComparePanel:visible")
    table = compare.get_by_role("table", name="Parameters and metrics")
    expect(table.get_by_role("columnheader")).to_contain_text(["Run", "cell-two", "cell-one"])
    expect(table.locator('tr[data-param="lr"]')).to_have_class(re.compile(r"\bjp-mod-differs\b"))
    expect(table.locator('tr[data-param="lr"] td')).to_have_text(["0.3", "0.1"])
    expect(table.locator('tr[data-metric="acc"]').first.locator("td")).to_have_text(["0.8", "0.7"])
    chart = compare.locator('[data-id="compare-curves"].js-plotly-plot')
    expect(chart).to_be_attached(timeout=30_000)
    lab.page.wait_for_function(
        "el => (el.data || []).filter(t => t.meta && t.meta.role === 'line' && t.x.length === 6).length === 2",
        arg=chart.element_handle(),
    )
    lab.screenshot("sidebar-to-compare-light")


def test_sorting_by_a_metric_column_reorders_rows(lab, zoo):
    panel = open_experiment(lab, "zoo")
    expect_names(panel, ["lr-a", "gbm-b", "gbm-a", "rf-b", "rf-a"])  # newest first
    auc = panel.get_by_role("columnheader", name="auc")
    auc.get_by_role("button").click()
    expect(auc).to_have_attribute("aria-sort", "descending")
    expect_names(panel, ["gbm-a", "rf-a", "lr-a", "rf-b", "gbm-b"])
    auc.get_by_role("button").click()
    expect(auc).to_have_attribute("aria-sort", "ascending")
    expect_names(panel, ["gbm-b", "rf-b", "lr-a", "rf-a", "gbm-a"])

    # Widened, the params that differ between runs get columns too; sorting by one is numeric.
    lab.resize_left_sidebar(520)
    lr = panel.get_by_role("columnheader", name="lr")
    expect(lr).to_be_visible()
    expect(panel.get_by_role("columnheader", name="model")).to_be_visible()
    lr.get_by_role("button").click()
    expect(lr).to_have_attribute("aria-sort", "ascending")
    expect(auc).to_have_attribute("aria-sort", "none")
    expect(run_rows(panel).first).to_contain_text("lr-a")
    expect(run_rows(panel).first.get_by_role("cell").nth(column_index(panel, "lr"))).to_have_text("0.01")
    lab.screenshot("sidebar-sorted-wide-light", panel)
    lab.resize_left_sidebar(300)


def test_filter_narrows_rows_and_a_bad_filter_shows_the_server_message(lab, zoo):
    panel = open_experiment(lab, "zoo")
    expect(run_rows(panel)).to_have_count(5)
    box = panel.get_by_role("searchbox", name="Filter runs")
    box.fill("metrics.auc > 0.85 and params.model = 'rf'")
    box.press("Enter")
    expect_names(panel, ["rf-a"])
    expect(panel.get_by_role("alert")).to_have_count(0)

    box.fill("score > 0.85")
    box.press("Enter")
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text("unknown field 'score'")
    expect(alert).to_contain_text("metrics.KEY")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect_names(panel, ["rf-a"])  # the last good rows stay
    lab.screenshot("sidebar-filter-error-light", panel)
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("sidebar-filter-error-dark", panel)
    lab.set_theme("JupyterLab Light")

    # Typing applies after a pause too, without Enter.
    box.fill("params.lr >= 0.3")
    expect_names(panel, ["gbm-b", "rf-b"])
    expect(panel.get_by_role("alert")).to_have_count(0)
    box.fill("metrics.auc > 2")
    box.press("Enter")
    expect(panel.get_by_text("No runs match")).to_be_visible()
    box.press("Escape")
    expect(run_rows(panel)).to_have_count(5)


def test_checked_runs_open_in_compare(lab, zoo):
    panel = open_experiment(lab, "zoo")
    lab.page.evaluate(RECORD_COMMANDS)
    compare = panel.get_by_role("button", name="Compare", exact=True)
    expect(compare).to_be_disabled()
    panel.get_by_role("checkbox", name="Select run rf-a").check()
    expect(compare).to_be_disabled()  # one run is no comparison
    panel.get_by_role("checkbox", name="Select run gbm-b").check()
    expect(panel.get_by_text("2 selected")).to_be_visible()
    expect(compare).to_be_enabled()
    lab.screenshot("sidebar-selection-light", panel)
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("sidebar-selection-dark", panel)
    lab.set_theme("JupyterLab Light")
    compare.click()
    executed = lab.page.evaluate("() => window.nbopsExecuted")
    # In table order (newest first), as they will be compared.
    assert executed == [{"id": "nbops:open-compare", "args": {"runs": [zoo["gbm-b"], zoo["rf-a"]]}}]

    # The selection survives a refresh and a re-sort.
    lab.page.evaluate("() => window.jupyterapp.commands.execute('nbops:refresh-runs')")
    panel.get_by_role("columnheader", name="auc").get_by_role("button").click()
    expect_names(panel, ["gbm-a", "rf-a", "lr-a", "rf-b", "gbm-b"])
    expect(panel.get_by_role("checkbox", name="Select run rf-a")).to_be_checked()
    expect(panel.get_by_role("checkbox", name="Select run gbm-b")).to_be_checked()

    # Shift-click checks the range from the last checked box; the header box checks all.
    panel.get_by_role("button", name="Clear").click()
    expect(panel.get_by_text("Check runs to compare")).to_be_visible()
    panel.get_by_role("checkbox", name="Select run rf-a").click()
    panel.get_by_role("checkbox", name="Select run rf-b").click(modifiers=["Shift"])
    expect(panel.get_by_text("3 selected")).to_be_visible()
    expect(panel.get_by_role("checkbox", name="Select run lr-a")).to_be_checked()
    expect(panel.get_by_role("checkbox", name="Select run gbm-a")).not_to_be_checked()
    panel.get_by_role("checkbox", name="Select all loaded runs").check()
    expect(panel.get_by_text("5 selected")).to_be_visible()


def test_clicking_a_row_opens_the_run(lab, zoo):
    panel = open_experiment(lab, "zoo")
    lab.page.evaluate(RECORD_COMMANDS)
    row = panel.locator(f'tr[data-run-id="{zoo["gbm-a"]}"]')
    row.get_by_role("checkbox").check()  # checking is not opening
    row.get_by_text("gbm-a").click()
    executed = lab.page.evaluate("() => window.nbopsExecuted")
    assert executed == [{"id": "nbops:open-run", "args": {"run": zoo["gbm-a"]}}]
    row.focus()
    row.press("Enter")
    assert lab.page.evaluate("() => window.nbopsExecuted.length") == 2


def test_ten_thousand_runs_scroll_to_the_last_one(lab, lab_server):
    """Only the visible rows are in the page; pages load as the table scrolls."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_api

    bench_api.CURVE_RUNS = 0  # no metric histories: the table shows latest values only
    ids = bench_api.build_store(lab_server.root_dir, 10_000)
    panel = open_experiment(lab, "bench")
    expect(run_rows(panel).first).to_contain_text("run-0")
    assert run_rows(panel).count() < 100
    scroller = panel.locator(".jp-nbops-RunsTable-scroller")
    last = panel.locator(f'tr[data-run-id="{ids[-1]}"]')
    for _ in range(300):
        scroller.evaluate("node => { node.scrollTop = node.scrollHeight; }")
        if last.count():
            break
        lab.page.wait_for_timeout(50)
    expect(last).to_be_visible()
    expect(last).to_contain_text("run-9999")
    assert run_rows(panel).count() < 100  # still virtualized at the end
    expect(panel.locator(".jp-nbops-Footer")).to_contain_text("10,000 runs")
    lab.screenshot("sidebar-10k-end-light", panel)
