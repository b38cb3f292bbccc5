"""Alert rules from JSON (the Lab's rule form), checked field by field before storing.

Each error names the bad field, the value received and what is valid, so the Lab can
show it next to the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbops.drift.actions import retrain_from_json
from nbops.drift.alerts import RULE_STATISTICS, AlertRule
from nbops.errors import InvalidValueError

FIELDS = ("statistic", "threshold", "consecutive", "cooldown", "features", "name", "webhook", "retrain")
MAX_WINDOWS = 1000
MAX_NAME = 200


def rule_from_json(body: Mapping[str, Any], base: Path | None = None) -> AlertRule:
    """An ``AlertRule`` from ``{"statistic", "threshold", "consecutive"?, "cooldown"?, "features"?, "name"?,
    "webhook"?, "retrain"?}``; a relative retrain package path resolves against ``base``."""
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidValueError(f"alert rule got unknown fields {unknown}: valid fields are {list(FIELDS)}")
    statistic = body.get("statistic")
    if statistic not in RULE_STATISTICS:
        raise InvalidValueError(f"statistic {_short(statistic)} is not valid: use one of {list(RULE_STATISTICS)}")
    threshold = body.get("threshold")
    # Every rule statistic is 0 or more, so a threshold of 0 or less would fire on every window.
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not math.isfinite(threshold)
        or threshold <= 0
    ):
        raise InvalidValueError(
            f"threshold {_short(threshold)} is not valid: use a finite number above 0 "
            "(for statistic 'tier': 1 = warn, 2 = drift)"
        )
    consecutive = _whole(body, "consecutive", 1, lowest=1)
    cooldown = _whole(body, "cooldown", 0, lowest=0)
    features = body.get("features")
    if features is not None and (
        not isinstance(features, list)
        or not features
        or not all(isinstance(f, str) and f and _encodable(f) for f in features)
    ):
        raise InvalidValueError(
            f"features {_short(features)} is not valid: use a non-empty list of feature names, or null for every feature"
        )
    name = body.get("name", "")
    if name is None:
        name = ""
    if not isinstance(name, str) or len(name) > MAX_NAME or not _encodable(name):
        raise InvalidValueError(f"name {_short(name)} is not valid: use text of at most {MAX_NAME} characters")
    webhook = body.get("webhook")
    if webhook is not None and (
        not isinstance(webhook, str) or not webhook.strip() or len(webhook) > MAX_NAME or not _encodable(webhook)
    ):
        raise InvalidValueError(
            f"webhook {_short(webhook)} is not valid: use the name of a webhook configured "
            "in the server (c.NbopsApp.webhooks), or null"
        )
    retrain = body.get("retrain")
    return AlertRule(
        statistic=statistic,
        threshold=float(threshold),
        consecutive=consecutive,
        cooldown=cooldown,
        features=tuple(features) if features is not None else None,
        name=name.strip(),
        webhook=webhook.strip() if webhook else None,
        retrain=retrain_from_json(retrain, base) if retrain is not None else None,
    )


def _whole(body: Mapping[str, Any], field: str, default: int, *, lowest: int) -> int:
    value = body.get(field, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= MAX_WINDOWS:
        raise InvalidValueError(
            f"{field} {_short(value)} is not valid: use a whole number of windows from {lowest} to {MAX_WINDOWS}"
        )
    return value


def _encodable(text: str) -> bool:
    """False for lone surrogates (valid JSON, but not storable as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
