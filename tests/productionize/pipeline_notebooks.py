"""Fixture notebooks, built in code so each test reads what it converts."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _nb(*cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"c{index:02d}"
    return nb


def code(source: str, *tags: str, count: int | None = None):
    cell = new_code_cell(source.strip("\n") + "\n", metadata={"tags": list(tags)} if tags else {})
    cell.execution_count = count
    return cell


def training() -> nbformat.NotebookNode:
    """pandas/sklearn training: parameters, setup, library, four steps, metrics, a test cell."""
    return _nb(
        new_markdown_cell("# Churn model"),
        code(
            """
n_estimators = 20
test_size: float = 0.25
max_depth = 4
seed = 7
""",
            "parameters",
        ),
        code(
            """
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split

FEATURES = [f"f{i}" for i in range(6)]
""",
            "setup",
        ),
        code(
            '''
def add_ratio(frame):
    """Ratio of the first two features, guarded against division by zero."""
    out = frame.copy()
    out["ratio"] = out["f0"] / (out["f1"].abs() + 1.0)
    return out
''',
            "library",
        ),
        code(
            """
X, y = make_classification(n_samples=400, n_features=len(FEATURES), random_state=seed)
raw = pd.DataFrame(X, columns=FEATURES)
raw["target"] = y
""",
            "step:load",
        ),
        code(
            """
data = add_ratio(raw)
data.dropna(inplace=True)
""",
            "step:features",
        ),
        code(
            """
train_df, test_df = train_test_split(data, test_size=test_size, random_state=seed)
X_train, y_train = train_df.drop(columns="target"), train_df["target"]
X_test, y_test = test_df.drop(columns="target"), test_df["target"]
model = RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth, random_state=seed)
model.fit(X_train, y_train)
""",
            "step:train",
        ),
        code(
            """
proba = model.predict_proba(X_test)[:, 1]
auc = float(roc_auc_score(y_test, proba))
accuracy = float(accuracy_score(y_test, model.predict(X_test)))
""",
            "step:evaluate",
            "metrics",
        ),
        code("data.describe()"),
        code(
            """
assert 0.5 < auc <= 1.0
assert len(X_train) + len(X_test) == len(data)
""",
            "test",
        ),
    )


def magics() -> nbformat.NotebookNode:
    """Indented %pip inside an if, %%time defining a variable, display magics."""
    return _nb(
        code(
            """
%matplotlib inline
import importlib.util
import json
""",
            "setup",
        ),
        code(
            """
factor = 3
""",
            "parameters",
        ),
        code(
            """
if importlib.util.find_spec("yaml") is None:
    %pip install pyyaml
values = [i * factor for i in range(10)]
""",
            "step:compute",
        ),
        code("values.sort(reverse=True)", "step:order"),
        code(
            """
%%time
total = sum(values)
summary = json.dumps({"total": total})
""",
            "step:summarize",
            "metrics",
        ),
        code("assert total == 45 * factor", "test"),
    )


def kale() -> nbformat.NotebookNode:
    """Kale's tags: imports, functions, block:/prev:, pipeline-parameters, pipeline-metrics, skip."""
    return _nb(
        code("import statistics\nimport random", "imports"),
        code("n = 50\nscale = 2.0", "pipeline-parameters"),
        code(
            """
def noisy(values, rng):
    return [v + rng.random() for v in values]
""",
            "functions",
        ),
        code(
            """
rng = random.Random(0)
series = noisy([i * scale for i in range(n)], rng)
""",
            "block:generate",
        ),
        code("print(series[:3])", "skip"),
        code(
            """
mean = statistics.mean(series)
spread = statistics.pstdev(series)
""",
            "block:stats",
            "prev:generate",
        ),
        code("mean\nspread", "pipeline-metrics"),
    )


def out_of_order() -> nbformat.NotebookNode:
    """Cells whose execution counts show they ran out of order."""
    return _nb(
        code("offset = 10", "parameters", count=1),
        code("base = list(range(5))", "step:make", count=4),
        code("shifted = [b + offset for b in base]", "step:shift", count=2),
        code("assert shifted[0] == offset", "test", count=3),
    )


def notebook_globals(safe: bool = True) -> nbformat.NotebookNode:
    """Library functions reading notebook globals: a parameter, and step data."""
    uses = "weights = apply(values)" if safe else "weights = list(map(apply, values))"
    return _nb(
        code("power = 2", "parameters"),
        code(
            """
def apply(values):
    return [round(v ** power * bias, 6) for v in values]
""",
            "library",
        ),
        code("bias = 1.5\nvalues = [1, 2, 3]", "step:prepare"),
        code(uses, "step:weigh"),
        code("assert weights[0] == 1.5", "test"),
    )


def python2() -> nbformat.NotebookNode:
    return _nb(
        code("x = 1", "step:one"),
        code('print "x is", x', "step:two"),
    )


def wget() -> nbformat.NotebookNode:
    return _nb(
        code("!wget -q https://example.org/data.tgz && tar xzf data.tgz", "step:fetch"),  # a chain: no translation
        code("import csv\nrows = list(csv.reader(open('data.csv')))", "step:read"),
    )


def untagged_dependency() -> nbformat.NotebookNode:
    return _nb(
        code("import math", "setup"),
        code("radius = 2.0"),
        code("area = math.pi * radius ** 2", "step:area"),
    )


def unseeded() -> nbformat.NotebookNode:
    """A step whose output changes on every run."""
    return _nb(
        code("import random", "setup"),
        code("noise = [random.random() for _ in range(3)]\nsize = len(noise)", "step:sample"),
    )


def failing() -> nbformat.NotebookNode:
    return _nb(code("x = 1", "step:ok"), code("y = x / 0", "step:broken"))


def kernel_only_state() -> nbformat.NotebookNode:
    """A step whose value depends on running inside a kernel: the package cannot reproduce it."""
    return _nb(code("import sys", "setup"), code("in_kernel = 'ipykernel' in sys.modules", "step:probe"))
