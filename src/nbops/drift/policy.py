"""Which statistic decides for which column, and with what thresholds.

``default``: effect size AND Benjamini–Hochberg-adjusted p-value AND a minimum sample
size, in three tiers. ``evidently``: Evidently's default DataDriftPreset choices, so
users comparing numbers with Evidently get the same verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nbops.errors import InvalidValueError


@dataclass(frozen=True)
class Rule:
    effect: str  # statistic whose value is compared with the thresholds
    test: str | None  # statistic whose p-value gates the decision (None: effect only)
    warn: float
    drift: float
    use_effect: bool = True

    def describe(self) -> str:
        if not self.use_effect:
            return f"{self.test} p < alpha"
        gate = f" and {self.test} p_adj <= alpha" if self.test else ""
        return f"{self.effect} >= {self.drift}{gate}"


@dataclass(frozen=True)
class Policy:
    name: str = "default"
    numeric: Rule = Rule("wasserstein", "ks", warn=0.05, drift=0.1)
    categorical: Rule = Rule("jensen_shannon", "chi_square", warn=0.05, drift=0.1)
    missing: Rule | None = Rule("missing_rate_change", "missing_rate_change", warn=0.05, drift=0.1)
    alpha: float = 0.05
    min_n: int = 50
    adjust: bool = True  # Benjamini–Hochberg across the features of one window
    dataset_drift_share: float = 0.5
    extra: dict = field(default_factory=dict, compare=False)

    def rule_for(self, kind: str, reference_rows: int, n_unique: int) -> Rule:
        return self.numeric if kind == "continuous" else self.categorical

    def with_(self, **changes) -> Policy:
        from dataclasses import replace

        return replace(self, **changes)


class EvidentlyPolicy(Policy):
    """Evidently 0.4–0.7 defaults (``_get_default_stattest``), decided per column.

    Reference ≤ 1000 rows: numbers with > 5 distinct values -> KS p < 0.05; otherwise
    chi-square goodness of fit (> 2 values) or two-proportion z-test, p < 0.05.
    Larger references: numbers with > 5 distinct -> Wasserstein / reference std >= 0.1;
    otherwise Jensen–Shannon distance (natural log) >= 0.1. No multiple-testing
    adjustment, no minimum size, no missing-rate rule; dataset drift at share >= 0.5.
    """

    def rule_for(self, kind: str, reference_rows: int, n_unique: int) -> Rule:
        numeric = kind in ("continuous", "discrete")
        if reference_rows <= 1000:
            if numeric and n_unique > 5:
                return Rule("ks", "ks", warn=self.alpha, drift=self.alpha, use_effect=False)
            test = "chi_square_fit" if n_unique > 2 else "z_test"
            return Rule(test, test, warn=self.alpha, drift=self.alpha, use_effect=False)
        if numeric and n_unique > 5:
            return Rule("wasserstein", None, warn=0.1, drift=0.1)
        return Rule("jensen_shannon_e", None, warn=0.1, drift=0.1)


DEFAULT = Policy()
EVIDENTLY = EvidentlyPolicy(name="evidently", missing=None, min_n=0, adjust=False)
POLICIES = {"default": DEFAULT, "evidently": EVIDENTLY}


def get_policy(policy: str | Policy | None) -> Policy:
    if policy is None:
        return DEFAULT
    if isinstance(policy, Policy):
        return policy
    try:
        return POLICIES[policy]
    except (KeyError, TypeError):
        raise InvalidValueError(
            f"unknown drift policy {policy!r}: valid policies are {sorted(POLICIES)} or a nbops.drift.Policy"
        ) from None
