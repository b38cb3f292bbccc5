"""The jupyter-server extension: finds the project's store and serves the REST API.

Kernels started by this server inherit ``NBOPS_HOME``, so notebooks log exactly where
the Lab panels read.
"""

from __future__ import annotations

import os

from jupyter_server.utils import url_path_join

from ..store import HOME_VARIABLE, find_store_dir, open_store
from .artifacts_handlers import ROUTES as ARTIFACT_ROUTES
from .base import STORE_SETTING
from .changes_handlers import ROUTES as CHANGE_ROUTES
from .drift_handlers import ROUTES as DRIFT_ROUTES, start_webhook_delivery
from .metrics_handlers import ROUTES as METRIC_ROUTES
from .models_handlers import ROUTES as MODEL_ROUTES
from .openapi_handler import ROUTES as OPENAPI_ROUTES
from .productionize_handlers import ROUTES as PRODUCTIONIZE_ROUTES
from .runs_handlers import ROUTES as RUN_ROUTES

API_PREFIX = "nbops/api"


def routes() -> list[tuple[str, type]]:
    """Every (pattern, handler) the extension serves, relative to the API prefix."""
    return [
        *RUN_ROUTES, *METRIC_ROUTES, *ARTIFACT_ROUTES, *MODEL_ROUTES, *CHANGE_ROUTES,
        *DRIFT_ROUTES, *PRODUCTIONIZE_ROUTES, *OPENAPI_ROUTES,
    ]


def route_methods(handler: type) -> list[str]:
    """The HTTP verbs ``handler`` implements, e.g. ['GET', 'PATCH']."""
    from .base import NbopsHandler

    verbs = ("get", "post", "put", "patch", "delete")
    return [v.upper() for v in verbs if getattr(handler, v) is not getattr(NbopsHandler, v)]


def _load_jupyter_server_extension(serverapp) -> None:
    store_dir = find_store_dir(serverapp.root_dir)
    os.environ[HOME_VARIABLE] = str(store_dir)
    store = open_store(store_dir)
    web_app = serverapp.web_app
    web_app.settings[STORE_SETTING] = store
    base_url = web_app.settings["base_url"]
    handlers = [(url_path_join(base_url, API_PREFIX, pattern) + "/?$", handler) for pattern, handler in routes()]
    web_app.add_handlers(".*$", handlers)
    start_webhook_delivery(serverapp, store)
    serverapp.log.info("nbops: serving the store at %s under %s", store_dir, url_path_join(base_url, API_PREFIX))
