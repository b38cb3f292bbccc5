"""scikit-learn autologging, with MLflow's keys.

``fit`` logs ``get_params(deep=True)`` (nested keys joined by ``__``) and the training metrics
MLflow logs (``training_accuracy_score`` … for classifiers, ``training_mean_squared_error`` …
for regressors, ``training_score`` for both). A parameter search logs its own params, the best
candidate as ``best_<param>`` params and the ``best_cv_score`` metric, and its best candidates
as child runs with the ``cv_results_`` aggregates (``mean_test_score``, ``rank_test_score`` …).
"""

from __future__ import annotations

import inspect
import math
import sys
import weakref
from typing import Any

from . import autolog
from .autolog import Function, Logging

TRAINING = "training_"
_SEARCHES = ("GridSearchCV", "RandomizedSearchCV")


def patch_module(module: Any) -> None:
    """Patch ``fit`` on the estimators this sklearn module defines."""
    estimator = getattr(sys.modules.get("sklearn.base"), "BaseEstimator", None)
    if estimator is None:  # no estimator can exist before sklearn.base defines it
        return
    for value in list(vars(module).values()):
        if (
            isinstance(value, type)
            and value.__module__ == module.__name__
            and issubclass(value, estimator)
            and callable(value.__dict__.get("fit"))
        ):
            autolog.patch(value, "fit", _wrap_fit)


class _Fit(Logging):
    """One ``fit``: its run, and the signature that says which arguments are X and y."""

    signature: inspect.Signature


def _wrap_fit(original: Function) -> Function:
    signature = inspect.signature(original)  # once per class, not per fit

    def before(estimator: Any, *args: Any, **kwargs: Any) -> _Fit:
        state = _Fit(
            type(estimator).__name__,
            (estimator, *args),
            kwargs,
            tags=_estimator_tags(estimator),
            params=estimator_params(estimator, deep=not _is_search(estimator)),
        )
        state.signature = signature
        return state

    return autolog.logged_call(original, before, _after_fit)


def estimator_params(estimator: Any, deep: bool = True) -> dict[str, Any]:
    """``estimator.get_params(deep)``, with the constructor's parameter names read once per class
    where the class keeps scikit-learn's own ``get_params`` (which reads the signature every call)."""
    names = _param_names(type(estimator))
    if names is None:  # a get_params of its own (a Pipeline's steps, a meta-estimator's)
        return dict(estimator.get_params(deep=deep))
    out: dict[str, Any] = {}
    for key in names:
        value = getattr(estimator, key)
        if deep and hasattr(value, "get_params") and not isinstance(value, type):
            out.update((f"{key}__{k}", v) for k, v in estimator_params(value).items())
        out[key] = value
    return out


_PARAM_NAMES: weakref.WeakKeyDictionary[type, tuple[str, ...] | None] = weakref.WeakKeyDictionary()


def _param_names(kind: type) -> tuple[str, ...] | None:
    """The names ``BaseEstimator.get_params`` reads from ``kind``, or None where ``kind`` does
    not use that method (or the class method that lists the names) unchanged. Kept per class,
    weakly: a class redefined in a notebook cell is let go with its old definition."""
    try:
        return _PARAM_NAMES[kind]
    except KeyError:
        pass
    from sklearn.base import BaseEstimator

    lister = getattr(kind, "_get_param_names", None)
    standard = (
        getattr(kind, "get_params", None) is BaseEstimator.get_params
        and getattr(lister, "__func__", None) is BaseEstimator._get_param_names.__func__
    )
    names = _PARAM_NAMES[kind] = tuple(lister()) if standard and lister is not None else None
    return names


def _after_fit(state: _Fit, result: Any) -> None:
    estimator = state.args[0]
    X, y, sample_weight = _training_data(state)
    from sklearn import config_context

    # fit has just checked X, so predicting need not scan it for NaN and infinity again
    with autolog.quiet(), config_context(assume_finite=True):
        metrics = training_metrics(estimator, X, y, sample_weight) if y is not None else {}
    if _is_search(estimator):
        metrics.update(_search_results(state, estimator))
    state.run.log_metrics({k: v for k, v in metrics.items() if _is_number(v)})


def _training_data(state: _Fit) -> tuple[Any, Any, Any]:
    bound = state.signature.bind_partial(*state.args, **state.kwargs).arguments
    names = [n for n in state.signature.parameters][1:3]  # after self: X and y (whatever they are called)
    X = bound.get(names[0]) if names else None
    y = bound.get(names[1]) if len(names) > 1 else None
    sample_weight = bound.get("sample_weight")
    if sample_weight is None:  # fit(X, y, **fit_params)
        sample_weight = bound.get("kwargs", {}).get("sample_weight")
    return X, y, sample_weight


def training_metrics(estimator: Any, X: Any, y: Any, sample_weight: Any = None) -> dict[str, float]:
    """MLflow's post-fit metrics on the training data; one that cannot be computed is left out.

    They are computed here with numpy rather than by ``sklearn.metrics``, whose input
    validation alone took half the time of a 10k-row fit, and from one ``predict_proba`` when
    ``predict`` is its argmax (else from ``predict`` and ``predict_proba``); the values are
    sklearn's (tests compare them to 1e-12)."""
    from sklearn import base

    found: dict[str, float] = {}
    if base.is_classifier(estimator):
        classes: Any = getattr(estimator, "classes_", None)
        proba: Any = estimator.predict_proba(X) if classes is not None and hasattr(estimator, "predict_proba") else None
        codes = class_codes(y, classes) if proba is not None else None
        if codes is not None and predicts_argmax_of_proba(estimator):  # one pass over X, not two
            labels = autolog.guarded(
                "compute classification metrics with", label_metrics, codes, argmax(proba), len(classes), sample_weight
            )
        else:
            labels = autolog.guarded(
                "compute classification metrics with", classification_metrics, y, estimator.predict(X), sample_weight
            )
        found.update(labels or {})
        if codes is not None:
            found.update(
                autolog.guarded("compute probability metrics with", probability_metrics, codes, proba, sample_weight)
                or {}
            )
        if _inherits_score(estimator, base.ClassifierMixin) and TRAINING + "accuracy_score" in found:
            found[TRAINING + "score"] = found[TRAINING + "accuracy_score"]
    elif base.is_regressor(estimator):
        predicted = estimator.predict(X)
        found.update(
            autolog.guarded("compute regression metrics with", regression_metrics, y, predicted, sample_weight) or {}
        )
        if _inherits_score(estimator, base.RegressorMixin) and TRAINING + "r2_score" in found:
            found[TRAINING + "score"] = found[TRAINING + "r2_score"]
    if TRAINING + "score" not in found and hasattr(estimator, "score"):
        weighted = sample_weight is not None and "sample_weight" in inspect.signature(estimator.score).parameters
        score = autolog.guarded(
            "compute training_score with", estimator.score, X, y, *((sample_weight,) if weighted else ())
        )
        if score is not None:
            found[TRAINING + "score"] = float(score)
    return found


# (module, qualname) of predict -> of the predict_proba it pairs with, where predict is
# ``classes_.take(argmax(predict_proba(X)))`` for one output: trees and forests take that argmax
# themselves; logistic regression and histogram gradient boosting take the argmax of raw scores
# of which their probabilities are a monotone map.
_HGB = "sklearn.ensemble._hist_gradient_boosting.gradient_boosting"
_ARGMAX_PREDICTS = {
    ("sklearn.ensemble._forest", "ForestClassifier.predict"): (
        "sklearn.ensemble._forest",
        "ForestClassifier.predict_proba",
    ),
    ("sklearn.tree._classes", "BaseDecisionTree.predict"): (
        "sklearn.tree._classes",
        "DecisionTreeClassifier.predict_proba",
    ),
    ("sklearn.linear_model._base", "LinearClassifierMixin.predict"): (
        "sklearn.linear_model._logistic",
        "LogisticRegression.predict_proba",
    ),
    (_HGB, "HistGradientBoostingClassifier.predict"): (_HGB, "HistGradientBoostingClassifier.predict_proba"),
}


def predicts_argmax_of_proba(estimator: Any) -> bool:
    """Whether the labels ``predict`` gives can be read off ``predict_proba`` (a pipeline: its last step).

    Known by the functions the class uses, so nothing is imported and a subclass that
    overrides either method is not assumed to keep the property."""
    kind = type(estimator)
    if kind.__module__ == "sklearn.pipeline" and kind.__name__ == "Pipeline":
        return predicts_argmax_of_proba(estimator.steps[-1][1])
    if getattr(estimator, "n_outputs_", 1) != 1:
        return False
    predict, proba = getattr(kind, "predict", None), getattr(kind, "predict_proba", None)
    key = (getattr(predict, "__module__", None), getattr(predict, "__qualname__", None))
    if key not in _ARGMAX_PREDICTS:
        return False
    return (getattr(proba, "__module__", None), getattr(proba, "__qualname__", None)) == _ARGMAX_PREDICTS[key]


def _inherits_score(estimator: Any, mixin: type[Any]) -> bool:
    """The estimator's ``score`` is the mixin's (accuracy or R²), so it need not run again."""
    return getattr(type(estimator), "score", None) is mixin.score


def argmax(proba: Any) -> Any:
    """Each row's column of highest probability, the first one on ties, as ``argmax(axis=1)``
    gives it; two columns by one comparison (argmax over a short axis took seven times as long)."""
    import numpy as np

    if proba.ndim == 2 and proba.shape[1] == 2:
        return np.greater(proba[:, 1], proba[:, 0]).view(np.int8)
    return proba.argmax(axis=1)


def class_codes(y: Any, classes: Any) -> Any:
    """Each label's index in the estimator's sorted ``classes_``, or None when ``y`` is not a
    1-D array of those classes (then the metrics come from ``predict`` and are left out)."""
    import numpy as np

    y = np.asarray(y)
    if y.ndim != 1 or len(classes) == 0:
        return None
    if len(classes) == 2 and y.dtype.kind in "biuf":  # two comparisons cost a third of a search
        second = y == classes[1]
        return second.view(np.int8) if bool((second | (y == classes[0])).all()) else None
    codes = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
    return codes if bool((classes[codes] == y).all()) else None


def classification_metrics(y: Any, predicted: Any, sample_weight: Any = None) -> dict[str, float]:
    """Accuracy and support-weighted precision, recall and F1 of ``predict``'s labels."""
    import numpy as np

    y, predicted = np.asarray(y), np.asarray(predicted)
    if y.ndim != 1:
        return {}
    labels = np.unique(np.concatenate([y, predicted]))
    return label_metrics(np.searchsorted(labels, y), np.searchsorted(labels, predicted), len(labels), sample_weight)


def label_metrics(actual: Any, predicted: Any, n: int, sample_weight: Any = None) -> dict[str, float]:
    """Accuracy and support-weighted precision, recall and F1 (zero where undefined), from the
    index of each row's true and predicted class among ``n``. A class that is neither true nor
    predicted has no support and adds nothing, so ``classes_`` or the labels seen give the same."""
    import numpy as np

    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    confusion = np.bincount(actual * n + predicted, weights=weights, minlength=n * n).reshape(n, n).astype(float)
    hits, called, actual_total = np.diag(confusion), confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(hits, called, out=np.zeros(n), where=called > 0)
    recall = np.divide(hits, actual_total, out=np.zeros(n), where=actual_total > 0)
    f1 = np.divide(2 * hits, called + actual_total, out=np.zeros(n), where=(called + actual_total) > 0)
    support = actual_total / actual_total.sum()
    return {
        TRAINING + "precision_score": float(precision @ support),
        TRAINING + "recall_score": float(recall @ support),
        TRAINING + "f1_score": float(f1 @ support),
        TRAINING + "accuracy_score": float(hits.sum() / confusion.sum()),
    }


def probability_metrics(codes: Any, proba: Any, sample_weight: Any = None) -> dict[str, float]:
    """Log loss and ROC AUC from each row's true class index and the probabilities (binary AUC
    here, by counting the negatives each positive outranks; multi-class one-vs-one by sklearn)."""
    import numpy as np

    proba = np.asarray(proba, dtype=float)
    n = proba.shape[1] if proba.ndim == 2 else 0
    if n == 0 or len(proba) != len(codes):
        return {}
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    eps = np.finfo(proba.dtype).eps
    if n == 2:  # a tenth of the time of the general indexing, and the same numbers
        picked, total = np.where(codes == 1, proba[:, 1], proba[:, 0]), proba[:, 0] + proba[:, 1]
    else:
        picked, total = np.take_along_axis(proba, codes[:, None], axis=1)[:, 0], proba.sum(axis=1)
    likelihood = np.clip(picked / total, eps, 1 - eps)
    found = {TRAINING + "log_loss": float(-np.average(np.log(likelihood), weights=weights))}
    if n == 2 and weights is None:
        positive = codes == 1
        if 0 < np.count_nonzero(positive) < len(codes):
            found[TRAINING + "roc_auc"] = binary_auc(proba[:, 1], positive)
    elif n > 1 and (n == 2 or weights is None):  # sklearn has no weighted one-vs-one AUC
        from sklearn.metrics import roc_auc_score

        score = proba[:, 1] if n == 2 else proba
        found[TRAINING + "roc_auc"] = float(
            roc_auc_score(codes, score, average="weighted", sample_weight=weights, multi_class="ovo")
        )
    return found


def binary_auc(scores: Any, positive: Any) -> float:
    """ROC AUC of ``scores`` for the rows where ``positive`` holds: the share of (negative,
    positive) pairs the positive outranks, ties counting half."""
    import numpy as np

    # compress, not a boolean index: a quarter of the time on a column of a 2-D array
    negatives = np.sort(scores.compress(~positive))
    scores = np.sort(scores.compress(positive))  # sorted keys: searchsorted walks on instead of jumping
    below = np.searchsorted(negatives, scores, "left")
    pairs = len(negatives) * len(scores)
    # a second search counts the ties, where a negative equals the score found (trees tie often)
    if not (negatives[np.minimum(below, len(negatives) - 1)] == scores).any():
        return float(below.sum() / pairs)
    tied = np.searchsorted(negatives, scores, "right") - below
    return float((below.sum() + tied.sum() / 2) / pairs)


def regression_metrics(y: Any, predicted: Any, sample_weight: Any = None) -> dict[str, float]:
    """MSE, RMSE, MAE and R² averaged uniformly over outputs, as sklearn's defaults do."""
    import numpy as np

    y, predicted = np.asarray(y, dtype=float), np.asarray(predicted, dtype=float)
    y, predicted = y.reshape(len(y), -1), predicted.reshape(len(predicted), -1)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    error = y - predicted
    mse = np.average(error**2, axis=0, weights=weights)
    mae = np.average(np.abs(error), axis=0, weights=weights)
    residual = (weights[:, None] if weights is not None else 1.0) * error**2
    centred = y - np.average(y, axis=0, weights=weights)
    total = ((weights[:, None] if weights is not None else 1.0) * centred**2).sum(axis=0)
    r2 = np.where(
        total > 0,
        1 - residual.sum(axis=0) / np.where(total > 0, total, 1),
        np.where(residual.sum(axis=0) > 0, 0.0, 1.0),
    )
    return {
        TRAINING + "mean_squared_error": float(mse.mean()),
        TRAINING + "root_mean_squared_error": float(math.sqrt(mse.mean())),
        TRAINING + "mean_absolute_error": float(mae.mean()),
        TRAINING + "r2_score": float(r2.mean()),
    }


def _search_results(state: Logging, search: Any) -> dict[str, float]:
    """The best candidate on the parent, the best ``max_tuning_runs`` candidates as child runs."""
    if hasattr(search, "best_params_"):
        state.log_params({f"best_{k}": v for k, v in search.best_params_.items()})
    if hasattr(search, "cv_results_"):
        autolog.guarded("log the candidates of", _log_candidates, state, search)
    return {"best_cv_score": search.best_score_} if hasattr(search, "best_score_") else {}


def _log_candidates(state: Logging, search: Any) -> None:
    from . import session

    results = search.cv_results_
    rank_key = (
        "rank_test_score"
        if "rank_test_score" in results
        else next((k for k in results if k.startswith("rank_test_")), None)
    )
    order = sorted(range(len(results["params"])), key=lambda i: results[rank_key][i] if rank_key else i)
    limit = autolog.max_tuning_runs()
    seed = search.estimator
    base_params = seed.get_params(deep=not _is_search(seed))
    for index in order if limit is None else order[:limit]:
        candidate = results["params"][index]
        params = {str(k): autolog.param_value(v) for k, v in {**base_params, **candidate}.items()}
        name = ", ".join(f"{k}={autolog.param_value(v)}" for k, v in candidate.items())[:80] or type(seed).__name__
        child = session.start_run(
            state.run.experiment, name=name, params=params, tags=_estimator_tags(seed), capture_provenance=False
        )
        try:
            child.log_metrics(
                {
                    key: values[index]
                    for key, values in results.items()
                    if not key.startswith(("param", "split")) and _is_number(values[index])
                }
            )
        finally:
            session.end_run("finished", run=child)


def _estimator_tags(estimator: Any) -> dict[str, str]:
    kind = type(estimator)
    return {"estimator_name": kind.__name__, "estimator_class": f"{kind.__module__}.{kind.__name__}"}


def _is_search(estimator: Any) -> bool:
    return any(
        kind.__name__ in _SEARCHES and kind.__module__.startswith("sklearn.") for kind in type(estimator).__mro__
    )


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, (str, bytes, bool))
