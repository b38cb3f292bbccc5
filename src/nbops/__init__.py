"""nbops: MLOps inside JupyterLab.

    import nbops
    with nbops.start_run("churn", params={"lr": 0.1}):
        for step in range(100):
            nbops.log_metric("loss", loss, step=step)

``%load_ext nbops`` adds the ``%track`` / ``%%track`` magics. Importing nbops loads only
the standard library and the store; numpy, pandas, plotly and IPython load on first use.
"""

from .errors import (
    ConflictError,
    FilterSyntaxError,
    InvalidMetricError,
    InvalidValueError,
    NbopsError,
    NotFoundError,
    PayloadTooLargeError,
    ProductionizeError,
    ReproductionError,
    ServeStartError,
    StoreError,
    SyncError,
)
from .tracking import (
    Run,
    active_run,
    end_run,
    get_run,
    load_dataset,
    log_artifact,
    log_dataset,
    log_figure,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    register_model,
    search_runs,
    set_tags,
    start_run,
    store,
)

__version__ = "0.1.0"

__all__ = [
    "Run",
    "active_run",
    "end_run",
    "get_run",
    "log_artifact",
    "log_dataset",
    "load_dataset",
    "log_figure",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "register_model",
    "search_runs",
    "set_tags",
    "start_run",
    "store",
    "check_drift",
    "evaluate_models",
    "explain",
    "autolog",
    "NbopsError",
    "InvalidValueError",
    "InvalidMetricError",
    "FilterSyntaxError",
    "NotFoundError",
    "ConflictError",
    "StoreError",
    "ProductionizeError",
    "SyncError",
    "ReproductionError",
    "PayloadTooLargeError",
    "ServeStartError",
    "__version__",
]


def check_drift(*args, **kwargs):
    """Score drift of ``current`` data against a logged dataset or a model's training data."""
    from .drift import check_drift as _check_drift

    return _check_drift(*args, **kwargs)


def evaluate_models(*args, **kwargs):
    """Evaluate registered model versions on the same labelled data and apply the promotion gate.

    ``evaluate_models(name, versions=("production", "candidate"), data=None, target=None,
    metric=None, slice_column=None, min_improvement=0.0, max_slice_drop=None, promote=False,
    alias="production")``: ``versions`` names the champion first (aliases or numbers, a list or
    ``"production,candidate"``); ``data`` is a DataFrame or a .csv/.parquet path labelled by
    column ``target``. Logs an evaluation run (experiment ``evaluate/NAME``) and returns an
    ``Evaluation`` (``.decision.passed``, ``.decision.reason``, ``.run_id``, ``.versions``).
    With ``promote=True`` the alias moves to the challenger only if the gate passed; otherwise
    ``ConflictError`` says why.
    """
    from .governance import evaluate_models as _evaluate

    return _evaluate(*args, **kwargs)


def explain(*args, **kwargs):
    """Explain a registered model version and store it with the version (the Models view shows it).

    ``explain(model, X, y=None, name=..., version=None, n_repeats=5, random_state=0)``: permutation
    importance always (without ``y`` the model's own predictions are the target, and the record
    says so), mean absolute SHAP values when ``shap`` is installed. ``model`` None loads the version from the
    registry. Returns the stored record: ``features`` (sorted by importance), ``target``, ``notes``.
    """
    from .governance.explain import explain as _explain

    return _explain(*args, **kwargs)


def autolog(*args, **kwargs):
    """Log every fit of scikit-learn, XGBoost, LightGBM, Lightning, Keras and HF Trainer (see ``nbops.tracking.autolog``)."""
    from .tracking.autolog import autolog as _autolog

    return _autolog(*args, **kwargs)


def load_ipython_extension(ipython):
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)


def _jupyter_server_extension_points():
    return [{"module": "nbops.server"}]


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "nbops"}]
