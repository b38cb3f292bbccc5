"""The request path in process: every format parses to the same columns, whose frame the model
scores as it scores the training-typed DataFrame; what orjson refuses is still read as MLflow
reads it; refused values name their column and row; answers write NaN as null."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nbops.errors import InvalidValueError
from nbops.serving import payload
from serving.registry import FEATURES, table
from serving.test_protocol import payloads

ROWS = table(40, 8)[FEATURES]
SCHEMA = [("x1", "float64"), ("x2", "float64"), ("count", "int64"), ("plan", "str")]


@pytest.mark.parametrize("fmt", list(payloads(ROWS.head(1))))
def test_each_format_gives_a_frame_the_model_scores_as_the_original(models, fmt):
    body = json.dumps(payloads(ROWS)[fmt]).encode()
    request = payload.parse(body, SCHEMA)
    assert list(request.columns) == FEATURES and request.rows == len(ROWS)
    frame = payload.frame([request.columns], SCHEMA)
    assert list(frame.columns) == FEATURES
    assert frame["plan"].dtype == object  # Python strings, not pandas' Arrow strings
    assert models[1].predict(frame).tolist() == models[1].predict(ROWS).tolist()
    np.testing.assert_array_equal(models[1].predict_proba(frame), models[1].predict_proba(ROWS))


def test_requests_scored_together_are_one_frame_in_order(models):
    parts = [
        payload.parse(json.dumps(payloads(ROWS.iloc[i : i + 8])["instances (rows)"]).encode(), SCHEMA)
        for i in range(0, 40, 8)
    ]
    frame = payload.frame([p.columns for p in parts], SCHEMA)
    assert models[1].predict(frame).tolist() == models[1].predict(ROWS).tolist()


def test_nan_infinity_and_missing_numbers_are_read_as_mlflow_reads_them():
    body = b'{"inputs": [[NaN, -Infinity, null, "pro"], [1.5, 2, 3, null]]}'  # orjson refuses NaN
    request = payload.parse(body, SCHEMA)
    assert math.isnan(request.columns["x1"][0]) and request.columns["x2"][0] == -math.inf
    frame = payload.frame([request.columns], SCHEMA)
    assert frame["count"].dtype == np.float64 and math.isnan(frame["count"][0]) and frame["count"][1] == 3
    assert frame["x2"].tolist() == [-math.inf, 2.0]
    big = payload.parse(b'{"inputs": [[1, 2, 123456789012345678901234567890, "pro"]]}', SCHEMA)
    assert big.columns["count"] == [pytest.approx(1.2345678901234568e29)]  # past 64 bits: a number still


@pytest.mark.parametrize(
    "body, words",
    [
        (b'{"inputs": [[1, 2, 3, "pro"], [1, 2, 3, "pro"], [1, true, 3, "pro"]]}', ["'x2'", "true", "row 2"]),
        (b'{"inputs": [[1, 2, 3, "pro"], [1, 2, 3, 7]]}', ["'plan'", "7", "row 1", "a string"]),
        (b'{"inputs": [[1, 2, 3, "pro"], [1, 2, 3]]}', ["row 1", "3 values", "4 columns"]),
        (b'{"inputs": [[1, 2, 3, "pro"], {"x1": 1}]}', ["row 1", '{"x1": 1}']),
        (b'{"inputs": [[1, 2, 3, "pro"]', ["not valid JSON"]),
        (b"[" * 5000 + b"]" * 5000, ["not valid JSON"]),
    ],
)
def test_refused_values_name_their_column_and_row(body, words):
    with pytest.raises(InvalidValueError) as caught:
        payload.parse(body, SCHEMA)
    for word in words:
        assert word in caught.value.message, caught.value.message


def test_answers_write_nan_as_null_and_numpy_values():
    from nbops.serving.app import Answer

    answer = Answer({"predictions": [1.5, float("nan"), np.float64(2.0)], "counts": {1: 2}})
    assert json.loads(answer.body) == {"predictions": [1.5, None, 2.0], "counts": {"1": 2}}
    assert answer.headers["content-type"] == "application/json"
