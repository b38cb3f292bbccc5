import json
import re
import time

import pytest
from tornado.httpclient import HTTPClientError

import nbops
from nbops.server import route_methods, routes


async def get_json(jp_fetch, *parts, **params):
    response = await jp_fetch("nbops", "api", *parts, params=params)
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


async def error_of(jp_fetch, *parts, **kwargs):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("nbops", "api", *parts, **kwargs)
    body = json.loads(caught.value.response.body)
    assert set(body) == {"message", "reason"}
    return caught.value.code, body


async def test_runs_are_listed_newest_first_with_params_and_metrics(jp_fetch, project):
    for i in range(3):
        with nbops.start_run("churn", params={"i": i}):
            nbops.log_metric("auc", [0.8, 0.81, 0.82][i])
            time.sleep(0.01)
    body = await get_json(jp_fetch, "runs", experiment="churn")
    assert [r["params"]["i"] for r in body["runs"]] == ["2", "1", "0"]
    assert body["runs"][0]["metrics"] == {"auc": 0.82}
    assert body["runs"][0]["status"] == "finished" and body["next_cursor"] is None
    page = await get_json(jp_fetch, "runs", sort="-metrics.auc", limit="2", filter="metrics.auc > 0.805")
    assert [r["params"]["i"] for r in page["runs"]] == ["2", "1"] and page["next_cursor"] is None
    experiments = await get_json(jp_fetch, "experiments")
    assert experiments["experiments"][0]["name"] == "churn" and experiments["experiments"][0]["run_count"] == 3


async def test_one_run_has_detail_and_nan_becomes_null(jp_fetch, project):
    with nbops.start_run("detail") as run:
        nbops.log_metric("loss", float("nan"))
        nbops.log_artifact(b"abc", name="notes.txt")
    body = await get_json(jp_fetch, "runs", run.id)
    assert body["id"] == run.id and body["metrics"] == {"loss": None}
    assert body["artifacts"][0]["path"] == "notes.txt"
    assert "provenance" in body and "metric_summary" in body


@pytest.mark.parametrize(
    "parts, params, status, reason, fragment",
    [
        (("runs", "doesnotexist"), {}, 404, "not_found", "run 'doesnotexist' does not exist"),
        (("runs",), {"filter": "metrics.auc >>> 1"}, 400, "invalid_filter", "metrics.auc >>> 1"),
        (("runs",), {"sort": "colour"}, 400, "invalid_value", "colour"),
        (("runs",), {"limit": "lots"}, 400, "invalid_value", "limit='lots'"),
        (("runs",), {"limit": "100000"}, 400, "invalid_value", "limit 100000"),
        (("runs",), {"cursor": "%%%"}, 400, "invalid_value", "cursor"),
    ],
)
async def test_bad_requests_get_one_error_shape_never_500(jp_fetch, project, parts, params, status, reason, fragment):
    code, body = await error_of(jp_fetch, *parts, params=params)
    assert (code, body["reason"]) == (status, reason)
    assert fragment in body["message"]


async def test_every_route_requires_authentication(jp_fetch, project):
    for pattern, handler in routes():
        path = re.sub(r"\(\?P<[a-z_]+>[^)]*\)", "x", pattern)
        for method in route_methods(handler):
            body = "{}" if method in ("POST", "PUT", "PATCH") else None
            code, _ = await error_of(
                jp_fetch, *path.split("/"), method=method, body=body, headers={"Authorization": "token wrong"}
            )
            assert code == 403, (method, path)


async def test_kernels_started_by_the_server_log_where_the_panels_read(jp_serverapp, project):
    import os

    assert os.environ["NBOPS_HOME"] == str(project / ".nbops")
