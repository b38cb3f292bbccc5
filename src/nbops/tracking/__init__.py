"""The Python tracking API (no IPython, tornado or jupyter_server imports)."""

from .run import Run
from .session import (
    active_run,
    end_run,
    get_run,
    log_artifact,
    log_dataset,
    load_dataset,
    log_figure,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    register_model,
    release_run,
    resume_run,
    search_runs,
    set_tags,
    start_run,
    store,
)

__all__ = [
    "Run", "active_run", "end_run", "get_run", "log_artifact", "log_dataset", "load_dataset", "log_figure", "log_metric",
    "log_metrics", "log_param", "log_params", "register_model", "release_run", "resume_run", "search_runs", "set_tags",
    "start_run", "store",
]
