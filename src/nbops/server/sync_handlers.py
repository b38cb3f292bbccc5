"""Routes of the background MLflow push: its status, and "push now"."""

from __future__ import annotations

from tornado import web

from ..errors import ConflictError
from .base import NbopsHandler
from .mlflow_pusher import PUSHER_SETTING

NOT_CONFIGURED = (
    "no MLflow tracking server is configured: set c.NbopsApp.mlflow_uri in the Jupyter server "
    "config (e.g. jupyter lab --NbopsApp.mlflow_uri=http://mlflow:5000) and restart Lab"
)


class SyncHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        pusher = self.settings.get(PUSHER_SETTING)
        if pusher is None:
            await self.respond(
                lambda: {
                    "enabled": False,
                    "target": None,
                    "pending": 0,
                    "last_error": None,
                    "last_push": None,
                    "retry_in": None,
                }
            )
            return
        await self.respond(pusher.status)


class SyncPushHandler(NbopsHandler):
    @web.authenticated
    async def post(self):
        pusher = self.settings.get(PUSHER_SETTING)
        if pusher is None:
            raise ConflictError(NOT_CONFIGURED)
        await self.respond(lambda: {"target": pusher.target, "pending": pusher.push_now()}, status=202)


ROUTES = [
    (r"sync", SyncHandler),
    (r"sync/push", SyncPushHandler),
]
