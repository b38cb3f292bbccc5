"""End to end: notebook -> clean runs in real kernels -> package -> its own pytest and CLI.

Each convertible fixture is converted once per module; the generated package must pass its
tests, run from its CLI with a changed parameter, and fail its tests when a step is altered.
"""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pipeline_notebooks as nbs
import pytest

from nbops.errors import InvalidValueError
from nbops.productionize import analyse_notebook, productionize
from nbops.productionize.equivalence import run_package_tests
from nbops.productionize.golden import golden_run
from nbops.productionize.serialization import load

VENV_BIN = Path(sys.executable).parent

# fixture -> (parameter override, cached output to check, expected value, steps.py edit, failing step test)
CASES = {
    "training": (
        "n_estimators=3",
        ("train", "model"),
        lambda m: m.n_estimators == 3,
        ("test_size=test_size", "test_size=0.3"),
        "test_train_reproduces_the_notebook",
    ),
    "magics": (
        "factor=2",
        ("summarize", "total"),
        lambda v: v == 90,
        ("total = sum(values)", "total = sum(values) + 1"),
        "test_summarize_reproduces_the_notebook",
    ),
    "kale": (
        "n=10",
        ("generate", "series"),
        lambda v: len(v) == 10,
        ("statistics.pstdev(series)", "statistics.stdev(series)"),
        "test_stats_reproduces_the_notebook",
    ),
    "out_of_order": (
        "offset=100",
        ("shift", "shifted"),
        lambda v: v == [100, 101, 102, 103, 104],
        ("[b + offset for b in base]", "[b + offset + 1 for b in base]"),
        "test_shift_reproduces_the_notebook",
    ),
    "notebook_globals": (
        "power=3",
        ("weigh", "weights"),
        lambda v: v == [1.5, 12.0, 40.5],
        ("bias = 1.5", "bias = 1.25"),
        "test_prepare_reproduces_the_notebook",
    ),
}

EXPECTED_DIAGNOSTICS = {
    "training": [],
    "magics": [("NB210", 0), ("NB212", 2), ("NB211", 4)],
    "kale": [],
    "out_of_order": [("NB401", 2)],
    "notebook_globals": [("NB313", 1), ("NB307", 1)],
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("productionize")


@pytest.fixture(scope="module")
def converted(workspace):
    """name -> Result, converting each fixture notebook on first use."""
    results = {}

    def get(name):
        if name not in results:
            path = workspace / f"{name}.ipynb"
            nbformat.write(getattr(nbs, name)(), path)
            events = []
            results[name] = productionize(path, workspace / f"{name}_pkg", progress=events.append)
            results[name].events = events
        return results[name]

    return get


@pytest.mark.parametrize("name", list(CASES))
def test_convertible_notebook_becomes_a_package_whose_tests_pass(converted, name):
    result = converted(name)
    assert [(d.code, d.cell_index) for d in result.diagnostics] == EXPECTED_DIAGNOSTICS[name]
    assert result.ok
    assert result.tests.passed > 0 and result.tests.failed == 0 and result.tests.errors == 0
    assert result.equivalence and all(e.status == "match" for e in result.equivalence)
    assert [e["stage"] for e in result.events] == ["analyse", "golden_run", "generate", "equivalence", "tests", "write"]
    json.dumps(result.to_dict())  # what the REST job will send


@pytest.mark.parametrize("name", list(CASES))
def test_package_cli_runs_with_a_changed_parameter(converted, workspace, name):
    override, (step, output), check, _, _ = CASES[name]
    result = converted(name)
    cache = workspace / f"{name}_cache"
    done = subprocess.run(
        [sys.executable, "-m", result.package, "run", "-p", override, "--cache", str(cache)],
        env={"PYTHONPATH": str(Path(result.package_dir) / "src"), "NBOPS_TRACKING": "0"},
        capture_output=True,
        text=True,
        cwd=workspace,
    )
    assert done.returncode == 0, done.stderr
    key, value = override.split("=")
    assert str(json.loads(done.stdout)["params"][key]) == value
    assert check(load(cache / step, output))


@pytest.mark.parametrize("name", list(CASES))
def test_package_tests_fail_when_a_step_body_is_altered(converted, workspace, name):
    *_, (old, new), failing_test = CASES[name]
    result = converted(name)
    altered = workspace / f"{name}_altered"
    shutil.copytree(result.package_dir, altered)
    steps = altered / "src" / result.package / "steps.py"
    assert old in steps.read_text()
    steps.write_text(steps.read_text().replace(old, new))
    outcome = run_package_tests(altered)
    assert outcome.failed > 0
    assert any(failing_test in f for f in outcome.failures), outcome.failures


def test_training_package_metrics_and_dependencies(converted):
    result = converted("training")
    assert set(result.metrics) == {"auc", "accuracy"} and 0.5 < result.metrics["auc"] <= 1
    # pyarrow and joblib: the step outputs' formats (parquet, joblib) wherever the steps run
    assert {r.split(">=")[0] for r in result.requirements} == {"numpy", "pandas", "scikit-learn", "pyarrow", "joblib"}
    package = Path(result.package_dir)
    assert (
        "def train(data: pandas.DataFrame, *, test_size: float, seed: int, n_estimators: int, max_depth: int)"
        in (package / "src" / result.package / "steps.py").read_text()
    )
    assert "# --- notebook cell 6 · id c06 · step ---" in (package / "src" / result.package / "steps.py").read_text()
    assert "graph TD" in (package / "README.md").read_text()


def test_magics_package_harvests_pip_into_dependencies(converted):
    result = converted("magics")
    assert any(r.startswith("pyyaml") for r in result.requirements)


def test_package_params_reject_unknown_and_cast(converted):
    result = converted("training")
    env = {"PYTHONPATH": str(Path(result.package_dir) / "src"), "NBOPS_TRACKING": "0"}
    bad = subprocess.run(
        [sys.executable, "-m", result.package, "run", "-p", "nope=1"], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "unknown parameter(s) nope" in bad.stderr
    wrong = subprocess.run(
        [sys.executable, "-m", result.package, "run", "-p", "seed=abc"], env=env, capture_output=True, text=True
    )
    assert wrong.returncode == 2 and "'abc' is not a valid int" in wrong.stderr


def test_existing_output_is_not_overwritten_without_force(converted, workspace):
    result = converted("out_of_order")
    with pytest.raises(InvalidValueError, match="already exists"):
        productionize(workspace / "out_of_order.ipynb", result.package_dir)


@pytest.mark.parametrize(
    "build, code", [(nbs.python2, "NB201"), (nbs.wget, "NB202"), (lambda: nbs.notebook_globals(safe=False), "NB308")]
)
def test_unconvertible_notebook_writes_nothing(tmp_path, build, code):
    result = productionize(build(), tmp_path / "out")
    assert not result.ok and [d.code for d in result.diagnostics] == [code]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "path, fix",
    [
        (
            "/kaggle/input/titanic/train.csv",
            "/kaggle/input/titanic/train.csv is not on this machine: put the data beside the notebook and read it "
            "by a relative path, or make its folder a parameter (data_dir = '/kaggle/input/titanic') "
            "and pass --param data_dir=DIR",
        ),
        ("data/train.csv", "data/train.csv is not in the notebook's folder {folder}, where the clean run reads it"),
    ],
)
def test_a_file_the_clean_run_cannot_find_is_named_with_where_it_was_looked_for(tmp_path, path, fix):
    nb = nbs._nb(nbs.code("import pandas as pd", "setup"), nbs.code(f"train = pd.read_csv({path!r})", "step:load"))
    result = productionize(nb, tmp_path / "out", workdir=tmp_path)
    (diag,) = result.diagnostics
    assert (diag.code, diag.cell_index, diag.line) == ("NB402", 1, 1)
    assert diag.suggestion.startswith(fix.format(folder=tmp_path))


def test_nondeterministic_output_is_marked_and_checked_by_type_only(tmp_path):
    result = productionize(nbs.unseeded(), tmp_path / "out", workdir=tmp_path)
    assert [(d.code, d.message.split(" ")[0]) for d in result.diagnostics] == [("NB403", "sample.noise")]
    assert result.ok and result.tests.failed == 0
    statuses = {e.variable: e.status for e in result.equivalence}
    assert statuses == {"noise": "nondeterministic", "size": "match"}


def test_failing_cell_in_the_clean_run_names_the_cell(tmp_path):
    result = productionize(nbs.failing(), tmp_path / "out", workdir=tmp_path)
    (diag,) = result.diagnostics
    assert (diag.code, diag.cell_index, diag.line) == ("NB402", 1, 1)
    assert "ZeroDivisionError" in diag.message
    assert not (tmp_path / "out").exists()


def test_package_that_does_not_reproduce_the_notebook_is_not_done(tmp_path):
    result = productionize(nbs.kernel_only_state(), tmp_path / "out", workdir=tmp_path, run_tests=False)
    assert not result.ok
    assert [(d.code, d.cell_index) for d in result.diagnostics] == [("NB404", 1)]
    assert "'probe' output 'in_kernel'" in result.diagnostics[0].message
    assert result.to_dict()["equivalence"]["ok"] is False


def test_nbops_export_cli(tmp_path):
    notebook = tmp_path / "py2.ipynb"
    nbformat.write(nbs.python2(), notebook)
    done = subprocess.run(
        [VENV_BIN / "nbops", "export", str(notebook), "-o", str(tmp_path / "out")], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "NB201 error: cell 1, line 1: Python 2 syntax" in done.stderr and 'fix: print("x is", x)' in done.stderr
    (tmp_path / "taken").mkdir()
    done = subprocess.run(
        [VENV_BIN / "nbops", "export", str(notebook), "-o", str(tmp_path / "taken")], capture_output=True, text=True
    )
    assert done.returncode == 2 and "already exists" in done.stderr


def test_nbconvert_to_pipeline(tmp_path):
    for name in ("kale", "wget"):
        nbformat.write(getattr(nbs, name)(), tmp_path / f"{name}.ipynb")
    done = subprocess.run(
        [VENV_BIN / "jupyter", "nbconvert", "--to", "pipeline", "kale.ipynb", "--PipelineExporter.run_tests=False"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "kale.zip") as archive:
        names = set(archive.namelist())
        report = json.loads(archive.read("kale_pipeline/productionize.json"))
    assert {
        "kale_pipeline/pyproject.toml",
        "kale_pipeline/src/kale_pipeline/steps.py",
        "kale_pipeline/tests/test_steps.py",
    } <= names
    assert report["ok"] and report["dag"]["order"] == ["generate", "stats", "metrics"]
    failed = subprocess.run(
        [VENV_BIN / "jupyter", "nbconvert", "--to", "pipeline", "wget.ipynb"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert failed.returncode != 0
    assert "NB202 error: cell 0, line 1: shell command '!wget" in failed.stderr


def test_package_logs_runs_and_metrics_to_nbops_when_installed(converted, tmp_path):
    result = converted("training")
    # system metrics off, as for every test process: a run slowed past their interval would gain system/* keys
    env = {
        "PYTHONPATH": str(Path(result.package_dir) / "src"),
        "NBOPS_HOME": str(tmp_path),
        "NBOPS_SYSTEM_METRICS": "off",
    }
    done = subprocess.run(
        [sys.executable, "-m", result.package, "run", "-p", "seed=3"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    metrics = json.loads(done.stdout)["metrics"]
    query = "import json, nbops; print(json.dumps(nbops.search_runs('training')))"
    (run,) = json.loads(
        subprocess.run([sys.executable, "-c", query], env=env, capture_output=True, text=True, check=True).stdout
    )
    assert run["status"] == "finished" and run["params"]["seed"] == "3"
    assert run["metrics"] == pytest.approx(metrics)


def test_package_runs_without_nbops_and_survives_a_broken_one(converted, tmp_path):
    result = converted("out_of_order")
    src = str(Path(result.package_dir) / "src")
    # -S: no site-packages, so nbops (and everything else installed) is not importable
    plain = subprocess.run(
        [sys.executable, "-S", "-m", result.package, "run"], env={"PYTHONPATH": src}, capture_output=True, text=True
    )
    assert plain.returncode == 0, plain.stderr
    broken = tmp_path / "nbops"
    broken.mkdir()
    (broken / "__init__.py").write_text("def start_run(*a, **k):\n    raise OSError('store is read-only')\n")
    done = subprocess.run(
        [sys.executable, "-S", "-m", result.package, "run"],
        env={"PYTHONPATH": f"{src}:{tmp_path}"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert "nbops tracking is off for this run: store is read-only" in done.stderr


def _package_cli(result, *args, env=None, cwd=None):
    base = {"PYTHONPATH": str(Path(result.package_dir) / "src"), "NBOPS_TRACKING": "0"}
    return subprocess.run(
        [sys.executable, "-m", result.package, *map(str, args)],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_package_runs_from_a_step_with_a_cache(converted, tmp_path):
    result = converted("training")
    cold = _package_cli(result, "run", "--from", "evaluate")
    assert cold.returncode == 2 and "comes from step 'train', which did not run" in cold.stderr
    assert _package_cli(result, "run", "--until", "train", "--cache", tmp_path).returncode == 0
    assert not (tmp_path / "evaluate").exists()
    resumed = _package_cli(result, "run-step", "evaluate", "--cache", tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["metrics"] == pytest.approx(result.metrics)


def test_package_parameters_from_env_file_and_flags(converted, tmp_path):
    result = converted("out_of_order")
    (tmp_path / "params.yaml").write_text("offset: 20\n")
    prefix = result.package.upper() + "_"
    cases = [
        ((), {}, 10),
        ((), {prefix + "OFFSET": "5"}, 5),
        (("--params-file", tmp_path / "params.yaml"), {prefix + "OFFSET": "5"}, 20),
        (("--params-file", tmp_path / "params.yaml", "-p", "offset=7"), {}, 7),
    ]
    for args, env, expected in cases:
        done = _package_cli(result, "run", *args, env=env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["params"]["offset"] == expected
    listing = _package_cli(result, "params").stdout
    assert listing.startswith(f"offset\tint\tdefault=10\tenv={prefix}OFFSET")
    assert _package_cli(result, "steps").stdout.splitlines() == [
        "make\tinputs: -\tparams: -\toutputs: base",
        "shift\tinputs: base <- make\tparams: offset\toutputs: shifted",
    ]


def test_a_step_that_changes_its_input_in_place_leaves_the_earlier_version_intact(converted, tmp_path):
    result = converted("magics")
    assert _package_cli(result, "run", "--cache", tmp_path).returncode == 0
    computed, ordered = load(tmp_path / "compute", "values"), load(tmp_path / "order", "values")
    assert computed == sorted(computed) and ordered == sorted(computed, reverse=True)
    steps = (Path(result.package_dir) / "src" / result.package / "steps.py").read_text()
    assert "values = copy.deepcopy(values)" in steps


def test_generated_pyproject_builds_a_wheel_with_the_console_script(converted, tmp_path):
    pytest.importorskip("hatchling")
    result = converted("kale")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-build-isolation",
            "--no-deps",
            "-q",
            str(Path(result.package_dir).resolve()),
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("kale_pipeline-0.1.0-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read("kale_pipeline-0.1.0.dist-info/entry_points.txt").decode()
    assert "kale_pipeline/steps.py" in names and not any(n.startswith("tests/") for n in names)
    assert "kale-pipeline = kale_pipeline.cli:main" in entry_points


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
def test_the_clean_run_kernels_talk_over_unix_sockets(tmp_path):
    """Over TCP, a port found free could be taken by another kernel starting at that moment (the
    other clean run, a Lab server's): the kernel died with "Address already in use"."""
    nb = nbs._nb(
        nbs.code("import ipykernel.connect", "setup"),
        nbs.code("transport = ipykernel.connect.get_connection_info(unpack=True)['transport']", "step:s"),
    )
    recording = golden_run(analyse_notebook(nb, "pkg"), tmp_path / "record", workdir=tmp_path)
    assert recording.steps["s"]["outputs"]["transport"]["value"] == "ipc"
    assert not list(tmp_path.glob("*ipc*")) and not list(tmp_path.glob("kernel-*"))  # nothing left in the folder
