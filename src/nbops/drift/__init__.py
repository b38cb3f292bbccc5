"""Data drift: sketch a reference once, score windows against it.

    ref = nbops.drift.fit_reference(train_df)          # per-column sketch, no raw rows
    report = nbops.drift.compare(ref, new_df)           # or compare(train_df, new_df)
    report.summary["drifted"], report.table, report.figure("age")

Statistics come from counts on the reference's grid (``statistics``); a feature drifts
when its effect size passes the threshold AND its Benjamini–Hochberg-adjusted p-value
is at most alpha AND it has at least ``min_n`` values (``decision``, ``policy``).
"""

from nbops.drift.alerts import AlertRule, alert_message, evaluate_rule, evaluate_rules
from nbops.drift.api import compare
from nbops.drift.decision import bh_adjust
from nbops.drift.multivariate import check_multivariate, multivariate_drift
from nbops.drift.overlay import overlay
from nbops.drift.performance import estimate_performance
from nbops.drift.policy import DEFAULT, EVIDENTLY, EvidentlyPolicy, Policy, Rule, get_policy
from nbops.drift.reference import Reference, Sketch, fit_reference
from nbops.drift.report import DriftReport
from nbops.drift.serialization import sketch_from_bytes, sketch_from_dict, sketch_to_bytes, sketch_to_dict
from nbops.drift.text import text_drift

__all__ = [
    "AlertRule",
    "alert_message",
    "DEFAULT",
    "DriftReport",
    "EVIDENTLY",
    "EvidentlyPolicy",
    "Policy",
    "Reference",
    "Rule",
    "Sketch",
    "bh_adjust",
    "check_drift",
    "check_multivariate",
    "check_performance",
    "compare",
    "estimate_performance",
    "evaluate_rule",
    "evaluate_rules",
    "fit_reference",
    "get_policy",
    "log_labels",
    "multivariate_drift",
    "overlay",
    "sketch_from_bytes",
    "sketch_from_dict",
    "sketch_to_bytes",
    "sketch_to_dict",
    "text_drift",
]


def check_performance(name, model, reference_X, reference_y, current_X, *, window, store=None, **kwargs):
    """Estimate performance without labels for a window and store it (see ``estimates``)."""
    from nbops.drift.estimates import check_performance as _check

    return _check(name, model, reference_X, reference_y, current_X, window=window, store=store, **kwargs)


def log_labels(name, window, y_true, y_pred, y_score=None, *, store=None):
    """Store the realized performance of a window once its labels arrive (see ``estimates``)."""
    from nbops.drift.estimates import log_labels as _log

    return _log(name, window, y_true, y_pred, y_score, store=store)


def check_drift(reference_or_model_name, current, window=None, store=None, **kwargs):
    """Score ``current`` against a stored reference and store the results (see ``persistence``)."""
    from nbops.drift.persistence import check_drift as _check

    return _check(reference_or_model_name, current, window=window, store=store, **kwargs)
