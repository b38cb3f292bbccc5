"""The server extension's settings: ``c.NbopsApp.*`` in a jupyter_server config file."""

from __future__ import annotations

from traitlets import Dict, Float, Unicode
from traitlets.config import Configurable


class NbopsApp(Configurable):
    """nbops server settings (``c.NbopsApp.*`` in a jupyter_server config file)."""

    mlflow_uri = Unicode(
        "",
        config=True,
        help=(
            "MLflow tracking server to push ended runs to in the background, e.g. http://mlflow:5000. "
            "Credentials come from MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN."
        ),
    )
    mlflow_push_interval = Float(30.0, config=True, help="Seconds between looks for newly ended runs.")
    mlflow_max_backoff = Float(600.0, config=True, help="Longest wait, in seconds, after failed pushes.")
    retrain_poll_interval = Float(
        5.0,
        config=True,
        help="Seconds between looks for queued drift retrains (a check in this server's process wakes it at once).",
    )
    webhooks = Dict(
        config=True,
        help=(
            "Drift alert webhooks by name: {name: {url, format ('slack' or 'json'), secret}}; alert rules name them."
        ),
    )
