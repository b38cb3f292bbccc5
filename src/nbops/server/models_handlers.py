"""Routes for the model registry: models, versions with lineage, aliases, and governance
(the audit trail, the latest evaluation, gated promotion, model cards)."""

from __future__ import annotations

import re

from tornado import web

from ..errors import NotFoundError
from .base import NbopsHandler


class ModelsHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        await self.respond(lambda: {"models": self.store.lineage.models_overview()})


class ModelVersionsHandler(NbopsHandler):
    @web.authenticated
    async def get(self, name: str):
        def work():
            versions = self.store.lineage.versions(name)
            return {"name": name, "versions": versions, "drift_version": _drift_version(self.store, name)}

        await self.respond(work)


def _drift_version(store, name: str) -> dict | None:
    """Which version ``check_drift(model=name)`` compares against, e.g. v3 via production."""
    from ..drift.persistence import drift_version

    try:
        version = drift_version(store, name)
    except NotFoundError:  # a model without versions
        return None
    return {"version": version["version"], "via": version["via"]}


class ModelAliasesHandler(NbopsHandler):
    @web.authenticated
    async def patch(self, name: str):
        """Body ``{"alias": "production", "version": 3}``; ``"version": null`` removes the alias."""
        body = self.json_body()  # alias and version, checked against the OpenAPI schema
        alias, version = body["alias"], _whole(body["version"])

        def work():
            if version is None:
                self.store.models.delete_alias(name, alias, actor=_actor(self))
            else:
                self.store.models.set_alias(name, alias, version, actor=_actor(self))
            return {"name": name, "aliases": self.store.lineage.aliases(name)}

        await self.respond(work)


def _whole(value):
    """JSON Schema counts 3.0 as an integer, so the API takes it as 3."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class ModelEventsHandler(NbopsHandler):
    @web.authenticated
    async def get(self, name: str):
        def work():
            self.store.models.versions(name)  # 404 for an unknown model
            return {"name": name, "events": self.store.models.events.of_model(name)}

        await self.respond(work)


class ModelEvaluationHandler(NbopsHandler):
    @web.authenticated
    async def get(self, name: str):
        """The latest evaluation of ``name`` (champion first, the gate's decision), or null."""
        from ..governance import latest_evaluation

        def work():
            self.store.models.versions(name)
            return {"name": name, "evaluation": latest_evaluation(self.store, name)}

        await self.respond(work)


class ModelPromoteHandler(NbopsHandler):
    @web.authenticated
    async def post(self, name: str):
        """Body ``{"evaluation_run_id": "...", "alias": "production"}``: moves the alias to that
        evaluation's challenger when its gate passed; 409 with the gate's reason otherwise."""
        from ..governance import promote_evaluation

        body = self.json_body()
        run_id, alias = body["evaluation_run_id"], body.get("alias", "production")

        def work():
            try:
                version = promote_evaluation(
                    self.store, name, run_id, alias=alias, actor=_actor(self), reason=body.get("reason")
                )
            except NotFoundError as exc:
                raise NotFoundError(f"evaluation run {run_id!r} of model {name!r} not found: {exc.message}") from None
            return {
                "name": name,
                "alias": alias,
                "version": version["version"],
                "aliases": self.store.lineage.aliases(name),
            }

        await self.respond(work)


class ModelCardHandler(NbopsHandler):
    @web.authenticated
    async def get(self, name: str, version: str):
        """``{"markdown": ...}``: the card of a version (a number or an alias)."""
        from ..governance.card import model_card

        label = int(version) if version.isdigit() else version
        await self.respond(lambda: {"name": name, "version": version, "markdown": model_card(self.store, name, label)})


class ModelExplanationHandler(NbopsHandler):
    @web.authenticated
    async def get(self, name: str, version: str):
        """``{"explanation": ...}``: the newest ``nbops.explain`` of a version (a number or an alias), or null."""
        from ..governance.explain import latest_explanation

        label = int(version) if version.isdigit() else version
        await self.respond(
            lambda: {"name": name, "version": version, "explanation": latest_explanation(self.store, name, label)}
        )

    @web.authenticated
    async def post(self, name: str, version: str):
        """``{"source": "live", "rows": 500}``: explain a served version on its newest live inputs."""
        from ..governance.live_explanation import DEFAULT_ROWS, explain_live

        body = self.json_body()  # source and rows, checked against the OpenAPI schema
        label = int(version) if version.isdigit() else version
        rows = body.get("rows", DEFAULT_ROWS)
        await self.respond(
            lambda: {"name": name, "version": version, "explanation": explain_live(self.store, name, label, rows)}
        )


def _actor(handler: NbopsHandler) -> str | None:
    """Who is acting, for the audit trail: the Jupyter user (None: the server's OS user)."""
    user = handler.current_user
    name = getattr(user, "username", None)
    # A token-only server's user is anonymous, named by a random hex id: the server's OS user says more.
    if not isinstance(name, str) or not name or _ANONYMOUS.match(name):
        return None
    return name


_ANONYMOUS = re.compile(r"^[0-9a-f]{32}$")


ROUTES = [
    (r"models", ModelsHandler),
    (r"models/(?P<name>[^/]+)/versions", ModelVersionsHandler),
    (r"models/(?P<name>[^/]+)/aliases", ModelAliasesHandler),
    (r"models/(?P<name>[^/]+)/events", ModelEventsHandler),
    (r"models/(?P<name>[^/]+)/evaluation", ModelEvaluationHandler),
    (r"models/(?P<name>[^/]+)/promote", ModelPromoteHandler),
    (r"models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/card", ModelCardHandler),
    (r"models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/explanation", ModelExplanationHandler),
]
