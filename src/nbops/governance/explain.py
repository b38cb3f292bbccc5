"""Explain a registered model version and keep the explanation with it.

    nbops.explain(model, X_valid, y_valid, name="churn")          # the latest version
    nbops.explain(None, X_valid, name="churn", version="production")  # the registry's own model

Permutation importance (scikit-learn) always: how much the model's score drops when one
feature's values are shuffled. Without labels the model's own predictions are the target, so
the importances say what the model relies on, not what predicts the truth; the record says
which. Mean |SHAP| per feature too when ``shap`` is installed; when it is not, or it cannot
explain this model, the record says why and the permutation importances still stand.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import InvalidValueError
from ..store import Store

MAX_ROWS = 2000  # rows permuted: enough for stable importances, bounded cost
SHAP_ROWS = 200  # rows explained by SHAP (model-agnostic SHAP costs ~features x rows calls)
SHAP_BACKGROUND = 100


def explain(
    model: Any,
    X: Any,
    y: Any = None,
    name: str | None = None,
    version: int | str | None = None,
    n_repeats: int = 5,
    random_state: int = 0,
    store: Store | None = None,
) -> dict:
    """Compute and store the explanation of version ``version`` (number, alias, or None for the
    latest) of model ``name``; ``model`` None loads that version from the registry. Returns the
    stored record: ``features`` sorted by importance, ``target``, ``scoring``, ``notes``."""
    if not isinstance(name, str) or not name:
        raise InvalidValueError(
            f"name {name!r} is not valid: explanations are kept per model version, so pass "
            "name= (a registered model), e.g. nbops.explain(model, X, name='churn')"
        )
    if not isinstance(n_repeats, int) or isinstance(n_repeats, bool) or not 1 <= n_repeats <= 100:
        raise InvalidValueError(f"n_repeats {n_repeats!r} is not valid: use a whole number from 1 to 100")
    if store is None:
        from ..tracking import store as default_store

        store = default_store()
    row = store.models.version(name, version)
    if model is None:
        from .evaluation import _load_model

        model = _load_model(store, name, row)
    if not hasattr(model, "predict"):
        raise InvalidValueError(f"model {type(model).__name__} has no predict(): pass the fitted estimator")
    frame = _frame(X, model)
    target, notes = _target(model, frame, y, random_state)
    features, scoring = _permutation(model, frame, target, n_repeats, random_state)
    shap_values, shap_note = _mean_abs_shap(model, frame, random_state)
    if shap_note:
        notes.append(shap_note)
    for item in features:
        item["shap"] = shap_values.get(item["feature"]) if shap_values else None
    detail = {
        "features": features,
        "scoring": scoring,
        "n_repeats": n_repeats,
        "methods": ["permutation"] + (["shap"] if shap_values else []),
        "notes": notes,
    }
    return store.explanations.add(
        name, row["version"], len(frame), "labels" if y is not None else "predictions", detail
    )


def explain_shap_only(store: Store, name: str, version: int, model: Any, frame, notes: list[str], random_state=0):
    """Mean |SHAP| alone (no labels for permutation importance); the reason SHAP could not
    run is an ``InvalidValueError``, since then nothing at all is computed."""
    shap_values, shap_note = _mean_abs_shap(model, frame, random_state)
    if shap_values is None:
        raise InvalidValueError(" and ".join([*notes, str(shap_note)]) + ": nothing can be computed")
    features = [
        {"feature": f, "importance": None, "std": None, "shap": v}
        for f, v in sorted(shap_values.items(), key=lambda item: -item[1])
    ]
    detail = {"features": features, "scoring": None, "n_repeats": 0, "methods": ["shap"], "notes": notes}
    return store.explanations.add(name, version, len(frame), "predictions", detail)


def _frame(X: Any, model: Any):
    import numpy as np
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        frame = X
    elif isinstance(X, np.ndarray) and X.ndim == 2:
        names = getattr(model, "feature_names_in_", None)
        columns = (
            [str(n) for n in names]
            if names is not None and len(names) == X.shape[1]
            else [f"x{i}" for i in range(X.shape[1])]
        )
        frame = pd.DataFrame(X, columns=columns)
    else:
        raise InvalidValueError(
            f"X {type(X).__name__} is not valid: pass a pandas DataFrame or a 2-D numpy array of the model's features"
        )
    if len(frame) < 2:
        raise InvalidValueError(f"X has {len(frame)} row(s): permutation importance needs at least 2")
    return frame


def _target(model, frame, y, random_state: int):
    import numpy as np

    notes = []
    if len(frame) > MAX_ROWS:
        notes.append(f"computed on a random sample of {MAX_ROWS} of the {len(frame)} rows")
    if y is None:
        notes.append(
            "no labels given: the target is the model's own predictions, so the importances show what "
            "the model relies on, not what predicts the truth"
        )
        return None, notes
    target = np.asarray(y)
    if target.ndim != 1 or len(target) != len(frame):
        raise InvalidValueError(f"y has shape {target.shape}: pass one label per row of X ({len(frame)} rows)")
    return target, notes


def _sample(frame, target, random_state: int, limit: int):
    import numpy as np

    if len(frame) <= limit:
        return frame, target
    rows = np.sort(np.random.default_rng(random_state).choice(len(frame), size=limit, replace=False))
    return frame.iloc[rows], (None if target is None else target[rows])


def _permutation(model, frame, target, n_repeats: int, random_state: int) -> tuple[list[dict], str]:
    from sklearn.base import is_classifier
    from sklearn.inspection import permutation_importance

    frame, target = _sample(frame, target, random_state, MAX_ROWS)
    try:
        if target is None:
            target = model.predict(frame)
        result = permutation_importance(model, frame, target, n_repeats=n_repeats, random_state=random_state)
    except Exception as exc:  # the model's own complaint about X (columns, dtypes, labels)
        raise InvalidValueError(f"the model cannot score X: {type(exc).__name__}: {exc}") from None
    scoring = "accuracy" if is_classifier(model) else ("r2" if hasattr(model, "score") else "score")
    features = [
        {"feature": str(name), "importance": float(mean), "std": float(std)}
        for name, mean, std in zip(frame.columns, result.importances_mean, result.importances_std)
    ]
    features.sort(key=lambda item: -item["importance"])
    return features, scoring


def _mean_abs_shap(model, frame, random_state: int) -> tuple[dict[str, float] | None, str | None]:
    """Mean |SHAP value| per feature, or (None, why not). A SHAP failure never fails the explanation."""
    try:
        import shap
    except ImportError:
        return None, "SHAP skipped: the shap package is not installed (pip install shap)"
    import numpy as np

    sample, _ = _sample(frame, None, random_state, SHAP_ROWS)
    background, _ = _sample(frame, None, random_state + 1, SHAP_BACKGROUND)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.abs(_shap_values(shap, model, sample, background, random_state))
    except Exception as exc:  # an optional method: say why, keep the permutation importances
        return None, f"SHAP skipped: {type(exc).__name__}: {exc}"
    per_feature = values.mean(axis=0)
    if per_feature.ndim > 1:  # one column per class: average over classes
        per_feature = per_feature.mean(axis=1)
    return {str(name): float(v) for name, v in zip(frame.columns, per_feature)}, None


def _shap_values(shap, model, sample, background, random_state: int):
    """Tree ensembles get shap's exact, fast TreeExplainer; anything else the model-agnostic
    permutation explainer on ``predict_proba`` (or ``predict``)."""
    import numpy as np

    try:
        tree = shap.TreeExplainer(model)
    except Exception:  # not a tree model shap knows (a pipeline, a linear model…)
        tree = None
    if tree is not None:
        return np.asarray(tree.shap_values(sample, check_additivity=False), dtype=float)
    predict = model.predict_proba if hasattr(model, "predict_proba") else model.predict
    coded_sample, coded_background, decode = _coded(sample, background)
    explainer = shap.Explainer(
        lambda values: predict(decode(values)), shap.maskers.Independent(coded_background), seed=random_state
    )
    return np.asarray(explainer(coded_sample, silent=True).values, dtype=float)


def _coded(sample, background):
    """SHAP's maskers do arithmetic on values: text columns go in as category codes, and the
    model gets them back as the text it was trained on (a pipeline that one-hot encodes them)."""
    import numpy as np
    import pandas as pd

    columns = list(sample.columns)
    categories = {
        c: pd.Index(pd.concat([sample[c], background[c]]).dropna().unique())
        for c in columns
        if sample[c].dtype.kind not in "biufc"
    }
    if not categories:
        return sample, background, lambda values: pd.DataFrame(values, columns=columns)

    def encode(frame):
        out = frame.copy()
        for c, index in categories.items():
            out[c] = index.get_indexer(frame[c]).astype(float)
        return out.astype(float)

    def decode(values):
        frame = pd.DataFrame(values, columns=columns)
        for c, index in categories.items():
            codes = np.asarray(frame[c], dtype=float).round().astype(int)
            frame[c] = np.where(codes >= 0, np.asarray(index, dtype=object)[np.clip(codes, 0, None)], None)
        return frame

    return encode(sample), encode(background), decode


def latest_explanation(store: Store, name: str, version: int | str | None) -> dict | None:
    """The newest explanation of a version, or None (what the Models view shows)."""
    return store.explanations.latest(name, version)
