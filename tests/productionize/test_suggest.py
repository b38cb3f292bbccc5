"""Tag suggestions: each rule on a notebook a data scientist would write, partly tagged notebooks,
the CLI's tagged copy, and the proof that counts: a suggested tagging exports without errors."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pipeline_notebooks as nbs
import pytest
from nbformat.v4 import new_markdown_cell

from nbops.productionize import productionize
from nbops.productionize.plan import build_plan
from nbops.productionize.suggest import apply_suggestions, heading_slug, suggest_tags

VENV_BIN = Path(sys.executable).parent
CONVERTIBLE = ["training", "magics", "kale", "out_of_order", "notebook_globals"]
code = nbs.code


def exploratory():
    """Untagged, as written while exploring: title, imports, knobs, sections, peeks, a helper, a check."""
    return nbs._nb(
        new_markdown_cell("# Sales forecast\nA first look."),
        code("import random\nimport statistics\n\nWINDOW = 3\nrandom.seed(0)"),
        code("n_days = 30\nscale: float = 2.0  # papermill-style knobs"),
        new_markdown_cell("## 1. Load the data"),
        code("rng = random.Random(7)\nsales = [rng.random() * scale for _ in range(n_days)]"),
        code("sales[:5]"),
        code("print(len(sales), min(sales))"),
        new_markdown_cell("## Helpers"),
        code(
            'def smooth(values, width):\n    """Trailing mean."""\n'
            "    return [statistics.mean(values[max(0, i - width + 1): i + 1]) for i in range(len(values))]"
        ),
        new_markdown_cell("## Train the model"),
        code("smoothed = smooth(sales, WINDOW)\nforecast = smoothed[-1]"),
        code(""),
        code("forecast"),
        code("assert forecast > 0"),
    )


def tags_of(suggestions):
    return [(s.index, s.tag) for s in suggestions]


def strip(nb):
    for cell in nb.cells:
        cell.metadata.pop("tags", None)
    return nb


def test_each_rule_on_an_exploratory_notebook():
    suggestions = suggest_tags(exploratory())
    assert tags_of(suggestions) == [
        (1, "setup"),
        (2, "parameters"),
        (4, "step:load_the_data"),
        (5, "skip"),
        (6, "skip"),
        (8, "library"),
        (10, "step:train_the_model"),
        (12, "skip"),
        (13, "test"),
    ]
    reasons = {s.index: s.reason for s in suggestions}
    assert reasons[1] == "imports and constants and configuration"
    assert "papermill" in reasons[2] and reasons[8] == "defines smooth()"
    assert suggestions[0].to_dict() == {
        "index": 1,
        "id": "c01",
        "role": "setup",
        "step": None,
        "tag": "setup",
        "reason": reasons[1],
    }


def test_plots_and_peeks_are_skipped_unless_a_later_cell_reads_what_they_bind():
    nb = nbs._nb(
        code("import pandas as pd\nimport matplotlib.pyplot as plt"),
        code("df = pd.DataFrame({'a': [1, 2]})"),
        code("df.head()\ndf.describe()"),
        code("fig, ax = plt.subplots()\nax.plot(df['a'])\nplt.show()"),
        code("fig2 = plt.figure()"),
        code("fig2.savefig('plot.png')"),
        code("df.to_csv('out.csv')"),
        code("df.sort_values('a', inplace=True)"),
        code("df.isna().sum()"),
        code("df.describe().T"),
        code("df.groupby('a')['a'].mean().round(2)"),
        code("fig, ax = plt.subplots(1, 2)\ndf['a'].plot.box(ax=ax[0])\ndf['a'].hist(ax=ax[1])"),
        code("def peek(n=5):\n    return df.head(n)\n\ninteract(peek, n=(1, 10))"),  # its def serves the widget
        code("@interact(n=(1, 10))\ndef peek_more(n):\n    return df.tail(n)"),
        code("def double(x):\n    return 2 * x\nprint(double(2))"),
        code("twice = double(3)"),  # reads the def above: that cell is not display-only
    )
    assert tags_of(suggest_tags(nb)) == [
        (0, "setup"),
        (1, "step:main"),
        (2, "skip"),
        (3, "skip"),
        (4, "step:main"),  # fig2 is read below: not display-only
        (5, "step:main"),
        (6, "step:main"),
        (7, "step:main"),
        (8, "skip"),
        (9, "skip"),
        (10, "skip"),
        (11, "skip"),
        (12, "skip"),
        (13, "skip"),
        (14, "step:main"),
        (15, "step:main"),
    ]


def test_a_partly_tagged_notebook_keeps_its_tags_and_continues_the_step_above():
    nb = nbs._nb(
        code("x = 1", "parameters"),
        code("y = 2"),  # literal, but the parameters cell exists: a step
        code("import math", "step:prep"),
        code("z = math.sqrt(y)", "hide-input"),  # continues step prep, keeps its own tag
        new_markdown_cell("### Report"),
        code("w = z * x"),
    )
    suggestions = suggest_tags(nb)
    assert tags_of(suggestions) == [(1, "step:main"), (3, "step:prep"), (5, "step:report")]
    tagged = apply_suggestions(nb, suggestions)
    assert tagged.cells[3].metadata.tags == ["hide-input", "step:prep"]
    assert "tags" not in nb.cells[1].metadata  # the input is not changed
    assert suggest_tags(tagged) == []


@pytest.mark.parametrize(
    "heading, slug",
    [
        ("## 2. Train the model!", "train_the_model"),
        ("Évaluation", "evaluation"),
        ("## Données et attributs", "donnees_et_attributs"),
        ("📊 Exploration", "exploration"),
        ("1999 results", "results"),
        ("class", "class_"),
        ("!!!", None),
        ("7", None),
        (
            "a very long heading that keeps going on and on past forty characters",
            "a_very_long_heading_that_keeps_going_on",
        ),
    ],
)
def test_heading_slugs_are_step_names(heading, slug):
    assert heading_slug(heading) == slug


def test_upper_case_knobs_before_any_step_are_parameters_and_later_constants_setup():
    nb = nbs._nb(
        code("EPOCHS = 10\nLR = 0.1"),
        code("import math"),
        code("LABELS = ['a', 'b']"),
        code("steps = EPOCHS * len(LABELS)"),
    )
    assert tags_of(suggest_tags(nb)) == [(0, "parameters"), (1, "setup"), (2, "setup"), (3, "step:main")]


def test_literals_with_values_computed_from_them_are_the_parameters_cell():
    nb = nbs._nb(
        code("import os"),
        code("data_dir = '../data'\nC = 0.5\ntrain_path = os.path.join(data_dir, 'train.csv')"),
        code("DATA = os.path.join('..', 'data')"),  # nothing literal: a constant
        code("rows = open(train_path).read()"),
    )
    assert tags_of(suggest_tags(nb)) == [(0, "setup"), (1, "parameters"), (2, "setup"), (3, "step:main")]
    nb.cells[1].source += "\nos.makedirs(data_dir, exist_ok=True)"  # a call: configuration, not parameters
    assert tags_of(suggest_tags(nb))[1] != (1, "parameters")


def test_the_same_heading_twice_gives_two_steps():
    nb = nbs._nb(
        new_markdown_cell("## Clean"),
        code("a = [1]"),
        new_markdown_cell("## Fit"),
        code("b = a + [2]"),
        new_markdown_cell("## Clean"),
        code("c = b + [3]"),
    )
    assert tags_of(suggest_tags(nb)) == [(1, "parameters"), (3, "step:fit"), (5, "step:clean_2")]


@pytest.mark.parametrize("name", CONVERTIBLE)
def test_suggested_tags_analyse_without_errors(name):
    nb = strip(getattr(nbs, name)())
    plan = build_plan(apply_suggestions(nb, suggest_tags(nb)), "x_pipeline")
    assert [d.format() for d in plan.diagnostics if d.severity == "error"] == []
    assert plan.order


@pytest.mark.parametrize("name", CONVERTIBLE + ["exploratory"])
def test_suggest_then_export_succeeds_on_the_untagged_fixtures(tmp_path, name):
    nb = exploratory() if name == "exploratory" else strip(getattr(nbs, name)())
    tagged = apply_suggestions(nb, suggest_tags(nb))
    result = productionize(tagged, tmp_path / "pkg", workdir=tmp_path, run_tests=False)
    assert result.ok, [d.format() for d in result.errors]
    assert result.equivalence and all(e.status in {"match", "nondeterministic"} for e in result.equivalence)


def test_cli_writes_a_tagged_copy_and_never_the_input(tmp_path):
    source = tmp_path / "explore.ipynb"
    nbformat.write(exploratory(), source)
    before = source.read_bytes()
    nbops = str(VENV_BIN / "nbops")
    done = subprocess.run(
        [nbops, "suggest", str(source), "-o", str(tmp_path / "tagged.ipynb")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "cell 4: step:load_the_data  (code under 'load_the_data')" in done.stdout
    assert "9 suggestion(s)" in done.stdout
    assert source.read_bytes() == before
    tagged = nbformat.read(tmp_path / "tagged.ipynb", as_version=4)
    assert tagged.cells[2].metadata.tags == ["parameters"] and tagged.cells[13].metadata.tags == ["test"]

    same = subprocess.run([nbops, "suggest", str(source), "-o", str(source)], capture_output=True, text=True)
    assert same.returncode == 2 and "is the input notebook" in same.stderr
    again = subprocess.run(
        [nbops, "suggest", str(source), "-o", str(tmp_path / "tagged.ipynb")], capture_output=True, text=True
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    assert source.read_bytes() == before
    listing = subprocess.run([nbops, "suggest", str(tmp_path / "tagged.ipynb")], capture_output=True, text=True)
    assert listing.returncode == 0 and "0 suggestion(s): every code cell has a role" in listing.stdout


def test_guarded_imports_and_version_checks_are_setup():
    """A quick-start's first cell: an optional import with a fallback, a version check, options."""
    nb = nbs._nb(
        code(
            "import sys\nassert sys.version_info >= (3, 7)\ntry:\n    import tomllib\nexcept ImportError:\n"
            "    tomllib = None\nimport random\nrandom.seed(7)"
        ),
        code("try:\n    import json\nexcept (ImportError, ModuleNotFoundError):\n    raise SystemExit('no json')"),
        code("try:\n    import json\nexcept ValueError:\n    json = None"),  # not an import guard
        code("assert len(sys.argv) > 0"),
        code("data = random.random()"),
    )
    assert tags_of(suggest_tags(nb)) == [
        (0, "setup"),
        (1, "setup"),
        (2, "step:main"),
        (3, "test"),
        (4, "step:main"),
    ]


def test_installs_environment_magics_and_library_options_are_setup():
    nb = nbs._nb(
        code("!pip install -q lightgbm"),
        code("%env OMP_NUM_THREADS=1\n%load_ext autoreload"),
        code("import lightgbm as lgb\nimport pandas as pd\nimport matplotlib.pyplot as plt"),
        code("pd.options.display.max_columns = 50\nplt.rcParams['figure.figsize'] = (8, 4)"),
        code("plt.plot([1, 2])\nplt.show()"),  # a call on a module with no setting: a display
        code("lgb.plot_metric({'a': [1]})"),
        code("_ = pd.Series([1, 2]).hist()"),  # the return value silenced: still a plot
        code("df = pd.DataFrame({'a': [1]})\ndf.attrs['source'] = 'x'"),  # sets what a step made
    )
    assert tags_of(suggest_tags(nb)) == [
        (0, "setup"),
        (1, "setup"),
        (2, "setup"),
        (3, "setup"),
        (4, "skip"),
        (5, "skip"),
        (6, "skip"),
        (7, "step:main"),
    ]


def test_a_book_chapters_figure_helper_with_its_folder_is_library():
    nb = nbs._nb(
        code("from pathlib import Path\nimport matplotlib.pyplot as plt"),
        code(
            'IMAGES_PATH = Path() / "images" / "classification"\nIMAGES_PATH.mkdir(parents=True, exist_ok=True)\n\n'
            'def save_fig(fig_id, resolution=100):\n    plt.savefig(IMAGES_PATH / f"{fig_id}.png", dpi=resolution)'
        ),
        code("scores = [len(str(IMAGES_PATH)), 2]"),
    )
    assert tags_of(suggest_tags(nb)) == [(0, "setup"), (1, "library"), (2, "step:main")]


def test_a_helper_defined_beside_calls_that_read_step_data_stays_in_its_step():
    """``joblib.dump(model, ...)`` is a call on an imported module, as configuration is, but it
    reads step data: as library, the cell was NB309."""
    nb = nbs._nb(
        code("import joblib\nfrom sklearn.linear_model import LogisticRegression"),
        code("model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])"),
        code("def as_float(frame):\n    return frame.astype('float64')\n\n\njoblib.dump(model, 'model.joblib')"),
    )
    assert tags_of(suggest_tags(nb)) == [(0, "setup"), (1, "step:main"), (2, "step:main")]


def test_a_cell_that_raised_when_last_run_is_skipped_unless_a_later_cell_reads_it():
    """A messy notebook keeps its dead ends: a typo that raised, then the corrected cell."""

    def raised(source, ename):
        cell = code(source)
        cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue="", traceback=[])]
        return cell

    nb = nbs._nb(
        code("import pandas as pd"),
        raised("scores = pd.Series([1, 2]).sumn()", "AttributeError"),  # a typo, fixed below
        code("scores = pd.Series([1, 2]).sum()"),
        raised("half = scores / 2\nprint(halff)", "NameError"),  # raised after binding half, which is read
        code("total = scores + half"),
    )
    suggestions = suggest_tags(nb)
    assert tags_of(suggestions) == [(0, "setup"), (1, "skip"), (2, "step:main"), (3, "step:main"), (4, "step:main")]
    assert suggestions[1].reason == "raised AttributeError when it last ran, and no later cell reads what it binds"


def test_a_shell_cell_that_runs_or_fetches_is_a_step_and_one_that_makes_folders_is_setup():
    """Both translate to imports and calls on them; setup runs before every step an orchestrator
    runs apart, which a download or a script must not."""
    nb = nbs._nb(
        code("import json"),
        code("!mkdir -p data/raw"),
        code("%%bash\nmkdir -p data\npython prep.py 3"),
        code("!wget -q https://example.org/rows.csv -O data/rows.csv"),
        code("rows = json.load(open('data/rows.json'))"),
    )
    assert tags_of(suggest_tags(nb)) == [
        (0, "setup"),
        (1, "setup"),
        (2, "step:main"),
        (3, "step:main"),
        (4, "step:main"),
    ]


def test_imports_beside_lines_that_only_print_are_setup():
    """A Kaggle kernel's first cell lists the input folder beside its imports; the next cell's
    options on ``pd`` then read a setup name, so it is setup too."""
    nb = nbs._nb(
        code(
            "import numpy as np # linear algebra\nimport pandas as pd\nimport os\n"
            "for dirname, _, filenames in os.walk('../input'):\n    for filename in filenames:\n"
            "        print(os.path.join(dirname, filename))"
        ),
        code("import warnings\nwarnings.filterwarnings('ignore')\npd.set_option('display.max_columns', None)"),
        code("import sklearn\nprint(sklearn.__version__)"),
        code("for name in ['a', 'b']:\n    print(name)"),  # only prints, binds nothing read below
        code("for name in ['a', 'b']:\n    print(name)\nelse:\n    done = True"),
        code("import json\nrows = [json.dumps(done)]\nprint(rows)"),  # binds rows: a step
    )
    assert tags_of(suggest_tags(nb)) == [
        (0, "setup"),
        (1, "setup"),
        (2, "setup"),
        (3, "skip"),
        (4, "step:main"),
        (5, "step:main"),
    ]
