"""MLflow's scoring request formats -> one validated DataFrame in the model's column order.

    {"dataframe_split": {"columns": [...], "data": [[...], ...]}}   pandas' split orient
    {"dataframe_records": [{"col": value, ...}, ...]}
    {"instances": [{...}, ...] or [[...], ...]}                     rows (TF serving)
    {"inputs": {"col": [...], ...} or [[...], ...] or [{...}, ...]} columns or rows

plus an optional ``"params": {"method": "predict" | "predict_proba"}``. Rows given as bare
lists follow the model's column order. Every problem is an ``InvalidValueError`` naming the
bad key, column, row or value and what is valid: the server answers it with a 400.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from nbops.errors import InvalidValueError

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
METHODS = ("predict", "predict_proba")


@dataclass
class Request:
    frame: Any  # pandas.DataFrame, columns in the model's order
    method: str


def parse(body: bytes, features: list[tuple[str, str]] | None) -> Request:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidValueError(f"the body is not valid JSON ({exc}): send an object with one of "
                                f"{list(FORMATS)}") from None
    if not isinstance(document, dict):
        raise InvalidValueError(f"the body is a JSON {type(document).__name__}: send an object with one of "
                                f"{list(FORMATS)}, e.g. {{\"dataframe_records\": [{{...}}]}}")
    given = [k for k in FORMATS if k in document]
    unknown = [k for k in document if k not in FORMATS and k != "params"]
    if len(given) != 1 or unknown:
        raise InvalidValueError(f"the body has keys {sorted(document)}: use exactly one of {list(FORMATS)}, "
                                "plus an optional 'params'")
    method = _method(document.get("params"))
    try:
        frame = _frame(given[0], document[given[0]], [n for n, _ in features] if features else None)
    except (ValueError, TypeError) as exc:  # a shape pandas cannot read, beyond the checks above
        if isinstance(exc, InvalidValueError):
            raise
        raise InvalidValueError(f"{given[0]} could not be read as a table: {exc}") from None
    if len(frame) == 0:
        raise InvalidValueError(f"{given[0]} has no rows: send at least one")
    return Request(validate(frame, features), method)


def _method(params: Any) -> str:
    if params is None:
        return "predict"
    if not isinstance(params, dict):
        raise InvalidValueError(f"'params' is {params!r}: use an object such as {{\"method\": \"predict_proba\"}}")
    method = params.get("method", "predict")
    if method not in METHODS:
        raise InvalidValueError(f"params.method {method!r} is not valid: use one of {list(METHODS)}")
    return method


def _frame(key: str, value: Any, names: list[str] | None):
    import pandas as pd

    if key == "dataframe_split":
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            raise InvalidValueError("dataframe_split must be {\"columns\": [...], \"data\": [[...], ...]}")
        columns = value.get("columns", names)
        if not isinstance(columns, list):
            raise InvalidValueError(f"dataframe_split.columns is {columns!r}: give the list of column names")
        return _rows(key, value["data"], [str(c) for c in columns], pd)
    if key == "inputs" and isinstance(value, dict):
        lengths = {k: len(v) if isinstance(v, list) else None for k, v in value.items()}
        if any(n is None for n in lengths.values()) or len(set(lengths.values())) > 1:
            raise InvalidValueError(f"inputs as columns must map each column to a list of the same length; "
                                    f"got lengths {lengths}")
        return pd.DataFrame(value)
    if not isinstance(value, list):
        raise InvalidValueError(f"{key} must be a list of rows, got a JSON {type(value).__name__}")
    if not value:
        raise InvalidValueError(f"{key} has no rows: send at least one")
    if all(isinstance(r, dict) for r in value):
        return pd.DataFrame.from_records(value)
    if key == "dataframe_records":
        raise InvalidValueError("dataframe_records must be a list of objects, e.g. [{\"age\": 41, \"plan\": \"pro\"}]")
    return _rows(key, value, names, pd)


def _rows(key: str, rows: list, names: list[str] | None, pd):
    """Rows as lists of values, named by ``names`` (the model's order when the request gives none)."""
    for i, row in enumerate(rows):
        if not isinstance(row, list):
            raise InvalidValueError(f"{key} row {i} is {_show(row)}: give each row as a list of values")
        if names is not None and len(row) != len(names):
            raise InvalidValueError(f"{key} row {i} has {len(row)} values but there are {len(names)} columns "
                                    f"{names}")
    if names is None:
        raise InvalidValueError(f"{key} rows need column names: this model's schema is unknown, so send "
                                "dataframe_split with 'columns' or dataframe_records")
    return pd.DataFrame(rows, columns=names)


def validate(frame, features: list[tuple[str, str]] | None):
    """The frame with exactly the model's columns, in its order, each of the training dtype's kind."""
    if features is None:
        return frame
    names = [n for n, _ in features]
    frame.columns = [str(c) for c in frame.columns]
    missing = [n for n in names if n not in frame.columns]
    extra = [c for c in frame.columns if c not in names]
    if missing or extra:
        problems = ([f"missing column(s) {missing}"] if missing else []) + (
            [f"unknown column(s) {extra}"] if extra else [])
        raise InvalidValueError(f"{' and '.join(problems)}: the model expects the columns {names}")
    if list(frame.columns) != names:
        frame = frame[names]
    for name, dtype in features:
        column = frame[name]
        checked = _column(column, name, dtype)
        if checked is not column:  # a cast: missing values among numbers, parsed datetimes
            frame = frame.assign(**{name: checked})
    return frame


def _column(series, name: str, dtype: str):
    kind = _kind(dtype)
    values = series.dtype.kind
    if kind == "number":
        if values in "iuf":
            return series
        bad = _first(series, lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)))
        if bad is None:  # None mixed with numbers: missing values
            return series.astype("float64")
        raise _bad(name, dtype, "a number", *bad)
    if kind == "boolean":
        if values == "b":
            return series
        bad = _first(series, lambda v: v is None or isinstance(v, bool))
        if bad is None:
            return series
        raise _bad(name, dtype, "true or false", *bad)
    if kind == "text":
        bad = _first(series, lambda v: v is None or isinstance(v, str) or (isinstance(v, float) and math.isnan(v)))
        if bad is None:
            return series
        raise _bad(name, dtype, "a string", *bad)
    if kind == "datetime":
        import pandas as pd

        parsed = pd.to_datetime(series, errors="coerce", utc=True)
        bad = next(((i, v) for i, (v, p) in enumerate(zip(series, parsed)) if v is not None and p is pd.NaT), None)
        if bad is not None:
            raise _bad(name, dtype, "an ISO date or time", *bad)
        return parsed
    return series  # dtype unknown: the model decides


def _kind(dtype: str) -> str:
    d = dtype.lower()
    if d.startswith(("int", "uint", "float")):
        return "number"
    if d in ("bool", "boolean"):
        return "boolean"
    if d.startswith("datetime"):
        return "datetime"
    if d in ("object", "string", "category", "str") or d.startswith("string"):
        return "text"
    return "any"


def _first(series, ok) -> tuple[int, Any] | None:
    for i, value in enumerate(series.tolist()):
        if not ok(value):
            return i, value
    return None


def _bad(name: str, dtype: str, expected: str, row: int, value: Any) -> InvalidValueError:
    return InvalidValueError(f"column {name!r} needs {expected} ({dtype} in the training data), got "
                             f"{_show(value)} ({type(value).__name__}) in row {row}")


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def json_object(body: bytes) -> dict:
    """A request body that must be one JSON object (e.g. POST /feedback)."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidValueError(f"the body is not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise InvalidValueError(f"the body is a JSON {type(document).__name__}: send an object")
    return document
