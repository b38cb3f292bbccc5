"""One workflow: the notebook a user tracks is the notebook they productionize.

A tracked scikit-learn notebook (``%%track`` on a step, ``nbops.log_metric``, a ``with
nbops.start_run`` block, ``log_dataset``, ``register_model``, a test cell) is exported with the
user's store in place; the export must not add a run or a model to it, and each run of the
generated package from another directory must add exactly one run (with every ``Params`` field,
the steps' metrics and lineage tags) and one model version.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import tracked_notebooks
from pipeline_notebooks import _nb, code

from nbops.productionize import analyse_notebook, productionize
from nbops.productionize.equivalence import run_package_tests
from nbops.productionize.syntax import normalize

QUERY = r"""
import json, nbops
store = nbops.store()
runs = nbops.search_runs(limit=1000)
models = {m["name"]: [v["run_id"] for v in store.models.versions(m["name"])] for m in store.models.list()}
datasets = {r["id"]: [d["name"] for d in store.datasets.of_run(r["id"])] for r in runs}
print(json.dumps({"runs": runs, "models": models, "datasets": datasets}, default=str))
"""

SEED = r"""
import nbops
with nbops.start_run("sweep", params={"C": 2.0}):
    nbops.log_metric("accuracy", 0.5)
"""


def _python(code_or_module, *args, home, cwd=None, pythonpath=None, module=False):
    env = {**os.environ, "NBOPS_HOME": str(home)}
    env.pop("NBOPS_TRACKING", None)
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    command = [sys.executable, "-m", code_or_module, *args] if module else [sys.executable, "-c", code_or_module]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)


def _store(home) -> dict:
    done = _python(QUERY, home=home)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def user_home(tmp_path_factory):
    """The user's store, holding one notebook run before the export."""
    home = tmp_path_factory.mktemp("user") / ".nbops"
    assert _python(SEED, home=home).returncode == 0
    return home


@pytest.fixture(scope="module")
def exported(tmp_path_factory, user_home):
    workspace = tmp_path_factory.mktemp("one_workflow")
    notebook = workspace / "tracked.ipynb"
    nbformat.write(tracked_notebooks.tracked_sklearn(), notebook)
    before = _store(user_home)
    saved = os.environ.get("NBOPS_HOME")
    os.environ["NBOPS_HOME"] = str(user_home)  # as under a Jupyter server: kernels inherit it
    try:
        result = productionize(notebook, workspace / "pkg")
    finally:
        if saved is None:
            os.environ.pop("NBOPS_HOME")
        else:
            os.environ["NBOPS_HOME"] = saved
    return result, before, workspace


def test_tracked_notebook_exports_with_tracking_understood(exported):
    result, _, _ = exported
    assert [(d.code, d.cell_index) for d in result.diagnostics] == [
        ("NB210", 0),
        ("NB214", 3),
        ("NB403", 4),
        ("NB403", 4),
    ]
    assert result.ok, [d.format() for d in result.diagnostics]
    # what nbops handed the steps is there in the check and the tests (tracked into a scratch store)
    assert {d.message.split(" ", 1)[0] for d in result.diagnostics[2:]} == {"evaluate.registered", "evaluate.run_id"}
    assert all("comes from nbops" in d.message for d in result.diagnostics[2:])
    assert result.tests.ok
    assert {e.variable for e in result.equivalence if e.status != "match"} == {"registered", "run_id"}
    assert {e.status for e in result.equivalence} == {"match", "nondeterministic"}  # none None, none missing
    steps = (Path(result.package_dir) / "src" / result.package / "steps.py").read_text()
    assert "clf = LogisticRegression(C=C, max_iter=max_iter, random_state=seed).fit(X_train, y_train)" in steps
    assert "%%track" not in steps and "__import__('nbops').log_metric('accuracy', accuracy)" in steps


def test_export_adds_no_runs_and_no_models_to_the_users_store(exported, user_home):
    _, before, _ = exported
    after = _store(user_home)
    assert len(before["runs"]) == 1
    assert [r["id"] for r in after["runs"]] == [r["id"] for r in before["runs"]]
    assert after["models"] == before["models"] == {}


def test_pipeline_run_from_another_directory_logs_one_run_and_a_model_version(exported, user_home, tmp_path):
    result, _, _ = exported
    before = _store(user_home)
    done = _python(
        result.package,
        "run",
        "-p",
        "C=0.5",
        "-p",
        "seed=3",
        home=user_home,
        cwd=tmp_path,
        pythonpath=Path(result.package_dir) / "src",
        module=True,
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    after = _store(user_home)
    new = [r for r in after["runs"] if r["id"] not in {b["id"] for b in before["runs"]}]
    assert len(new) == 1, "one pipeline run is one nbops run (the step's start_run joins it)"
    (run,) = new
    assert run["experiment"] == "sweep" and run["status"] == "finished" and run["parent_id"] is None
    assert run["params"] == {"C": "0.5", "max_iter": "200", "seed": "3"}
    assert set(run["metrics"]) == {"accuracy", "train_accuracy", "auc"}
    assert run["metrics"]["auc"] == pytest.approx(printed["metrics"]["auc"])
    assert run["tags"]["pipeline.package"] == result.package == "tracked_pipeline"
    assert run["tags"]["pipeline.version"] == "0.1.0"
    assert run["tags"]["pipeline.git_commit"] == "none"  # the package is not in a repository
    assert after["models"]["sweep-clf"][-1] == run["id"]
    assert after["datasets"][run["id"]] == ["train"]
    assert len(after["models"]["sweep-clf"]) == len(before["models"].get("sweep-clf", [])) + 1


def test_pipeline_lineage_names_the_git_commit_of_the_package(exported, tmp_path):
    result, _, _ = exported
    repo = tmp_path / "repo"
    shutil.copytree(result.package_dir, repo)
    git = {"cwd": repo, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **git)
    subprocess.run(
        ["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "pipeline", "--allow-empty"], **git
    )
    subprocess.run(["git", "add", "."], **git)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "package"], **git)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], **git, text=True).stdout.strip()
    home = tmp_path / ".nbops"
    done = _python(result.package, "run", home=home, pythonpath=repo / "src", module=True)
    assert done.returncode == 0, done.stderr
    (run,) = _store(home)["runs"]
    assert run["tags"]["pipeline.git_commit"] == commit and run["tags"]["pipeline.git_dirty"] == "false"


def test_no_track_and_missing_nbops_make_the_calls_no_ops(exported, tmp_path):
    result, _, _ = exported
    src = Path(result.package_dir) / "src"
    home = tmp_path / ".nbops"
    off = _python(result.package, "run", "--no-track", home=home, pythonpath=src, module=True)
    assert off.returncode == 0, off.stderr
    # nbops blocked from importing: the package's shim stands in for it
    hide = (
        f"import sys, runpy; sys.modules['nbops'] = None; sys.argv = ['{result.package}', 'run']; "
        f"runpy.run_module('{result.package}', run_name='__main__')"
    )
    missing = _python(hide, home=home, pythonpath=src)
    assert missing.returncode == 0, missing.stderr
    assert missing.stderr.count("nbops is not installed") == 1
    assert json.loads(missing.stdout)["metrics"] == json.loads(off.stdout)["metrics"]
    assert not home.exists()


def test_altering_a_step_body_fails_the_generated_tests(exported, tmp_path):
    result, _, _ = exported
    altered = tmp_path / "altered"
    shutil.copytree(result.package_dir, altered)
    steps = altered / "src" / result.package / "steps.py"
    old = "LogisticRegression(C=C, max_iter=max_iter"
    assert old in steps.read_text()
    steps.write_text(steps.read_text().replace(old, "LogisticRegression(C=C / 100, max_iter=max_iter"))
    outcome = run_package_tests(altered)
    assert outcome.failed > 0
    assert any("test_train_reproduces_the_notebook" in f for f in outcome.failures), outcome.failures


@pytest.mark.parametrize(
    "source, expected_source, experiment, diagnostics",
    [
        (
            "%%track churn --metrics auc,loss\nauc = 0.9\nloss = 0.1\n",
            "auc = 0.9\nloss = 0.1\n__import__('nbops').log_metric('auc', auc)\n__import__('nbops').log_metric('loss', loss)\n",
            "churn",
            ["NB214"],
        ),
        (
            "%%track churn --name first --tag model=rf --metrics=x\nx = 1\n",
            "x = 1\n__import__('nbops').set_tags({'model': 'rf'})\n__import__('nbops').log_metric('x', x)\n",
            "churn",
            ["NB214"],
        ),
        ("%%track --name first churn\nx = 1\n", "x = 1\n", "churn", ["NB214"]),
        ("%track churn --name n\nx = 1\n%track --end\n", "x = 1\n", "churn", ["NB214", "NB214"]),
        (
            "with nbops.start_run('churn', params={'C': 1}):\n    x = 1\n",
            "with nbops.start_run('churn', params={'C': 1}):\n    x = 1\n",
            "churn",
            [],
        ),
        ("%%time\nx = 1\n", "x = 1\n", None, ["NB211"]),
    ],
)
def test_tracking_magics_are_understood(source, expected_source, experiment, diagnostics):
    cell = normalize(source, 0)
    assert cell.source == expected_source
    assert cell.experiment == experiment
    assert [d.code for d in cell.diagnostics] == diagnostics
    assert all(d.severity == "info" for d in cell.diagnostics)


def test_start_run_blocks_in_steps_need_no_reordering():
    nb = _nb(
        code("import nbops\nfrom sklearn.linear_model import LogisticRegression", "setup"),
        code("n = 3", "parameters"),
        code("X = [[0], [1], [2], [3]]\ny = [0, 0, 1, 1]", "step:load"),
        code(
            "with nbops.start_run('churn', params={'n': n}) as run:\n"
            "    clf = LogisticRegression().fit(X, y)\n    run.log_metric('acc', clf.score(X, y))",
            "step:train",
        ),
        code("pred = clf.predict(X)", "step:train"),
        code("with nbops.start_run('churn'):\n    score = float(clf.score(X, y))", "step:evaluate"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert plan.diagnostics == []
    assert plan.experiment == "churn"
    assert plan.steps["evaluate"].inputs == {"clf": "train", "X": "load", "y": "load"}


def test_the_converted_cells_name_the_experiment_before_exploration_cells():
    nb = _nb(code("%%track explore\nx = 1"), code("n = 1", "parameters"), code("%%track train\ny = n", "step:a"))
    assert analyse_notebook(nb, "pkg").experiment == "train"
