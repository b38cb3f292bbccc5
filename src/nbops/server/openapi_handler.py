"""``GET openapi.json``: the OpenAPI 3.1 document of every route (tests keep it in step)."""

from __future__ import annotations

from tornado import web

from .base import NbopsHandler
from .contract import document


class OpenAPIHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        await self.respond(document)


ROUTES = [
    (r"openapi.json", OpenAPIHandler),
]
