"""Fingerprints of values and the comparison the generated tests rely on.

This module is copied verbatim into every generated package (as ``_fingerprint.py``) and
executed inside the golden-run kernel, so it imports only the standard library at the top;
numpy, pandas and scikit-learn are used only when a value already comes from them.

A fingerprint is JSON: type, shape, dtypes, a content hash, summary statistics, the value
itself when it is small and JSON-friendly, and for fitted models predictions on a probe batch.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import re
import sys
import types
from pathlib import Path

__all__ = ["fingerprint", "type_path", "compare", "difference", "assert_reproduces", "save_value", "load_value"]

SMALL_VALUE_BYTES = 1_000_000
RTOL = 1e-7
ATOL = 1e-12


def type_path(value) -> str:
    """Shortest public dotted path of ``type(value)``: ``pandas.DataFrame``, not ``pandas.core.frame…``."""
    cls = type(value)
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    parts = module.split(".")
    for end in range(1, len(parts) + 1):
        candidate = ".".join(parts[:end])
        owner = sys.modules.get(candidate)
        if owner is not None and getattr(owner, cls.__qualname__, None) is cls:
            return f"{candidate}.{cls.__qualname__}"
    return f"{module}.{cls.__qualname__}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


_CALLABLES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_OBJECT = re.compile(r"<(?:[\w.]+\.)?(\w+) object>")


def _stable_repr(value) -> str:
    """``repr`` without memory addresses or module paths: a function or class is its qualified
    name, so ``tokenizer=<function tokenizer at 0x7f..>`` reads the same in the notebook and the package."""
    if isinstance(value, _CALLABLES):
        return f"<{type(value).__name__} {getattr(value, '__qualname__', repr(value))}>"
    return _OBJECT.sub(r"<\1 object>", _ADDRESS.sub("", repr(value)))


class _StablePickler(pickle.Pickler):
    """Pickles functions and classes as their qualified names: the same function is
    ``__main__.tokenizer`` in the notebook and ``pkg.lib.tokenizer`` in the package."""

    def reducer_override(self, obj):
        if isinstance(obj, _CALLABLES):
            return str, (f"<{getattr(obj, '__qualname__', None) or repr(obj)}>",)
        if type(obj) in (set, frozenset):  # iteration order follows string hashing, which differs per process
            return type(obj), (sorted(obj, key=repr),)
        return NotImplemented


def _stable_hash(value) -> str:
    import io

    buffer = io.BytesIO()
    _StablePickler(buffer, protocol=4).dump(value)
    return _sha(buffer.getvalue())


def _picklable(value) -> bool:
    try:
        pickle.dumps(value, protocol=4)
        return True
    except Exception:
        return False


def _kind(value) -> str:
    name = type_path(value)
    if isinstance(value, bool) or value is None:
        return "scalar"
    if isinstance(value, (int, float, complex, str, bytes)):
        return "scalar"
    if name.startswith("numpy.") and hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        return "scalar"
    if name == "numpy.ndarray":
        return "array"
    if name in {"pandas.DataFrame", "pandas.Series", "pandas.Index"}:
        return "frame"
    if hasattr(value, "get_params") and (hasattr(value, "predict") or hasattr(value, "transform")):
        return "model"
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return "container"
    return "object"


def _json_safe(value):
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        return None
    return value if len(text) <= 10_000 else None


def fingerprint(value, probe=None) -> dict:
    """Describe ``value``; ``probe`` is an input batch for models (predictions are recorded)."""
    try:
        return _fingerprint(value, probe)
    except Exception as exc:  # a value we cannot describe still has a type
        return {"type": type_path(value), "kind": "object", "hash": None, "error": repr(exc)[:200]}


def _fingerprint(value, probe) -> dict:
    kind = _kind(value)
    fp: dict = {"type": type_path(value), "kind": kind}
    if kind == "scalar":
        item = value.item() if hasattr(value, "item") else value
        fp["value"] = _json_safe(item) if not isinstance(item, (bytes, complex)) else None
        fp["hash"] = _sha(repr(item).encode())
    elif kind == "array":
        fp.update(_array_fp(value))
    elif kind == "frame":
        fp.update(_frame_fp(value))
    elif kind == "model":
        fp.update(_model_fp(value, probe))
    else:
        fp["value"] = _json_safe(value) if kind == "container" else None
        fp["length"] = len(value) if hasattr(value, "__len__") else None
        try:
            # an object's state, not the object: its class lives in __main__ in the notebook
            # and in the package's lib module afterwards, and pickles name the module
            state = vars(value) if kind == "object" and hasattr(value, "__dict__") else value
            fp["hash"] = _stable_hash(state)
        except Exception:  # unpicklable: type and repr only
            fp["hash"] = None
            fp["repr"] = _stable_repr(value)[:200]
    if kind in {"object", "container", "model"}:
        fp["picklable"] = _picklable(value)
    return fp


def _stats(array) -> dict:
    import numpy as np

    if array.size == 0 or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        return {}
    data = array.astype(float)
    finite = data[np.isfinite(data)]
    return {
        "mean": float(finite.mean()) if finite.size else None,
        "std": float(finite.std()) if finite.size else None,
        "min": float(finite.min()) if finite.size else None,
        "max": float(finite.max()) if finite.size else None,
        "nan": int(np.isnan(data).sum()),
    }


def _array_fp(array) -> dict:
    import numpy as np

    contiguous = np.ascontiguousarray(array)
    data = contiguous.tobytes() if array.dtype != object else pickle.dumps(array.tolist())
    return {
        "shape": list(array.shape),
        "dtype": str(array.dtype),
        "hash": _sha(data + str(array.dtype).encode() + str(array.shape).encode()),
        "stats": _stats(array),
    }


def _frame_fp(frame) -> dict:
    import pandas as pd

    if isinstance(frame, pd.Index):
        frame = frame.to_series()
    hashed = pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    if isinstance(frame, pd.DataFrame):
        dtypes = {str(c): str(t) for c, t in frame.dtypes.items()}
        columns = [str(c) for c in frame.columns]
        numeric = frame.select_dtypes("number")
        stats = {str(c): _stats(numeric[c].to_numpy()) for c in numeric.columns}
    else:
        dtypes, columns = {str(frame.name): str(frame.dtype)}, [str(frame.name)]
        stats = {str(frame.name): _stats(frame.to_numpy())} if frame.dtype.kind in "biuf" else {}
    return {
        "shape": list(frame.shape),
        "dtypes": dtypes,
        "columns": columns,
        "hash": _sha(hashed + json.dumps(dtypes).encode()),
        "stats": stats,
    }


def _model_fp(model, probe) -> dict:
    params = {k: _stable_repr(v) for k, v in model.get_params(deep=False).items()}
    fp = {"params": params, "predictions": None}
    try:
        fp["hash"] = _stable_hash(model)
    except Exception:
        fp["hash"] = None
    if probe is not None:
        method = getattr(model, "predict", None) or model.transform
        try:
            out = method(probe)
            fp["predictions"] = [float(x) if not isinstance(x, str) else x for x in _flat(out)]
        except Exception as exc:
            fp["predictions_error"] = repr(exc)[:200]
    return fp


def _flat(out):
    import numpy as np

    return np.asarray(out).ravel().tolist()


def probe_batch(model, candidates: dict):
    """A few rows of a 2-D value shaped like the model's training input, or None."""
    width = getattr(model, "n_features_in_", None)
    names = list(getattr(model, "feature_names_in_", []))
    if width is None:
        return None
    for value in candidates.values():
        shape = getattr(value, "shape", None)
        if not isinstance(shape, tuple) or len(shape) != 2 or shape[1] != width or shape[0] == 0:
            continue
        columns = [str(c) for c in getattr(value, "columns", [])]
        if names and columns != [str(n) for n in names]:
            continue
        return value[:5] if not hasattr(value, "iloc") else value.iloc[:5]
    return None


def save_value(value, path: Path) -> bool:
    """Pickle ``value`` to ``path`` if it is small enough to ship with the tests."""
    try:
        data = pickle.dumps(value, protocol=4)
    except Exception:
        return False
    if len(data) > SMALL_VALUE_BYTES:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def load_value(path: Path):
    with open(path, "rb") as handle:
        return pickle.load(handle)


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)


def _close_nested(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close_nested(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close_nested(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return _close(float(a), float(b))
    return a == b


def _same_type(recorded: str, actual: str) -> bool:
    """Classes the notebook defined (``__main__.Foo``) match the package's ``pkg.lib.Foo``."""
    if recorded.startswith("__main__."):
        return actual.rsplit(".", 1)[-1] == recorded.rsplit(".", 1)[-1]
    return recorded == actual


def compare(expected: dict, actual: dict) -> str | None:
    """None when ``actual`` reproduces ``expected``, else what differs (one line)."""
    if _same_type(expected["type"], actual["type"]) is False:
        return f"type {actual['type']} != recorded {expected['type']}"
    for key in ("shape", "dtype", "dtypes", "columns", "length"):
        if key in expected and expected.get(key) != actual.get(key):
            return f"{key} {actual.get(key)} != recorded {expected.get(key)}"
    if expected.get("timing"):
        return (
            None
            if _masked(expected.get("value")) == _masked(actual.get("value"))
            else (f"value {actual.get('value')!r} != recorded {expected.get('value')!r} (numbers masked)")
        )
    if expected.get("nondeterministic"):
        return None
    kind = expected["kind"]
    if kind == "model":
        if expected.get("params") != actual.get("params"):
            return f"model parameters {actual.get('params')} != recorded {expected.get('params')}"
        if expected.get("predictions") is not None:
            if not _close_nested(expected["predictions"], actual.get("predictions")):
                return "predictions on the probe batch differ from the recorded ones"
            return None
    if expected.get("hash") is not None and expected.get("hash") == actual.get("hash"):
        return None
    if kind in {"scalar", "container"} and expected.get("value") is not None:
        if _close_nested(expected["value"], actual.get("value")):
            return None
        return f"value {actual.get('value')!r} != recorded {expected['value']!r}"
    if kind in {"array", "frame"} and expected.get("stats"):
        if _close_nested(expected["stats"], actual.get("stats")):
            return None  # equal up to float rounding
        return f"summary statistics {actual.get('stats')} != recorded {expected['stats']}"
    if expected.get("hash") is None:
        return None  # nothing recorded beyond the type
    return f"content hash {actual.get('hash')} != recorded {expected['hash']}"


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_TIMING = re.compile(r"it/s|s/it|\d%\||Wall time|CPU times|elapsed|\d\s*(?:ns|us|µs|ms|s|sec|seconds|min)\b|\d:\d\d")


def _masked(value):
    """Text with every number replaced by ``#`` (lists of text element by element)."""
    if isinstance(value, str):
        return _NUMBER.sub("#", value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "#"
    return value


def _timing_text(value) -> bool:
    if isinstance(value, str):
        return bool(_TIMING.search(value))
    return isinstance(value, list) and any(_timing_text(v) for v in value)


def difference(first: dict, second: dict, clock: bool = False) -> str | None:
    """How two clean runs' fingerprints of one output differ: None (equal up to float
    tolerance), ``"timing"`` (only numbers inside timing or progress text, or in a value
    computed from a clock when ``clock``), or ``"random"``."""
    a, b = first.get("value"), second.get("value")
    if compare(first, second) is None:
        # the two runs are concurrent: a clock read can agree by chance, and a third run will not
        return "timing" if clock and a is not None else None
    if (clock or _timing_text(a)) and a is not None and _masked(a) == _masked(b):
        return "timing"
    return "random"


def assert_reproduces(expected: dict, value, golden_dir: Path | None = None) -> None:
    """Assert ``value`` matches the recording; frames/arrays/floats compare with tolerances."""
    probe = None
    if expected.get("probe_file") and golden_dir is not None:
        probe = load_value(Path(golden_dir) / expected["probe_file"])
    problem = compare(expected, fingerprint(value, probe))
    if (
        problem is None
        and expected.get("value_file")
        and golden_dir is not None
        and not expected.get("nondeterministic")
        and not expected.get("timing")
        and expected["kind"] in {"frame", "array", "scalar"}
    ):
        problem = _compare_values(load_value(Path(golden_dir) / expected["value_file"]), value)
    assert problem is None, problem


def _compare_values(recorded, value) -> str | None:
    kind = _kind(recorded)
    try:
        if kind == "frame":
            import pandas as pd
            from pandas import testing

            check = {pd.DataFrame: testing.assert_frame_equal, pd.Series: testing.assert_series_equal}
            check.get(type(recorded), testing.assert_index_equal)(value, recorded, check_exact=False, rtol=RTOL)
        elif kind == "array":
            import numpy as np

            if recorded.dtype.kind in "biufc":
                np.testing.assert_allclose(value, recorded, rtol=RTOL, atol=ATOL)
            else:
                np.testing.assert_array_equal(value, recorded)
        elif kind == "scalar" and isinstance(recorded, float):
            assert _close(float(value), recorded), f"{value!r} != {recorded!r}"
    except AssertionError as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else "values differ"
    return None
