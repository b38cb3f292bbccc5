"""Alert rules evaluated as pure functions over a history of windows.

A rule fires for a feature when the feature's statistic is at or above the threshold
in each of the last ``consecutive`` windows (the new one included) and the rule has not
fired for that feature in the ``cooldown`` windows before the new one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nbops.drift.decision import TIER_RANK
from nbops.errors import InvalidValueError

if TYPE_CHECKING:
    from nbops.drift.actions import RetrainAction

RULE_STATISTICS = (
    "tier",
    "effect",
    "ks",
    "wasserstein",
    "psi",
    "jensen_shannon",
    "chi_square",
    "missing_rate_change",
    "out_of_range_share",
    "unseen_share",
    # on estimated performance (nbops.drift.estimates): reference minus estimate,
    # or the error's relative rise
    "accuracy_drop",
    "f1_drop",
    "roc_auc_drop",
    "mae_increase",
    "rmse_increase",
)


@dataclass(frozen=True)
class AlertRule:
    statistic: str = "tier"  # "tier" compares ok=0 / warn=1 / drift=2
    threshold: float = 2.0
    consecutive: int = 1
    cooldown: int = 0  # windows after firing during which the feature stays silent
    features: tuple[str, ...] | None = None  # None: every feature
    name: str = ""
    webhook: str | None = None  # a webhook name from the server's configuration
    retrain: RetrainAction | None = None  # run the productionized pipeline on the drifted window

    def __post_init__(self):
        if self.statistic not in RULE_STATISTICS:
            raise InvalidValueError(
                f"alert statistic {self.statistic!r} is unknown: valid statistics are {list(RULE_STATISTICS)}"
            )
        if self.consecutive < 1 or self.cooldown < 0:
            raise InvalidValueError(
                f"alert rule needs consecutive >= 1 and cooldown >= 0, got consecutive="
                f"{self.consecutive}, cooldown={self.cooldown}"
            )

    @property
    def label(self) -> str:
        return self.name or f"{self.statistic}>={self.threshold:g}"


def rule_values(features: Sequence[Mapping[str, Any]], statistic: str) -> dict[str, float]:
    """feature -> value of ``statistic`` from a report's feature rows (``report.features``)."""
    out = {}
    for row in features:
        if statistic == "tier":
            out[row["feature"]] = float(TIER_RANK[row["tier"]])
        elif row.get(statistic) is not None:
            v = row[statistic]
            out[row["feature"]] = abs(v) if statistic == "missing_rate_change" else float(v)
    return out


def evaluate_rule(
    rule: AlertRule,
    history: Sequence[Mapping[str, float]],
    current: Mapping[str, float],
    fired: Sequence[set[str] | frozenset[str]] = (),
) -> list[str]:
    """Features for which ``rule`` fires on the new window ``current``.

    ``history``: earlier windows' values (feature -> value), oldest first.
    ``fired``: the features this rule fired for in those windows, aligned with the end of
    ``history`` (may be shorter: missing entries mean nothing fired).
    """
    windows = list(history) + [current]
    recent = windows[-rule.consecutive :]
    if len(recent) < rule.consecutive:
        return []
    quiet = list(fired)[-rule.cooldown :] if rule.cooldown else []
    silenced = set().union(*quiet) if quiet else set()
    out = []
    for feature, _value in current.items():
        if rule.features is not None and feature not in rule.features:
            continue
        if feature in silenced:
            continue
        if all(w.get(feature) is not None and w[feature] >= rule.threshold for w in recent):
            out.append(feature)
    return sorted(out)


def evaluate_rules(
    rules: Sequence[AlertRule],
    history: Sequence[Mapping[str, Any]],
    current: Sequence[Mapping[str, Any]],
    fired: Mapping[str, Sequence[set[str]]] | None = None,
) -> dict[str, list[str]]:
    """rule label -> firing features, from report feature rows (history: one list per window)."""
    fired = fired or {}
    out = {}
    for rule in rules:
        past = [rule_values(rows, rule.statistic) for rows in history]
        now = rule_values(current, rule.statistic)
        hits = evaluate_rule(rule, past, now, fired.get(rule.label, ()))
        if hits:
            out[rule.label] = hits
    return out


def alert_message(
    features: Sequence[Mapping[str, Any]], firing: Sequence[str], subject: str, window: str | None = None
) -> str:
    """'4 features drifted in churn v3, window 2024-W19: num_04 W=1.00, …' (largest effect first)."""
    short = {"wasserstein": "W", "jensen_shannon": "JS", "psi": "PSI", "ks": "D"}
    rows = [r for r in features if r["feature"] in set(firing)]
    rows.sort(key=lambda r: -(r["effect"] or 0.0))
    parts = [f"{r['feature']} {short.get(r['statistic'], r['statistic'])}={(r['effect'] or 0.0):.2f}" for r in rows[:5]]
    more = ", …" if len(rows) > 5 else ""
    noun = "feature" if len(rows) == 1 else "features"
    where = f"{subject}, window {window}" if window else subject
    return f"{len(rows)} {noun} drifted in {where}: " + ", ".join(parts) + more
