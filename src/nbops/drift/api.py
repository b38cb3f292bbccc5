"""Entry points: fit a reference, compare two tables, check a window against a stored reference."""

from __future__ import annotations

from typing import Any

from nbops.drift.policy import Policy, get_policy
from nbops.drift.reference import Sketch, fit_reference
from nbops.drift.report import DriftReport
from nbops.drift.scoring import score


def compare(
    reference: Any,
    current: Any,
    *,
    policy: str | Policy = "default",
    bins: int = 100,
    top_k: int = 200,
    window: str | None = None,
) -> DriftReport:
    """Score drift of ``current`` against ``reference`` without storing anything.

    Either argument may be raw data (pandas/pyarrow/numpy/mapping) or a ``Sketch``:
    ``reference`` a fitted reference, ``current`` a window sketched on it.
    """
    ref = reference if isinstance(reference, Sketch) else fit_reference(reference, bins=bins, top_k=top_k)
    cur = current if isinstance(current, Sketch) else ref.sketch(current)
    ref._check_same(cur)
    return DriftReport(score(ref, cur, get_policy(policy)), ref, cur, window_label=window)


__all__ = ["compare", "fit_reference"]
