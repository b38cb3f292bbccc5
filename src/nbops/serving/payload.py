"""MLflow's scoring request formats -> validated columns in the model's order.

    {"dataframe_split": {"columns": [...], "data": [[...], ...]}}   pandas' split orient
    {"dataframe_records": [{"col": value, ...}, ...]}
    {"instances": [{...}, ...] or [[...], ...]}                     rows (TF serving)
    {"inputs": {"col": [...], ...} or [[...], ...] or [{...}, ...]} columns or rows

plus an optional ``"params": {"method": "predict" | "predict_proba"}``. Rows given as bare
lists follow the model's column order. Every problem is an ``InvalidValueError`` naming the
bad key, column, row or value and what is valid: the server answers it with a 400.

A request stays plain Python lists, column by column: the server builds one DataFrame for all
the requests it scores together (``frame``), instead of one per request. The body is parsed
with orjson; checks run per column on the set of value types (``set(map(type, values))``, a
loop in C), so a Python loop over values runs only to name the bad row of a refused column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

import orjson

from nbops.errors import InvalidValueError

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
METHODS = ("predict", "predict_proba")
_NONE = type(None)
_ALLOWED = {  # per kind of training dtype: the JSON value types a column may hold (bool is not a number)
    "number": (frozenset((int, float, _NONE)), "a number"),
    "boolean": (frozenset((bool, _NONE)), "true or false"),
    "text": (frozenset((str, _NONE)), "a string"),
}
_NESTED = frozenset((list, dict))


@dataclass
class Request:
    columns: dict[str, list]  # validated values per column, in the model's order
    rows: int
    method: str


def parse(body: bytes, features: list[tuple[str, str]] | None) -> Request:
    document = json_object(body, f"send an object with one of {list(FORMATS)}")
    given = [k for k in FORMATS if k in document]
    unknown = [k for k in document if k not in FORMATS and k != "params"]
    if len(given) != 1 or unknown:
        raise InvalidValueError(
            f"the body has keys {sorted(document)}: use exactly one of {list(FORMATS)}, plus an optional 'params'"
        )
    method = _method(document.get("params"))
    columns = _columns(given[0], document[given[0]], [n for n, _ in features] if features else None)
    rows = len(next(iter(columns.values()))) if columns else 0
    if rows == 0:
        raise InvalidValueError(f"{given[0]} has no rows: send at least one")
    return Request(validate(columns, features), rows, method)


def json_object(body: bytes, hint: str = "send an object") -> dict:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        document = _lenient(body, hint)  # NaN, Infinity, deep nesting: orjson refuses them
    if not isinstance(document, dict):
        raise InvalidValueError(f"the body is a JSON {type(document).__name__}: {hint}")
    return document


def _lenient(body: bytes, hint: str) -> Any:
    """The standard library's reading, as MLflow's: it takes ``NaN`` and ``Infinity`` (Python's
    ``json.dumps`` writes them), or names what is wrong with the body."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidValueError(f"the body is not valid JSON ({exc}): {hint}") from None


def _method(params: Any) -> str:
    if params is None:
        return "predict"
    if not isinstance(params, dict):
        raise InvalidValueError(f'\'params\' is {params!r}: use an object such as {{"method": "predict_proba"}}')
    method = params.get("method", "predict")
    if method not in METHODS:
        raise InvalidValueError(f"params.method {method!r} is not valid: use one of {list(METHODS)}")
    return method


def _columns(key: str, value: Any, names: list[str] | None) -> dict[str, list]:
    if key == "dataframe_split":
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            raise InvalidValueError('dataframe_split must be {"columns": [...], "data": [[...], ...]}')
        columns = value.get("columns", names)
        if not isinstance(columns, list) or not all(isinstance(c, (str, int)) for c in columns):
            raise InvalidValueError(f"dataframe_split.columns is {_show(columns)}: give the list of column names")
        return _rows(key, value["data"], [str(c) for c in columns])
    if key == "inputs" and isinstance(value, dict):
        lengths = {k: len(v) if isinstance(v, list) else None for k, v in value.items()}
        if not value or any(n is None for n in lengths.values()) or len(set(lengths.values())) > 1:
            raise InvalidValueError(
                f"inputs as columns must map each column to a list of the same length; got lengths {lengths}"
            )
        return value
    if not isinstance(value, list):
        raise InvalidValueError(f"{key} must be a list of rows, got a JSON {type(value).__name__}")
    if not value:
        raise InvalidValueError(f"{key} has no rows: send at least one")
    if all(isinstance(r, dict) for r in value):
        return _records(value)
    if key == "dataframe_records":
        raise InvalidValueError('dataframe_records must be a list of objects, e.g. [{"age": 41, "plan": "pro"}]')
    if names is None:
        raise InvalidValueError(
            f"{key} rows need column names: this model's schema is unknown, so send "
            "dataframe_split with 'columns' or dataframe_records"
        )
    return _rows(key, value, names)


def _records(records: list[dict]) -> dict[str, list]:
    """Columns of a list of objects; a key some rows lack is a missing value in those rows."""
    keys = dict.fromkeys(k for r in records for k in r)
    return {k: [r.get(k) for r in records] for k in keys}


def _rows(key: str, rows: list, names: list[str]) -> dict[str, list]:
    if set(map(type, rows)) - {list}:
        i, row = next((i, r) for i, r in enumerate(rows) if type(r) is not list)
        raise InvalidValueError(f"{key} row {i} is {_show(row)}: give each row as a list of values")
    if set(map(len, rows)) - {len(names)}:
        i, row = next((i, r) for i, r in enumerate(rows) if len(r) != len(names))
        raise InvalidValueError(f"{key} row {i} has {len(row)} values but there are {len(names)} columns {names}")
    if len(set(names)) != len(names):
        raise InvalidValueError(f"the columns {names} repeat a name: name each column once")
    return {name: list(values) for name, values in zip(names, zip(*rows))} if rows else {n: [] for n in names}


def validate(columns: dict[str, list], features: list[tuple[str, str]] | None) -> dict[str, list]:
    """Exactly the model's columns, in its order, each value of the training dtype's kind."""
    if features is None:
        return columns
    names = [n for n, _ in features]
    missing = [n for n in names if n not in columns]
    extra = [c for c in columns if c not in names]
    if missing or extra:
        problems = ([f"missing column(s) {missing}"] if missing else []) + (
            [f"unknown column(s) {extra}"] if extra else []
        )
        raise InvalidValueError(f"{' and '.join(problems)}: the model expects the columns {names}")
    out = {}
    for name, dtype in features:
        values = columns[name]
        _check(values, name, dtype)
        out[name] = values
    return out


def _check(values: list, name: str, dtype: str) -> None:
    kind = _kind(dtype)
    types = set(map(type, values))
    if kind in _ALLOWED:
        allowed, expected = _ALLOWED[kind]
        if types <= allowed:
            return
        ok = lambda v: type(v) in allowed  # noqa: E731
    elif kind == "datetime":
        expected = "an ISO date or time"
        ok = lambda v: v is None or (type(v) is str and _is_time(v))  # noqa: E731
    else:  # dtype unknown: any plain value; the model decides
        if not types & _NESTED:
            return
        ok, expected = (lambda v: type(v) not in _NESTED), "a plain value"
    for i, value in enumerate(values):
        if not ok(value):
            raise InvalidValueError(
                f"column {name!r} needs {expected} ({dtype} in the training data), got "
                f"{_show(value)} ({type(value).__name__}) in row {i}"
            )


def _is_time(text: str) -> bool:
    from datetime import datetime

    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=256)
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


def frame(parts: list[dict[str, list]], features: list[tuple[str, str]] | None):
    """One DataFrame of the rows of several validated requests (same columns), in order."""
    import pandas as pd

    kinds = {n: _kind(t) for n, t in features or []}
    data = {}
    for name in parts[0]:
        values = parts[0][name] if len(parts) == 1 else list(chain.from_iterable(p[name] for p in parts))
        data[name] = _column(values, kinds.get(name))
    return pd.DataFrame(data, copy=False)


def _column(values: list, kind: str | None):
    import numpy as np
    import pandas as pd

    if kind == "number":  # one C loop; a missing number is NaN, whole numbers stay int64
        return np.array(values, dtype=np.float64) if None in values else np.array(values)
    if kind == "text":
        # Python strings, as scikit-learn's encoders hold them: pandas would build its Arrow
        # string dtype, which about doubles the cost of a one-row frame
        return pd.Series(values, dtype=object)
    if kind == "datetime":
        return pd.to_datetime(values, utc=True)
    return values


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
