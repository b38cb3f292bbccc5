"""Alert rules: thresholds, consecutive windows, cooldown, feature filters."""

import pytest

from nbops.drift import AlertRule, evaluate_rule
from nbops.drift.alerts import alert_message, evaluate_rules
from nbops.errors import InvalidValueError


def _run(rule, series):
    """Feed windows one by one, remembering what fired; returns fired sets per window."""
    history, fired = [], []
    for values in series:
        hits = evaluate_rule(rule, history, values, fired)
        history.append(values)
        fired.append(set(hits))
    return [sorted(f) for f in fired]


def test_fires_on_every_window_over_threshold_by_default():
    rule = AlertRule("psi", 0.2)
    assert _run(rule, [{"a": 0.1}, {"a": 0.3}, {"a": 0.25}, {"a": 0.1}]) == [[], ["a"], ["a"], []]


def test_needs_consecutive_windows():
    rule = AlertRule("psi", 0.2, consecutive=3)
    series = [{"a": 0.3}, {"a": 0.3}, {"a": 0.1}, {"a": 0.3}, {"a": 0.3}, {"a": 0.3}]
    assert _run(rule, series) == [[], [], [], [], [], ["a"]]


def test_cooldown_silences_a_feature_after_it_fired():
    rule = AlertRule("psi", 0.2, cooldown=2)
    series = [{"a": 0.3, "b": 0.0}] * 3 + [{"a": 0.3, "b": 0.5}] * 2
    assert _run(rule, series) == [["a"], [], [], ["a", "b"], []]


def test_features_filter_and_missing_values():
    rule = AlertRule("wasserstein", 0.1, features=("a",))
    assert evaluate_rule(rule, [], {"a": 0.2, "b": 0.9}) == ["a"]
    assert evaluate_rule(AlertRule("wasserstein", 0.1, consecutive=2), [{}], {"a": 0.5}) == []


def test_rules_on_report_rows_use_tiers_and_statistics():
    rows = [
        {"feature": "a", "tier": "drift", "effect": 0.4, "statistic": "wasserstein", "psi": 0.3},
        {"feature": "b", "tier": "warn", "effect": 0.07, "statistic": "wasserstein", "psi": 0.05},
    ]
    out = evaluate_rules(
        [AlertRule(name="drift"), AlertRule("tier", 1.0, name="warn"), AlertRule("psi", 0.25)], [], rows
    )
    assert out == {"drift": ["a"], "warn": ["a", "b"], "psi>=0.25": ["a"]}
    assert alert_message(rows, ["a"], "churn v3") == "1 feature drifted in churn v3: a W=0.40"


def test_bad_rules_say_what_is_valid():
    with pytest.raises(InvalidValueError, match="valid statistics"):
        AlertRule("kurtosis", 1.0)
    with pytest.raises(InvalidValueError, match="consecutive >= 1"):
        AlertRule("psi", 0.2, consecutive=0)
