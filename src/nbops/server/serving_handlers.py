"""Routes of the Models view's Serve and Stop: model endpoints run as child processes of this server."""

from __future__ import annotations

import atexit

from tornado import web

from .base import STORE_DIR_SETTING, NbopsHandler
from .serving_jobs import Endpoints

ENDPOINTS_SETTING = "nbops_serving_endpoints"


class ServingHandler(NbopsHandler):
    @property
    def endpoints(self) -> Endpoints:
        # Created on first use; every endpoint ends with the server (atexit runs on a clean shutdown).
        if ENDPOINTS_SETTING not in self.settings:
            endpoints = Endpoints(self.store, self.settings[STORE_DIR_SETTING])
            atexit.register(endpoints.stop_all)
            self.settings[ENDPOINTS_SETTING] = endpoints
        return self.settings[ENDPOINTS_SETTING]


class ServeHandler(ServingHandler):
    @web.authenticated
    async def post(self, name: str):
        """Body ``{"version", "port"?, "canary"?: {"version", "percent"}, "shadow"?: {"version"},
        "log_inputs"?}`` -> 201, the endpoint once it answers /ping; 404 unknown model or version,
        502/504 when it did not start."""
        body = self.json_body()
        endpoints = self.endpoints
        await self.respond(
            lambda: endpoints.start(
                name,
                body["version"],
                body.get("port"),
                body.get("canary"),
                body.get("shadow"),
                body.get("log_inputs", False),
            ),
            status=201,
        )


class EndpointsHandler(ServingHandler):
    @web.authenticated
    async def get(self):
        endpoints = self.endpoints
        await self.respond(lambda: {"endpoints": endpoints.list()})


class EndpointHandler(ServingHandler):
    @web.authenticated
    async def delete(self, endpoint_id: str):
        endpoints = self.endpoints
        await self.respond(lambda: endpoints.stop(endpoint_id))


ROUTES = [
    (r"models/serving", EndpointsHandler),
    (r"models/serving/(?P<endpoint_id>[^/]+)", EndpointHandler),
    (r"models/(?P<name>[^/]+)/serve", ServeHandler),
]
