"""Odd data gives states, not exceptions; bad input gives errors that say what is valid."""

import numpy as np
import pytest

import nbops.drift as drift
from nbops.errors import InvalidValueError

RNG = np.random.default_rng(3)


def test_constant_column_unchanged_is_ok_and_changed_drifts():
    ref = {"c": np.full(1000, 3.5)}
    assert drift.compare(ref, {"c": np.full(500, 3.5)})["c"]["tier"] == "ok"
    moved = drift.compare(ref, {"c": np.full(500, 4.0)})["c"]
    assert moved["tier"] == "drift"
    assert moved["unseen_share"] == 1.0


def test_all_missing_current_is_a_state():
    ref = {"x": RNG.normal(size=1000)}
    row = drift.compare(ref, {"x": np.full(300, np.nan)})["x"]
    assert row["n_current"] == 0
    assert "missing" in row["note"]
    assert row["missing_rate_change"] == 1.0
    assert row["tier"] == "drift"  # the missing rate went from 0 to 1


def test_all_missing_reference_is_a_state():
    report = drift.compare({"x": np.full(100, np.nan)}, {"x": RNG.normal(size=100)})
    assert "no values" in report["x"]["note"]


def test_infinities_are_counted_not_fatal():
    ref = RNG.normal(size=2000)
    ref[:10] = np.inf
    cur = RNG.normal(size=1000)
    cur[:100] = -np.inf
    row = drift.compare({"x": ref}, {"x": cur})["x"]
    assert np.isfinite(row["wasserstein"])
    assert row["out_of_range_share"] >= 0.1


def test_only_unseen_categories():
    row = drift.compare({"k": np.array(["a", "b"] * 500)}, {"k": np.array(["z"] * 200)})["k"]
    assert row["unseen_share"] == 1.0
    assert row["tier"] == "drift"
    assert "never had" in row["note"]


def test_five_row_window_is_not_tested():
    ref = {"x": RNG.normal(size=2000), "k": RNG.choice(["a", "b"], 2000)}
    report = drift.compare(ref, {"x": RNG.normal(5, 1, size=5), "k": np.array(["a"] * 5)})
    for f in ("x", "k"):
        assert report[f]["tier"] == "ok"
        assert "min_n" in report[f]["note"]
    assert report["x"]["wasserstein"] > 3  # still measured, just not decided on


def test_empty_reference_is_refused():
    with pytest.raises(InvalidValueError, match="empty"):
        drift.fit_reference({"x": np.array([], dtype=float)})


def test_unknown_column_type_names_the_column_and_valid_types():
    with pytest.raises(InvalidValueError, match=r"'z'.*valid column types are"):
        drift.fit_reference({"x": np.arange(10.0), "z": np.arange(10) * 1j})
    with pytest.raises(InvalidValueError, match=r"'obj'"):
        drift.fit_reference({"obj": np.array([{"a": 1}, {"b": 2}, None], dtype=object)})
    # lists are embedding vectors only when every row has the same length of numbers
    with pytest.raises(InvalidValueError, match=r"'vec' holds lists that are not embedding vectors"):
        drift.fit_reference({"vec": np.array([[1.0, 2.0], [3.0], None], dtype=object)})


def test_mismatched_columns_name_the_missing_ones():
    ref = drift.fit_reference({"a": RNG.normal(size=100), "b": RNG.normal(size=100)})
    with pytest.raises(InvalidValueError, match=r"lacks column\(s\) \['b'\].*expected columns: \['a', 'b'\]"):
        ref.sketch({"a": RNG.normal(size=10)})


def test_column_changing_kind_is_refused():
    ref = drift.fit_reference({"a": RNG.normal(size=100)})
    with pytest.raises(InvalidValueError, match="'a' is numeric in the reference"):
        ref.sketch({"a": np.array(["x"] * 10)})


def test_unknown_policy_lists_valid_ones():
    with pytest.raises(InvalidValueError, match=r"\['default', 'evidently'\]"):
        drift.compare({"a": np.arange(100.0)}, {"a": np.arange(100.0)}, policy="strict")
