"""Routes for metric series and run comparison."""

from __future__ import annotations

from tornado import web

from ..errors import InvalidValueError
from ..store.code_diff import CodeDiff
from ..store.compare import parse_missing, parse_run_ids
from ..store.importance import ParamImportance
from ..store.series import DEFAULT_POINTS, check_points, parse_keys
from .base import NbopsHandler


class RunMetricsHandler(NbopsHandler):
    @web.authenticated
    async def get(self, run_id: str):
        # Not get_argument: Tornado turns control characters into spaces, and a key holding one
        # must be refused (as the document's pattern says), not looked up under another name.
        sent = self.request.query_arguments.get("keys")
        keys = parse_keys(self.decode_argument(sent[-1], name="keys") if sent else None)
        max_points = check_points(self.integer_argument("max_points", DEFAULT_POINTS))
        await self.respond(lambda: self.store.series.of_run(run_id, keys, max_points))


class CompareHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        run_ids = parse_run_ids(self.get_argument("runs", None))
        missing = parse_missing(self.get_argument("missing", None))
        await self.respond(lambda: self.store.compare.of(run_ids, missing))


class CompareImportanceHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        run_ids = parse_run_ids(self.get_argument("runs", None))
        metric = self.get_argument("metric", None)
        await self.respond(lambda: ParamImportance(self.store.db).of(run_ids, metric))


class CompareCodeHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        a, b = (self.get_argument(side, "") for side in ("a", "b"))
        if not a or not b:
            raise InvalidValueError(f"a={a!r}, b={b!r}: name the two runs to diff, e.g. a=3f2a…&b=9c1b…")
        await self.respond(lambda: CodeDiff(self.store.provenance, self.store.runs).between(a, b))


ROUTES = [
    (r"runs/(?P<run_id>[^/]+)/metrics", RunMetricsHandler),
    (r"compare", CompareHandler),
    (r"compare/importance", CompareImportanceHandler),
    (r"compare/code", CompareCodeHandler),
]
