"""Turning what users pass (pandas, pyarrow, numpy, mappings) into typed columns.

Nothing here imports pandas or pyarrow: objects are recognised by their type's module
name and converted through their own methods, so both stay optional.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nbops.errors import InvalidValueError

NUMERIC = "numeric"
CATEGORICAL = "categorical"
BOOLEAN = "boolean"
DISCRETE = "discrete"  # numbers treated as categories (datetime parts)
EMBEDDING = "embedding"  # one vector of numbers per row

VALID_TYPES = "numbers, booleans, strings/categories/text, datetimes or embedding vectors"
DATETIME_PARTS = ("hour", "weekday")


@dataclass(frozen=True)
class ColumnData:
    """One column ready for sketching.

    Numbers, booleans and datetime parts arrive as float64 with NaN for missing;
    categories arrive already counted (``counts`` maps the text of a value to its count).
    """

    name: str
    kind: str
    rows: int
    values: np.ndarray | None = None
    counts: dict[str, int] | None = None
    missing: int = 0
    source: str = ""  # the original column a derived part came from


def columns_of(data: Any) -> dict[str, ColumnData]:
    """Typed columns of ``data``, in the data's column order."""
    named = _named_arrays(data)
    if not named:
        raise InvalidValueError(f"the data has no columns: pass a table with at least one column of {VALID_TYPES}")
    out: dict[str, ColumnData] = {}
    for name, values in named:
        for column in _adapt(str(name), values):
            out[column.name] = column
    return out


def _named_arrays(data: Any) -> list[tuple[str, Any]]:
    module = type(data).__module__.split(".")[0]
    if module == "pandas" and hasattr(data, "columns") and hasattr(data, "dtypes"):
        return [(str(c), data.iloc[:, i]) for i, c in enumerate(data.columns)]
    if module == "pyarrow" and hasattr(data, "column_names"):
        return [(n, data.column(n)) for n in data.column_names]
    if isinstance(data, Mapping):
        return list(data.items())
    if isinstance(data, np.ndarray):
        if data.dtype.names:
            return [(n, data[n]) for n in data.dtype.names]
        if data.ndim == 2:
            return [(str(i), data[:, i]) for i in range(data.shape[1])]
        if data.ndim == 1:
            return [("0", data)]
    raise InvalidValueError(
        f"cannot read drift data of type {type(data).__name__}: pass a pandas DataFrame, "
        "a pyarrow Table, a mapping of column name to values, or a 2-D/structured numpy array"
    )


def _adapt(name: str, values: Any) -> list[ColumnData]:
    module = type(values).__module__.split(".")[0]
    if module == "pandas":
        return _from_pandas(name, values)
    if module == "pyarrow":
        values = _from_arrow(values)
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.dtype.kind in "biuf":  # one vector per row: an embedding column
        return [_vectors(name, arr.astype(np.float64), missing=0)]
    if arr.ndim != 1:
        raise InvalidValueError(
            f"column {name!r} has shape {arr.shape}: each column must be one-dimensional, "
            "or one vector of numbers per row (an embedding column)"
        )
    return _from_numpy(name, arr)


def _from_arrow(values: Any) -> Any:
    try:
        return values.to_pandas()
    except ImportError:  # pandas absent: numpy is always there for pyarrow
        return values.to_numpy(zero_copy_only=False)


def _from_numpy(name: str, arr: np.ndarray) -> list[ColumnData]:
    kind = arr.dtype.kind
    rows = int(arr.shape[0])
    if kind == "b":
        return [_floats(name, BOOLEAN, arr.astype(np.float64))]
    if kind in "iuf":
        return [_floats(name, NUMERIC, arr.astype(np.float64, copy=False))]
    if kind == "m":
        seconds = arr.astype("timedelta64[ns]").astype(np.int64).astype(np.float64) / 1e9
        seconds[np.isnat(arr)] = np.nan
        return [_floats(name, NUMERIC, seconds)]
    if kind == "M":
        return _datetime_parts(name, arr.astype("datetime64[ns]"))
    if kind in "US":
        counts = Counter(arr.tolist())
        return [ColumnData(name, CATEGORICAL, rows, counts=_text_keys(counts), missing=0)]
    if kind == "O":
        if _is_vector(_first_value(arr.tolist())):
            return [_embedding(name, arr)]
        return [_from_objects(name, arr)]
    raise _bad_type(name, str(arr.dtype))


def _from_objects(name: str, arr: np.ndarray) -> ColumnData:
    try:
        counts = Counter(arr.tolist())
    except TypeError:
        raise _bad_type(name, "unhashable objects (lists, dicts…)") from None
    missing = 0
    kept: dict[str, int] = {}
    kinds = set()
    for value, count in counts.items():
        if value is None or (isinstance(value, float) and value != value) or _is_na(value):
            missing += count
            continue
        kinds.add(type(value))
        key = _text(value)
        kept[key] = kept.get(key, 0) + count
    if kinds and kinds <= {bool, np.bool_}:
        values = np.full(arr.shape[0], np.nan)
        values[np.array([v is True or v is np.True_ for v in arr.tolist()])] = 1.0
        values[np.array([v is False or v is np.False_ for v in arr.tolist()])] = 0.0
        return _floats(name, BOOLEAN, values)
    for t in kinds:
        if t in (complex, bytes, bytearray) or isinstance(t, type) and issubclass(t, (list, dict, set)):
            raise _bad_type(name, t.__name__)
    return ColumnData(name, CATEGORICAL, int(arr.shape[0]), counts=kept, missing=missing)


def _from_pandas(name: str, s: Any) -> list[ColumnData]:
    dtype = s.dtype
    dname = str(dtype)
    kind = getattr(dtype, "kind", "") or "O"
    if dname == "category":
        codes = s.cat.codes.to_numpy()
        valid = codes >= 0
        per_code = np.bincount(codes[valid], minlength=len(dtype.categories))
        counts: dict[str, int] = {}
        for cat, c in zip(dtype.categories.tolist(), per_code.tolist()):
            if c:
                counts[_text(cat)] = counts.get(_text(cat), 0) + int(c)
        return [ColumnData(name, CATEGORICAL, len(s), counts=counts, missing=int((~valid).sum()))]
    if dname in ("boolean", "bool[pyarrow]"):
        return [_floats(name, BOOLEAN, s.to_numpy(dtype=np.float64, na_value=np.nan))]
    if kind == "M" or dname.startswith("datetime64") or dname.startswith("timestamp"):
        if getattr(dtype, "tz", None) is not None:
            s = s.dt.tz_localize(None)  # drift in local wall-clock hours, as users read them
        return _datetime_parts(name, s.to_numpy(dtype="datetime64[ns]"))
    if kind in "iufb" and dname not in ("object",):
        if kind == "b":
            return [_floats(name, BOOLEAN, s.to_numpy(dtype=np.float64, na_value=np.nan))]
        return [_floats(name, NUMERIC, s.to_numpy(dtype=np.float64, na_value=np.nan))]
    if kind == "m":
        return _from_numpy(name, s.to_numpy())
    if kind in "OUS" or "str" in dname:
        if dname == "object":
            sample = s.dropna().head(1000).tolist()
            if sample and _is_vector(sample[0]):
                return [_embedding(name, s.to_numpy(dtype=object))]
            if sample and all(isinstance(v, (bool, np.bool_)) for v in sample):
                return [_from_objects(name, s.to_numpy(dtype=object))]
            for v in sample:
                if isinstance(v, (list, dict, set, complex, bytes)):
                    raise _bad_type(name, type(v).__name__)
        try:
            # dropna=False is several times faster than dropna=True; NaN keys are split off
            vc = s.value_counts(dropna=False, sort=False)
        except TypeError:
            raise _bad_type(name, "unhashable objects (lists, dicts…)") from None
        counts = {}
        missing = 0
        for key, c in zip(vc.index.tolist(), vc.to_numpy().tolist()):
            if key is None or (isinstance(key, float) and key != key) or _is_na(key):
                missing += int(c)
                continue
            t = _text(key)
            counts[t] = counts.get(t, 0) + int(c)
        return [ColumnData(name, CATEGORICAL, len(s), counts=counts, missing=missing)]
    raise _bad_type(name, dname)


def _first_value(values: list) -> Any:
    return next((v for v in values if v is not None and not (isinstance(v, float) and v != v)), None)


def _is_vector(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim == 1)


def _embedding(name: str, arr: np.ndarray) -> ColumnData:
    """A column of vectors: the present rows as a 2-D float array (missing rows left out)."""
    present = [v for v in arr.tolist() if _is_vector(v)]
    try:
        vectors = np.asarray([np.asarray(v, dtype=np.float64) for v in present])
    except (TypeError, ValueError):  # ragged, or not numbers
        raise _not_vectors(name) from None
    return _vectors(name, vectors if present else np.zeros((0, 0)), missing=int(arr.shape[0]) - len(present))


def _vectors(name: str, vectors: np.ndarray, missing: int) -> ColumnData:
    if vectors.ndim != 2 or not np.isfinite(vectors).all():
        raise _not_vectors(name)
    return ColumnData(name, EMBEDDING, len(vectors) + missing, values=vectors, missing=missing)


def _not_vectors(name: str) -> InvalidValueError:
    return InvalidValueError(
        f"column {name!r} holds lists that are not embedding vectors: every row must be a vector "
        "of finite numbers of the same length (or missing)"
    )


def _datetime_parts(name: str, arr: np.ndarray) -> list[ColumnData]:
    # Timestamps themselves always move forward, so drift is judged on the parts that
    # recur: hour of day and day of week.
    nat = np.isnat(arr)
    ns = arr.astype(np.int64)
    hours = np.floor_divide(ns, 3_600_000_000_000)
    hour = np.mod(hours, 24).astype(np.float64)
    weekday = np.mod(np.floor_divide(hours, 24) + 3, 7).astype(np.float64)  # 1970-01-01: Thursday
    hour[nat] = np.nan
    weekday[nat] = np.nan
    return [
        ColumnData(f"{name}.hour", DISCRETE, len(arr), values=hour, missing=int(nat.sum()), source=name),
        ColumnData(f"{name}.weekday", DISCRETE, len(arr), values=weekday, missing=int(nat.sum()), source=name),
    ]


def _floats(name: str, kind: str, values: np.ndarray) -> ColumnData:
    return ColumnData(name, kind, int(values.shape[0]), values=values, missing=int(np.isnan(values).sum()))


def _text_keys(counts: Counter) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, c in counts.items():
        t = _text(key)
        out[t] = out.get(t, 0) + int(c)
    return out


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _is_na(value: Any) -> bool:
    # pandas.NA and NaT without importing pandas
    return type(value).__name__ in ("NAType", "NaTType")


def _bad_type(name: str, what: str) -> InvalidValueError:
    return InvalidValueError(
        f"column {name!r} holds {what}, which drift cannot compare: valid column types are "
        f"{VALID_TYPES}; drop or convert the column"
    )
