"""Static part of productionize: tags, magics, def/use analysis, library globals, DAG.

No kernel runs here; every fixture's static diagnostics are asserted exactly.
"""

import ast
import json
import os
import subprocess
import sys

import pipeline_notebooks as nbs
import pytest
from pipeline_notebooks import _nb, code

from nbops.productionize import analyse_notebook
from nbops.productionize.analysis import analyse
from nbops.productionize.syntax import normalize


def codes(plan):
    return [(d.code, d.cell_index, d.line) for d in plan.diagnostics]


@pytest.mark.parametrize(
    "build, expected",
    [
        (nbs.training, []),
        (nbs.magics, [("NB210", 0, 1), ("NB212", 2, 2), ("NB211", 4, 1)]),
        (nbs.kale, []),
        (nbs.out_of_order, [("NB401", 2, None)]),
        (nbs.notebook_globals, [("NB313", 1, 2), ("NB307", 1, 2)]),
        (lambda: nbs.notebook_globals(safe=False), [("NB308", 1, 2)]),
        (nbs.python2, [("NB201", 1, 1)]),
        (nbs.wget, [("NB202", 0, 1)]),
        (nbs.untagged_dependency, [("NB301", 2, 1)]),
    ],
    ids=["training", "magics", "kale", "out_of_order", "globals", "globals_unsafe", "python2", "wget", "untagged"],
)
def test_fixture_diagnostics_are_exact(build, expected):
    assert codes(analyse_notebook(build(), "pkg")) == expected


def test_training_plan_has_four_steps_with_resolved_inputs():
    plan = analyse_notebook(nbs.training(), "pkg")
    assert plan.order == ["load", "features", "train", "evaluate"]
    assert plan.steps["features"].inputs == {"raw": "load"}
    assert plan.steps["train"].inputs == {"data": "features"}
    assert sorted(plan.steps["train"].params) == ["max_depth", "n_estimators", "seed", "test_size"]
    assert plan.steps["evaluate"].inputs == {"model": "train", "X_test": "train", "y_test": "train"}
    assert plan.tests[0].inputs == {"auc": "evaluate", "X_train": "train", "X_test": "train", "data": "features"}
    assert [(p.name, p.type) for p in plan.params] == [
        ("n_estimators", "int"),
        ("test_size", "float"),
        ("max_depth", "int"),
        ("seed", "int"),
    ]


def test_kale_aliases_map_to_roles_and_prev_adds_an_edge():
    plan = analyse_notebook(nbs.kale(), "pkg")
    assert plan.order == ["generate", "stats", "metrics"]
    assert [p.name for p in plan.params] == ["n", "scale"]
    assert plan.library_defs == {"noisy"} and plan.setup_defs == {"statistics", "random"}
    assert {(e.source, e.target, e.kind) for e in plan.edges} >= {("generate", "stats", "after")}
    assert plan.metric_names == ["mean", "spread"]


def test_print_in_skipped_cell_is_not_converted():
    plan = analyse_notebook(nbs.kale(), "pkg")
    assert all(c.cell.index != 4 for s in plan.steps.values() for c in s.cells)


def test_untagged_dependency_suggests_the_tag():
    (diag,) = analyse_notebook(nbs.untagged_dependency(), "pkg").diagnostics
    assert diag.suggestion == "tag cell 1 as step:area"
    assert "radius" in diag.message


def test_untagged_imports_suggest_setup_and_skipped_defs_say_skip():
    nb = _nb(code("import math"), code("def f(x):\n    return x", "skip"), code("y = f(math.pi)", "step:a"))
    plan = analyse_notebook(nb, "pkg")
    assert [(d.code, d.suggestion) for d in plan.diagnostics] == [
        ("NB302", "remove the skip tag of cell 1 and tag it as library"),
        ("NB301", "tag cell 0 as setup"),
    ]


def test_tag_errors():
    nb = _nb(
        code("a = 1", "step:one", "step:two"),
        code("b = 2", "step:three", "after:nowhere"),
        code("c = 3", "nbops:stpe"),
        code("d = 4", "paramters"),
        code("e = 5", "step:", "skip"),
        code("f = 6", "setup", "test"),
    )
    assert codes(analyse_notebook(nb, "pkg")) == [
        ("NB104", 0, None),
        ("NB101", 2, None),
        ("NB103", 3, None),
        ("NB102", 4, None),
        ("NB107", 5, None),
        ("NB105", 1, None),
    ]


def test_kales_limit_tags_are_the_steps_resources_and_its_pod_tags_are_named():
    nb = _nb(
        code("a = 1", "block:load", "limit:memory:1Gi", "label:team:ml"),
        code("b = a + 1", "block:train", "limit:nvidia.com/gpu:1", "limit:memory:2Gi"),
        code("c = b", "block:train", "limit:memory:4Gi", "limit:ephemeral-storage:1Gi", "annotation:owner:me"),
        code("d = c", "block:report", "limit:gpu"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == [("NB111", 0, None), ("NB111", 2, None), ("NB111", 2, None), ("NB102", 3, None)]
    assert "'limit:gpu' is not limit:RESOURCE:VALUE" in plan.diagnostics[-1].message
    assert plan.steps["load"].limits == {"memory": "1Gi"}
    assert plan.steps["train"].limits == {"nvidia.com/gpu": "1", "memory": "4Gi"}  # the later cell's value
    assert plan.steps["report"].limits == {}


def test_colabs_session_calls_are_dropped_and_a_value_taken_from_colab_is_an_error():
    nb = _nb(
        code("from google.colab import drive, files\ndrive.mount('/content/drive')\nimport pandas as pd", "setup"),
        code("df = pd.DataFrame({'a': [1, 2]})\ndf.to_csv('out.csv')\nfiles.download('out.csv')", "step:main"),
        code("try:\n    from google.colab import output\nexcept ImportError:\n    output = None", "setup"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == [
        ("NB210", 0, 1),
        ("NB210", 0, 2),
        ("NB210", 1, 3),
    ]
    assert plan.setup[0].source == "\n\nimport pandas as pd\n"  # line numbers kept
    assert "files" not in plan.steps["main"].cells[0].source and "except ImportError" in plan.setup[1].source

    nb.cells.append(code("uploaded = files.upload()\nname = next(iter(uploaded))", "step:main"))
    (error,) = [d for d in analyse_notebook(nb, "pkg").diagnostics if d.code == "NB215"]
    assert (error.cell_index, error.line) == (3, 1) and "uploaded = files.upload()" in error.message


def test_cycle_through_after_tags_is_an_error():
    nb = _nb(code("a = 1", "step:first", "after:second"), code("b = a + 1", "step:second"))
    assert [d.code for d in analyse_notebook(nb, "pkg").diagnostics] == ["NB106"]


def test_no_steps_is_an_error():
    assert [d.code for d in analyse_notebook(_nb(code("x = 1")), "pkg").diagnostics] == ["NB108"]


def test_step_cells_with_one_name_join_in_order_and_names_are_versioned():
    nb = _nb(
        code("df = [3, 1, 2]", "step:load"),
        code("df.sort()", "step:clean"),
        code("n = len(df)", "step:load"),
        code("top = df[0]", "step:use"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert [c.cell.index for c in plan.steps["load"].cells] == [0, 2]
    assert plan.steps["clean"].inputs == {"df": "load"}
    assert plan.steps["clean"].mutated_inputs == ["df"]
    assert plan.steps["use"].inputs == {"df": "clean"}  # the nearest earlier step that changed it


def test_a_setup_import_a_step_calls_into_is_not_a_step_output():
    nb = _nb(
        code("import pandas as pd", "setup"),
        code("df = pd.DataFrame({'a': [1.0, None]})\npd.DataFrame(df).fillna(0, inplace=True)", "step:load"),
        code("total = df['a'].sum()\nname = pd.__name__", "step:use"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == []
    assert plan.steps["load"].outputs == ["df"]
    assert plan.steps["use"].inputs == {"df": "load"}
    assert plan.steps["use"].setup_names == ["pd"]


def test_star_import_global_write_and_redefinition():
    nb = _nb(
        code("from math import *", "setup"),
        code("def f():\n    global counter\n    counter = 1\n\ndef g():\n    return 1", "library"),
        code("def g():\n    return 2\nx = g()", "step:a"),
    )
    assert codes(analyse_notebook(nb, "pkg")) == [("NB304", 0, 1), ("NB305", 1, 3), ("NB306", 2, 1)]


def test_a_step_functions_global_becomes_nonlocal_only_where_both_mean_the_steps_variable():
    counter = "def bump():\n    global calls\n    calls += 1\n    return calls\n"
    nb = _nb(
        code("limit = 3", "parameters"),
        code("import os", "setup"),
        code("calls = 0\n" + counter + "first = bump()", "step:a"),  # its own variable: rewritten
        code("def cap():\n    global limit\n    return min(limit, 2)\nb = cap()", "step:b"),  # a parameter
        code("def tally():\n    global os\n    os = None\n\nc = 1", "step:c"),  # setup's name: stays global
        code("seen = 0\ndef see():\n    global seen\n    seen += 1\n", "step:d"),
        code("see()\ntotal = first + seen", "step:e"),  # d's function runs in e: stays global
    )
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == [("NB314", 2, 3), ("NB314", 3, 2), ("NB305", 4, 3), ("NB305", 5, 4)]
    (bump,) = plan.steps["a"].cells
    assert "    nonlocal calls\n" in bump.generated and "global" not in bump.generated
    assert "global calls" in bump.source  # the clean run keeps the notebook's code
    assert plan.steps["a"].outputs == ["first"] and plan.steps["a"].params == []


def test_setup_cell_using_a_parameter_is_an_error():
    nb = _nb(
        code("seed = 1", "parameters"),
        code("import random\nrandom.seed(seed)", "setup"),
        code("x = random.random()", "step:a"),
    )
    assert codes(analyse_notebook(nb, "pkg")) == [("NB309", 1, 2)]


def test_parameters_cell_must_be_literals():
    nb = _nb(
        code("a = 1\nb: float = 2\nfor c in [a]: pass\nd = None\ne: float | None = None", "parameters"),
        code("x = a", "step:s"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == [("NB109", 0, 3), ("NB110", 0, 4)]  # d arrives as text; e is annotated
    assert plan.diagnostics[1].suggestion == "annotate it if it takes numbers or lists, e.g. d: float | None = None"
    assert [(p.name, p.type, p.default, p.optional) for p in plan.params] == [
        ("a", "int", 1, False),
        ("b", "float", 2, False),
        ("d", "str", None, True),
        ("e", "float", None, True),
    ]


def test_a_class_a_step_defines_from_module_level_names_moves_to_the_library():
    nb = _nb(
        code("import math\nfrom dataclasses import dataclass", "setup"),
        code("k = 2", "parameters"),
        code(
            "@dataclass\nclass Circle:\n    r: float\n\n    def area(self):\n        return math.pi * self.r**2\n\n"
            "class Scaled:\n    factor = k\n\nshapes = [Circle(1.0), Circle(2.0)]",
            "step:a",
        ),
        code("class Twice:\n    pass\n\nclass Twice:\n    size = 2\n\ntotal = sum(s.area() for s in shapes)", "step:b"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == []
    (moved,) = plan.library
    assert moved.cell.index == 2 and moved.source.startswith("@dataclass\nclass Circle:")
    (step,) = plan.steps["a"].cells
    assert "class Circle" not in step.generated and "@dataclass" not in step.generated
    assert "class Scaled" in step.generated  # it reads the parameter k
    assert "class Twice" in plan.steps["b"].cells[0].generated  # defined twice differently: each stays where it is
    assert plan.steps["b"].inputs == {"shapes": "a"}


def test_a_function_a_step_defines_from_module_level_names_moves_to_the_library():
    """Local to the step function, ``joblib.dump`` of a pipeline holding it, or a ``Pool.map``
    sending it to workers, failed with "Can't pickle local object"."""
    nb = _nb(
        code("import numpy as np\nfrom sklearn.preprocessing import FunctionTransformer\nT = 0.5", "setup"),
        code("k = 2", "parameters"),
        code(
            "def log1p(frame):\n    return np.log1p(frame)\n\n"
            "def scaled(x):\n    return x * k\n\n"
            "def counted():\n    global calls\n    calls += 1\n\n"
            "def positive(x):\n    return np.clip(log1p(x), 0, None)\n\n"
            "calls = 0\ntransform = FunctionTransformer(positive)",
            "step:a",
        ),
        code(
            "def twice(x):\n    return 2 * x\n\ndef twice(x):\n    return x + x\n\n"
            "def shifted(x):\n    return x + calls\n\ndef log1p(frame):\n    return np.log1p(frame)\n\n"
            "T = 0.7\n\ndef above(x):\n    return x > T\n\n"
            "total = twice(transform.transform(np.arange(3.0))).sum() + above(0.6)",
            "step:b",
        ),
    )
    plan = analyse_notebook(nb, "pkg")
    assert [m.source.split("(")[0] for m in plan.library] == ["def log1p", "def positive"]  # after what it calls
    (step,) = plan.steps["a"].cells
    assert "def log1p" not in step.generated and "def positive" not in step.generated
    assert "def scaled" in step.generated  # it reads the parameter k
    assert "def counted" in step.generated  # its global is the step's variable
    (other,) = plan.steps["b"].cells
    assert "def twice" in other.generated  # defined twice differently: each stays where it is
    assert "def shifted" in other.generated  # it reads step data
    assert "def log1p" not in other.generated  # the same definition again: lib.py's
    assert "def above" in other.generated  # its T is the step's 0.7, not setup's 0.5
    assert plan.steps["b"].inputs == {"calls": "a", "transform": "a"}


def test_a_library_cell_running_code_at_import_is_said_once_and_configuration_is_not():
    book = _nb(
        code("from pathlib import Path\nimport warnings", "setup"),
        code(
            "IMAGES_PATH = Path() / 'images'\nIMAGES_PATH.mkdir(parents=True, exist_ok=True)\n"
            "warnings.filterwarnings('ignore')\n\ndef save_fig(name):\n    return IMAGES_PATH / name",
            "library",
        ),
        code("path = save_fig('a.png')", "step:s"),
    )
    assert codes(analyse_notebook(book, "pkg")) == []
    book.cells[1].source += "\nprint('library loaded')"
    assert codes(analyse_notebook(book, "pkg")) == [("NB311", 1, 8)]


def test_a_data_handle_pickle_cannot_carry_is_built_again_in_each_step_that_reads_it():
    nb = _nb(
        code("import xgboost as xgb\nfrom lightgbm import Dataset as LgbData", "setup"),
        code("X, y = [[1.0], [2.0]], [0, 1]\ndtrain = xgb.DMatrix(X, label=y)\ndlgb = LgbData(X, y)", "step:data"),
        code("booster = xgb.train({}, dtrain, 2)\nsize = dlgb.num_data()", "step:train"),
        code("rows = dtrain.num_row()", "step:report"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == [("NB217", 1, 2), ("NB217", 1, 2), ("NB217", 1, 3)]
    assert plan.diagnostics[0].message == (
        "dtrain = xgb.DMatrix(X, label=y) is built again at the start of step 'train': "
        "pickle cannot hand that data handle on"
    )
    assert plan.rebuilt == {"dtrain", "dlgb"}
    assert plan.steps["train"].inputs == {"X": "data", "y": "data"}
    assert plan.steps["report"].inputs == {"X": "data", "y": "data"}
    first = plan.steps["train"].cells[0]
    assert first.cell.index == 1 and first.generated.strip() == "dtrain = xgb.DMatrix(X, label=y)"
    # changed once built: the weights would be lost, so it stays an error at export (NB408)
    nb.cells[1].source += "\ndtrain.set_weight([1.0, 2.0])"
    plan = analyse_notebook(nb, "pkg")
    assert plan.rebuilt == {"dlgb"} and plan.steps["train"].inputs["dtrain"] == "data"


def test_top_level_await_is_named_before_anything_runs():
    nb = _nb(
        code("import asyncio", "setup"),
        code("async def load():\n    await asyncio.sleep(0)\n    return [1]\n\nrows = await load()", "step:a"),
        code("async def twice():\n    return [await load() for _ in range(2)]\n\nn = len(rows)", "step:b"),
    )
    assert codes(analyse_notebook(nb, "pkg")) == [("NB206", 1, 5)]


def test_a_main_guard_runs_as_in_the_kernel():
    nb = _nb(
        code(
            "def main():\n    return 2\n\nif __name__ == '__main__':\n    n = main()\nif '__main__' != __name__:\n    n = 0",
            "step:a",
        ),
        code("m = n + 1", "step:b"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == [("NB216", 0, 6), ("NB216", 0, 4)]
    (cell,) = plan.steps["a"].cells
    assert "if True:\n    n = main()\nif False:\n    n = 0" in cell.generated
    assert plan.steps["b"].inputs == {"n": "a"}


def test_computed_lines_of_a_parameters_cell_run_in_the_first_step_that_reads_them():
    nb = _nb(
        code("import os", "setup"),
        code(
            "data_dir = 'data'\nimport json\ntrain = os.path.join(data_dir, 'train.csv')\n"
            "out = f'{data_dir}/out'\nos.makedirs(out, exist_ok=True)\nn = 3",
            "parameters",
        ),
        code("x = n", "step:first"),
        code("rows = open(train).read()", "step:load"),
        code("saved = out + str(x) + json.dumps(rows)", "step:save"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == [("NB112", 1, 3)]
    assert plan.diagnostics[0].message == (
        "train, out are computed at the start of step 'load', with the values the parameters are given"
    )
    assert [p.name for p in plan.params] == ["data_dir", "n"]
    moved, read = plan.steps["load"].cells
    assert moved.cell.index == 1 and read.cell.index == 3
    assert "train = os.path.join(data_dir, 'train.csv')" in moved.generated and "os.makedirs(out" in moved.generated
    assert "data_dir = 'data'" not in moved.generated and "import json" not in moved.generated
    assert plan.steps["load"].params == ["data_dir"] and plan.steps["load"].outputs == ["out", "rows"]
    assert plan.steps["save"].inputs == {"out": "load", "x": "first", "rows": "load"}
    assert any(c.source.strip() == "import json" for c in plan.setup)


def test_a_parameters_cell_computing_what_no_step_reads_runs_it_in_the_first_step():
    nb = _nb(
        code("import os\nout = 'out'", "parameters"),
        code("x = 1", "step:first"),
        code("y = x + 1", "step:second"),
    )
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == [] and [p.name for p in plan.params] == ["out"]
    nb.cells[0].source = "import os\nout = 'out'\nos.makedirs(out, exist_ok=True)"
    plan = analyse_notebook(nb, "pkg")
    assert codes(plan) == [("NB112", 0, 3)]
    assert plan.diagnostics[0].message == (
        "os.makedirs(out, exist_ok=True) runs at the start of step 'first', with the values the parameters are given"
    )
    assert "os.makedirs" in plan.steps["first"].cells[0].generated


def test_library_function_reading_parameter_and_data_is_rewritten():
    plan = analyse_notebook(nbs.notebook_globals(), "pkg")
    assert plan.library[0].source.startswith("def apply(values, *, bias, power=2):")
    (weigh,) = plan.steps["weigh"].cells
    assert weigh.source == "weights = apply(values, bias=bias, power=power)\n"
    assert plan.steps["weigh"].inputs == {"values": "prepare", "bias": "prepare"}
    assert plan.steps["weigh"].params == ["power"]


@pytest.mark.parametrize(
    "source, defs, refs, mutations",
    [
        ("x = x + 1", {"x"}, {"x"}, set()),
        ("df.dropna(inplace=True)", set(), {"df"}, {"df"}),
        ("model.fit(X, y)", set(), {"model", "X", "y"}, {"model"}),
        ("for d in [a, b]:\n    d['k'] = 1", {"d"}, {"a", "b"}, {"a", "b"}),
        ("total += 1", {"total"}, {"total"}, {"total"}),
        ("frame['c'] = 0\nframe.attrs = {}", set(), {"frame"}, {"frame"}),
        ("f = lambda q: q + k\nsq = [i * i for i in range(n)]", {"f", "sq"}, {"k", "range", "n"}, set()),
        ("def g(a):\n    return a + scale", {"g"}, {"scale"}, set()),
        ("np.random.shuffle(arr)", set(), {"np", "arr"}, {"arr"}),
        # a method called on a new object changes that object, not the function that built it
        ("best = make_pipeline(pre, m).fit(X, y)", {"best"}, {"make_pipeline", "pre", "m", "X", "y"}, set()),
        ("LogisticRegression().fit(X, y)", set(), {"LogisticRegression", "X", "y"}, set()),
        ("scaler.fit(X).transform(X)", set(), {"scaler", "X"}, {"scaler"}),
        ("model.named_steps['clf'].fit(X, y)", set(), {"model", "X", "y"}, {"model"}),
    ],
)
def test_def_use_and_mutations(source, defs, refs, mutations):
    facts = analyse(ast.parse(source))
    assert set(facts.defs) == defs
    assert set(facts.refs) == refs
    assert set(facts.mutations) == mutations


def test_loop_variables_and_imports_are_not_outputs():
    facts = analyse(ast.parse("import os\nfor i in range(3):\n    acc = i\ndef h(): pass"))
    assert facts.outputs == ["acc"]


@pytest.mark.parametrize(
    "source, expected, code",
    [
        ("if flag:\n    %pip install tqdm\n", "if flag:\n    pass\n", "NB212"),
        ("%%time\ny = 1\n", "y = 1\n", "NB211"),
        ("%%capture out\ny = 1\n", "y = 1\n", "NB211"),
        ("%time y = f()\n", "y = f()\n", "NB211"),
        ("%matplotlib inline\nx = 1\n", "x = 1\n", "NB210"),
        ("%load_ext autoreload\n%autoreload 2\n", "", "NB210"),
        ("%store model\nx = 1\n", "x = 1\n", "NB210"),  # kept for other notebooks: the step returns it
        ("df?\n", "", "NB210"),
        ("%env MODE=fast\n", "import os\nos.environ['MODE'] = 'fast'\n", "NB213"),
        ("%mkdir -p out\n", "import os\nos.makedirs('out', exist_ok=True)\n", "NB213"),
        ("home = %env HOME\n", "import os\nhome = os.environ['HOME']\n", "NB213"),
        ("every = %env\n", "import os\nevery = dict(os.environ)\n", "NB213"),
        (  # appends, as IPython does; the file handle is no step output
            "%%writefile -a notes.txt\nhello\n",
            "with open('notes.txt', 'a') as _appended:\n    _appended.write('hello\\n')\n",
            "NB213",
        ),
    ],
)
def test_magic_policy(source, expected, code):
    normalized = normalize(source)
    assert normalized.source == expected
    assert {d.code for d in normalized.diagnostics} == {code}


@pytest.mark.parametrize(
    "command, files",
    [
        ("!wget -q {url}/data.zip", ["data.zip"]),
        ("!wget -nv {url}/data.zip -O raw.zip", ["raw.zip"]),
        ("!wget --quiet -P downloads {url}/data.zip", ["downloads/data.zip"]),
        ("!curl -sSL -o raw.zip {url}/data.zip", ["raw.zip"]),
        ("!curl -L -O {url}/data.zip", ["data.zip"]),
    ],
)
def test_a_download_then_unzip_translates_and_fetches_the_same_files(tmp_path, command, files):
    import functools
    import http.server
    import threading
    import zipfile

    served = tmp_path / "served"
    served.mkdir()
    with zipfile.ZipFile(served / "data.zip", "w") as archive:
        archive.writestr("train.csv", "a,b\n1,2\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        source = command.format(url=url) + f"\n!unzip -oq {files[0]} -d data\n"
        normalized = normalize(source)
        assert [d.code for d in normalized.diagnostics] == ["NB213", "NB213"], normalized.diagnostics
        work = tmp_path / "work"
        work.mkdir()
        subprocess.run([sys.executable, "-c", normalized.source], cwd=work, check=True)
        server.shutdown()
    assert (work / files[0]).read_bytes() == (served / "data.zip").read_bytes()
    assert (work / "data" / "train.csv").read_text() == "a,b\n1,2\n"


def test_a_python_script_the_shell_runs_runs_with_the_pipelines_interpreter(tmp_path):
    """``!python prep.py ...``: the same arguments, a ``{name}`` field's value among them, and a
    script that fails fails the step."""
    (tmp_path / "prep.py").write_text(
        "import json, sys\njson.dump([sys.executable, *sys.argv[1:]], open('ran.json', 'w'))\n"
    )
    normalized = normalize("rows = 20\n!python prep.py --rows {rows} --name 'a b'\n!python3 -c 'raise SystemExit(3)'\n")
    assert [d.code for d in normalized.diagnostics] == ["NB213", "NB213"], normalized.diagnostics
    ran = subprocess.run([sys.executable, "-c", normalized.source], cwd=tmp_path, capture_output=True, text=True)
    assert "CalledProcessError" in ran.stderr and "exit status 3" in ran.stderr
    assert json.loads((tmp_path / "ran.json").read_text()) == [sys.executable, "--rows", "20", "--name", "a b"]


def test_a_bash_cell_of_commands_a_shell_line_would_translate_runs_as_python(tmp_path):
    (tmp_path / "prep.py").write_text("import pathlib, sys\npathlib.Path('data', 'rows.txt').write_text(sys.argv[1])\n")
    normalized = normalize("%%bash\n# fetch and prepare\nmkdir -p data/raw\necho preparing\npython prep.py 3\n", 2)
    assert [(d.code, d.line) for d in normalized.diagnostics] == [("NB213", 3), ("NB210", 4), ("NB213", 5)]
    assert normalized.diagnostics[2].message.startswith("'python prep.py 3' translated to")  # as the cell has it
    subprocess.run([sys.executable, "-c", normalized.source], cwd=tmp_path, check=True)
    assert (tmp_path / "data" / "raw").is_dir() and (tmp_path / "data" / "rows.txt").read_text() == "3"


@pytest.mark.parametrize(
    "source, code, suggestion",
    [
        ("!python train.py data/*.csv\n", "NB202", "subprocess.run"),  # the shell expands the glob
        ("!python train.py > log.txt\n", "NB202", "subprocess.run"),
        ("!python train.py --url $URL\n", "NB202", "subprocess.run"),
        (  # -c resumes a partial file: no exact Python equivalent
            "!wget -c https://example.org/a.csv -O a.csv\n",
            "NB202",
            "urllib.request.urlretrieve('https://example.org/a.csv', 'a.csv')",
        ),
        (
            "!unzip -o data.zip '*.csv' -d data\n",
            "NB202",
            "subprocess.run(['unzip', '-o', 'data.zip', '*.csv', '-d', 'data'], check=True)",
        ),
        ("!curl https://example.org/a.csv\n", "NB202", "urlretrieve"),  # to stdout: nothing kept
        ("!wget -q {url}\n", "NB202", "urlretrieve"),
        ("!ls data > files.txt\n", "NB202", "subprocess.run"),
        ("!ls data; rm -r data\n", "NB202", "subprocess.run"),
        ("!cat $(which python)\n", "NB202", "subprocess.run"),
        ("!mkdir -p {folder}\n", "NB202", "subprocess.run"),
        ("out = !python train.py\n", "NB202", "subprocess.run(['python', 'train.py'], capture_output=True"),
        ("files = !ls {folder}\n", "NB202", "subprocess.run(['ls', '{folder}'], capture_output=True"),
        ("%cd data\n", "NB203", "pathlib.Path(data_dir)"),
        ("%run other.py\n", "NB204", "library cell"),
        ("%%bash\necho hi > out.txt\n", "NB202", "subprocess.run"),
        ("%%bash\nmkdir -p data\ncd data\nls\n", "NB202", "subprocess.run"),  # one error for the cell
        ("%%bash\npython prep.py --rows {rows}\n", "NB202", "subprocess.run"),  # bash's braces, not IPython's
        ("%%bash\nfor f in data/*.csv; do wc -l $f; done\n", "NB202", "subprocess.run"),
        ("%sql SELECT 1\n", "NB205", "plain Python"),
        ("%store -r model\n", "NB205", "save it to a file"),  # another notebook's value
        ('print "a"\n', "NB201", 'print("a")'),
        ("try:\n    pass\nexcept ValueError, e:\n    pass\n", "NB201", "except ValueError as e:"),
    ],
)
def test_unconvertible_syntax_has_a_coded_suggestion(source, code, suggestion):
    (diag,) = normalize(source, 3, "abc").diagnostics
    assert (diag.code, diag.cell_index, diag.cell_id) == (code, 3, "abc")
    assert suggestion in diag.suggestion


@pytest.mark.parametrize(
    "source, expected",
    [
        ("!ls -la data\n", ""),
        ("!head -n 5 data/train.csv | wc -l\nx = 1\n", "x = 1\n"),
        ("!nvidia-smi\n", ""),
        ("!pip freeze | grep torch\n", ""),
        ("!python --version\n", ""),
        ("!ls {folder}\n", ""),
        ("if show:\n    !ls data\n", "if show:\n    pass\n"),
        ("%ls data\n%pwd\n", ""),
    ],
)
def test_shell_commands_that_only_print_are_dropped(source, expected):
    normalized = normalize(source)
    assert normalized.source == expected
    assert {d.code for d in normalized.diagnostics} == {"NB210"}


def test_shell_mkdir_is_translated():
    normalized = normalize("!mkdir -p models out\n")
    assert normalized.source == "import os\nos.makedirs('models', exist_ok=True)\nos.makedirs('out', exist_ok=True)\n"
    assert [d.code for d in normalized.diagnostics] == ["NB213"]


def test_pip_installs_are_harvested():
    assert normalize("!pip install -q pyyaml 'rich>=13'\n").requirements == ["pyyaml", "rich>=13"]


_IMPORTS = """
import sys, pipeline_notebooks as n
from nbops.productionize import analyse_notebook
import nbops.cli
analyse_notebook(n.{fixture}(), 'p')
print(sorted(m.split('.')[0] for m in sys.modules if m.split('.')[0] in {{'tornado', 'jupyter_server', 'ipykernel', 'IPython'}}))
"""


@pytest.mark.parametrize("fixture, allowed", [("training", set()), ("magics", {"IPython"})])
def test_productionize_imports_no_server_or_kernel_code(fixture, allowed):
    """Only IPython's input transformer, and only for cells that need it."""
    here = __import__("pathlib").Path(__file__).parent
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTS.format(fixture=fixture)], capture_output=True, text=True, cwd=here, check=True
    )
    assert set(ast.literal_eval(done.stdout)) == allowed


def test_no_module_imports_server_or_kernel_code_directly():
    """The exporter's nbconvert and the golden run's nbclient bring jupyter_client along; we import none."""
    import nbops.productionize as package

    root = __import__("pathlib").Path(package.__file__).parent
    found = []
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            for name in names:
                if name.split(".")[0] in {"tornado", "jupyter_server", "ipykernel", "IPython"}:
                    found.append((path.name, name, node.col_offset > 0))
    assert found == [("syntax.py", "IPython.core.inputtransformer2", True)]  # lazily, inside a function


def test_display_calls_are_dropped():
    normalized = normalize("display(df)\nif x:\n    display(df.head())\ny = 1\n")
    assert normalized.source == "if x:\n    pass\ny = 1\n"
    assert [d.code for d in normalized.diagnostics] == ["NB210", "NB210"]


def test_lines_that_only_show_a_summary_leave_the_step_and_inplace_calls_stay():
    source = "df = load()\ndf.isna().sum()\ndf.describe().T\ndf.sort_values('a', inplace=True)\ndf.sum()\n"
    nb = _nb(code("def load():\n    return 1", "library"), code(source, "step:s"))
    (step,) = analyse_notebook(nb, "pkg").steps["s"].cells
    assert [line for line in step.generated.splitlines() if line] == [
        "df = load()",
        "df.sort_values('a', inplace=True)",
    ]


@pytest.mark.parametrize(
    "command, requirements, files",
    [
        ("!pip install -q -U pandas 'scikit-learn>=1.2'", ["pandas", "scikit-learn>=1.2"], []),
        ("!pip3 install xgboost", ["xgboost"], []),
        (
            "%pip install -i https://mirror.example/simple --extra-index-url https://x.example lightgbm",
            ["lightgbm"],
            [],
        ),
        ("!pip install --user -r requirements.txt", [], ["requirements.txt"]),
        ("!pip install -rreq.txt --requirement=more.txt tqdm", ["tqdm"], ["req.txt", "more.txt"]),
        ("!python -m pip install -c constraints.txt numpy", ["numpy"], []),
    ],
)
def test_pip_installs_name_their_packages_and_requirement_files_never_option_values(command, requirements, files):
    normalized = normalize(command, 0, None)
    assert normalized.source == ""
    assert normalized.requirements == requirements
    assert [name for name, _ in normalized.requirement_files] == files
    assert [d.code for d in normalized.diagnostics] == ["NB212"]


def test_an_editable_install_is_not_harvested():
    (diag,) = normalize("%pip install -e .", 0, None).diagnostics
    assert diag.code == "NB205" and "editable install" in diag.message


def test_indent_keeps_multiline_strings_intact():
    from nbops.productionize.codegen import indent

    source = 'query = """\nSELECT 1\n"""\nif q:\n    run(query)'
    assert indent(source) == '    query = """\nSELECT 1\n"""\n    if q:\n        run(query)'


def test_function_a_step_defines_from_its_data_is_passed_to_later_steps():
    nb = _nb(code("k = 2\n\ndef twice(x):\n    return k * x", "step:define"), code("y = twice(2)", "step:use"))
    plan = analyse_notebook(nb, "pkg")
    assert plan.steps["use"].inputs == {"twice": "define"}
    assert plan.steps["define"].outputs == ["twice"]


def test_papermill_injected_parameters_override_the_defaults():
    nb = _nb(code("alpha = 0.1", "parameters"), code("alpha = 0.5", "injected-parameters"), code("b = alpha", "step:s"))
    assert [(p.name, p.default) for p in analyse_notebook(nb, "pkg").params] == [("alpha", 0.5)]


@pytest.mark.parametrize("command", ["ls data", "ls data/*.csv | head -n 2", "ls missing-folder", "cat data/a.csv"])
def test_captured_output_of_a_showing_command_is_what_ipython_captures(tmp_path, command):
    """``files = !ls data``: the same lines from subprocess, stderr among them, as IPython gives."""
    (tmp_path / "data").mkdir()
    for name in ("a.csv", "b.csv", "c.txt"):
        (tmp_path / "data" / name).write_text(f"x\n{name}\n")
    normalized = normalize(f"files = !{command}\n", 4, "c4")
    assert [(d.code, d.line) for d in normalized.diagnostics] == [("NB213", 1)]
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(normalized.source, namespace)
    finally:
        os.chdir(cwd)
    ipython = subprocess.run(
        [
            sys.executable,
            "-m",
            "IPython",
            "--quick",
            "--no-banner",
            "--colors=nocolor",
            "-c",
            f"print(repr(list(get_ipython().getoutput({command!r}))))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert namespace["files"] == ast.literal_eval(ipython.stdout.strip().splitlines()[-1])
