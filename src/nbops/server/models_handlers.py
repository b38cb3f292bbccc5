"""Routes for the model registry: models, versions with lineage, aliases."""

from __future__ import annotations

import re

from tornado import web

from ..errors import InvalidValueError
from ..store.models import ALIAS_PATTERN
from ..store.lineage import Lineage
from .base import NbopsHandler


class ModelsHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        await self.respond(lambda: {"models": Lineage(self.store.db, self.store.models).models_overview()})


class ModelVersionsHandler(NbopsHandler):
    @web.authenticated
    async def get(self, name: str):
        await self.respond(lambda: {"name": name, "versions": Lineage(self.store.db, self.store.models).versions(name)})


class ModelAliasesHandler(NbopsHandler):
    @web.authenticated
    async def patch(self, name: str):
        """Body ``{"alias": "production", "version": 3}``; ``"version": null`` removes the alias."""
        body = self.json_body()
        if set(body) != {"alias", "version"}:
            raise InvalidValueError(
                f"PATCH models/{{name}}/aliases got fields {sorted(body)}: send exactly alias and version "
                "(null removes the alias), e.g. {\"alias\": \"production\", \"version\": 3}"
            )
        alias, version = body["alias"], _whole(body["version"])
        if not isinstance(alias, str) or not re.match(ALIAS_PATTERN, alias):  # removing one too
            raise InvalidValueError(f"alias {alias!r} is not valid: use a letter then letters, digits, '_' or '-' "
                                    "(e.g. 'production')")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**63):
            raise InvalidValueError(f"version {version!r} is not valid: use a version number, or null to remove the alias")

        def work():
            if version is None:
                self.store.models.delete_alias(name, alias)
            else:
                self.store.models.set_alias(name, alias, version)
            return {"name": name, "aliases": Lineage(self.store.db, self.store.models).aliases(name)}

        await self.respond(work)


def _whole(value):
    """JSON Schema counts 3.0 as an integer, so the API takes it as 3."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


ROUTES = [
    (r"models", ModelsHandler),
    (r"models/(?P<name>[^/]+)/versions", ModelVersionsHandler),
    (r"models/(?P<name>[^/]+)/aliases", ModelAliasesHandler),
]
