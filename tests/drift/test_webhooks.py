"""Alert rules that name a webhook: posted to a real local HTTP server, retried, signed, logged."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

import nbops
from nbops.drift import AlertRule, persistence
from nbops.drift.webhooks import SIGNATURE_HEADER, deliver_pending, deliveries, pending, webhooks_from_config
from nbops.errors import InvalidValueError

RNG = np.random.default_rng(4)


def frame(n, shift=0.0):
    return pd.DataFrame({"age": RNG.normal(40 + 10 * shift, 10, n), "plan": RNG.choice(["a", "b"], n)})


@pytest.fixture
def receiver():
    """A local HTTP server that fails the first ``fail`` posts with 503, then answers 200."""
    state = {"fail": 2, "posts": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["posts"].append({"body": body, "headers": dict(self.headers)})
            code = 503 if state["fail"] > 0 else 200
            state["fail"] -= 1
            self.send_response(code)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/hook"
    yield state
    server.shutdown()


def test_a_generic_webhook_is_retried_with_backoff_and_signed(store, receiver):
    hooks = webhooks_from_config({"pager": {"url": receiver["url"], "format": "json", "secret": "s3cret"}})
    nbops.log_dataset(frame(3000), "events")
    persistence.add_alert_rule(store, "events", AlertRule("wasserstein", 0.5, name="age moved", webhook="pager"))
    nbops.check_drift("events", frame(800), window="W1", store=store)  # quiet: nothing to send
    nbops.check_drift("events", frame(800, 2.0), window="W2", store=store)
    assert [name for name, _ in pending(store)] == ["pager"]
    waits = []
    assert deliver_pending(store, hooks, backoff=0.25, sleep=waits.append) == 1
    assert waits == [0.25, 0.5]  # two 503s, back-off doubling, then delivered
    posts = receiver["posts"]
    assert len(posts) == 3 and all(p["body"] == posts[0]["body"] for p in posts)
    body = json.loads(posts[-1]["body"])
    assert body["rule"] == "age moved" and body["window"] == "W2" and body["features"] == ["age"]
    expected = "sha256=" + hmac.new(b"s3cret", posts[-1]["body"], hashlib.sha256).hexdigest()
    assert posts[-1]["headers"][SIGNATURE_HEADER] == expected
    log = deliveries(store)
    assert [(d["attempt"], d["status"], d["delivered"]) for d in log] == [
        (3, 200, True),
        (2, 503, False),
        (1, 503, False),
    ]
    assert "s3cret" not in json.dumps(log) and receiver["url"] not in json.dumps(log)
    assert pending(store) == [] and deliver_pending(store, hooks, sleep=waits.append) == 0  # delivered once


def test_a_slack_webhook_gets_slack_json_and_gives_up_after_the_last_attempt(store, receiver):
    receiver["fail"] = 10
    hooks = webhooks_from_config({"ops": {"url": receiver["url"], "format": "slack"}})
    nbops.log_dataset(frame(3000), "shop")
    persistence.add_alert_rule(store, "*", AlertRule("tier", 2.0, name="any drift", webhook="ops"))
    nbops.check_drift("shop", frame(800, 2.0), window="W1", store=store)
    assert deliver_pending(store, hooks, attempts=3, sleep=lambda s: None) == 0
    assert json.loads(receiver["posts"][0]["body"])["text"].startswith(":warning: 1 feature drifted in shop")
    assert SIGNATURE_HEADER not in receiver["posts"][0]["headers"]
    assert [d["attempt"] for d in deliveries(store)] == [3, 2, 1]
    assert pending(store) == []  # given up: the log says so, it is not retried forever


def test_a_rule_naming_an_unconfigured_webhook_is_logged_not_lost(store):
    nbops.log_dataset(frame(3000), "rates")
    persistence.add_alert_rule(store, "rates", AlertRule("tier", 2.0, name="d", webhook="missing"))
    nbops.check_drift("rates", frame(800, 2.0), window="W1", store=store)
    assert deliver_pending(store, {}) == 0
    assert "no webhook 'missing'" in deliveries(store)[0]["error"]


def test_bad_webhook_configuration_names_the_entry():
    with pytest.raises(InvalidValueError, match="webhook 'x' needs a 'url'"):
        webhooks_from_config({"x": {"url": "ftp://nope"}})
    with pytest.raises(InvalidValueError, match="webhook 'y' has format 'xml'"):
        webhooks_from_config({"y": {"url": "https://a", "format": "xml"}})
    assert "s3cret" not in repr(webhooks_from_config({"z": {"url": "https://a", "secret": "s3cret"}})["z"])
