"""The jupyter-server extension: finds the project's store and serves the REST API.

Kernels started by this server inherit ``NBOPS_HOME``, so notebooks log exactly where
the Lab panels read.
"""

from __future__ import annotations

import os

from jupyter_server.utils import url_path_join

from ..errors import NbopsError
from ..store import HOME_VARIABLE, find_store_dir, open_store
from .artifacts_handlers import ROUTES as ARTIFACT_ROUTES
from .base import STORE_DIR_SETTING, STORE_SETTING
from .changes_handlers import ROUTES as CHANGE_ROUTES
from .drift_handlers import ROUTES as DRIFT_ROUTES
from .drift_handlers import start_webhook_delivery
from .metrics_handlers import ROUTES as METRIC_ROUTES
from .models_handlers import ROUTES as MODEL_ROUTES
from .openapi_handler import ROUTES as OPENAPI_ROUTES
from .productionize_handlers import ROUTES as PRODUCTIONIZE_ROUTES
from .retrain_jobs import start_retrain_runner
from .runs_handlers import ROUTES as RUN_ROUTES
from .serving_handlers import ROUTES as SERVING_ROUTES
from .sync_handlers import ROUTES as SYNC_ROUTES

API_PREFIX = "nbops/api"
# How often the server marks runs of dead processes crashed; reads never write.
SWEEP_SECONDS = 15.0


def routes() -> list[tuple[str, type]]:
    """Every (pattern, handler) the extension serves, relative to the API prefix."""
    return [
        *RUN_ROUTES,
        *METRIC_ROUTES,
        *ARTIFACT_ROUTES,
        *MODEL_ROUTES,
        *CHANGE_ROUTES,
        *DRIFT_ROUTES,
        *PRODUCTIONIZE_ROUTES,
        *OPENAPI_ROUTES,
        *SYNC_ROUTES,
        *SERVING_ROUTES,
    ]


def route_methods(handler: type) -> list[str]:
    """The HTTP verbs ``handler`` implements, e.g. ['GET', 'PATCH']."""
    return handler.allowed_methods()


def _load_jupyter_server_extension(serverapp) -> None:
    store_dir = find_store_dir(serverapp.root_dir)
    os.environ[HOME_VARIABLE] = str(store_dir)
    web_app = serverapp.web_app
    web_app.settings[STORE_DIR_SETTING] = store_dir
    try:
        web_app.settings[STORE_SETTING] = open_store(store_dir)
    except NbopsError as exc:  # Jupyter keeps running; every route answers 503 with this message
        web_app.settings[STORE_SETTING] = None
        serverapp.log.error("nbops: %s", exc.message)
    base_url = web_app.settings["base_url"]
    handlers = [(url_path_join(base_url, API_PREFIX, pattern) + "/?$", handler) for pattern, handler in routes()]
    web_app.add_handlers(".*$", handlers)
    _sweep_periodically(web_app.settings)
    serverapp.log.info("nbops: serving the store at %s under %s", store_dir, url_path_join(base_url, API_PREFIX))
    store = web_app.settings[STORE_SETTING]
    if store is not None:  # nothing to push or post from a store that cannot be opened
        start_webhook_delivery(serverapp, store)
        _start_mlflow_pusher(serverapp, store)
        start_retrain_runner(serverapp, store)


def _sweep_periodically(settings: dict) -> None:
    """Mark dead runs crashed now and every ``SWEEP_SECONDS``, off the event loop."""
    from tornado.ioloop import IOLoop, PeriodicCallback

    def mark_crashed() -> None:
        store = settings.get(STORE_SETTING)  # None while the store cannot be opened
        try:
            if store is not None:
                store.runs.mark_crashed()
        except NbopsError:  # a store broken since: every route answers 503 saying so
            pass

    def sweep():
        return IOLoop.current().run_in_executor(None, mark_crashed)

    callback = PeriodicCallback(sweep, SWEEP_SECONDS * 1000)
    callback.start()
    IOLoop.current().add_callback(sweep)


def _start_mlflow_pusher(serverapp, store) -> None:
    from .mlflow_pusher import PUSHER_SETTING, MlflowPusher
    from .settings import NbopsApp

    settings = NbopsApp(parent=serverapp)
    if not settings.mlflow_uri:
        return
    pusher = MlflowPusher(
        store, settings.mlflow_uri, settings.mlflow_push_interval, settings.mlflow_max_backoff, serverapp.log
    ).start()
    serverapp.web_app.settings[PUSHER_SETTING] = pusher
    serverapp.log.info("nbops: pushing ended runs to the MLflow server at %s", pusher.target)
