"""The promotion gate: does a challenger beat the champion by enough, without any slice
getting worse by too much?"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..errors import InvalidValueError

# Metrics where smaller is better; every other metric is better when larger.
LOWER_IS_BETTER = {"rmse", "mae", "log_loss"}


@dataclass(frozen=True)
class GatePolicy:
    metric: str
    min_improvement: float = 0.0  # in the metric's own units, in the "better" direction
    max_slice_drop: float | None = None  # the most any slice may get worse; None: slices not checked

    def __post_init__(self):
        for field, value in (("min_improvement", self.min_improvement), ("max_slice_drop", self.max_slice_drop)):
            if value is not None and (not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0):
                raise InvalidValueError(f"{field} {value!r} is not valid: use a number >= 0")

    def gain(self, champion: float, challenger: float) -> float:
        """How much better the challenger is (negative: worse)."""
        return champion - challenger if self.metric in LOWER_IS_BETTER else challenger - champion


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    reason: str
    improvement: float
    worst_slice: str | None = None
    worst_slice_drop: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def decide(policy: GatePolicy, champion: dict, challenger: dict) -> GateDecision:
    """``champion``/``challenger``: ``{"label", "metrics": {m: v}, "slices": {value: {m: v}}}``."""
    metric = policy.metric
    old, new = champion["metrics"][metric], challenger["metrics"][metric]
    gain = policy.gain(old, new)
    where = f"{metric} {new:.4g} ({_named(challenger)}) vs {old:.4g} ({_named(champion)})"
    worst, worst_drop = _worst_slice(policy, champion.get("slices") or {}, challenger.get("slices") or {})
    if not gain > 0 or gain < policy.min_improvement:
        need = (
            f"needs an improvement of at least {policy.min_improvement:g}"
            if policy.min_improvement
            else "needs to be better"
        )
        return GateDecision(False, f"gate failed: {where}: improvement {gain:+.4g}, {need}", gain, worst, worst_drop)
    if policy.max_slice_drop is not None and worst is not None and worst_drop > policy.max_slice_drop:
        return GateDecision(
            False,
            f"gate failed: slice {worst} gets worse by {worst_drop:.4g} in {metric}, more than the allowed "
            f"{policy.max_slice_drop:g}",
            gain,
            worst,
            worst_drop,
        )
    return GateDecision(True, f"gate passed: {where}: improvement {gain:+.4g}", gain, worst, worst_drop)


def _named(item: dict) -> str:
    """``candidate`` for an alias, ``v3`` for a version number."""
    label = str(item["label"])
    return f"v{label}" if label.isdigit() else label


def _worst_slice(policy: GatePolicy, champion: dict, challenger: dict) -> tuple[str | None, float | None]:
    drops = {
        key: -policy.gain(champion[key][policy.metric], challenger[key][policy.metric])
        for key in champion.keys() & challenger.keys()
        if policy.metric in champion[key] and policy.metric in challenger[key]
    }
    if not drops:
        return None, None
    worst = max(drops, key=drops.get)
    return worst, drops[worst]
