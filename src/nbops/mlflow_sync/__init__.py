"""Team scale-out: push local runs to an MLflow tracking server and pull them back.

    from nbops.mlflow_sync import push, pull
    report = push(store, "http://mlflow.example:5000", experiments=["churn"])
    pull(store, "http://mlflow.example:5000")

MLflow itself is imported only here, on first use: ``import nbops`` never loads it.
The mapping of nbops fields to MLflow's is in :mod:`nbops.mlflow_sync.mapping`.
"""

from .pull import PullReport, pull
from .push import PushReport, RunOutcome, push

__all__ = ["push", "pull", "PushReport", "PullReport", "RunOutcome"]
