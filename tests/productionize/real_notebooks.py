"""Fixture notebooks shaped like public ones (an ML-book chapter, a library quick-start, a
Kale-tagged example, a messy Kaggle-style kernel), each carrying the faults real notebooks
have: relative data paths, helper classes, loop aliases, imports inside steps, magics.

Their data sets are small, generated and written beside the notebook by ``write_data``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell
from pipeline_notebooks import _nb, code


def write_data(folder: Path) -> None:
    """The CSV files the notebooks read through relative paths, as a clone of their repo would hold."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    housing = folder / "datasets" / "housing"
    housing.mkdir(parents=True, exist_ok=True)
    n = 300
    income = rng.gamma(4.0, 1.0, n).round(4)
    rooms = rng.integers(200, 3000, n)
    households = rng.integers(50, 800, n)
    frame = pd.DataFrame(
        {
            "longitude": rng.uniform(-124, -114, n).round(2),
            "latitude": rng.uniform(32, 42, n).round(2),
            "total_rooms": rooms,
            "households": households,
            "median_income": income,
            "median_house_value": (income * 40_000 + rooms * 3 + rng.normal(0, 10_000, n)).round(0),
        }
    )
    frame.to_csv(housing / "housing.csv", index=False)

    titanic = folder / "data"
    titanic.mkdir(exist_ok=True)
    titles = ["Mr", "Mrs", "Miss", "Master", "Dr"]
    for name, size in (("train", 120), ("test", 40)):
        people = pd.DataFrame(
            {
                "PassengerId": range(size),
                "Pclass": rng.integers(1, 4, size),
                "Name": [f"Surname{i}, {titles[i % 5]}. Given" for i in range(size)],
                "Sex": rng.choice(["male", "female"], size),
                "Age": rng.uniform(1, 70, size).round(0),
                "SibSp": rng.integers(0, 3, size),
                "Parch": rng.integers(0, 3, size),
            }
        )
        if name == "train":
            people["Survived"] = ((people["Sex"] == "female") | (people["Pclass"] == 1)).astype(int)
        people.to_csv(titanic / f"{name}.csv", index=False)

    # the requirements file a Kale example installs, including another one
    (folder / "requirements.txt").write_text("# the example's\nnumpy>=1.20  # arrays\n-r requirements-extra.txt\n")
    (folder / "requirements-extra.txt").write_text("--index-url https://pypi.org/simple\ntqdm\n")

    # a course repository's helper module, imported by the notebooks beside it
    (folder / "course_utils.py").write_text(
        "def normalise(values):\n    top = max(values)\n    return [v / top for v in values]\n"
    )
    # and the script its notebooks %run first: imports, a constant set in a branch, a helper
    (folder / "course_setup.py").write_text(
        "import statistics as stats\nimport os\n\nDIGITS = 3\nif os.environ.get('COURSE_FAST'):\n"
        "    DIGITS = 1\n\n\ndef rounded(value):\n    return round(value, DIGITS)\n\n\n"
        "if __name__ == '__main__':\n    print('course setup done')\n"
    )

    # a cookiecutter-data-science layout: the notebook in notebooks/, the project's own package
    # in src/ one folder up, raw data in data/raw/, models written to models/
    project = folder.parent
    (project / "src").mkdir(exist_ok=True)
    (project / "src" / "__init__.py").write_text("")
    (project / "src" / "features.py").write_text(
        "import numpy as np\n\n\ndef build_features(frame):\n    out = frame.copy()\n"
        "    out['ratio'] = out['a'] / (out['b'].abs() + 1)\n    out['log_c'] = np.log1p(out['c'].clip(lower=0))\n"
        "    return out\n\n\nclass Clipper:\n    def __init__(self, q=0.99):\n        self.q = q\n\n"
        "    def fit(self, X, y=None):\n        self.hi_ = X.quantile(self.q)\n        return self\n\n"
        "    def transform(self, X):\n        return X.clip(upper=self.hi_, axis=1)\n"
    )
    (project / "data" / "raw").mkdir(parents=True, exist_ok=True)
    n = 200
    raw = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.exponential(size=n)})
    raw["target"] = (raw["a"] + 0.5 * raw["c"] + rng.normal(scale=0.5, size=n) > 0.5).astype(int)
    raw.to_csv(project / "data" / "raw" / "train.csv", index=False)


def housing_chapter() -> nbformat.NotebookNode:
    """Chapter 2 of an ML book: a relative data path, a transformer class using ``np``, imports
    inside steps, a library call that adds a column to its input, a loop over two frames,
    dead ``.shape``/``.head()`` expressions, a multi-threaded forest, and the book's launch: a
    pipeline holding a function the cell defines, saved, then loaded where the function is
    defined again."""
    return _nb(
        new_markdown_cell("# Chapter 2 – End-to-end Machine Learning project"),
        code("test_ratio = 0.2\nseed = 42\nn_estimators = 30", "parameters"),
        code(
            """
import numpy as np
import pandas as pd
from pathlib import Path

HOUSING_PATH = Path("datasets") / "housing"
""",
            "setup",
        ),
        code(
            '''
def load_housing_data(housing_path=HOUSING_PATH):
    return pd.read_csv(housing_path / "housing.csv")


def add_income_category(data):
    """Adds the stratification column in place, as the book does."""
    data["income_cat"] = pd.cut(data["median_income"], bins=[0.0, 1.5, 3.0, 4.5, 6.0, np.inf], labels=[1, 2, 3, 4, 5])
    return data["income_cat"]


class CombinedAttributesAdder:
    def __init__(self, add_rooms_per_household=True):
        self.add_rooms_per_household = add_rooms_per_household

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        rooms_per_household = X[:, 0] / X[:, 1]
        return np.c_[X, rooms_per_household] if self.add_rooms_per_household else X
''',
            "library",
        ),
        code(
            """
housing = load_housing_data()
housing.shape
""",
            "step:load",
        ),
        code("housing.head()"),
        code(
            """
from sklearn.model_selection import train_test_split

strata = add_income_category(housing)
train_set, test_set = train_test_split(housing, test_size=test_ratio, random_state=seed, stratify=strata)
""",
            "step:split",
        ),
        code(
            """
for set_ in (train_set, test_set):
    set_.drop("income_cat", axis=1, inplace=True)
    set_["income_per_room"] = set_["median_income"] / set_["total_rooms"]
train_set.head()
""",
            "step:prepare",
        ),
        code(
            """
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_squared_error

num_attribs = ["total_rooms", "households", "median_income", "income_per_room"]
adder = CombinedAttributesAdder()
X_train = adder.transform(train_set[num_attribs].to_numpy())
y_train = train_set["median_house_value"].to_numpy()
forest_reg = RandomForestRegressor(n_estimators=n_estimators, random_state=seed, n_jobs=2)
forest_reg.fit(X_train, y_train)
""",
            "step:train",
        ),
        code(
            """
X_test = adder.transform(test_set[num_attribs].to_numpy())
final_rmse = float(np.sqrt(mean_squared_error(test_set["median_house_value"], forest_reg.predict(X_test))))
""",
            "step:evaluate",
            "metrics",
        ),
        code(
            """
import joblib
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

def column_ratio(X):
    return X[:, [0]] / X[:, [1]]

final_model = make_pipeline(FunctionTransformer(column_ratio), RandomForestRegressor(n_estimators=5, random_state=seed))
final_model.fit(train_set[["total_rooms", "households"]].to_numpy(), train_set["median_house_value"])
joblib.dump(final_model, "my_california_housing_model.pkl")
""",
            "step:launch",
        ),
        code(
            """
import joblib

def column_ratio(X):
    return X[:, [0]] / X[:, [1]]

final_model_reloaded = joblib.load("my_california_housing_model.pkl")
predictions = final_model_reloaded.predict(test_set[["total_rooms", "households"]].to_numpy()[:5])
""",
            "step:reload",
        ),
        code("assert 0 < final_rmse < 100_000", "test"),
    )


def text_quickstart() -> nbformat.NotebookNode:
    """A library quick-start: a tf-idf pipeline holding a tokenizer function, and setup
    imports that shadow builtins (``from numpy import sum, round``)."""
    return _nb(
        new_markdown_cell("# Working with text data"),
        code("C = 10.0\nmax_features = 50", "parameters"),
        code(
            """
import re

from numpy import round, sum
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
""",
            "setup",
        ),
        code(
            """
def tokenizer(text):
    return re.findall(r"[a-z']+", text.lower())
""",
            "library",
        ),
        code(
            """
good = ["great film, loved it", "a wonderful story", "superb acting and a great cast",
        "I loved the music", "wonderful, moving and funny", "great fun for the family"]
bad = ["a dull and boring film", "terrible acting", "I hated the ending", "boring, far too long",
       "a waste of time", "awful script and dull music"]
docs = good + bad
labels = [1] * len(good) + [0] * len(bad)
""",
            "step:data",
        ),
        code(
            """
clf = make_pipeline(TfidfVectorizer(tokenizer=tokenizer, token_pattern=None, max_features=max_features),
                    LogisticRegression(C=C))
clf.fit(docs, labels)
""",
            "step:train",
        ),
        code(
            """
weights = clf[-1].coef_
weight_total = float(round(sum(weights), 6))
accuracy = float(clf.score(docs, labels))
""",
            "step:evaluate",
            "metrics",
        ),
        code("assert accuracy == 1.0", "test"),
    )


def kale_example() -> nbformat.NotebookNode:
    """Tagged the Kale way: untagged cells belong to the block above them; its requirements
    installed from the repository's file, as Kale's examples do."""
    return _nb(
        new_markdown_cell("# Kale example: seeds"),
        code("!pip install --user -r requirements.txt\nimport math\nimport random", "imports"),
        code("n_points = 200\nnoise = 0.1", "pipeline-parameters"),
        code(
            """
def make_point(rng, noise):
    x = rng.uniform(-1, 1)
    return x, 2 * x + 1 + rng.gauss(0, noise)
""",
            "functions",
        ),
        code("rng = random.Random(1)\npoints = [make_point(rng, noise) for _ in range(n_points)]", "block:data"),
        code("xs = [p[0] for p in points]\nys = [p[1] for p in points]"),
        code("mean_x = sum(xs) / len(xs)\nmean_y = sum(ys) / len(ys)", "block:fit", "prev:data"),
        code("""
cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
slope = cov / sum((x - mean_x) ** 2 for x in xs)
intercept = mean_y - slope * mean_x
"""),
        code("print(slope, intercept)", "skip"),
        code(
            "residual = math.sqrt(sum((y - slope * x - intercept) ** 2 for x, y in zip(xs, ys)) / len(xs))",
            "block:evaluate",
        ),
        code("slope\nresidual", "pipeline-metrics"),
    )


def titanic_kernel() -> nbformat.NotebookNode:
    """A messy Kaggle-style kernel: magics, a print in setup, a relative ``data/`` folder, a
    helper class, ``combine = [train_df, test_df]`` looped over in a later cell, a ``%%writefile``,
    a helper counting its calls in a ``global``, a timing text."""
    return _nb(
        new_markdown_cell("# Titanic: a data science solution"),
        code(
            """
%matplotlib inline
import re
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

print("pandas", pd.__version__)
""",
            "setup",
        ),
        code('data_dir = "data"\nC = 1.0', "parameters"),
        code(
            '''
class TitleExtractor:
    """Title ("Mr", "Mrs", ...) from a passenger's name, rare ones grouped."""

    pattern = re.compile(r" ([A-Za-z]+)\\.")

    def __init__(self, rare=("Dr",)):
        self.rare = set(rare)

    def extract(self, names):
        titles = names.str.extract(self.pattern, expand=False)
        return titles.where(~titles.isin(self.rare), "Rare")
''',
            "library",
        ),
        code(
            """
train_df = pd.read_csv(f"{data_dir}/train.csv")
test_df = pd.read_csv(f"{data_dir}/test.csv")
combine = [train_df, test_df]
train_df.shape, test_df.shape
""",
            "step:load",
        ),
        code(
            """
%%writefile data/columns.txt
Pclass
Sex
Age
FamilySize
""",
            "step:load",
        ),
        code(
            """
n_mapped = 0


def map_sex(column):
    global n_mapped
    n_mapped += 1
    return column.map({"female": 1, "male": 0}).astype(int)


extractor = TitleExtractor()
for dataset in combine:
    dataset["Title"] = extractor.extract(dataset["Name"])
    dataset["FamilySize"] = dataset["SibSp"] + dataset["Parch"] + 1
    dataset["Sex"] = map_sex(dataset["Sex"])
train_df.head()
""",
            "step:features",
        ),
        code(
            """
%%time
with open(f"{data_dir}/columns.txt") as handle:
    features = handle.read().split()
model = LogisticRegression(C=C, max_iter=500)
model.fit(train_df[features], train_df["Survived"])
""",
            "step:train",
        ),
        code(
            """
started = time.perf_counter()
acc_log = round(float(model.score(train_df[features], train_df["Survived"])) * 100, 2)
predictions = model.predict(test_df[features])
timing = f"Wall time: {time.perf_counter() - started:.9f} s"
""",
            "step:report",
            "metrics",
        ),
        code('assert set(train_df["Title"]) <= {"Mr", "Mrs", "Miss", "Master", "Rare"}\nassert n_mapped == 2', "test"),
    )


def star_import() -> nbformat.NotebookNode:
    """One star import, many names used from it: one error."""
    return _nb(
        code("from sklearn.metrics import *\nimport numpy as np", "setup"),
        code("y_true = np.array([0, 1, 1, 0, 1])\ny_pred = np.array([0, 1, 0, 0, 1])", "step:data"),
        code(
            """
scores = {
    "accuracy": accuracy_score(y_true, y_pred), "f1": f1_score(y_true, y_pred),
    "precision": precision_score(y_true, y_pred), "recall": recall_score(y_true, y_pred),
}
matrix = confusion_matrix(y_true, y_pred)
""",
            "step:score",
        ),
    )


def python2_cell() -> nbformat.NotebookNode:
    """A Python 2 print in the cell that defines ``status``, which three later steps read."""
    return _nb(
        code('status = "ready"\nprint "status is", status', "step:check"),
        *[code(f"line_{i} = status + '{i}'", f"step:use{i}") for i in range(3)],
    )


def mixed_imports() -> nbformat.NotebookNode:
    """Imports buried in untagged cells that also compute data: the fix is moving the import."""
    return _nb(
        code("import pandas as pd", "setup"),
        code("import math\nradius = 2.0"),
        code("from statistics import mean\nsample = [1, 2, 3]"),
        code("area = math.pi * radius ** 2", "step:area"),
        code("centre = mean([area, 1.0])", "step:summary"),
        code("from statistics import mean, median\nother = [4, 5]"),
    )


def generator_output() -> nbformat.NotebookNode:
    """A step hands a generator to the next one: ``--cache`` could never store it."""
    return _nb(
        code("rows = (i * i for i in range(5))", "step:stream"),
        code("total = sum(rows)", "step:consume"),
    )


def sklearn_quickstart() -> nbformat.NotebookNode:
    """A library quick-start as published, untagged, with the tags ``suggest_tags`` proposes
    accepted as they are: an optional import with a fallback and a version check in the first
    cell, shell peeks at the data (``!ls``, ``!head | wc``), a "private" ``_keep`` list a later
    step reads, ``make_pipeline(...).fit`` and a generator in the last cell. Published from Colab,
    it mounts the user's Drive first."""
    from nbops.productionize.suggest import apply_suggestions, suggest_tags

    nb = _nb(
        new_markdown_cell("# Getting started\nFit a model on the Titanic data in a few lines."),
        code("from google.colab import drive\ndrive.mount('/content/drive')"),
        code(
            """
%config InlineBackend.figure_format = 'retina'
import sys
assert sys.version_info >= (3, 9)
try:
    from tqdm.auto import tqdm
except ImportError:
    tqdm = None
import pandas as pd
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
pd.set_option("display.max_columns", 20)
"""
        ),
        code('DATA = "data/train.csv"\nC = 0.5'),
        new_markdown_cell("## Load the data"),
        code(
            "!ls data\n!head -n 3 data/train.csv | wc -l\n"
            "_keep = ['Pclass', 'Age', 'SibSp', 'Parch', 'Survived']\nframe = pd.read_csv(DATA)[_keep]\nframe.head()"
        ),
        code("frame.describe()"),
        new_markdown_cell("## Fit"),
        code(
            """
features = [column for column in _keep if column != "Survived"]
X, y = frame[features].fillna(0), frame["Survived"]
model = make_pipeline(StandardScaler(), LogisticRegression(C=C)).fit(X, y)
accuracy = model.score(X, y)
lines = (f"{name}: {value:.3f}" for name, value in zip(features, model[-1].coef_[0]))
print("\\n".join(lines))
"""
        ),
    )
    return apply_suggestions(nb, suggest_tags(nb))


def course_notebook() -> nbformat.NotebookNode:
    """A course notebook: it ``%run``s the course's setup script, imports a module that sits
    beside it, writes a module with ``%%writefile`` and imports it, and appends to a log file that
    a later cell reads back (one line every 0.2 s: two kernels running it side by side in one
    folder would interleave lines)."""
    return _nb(
        code("%matplotlib inline\n%run course_setup.py", "setup"),
        code("import time\nfrom course_utils import normalise", "setup"),
        code("%%writefile scoring.py\ndef score(values):\n    return sum(values) / len(values)\n", "setup"),
        code("raw = [3.0, 1.0, 4.0, 1.0, 5.0]\nscaled = normalise(raw)", "step:prepare"),
        code(
            "open('progress.log', 'w').close()\nfor value in scaled:\n    with open('progress.log', 'a') as log:\n"
            "        log.write(f'{value:.3f}\\n')\n    time.sleep(0.2)",
            "step:report",
        ),
        code(
            "from scoring import score\nlogged = open('progress.log').read().splitlines()\n"
            "final = rounded(score(scaled))\nspread = rounded(stats.pstdev(scaled))",
            "step:report",
        ),
    )


def script_notebook() -> nbformat.NotebookNode:
    """A training script pasted into a notebook, with the tags ``suggest_tags`` proposes: a
    Kaggle-style first cell listing the input folder beside its imports, the files captured with
    ``!ls``, ``argparse`` read with ``parse_known_args()`` (in a kernel, ``-f CONNECTION_FILE``
    lands in ``unknown``; the last step returns both), and the script's ``if __name__ ==
    '__main__':`` block, which a kernel runs."""
    from nbops.productionize.suggest import apply_suggestions, suggest_tags

    nb = _nb(
        code(
            "import argparse\nimport os\nimport pandas as pd\n"
            "for dirname, _, filenames in os.walk('data'):\n    for filename in filenames:\n"
            "        print(os.path.join(dirname, filename))"
        ),
        code(
            "parser = argparse.ArgumentParser(description='survival baseline')\n"
            "parser.add_argument('--min-age', type=float, default=18.0)\n"
            "args, unknown = parser.parse_known_args()"
        ),
        code("files = !ls data/train*.csv\nframes = [pd.read_csv(f) for f in files]"),
        code(
            "def main(min_age):\n    adults = frames[0][frames[0]['Age'] >= min_age]\n"
            "    return float(adults['Survived'].mean())\n\n\nif __name__ == '__main__':\n    rate = main(args.min_age)"
        ),
    )
    return apply_suggestions(nb, suggest_tags(nb))


def cookiecutter_notebook() -> nbformat.NotebookNode:
    """A notebook of a cookiecutter-data-science project, with the tags ``suggest_tags`` proposes:
    autoreload, the project's ``src`` package put on ``sys.path`` from ``..``, and a parameters
    cell whose paths are computed from its literals (``os.path.join(data_dir, ...)``, an
    f-string naming the model file after ``C``), a class defined in the cell that trains, and a
    function defined in the cell that saves a pipeline holding it."""
    from nbops.productionize.suggest import apply_suggestions, suggest_tags

    nb = _nb(
        new_markdown_cell("# 1.0 Baseline\nFeatures come from the project's `src` package."),
        code("%load_ext autoreload\n%autoreload 2"),
        code(
            "import os\nimport sys\nsys.path.append(os.path.abspath('..'))\n\nimport joblib\nimport pandas as pd\n"
            "from sklearn.linear_model import LogisticRegression\nfrom sklearn.metrics import roc_auc_score\n"
            "from sklearn.model_selection import train_test_split\nfrom sklearn.pipeline import make_pipeline\n"
            "from sklearn.preprocessing import FunctionTransformer\n\nfrom src.features import Clipper, build_features"
        ),
        code(
            "data_dir = '../data/raw'\nmodels_dir = '../models'\nC = 0.5\nseed = 7\n"
            "train_path = os.path.join(data_dir, 'train.csv')\nmodel_path = f'{models_dir}/baseline_C{C}.joblib'"
        ),
        new_markdown_cell("## Load"),
        code("frame = build_features(pd.read_csv(train_path))\nframe.head()"),
        code(
            "X, y = frame.drop(columns='target'), frame['target']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed)"
        ),
        new_markdown_cell("## Train"),
        code(
            "class Blend:\n    def __init__(self, *models):\n        self.models = models\n\n"
            "    def predict_proba(self, X):\n        return sum(m.predict_proba(X) for m in self.models) / len(self.models)\n\n\n"
            "clip = Clipper().fit(X_train)\nmodel = LogisticRegression(C=C).fit(clip.transform(X_train), y_train)\n"
            "blend = Blend(model, LogisticRegression(C=C * 10).fit(clip.transform(X_train), y_train))"
        ),
        code("auc = roc_auc_score(y_test, blend.predict_proba(clip.transform(X_test))[:, 1])\nprint(f'AUC {auc:.3f}')"),
        code(
            "def as_float(frame):\n    return frame.astype('float64')\n\n\n"
            "os.makedirs(models_dir, exist_ok=True)\njoblib.dump((clip, model), model_path)\n"
            "joblib.dump(make_pipeline(FunctionTransformer(as_float), clip, model), model_path.replace('.joblib', '.pipeline.joblib'))"
        ),
    )
    return apply_suggestions(nb, suggest_tags(nb))


def xgboost_quickstart() -> nbformat.NotebookNode:
    """XGBoost's own walkthrough, with the tags ``suggest_tags`` proposes: the ``DMatrix`` data
    handles built under one heading and read under the next two, early stopping with an
    ``evals_result`` dict, the booster saved to a file and loaded back, an importance plot."""
    from nbops.productionize.suggest import apply_suggestions, suggest_tags

    nb = _nb(
        new_markdown_cell("# XGBoost quick start"),
        code(
            "import numpy as np\nimport xgboost as xgb\nfrom sklearn.datasets import make_classification\n"
            "from sklearn.model_selection import train_test_split"
        ),
        code(
            "params = {'max_depth': 3, 'eta': 0.3, 'objective': 'binary:logistic', 'eval_metric': 'logloss'}\nnum_round = 20"
        ),
        new_markdown_cell("## Data"),
        code(
            "X, y = make_classification(n_samples=500, random_state=0)\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
            "dtrain = xgb.DMatrix(X_train, label=y_train)\ndtest = xgb.DMatrix(X_test, label=y_test)"
        ),
        new_markdown_cell("## Train"),
        code(
            "evals_result = {}\nbst = xgb.train(params, dtrain, num_round, evals=[(dtrain, 'train'), (dtest, 'eval')],\n"
            "                evals_result=evals_result, early_stopping_rounds=5, verbose_eval=False)\nbst.best_iteration"
        ),
        code("bst.save_model('0001.json')"),
        new_markdown_cell("## Predict"),
        code(
            "bst2 = xgb.Booster(model_file='0001.json')\npreds = bst2.predict(dtest)\n"
            "accuracy = float(((preds > 0.5) == y_test).mean())"
        ),
        code("xgb.plot_importance(bst)"),
    )
    return apply_suggestions(nb, suggest_tags(nb))
