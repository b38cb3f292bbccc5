"""How a step output is written to disk and read back, chosen by its type.

This module is copied verbatim into every generated package (as ``serialization.py``): every
runner that moves step outputs between processes (``--cache``, a Kubeflow Pipelines component,
an Airflow task) uses it, so they all agree on the files. It imports only the standard library
at the top; pandas, numpy and joblib are imported when a value needs them.

Formats, first match wins: parquet for DataFrames (and Series, as one-column frames), ``.npy``
for numeric arrays, joblib for fitted estimators, JSON for scalars and small containers of them,
pickle as the last resort (export reports each pickled output).
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

__all__ = ["FORMATS", "format_of", "problem", "save", "load"]

FORMATS = {"parquet": ".parquet", "npy": ".npy", "joblib": ".joblib", "json": ".json", "pickle": ".pkl"}
JSON_MAX_BYTES = 100_000
_SERIES_PREFIX = "nbops.series:"


def _json_ready(value) -> bool:
    """Scalars and lists/dicts of them that JSON gives back exactly (tuples, sets, int keys would not)."""
    if value is None or type(value) in (bool, int, float, str):  # numpy.float64 is a float, but would come back as one
        return True
    if type(value) is list:
        return all(_json_ready(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _json_ready(v) for k, v in value.items())
    return False


def format_of(value) -> str:
    """The format ``save`` writes ``value`` in."""
    module = type(value).__module__.split(".", 1)[0]
    name = type(value).__name__
    if module == "pandas" and name in {"DataFrame", "Series"} and _parquet_ready(value):
        return "parquet"
    if (
        module == "numpy"
        and (name == "ndarray" or hasattr(value, "dtype") and getattr(value, "shape", None) == ())
        and value.dtype.kind in "biufcmM"
    ):
        return "npy"  # arrays, and numpy scalars as 0-d arrays
    if hasattr(value, "get_params") and (hasattr(value, "predict") or hasattr(value, "transform")):
        return "joblib"
    if _json_ready(value) and len(json.dumps(value)) <= JSON_MAX_BYTES:
        return "json"
    return "pickle"


def _parquet_ready(value) -> bool:
    """Parquet gives back string-named columns of plain dtypes; mixed object columns go to pickle."""
    from pandas.api.types import infer_dtype

    frame = value.to_frame(name="0") if type(value).__name__ == "Series" else value
    if not (all(isinstance(c, str) for c in frame.columns) and frame.columns.is_unique):
        return False
    return all(
        infer_dtype(frame[c], skipna=True) in {"string", "empty"} for c in frame.columns if frame[c].dtype == object
    )


def problem(value) -> str | None:
    """Why ``value`` cannot be saved at all (a generator, an open file), else None."""
    try:
        pickle.dumps(value, protocol=4)
    except Exception as exc:
        return f"{type(value).__name__} cannot be pickled: {exc}"
    return None


def save(value, folder, name: str) -> Path:
    """Write ``value`` as ``folder/name.<ext>`` atomically (a crash never leaves a truncated file)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kind = format_of(value)
    target = folder / (name + FORMATS[kind])
    partial = folder / f".{target.name}.partial"
    _WRITERS[kind](value, partial)
    for other in FORMATS.values():  # a value whose type changed must not leave its old file behind
        stale = folder / (name + other)
        if stale != target and stale.exists():
            stale.unlink()
    os.replace(partial, target)
    return target


def load(folder, name: str):
    """Read back what ``save(value, folder, name)`` wrote."""
    folder = Path(folder)
    for kind, ext in FORMATS.items():
        path = folder / (name + ext)
        if path.exists():
            return _READERS[kind](path)
    raise FileNotFoundError(f"no saved value {name!r} in {folder}")


def _write_parquet(value, path):
    if type(value).__name__ == "Series":  # a one-column frame whose column says it was a Series, and its name
        value = value.to_frame(name=_SERIES_PREFIX + json.dumps(value.name))
    value.to_parquet(path, engine="pyarrow")


def _read_parquet(path):
    import pandas as pd

    frame = pd.read_parquet(path, engine="pyarrow")
    if len(frame.columns) == 1 and str(frame.columns[0]).startswith(_SERIES_PREFIX):
        return frame.iloc[:, 0].rename(json.loads(frame.columns[0][len(_SERIES_PREFIX) :]))
    return frame


def _write_npy(value, path):
    import numpy as np

    with open(path, "wb") as handle:
        np.save(handle, value, allow_pickle=False)


def _read_npy(path):
    import numpy as np

    array = np.load(path, allow_pickle=False)
    return array[()] if array.ndim == 0 else array  # a numpy scalar comes back as one


def _write_joblib(value, path):
    import joblib

    joblib.dump(value, path)


def _read_joblib(path):
    import joblib

    return joblib.load(path)


def _write_json(value, path):
    path.write_text(json.dumps(value))


def _read_json(path):
    return json.loads(path.read_text())


def _write_pickle(value, path):
    path.write_bytes(pickle.dumps(value, protocol=4))


def _read_pickle(path):
    with open(path, "rb") as handle:
        return pickle.load(handle)


_WRITERS = {
    "parquet": _write_parquet,
    "npy": _write_npy,
    "joblib": _write_joblib,
    "json": _write_json,
    "pickle": _write_pickle,
}
_READERS = {
    "parquet": _read_parquet,
    "npy": _read_npy,
    "joblib": _read_joblib,
    "json": _read_json,
    "pickle": _read_pickle,
}
