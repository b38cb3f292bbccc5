"""How user values become SQLite values, with errors that name the bad value."""

from __future__ import annotations

import math
from typing import Any

from ..errors import InvalidMetricError, InvalidValueError

MAX_KEY_LENGTH = 250
# SQLite stores whole numbers as signed 64-bit integers; a larger step cannot be written.
MIN_STEP, MAX_STEP = -(2**63), 2**63 - 1


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
    return check_text(f"{kind} key", key)


def check_text(kind: str, text: str) -> str:
    """``text`` if it can be stored: SQLite keeps UTF-8, which a lone surrogate (e.g. from
    a file name decoded with ``surrogateescape``) cannot be written in."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidValueError(
            f"{kind} {text[:40]!r} is not valid: character {exc.object[exc.start]!r} at position {exc.start} "
            "is a lone surrogate, which UTF-8 cannot hold; use valid Unicode text"
        ) from None
    return text


def check_step(key: str, step: Any) -> int:
    """A step as a whole number that fits SQLite's integers (numpy integers included)."""
    try:
        whole = int(step)
    except (TypeError, ValueError, OverflowError):
        whole = None
    if whole is None or isinstance(step, bool) or whole != step:
        raise InvalidValueError(f"metric {key!r} got step {step!r}: steps are whole numbers (0, 1, 2, …)")
    if not MIN_STEP <= whole <= MAX_STEP:
        raise InvalidValueError(
            f"metric {key!r} got step {whole}: steps are whole numbers from {MIN_STEP} to {MAX_STEP} "
            "(SQLite's 64-bit integers)"
        )
    return whole


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
    except (TypeError, ValueError):
        raise InvalidMetricError(
            f"metric {key!r} got {type(value).__name__}: metrics are real numbers (int, float, numpy scalar, 0-d array)"
        ) from None
    except OverflowError:  # an int beyond the largest float (10**400)
        raise InvalidValueError(
            f"metric {key!r} got {_short(value)}: metrics are 64-bit floats, at most about 1.8e308 in size"
        ) from None
    return number


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}…{text[-10:]} ({len(text)} digits)"


def param_text(value: Any, kind: str = "value") -> str:
    """Params and tags are stored as text (JSON for containers); params also keep a numeric
    shadow for filters."""
    if isinstance(value, str):
        return check_text(kind, value)
    if isinstance(value, (dict, list, tuple)):
        import json  # here, not at the top: `import nbops` stays cheap

        try:
            try:
                return json.dumps(value, default=str, sort_keys=True)
            except TypeError:  # keys of mixed types cannot be sorted: sort them as the text they become
                return json.dumps(_text_keys(value), default=str, sort_keys=True)
        except (ValueError, RecursionError) as exc:  # a container that holds itself, or nests too deep
            raise InvalidValueError(
                f"a param or tag value cannot be written as JSON ({exc}): log plain values, lists and dicts"
            ) from None
    try:
        text = str(value)
    except ValueError:  # Python turns no int of over 4,300 digits into text
        raise InvalidValueError(
            "a param or tag value is an integer of over 4,300 digits: log it as an artifact instead"
        ) from None
    return check_text(kind, text)


def _text_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_text_keys(v) for v in value]
    return value


def param_number(value: Any) -> float | None:
    """The number a param stands for, or None (text, containers, infinities and ints too
    large for a float, e.g. 10**400, which keep only their text)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (list, tuple, dict)):
        return None
    try:
        number = float(value)  # ints, floats, numeric text, numpy scalars
    except (TypeError, ValueError, OverflowError):
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
