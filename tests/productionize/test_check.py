"""Check mode: `nbops check` and `nbops export --check` analyse and report without running a cell
or writing a file; the exit status says whether the notebook would convert."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pipeline_notebooks as nbs
import pytest

from nbops.productionize import analyse_notebook
from nbops.productionize.notebook_file import read_notebook

NBOPS = str(Path(sys.executable).parent / "nbops")


def run(*args, cwd):
    return subprocess.run([NBOPS, *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def training(tmp_path):
    nb = nbs.training()
    nb.cells[4].source += "\nopen('ran.txt', 'w').write('the cell ran')\n"  # proof that nothing runs
    nbformat.write(nb, tmp_path / "training.ipynb")
    return tmp_path


@pytest.mark.parametrize("command", [("check",), ("export", "--check")])
def test_check_reports_steps_and_runs_nothing(training, command):
    done = run(*command, "training.ipynb", cwd=training)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert (
        lines[-2] == "steps: load -> features -> train -> evaluate (params: n_estimators, test_size, max_depth, seed)"
    )
    assert lines[-1] == "check: 0 error(s), 0 warning(s), 0 info — ready to export (nothing was run)"
    assert sorted(p.name for p in training.iterdir()) == ["training.ipynb"]


def test_check_of_an_unconvertible_notebook_exits_1_with_anchored_diagnostics(tmp_path):
    nbformat.write(nbs.python2(), tmp_path / "py2.ipynb")
    nbformat.write(nbs.untagged_dependency(), tmp_path / "untagged.ipynb")
    done = run("check", "py2.ipynb", cwd=tmp_path)
    assert done.returncode == 1
    assert "py2.ipynb: NB201 error: cell 1, line 1: Python 2 syntax" in done.stdout
    assert '    fix: print("x is", x)' in done.stdout and "not convertible" in done.stdout
    done = run("export", "untagged.ipynb", "--check", cwd=tmp_path)
    assert done.returncode == 1
    assert "untagged cell 1 defines radius, read by cell(s) 2" in done.stdout
    assert "NB301 error: cell 2, line 1" in done.stdout
    assert (
        done.stdout.splitlines()[-1]
        == "hint: nbops suggest untagged.ipynb -o TAGGED.ipynb proposes tags for the untagged cells"
    )


def test_check_json_is_the_analysis_the_pipeline_panel_draws(training):
    done = run("check", "training.ipynb", "--json", cwd=training)
    view = json.loads(done.stdout)
    expected = analyse_notebook(training / "training.ipynb").to_dict()
    assert view == json.loads(json.dumps({"notebook": "training.ipynb", **expected}))


def test_the_light_reader_sees_what_nbformat_sees(tmp_path):
    """Sources stored as line lists, ids, tags, counts: the check analyses the same notebook as export."""
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbs.out_of_order(), path)
    assert all(isinstance(c["source"], list) for c in json.loads(path.read_text())["cells"])  # as saved by Lab
    assert analyse_notebook(read_notebook(path), "x").to_dict() == analyse_notebook(path, "x").to_dict()


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("{ not json", "is not a readable notebook"),
        ('{"cells": [{"source": 1}], "nbformat": 4}', "is not a readable notebook"),
    ],
)
def test_check_of_a_broken_file_exits_2(tmp_path, content, fragment):
    (tmp_path / "bad.ipynb").write_text(content)
    done = run("check", "bad.ipynb", cwd=tmp_path)
    assert done.returncode == 2 and fragment in done.stderr and "Traceback" not in done.stderr
    assert run("check", "missing.ipynb", cwd=tmp_path).returncode == 2


def test_export_without_output_or_check_is_a_usage_error(tmp_path):
    nbformat.write(nbs.out_of_order(), tmp_path / "nb.ipynb")
    done = run("export", "nb.ipynb", cwd=tmp_path)
    assert done.returncode == 2 and "needs -o DIR" in done.stderr
