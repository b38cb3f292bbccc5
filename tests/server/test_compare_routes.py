"""`GET compare` for the Compare panel: runs that are gone or deleted do not blank the panel."""

import json

import pytest
from tornado.httpclient import HTTPClientError

import nbops


async def get(jp_fetch, *parts, **params):
    response = await jp_fetch("nbops", "api", *parts, method="GET", params=params)
    return json.loads(response.body)


def tracked(params):
    with nbops.start_run("exp", params=params, capture_provenance=False) as run:
        nbops.log_metric("loss", 0.5, step=0)
    return run.id


async def test_missing_omit_lists_unknown_runs_and_compares_the_rest(jp_fetch, project):
    a = tracked({"lr": 0.1})
    b = tracked({"lr": 0.2})
    body = await get(jp_fetch, "compare", runs=f"{a},ghost,{b}", missing="omit")
    assert [run["id"] for run in body["runs"]] == [a, b]
    assert body["missing_runs"] == ["ghost"]
    assert body["params"] == [{"key": "lr", "values": {a: "0.1", b: "0.2"}, "differs": True}]
    assert set(body["metrics"][0]["values"]) == {a, b}


async def test_missing_omit_with_only_unknown_runs_is_an_empty_comparison(jp_fetch, project):
    body = await get(jp_fetch, "compare", runs="ghost1,ghost2", missing="omit")
    assert body["runs"] == [] and body["params"] == [] and body["missing_runs"] == ["ghost1", "ghost2"]


async def test_soft_deleted_runs_are_compared_with_their_deletion_time(jp_fetch, project):
    a = tracked({"lr": 0.1})
    b = tracked({"lr": 0.2})
    await jp_fetch("nbops", "api", "runs", b, method="DELETE")
    body = await get(jp_fetch, "compare", runs=f"{a},{b}")
    deleted = {run["id"]: run["deleted_at"] for run in body["runs"]}
    assert deleted[a] is None and deleted[b] is not None
    assert body["missing_runs"] == []


async def test_an_unknown_missing_policy_is_400_naming_the_choices(jp_fetch, project):
    a = tracked({"lr": 0.1})
    with pytest.raises(HTTPClientError) as caught:
        await get(jp_fetch, "compare", runs=a, missing="skip")
    answer = json.loads(caught.value.response.body)
    assert caught.value.code == 400 and "missing 'skip'" in answer["message"] and "error, omit" in answer["message"]
