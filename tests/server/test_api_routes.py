"""The routes of the experiments UI: series, compare, artifacts, models, run edits, feed."""

import json

import pytest
from tornado.httpclient import HTTPClientError

import nbops

from .api_client import call, error_of, get


def tracked(experiment="exp", params=None, metrics=None):
    with nbops.start_run(experiment, params=params or {}, capture_provenance=False) as run:
        for key, values in (metrics or {}).items():
            for step, value in enumerate(values):
                nbops.log_metric(key, value, step=step)
    return run.id


# -- metric series ------------------------------------------------------------------
async def test_metric_series_are_downsampled_with_envelopes(jp_fetch, project):
    values = [1.0] * 5000
    values[1234] = 50.0
    run_id = tracked(metrics={"loss": values, "acc": [0.5, 0.6]})
    body = await get(jp_fetch, "runs", run_id, "metrics", keys="loss,nope", max_points="100")
    loss = body["metrics"]["loss"]
    assert len(loss["step"]) == 100 and loss["downsampled"] and max(loss["max"]) == 50.0
    assert body["missing_keys"] == ["nope"] and "acc" not in body["metrics"]
    assert all(t >= 0 for t in loss["relative_time"]) and len(loss["wall_time"]) == 100
    everything = await get(jp_fetch, "runs", run_id, "metrics")
    assert sorted(everything["metrics"]) == ["acc", "loss"] and everything["max_points"] == 1000


@pytest.mark.parametrize(
    "params, status, fragment",
    [
        ({"max_points": "100000"}, 400, "max_points 100000"),
        ({"max_points": "lots"}, 400, "max_points='lots'"),
        ({"max_points": "1"}, 400, "from 2 to 10000"),
        ({"keys": ",".join(f"k{i}" for i in range(150))}, 400, "at most 100"),
        # a control character is refused, not turned into a space by Tornado and looked up
        ({"keys": "lo\x0fss"}, 400, "metric key 'lo\\x0fss' is not valid"),
    ],
)
async def test_bad_series_requests_are_400(jp_fetch, project, params, status, fragment):
    run_id = tracked(metrics={"loss": [1.0]})
    code, message = await error_of(jp_fetch, "runs", run_id, "metrics", **params)
    assert code == status and fragment in message


async def test_series_of_an_unknown_run_is_404(jp_fetch, project):
    assert await error_of(jp_fetch, "runs", "ghost", "metrics") == (404, "run 'ghost' does not exist")


# -- compare ------------------------------------------------------------------------
async def test_compare_marks_differing_params_and_summarizes_metrics(jp_fetch, project):
    a = tracked(params={"lr": 0.1, "seed": 1}, metrics={"auc": [0.7, 0.9, 0.8]})
    b = tracked(params={"lr": 0.1, "seed": 2, "extra": "x"}, metrics={"auc": [0.6]})
    body = await get(jp_fetch, "compare", runs=f"{a},{b},{a}")
    assert [r["id"] for r in body["runs"]] == [a, b]
    params = {row["key"]: row for row in body["params"]}
    assert params["lr"] == {"key": "lr", "values": {a: "0.1", b: "0.1"}, "differs": False}
    assert params["seed"]["differs"] and params["extra"]["values"] == {a: None, b: "x"} and params["extra"]["differs"]
    auc = body["metrics"][0]
    assert auc["key"] == "auc" and auc["differs"]
    assert auc["values"][a] == {"last": 0.8, "step": 2, "min": 0.7, "max": 0.9, "count": 3}
    assert auc["values"][b]["count"] == 1


async def test_compare_names_unknown_runs_and_limits_the_set(jp_fetch, project):
    a = tracked()
    code, message = await error_of(jp_fetch, "compare", runs=f"{a},ghost1,ghost2")
    assert code == 404 and "'ghost1', 'ghost2'" in message
    code, message = await error_of(jp_fetch, "compare", runs=",".join(f"r{i}" for i in range(101)))
    assert code == 400 and "at most 100" in message
    assert (await error_of(jp_fetch, "compare"))[0] == 400


# -- run edits, soft delete ---------------------------------------------------------
async def test_patch_sets_tags_deletes_tags_and_notes_in_one_go(jp_fetch, project):
    with nbops.start_run("exp", tags={"draft": "yes"}, capture_provenance=False) as run:
        pass
    body = await call(
        jp_fetch,
        "PATCH",
        "runs",
        run.id,
        body={"tags": {"team": "churn", "round": 2}, "delete_tags": ["draft"], "note": "best so far"},
    )
    assert body["tags"] == {"team": "churn", "round": "2"} and body["note"] == "best so far"
    cleared = await call(jp_fetch, "PATCH", "runs", run.id, body={"note": None})
    assert cleared["note"] is None and cleared["tags"]["team"] == "churn"


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"colour": "red"}, "colour"),
        ({}, "got no fields: send one or more of delete_tags, name, note, tags"),
        ({"tags": ["a"]}, 'tags=["a"] is not valid: use an object'),
        ({"tags": {"a": None}}, "tags.a=null is not valid: use a string, a number or true or false"),
        ({"delete_tags": "a"}, 'delete_tags="a" is not valid: use a list'),
        ({"note": 3}, "note=3 is not valid: use a string or null"),
    ],
)
async def test_bad_patches_change_nothing(jp_fetch, project, body, fragment):
    run_id = tracked()
    code, message = await error_of(jp_fetch, "runs", run_id, method="PATCH", body=body)
    assert code == 400 and fragment in message
    assert (await get(jp_fetch, "runs", run_id))["tags"] == {}


async def test_a_bad_tag_key_rolls_the_whole_patch_back(jp_fetch, project):
    run_id = tracked()
    code, _ = await error_of(jp_fetch, "runs", run_id, method="PATCH", body={"note": "kept?", "tags": {"": "x"}})
    assert code == 400
    assert (await get(jp_fetch, "runs", run_id))["note"] is None


async def test_deleted_runs_leave_listings_until_restored(jp_fetch, project):
    keep, gone = tracked(), tracked()
    deleted = await call(jp_fetch, "DELETE", "runs", gone)
    assert deleted["id"] == gone and deleted["deleted_at"] is not None
    assert [r["id"] for r in (await get(jp_fetch, "runs"))["runs"]] == [keep]
    everything = await get(jp_fetch, "runs", include_deleted="true")
    assert {r["id"] for r in everything["runs"]} == {keep, gone}
    code, message = await error_of(jp_fetch, "runs", gone, method="PATCH", body={"note": "x"})
    assert code == 409 and "restore it first" in message
    restored = await call(jp_fetch, "POST", "runs", gone, "restore", body={})
    assert restored["deleted_at"] is None
    assert {r["id"] for r in (await get(jp_fetch, "runs"))["runs"]} == {keep, gone}
    assert (await error_of(jp_fetch, "runs", include_deleted="maybe"))[0] == 400
    assert (await error_of(jp_fetch, "runs", "ghost", method="DELETE"))[0] == 404


# -- change feed --------------------------------------------------------------------
async def test_the_feed_returns_only_runs_changed_since_the_last_seq(jp_fetch, project):
    old = tracked()
    start = await get(jp_fetch, "changes")
    assert start["runs"] == [] and isinstance(start["seq"], int)
    new = tracked(metrics={"loss": [0.3]})
    feed = await get(jp_fetch, "changes", since=str(start["seq"]))
    assert [r["id"] for r in feed["runs"]] == [new] and feed["runs"][0]["metrics"] == {"loss": 0.3}
    await call(jp_fetch, "DELETE", "runs", old)
    later = await get(jp_fetch, "changes", since=str(feed["seq"]))
    assert [(r["id"], r["deleted_at"] is not None) for r in later["runs"]] == [(old, True)]
    assert (await get(jp_fetch, "changes", since=str(later["seq"])))["runs"] == []
    assert (await error_of(jp_fetch, "changes", since="-5"))[0] == 400
    assert (await error_of(jp_fetch, "changes", since="soon"))[0] == 400


# -- models ---------------------------------------------------------------------------
async def test_models_show_versions_lineage_and_movable_aliases(jp_fetch, project):
    with nbops.start_run("churn", capture_provenance=False) as run:
        nbops.log_metric("auc", 0.9)
        nbops.log_dataset(
            [{"age": 30, "plan": "a"}, {"age": 40, "plan": "b"}, {"age": 50, "plan": "a"}], "customers", role="train"
        )
        nbops.register_model("churn-model", {"weights": [1, 2]})
        nbops.register_model("churn-model", {"weights": [3, 4]}, alias="staging")
    models = (await get(jp_fetch, "models"))["models"]
    assert models[0]["name"] == "churn-model" and models[0]["latest_version"] == 2
    assert models[0]["aliases"] == {"staging": 2} and models[0]["latest"]["run_id"] == run.id
    versions = (await get(jp_fetch, "models", "churn-model", "versions"))["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["run"]["experiment"] == "churn" and versions[0]["run"]["metrics"] == {"auc": 0.9}
    dataset = versions[0]["dataset"]
    assert (dataset["name"], dataset["role"], dataset["rows"]) == ("customers", "train", 3) and dataset["digest"]
    moved = await call(
        jp_fetch, "PATCH", "models", "churn-model", "aliases", body={"alias": "production", "version": 1}
    )
    assert moved == {"name": "churn-model", "aliases": {"staging": 2, "production": 1}}
    removed = await call(
        jp_fetch, "PATCH", "models", "churn-model", "aliases", body={"alias": "staging", "version": None}
    )
    assert removed["aliases"] == {"production": 1}


@pytest.mark.parametrize(
    "name, body, status, fragment",
    [
        ("m", {"alias": "production", "version": 9}, 404, "no version 9"),
        ("ghost", {"alias": "production", "version": 1}, 404, "'ghost'"),
        ("m", {"alias": "production"}, 400, "needs the field 'version'"),
        ("m", {"alias": "production", "version": "1"}, 400, 'version="1" is not valid: use a whole number or null'),
        (
            "m",
            {"alias": "production", "version": 10**30},
            400,
            "version=1000000000000000000000000000000 is not valid: use a whole number ≤",
        ),
        ("m", {"alias": "9 lives", "version": 1}, 400, 'alias="9 lives" is not valid: expected an alias: a letter'),
        ("m", {"alias": 3, "version": None}, 400, "alias=3 is not valid: use a string"),
    ],
)
async def test_bad_alias_requests_name_the_problem(jp_fetch, project, name, body, status, fragment):
    nbops.register_model("m", {"w": 1})
    code, message = await error_of(jp_fetch, "models", name, "aliases", method="PATCH", body=body)
    assert code == status and fragment in message
    assert (await error_of(jp_fetch, "models", "ghost", "versions"))[0] == 404


async def test_a_body_that_is_not_json_is_400(jp_fetch, project):
    run_id = tracked()
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("nbops", "api", "runs", run_id, method="PATCH", body="{not json")
    assert caught.value.code == 400 and json.loads(caught.value.response.body)["reason"] == "invalid_value"


async def test_a_tag_both_deleted_and_set_ends_with_its_new_value(jp_fetch, project):
    with nbops.start_run("exp", tags={"stage": "draft"}, capture_provenance=False) as run:
        pass
    body = await call(jp_fetch, "PATCH", "runs", run.id, body={"delete_tags": ["stage"], "tags": {"stage": "final"}})
    assert body["tags"] == {"stage": "final"}


async def test_infinities_go_out_as_strings_and_nan_as_null(jp_fetch, project):
    run_id = tracked(metrics={"loss": [1.0, float("inf")], "gain": [float("-inf")], "odd": [float("nan")]})
    run = await get(jp_fetch, "runs", run_id)
    assert run["metrics"] == {"loss": "Infinity", "gain": "-Infinity", "odd": None}
    series = await get(jp_fetch, "runs", run_id, "metrics", keys="loss")
    assert series["metrics"]["loss"]["value"] == [1.0, "Infinity"]


async def test_an_unknown_filter_key_is_named_with_the_closest_known_one(jp_fetch, project):
    tracked(params={"alpha": 0.1}, metrics={"test_auc": [0.9]})
    body = await get(jp_fetch, "runs", filter="params.alpah > 0")
    assert body["runs"] == [] and body["notice"] == "no run has param 'alpah' — did you mean 'alpha'?"
    body = await get(jp_fetch, "runs", filter="metrics.`test auc` > 0.5 or name = 'metrics.nope'")
    assert body["notice"] == "no run has metric 'test auc' — did you mean 'test_auc'?"
    body = await get(jp_fetch, "runs", filter="tags.zzz = 'x'")
    assert body["notice"] == "no run has tag 'zzz'"
    body = await get(jp_fetch, "runs", filter="params.alpha > 5")  # a known key: no notice
    assert body["runs"] == [] and body["notice"] is None
    assert "notice" not in await get(jp_fetch, "runs", filter="params.alpha > 0")
