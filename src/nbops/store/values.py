"""How user values become SQLite values, with errors that name the bad value."""

from __future__ import annotations

import math
from typing import Any

from ..errors import InvalidMetricError, InvalidValueError

MAX_KEY_LENGTH = 250


def check_key(kind: str, key: Any) -> str:
    """A param, metric or tag key: a non-empty string without control characters."""
    if type(key) is str and key.isprintable() and len(key) <= MAX_KEY_LENGTH and not key.isspace() and key:
        return key  # the common case, checked by C string methods
    if not isinstance(key, str) or not key.strip():
        raise InvalidValueError(f"{kind} key {key!r} is not valid: use a non-empty string")
    if len(key) > MAX_KEY_LENGTH or any(ord(ch) < 32 for ch in key):
        raise InvalidValueError(
            f"{kind} key {key[:40]!r} is not valid: use at most {MAX_KEY_LENGTH} printable characters"
        )
    return key


def metric_value(key: str, value: Any) -> float:
    """A metric as float: ints, floats, numpy scalars and 0-d arrays; NaN and inf kept."""
    if type(value) is float:
        return value
    if isinstance(value, (str, bytes)) or value is None:
        raise InvalidMetricError(
            f"metric {key!r} got {type(value).__name__} {value!r}: metrics are real numbers "
            "(int, float, numpy scalar); log text as a param or tag"
        )
    try:
        number = float(value)
    except OverflowError:  # an int beyond a float, e.g. 10**400
        raise InvalidMetricError(
            f"metric {key!r} got an integer too large for a float: metrics are real numbers within ±1.8e308"
        ) from None
    except (TypeError, ValueError):
        raise InvalidMetricError(
            f"metric {key!r} got {type(value).__name__}: metrics are real numbers "
            "(int, float, numpy scalar, 0-d array)"
        ) from None
    return number


def param_text(value: Any) -> str:
    """Params are stored as text (JSON for containers) with a numeric shadow for filters."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple)):
        import json  # here, not at the top: `import nbops` stays cheap

        try:
            return json.dumps(_json_keys(value), default=str, sort_keys=True)
        except (ValueError, RecursionError) as exc:  # a container that holds itself, or nests too deep
            raise InvalidValueError(f"a param or tag value cannot be written as JSON ({exc}): "
                                    "log plain values, lists and dicts") from None
    try:
        return str(value)
    except ValueError:  # Python turns no int of over 4,300 digits into text
        raise InvalidValueError("a param or tag value is an integer of over 4,300 digits: log it as an "
                                "artifact instead") from None


def _json_keys(value: Any) -> Any:
    """``value`` with every dict key as the text JSON gives it, so keys of mixed types
    (``{1: ..., "a": ...}``) can be sorted."""
    if isinstance(value, dict):
        if all(type(k) is str for k in value):
            return {k: _json_keys(v) for k, v in value.items()}
        return {_key_text(k): _json_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_keys(v) for v in value]
    return value


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        import json

        return json.dumps(key)  # as json.dumps writes such a key: true, 1, 1.5, null
    return str(key)


def param_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        try:
            return float(value) if math.isfinite(value) else None
        except OverflowError:  # an int beyond a float (10**400): kept as text only, like inf
            return None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    try:
        number = float(value)  # numpy scalars
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def sql_float(value: float) -> float | None:
    """SQLite turns NaN into NULL; we do it explicitly and read NULL back as NaN."""
    return None if value != value else value


def read_float(value: float | str | None) -> float:
    """NULL is a NaN that SQLite could not keep; text is an infinity that JSON could not."""
    if value is None:
        return math.nan
    return float(value)
