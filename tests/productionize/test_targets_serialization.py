"""The one step contract: each step output is saved in a format chosen by its type and comes back equal."""

from __future__ import annotations

import io

import nbformat
import numpy as np
import pandas as pd
import pipeline_notebooks as nbs
import pytest
from sklearn.linear_model import LogisticRegression

from nbops.productionize import productionize
from nbops.productionize.serialization import format_of, load, problem, save


def _frame():
    frame = pd.DataFrame({"a": [1.5, 2.5, np.nan], "b": ["x", "y", None], "c": [1, 2, 3]}, index=[7, 3, 9])
    frame["when"] = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])
    return frame


CASES = [
    ("frame", _frame(), "parquet"),
    ("series", pd.Series([0, 1, 1], index=[4, 5, 6], name="target"), "parquet"),
    ("unnamed_series", pd.Series([0.5, 1.5]), "parquet"),
    ("array", np.arange(12, dtype="float32").reshape(3, 4), "npy"),
    ("numpy_scalar", np.float64(0.25), "npy"),
    ("number", 0.875, "json"),
    ("mapping", {"rows": 3, "names": ["a", "b"], "ok": True, "none": None}, "json"),
    ("tuple", (1, 2), "pickle"),  # JSON would give back a list
    ("int_keys", {1: "a"}, "pickle"),
    ("mixed_column", pd.DataFrame({"m": [1, "a"]}), "pickle"),
    ("object_array", np.array([{"a": 1}], dtype=object), "pickle"),
]


@pytest.mark.parametrize("name,value,fmt", CASES, ids=[c[0] for c in CASES])
def test_each_type_round_trips_in_its_format(tmp_path, name, value, fmt):
    assert format_of(value) == fmt
    path = save(value, tmp_path, name)
    assert path.name.startswith(name + ".") and not list(tmp_path.glob(".*partial"))
    back = load(tmp_path, name)
    assert type(back) is type(value)
    if isinstance(value, pd.DataFrame):
        pd.testing.assert_frame_equal(back, value)
    elif isinstance(value, pd.Series):
        pd.testing.assert_series_equal(back, value)
    elif isinstance(value, np.ndarray) and value.dtype != object:
        np.testing.assert_array_equal(back, value)
        assert back.dtype == value.dtype
    elif not isinstance(value, np.ndarray):
        assert back == value


def test_a_fitted_estimator_is_saved_with_joblib_and_predicts_the_same(tmp_path):
    X = np.random.default_rng(0).normal(size=(40, 3))
    model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    assert format_of(model) == "joblib"
    assert save(model, tmp_path, "model").suffix == ".joblib"
    np.testing.assert_array_equal(load(tmp_path, "model").predict_proba(X), model.predict_proba(X))


def test_a_value_whose_type_changes_replaces_its_old_file(tmp_path):
    save([1, 2], tmp_path, "v")
    save(np.arange(3), tmp_path, "v")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.npy"]


def test_unsaveable_values_are_named_and_a_missing_one_is_a_clear_error(tmp_path):
    assert "generator" in problem(x for x in range(3))
    assert "TextIOWrapper" in problem(open(__file__))  # noqa: SIM115 (closed by the garbage collector)
    assert problem(io.BytesIO(b"x")) is None  # picklable: saved as a pickle
    with pytest.raises(FileNotFoundError, match="no saved value 'nothing'"):
        load(tmp_path, "nothing")


def test_export_reports_outputs_that_only_pickle_can_carry(tmp_path):
    nb = nbs._nb(
        nbs.code("n = 3", "parameters"),
        nbs.code("pairs = tuple(range(n))\nsizes = {1: 'one'}\ntotal = float(sum(pairs))", "step:make"),
        nbs.code("doubled = [2 * p for p in pairs] + list(sizes)", "step:use"),
    )
    nbformat.write(nb, tmp_path / "nb.ipynb")
    result = productionize(tmp_path / "nb.ipynb", tmp_path / "out", run_tests=False)
    assert result.ok
    notes = sorted(d.message for d in result.diagnostics if d.code == "NB410")
    assert len(notes) == 2 and "'make' output 'pairs' (tuple)" in notes[0] and "'make' output 'sizes'" in notes[1]
