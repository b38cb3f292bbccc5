"""Tables arrive as pandas, pyarrow, numpy or mappings; every column gets the right sketch."""

import numpy as np
import pandas as pd
import pytest

import nbops.drift as drift

RNG = np.random.default_rng(9)
N = 1000


def _frame():
    return pd.DataFrame(
        {
            "f": RNG.normal(size=N),
            "i": RNG.integers(0, 1000, N),
            "small_int": RNG.integers(0, 4, N),
            "nullable": pd.array(np.where(RNG.uniform(size=N) < 0.1, None, RNG.integers(0, 500, N)), dtype="Int64"),
            "flag": RNG.uniform(size=N) < 0.3,
            "nflag": pd.array(np.where(RNG.uniform(size=N) < 0.1, None, RNG.uniform(size=N) < 0.5), dtype="boolean"),
            "cat": pd.Categorical(RNG.choice(["x", "y", "z"], N)),
            "text": RNG.choice(["red", "green", None], N),
            "when": pd.Series(pd.date_range("2024-03-01", periods=N, freq="h", tz="Europe/Paris")),
            "span": pd.to_timedelta(RNG.integers(0, 10_000, N), unit="s"),
        }
    )


def test_pandas_dtypes_get_the_right_sketch_kinds():
    ref = drift.fit_reference(_frame())
    assert ref.kinds == {
        "f": "continuous",
        "i": "continuous",
        "small_int": "discrete",
        "nullable": "continuous",
        "flag": "boolean",
        "nflag": "boolean",
        "cat": "categorical",
        "text": "categorical",
        "when.hour": "discrete",
        "when.weekday": "discrete",
        "span": "continuous",
    }
    assert ref.sources == {"when.hour": "when", "when.weekday": "when"}


def test_missing_values_are_counted_per_type():
    df = _frame()
    ref = drift.fit_reference(df)
    assert ref.columns["nullable"].missing == int(df["nullable"].isna().sum())
    assert ref.columns["nflag"].missing == int(df["nflag"].isna().sum())
    assert ref.columns["text"].missing == int(df["text"].isna().sum())


def test_datetime_parts_are_local_wall_clock():
    df = pd.DataFrame({"t": pd.Series(pd.to_datetime(["2024-06-03 09:30"] * 60)).dt.tz_localize("Europe/Paris")})
    sk = drift.fit_reference(df).columns
    assert sk["t.hour"].keys == (9.0,)
    assert sk["t.weekday"].keys == (0.0,)  # a Monday


def test_same_data_in_any_container_scores_the_same():
    cols = {"x": RNG.normal(size=500), "k": RNG.choice(["a", "b", "c"], 500)}
    cur = {"x": RNG.normal(0.5, 1, 500), "k": RNG.choice(["a", "b"], 500)}
    expected = drift.compare(cols, cur).features
    assert drift.compare(pd.DataFrame(cols), pd.DataFrame(cur)).features == expected
    rec = lambda d: np.rec.fromarrays([d["x"], d["k"]], names="x,k")  # noqa: E731
    assert drift.compare(rec(cols), rec(cur)).features == expected


def test_pyarrow_tables_are_accepted():
    pa = pytest.importorskip("pyarrow")
    cols = {"x": RNG.normal(size=500), "k": RNG.choice(["a", "b"], 500)}
    expected = drift.compare(cols, cols).features
    assert drift.compare(pa.table(cols), pa.table(cols)).features == expected


def test_text_columns_compare_across_pandas_string_dtypes():
    ref = pd.DataFrame({"k": pd.Series(["a", "b"] * 100, dtype=object)})
    cur = pd.DataFrame({"k": pd.Series(["a", "b"] * 100, dtype="string")})
    assert drift.compare(ref, cur)["k"]["jensen_shannon"] == 0.0


def test_importing_drift_does_not_import_pandas():
    import subprocess
    import sys

    code = "import sys, nbops.drift; print('pandas' in sys.modules, 'plotly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
