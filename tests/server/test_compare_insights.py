"""Issue 14 server parts: param importance and code diff for Compare, renaming a run, and
which model version drift checks resolve to."""

import json

import pytest
from tornado.httpclient import HTTPClientError

import nbops
from nbops import tracking


async def get(jp_fetch, *parts, **params):
    response = await jp_fetch("nbops", "api", *parts, method="GET", params=params)
    return json.loads(response.body)


async def error_of(jp_fetch, *parts, method="GET", body=None, **params):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(
            "nbops", "api", *parts, method=method, params=params, body=None if body is None else json.dumps(body)
        )
    return caught.value.code, json.loads(caught.value.response.body)["message"]


def sweep(n=8):
    """auc rises with lr; depth is noise; optimizer 'adam' adds a bit."""
    ids = []
    for i in range(n):
        lr, depth, optimizer = 0.01 * (i + 1), (3, 7)[i % 2], ("adam", "sgd")[(i // 2) % 2]
        params = {"lr": lr, "depth": depth, "optimizer": optimizer, "seed": 1}
        with nbops.start_run("sweep", params=params, capture_provenance=False) as run:
            nbops.log_metric("auc", 0.5 + 3 * lr + (0.01 if optimizer == "adam" else 0))
        ids.append(run.id)
    return ids


async def test_importance_ranks_the_param_that_drives_the_metric_first(jp_fetch, project):
    ids = sweep()
    body = await get(jp_fetch, "compare", "importance", runs=",".join(ids), metric="auc")
    assert body["method"] == "random_forest" and body["runs"] == 8 and body["notice"] is None
    rows = {row["key"]: row for row in body["params"]}
    # seed never varies: it cannot explain anything and is left out
    assert set(rows) == {"lr", "depth", "optimizer=adam", "optimizer=sgd"}
    assert body["params"][0]["key"] == "lr"
    assert rows["lr"]["correlation"] > 0.99
    assert rows["optimizer=adam"]["param"] == "optimizer" and rows["optimizer=adam"]["value"] == "adam"
    assert rows["optimizer=adam"]["correlation"] == pytest.approx(-rows["optimizer=sgd"]["correlation"])
    assert sum(row["importance"] for row in body["params"]) == pytest.approx(1.0, abs=1e-4)


async def test_importance_with_too_few_runs_is_a_notice_not_an_error(jp_fetch, project):
    ids = sweep(2)
    body = await get(jp_fetch, "compare", "importance", runs=",".join(ids), metric="auc")
    assert body["params"] == [] and "at least 3" in body["notice"] and body["runs"] == 2


async def test_importance_of_a_metric_no_run_logged_names_the_logged_ones(jp_fetch, project):
    ids = sweep(3)
    body = await get(jp_fetch, "compare", "importance", runs=",".join(ids), metric="acc")
    assert body["params"] == [] and body["notice"] == "No selected run logged 'acc': pick one of auc"
    code, message = await error_of(jp_fetch, "compare", "importance", runs=",".join(ids))
    assert code == 400 and "metric is empty" in message


def cells_run(name, cells, git_diff=None):
    store = tracking.store()
    run_id = store.runs.create("code", name=name)
    store.provenance.update(
        run_id, cells=[{"execution_count": i + 1, "source": s} for i, s in enumerate(cells)], git_diff=git_diff
    )
    store.runs.end(run_id)
    return run_id


async def test_code_diff_aligns_cells_and_diffs_the_changed_one(jp_fetch, project):
    a = cells_run("a", ["import numpy as np", "x = np.ones(3)\nfit(x, lr=0.1)", "print('done')"], "diff a")
    b = cells_run("b", ["import numpy as np", "import pandas as pd", "x = np.ones(3)\nfit(x, lr=0.2)"], None)
    body = await get(jp_fetch, "compare", "code", a=a, b=b)
    assert [c["status"] for c in body["cells"]] == ["same", "added", "changed", "removed"]
    changed = body["cells"][2]
    assert "-fit(x, lr=0.1)\n+fit(x, lr=0.2)\n" in changed["diff"] and " x = np.ones(3)\n" in changed["diff"]
    assert body["cells"][1]["b"] == "import pandas as pd" and body["cells"][1]["a"] is None
    assert body["git_diff"] == {a: "diff a", b: None}
    assert [r["name"] for r in body["runs"]] == ["a", "b"]


async def test_code_diff_needs_two_known_runs(jp_fetch, project):
    a = cells_run("a", ["1"])
    code, message = await error_of(jp_fetch, "compare", "code", a=a)
    assert code == 400 and "name the two runs" in message
    code, message = await error_of(jp_fetch, "compare", "code", a=a, b="ghost")
    assert code == 404 and "'ghost'" in message
    same = await get(jp_fetch, "compare", "code", a=a, b=a)
    assert [c["status"] for c in same["cells"]] == ["same"]


async def test_rename_a_run_and_refuse_blank_or_long_names(jp_fetch, project):
    with nbops.start_run("exp", name="old", capture_provenance=False) as run:
        pass
    response = await jp_fetch("nbops", "api", "runs", run.id, method="PATCH", body=json.dumps({"name": "  better  "}))
    assert json.loads(response.body)["name"] == "better"
    assert (await get(jp_fetch, "runs", run.id))["name"] == "better"
    for bad, fragment in (
        ("   ", 'name="   " is not valid: expected a new name: not blank'),
        ("a\tb", "no control characters"),
        ("x" * 251, "is not valid: use at most 250 characters"),
        (7, "name=7 is not valid: use a string"),
    ):
        code, message = await error_of(jp_fetch, "runs", run.id, method="PATCH", body={"name": bad})
        assert code == 400 and fragment in message
    assert (await get(jp_fetch, "runs", run.id))["name"] == "better"


async def test_versions_say_which_version_drift_checks_use(jp_fetch, project):
    with nbops.start_run("churn", capture_provenance=False):
        nbops.register_model("m", {"w": 1})
        nbops.register_model("m", {"w": 2})
    body = await get(jp_fetch, "models", "m", "versions")
    assert body["drift_version"] == {"version": 2, "via": "latest"}
    store = tracking.store()
    store.models.set_alias("m", "production", 1)
    body = await get(jp_fetch, "models", "m", "versions")
    assert body["drift_version"] == {"version": 1, "via": "production"}


async def test_code_diff_of_two_large_rewritten_notebooks_answers(jp_fetch, project):
    a = cells_run("a", [f"x{i} = {i}" for i in range(120)])
    b = cells_run("b", [f"y{i} = {i} * 2" for i in range(100)])
    body = await get(jp_fetch, "compare", "code", a=a, b=b)
    assert [c["status"] for c in body["cells"]].count("removed") == 20 and len(body["cells"]) == 120
