"""Bad input: an unreachable server, refused credentials, a failing server, a bad URI. Each
gives one clear error naming the server (never its password) and the HTTP status, and the
local store is left as it was."""

from __future__ import annotations

import hashlib
import http.server
import threading

import pytest

import nbops
from nbops.cli import main

from .fixtures import require_mlflow_client
from .mlflow_peer import free_port

require_mlflow_client()  # these need MLflow's client only, no server


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 500
    body = b'{"error_code": "INTERNAL_ERROR", "message": "database is down"}'

    def _reply(self):
        self.send_response(self.status)
        if self.status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="mlflow"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = _reply

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def answering():
    """A local HTTP server that answers every request with a chosen status."""
    servers = []

    def start(status: int, body: bytes | None = None) -> str:
        handler = type("Handler", (_Answer,), {"status": status, "body": body or _Answer.body})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def store_fingerprint(project) -> str:
    """Every row of the store: equal before and after means the store was not touched."""
    import sqlite3

    conn = sqlite3.connect(project / ".nbops" / "nbops.db")
    dump = "\n".join(conn.iterdump())
    conn.close()
    return hashlib.sha256(dump.encode()).hexdigest()


@pytest.fixture
def logged(project):
    with nbops.start_run("errors", params={"lr": 0.1}, capture_provenance=False) as run:
        for step in range(20):
            run.log_metric("loss", 1 / (step + 1), step=step)
    return run


def test_an_unreachable_server_is_named_and_the_store_untouched(project, logged, capsys):
    uri = f"http://127.0.0.1:{free_port()}"
    before = store_fingerprint(project)
    assert main(["mlflow", "push", uri]) == 1
    err = capsys.readouterr().err
    assert f"cannot reach the MLflow server at {uri}" in err and "connection refused" in err
    assert store_fingerprint(project) == before


# The bodies MLflow's basic-auth app, its REST API and a proxy in front of it send.
@pytest.mark.parametrize(
    "status, body, words",
    [
        (
            401,
            b"You are not authenticated. Please see the docs on how to authenticate.",
            "authentication failed: set MLFLOW_TRACKING_USERNAME",
        ),
        (403, b"Permission denied", "permission denied"),
        (500, b'{"error_code": "INTERNAL_ERROR", "message": "database is down"}', "HTTP 500"),
        (503, b"Service Unavailable", "HTTP 503"),
    ],
)
def test_a_refusing_server_gives_its_http_status_and_never_the_password(
    project, logged, capsys, answering, status, body, words
):
    address = answering(status, body)
    before = store_fingerprint(project)
    assert main(["mlflow", "push", f"http://alice:s3cret@{address}"]) == 1
    err = capsys.readouterr().err
    assert f"the MLflow server at http://{address} answered HTTP {status}" in err
    assert words in err
    assert "s3cret" not in err and "alice" not in err
    assert store_fingerprint(project) == before
    assert main(["mlflow", "pull", f"http://{address}"]) == 1
    assert f"answered HTTP {status}" in capsys.readouterr().err
    assert store_fingerprint(project) == before


@pytest.mark.parametrize("uri", ["ftp://example.org", "mlflow.example.org:5000", ""])
def test_a_uri_that_is_not_http_is_refused_before_any_request(project, logged, capsys, uri):
    assert main(["mlflow", "push", uri]) == 2
    assert f"MLflow tracking URI {uri!r} is not valid: use the server's http(s) address" in capsys.readouterr().err


@pytest.mark.parametrize("workers", ["0", "-2", "four"])
def test_a_bad_workers_count_is_named_before_any_request(project, logged, capsys, workers):
    before = store_fingerprint(project)
    with pytest.raises(SystemExit) as refused:
        main(["mlflow", "push", "http://127.0.0.1:9", "--workers", workers])
    assert refused.value.code == 2
    assert f"--workers: {workers!r} is not valid: use a whole number of requests, 1 or more" in capsys.readouterr().err
    assert store_fingerprint(project) == before


def test_a_batch_refused_by_an_overloaded_server_is_sent_again(monkeypatch):
    """MLflow answers 400 when its database pool runs dry under load: wait and send again."""
    from nbops.mlflow_sync import server as server_module
    from nbops.mlflow_sync.server import TrackingServer

    answers = [
        (
            400,
            b'{"error_code": "BAD_REQUEST", "message": "QueuePool limit of size 5 overflow 10 reached, '
            b'connection timed out, timeout 30.00"}',
        ),
        (200, b"{}"),
    ]
    seen = []

    class Handler(_Answer):
        def _reply(self):
            seen.append(self.path)
            self.status, self.body = answers[min(len(seen), len(answers)) - 1]
            super()._reply()

        do_POST = _reply

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setattr(server_module, "RETRY_WAITS", (0.1,))
    try:
        server = TrackingServer(f"http://127.0.0.1:{httpd.server_address[1]}")
        body = b'{"run_id": "r1", "metrics": [{"key": "loss", "value": 0.5, "timestamp": 1000, "step": 0}]}'
        server.post_again("/api/2.0/mlflow/runs/log-batch", body, "log_batch")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert seen == ["/api/2.0/mlflow/runs/log-batch"] * 2
