"""Routes for the Drift monitor: subjects, windows over time, overlays, alerts and rules."""

from __future__ import annotations

from pathlib import Path

from tornado import web

from ..drift import monitor, webhooks
from ..drift.persistence import add_alert_rule, mark_alerts_seen
from ..drift.rules import rule_from_json
from ..errors import InvalidValueError
from .base import NbopsHandler


class DriftReferencesHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        await self.respond(lambda: {"subjects": monitor.subjects(self.store)})


class DriftWindowsHandler(NbopsHandler):
    @web.authenticated
    async def get(self, subject: str):
        limit = self.integer_argument("limit", 200)
        await self.respond(lambda: monitor.windows(self.store, subject, limit))


class DriftFeatureHandler(NbopsHandler):
    @web.authenticated
    async def get(self, window_id: str, feature: str):
        number = _window_id(window_id)
        await self.respond(lambda: monitor.feature_detail(self.store, number, feature))


class DriftAlertsHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        unseen = self.boolean_argument("unseen")
        after = self.integer_argument("after", 0)
        limit = self.integer_argument("limit", 100)
        subject = self.get_argument("subject", None)
        await self.respond(
            lambda: monitor.alert_feed(self.store, unseen_only=unseen, after=after, limit=limit, subject=subject)
        )


class DriftAlertsSeenHandler(NbopsHandler):
    @web.authenticated
    async def post(self):
        """Body ``{"ids": [1, 2]}``: those alert events no longer count as unseen."""
        # JSON Schema counts 3.0 as an integer, so the API takes it as 3
        ids = [int(i) for i in self.json_body()["ids"]]

        def work():
            marked = mark_alerts_seen(self.store, ids)
            return {"marked": marked, "unseen": monitor.alert_feed(self.store, limit=1)["unseen"]}

        await self.respond(work)


class DriftRulesHandler(NbopsHandler):
    @web.authenticated
    async def get(self, subject: str):
        await self.respond(lambda: monitor.rules_of(self.store, subject))

    @web.authenticated
    async def post(self, subject: str):
        """Body ``{"statistic", "threshold", "consecutive", "cooldown", "features", "name", "webhook", "retrain"}``;
        '*' = every subject."""
        # a relative retrain package is a folder under the server's root, as the file browser shows it
        rule = rule_from_json(self.json_body(), base=Path(self.settings.get("server_root_dir") or "."))

        def work():
            if subject != "*":
                monitor.subject(self.store, subject)
            add_alert_rule(self.store, subject, rule)
            return monitor.rules_of(self.store, subject)

        await self.respond(work, status=201)


class DriftWebhookDeliveriesHandler(NbopsHandler):
    @web.authenticated
    async def get(self):
        """The webhook delivery log, newest first: names, attempts, statuses (no URL, no secret)."""
        limit = self.integer_argument("limit", 100)
        if not 1 <= limit <= 1000:
            raise InvalidValueError(f"limit={limit} is not valid: use a whole number from 1 to 1000")
        await self.respond(lambda: {"deliveries": webhooks.deliveries(self.store, limit)})


WEBHOOK_INTERVAL = 5.0


def start_webhook_delivery(serverapp, store) -> None:
    """Post new alert events to the webhooks of ``c.NbopsApp.webhooks`` every few seconds, in a
    worker thread (retries sleep there, never on the server's loop)."""
    import asyncio

    from tornado.ioloop import PeriodicCallback

    from .settings import NbopsApp

    config = NbopsApp(parent=serverapp).webhooks
    if not config:
        return
    hooks = webhooks.webhooks_from_config(config)
    busy = False

    async def tick():
        nonlocal busy
        if busy:
            return
        busy = True
        try:
            await asyncio.get_running_loop().run_in_executor(None, webhooks.deliver_pending, store, hooks)
        except Exception:  # a failing side integration only logs: the server keeps serving
            serverapp.log.exception("nbops: webhook delivery failed")
        finally:
            busy = False

    PeriodicCallback(tick, WEBHOOK_INTERVAL * 1000).start()
    serverapp.log.info("nbops: drift alerts go to webhooks %s", sorted(hooks))


def _window_id(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number < 2**63:
        raise InvalidValueError(f"window id {text[:40]!r} is not valid: use a window's id (a whole number >= 1)")
    return number


ROUTES = [
    (r"drift/references", DriftReferencesHandler),
    (r"drift/alerts", DriftAlertsHandler),
    (r"drift/alerts/seen", DriftAlertsSeenHandler),
    (r"drift/webhooks/deliveries", DriftWebhookDeliveriesHandler),
    (r"drift/windows/(?P<window_id>[^/]+)/features/(?P<feature>[^/]+)", DriftFeatureHandler),
    (r"drift/(?P<subject>[^/]+)/windows", DriftWindowsHandler),
    (r"drift/(?P<subject>[^/]+)/rules", DriftRulesHandler),
]
