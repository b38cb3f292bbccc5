"""``GET openapi.json``: the OpenAPI 3.1 document of every route (tests keep it in step)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files

from tornado import web

from .base import NbopsHandler


@lru_cache(maxsize=1)
def document() -> dict:
    return json.loads(files(__package__).joinpath("openapi.json").read_text(encoding="utf-8"))


class OpenAPIHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        await self.respond(document)


ROUTES = [
    (r"openapi.json", OpenAPIHandler),
]
