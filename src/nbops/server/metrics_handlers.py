"""Routes for metric series and run comparison."""

from __future__ import annotations

from tornado import web

from ..store.compare import parse_missing, parse_run_ids
from ..store.series import DEFAULT_POINTS, check_points, parse_keys
from .base import NbopsHandler


class RunMetricsHandler(NbopsHandler):
    @web.authenticated
    async def get(self, run_id: str):
        keys = parse_keys(self.get_argument("keys", None))
        max_points = check_points(self.integer_argument("max_points", DEFAULT_POINTS))
        await self.respond(lambda: self.store.series.of_run(run_id, keys, max_points))


class CompareHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        run_ids = parse_run_ids(self.get_argument("runs", None))
        missing = parse_missing(self.get_argument("missing", None))
        await self.respond(lambda: self.store.compare.of(run_ids, missing))


ROUTES = [
    (r"runs/(?P<run_id>[^/]+)/metrics", RunMetricsHandler),
    (r"compare", CompareHandler),
]
