"""The output-folder rule on every surface: nbops never deletes or replaces a folder holding the
notebook, the store or files it did not write; ``force`` replaces only a package it wrote itself.

Each refusal is checked by what survives: the notebook, ``data/`` and ``.nbops/`` with its runs.
"""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pipeline_notebooks as nbs
import pytest

from nbops.errors import InvalidValueError
from nbops.productionize import productionize
from nbops.productionize.output_folder import MANIFEST, foreign_files, replace_folder

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def workspace(project, python_env):
    """A project as a user has it: a notebook, a data folder and a store with one finished run."""
    nbformat.write(nbs.out_of_order(), project / "nb.ipynb")
    (project / "data").mkdir()
    (project / "data" / "train.csv").write_text("a,b\n1,2\n")
    logged = "import nbops\nwith nbops.start_run('churn'):\n    nbops.log_metric('auc', 0.9)\n"
    subprocess.run([sys.executable, "-c", logged], env=python_env, check=True, cwd=project)
    return project


def snapshot(project: Path) -> dict:
    return {
        "notebook": (project / "nb.ipynb").read_bytes(),
        "data": (project / "data" / "train.csv").read_text(),
        "store": sorted(p.name for p in (project / ".nbops").iterdir()),
    }


def assert_survives(project: Path, before: dict, python_env) -> None:
    assert snapshot(project) == before
    query = "import json, nbops; print(json.dumps(nbops.search_runs('churn')))"
    runs = json.loads(
        subprocess.run(
            [sys.executable, "-c", query], env=python_env, capture_output=True, text=True, check=True, cwd=project
        ).stdout
    )
    assert [(r["status"], r["metrics"]) for r in runs] == [("finished", {"auc": 0.9})]


@pytest.mark.parametrize(
    "target, fragment",
    [
        (".", "contains the notebook nb.ipynb"),
        (".nbops", "holds the nbops store"),
        (".nbops/pkg", "is inside the nbops store"),
        ("data", "holds files nbops did not write (train.csv)"),
    ],
)
def test_python_refuses_to_replace_what_nbops_did_not_write(workspace, python_env, target, fragment):
    before = snapshot(workspace)
    events = []
    with pytest.raises(InvalidValueError, match="output folder") as caught:
        productionize(workspace / "nb.ipynb", workspace / target, force=True, progress=events.append)
    assert fragment in caught.value.message and str((workspace / target).resolve()) in caught.value.message
    assert events == []  # refused before anything ran
    assert_survives(workspace, before, python_env)


def test_cli_export_into_the_project_with_force_exits_2_and_deletes_nothing(workspace, python_env):
    before = snapshot(workspace)
    done = subprocess.run(
        [VENV_BIN / "nbops", "export", "nb.ipynb", "-o", ".", "--force"],
        cwd=workspace,
        env=python_env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert "contains the notebook nb.ipynb" in done.stderr and str(workspace) in done.stderr
    assert "Traceback" not in done.stderr
    done = subprocess.run(
        [VENV_BIN / "nbops", "export", "nb.ipynb", "-o", ".nbops", "--force"],
        cwd=workspace,
        env=python_env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "holds the nbops store" in done.stderr
    assert_survives(workspace, before, python_env)


def test_nbconvert_package_dir_into_the_project_is_refused(workspace, python_env):
    before = snapshot(workspace)
    done = subprocess.run(
        [
            VENV_BIN / "jupyter",
            "nbconvert",
            "--to",
            "pipeline",
            "nb.ipynb",
            "--PipelineExporter.package_dir=.",
            "--PipelineExporter.force=True",
        ],
        cwd=workspace,
        env=python_env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "contains the notebook nb.ipynb" in done.stderr
    assert not (workspace / "nb.zip").exists()
    assert_survives(workspace, before, python_env)


def test_force_replaces_only_the_package_nbops_wrote(workspace, python_env):
    """A real conversion writes the manifest; force replaces that folder, and nothing added to it."""
    out = workspace / "nb_pipeline"
    first = productionize(workspace / "nb.ipynb", out, run_tests=False)
    assert first.ok, [d.format() for d in first.diagnostics]
    listed = json.loads((out / MANIFEST).read_text())
    assert listed["generator"] == "nbops" and "pyproject.toml" in listed["files"]
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(listed["files"])
    # Running the package leaves caches: still nbops' to replace.
    (out / "src" / first.package / "__pycache__").mkdir()
    (out / "src" / first.package / "__pycache__" / "steps.cpython.pyc").write_bytes(b"x")
    (out / "src" / first.package / "steps.py").write_text("# edited by hand\n")  # listed: replaced
    again = productionize(workspace / "nb.ipynb", out, force=True, run_tests=False)
    assert again.ok and "edited by hand" not in (out / "src" / first.package / "steps.py").read_text()
    assert not (out / "src" / first.package / "__pycache__").exists()

    (out / "notes.md").write_text("my notes")
    with pytest.raises(InvalidValueError, match=r"holds files nbops did not write \(notes.md\)"):
        productionize(workspace / "nb.ipynb", out, force=True, run_tests=False)
    assert (out / "notes.md").read_text() == "my notes"
    assert not [p for p in workspace.iterdir() if p.name.startswith(".nb_pipeline")]  # no staging left behind


def test_a_file_added_between_the_check_and_the_swap_undoes_the_swap(tmp_path):
    out, staging = tmp_path / "pkg", tmp_path / ".pkg.staging"
    for folder in (out, staging):
        folder.mkdir()
        (folder / MANIFEST).write_text(json.dumps({"generator": "nbops", "files": [MANIFEST, "a.py"]}))
        (folder / "a.py").write_text(folder.name)
    replace_folder(staging, out, True)
    assert (out / "a.py").read_text() == ".pkg.staging" and not staging.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["pkg"]
    # A foreign file is refused even when the manifest is forged to look like nbops' with other files.
    (out / "user.txt").write_text("keep")
    assert foreign_files(out) == ["user.txt"]
    staging.mkdir()
    with pytest.raises(InvalidValueError, match="user.txt"):
        replace_folder(staging, out, True)
    assert (out / "user.txt").read_text() == "keep"


def test_a_manifest_that_is_not_nbops_protects_nothing(tmp_path):
    out = tmp_path / "pkg"
    out.mkdir()
    (out / MANIFEST).write_text("[1, 2]")
    (out / "a.py").write_text("x")
    assert foreign_files(out) == [MANIFEST, "a.py"]


def test_an_unwritable_output_folder_fails_before_the_golden_run(tmp_path):
    """A folder under a regular file cannot be created, root or not (root ignores permission bits)."""
    notebook = tmp_path / "nb.ipynb"
    nbformat.write(nbs.out_of_order(), notebook)
    (tmp_path / "plain.txt").write_text("a file, not a folder")
    events = []
    with pytest.raises(InvalidValueError, match="cannot be created: .*plain.txt is a file"):
        productionize(notebook, tmp_path / "plain.txt" / "sub" / "pkg", progress=events.append)
    assert events == []
    done = subprocess.run(
        [VENV_BIN / "nbops", "export", str(notebook), "-o", str(tmp_path / "plain.txt" / "pkg")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "cannot be created" in done.stderr and "[1/" not in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "plain.txt").read_text() == "a file, not a folder"
