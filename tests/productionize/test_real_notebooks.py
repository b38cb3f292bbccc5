"""Real-notebook fidelity: notebooks shaped like public ones convert on the first export, with
exact diagnostics, into packages whose tests pass from the package's own folder and whose CLI
runs from anywhere; the ones that cannot convert say so once per root cause.

Each convertible notebook is converted once per module (golden runs are the slow part).
"""

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import real_notebooks as nbs
import yaml
from pipeline_notebooks import _nb, code

from nbops.productionize import analyse_notebook, productionize
from nbops.productionize.equivalence import run_package_tests, static_check
from nbops.productionize.serialization import load

# notebook -> exact (code, cell, line) of every diagnostic of a successful export
CONVERTIBLE = {
    "housing_chapter": [("NB410", 8, None)],  # its own transformer class: a pickle between runners
    "text_quickstart": [],
    "kale_example": [("NB212", 1, 1)],
    # a %run script's names, a module beside the notebook and a %%writefile module import in the
    # package's tests too; the report written then read back is the same in both clean runs (no NB403)
    "course_notebook": [("NB210", 0, 1), ("NB213", 0, 2), ("NB213", 2, 1)],
    # suggested tags as they come: %config and the shell peeks dropped, the generator left out
    "sklearn_quickstart": [
        ("NB210", 2, 1),
        ("NB210", 5, 1),
        ("NB210", 5, 2),
        ("NB210", 1, 1),  # Colab's Drive mount and its import
        ("NB210", 1, 2),
        ("NB412", 8, None),
    ],
    # NB410: a list of DataFrames (combine) travels as a pickle; NB314: the helper's counter
    # the kernel's -f CONNECTION_FILE is no argument of the notebook's: unknown is [] in both runs
    # and its `if __name__ == '__main__':` block runs in the package as in the kernel
    "script_notebook": [("NB213", 2, 1), ("NB216", 3, 6), ("NB412", 1, None), ("NB410", 3, None), ("NB410", 3, None)],
    # the paths its parameters cell computes follow the parameters; the project's own class is a pickle
    "cookiecutter_notebook": [("NB112", 3, 5), ("NB410", 10, None), ("NB410", 10, None)],
    # the DMatrix handles are built again in the steps that read them; the boosters are pickles
    "xgboost_quickstart": [
        ("NB217", 4, 3),
        ("NB217", 4, 4),
        ("NB217", 4, 4),
        ("NB410", 7, None),
        ("NB410", 7, None),
        ("NB410", 9, None),
    ],
    "titanic_kernel": [
        ("NB210", 1, 1),
        ("NB213", 5, 1),
        ("NB211", 7, 1),
        ("NB314", 6, 5),
        ("NB409", 8, None),
        ("NB409", 8, None),
        ("NB410", 5, None),
    ],
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A clone of the notebooks' repository: notebooks beside their data; packages go elsewhere."""
    root = tmp_path_factory.mktemp("real")
    folder = root / "project" / "notebooks"
    folder.mkdir(parents=True)
    nbs.write_data(folder)
    return root


@pytest.fixture(scope="module")
def converted(project):
    results = {}

    def get(name):
        if name not in results:
            path = project / "project" / "notebooks" / f"{name}.ipynb"
            nbformat.write(getattr(nbs, name)(), path)
            results[name] = productionize(path, project / "packages" / name)
        return results[name]

    return get


def _clean_env(**extra):
    """No PYTHONPATH and no cwd help: the package must find its sources and data itself."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "NBOPS_HOME"}}
    return {**env, "NBOPS_TRACKING": "0", **extra}


def _cli(result, *args, cwd):
    env = _clean_env(PYTHONPATH=str(Path(result.package_dir) / "src"))
    return subprocess.run(
        [sys.executable, "-m", result.package, *map(str, args)], env=env, cwd=cwd, capture_output=True, text=True
    )


def _json_tail(stdout: str) -> dict:
    return json.loads(stdout[stdout.index("{\n") :])  # a setup cell may print before the JSON


@pytest.mark.parametrize("name", list(CONVERTIBLE))
def test_real_notebook_converts_on_the_first_export(converted, name):
    result = converted(name)
    assert [(d.code, d.cell_index, d.line) for d in result.diagnostics] == CONVERTIBLE[name], [
        d.format() for d in result.diagnostics
    ]
    assert result.ok and result.tests.ok, result.tests.output if result.tests else None
    assert result.equivalence and all(
        e.status == "match"
        for e in result.equivalence
        if not (name == "titanic_kernel" and e.variable in {"started", "timing"})
    )


@pytest.mark.parametrize("name", list(CONVERTIBLE))
def test_package_tests_pass_when_run_from_the_package_folder(converted, name):
    result = converted(name)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=result.package_dir,
        env=_clean_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "error" not in done.stdout.splitlines()[-1]


@pytest.mark.parametrize("name", list(CONVERTIBLE))
def test_package_cli_runs_from_another_folder_with_a_cache(converted, tmp_path, name):
    result = converted(name)
    done = _cli(result, "run", "--cache", "cache", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    stable = {k: v for k, v in result.metrics.items() if k != "started"}  # a clock reading
    assert {k: _json_tail(done.stdout)["metrics"][k] for k in stable} == pytest.approx(stable)
    assert (tmp_path / "cache").is_dir()  # relative to where the command ran, not to the data folder
    assert not list((tmp_path / "cache").rglob("*.partial")) and all(
        p.stat().st_size > 0 for p in (tmp_path / "cache").rglob("*.*")
    )


def test_workdir_option_and_environment_variable_choose_the_data_folder(converted, project, tmp_path):
    result = converted("titanic_kernel")
    data = tmp_path / "elsewhere"
    shutil.copytree(project / "project" / "notebooks" / "data", data / "data")
    (data / "data" / "test.csv").write_text((data / "data" / "test.csv").read_text().replace("Mr.", "Dr."))
    moved = _cli(result, "run", "--workdir", data, "--cache", tmp_path / "c1", cwd=tmp_path)
    assert moved.returncode == 0, moved.stderr[-2000:]
    titles = set(load(tmp_path / "c1" / "features", "test_df")["Title"])
    assert "Mr" not in titles and "Rare" in titles  # the copied, edited data was read
    env = _clean_env(
        PYTHONPATH=str(Path(result.package_dir) / "src"),
        **{result.package.upper() + "_WORKDIR": str(tmp_path / "missing")},
    )
    missing = subprocess.run(
        [sys.executable, "-m", result.package, "run"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert missing.returncode == 2 and "working folder" in missing.stderr and "does not exist" in missing.stderr


def test_params_and_steps_commands_do_not_run_setup(converted, tmp_path):
    result = converted("titanic_kernel")
    for command in ("params", "steps"):
        done = _cli(result, command, cwd=tmp_path)
        assert done.returncode == 0 and "pandas" not in done.stdout, done.stdout
    ran = _cli(result, "run", cwd=tmp_path)
    assert ran.stdout.startswith("pandas ")  # the setup cell's print runs with the steps


def test_a_parameter_given_reaches_the_paths_the_parameters_cell_computes(converted, project, tmp_path):
    """papermill computes ``model_path`` once, from the defaults; the package computes it from the
    ``C`` it is given, at the start of the first step that reads it."""
    result = converted("cookiecutter_notebook")
    listed = _cli(result, "params", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr[-2000:]
    for name in ("data_dir", "models_dir", "C", "seed"):
        assert name in listed.stdout
    assert "train_path" not in listed.stdout and "model_path" not in listed.stdout
    done = _cli(result, "run", "--param", "C=2.0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (project / "project" / "models" / "baseline_C2.0.joblib").is_file()
    # the function the saved pipeline holds is lib.py's: local to the step, pickle refused it
    assert (project / "project" / "models" / "baseline_C2.0.pipeline.joblib").is_file()
    assert "def as_float(frame):" in (Path(result.package_dir) / "src" / result.package / "lib.py").read_text()
    steps = (Path(result.package_dir) / "src" / result.package / "steps.py").read_text()
    load = steps[steps.index("def load(") :]
    assert load.index("train_path = os.path.join(data_dir, 'train.csv')") < load.index("pd.read_csv(train_path)")


def test_housing_chapter_package_imports_what_it_uses_and_passes_no_modules(converted):
    result = converted("housing_chapter")
    src = Path(result.package_dir) / "src" / result.package
    lib, steps = (src / "lib.py").read_text(), (src / "steps.py").read_text()
    assert "from .common import HOUSING_PATH, np, pd" in lib  # the class's np and a default argument
    assert (
        "from .common import FunctionTransformer, RandomForestRegressor, joblib, make_pipeline, mean_squared_error, "
        "np, train_test_split" in steps
    )
    # the launch's function is lib.py's, once: its second definition, before the model is loaded, is the same
    assert lib.count("def column_ratio(X):") == 1 and "def column_ratio" not in steps
    arguments = {
        a.arg
        for node in ast.parse(steps).body
        if isinstance(node, ast.FunctionDef)
        for a in node.args.args + node.args.kwonlyargs
    }
    assert arguments == {
        "housing",
        "test_ratio",
        "seed",
        "train_set",
        "test_set",
        "n_estimators",
        "adder",
        "num_attribs",
        "forest_reg",
    }  # data and parameters; no imported callable
    assert ".shape" not in steps and ".head()" not in steps
    assert "train_set, test_set = copy.deepcopy((train_set, test_set))" in steps
    dag = {s["name"]: s["outputs"] for s in result.dag["steps"]}
    assert dag["split"] == ["train_set", "test_set"]  # `strata` is read by no later step
    assert dag["train"] == ["num_attribs", "adder", "forest_reg"]  # X_train, y_train stay inside


def test_a_mismatch_names_the_step_that_changed_the_value(converted, tmp_path):
    """``split`` changes ``housing`` in place through a library call: ``load`` is still right."""
    result = converted("housing_chapter")
    altered = Path(result.package_dir).with_name("housing_altered")  # beside it: the data folder is still ../..
    shutil.copytree(result.package_dir, altered)
    lib = altered / "src" / result.package / "lib.py"
    lib.write_text(
        lib.read_text().replace(
            '    return data["income_cat"]',
            '    data["median_income"] = data["median_income"] * 2\n    return data["income_cat"]',
        )
    )
    outcome = run_package_tests(altered)
    failing = {f.split("::")[-1].split("[")[0] for f in outcome.failures}
    assert "test_split_reproduces_the_notebook" in failing
    assert "test_load_reproduces_the_notebook" not in failing


def test_text_quickstart_imports_builtin_shadowing_names_and_fingerprints_functions_by_name(converted):
    result = converted("text_quickstart")
    src = Path(result.package_dir) / "src" / result.package
    assert "make_pipeline, round, sum  # noqa: F401" in (src / "steps.py").read_text()  # numpy's, not builtins
    recorded = json.loads((Path(result.package_dir) / "tests" / "golden" / "fingerprints.json").read_text())
    params = json.dumps(recorded["steps"]["train"]["outputs"]["clf"]["params"])
    assert "tokenizer=<function tokenizer>" in params and "0x" not in params


def test_kale_notebook_merges_untagged_cells_into_the_block_above(converted):
    result = converted("kale_example")
    cells = {s["name"]: [c["index"] for c in s["cells"]] for s in result.dag["steps"]}
    assert cells == {"data": [4, 5], "fit": [6, 7], "evaluate": [9], "metrics": [10]}
    assert set(result.metrics) == {"slope", "residual"} and result.metrics["slope"] == pytest.approx(2, abs=0.05)


def test_a_requirements_file_the_notebook_installs_joins_the_package_dependencies(converted):
    result = converted("kale_example")
    assert result.diagnostics[0].message == "the requirements in requirements.txt added to the package dependencies"
    assert "numpy>=1.20" in result.requirements
    assert any(r.startswith("tqdm>=") for r in result.requirements)  # pinned to the kernel's version
    assert not any(r.startswith("-") or "pypi.org" in r for r in result.requirements)


@pytest.mark.parametrize("name", ["missing.txt", "binary.txt", "folder"])
def test_a_requirements_file_that_cannot_be_read_is_an_error_before_anything_runs(tmp_path, name):
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00numpy")
    (tmp_path / "folder").mkdir()
    nb = _nb(code(f"%pip install -q -r {name}\nimport math", "setup"), code("x = math.pi", "step:a"))
    result = productionize(nb, tmp_path / "out", workdir=tmp_path)
    (error,) = result.diagnostics[1:]
    assert (error.code, error.cell_index, error.line) == ("NB205", 0, 1)
    assert f"cannot read {name} in the notebook's folder" in error.message
    assert not result.ok and list(result.timings) == ["analyse"] and not (tmp_path / "out").exists()
    assert (tmp_path / "binary.txt").read_bytes() == b"\xff\xfe\x00numpy"  # read, never changed


def _random_steps():
    """A book chapter's randomness: one seed in setup, then draws in several steps."""
    return _nb(
        code("import numpy as np\nnp.random.seed(42)\nrng = np.random.default_rng(0)", "setup"),
        code(
            "a = np.random.rand(3)\ng = rng.normal(size=2)\nown = np.random.default_rng(7)\nx = own.random()",
            "step:first",
        ),
        code("b = np.random.rand(3)", "step:second"),  # goes on from where first left the global state
        code("np.random.seed(1)\nc = np.random.rand(2)", "step:reseeded"),
        code("h = rng.normal(size=2)", "step:generator"),  # setup's generator, advanced by first
        code("y = own.random()", "step:handed_on"),  # a step's generator travels with its state
        code("d = len(a) + len(b)", "step:no_draw"),
    )


def test_a_step_drawing_from_a_random_state_earlier_steps_advanced_is_named(tmp_path):
    result = productionize(_random_steps(), tmp_path / "out", workdir=tmp_path)
    found = [(d.code, d.cell_index) for d in result.diagnostics if d.code != "NB410"]
    assert found == [("NB414", 2), ("NB414", 4)], [d.format() for d in result.diagnostics]
    first = next(d for d in result.diagnostics if d.code == "NB414")
    assert "'b' differ" in first.message and "run-step" in first.message
    assert result.ok and all(e.status == "match" for e in result.equivalence)  # one process: as the notebook

    assert _cli(result, "run", "--cache", tmp_path / "cache", cwd=tmp_path).returncode == 0
    notebook_b = load(tmp_path / "cache" / "second", "b")
    assert _cli(result, "run-step", "second", "--cache", tmp_path / "cache", cwd=tmp_path).returncode == 0
    assert list(load(tmp_path / "cache" / "second", "b")) != list(notebook_b)  # what NB414 warned of


def test_with_an_orchestrator_target_a_step_on_an_advanced_random_state_is_an_error(tmp_path):
    result = productionize(_random_steps(), tmp_path / "out", workdir=tmp_path, targets=("kfp",))
    errors = [(d.code, d.cell_index) for d in result.diagnostics if d.severity == "error"]
    assert errors == [("NB404", 2), ("NB404", 4)] and not result.ok
    assert "seed at the start of step 'second'" in result.diagnostics[-2].suggestion


def _file_handoffs():
    """Steps that hand values on through files: a CSV, a pickle, one step's own scratch file."""
    return _nb(
        code("import pickle\nimport numpy as np\nimport pandas as pd", "setup"),
        code("df = pd.DataFrame({'a': np.arange(10.0)})\ndf.to_csv('clean.csv', index=False)", "step:prepare"),
        code(
            "data = pd.read_csv('clean.csv')\nmodel = {'mean': float(data['a'].mean())}\n"
            "with open('model.pkl', 'wb') as f:\n    pickle.dump(model, f)",
            "step:train",
        ),
        code(
            "with open('model.pkl', 'rb') as f:\n    loaded = pickle.load(f)\n"
            "np.save('scores.npy', np.array([loaded['mean'] * 2]))\nscore = float(np.load('scores.npy')[0])",
            "step:evaluate",
        ),
    )


def test_a_step_reading_a_file_an_earlier_step_wrote_runs_after_it_and_with_targets_is_warned(tmp_path):
    """No variable links the steps: each reader is ordered after its writer, or an orchestrator
    would start them at once; on a cluster the tasks do not share the folder (NB416)."""
    alone = productionize(_file_handoffs(), tmp_path / "plain", workdir=tmp_path)
    assert alone.ok and not alone.diagnostics, [d.format() for d in alone.diagnostics]
    after = {(e["from"], e["to"]) for e in alone.dag["edges"] if e["kind"] == "after"}
    assert after == {("prepare", "train"), ("train", "evaluate")}  # scores.npy stays in one step

    result = productionize(_file_handoffs(), tmp_path / "out", workdir=tmp_path, targets=("kfp",))
    assert [(d.code, d.cell_index) for d in result.diagnostics] == [("NB416", 2), ("NB416", 3)]
    assert "reads 'model.pkl', which step 'train' wrote" in result.diagnostics[1].message and result.ok
    ir = yaml.safe_load((Path(result.package_dir) / "src" / result.package / "kfp_pipeline.yaml").read_text())
    tasks = ir["root"]["dag"]["tasks"]
    assert "prepare-step" in tasks["train-step"]["dependentTasks"]
    assert "train-step" in tasks["evaluate-step"]["dependentTasks"]


def test_an_input_a_library_function_changes_in_place_is_handed_on_by_the_step_that_changed_it(tmp_path):
    nb = _nb(
        code("import pandas as pd", "setup"),
        code("def fill_missing(frame):\n    frame.fillna(0, inplace=True)\n    frame['flag'] = 1", "library"),
        code("df = pd.DataFrame({'a': [1.0, None, 3.0]})", "step:load"),
        code("fill_missing(df)\nn = len(df)", "step:clean"),  # no assignment: the analysis cannot see it
        code("total = float(df['a'].sum() + df['flag'].sum())", "step:use"),
    )
    result = productionize(nb, tmp_path / "out", workdir=tmp_path)
    assert [(d.code, d.cell_index) for d in result.diagnostics] == [("NB415", 3)]
    assert "hands the changed one on to use" in result.diagnostics[0].message and result.ok
    assert _cli(result, "run", "--cache", tmp_path / "cache", cwd=tmp_path).returncode == 0
    (tmp_path / "cache" / "use" / "total.json").unlink()
    alone = _cli(result, "run-step", "use", "--cache", tmp_path / "cache", cwd=tmp_path)  # as an orchestrator's task
    assert alone.returncode == 0, alone.stderr[-2000:]
    assert load(tmp_path / "cache" / "use", "total") == 7.0  # 1 + 0 + 3, and the flag on each of 3 rows


def test_writefile_cell_becomes_a_file_of_the_package(converted):
    result = converted("titanic_kernel")
    src = Path(result.package_dir) / "src" / result.package
    assert (src / "files" / "cell5_columns.txt").read_text() == "Pclass\nSex\nAge\nFamilySize\n"
    steps = (src / "steps.py").read_text()
    load = next(n for n in ast.parse(steps).body if isinstance(n, ast.FunctionDef) and n.name == "load")
    body = ast.get_source_segment(steps, load)
    assert "pathlib.Path('data/columns.txt').write_text(" in body and "Pclass" not in body  # no string literal
    (note,) = [d for d in result.diagnostics if d.code == "NB213"]
    assert note.message.startswith("%%writefile data/columns.txt: the text ships as files/cell5_columns.txt")


def test_titanic_loop_over_an_alias_list_changes_both_frames(converted):
    result = converted("titanic_kernel")
    steps = (Path(result.package_dir) / "src" / result.package / "steps.py").read_text()
    assert "train_df, test_df, combine = copy.deepcopy((train_df, test_df, combine))" in steps
    entries = {(e.step, e.variable): e.status for e in result.equivalence}
    assert entries[("features", "test_df")] == "match" and entries[("report", "predictions")] == "match"
    timing = [d for d in result.diagnostics if d.code == "NB409"]
    assert {d.message.split(" ")[0] for d in timing} == {"report.started", "report.timing"}
    assert not any(d.code == "NB403" for d in result.diagnostics)


@pytest.mark.parametrize(
    "build, expected",
    [
        (
            nbs.star_import,
            [("NB304", 0, 1, 5, "import the names explicitly: from sklearn.metrics import name1, name2")],
        ),
        (nbs.python2_cell, [("NB201", 0, 2, 3, 'print("status is", status)  # Python 3 print is a function')]),
        (
            nbs.mixed_imports,
            [
                ("NB301", 3, 1, 0, "move 'import math' from cell 1 into a setup cell"),
                ("NB301", 3, 1, 0, "tag cell 1 as step:area"),
                ("NB301", 4, 1, 0, "move 'from statistics import mean' from cell 2 into a setup cell"),
            ],
        ),
    ],
    ids=["star_import", "python2", "mixed_imports"],
)
def test_one_diagnostic_per_root_cause_with_the_fix(build, expected):
    plan = analyse_notebook(build(), "pkg")
    assert [(d.code, d.cell_index, d.line, d.hides, d.suggestion) for d in plan.diagnostics] == expected


def test_knock_on_count_and_names_are_in_the_message():
    (diag,) = analyse_notebook(nbs.star_import(), "pkg").diagnostics
    assert diag.message.endswith(
        "5 knock-on 'not defined' errors are counted here instead "
        "(accuracy_score, f1_score, precision_score, recall_score, confusion_matrix)"
    )
    assert diag.to_dict()["hides"] == 5


def test_unpicklable_step_output_is_refused_at_export(tmp_path):
    result = productionize(nbs.generator_output(), tmp_path / "out", workdir=tmp_path)
    assert [(d.code, d.cell_index) for d in result.diagnostics] == [("NB408", 0)]
    assert "'stream' returns 'rows' (generator)" in result.diagnostics[0].message
    assert "tag the cell that makes it step:consume" in result.diagnostics[0].suggestion
    assert not result.ok and not (tmp_path / "out").exists()


def _step_function_notebook(reads_step_data: bool = True):
    """A step defines ``scaled``, which the next step calls; reading the step's ``factor``, it
    cannot move to ``lib.py``."""
    definition = (
        "factor = 2\n\ndef scaled(x):\n    return factor * x" if reads_step_data else "def scaled(x):\n    return 2 * x"
    )
    return _nb(
        code(definition + "\n\nvalues = [1, 2]", "step:prepare"),
        code("doubled = [scaled(v) for v in values]", "step:use"),
    )


LIBRARY_FIX = "tag the cell that defines scaled library, so every step imports it from lib.py"


def test_a_function_a_step_defines_for_a_later_step_is_a_warning_in_one_process(tmp_path):
    """The kernel pickles a notebook function by name; in the package it is local to its step's
    function: it reaches the later step in one process, and --cache says it cannot pass it on."""
    result = productionize(_step_function_notebook(), tmp_path / "out", workdir=tmp_path)
    assert [(d.code, d.cell_index) for d in result.diagnostics] == [("NB413", 0)]
    assert "'prepare' hands 'scaled' (function) to later steps in one process only" in result.diagnostics[0].message
    assert result.diagnostics[0].suggestion == LIBRARY_FIX
    assert result.ok, result.to_dict()
    cached = _cli(result, "run", "--cache", tmp_path / "cache", cwd=tmp_path)
    assert cached.returncode != 0 and "'scaled' (function) cannot be cached" in cached.stderr


def test_a_function_a_step_defines_from_module_level_names_is_the_librarys_and_caches(tmp_path):
    result = productionize(_step_function_notebook(reads_step_data=False), tmp_path / "out", workdir=tmp_path)
    assert result.diagnostics == [] and result.ok, result.to_dict()
    assert "def scaled(x):" in (Path(result.package_dir) / "src" / result.package / "lib.py").read_text()
    cached = _cli(result, "run", "--cache", tmp_path / "cache", cwd=tmp_path)
    assert cached.returncode == 0, cached.stderr[-2000:]


def test_a_function_a_step_defines_for_a_later_step_is_refused_for_an_orchestrator(tmp_path):
    result = productionize(_step_function_notebook(), tmp_path / "out", workdir=tmp_path, targets=["airflow"])
    assert [(d.code, d.cell_index) for d in result.diagnostics] == [("NB408", 0)]
    assert result.diagnostics[0].suggestion == LIBRARY_FIX
    assert not result.ok


def test_an_unpicklable_value_nothing_reads_is_left_out_of_the_last_steps_result(tmp_path):
    nb = _nb(
        code("rows = [1, 2, 3]", "step:load"),
        code("stream = (r * r for r in rows)\ntotal = sum(rows)", "step:use"),
    )
    result = productionize(nb, tmp_path / "out", workdir=tmp_path)
    assert [(d.code, d.cell_index) for d in result.diagnostics] == [("NB412", 1)]
    assert "'use' does not return 'stream' (generator)" in result.diagnostics[0].message
    assert result.ok, result.to_dict()
    assert {(e.step, e.variable) for e in result.equivalence} == {("load", "rows"), ("use", "total")}


def test_cache_refuses_an_unpicklable_value_and_never_leaves_a_partial_file(converted, tmp_path):
    result = converted("kale_example")
    script = (
        f"import sys; from pathlib import Path; from {result.package} import pipeline\n"
        "try:\n    pipeline._save(Path(sys.argv[1]), 'data', {'ok': 1, 'rows': (i for i in range(3))})\n"
        "except pipeline.CacheError as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        env=_clean_env(PYTHONPATH=str(Path(result.package_dir) / "src")),
    )
    assert "step 'data' output 'rows' (generator) cannot be cached" in done.stdout, done.stderr
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["ok.json"]


def test_loop_over_frames_of_an_earlier_step_is_a_mutation_not_a_missing_name():
    nb = _nb(
        code("import pandas as pd", "setup"),
        code("train_df = pd.DataFrame({'a': [1]})\ntest_df = pd.DataFrame({'a': [2]})", "step:split"),
        code("for d in [train_df, test_df]:\n    d['x'] = d['a'] * 2", "step:prep"),
        code("n = len(train_df) + len(test_df)", "step:use"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert plan.diagnostics == []
    assert plan.steps["prep"].mutated_inputs == ["train_df", "test_df"]
    assert plan.steps["use"].inputs == {"train_df": "prep", "test_df": "prep"}


def test_a_name_read_before_its_own_cell_defines_it_never_suggests_moving_the_cell_before_itself():
    nb = _nb(code("total = later + 1\nlater = 2", "step:only"))
    (diag,) = analyse_notebook(nb, "pkg").diagnostics
    assert (diag.code, diag.cell_index, diag.line) == ("NB303", 0, 1)
    assert "before this cell defines it (line 2)" in diag.message and "move cell" not in diag.suggestion


def test_static_check_names_the_module_line_and_cell_of_an_unresolved_name():
    steps = (
        '"""Steps."""\nfrom .common import pd\n\n\ndef load():\n'
        "    # --- notebook cell 4 · id c04 · step ---\n    frame = pd.DataFrame(np.zeros(3))\n"
        "    return sum(frame)\n"
    )
    (diag,) = static_check({"src/pkg/steps.py": steps, "src/pkg/files/cell2_x.py": "print(undefined)\n"})
    assert (diag.code, diag.cell_index, diag.cell_id) == ("NB407", 4, "c04")
    assert diag.message == "steps.py line 7 reads 'np', which it neither defines nor imports"
    assert static_check({"src/pkg/lib.py": "from numpy import sum\n\nclass A:\n    size = sum([1])\n"}) == []


def test_functions_and_classes_fingerprint_by_qualified_name_not_address():
    import types

    from nbops.productionize.fingerprint import fingerprint

    def twin(module):
        space = types.ModuleType(module)
        exec("def tokenizer(text):\n    return text.split()\nclass Box:\n    pass\n", space.__dict__)
        return {"tokenizer": space.tokenizer, "kind": space.Box, "tags": {"b", "a", "c"}}

    first, second = fingerprint(twin("__main__")), fingerprint(twin("pkg.lib"))
    assert first["hash"] == second["hash"] and first["picklable"] is False


@pytest.mark.parametrize(
    "first, second, clock, expected",
    [
        ([1.0, 2.0], [1.0 + 1e-14, 2.0], False, None),
        (
            "100%|██████████| 3/3 [00:00<00:00, 812.4it/s]",
            "100%|██████████| 3/3 [00:00<00:00, 977.1it/s]",
            False,
            "timing",
        ),
        ("Wall time: 1.2 s", "Wall time: 0.9 s", False, "timing"),
        (0.00123, 0.00098, True, "timing"),
        (0.00123, 0.00098, False, "random"),
        ("label 3", "label 4", False, "random"),
    ],
)
def test_tolerance_then_timing_then_randomness(first, second, clock, expected):
    from nbops.productionize.equivalence import nondeterminism
    from nbops.productionize.fingerprint import fingerprint

    recorded = fingerprint(first)
    assert nondeterminism(recorded, fingerprint(second), clock) == expected
    assert recorded.get("timing", False) is (expected == "timing")
    assert recorded.get("nondeterministic", False) is (expected == "random")


def test_working_folder_falls_back_to_the_current_directory_for_an_installed_package(tmp_path, monkeypatch):
    from nbops.productionize.workdir import inside, resolve

    monkeypatch.delenv("PKG_WORKDIR", raising=False)
    assert resolve(None, default="../../project", root=tmp_path / "site-packages", env_var="PKG_WORKDIR") is None
    (tmp_path / "project").mkdir()
    found = resolve(None, default="../project", root=tmp_path / "pkg", env_var="PKG_WORKDIR")
    assert found == (tmp_path / "project").resolve()
    before = Path.cwd()
    with pytest.raises(RuntimeError), inside(found):
        assert Path.cwd() == found
        raise RuntimeError("a failing step")
    assert Path.cwd() == before
