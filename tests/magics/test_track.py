import json

import pytest

from nbops.store import open_store


def html_of(result) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in result["outputs"] if o["type"] == "display_data")


def run_bundles_of(result) -> list[dict]:
    """The summaries' data for the Lab renderer (application/vnd.nbops.run+json)."""
    return [
        o["data"]["application/vnd.nbops.run+json"]
        for o in result["outputs"]
        if o["type"] == "display_data" and "application/vnd.nbops.run+json" in o.get("data", {})
    ]


def errors_of(result) -> list[dict]:
    return [o for o in result["outputs"] if o["type"] == "error"]


def only_run(project, experiment):
    runs = open_store(project / ".nbops").runs.search(experiment=experiment).runs
    assert len(runs) == 1, runs
    return runs[0]


def test_cell_magic_tracks_params_metrics_and_shows_a_summary(kernel, project):
    assert kernel.run("%load_ext nbops")["status"] == "ok"
    kernel.run("lr = 0.05\nmodel = 'rf'")
    result = kernel.run(
        "%%track churn --params lr,model --metrics auc --name first\n"
        "import nbops\n"
        "for i in range(30):\n    nbops.log_metric('loss', 1 / (i + 1))\n"
        "auc = 0.91"
    )
    assert result["status"] == "ok", result
    run = only_run(project, "churn")
    assert run["status"] == "finished" and run["name"] == "first"
    assert run["params"] == {"lr": "0.05", "model": "rf"}
    assert run["metrics"] == {"loss": pytest.approx(1 / 30), "auc": 0.91}
    summary = html_of(result)
    assert run["id"] in summary and "finished" in summary and "auc" in summary
    # beside the HTML fallback, the Lab extension's bundle links the summary to the run detail
    [bundle] = run_bundles_of(result)
    assert bundle["run_id"] == run["id"] and bundle["experiment"] == "churn" and bundle["name"] == "first"
    assert bundle["status"] == "finished" and bundle["params"] == {"lr": "0.05", "model": "rf"}
    assert bundle["metrics"]["auc"] == 0.91 and bundle["duration"] >= 0
    # the live chart is an ipywidgets Output holding a plotly figure
    widget_states = [o for o in result["outputs"] if o["type"] == "comm_open"]
    assert any(s["data"]["state"].get("_model_name") == "OutputModel" for s in widget_states)
    cells = open_store(project / ".nbops").provenance.get(run["id"])["cells"]
    assert len(cells) == 1 and cells[0]["source"].startswith("%%track churn") and cells[0]["execution_count"] == 3


def test_no_chart_when_the_cell_logs_nothing_live(kernel, project):
    kernel.run("%load_ext nbops")
    result = kernel.run("%%track quiet --metrics auc\nauc = 0.5")
    assert result["status"] == "ok"
    assert not [o for o in result["outputs"] if o["type"] == "comm_open"]
    assert only_run(project, "quiet")["metrics"] == {"auc": 0.5}
    # one value logged live is no curve either: the summary shows it, not a chart of empty axes
    result = kernel.run("%%track single\nimport nbops\nnbops.log_metric('mean', 0.25)")
    assert result["status"] == "ok"
    assert not [o for o in result["outputs"] if o["type"] == "comm_open"]
    assert only_run(project, "single")["metrics"] == {"mean": 0.25}


def test_cell_magic_failure_marks_run_failed_and_reraises(kernel, project):
    kernel.run("%load_ext nbops")
    result = kernel.run("%%track churn\nraise ValueError('boom')")
    assert result["status"] == "error" and result["reply"]["ename"] == "ValueError"
    assert only_run(project, "churn")["status"] == "failed"
    [bundle] = run_bundles_of(result)  # the failed run still links to its detail
    assert bundle["status"] == "failed"


def test_summary_bundle_sends_nan_metrics_as_null(kernel, project):
    kernel.run("%load_ext nbops")
    result = kernel.run("%%track odd --metrics loss\nloss = float('nan')")
    assert result["status"] == "ok", result
    [bundle] = run_bundles_of(result)
    assert bundle["metrics"] == {"loss": None}
    assert "loss=<b>NaN</b>" in html_of(result)


def test_line_magic_tracks_following_cells_until_end(kernel, project):
    kernel.run("%load_ext nbops")
    assert kernel.run("%track sweep --name manual --tag owner=ana")["status"] == "ok"
    kernel.run("import nbops\nnbops.log_metric('acc', 0.5)")
    kernel.run("nbops.log_metric('acc', 0.75)")
    result = kernel.run("%track --end")
    assert result["status"] == "ok"
    run = only_run(project, "sweep")
    assert run["status"] == "finished" and run["tags"] == {"owner": "ana"} and run["metrics"] == {"acc": 0.75}
    cells = open_store(project / ".nbops").provenance.get(run["id"])["cells"]
    assert [c["source"] for c in cells] == [
        "%track sweep --name manual --tag owner=ana",
        "import nbops\nnbops.log_metric('acc', 0.5)",
        "nbops.log_metric('acc', 0.75)",
        "%track --end",
    ]


@pytest.mark.parametrize(
    "line, message",
    [
        ("%track", "name the experiment"),
        ("%track --end", "no %track run is active"),
        ("%track exp --bogus", "unrecognized arguments: --bogus"),
        ("%%track exp --params 1x\npass", "'1x' is not a variable name"),
        ("%%track exp --params undefined_thing\npass", "undefined_thing, not defined"),
        ("%%track exp --metrics missing_metric\npass", "missing_metric, not defined after the cell ran"),
        ("%%track exp --tag novalue\npass", "tag 'novalue' is not key=value"),
        ("%%track exp --metrics text\ntext = 'high'", "metric 'text' got str"),
    ],
)
def test_bad_magic_arguments_are_one_line_usage_errors(magics_kernel, line, message):
    result = magics_kernel.run(line)
    assert result["status"] == "error"
    assert result["reply"]["ename"] == "UsageError", result["reply"]
    assert message in result["reply"]["evalue"]
    # a frontend shows consecutive stderr messages as one output (the kernel may send a line's
    # end in a message of its own), so they are joined here too
    stderr = "".join(o["text"] for o in result["outputs"] if o["type"] == "stream" and o["name"] == "stderr")
    shown = [stderr] if stderr else []
    shown += ["\n".join(o["traceback"]) for o in errors_of(result)]
    assert len(shown) == 1 and message in shown[0]
    assert "Traceback" not in shown[0] and shown[0].strip().count("\n") == 0


def test_magics_under_papermill_pick_up_injected_parameters(project, tmp_path):
    import nbformat
    import papermill  # the test extra installs it: CI must fail, not skip, without it

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    parameters = nbformat.v4.new_code_cell("alpha = 0.1\nepochs = 3")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext nbops"),
        parameters,
        nbformat.v4.new_code_cell("%%track pm --metrics score\nscore = alpha * epochs"),
    ]
    source, output = tmp_path / "train.ipynb", tmp_path / "out.ipynb"
    nbformat.write(notebook, source)
    import os

    os.environ["NBOPS_HOME"] = str(project / ".nbops")
    papermill.execute_notebook(
        str(source),
        str(output),
        parameters={"alpha": 0.5, "epochs": 4},
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
    )
    run = only_run(project, "pm")
    assert run["params"] == {"alpha": "0.5", "epochs": "4"}
    assert run["metrics"] == {"score": 2.0}
    executed = json.loads(output.read_text())
    assert "finished" in json.dumps(executed["cells"][-1]["outputs"])


def test_params_default_to_the_notebooks_parameters_cell(project):
    """In Lab the kernel knows its notebook (JPY_SESSION_NAME) and reads the tagged cell."""
    import os

    import nbformat
    from jupyter_client.manager import start_new_kernel

    from .conftest import Kernel

    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("lr: float = 0.01\nlayers, units = 2, 64")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters]
    path = project / "exp.ipynb"
    nbformat.write(notebook, path)
    env = dict(os.environ, NBOPS_HOME=str(project / ".nbops"), JPY_SESSION_NAME=str(path))
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(project), startup_timeout=60)
    try:
        kernel = Kernel(client)
        kernel.run("%load_ext nbops\nlr: float = 0.02\nlayers, units = 3, 32\nunrelated = 1")
        assert kernel.run("%%track nb\nx = lr * units")["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    run = only_run(project, "nb")
    assert run["params"] == {"lr": "0.02", "layers": "3", "units": "32"}
    assert run["notebook_path"] == "exp.ipynb"


def test_papermill_sweep_records_every_parameters_cell_variable_and_the_notebook(project):
    """``papermill nb.ipynb out.ipynb -p alpha 0.01 -p seed N``: the params a Lab run would record
    (the whole parameters cell, injected values overriding) and the input notebook's path."""
    import subprocess
    import sys
    from pathlib import Path

    import nbformat
    import papermill  # noqa: F401  (the test extra installs it; CI must not skip this)

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    parameters = nbformat.v4.new_code_cell('alpha = 0.1\nseed = 0\nn_estimators: int = 50\nmodel = "rf"')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext nbops"),
        parameters,
        nbformat.v4.new_code_cell("%%track sweep --metrics score\nscore = alpha * n_estimators + seed"),
    ]
    (project / "notebooks").mkdir()
    nbformat.write(notebook, project / "notebooks" / "train.ipynb")
    papermill_cli = Path(sys.executable).with_name("papermill")
    for seed in (1, 2):
        done = subprocess.run(
            [
                str(papermill_cli),
                "--no-progress-bar",
                "-k",
                "python3",
                "notebooks/train.ipynb",
                f"out-{seed}.ipynb",
                "-p",
                "alpha",
                "0.01",
                "-p",
                "seed",
                str(seed),
            ],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    runs = open_store(project / ".nbops").runs.search(experiment="sweep").runs
    assert sorted(r["params"]["seed"] for r in runs) == ["1", "2"]
    for run in runs:
        assert run["params"] == {"alpha": "0.01", "seed": run["params"]["seed"], "n_estimators": "50", "model": "rf"}
        assert run["notebook_path"] == "notebooks/train.ipynb"
        assert run["metrics"] == {"score": pytest.approx(0.5 + int(run["params"]["seed"]))}

    # The same notebook run in Lab (the server names the notebook to its kernel) records the same.
    import os

    from jupyter_client.manager import start_new_kernel

    from .conftest import Kernel

    env = dict(
        os.environ, NBOPS_HOME=str(project / ".nbops"), JPY_SESSION_NAME=str(project / "notebooks" / "train.ipynb")
    )
    manager, client = start_new_kernel(
        kernel_name="python3", env=env, cwd=str(project / "notebooks"), startup_timeout=60
    )
    try:
        kernel = Kernel(client)
        for cell in notebook.cells:
            assert kernel.run(cell.source)["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    lab = next(
        r
        for r in open_store(project / ".nbops").runs.search(experiment="sweep").runs
        if r["id"] not in {run["id"] for run in runs}
    )
    assert lab["params"] == {"alpha": "0.1", "seed": "0", "n_estimators": "50", "model": "rf"}
    assert lab["notebook_path"] == runs[0]["notebook_path"]


def test_papermill_input_path_is_read_from_its_command_line():
    from nbops.tracking.capture import _first_positional

    assert _first_positional(["-p", "a", "x.ipynb", "-k", "python3", "in.ipynb", "out.ipynb"]) == "in.ipynb"
    assert _first_positional(["--cwd", "dir", "-y", "a: 1", "nb.ipynb"]) == "nb.ipynb"
    assert _first_positional(["--help"]) is None


def test_autolog_flag_logs_a_fit_into_the_tracked_run(kernel, project):
    kernel.run("%load_ext nbops")
    result = kernel.run(
        "%%track sweep --autolog --name lr\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "LogisticRegression(C=0.3).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])"
    )
    assert result["status"] == "ok", result
    run = only_run(project, "sweep")
    assert run["name"] == "lr" and run["params"]["C"] == "0.3"
    assert run["metrics"]["training_accuracy_score"] == 1.0
    # still on after the cell: a fit outside a run is a run of the experiment named
    kernel.run("from sklearn.linear_model import LinearRegression\nLinearRegression().fit([[0.0], [1.0]], [0.0, 1.0])")
    runs = open_store(project / ".nbops").runs.search(experiment="sweep").runs
    assert sorted(r["name"] for r in runs) == ["LinearRegression", "lr"]


def test_autolog_flag_is_refused_with_end(kernel):
    kernel.run("%load_ext nbops")
    result = kernel.run("%track --end --autolog")
    assert result["status"] == "error" and "--autolog" in result["reply"]["evalue"]
