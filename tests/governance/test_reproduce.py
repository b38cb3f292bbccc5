"""``nbops reproduce``: a tracked notebook's run re-created from its git commit plus its recorded
diff, its pinned data snapshot and its params, run again by papermill in a real kernel."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import nbops
from nbops import cli

TRAIN = """\
%%track churn --metrics total,mean_x
df = nbops.load_dataset("customers")
nbops.log_dataset(df, "customers", snapshot=True)
total = float(df["x"].sum() * scale)
mean_x = float(df["x"].mean())
"""


def customers(seed: int) -> pd.DataFrame:
    return pd.DataFrame({"x": np.random.default_rng(seed).normal(10, 2, 40)})


def write_notebook(path: Path, train: str) -> None:
    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    parameters = nbformat.v4.new_code_cell("scale = 1.0")
    parameters.metadata["tags"] = ["parameters"]
    book.cells = [
        nbformat.v4.new_code_cell("%load_ext nbops\nimport nbops"),
        parameters,
        nbformat.v4.new_code_cell(train),
    ]
    for index, cell in enumerate(book.cells):
        cell["id"] = f"c{index}"
    nbformat.write(book, path)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def papermill(repo: Path, scale: float) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("papermill")),
            "--no-progress-bar",
            "-k",
            "python3",
            "train.ipynb",
            "out.ipynb",
            "-p",
            "scale",
            str(scale),
        ],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """A committed notebook run once, edited (uncommitted), run again; then edited further and
    the dataset it loads replaced by a newer version: only the recorded state reproduces run 2."""
    import os

    project = tmp_path_factory.mktemp("reproduce")
    saved = os.environ.get("NBOPS_HOME")
    os.environ["NBOPS_HOME"] = str(project / ".nbops")
    try:
        nbops.log_dataset(customers(0), "customers", snapshot=True)
        repo = project / "repo"
        repo.mkdir()
        git(repo, "init", "-q")
        git(repo, "config", "user.email", "ds@example.com")
        git(repo, "config", "user.name", "DS")
        (repo / ".gitignore").write_text("out.ipynb\n")
        write_notebook(repo / "train.ipynb", TRAIN)
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", "train")
        papermill(repo, 2.0)
        write_notebook(repo / "train.ipynb", TRAIN + "total = total + 1\n")  # uncommitted
        papermill(repo, 3.0)
        write_notebook(repo / "train.ipynb", TRAIN + "total = total + 100\n")  # after the run: not its code
        nbops.log_dataset(customers(1), "customers", snapshot=True)  # a newer version, not the run's
        store = nbops.store()
        runs = sorted(store.runs.search(experiment="churn").runs, key=lambda r: r["start_time"])
        yield project, store, runs
    finally:
        if saved is None:
            os.environ.pop("NBOPS_HOME", None)
        else:
            os.environ["NBOPS_HOME"] = saved


@pytest.fixture
def inside(tracked, monkeypatch):
    project, _, _ = tracked
    monkeypatch.setenv("NBOPS_HOME", str(project / ".nbops"))
    monkeypatch.chdir(project)
    return tracked


def test_the_tracked_runs_record_the_commit_and_the_uncommitted_diff(inside):
    _, store, runs = inside
    assert len(runs) == 2 and runs[0]["git_commit"] == runs[1]["git_commit"]
    assert runs[0]["git_dirty"] is False and runs[1]["git_dirty"] is True
    assert "total = total + 1" in store.provenance.get(runs[1]["id"])["git_diff"]
    assert runs[1]["params"]["scale"] == "3.0"
    expected = float(customers(0)["x"].sum() * 3.0 + 1)
    assert runs[1]["metrics"]["total"] == pytest.approx(expected)


def test_reproduce_recreates_code_data_and_params_and_matches_the_metrics(inside, capsys):
    project, store, runs = inside
    original = runs[1]
    assert cli.main(["reproduce", original["id"], "-o", "again"]) == 0
    out = capsys.readouterr().out
    assert "2 metric(s) equal" in out
    folder = project / "again"
    source = (folder / "train.ipynb").read_text()
    assert "total = total + 1" in source and "total + 100" not in source  # commit + recorded diff
    assert_frame_equal(pd.read_parquet(folder / "customers.parquet"), customers(0))  # the run's version
    manifest = json.loads((folder / ".nbops-package.json").read_text())
    assert {"train.ipynb", "customers.parquet", "train.reproduced.ipynb"} <= set(manifest["files"])
    (new,) = [r for r in store.runs.search(experiment="churn").runs if r["tags"].get("reproduces") == original["id"]]
    assert new["params"]["scale"] == "3.0"
    assert new["metrics"] == pytest.approx(original["metrics"])
    assert [d["digest"] for d in store.datasets.of_run(new["id"])] == [
        d["digest"] for d in store.datasets.of_run(original["id"])
    ]


def test_a_metric_changed_after_the_fact_is_reported_with_exit_1(inside, capsys):
    project, store, runs = inside
    run_id = runs[0]["id"]
    with store.transaction() as conn:  # tamper with the record, as an edit behind nbops's back would
        conn.execute("UPDATE metrics SET value = value + 0.5 WHERE run_id = ? AND key = 'total'", (run_id,))
        conn.execute("UPDATE latest_metrics SET value = value + 0.5 WHERE run_id = ? AND key = 'total'", (run_id,))
    tampered = store.runs.get(run_id)["metrics"]["total"]
    assert cli.main(["reproduce", run_id, "-o", "tampered"]) == 1
    table = capsys.readouterr().out.splitlines()
    assert table[1].split() == ["metric", "original", "reproduced", "difference"]
    key, before, after, delta = table[2].split()
    assert key == "total" and float(before) == pytest.approx(tampered)
    assert float(after) == pytest.approx(float(customers(0)["x"].sum() * 2.0))
    assert float(delta) == pytest.approx(-0.5)
    assert len(table) == 3  # mean_x matched: only the difference is listed


def test_bad_input_exits_2_and_never_writes_into_a_folder_nbops_did_not_create(inside, capsys):
    project, _, runs = inside
    assert cli.main(["reproduce", "no-such-run"]) == 2
    assert "run 'no-such-run' does not exist" in capsys.readouterr().err
    mine = project / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert cli.main(["reproduce", runs[1]["id"], "-o", "mine", "--force"]) == 2
    assert "holds files nbops did not write (notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert cli.main(["reproduce", runs[1]["id"], "--via", "package"]) == 2
    assert "did not come from a pipeline package" in capsys.readouterr().err


def test_a_run_without_git_or_cells_says_what_is_missing(inside, capsys):
    with nbops.start_run("plain", capture_provenance=False) as run:
        run.log_metric("m", 1.0)
    assert cli.main(["reproduce", run.id]) == 2
    assert "has no git commit and no recorded cells" in capsys.readouterr().err


def test_a_pipeline_package_run_is_reproduced_through_the_package_cli(project, python_env, capsys, monkeypatch):
    """A package committed to git and run with ``python -m PKG run``: reproduced with its CLI,
    from inside the repository (a package run names no notebook to find it by)."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "productionize"))
    import pipeline_notebooks as nbs

    from nbops.productionize import productionize

    repo = project / "repo"
    repo.mkdir()
    nbformat.write(nbs.training(), repo / "training.ipynb")
    result = productionize(repo / "training.ipynb", repo / "training_pipeline", run_tests=False)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ds@example.com")
    git(repo, "config", "user.name", "DS")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "pipeline")
    env = {
        **python_env,
        "NBOPS_TRACKING": "1",
        "PYTHONPATH": f"{repo / 'training_pipeline' / 'src'}:{python_env['PYTHONPATH']}",
    }
    done = subprocess.run(
        [sys.executable, "-m", result.package, "run", "-p", "n_estimators=7"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (original,) = nbops.store().runs.search().runs
    assert original["tags"]["pipeline.package"] == result.package and original["params"]["n_estimators"] == "7"
    assert cli.main(["reproduce", original["id"], "-o", str(project / "again")]) == 2  # not in the repository
    assert "no git repository holds it" in capsys.readouterr().err
    monkeypatch.chdir(repo)
    assert cli.main(["reproduce", original["id"], "-o", str(project / "again")]) == 0
    assert "(package)" in capsys.readouterr().out
    (new,) = [r for r in nbops.store().runs.search().runs if r["id"] != original["id"]]
    assert new["tags"]["reproduces"] == original["id"] and new["params"] == original["params"]
    assert new["metrics"] == pytest.approx(original["metrics"]) and set(new["metrics"]) == {"auc", "accuracy"}


def test_a_run_outside_git_is_reproduced_from_its_recorded_cells(project, store, capsys):
    with nbops.start_run("cells", capture_provenance=False) as run:
        run.log_metric("v", 2.5)
    store.provenance.update(
        run.id,
        cells=[
            {"execution_count": 1, "source": "%load_ext nbops"},
            {"execution_count": 2, "source": "%%track cells --metrics v\nv = 5 / 2"},
        ],
    )
    assert cli.main(["reproduce", run.id, "-o", "from-cells"]) == 0
    assert "1 metric(s) equal" in capsys.readouterr().out
    book = nbformat.read(project / "from-cells" / "run.ipynb", as_version=4)
    assert [c.source for c in book.cells] == ["%load_ext nbops", "%%track cells --metrics v\nv = 5 / 2"]
