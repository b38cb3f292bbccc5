"""The change feed: what changed since the seq a panel last saw."""

from __future__ import annotations

from tornado import web

from ..errors import InvalidValueError
from .base import NbopsHandler


class ChangesHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        since = None
        if self.get_argument("since", None) is not None:
            since = self.integer_argument("since", 0)
            if since < 0:
                raise InvalidValueError(f"since={since} is not valid: use the seq of a previous answer (≥ 0)")

        def work():
            changes = self.store.changes.since(since)
            self.store.sync.attach(changes["runs"])
            return changes

        await self.respond(work)


ROUTES = [
    (r"changes", ChangesHandler),
]
