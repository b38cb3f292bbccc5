"""The jupyter-server extension: finds the project's store and serves the REST API.

Kernels started by this server inherit ``NBOPS_HOME``, so notebooks log exactly where
the Lab panels read.
"""

from __future__ import annotations

import os

from jupyter_server.utils import url_path_join

from ..store import HOME_VARIABLE, find_store_dir, open_store
from .base import STORE_SETTING
from .runs_handlers import ROUTES as RUN_ROUTES

API_PREFIX = "nbops/api"


def routes() -> list[tuple[str, type]]:
    """Every (pattern, handler) the extension serves, relative to the API prefix."""
    return [*RUN_ROUTES]


def _load_jupyter_server_extension(serverapp) -> None:
    store_dir = find_store_dir(serverapp.root_dir)
    os.environ[HOME_VARIABLE] = str(store_dir)
    store = open_store(store_dir)
    web_app = serverapp.web_app
    web_app.settings[STORE_SETTING] = store
    base_url = web_app.settings["base_url"]
    handlers = [(url_path_join(base_url, API_PREFIX, pattern) + "/?$", handler) for pattern, handler in routes()]
    web_app.add_handlers(".*$", handlers)
    serverapp.log.info("nbops: serving the store at %s under %s", store_dir, url_path_join(base_url, API_PREFIX))
