"""Routes for experiments and runs."""

from __future__ import annotations

from tornado import web

from .base import NbopsHandler
from .run_edits import RunEdit


class VersionHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        from .. import __version__

        await self.respond(lambda: {"version": __version__})


class ExperimentsHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        await self.respond(lambda: {"experiments": self.store.runs.experiments()})


class RunsHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        experiment = self.get_argument("experiment", None) or None
        query = self.get_argument("filter", None)
        sort = self.get_argument("sort", None)
        cursor = self.get_argument("cursor", None) or None
        limit = self.integer_argument("limit", 100)
        include_deleted = self.boolean_argument("include_deleted")

        def work():
            page = self.store.runs.search(
                experiment=experiment,
                filter=query,
                order_by=sort,
                limit=limit,
                cursor=cursor,
                include_deleted=include_deleted,
            )
            answer = {"runs": self.store.sync.attach(page.runs), "next_cursor": page.next_cursor}
            if not page.runs and cursor is None:
                from ..store.filter_keys import unknown_key_notice

                answer["notice"] = unknown_key_notice(self.store.db, query)
            return answer

        await self.respond(work)


class RunHandler(NbopsHandler):
    @web.authenticated
    async def get(self, run_id: str):
        await self.respond(lambda: self.store.runs.detail(run_id))

    @web.authenticated
    async def patch(self, run_id: str):
        """Body ``{"name": "...", "tags": {...}, "delete_tags": [...], "note": "..."}``, applied in one commit."""
        edit = RunEdit.from_body(self.json_body())

        def work():
            with self.store.transaction():
                edit.apply(self.store.runs, run_id)
            return self.store.runs.get(run_id)

        await self.respond(work)

    @web.authenticated
    async def delete(self, run_id: str):
        """Soft delete: the run leaves listings and ``POST runs/{id}/restore`` brings it back."""

        def work():
            self.store.runs.soft_delete(run_id)
            return self.store.runs.get(run_id)

        await self.respond(work)


class RestoreRunHandler(NbopsHandler):
    @web.authenticated
    async def post(self, run_id: str):
        def work():
            self.store.runs.soft_delete(run_id, deleted=False)
            return self.store.runs.get(run_id)

        await self.respond(work)


ROUTES = [
    (r"version", VersionHandler),
    (r"experiments", ExperimentsHandler),
    (r"runs", RunsHandler),
    (r"runs/(?P<run_id>[^/]+)", RunHandler),
    (r"runs/(?P<run_id>[^/]+)/restore", RestoreRunHandler),
]
