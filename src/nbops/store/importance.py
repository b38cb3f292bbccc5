"""Which params matter for a metric across a few runs, as W&B's parameter importance panel:
a random forest's impurity importance (when scikit-learn is installed) and the Pearson
correlation of each param with the metric's last value.

Numeric params are used as numbers; any other param is one-hot encoded, one feature per
value (``optimizer=adam``), so a categorical param reads as "this choice helps or hurts".
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, TypedDict

from ..errors import InvalidValueError
from .database import Database
from .values import read_float

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MIN_RUNS = 3
TREES = 100


class Feature(TypedDict):
    """One column the forest sees: a numeric param, or one value of another param (0/1)."""

    key: str
    param: str
    value: str | None
    column: list[float]


class ParamRow(TypedDict):
    """A feature's importance for the metric, and its correlation with it."""

    key: str
    param: str
    value: str | None
    importance: float | None
    correlation: float | None


class Importance(TypedDict):
    """The answer of :meth:`ParamImportance.of` (see there)."""

    metric: str
    runs: int
    method: str | None
    notice: str | None
    params: list[ParamRow]


class ParamImportance:
    def __init__(self, db: Database):
        self.db = db

    def of(self, run_ids: list[str], metric: str | None) -> Importance:
        """``{"metric", "runs", "method", "notice", "params": [{key, param, value,
        importance, correlation}]}``, most important first. Too few runs, a metric no run
        logged (the notice names the logged ones) or no param that varies is a ``notice``
        with no rows, not an error: the panel says it where the table would be."""
        if not isinstance(metric, str) or not metric.strip():
            raise InvalidValueError("metric is empty: pass the metric to explain, e.g. metric=test_auc")
        targets, params = self._read(run_ids, metric)
        answer: Importance = {"metric": metric, "runs": len(targets), "method": None, "notice": None, "params": []}
        if not targets and not self._logged(run_ids, metric):
            logged = self._logged(run_ids)
            answer["notice"] = (
                f"No selected run logged {metric!r}: pick one of "
                f"{', '.join(logged) if logged else '(no metric logged)'}"
            )
            return answer
        if len(targets) < MIN_RUNS:
            answer["notice"] = (
                f"{len(targets)} of the selected runs have a finite {metric!r}: importance needs at least {MIN_RUNS}"
            )
            return answer
        run_order = list(targets)
        features = _features(params, run_order)
        if not features:
            answer["notice"] = "No param varies across these runs, so none can explain the metric"
            return answer
        y = [targets[r] for r in run_order]
        if len(set(y)) == 1:
            answer["notice"] = f"{metric!r} has the same value in every run, so no param explains it"
            return answer
        importances = _forest(features, y)
        answer["method"] = "random_forest" if importances is not None else "correlation"
        if importances is None:
            answer["notice"] = "Install scikit-learn for random-forest importance; correlations are shown"
        for index, feature in enumerate(features):
            answer["params"].append(
                {
                    "key": feature["key"],
                    "param": feature["param"],
                    "value": feature["value"],
                    "importance": None if importances is None else round(float(importances[index]), 6),
                    "correlation": _pearson(feature["column"], y),
                }
            )
        answer["params"].sort(key=lambda row: (-(row["importance"] or 0), -abs(row["correlation"] or 0), row["key"]))
        return answer

    def _logged(self, run_ids: list[str], metric: str | None = None) -> list[str]:
        """Metric keys the runs logged (the first 20), or whether they logged ``metric``."""
        marks = ",".join("?" * len(run_ids))
        only = " AND key = ?" if metric is not None else ""
        rows = self.db.connection().execute(
            f"SELECT DISTINCT key FROM latest_metrics WHERE run_id IN ({marks}){only} ORDER BY key LIMIT 20",
            [*run_ids, *([metric] if metric is not None else [])],
        )
        return [row[0] for row in rows]

    def _read(self, run_ids: list[str], metric: str) -> tuple[dict[str, float], dict[str, dict[str, str]]]:
        """The metric's finite last value per run that logged it, and those runs' params."""
        conn = self.db.connection()
        marks = ",".join("?" * len(run_ids))
        targets: dict[str, float] = {}
        for run_id, value in conn.execute(
            f"SELECT run_id, value FROM latest_metrics WHERE key = ? AND run_id IN ({marks})", [metric, *run_ids]
        ):
            number = read_float(value)
            if number is not None and math.isfinite(number):
                targets[run_id] = number
        params: dict[str, dict[str, str]] = {}  # param -> run -> value (text)
        found = ",".join("?" * len(targets))
        for run_id, key, value in conn.execute(
            f"SELECT run_id, key, value FROM params WHERE run_id IN ({found})", list(targets)
        ):
            params.setdefault(key, {})[run_id] = value
        return targets, params


def _number(text: str | None) -> float | None:
    if text is None:  # the run has no such param
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _features(params: dict[str, dict[str, str]], run_order: list[str]) -> list[Feature]:
    """One column per numeric param (a run without it gets the others' mean) and one 0/1
    column per value of any other param; columns that never change are left out."""
    features: list[Feature] = []
    for key in sorted(params):
        values = [params[key].get(r) for r in run_order]
        numbers = [_number(v) for v in values]
        present = [n for n, v in zip(numbers, values) if v is not None]
        finite = [n for n in present if n is not None]
        if present and len(finite) == len(present):
            mean = sum(finite) / len(finite)
            column = [mean if n is None else n for n in numbers]
            features.append({"key": key, "param": key, "value": None, "column": column})
            continue
        for value in sorted({v for v in values if v is not None}):
            column = [1.0 if v == value else 0.0 for v in values]
            features.append({"key": f"{key}={value}", "param": key, "value": value, "column": column})
    return [f for f in features if len(set(f["column"])) > 1]


def _forest(features: list[Feature], y: list[float]) -> NDArray[np.float64] | None:
    """Impurity importances summing to 1, or None without scikit-learn. Seeded: the same
    runs always rank the same way."""
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError:
        return None
    import numpy as np

    x = np.array([f["column"] for f in features], dtype=float).T
    forest = RandomForestRegressor(n_estimators=TREES, random_state=0, n_jobs=1)
    forest.fit(x, np.array(y, dtype=float))
    importances: NDArray[np.float64] = forest.feature_importances_
    return importances


def _pearson(column: list[float], y: list[float]) -> float | None:
    """None when the metric does not vary (a correlation is then undefined)."""
    n = len(y)
    mx, my = sum(column) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(column, y))
    sxx = sum((a - mx) ** 2 for a in column)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return None
    return round(max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy))), 6)
