"""The sync routes of a Lab server with no MLflow server configured, and sync state in listings.
(The background push against a real MLflow server is driven in tests/browser/test_mlflow_sync.py.)"""

import json

import pytest
from tornado.httpclient import HTTPClientError

import nbops


async def test_without_a_configured_server_sync_is_off_and_push_now_says_how_to_configure_it(jp_fetch, project):
    status = json.loads((await jp_fetch("nbops", "api", "sync")).body)
    assert status["enabled"] is False and status["target"] is None
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("nbops", "api", "sync", "push", method="POST", body=b"")
    assert caught.value.code == 409
    body = json.loads(caught.value.response.body)
    assert body["reason"] == "conflict" and "c.NbopsApp.mlflow_uri" in body["message"]


async def test_runs_carry_their_sync_state_in_listings_detail_and_the_change_feed(jp_fetch, project):
    since = json.loads((await jp_fetch("nbops", "api", "changes")).body)["seq"]
    with nbops.start_run("sync-state", capture_provenance=False) as local:
        pass
    with nbops.start_run("sync-state", capture_provenance=False) as failed:
        pass
    nbops.store().sync.record_failure("http://mlflow:5000", [failed.id], "cannot reach the MLflow server")
    listing = json.loads((await jp_fetch("nbops", "api", "runs")).body)["runs"]
    by_id = {run["id"]: run["sync"] for run in listing}
    assert by_id[local.id] is None
    assert by_id[failed.id]["state"] == "failed" and by_id[failed.id]["error"] == "cannot reach the MLflow server"
    detail = json.loads((await jp_fetch("nbops", "api", "runs", failed.id)).body)
    assert detail["sync"]["target"] == "http://mlflow:5000"
    changes = json.loads((await jp_fetch("nbops", "api", "changes", params={"since": since})).body)["runs"]
    assert {r["id"]: r["sync"] and r["sync"]["state"] for r in changes} == {local.id: None, failed.id: "failed"}
