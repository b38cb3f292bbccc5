"""The comparison the generated tests rely on: tolerant where it must be, strict otherwise."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from nbops.productionize.fingerprint import assert_reproduces, compare, fingerprint, save_value, type_path


def test_type_paths_are_public():
    assert type_path(pd.DataFrame()) == "pandas.DataFrame"
    assert type_path(np.zeros(2)) == "numpy.ndarray"
    assert type_path(LogisticRegression()) == "sklearn.linear_model.LogisticRegression"
    assert type_path(3) == "int"


def test_floats_compare_approximately():
    assert compare(fingerprint(0.1 + 0.2), fingerprint(0.3)) is None
    assert "value" in compare(fingerprint(0.3), fingerprint(0.3001))


def test_frames_tolerate_rounding_but_not_changes(tmp_path):
    frame = pd.DataFrame({"a": np.linspace(0, 1, 50), "b": list("xy" * 25)})
    expected = fingerprint(frame)
    assert save_value(frame, tmp_path / "v.pkl")
    expected["value_file"] = "v.pkl"
    assert_reproduces(expected, frame + pd.DataFrame({"a": [1e-12] * 50, "b": [""] * 50}), tmp_path)
    changed = frame.copy()
    changed.loc[3, "a"] = 0.5
    with pytest.raises(AssertionError):
        assert_reproduces(expected, changed, tmp_path)
    with pytest.raises(AssertionError, match="dtypes"):
        assert_reproduces(expected, frame.astype({"a": "float32"}), tmp_path)


def test_arrays_compare_shape_and_content():
    array = np.arange(12.0).reshape(3, 4)
    assert compare(fingerprint(array), fingerprint(array.copy())) is None
    assert "shape" in compare(fingerprint(array), fingerprint(array.reshape(4, 3)))
    assert compare(fingerprint(array), fingerprint(array * 2)) is not None


def test_models_compare_by_predictions_on_a_probe_batch():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.integers(0, 2, 60)
    model = LogisticRegression().fit(X, y)
    same = LogisticRegression().fit(X, y)
    other = LogisticRegression().fit(X, 1 - y)
    probe = X[:5]
    assert compare(fingerprint(model, probe), fingerprint(same, probe)) is None
    assert "predictions" in compare(fingerprint(model, probe), fingerprint(other, probe))


def test_nondeterministic_values_check_type_and_shape_only():
    expected = fingerprint(np.zeros(3))
    expected["nondeterministic"] = True
    assert compare(expected, fingerprint(np.ones(3))) is None
    assert compare(expected, fingerprint(np.ones(4))) is not None


def _instance(module, weight):
    cls = type("Scaler", (), {"__module__": module})
    obj = cls()
    obj.weight = weight
    return obj


def test_objects_of_notebook_classes_match_the_package_class_by_state():
    recorded = fingerprint(_instance("__main__", 2.0))
    assert recorded["type"] == "__main__.Scaler"
    assert compare(recorded, fingerprint(_instance("churn_pipeline.lib", 2.0))) is None
    assert compare(recorded, fingerprint(_instance("churn_pipeline.lib", 3.0))) is not None
