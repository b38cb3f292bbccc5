"""Serve and Stop through the REST routes: real ``nbops serve`` child processes of a real Jupyter server."""

from __future__ import annotations

import json
import os

import pytest
from tornado.httpclient import HTTPClientError

httpx = pytest.importorskip("httpx", reason="pip install httpx")
pytest.importorskip("uvicorn", reason="pip install -e '.[serve]'")

ROWS = {"columns": ["x1", "x2", "count", "plan"], "data": [[0.5, -1.0, 3, "pro"], [-2.0, 1.5, 20, "basic"]]}


@pytest.fixture
def churn(project):
    """churn v1 (production) and v2 (candidate), as tests/serving/registry.py registers them."""
    from serving.registry import main

    main()


async def call(jp_fetch, *parts, method="GET", body=None, timeout=60):
    kwargs = {"body": json.dumps(body)} if body is not None else {}
    response = await jp_fetch("nbops", "api", *parts, method=method, request_timeout=timeout, **kwargs)
    return response.code, json.loads(response.body)


async def refused(jp_fetch, *parts, method="GET", body=None) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as caught:
        await call(jp_fetch, *parts, method=method, body=body)
    return caught.value.code, json.loads(caught.value.response.body)["message"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped) is not serving either
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


async def test_serve_predict_read_stats_and_stop(jp_fetch, churn, store):
    code, endpoint = await call(jp_fetch, "models", "churn", "serve", method="POST", body={"version": "production"})
    assert code == 201
    assert (endpoint["model"], endpoint["version"], endpoint["reference"]) == ("churn", 1, "churn@production")
    assert endpoint["url"].startswith("http://127.0.0.1:") and endpoint["state"] == "running"
    try:
        expected = _model(store, 1).predict(_frame()).tolist()
        for _ in range(5):
            answer = httpx.post(endpoint["url"] + "/invocations", json={"dataframe_split": ROWS})
            assert answer.status_code == 200, answer.text
            assert answer.json()["predictions"] == expected
        assert (
            httpx.post(
                endpoint["url"] + "/invocations", json={"dataframe_split": {"columns": ["x1"], "data": [[1]]}}
            ).status_code
            == 400
        )

        code, listed = await call(jp_fetch, "models", "serving")
        [item] = listed["endpoints"]
        assert item["id"] == endpoint["id"] and item["state"] == "running"
        stats = item["stats"]
        assert (stats["requests"], stats["errors"]) == (6, 1)
        assert stats["requests_per_second"] > 0
        assert [f["name"] for f in stats["features"]] == ROWS["columns"]
        assert 0 < stats["latency_ms"]["p50"] <= stats["latency_ms"]["p99"]
        # its live inputs were not kept: explaining it on them says which opt-in is needed
        code, message = await refused(
            jp_fetch, "models", "churn", "versions", "1", "explanation", method="POST", body={"source": "live"}
        )
        assert code == 409 and "--log-inputs" in message and "churn v1" in message
    finally:
        code, stopped = await call(jp_fetch, "models", "serving", endpoint["id"], method="DELETE")
    assert stopped["state"] == "stopped" and stopped["exit_code"] is not None
    assert not alive(endpoint["pid"])
    assert (await call(jp_fetch, "models", "serving"))[1] == {"endpoints": []}
    code, message = await refused(jp_fetch, "models", "serving", endpoint["id"], method="DELETE")
    assert code == 404 and endpoint["id"] in message


async def test_a_canary_split_is_served_and_listed(jp_fetch, churn):
    body = {"version": 1, "canary": {"version": "candidate", "percent": 50}}
    code, endpoint = await call(jp_fetch, "models", "churn", "serve", method="POST", body=body)
    try:
        assert endpoint["canary"] == {"version": 2, "reference": "churn@candidate", "percent": 50}
        answered = {
            httpx.post(endpoint["url"] + "/invocations", json={"dataframe_split": ROWS}).headers["X-Nbops-Version"]
            for _ in range(30)
        }
        assert answered == {"1", "2"}
        [item] = (await call(jp_fetch, "models", "serving"))[1]["endpoints"]
        by_role = {v["role"]: v for v in item["stats"]["versions"]}
        assert by_role["primary"]["requests"] + by_role["canary"]["requests"] == 30
        assert (by_role["primary"]["version"], by_role["canary"]["version"]) == (1, 2)
    finally:
        await call(jp_fetch, "models", "serving", endpoint["id"], method="DELETE")


async def test_a_shadow_with_kept_inputs_is_explained_on_live_inputs(jp_fetch, churn):
    from serving.registry import FEATURES, LABEL, table

    body = {"version": "production", "shadow": {"version": "candidate"}, "log_inputs": True}
    code, endpoint = await call(jp_fetch, "models", "churn", "serve", method="POST", body=body)
    assert code == 201
    rows = table(60, 51)
    explain = ("models", "churn", "versions", "production", "explanation")
    try:
        assert endpoint["shadow"] == {"version": 2, "reference": "churn@candidate"} and endpoint["log_inputs"]
        from nbops.governance import shap_warmup

        assert shap_warmup.state() != "idle"  # an endpoint that keeps its inputs warms SHAP up
        ids = []
        for start in range(0, 60, 3):
            chunk = rows.iloc[start : start + 3]
            answer = httpx.post(
                endpoint["url"] + "/invocations", json={"dataframe_records": chunk[FEATURES].to_dict("records")}
            )
            assert answer.headers["X-Nbops-Version"] == "1"
            ids.append(answer.headers["X-Request-Id"])
        httpx.get(endpoint["url"] + "/stats")  # the server writes its request log every second: now
        await _warmed_up(shap_warmup)
        # no labels yet: permutation importance needs them, so mean |SHAP| alone
        code, shap_only = await call(jp_fetch, *explain, method="POST", body={"source": "live", "rows": 45})
        e = shap_only["explanation"]
        assert (e["source"], e["rows"], e["sampled_rows"], e["labelled_rows"]) == ("live", 45, 45, 0)
        assert e["methods"] == ["shap"] and {f["feature"] for f in e["features"]} == set(FEATURES)
        assert all(f["importance"] is None and f["shap"] >= 0 for f in e["features"])
        assert "/feedback" in e["notes"][0]

        labels = [rows[LABEL].iloc[i : i + 3].tolist() for i in range(0, 60, 3)]
        assert httpx.post(endpoint["url"] + "/feedback", json={"request_ids": ids, "labels": labels}).is_success
        code, labelled = await call(jp_fetch, *explain, method="POST", body={"source": "live"})
        e = labelled["explanation"]
        assert (e["source"], e["target"], e["labelled_rows"], e["rows"]) == ("live", "labels", 60, 60)
        assert e["methods"] == ["permutation", "shap"] and e["scoring"] == "accuracy"
        # the strongest terms of the true logit come first
        assert {f["feature"] for f in e["features"][:2]} == {"x1", "x2"}
        assert all(f["importance"] > 0 and f["shap"] > 0 for f in e["features"][:2])
        # the Models view's read of the newest explanation is this one
        assert (await call(jp_fetch, *explain))[1]["explanation"]["id"] == e["id"]
        [item] = (await call(jp_fetch, "models", "serving"))[1]["endpoints"]
        assert {v["role"]: v["requests"] for v in item["stats"]["versions"]} == {"primary": 20, "shadow": 20}
    finally:
        await call(jp_fetch, "models", "serving", endpoint["id"], method="DELETE")


async def _warmed_up(shap_warmup, timeout: float = 600) -> None:
    """Wait for the server's SHAP warm-up (20 s quiet, 40-90 s on a loaded host), after which
    an explanation compiles nothing and answers within the request's timeout."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while shap_warmup.state() != "done" and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    assert shap_warmup.state() == "done"


@pytest.mark.parametrize(
    ("body", "named"),
    [({"source": "file"}, "source"), ({"source": "live", "rows": 1}, "rows"), ({}, "source")],
)
async def test_bad_explanation_requests_get_a_400_naming_the_field(jp_fetch, churn, body, named):
    code, message = await refused(jp_fetch, "models", "churn", "versions", "1", "explanation", method="POST", body=body)
    assert code == 400 and named in message, message


async def test_a_process_that_died_is_listed_stopped_with_its_exit_code(jp_fetch, churn):
    code, endpoint = await call(jp_fetch, "models", "churn", "serve", method="POST", body={"version": 2})
    os.kill(endpoint["pid"], 9)
    for _ in range(50):
        [item] = (await call(jp_fetch, "models", "serving"))[1]["endpoints"]
        if item["state"] == "stopped":
            break
    assert (item["state"], item["exit_code"], item["stats"]) == ("stopped", -9, None)
    code, stopped = await call(jp_fetch, "models", "serving", endpoint["id"], method="DELETE")
    assert code == 200 and stopped["exit_code"] == -9


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"version": 7}, 404, "7"),
        ({"version": "staging"}, 404, "'staging'"),
        ({"version": "bad@alias"}, 400, "bad@alias"),
        ({"version": 0}, 400, "version=0"),
        ({"version": True}, 400, "version=true"),
        ({"version": 1, "canary": {"version": "nope", "percent": 10}}, 404, "'nope'"),
        ({"version": 1, "canary": {"version": 1, "percent": 10}}, 409, "version 1, the one served"),
        ({"version": 1, "canary": {"version": 2, "percent": 100}}, 400, "percent"),
        ({"version": 1, "shadow": {"version": 1}}, 409, "version 1, the one served"),
        ({"version": 1, "canary": {"version": 2, "percent": 5}, "shadow": {"version": 2}}, 400, "not both"),
        ({"version": 1, "port": 80}, 400, "port"),
        ({}, 400, "version"),
    ],
)
async def test_bad_versions_get_a_4xx_naming_them_and_start_nothing(jp_fetch, churn, body, status, named):
    code, message = await refused(jp_fetch, "models", "churn", "serve", method="POST", body=body)
    assert code == status and named in message, message
    assert (await call(jp_fetch, "models", "serving"))[1] == {"endpoints": []}


async def test_unknown_models_and_file_versions_are_refused(jp_fetch, store, tmp_path):
    code, message = await refused(jp_fetch, "models", "nope", "serve", method="POST", body={"version": 1})
    assert code == 404 and "'nope'" in message
    sha, _ = store.blobs.put_bytes(b"not a model")
    store.models.add_version("weights", sha, flavor="file")
    code, message = await refused(jp_fetch, "models", "weights", "serve", method="POST", body={"version": 1})
    assert code == 409 and "holds a file" in message


async def test_a_busy_port_is_a_conflict(jp_fetch, churn):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, message = await refused(
            jp_fetch, "models", "churn", "serve", method="POST", body={"version": 1, "port": port}
        )
    assert code == 409 and str(port) in message


async def test_stopping_an_unknown_endpoint_is_404(jp_fetch, project):
    code, message = await refused(jp_fetch, "models", "serving", "abc123", method="DELETE")
    assert code == 404 and "'abc123'" in message


def _frame():
    import pandas as pd

    return pd.DataFrame(ROWS["data"], columns=ROWS["columns"])


def _model(store, version: int):
    from nbops.serving.config import VersionRef
    from nbops.serving.loading import load_version

    return load_version(store, VersionRef("churn", version)).model


def test_endpoints_stop_with_the_server(tmp_path):
    """A Jupyter server in its own process, ended as a user ends it (SIGTERM): its endpoints end too."""
    import subprocess
    import sys
    import urllib.request

    from server.live_server import live_server

    env = dict(os.environ, NBOPS_HOME=str(tmp_path / ".nbops"))
    registry = os.path.join(os.path.dirname(__file__), "..", "serving", "registry.py")
    subprocess.run([sys.executable, registry], env=env, cwd=tmp_path, check=True, timeout=120)
    with live_server(tmp_path) as server:
        request = urllib.request.Request(
            server.api + "/models/churn/serve", data=b'{"version": 1}', headers=server.headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=90) as response:
            endpoint = json.loads(response.read())
        assert alive(endpoint["pid"])
    assert not alive(endpoint["pid"])
