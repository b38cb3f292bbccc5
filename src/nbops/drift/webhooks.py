"""Drift alerts out of Lab: alert events posted to webhooks, with retries and a delivery log.

Webhooks live in the Jupyter server's configuration, never in the store or REST answers::

    c.NbopsApp.webhooks = {
        "ops-slack": {"url": "https://hooks.slack.com/services/...", "format": "slack"},
        "pager": {"url": "https://example.org/hook", "format": "json", "secret": "s3cret"},
    }

A rule names one (``AlertRule(..., webhook="ops-slack")``). ``format`` ``slack`` posts
``{"text": message}`` (Slack's incoming-webhook JSON); ``json`` posts the event as JSON with
``X-Nbops-Signature: sha256=<HMAC-SHA256 of the body with the secret>`` when a secret is
set. A failed post (no answer, or a status other than 2xx) is retried with exponential
back-off; every attempt is logged in ``drift_webhook_deliveries``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nbops.errors import InvalidValueError

FORMATS = ("slack", "json")
SIGNATURE_HEADER = "X-Nbops-Signature"


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str
    format: str = "json"
    secret: str | None = None

    def __repr__(self) -> str:  # never print the URL or the secret (a Slack URL is a secret)
        return f"Webhook({self.name!r}, format={self.format!r})"


def webhooks_from_config(config: Mapping[str, Any]) -> dict[str, Webhook]:
    """``{name: Webhook}`` from the server's ``c.NbopsApp.webhooks``; errors name the bad entry."""
    out = {}
    for name, entry in (config or {}).items():
        if (
            not isinstance(entry, Mapping)
            or not isinstance(entry.get("url"), str)
            or not entry["url"].startswith(("http://", "https://"))
        ):
            raise InvalidValueError(f"webhook {name!r} needs a 'url' starting with http:// or https://")
        fmt = entry.get("format", "json")
        if fmt not in FORMATS:
            raise InvalidValueError(f"webhook {name!r} has format {fmt!r}: use one of {list(FORMATS)}")
        out[name] = Webhook(name, entry["url"], fmt, entry.get("secret"))
    return out


def body_of(webhook: Webhook, event: Mapping[str, Any]) -> bytes:
    if webhook.format == "slack":
        return json.dumps({"text": f":warning: {event['message']}"}).encode()
    keys = ("id", "subject", "window", "rule", "features", "message", "created_at")
    return json.dumps({k: event.get(k) for k in keys}, sort_keys=True).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pending(store) -> list[tuple[str, dict[str, Any]]]:
    """(webhook name, event) pairs to deliver: events of rules naming a webhook, raised after the
    rule was saved, with no delivery yet and no final failure."""
    rows = (
        store.reader()
        .execute(
            "SELECT r.webhook, e.*, w.window FROM drift_alert_events e "
            "JOIN drift_alert_rules r ON r.name = e.rule AND r.subject IN (e.subject, '*') AND r.webhook IS NOT NULL "
            "JOIN drift_windows w ON w.id = e.window_id "
            "WHERE e.created_at >= r.created_at AND NOT EXISTS (SELECT 1 FROM drift_webhook_deliveries d "
            "WHERE d.event_id = e.id AND d.webhook = r.webhook AND d.final = 1) ORDER BY e.id"
        )
        .fetchall()
    )
    return [(r["webhook"], dict(r, features=json.loads(r["features"]))) for r in rows]


def deliver(
    store,
    webhook: Webhook,
    event: Mapping[str, Any],
    *,
    attempts: int = 4,
    backoff: float = 1.0,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Post ``event`` to ``webhook``, retrying after backoff, 2·backoff, 4·backoff...; True when delivered."""
    body = body_of(webhook, event)
    headers = {"Content-Type": "application/json", "User-Agent": "nbops-drift"}
    if webhook.secret and webhook.format == "json":
        headers[SIGNATURE_HEADER] = signature(webhook.secret, body)
    for attempt in range(1, attempts + 1):
        status, error = _post(webhook.url, body, headers, timeout)
        delivered = status is not None and 200 <= status < 300
        final = delivered or attempt == attempts
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO drift_webhook_deliveries (event_id, webhook, attempt, status, error, delivered, final, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (event["id"], webhook.name, attempt, status, error, int(delivered), int(final), time.time()),
            )
        if delivered:
            return True
        if not final:
            sleep(backoff * 2 ** (attempt - 1))
    return False


def deliver_pending(store, webhooks: Mapping[str, Webhook], **options) -> int:
    """Deliver every pending event; an unknown webhook name is logged as a final failure."""
    sent = 0
    for name, event in pending(store):
        webhook = webhooks.get(name)
        if webhook is None:
            with store.transaction() as conn:
                conn.execute(
                    "INSERT INTO drift_webhook_deliveries (event_id, webhook, attempt, status, error, delivered, "
                    "final, created_at) VALUES (?, ?, 1, NULL, ?, 0, 1, ?)",
                    (
                        event["id"],
                        name,
                        f"no webhook {name!r} in the server's c.NbopsApp.webhooks (configured: {sorted(webhooks)})",
                        time.time(),
                    ),
                )
            continue
        sent += deliver(store, webhook, event, **options)
    return sent


def deliveries(store, limit: int = 100) -> list[dict[str, Any]]:
    """The delivery log, newest first (webhook names only: URLs and secrets stay in the config)."""
    rows = (
        store.reader()
        .execute(
            "SELECT d.id, d.event_id, d.webhook, d.attempt, d.status, d.error, d.delivered, d.created_at, e.subject, "
            "e.message FROM drift_webhook_deliveries d JOIN drift_alert_events e ON e.id = d.event_id "
            "ORDER BY d.id DESC LIMIT ?",
            (limit,),
        )
        .fetchall()
    )
    return [dict(r, delivered=bool(r["delivered"])) for r in rows]


def _post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int | None, str | None]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
