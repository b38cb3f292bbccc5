"""The Drift monitor's routes: subjects, windows over time, overlays, alerts and rules."""

import asyncio
import time

import numpy as np
import pandas as pd
import pytest

import nbops

from . import api_client as api

RNG = np.random.default_rng(11)


def frame(n, shift=0.0, new_plan=False):
    plans = ["basic", "pro", "team", "enterprise"] if new_plan else ["basic", "pro", "team"]
    weights = [0.3, 0.2, 0.1, 0.4] if new_plan else [0.6, 0.3, 0.1]
    return pd.DataFrame(
        {
            "age": RNG.normal(40 + 10 * shift, 10, n),
            "income": RNG.lognormal(10, 0.5, n),
            "plan": RNG.choice(plans, n, p=weights),
        }
    )


@pytest.fixture
def churn(project):
    """A 'churn' reference and three windows: calm, age shifted, age shifted + unseen plan."""
    nbops.log_dataset(frame(3000), "churn")
    ids = [
        nbops.check_drift("churn", frame(800), window="W1").summary["window_id"],
        nbops.check_drift("churn", frame(800, 1.0), window="W2").summary["window_id"],
        nbops.check_drift("churn", frame(800, 1.0, new_plan=True), window="W3").summary["window_id"],
    ]
    return ids


async def call(jp_fetch, method, *parts, body=None, **params):
    return await api.request(jp_fetch, method, "drift", *parts, body=body, **params)


async def get(jp_fetch, *parts, **params):
    return await api.get(jp_fetch, "drift", *parts, **params)


async def error_of(jp_fetch, *parts, method="GET", body=None, **params):
    return await api.error_of(jp_fetch, "drift", *parts, method=method, body=body, **params)


async def test_references_list_subjects_with_their_last_window(jp_fetch, churn):
    nbops.log_dataset(frame(500), "unchecked")
    subjects = (await get(jp_fetch, "references"))["subjects"]
    assert [s["name"] for s in subjects] == ["churn", "unchecked"]  # checked ones first
    churn_subject = subjects[0]
    assert churn_subject["kind"] == "dataset" and churn_subject["rows"] == 3000
    assert churn_subject["features"] == 3 and churn_subject["windows"] == 3
    assert churn_subject["last_window"]["window"] == "W3"
    assert churn_subject["last_window"]["tiers"]["drift"] >= 2
    assert subjects[1]["last_window"] is None and subjects[1]["windows"] == 0


async def test_a_model_trained_on_a_reference_is_a_subject_with_its_version(jp_fetch, project):
    with nbops.start_run("churn", capture_provenance=False):
        nbops.log_dataset(frame(2000), "train", role="train")
        nbops.register_model("churn-model", {"weights": [1, 2]})
    nbops.check_drift("churn-model", frame(500, 1.0), window="W1")
    subjects = {s["name"]: s for s in (await get(jp_fetch, "references"))["subjects"]}
    model = subjects["churn-model"]
    assert model["kind"] == "model" and model["version"] == 1 and model["label"] == "churn-model v1"
    assert model["dataset"] == "train" and model["windows"] == 1
    body = await get(jp_fetch, "churn-model", "windows")
    assert [(m["model"], m["version"]) for m in body["model_versions"]] == [("churn-model", 1)]


async def test_windows_give_heatmap_timeline_and_table_in_one_answer(jp_fetch, churn):
    body = await get(jp_fetch, "churn", "windows")
    assert [w["window"] for w in body["windows"]] == ["W1", "W2", "W3"]  # oldest first
    features = {f["feature"]: f for f in body["features"]}
    assert set(features) == {"age", "income", "plan"}
    assert features["age"]["tier"] == ["ok", "drift", "drift"]
    assert features["income"]["tier"] == ["ok", "ok", "ok"]
    assert features["plan"]["tier"][2] == "drift"
    effect = features["age"]["values"]["effect"]
    assert effect[0] < 0.1 < effect[1] and len(features["age"]["p_adjusted"]) == 3
    assert len(features["age"]["values"]["ks"]) == 3 and features["plan"]["values"]["unseen_share"][2] > 0.3
    assert body["thresholds"]["wasserstein"] == {"warn": 0.05, "drift": 0.1}
    assert "effect" in body["statistics"] and "ks" in body["statistics"]
    last_two = await get(jp_fetch, "churn", "windows", limit="2")
    assert [w["window"] for w in last_two["windows"]] == ["W2", "W3"]
    assert all(len(f["tier"]) == 2 for f in last_two["features"])


async def test_overlay_of_a_numeric_feature_marks_the_ks_gap(jp_fetch, churn):
    body = await get(jp_fetch, "windows", str(churn[1]), "features", "age")
    assert body["kind"] == "continuous" and body["decision"]["tier"] == "drift"
    assert len(body["edges"]) == len(body["reference"]) + 1 == len(body["current"]) + 1
    assert sum(body["reference"]) == pytest.approx(1.0) and body["ecdf_current"][-1] == pytest.approx(1.0)
    assert body["ks_gap"]["gap"] == pytest.approx(body["statistics"]["ks"], abs=0.02)
    assert 30 < body["ks_gap"]["x"] < 60 and body["window"]["window"] == "W2"


async def test_overlay_of_a_categorical_feature_shows_unseen_first(jp_fetch, churn):
    body = await get(jp_fetch, "windows", str(churn[2]), "features", "plan")
    assert body["labels"][0] == "(unseen)" and body["reference"][0] == 0.0 and body["current"][0] > 0.3
    changes = [abs(c - r) for r, c in zip(body["reference"], body["current"])]
    assert changes == sorted(changes, reverse=True)


async def test_alerts_feed_and_marking_them_seen(jp_fetch, churn):
    feed = await get(jp_fetch, "alerts", unseen="1")
    assert feed["unseen"] == len(feed["alerts"]) == 2  # W2 and W3 drifted under the default rule
    assert feed["unseen_by_subject"] == {"churn": 2}
    newest = feed["alerts"][0]
    assert newest["window"] == "W3" and "drifted in churn" in newest["message"]
    assert "age" in newest["features"] and feed["latest_id"] == newest["id"]
    assert (await get(jp_fetch, "alerts", after=str(newest["id"])))["alerts"] == []
    code, answer = await call(jp_fetch, "POST", "alerts", "seen", body={"ids": [newest["id"]]})
    assert code == 200 and answer == {"marked": 1, "unseen": 1}
    assert [a["window"] for a in (await get(jp_fetch, "alerts", unseen="true"))["alerts"]] == ["W2"]
    assert len((await get(jp_fetch, "alerts"))["alerts"]) == 2  # seen ones stay listed without ?unseen


async def test_rules_list_the_default_then_an_added_rule_that_fires(jp_fetch, churn):
    before = await get(jp_fetch, "churn", "rules")
    assert [r["default"] for r in before["rules"]] == [True] and "psi" in before["statistics"]
    code, added = await call(
        jp_fetch,
        "POST",
        "churn",
        "rules",
        body={"statistic": "unseen_share", "threshold": 0.2, "consecutive": 1, "cooldown": 2, "name": "new plans"},
    )
    assert code == 201
    assert [(r["name"], r["statistic"], r["cooldown"]) for r in added["rules"]] == [("new plans", "unseen_share", 2)]
    nbops.check_drift("churn", frame(800, 0.0, new_plan=True), window="W4")
    fired = (await get(jp_fetch, "alerts", unseen="1"))["alerts"][0]
    assert fired["rule"] == "new plans" and fired["features"] == ["plan"]


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"statistic": "drifty", "threshold": 1}, 'statistic="drifty" is not valid: use one of "tier", "effect"'),
        ({"statistic": "psi", "threshold": "high"}, 'threshold="high" is not valid: use a number'),
        ({"statistic": "psi"}, "needs the field 'threshold'"),
        (
            {"statistic": "psi", "threshold": 0.2, "consecutive": 0},
            "consecutive=0 is not valid: use a whole number ≥ 1",
        ),
        ({"statistic": "psi", "threshold": 0.2, "cooldown": -1}, "cooldown=-1 is not valid: use a whole number ≥ 0"),
        ({"statistic": "psi", "threshold": 0.2, "features": "age"}, 'features="age" is not valid: use a list or null'),
        (
            {"statistic": "psi", "threshold": 0.2, "colour": "red"},
            "unknown field(s) 'colour': send only consecutive, cooldown, features, name, retrain, statistic, threshold, webhook",
        ),
        ({"statistic": "psi", "threshold": 0.2, "retrain": "yes"}, 'retrain="yes" is not valid: use an object or null'),
        (
            {"statistic": "psi", "threshold": 0.2, "retrain": {"package": "nowhere", "param": "data_path"}},
            "is not a package nbops productionized",
        ),
    ],
)
async def test_bad_rules_are_400_naming_the_field(jp_fetch, churn, body, fragment):
    code, message = await error_of(jp_fetch, "churn", "rules", method="POST", body=body)
    assert code == 400 and fragment in message


@pytest.mark.parametrize(
    "parts, params, status, fragment",
    [
        (("nobody", "windows"), {}, 404, "no drift subject 'nobody'"),
        (("nobody", "rules"), {}, 404, "known subjects are ['churn']"),
        (("churn", "windows"), {"limit": "0"}, 400, "limit=0 is not valid"),
        (("churn", "windows"), {"limit": "many"}, 400, "limit='many' is not valid"),
        (("windows", "999", "features", "age"), {}, 404, "drift window 999 does not exist"),
        (("windows", "abc", "features", "age"), {}, 400, "window id 'abc' is not valid"),
        (("alerts",), {"unseen": "maybe"}, 400, "unseen='maybe' is not valid"),
        (("alerts",), {"after": "-1"}, 400, "after=-1 is not valid"),
    ],
)
async def test_unknown_things_are_404_and_bad_parameters_400(jp_fetch, churn, parts, params, status, fragment):
    code, message = await error_of(jp_fetch, *parts, **params)
    assert code == status and fragment in message


async def test_an_unknown_feature_is_404_naming_the_features(jp_fetch, churn):
    code, message = await error_of(jp_fetch, "windows", str(churn[0]), "features", "salary")
    assert code == 404 and "no feature 'salary'" in message and "'age'" in message


async def test_bad_seen_bodies_are_400(jp_fetch, churn):
    for body in ({"ids": "all"}, {"ids": [True]}, {"ids": [2**70]}, {}, {"ids": [1], "more": 1}):
        code, message = await error_of(jp_fetch, "alerts", "seen", method="POST", body=body)
        assert code == 400 and "ids" in message


async def test_no_checks_yet_is_an_empty_list_not_an_error(jp_fetch, project):
    assert (await get(jp_fetch, "references"))["subjects"] == []
    assert (await get(jp_fetch, "alerts")) == {"alerts": [], "unseen": 0, "unseen_by_subject": {}, "latest_id": 0}


async def test_a_rule_names_a_webhook_and_the_delivery_log_never_shows_urls(jp_fetch, churn, project):
    from nbops.drift.webhooks import deliver_pending, webhooks_from_config
    from nbops.store import open_store

    status, body = await call(
        jp_fetch,
        "POST",
        "churn",
        "rules",
        body={"statistic": "tier", "threshold": 2, "name": "to ops", "webhook": "ops"},
    )
    assert status == 201 and next(r for r in body["rules"] if r["name"] == "to ops")["webhook"] == "ops"
    nbops.check_drift("churn", frame(800, 2.0), window="W4")
    # nothing listens on this port: every attempt fails and is logged
    hooks = webhooks_from_config({"ops": {"url": "http://127.0.0.1:9/secret-token", "format": "slack"}})
    deliver_pending(open_store(project / ".nbops"), hooks, attempts=2, backoff=0.0, timeout=2)
    log = await get(jp_fetch, "webhooks", "deliveries")
    assert [(d["webhook"], d["attempt"], d["delivered"]) for d in log["deliveries"]] == [
        ("ops", 2, False),
        ("ops", 1, False),
    ]
    assert "secret-token" not in str(log)
    status, message = await api.error_of(
        jp_fetch, "drift", "churn", "rules", method="POST", body={"statistic": "tier", "threshold": 2, "webhook": ""}
    )
    assert status == 400 and 'webhook="" is not valid: use at least 1 character' in message


MINI_MAIN = """
import os, sys
import nbops
params = dict(arg.removeprefix("--param=").split("=", 1) for arg in sys.argv[2:])
tags = {"nbops.retrain": os.environ["NBOPS_RETRAIN_ID"]}
with nbops.start_run("churn", params=params, tags=tags, capture_provenance=False):
    nbops.register_model("churn-model", {"rows": len(open(params["data_path"]).readlines())})
"""


async def test_a_rule_with_a_retrain_action_links_its_alert_to_the_new_version(jp_fetch, churn, project):
    # The smallest folder a retrain accepts: nbops' manifest, the params it reads, and a CLI.
    folder = project / "mini_pipeline"
    (folder / "src" / "mini_pipeline").mkdir(parents=True)
    (folder / ".nbops-package.json").write_text('{"generator": "nbops", "package": "mini_pipeline", "files": []}')
    (folder / "src" / "mini_pipeline" / "__init__.py").write_text("")
    (folder / "src" / "mini_pipeline" / "params.py").write_text("_SPECS = {'data_path': ('str', False)}\n")
    (folder / "src" / "mini_pipeline" / "__main__.py").write_text(MINI_MAIN)
    action = {"package": str(folder), "param": "data_path", "format": "csv", "every_minutes": 5}
    code, added = await call(
        jp_fetch,
        "POST",
        "churn",
        "rules",
        body={"statistic": "wasserstein", "threshold": 0.3, "name": "retrain", "retrain": action},
    )
    assert code == 201 and added["rules"][0]["retrain"]["package"] == str(folder)
    # Checked in this process, which hosts the server: its retrain job wakes at once, and may
    # have claimed the retrain before the check reads it back.
    (queued,) = nbops.check_drift("churn", frame(800, 1.0), window="W4").summary["retrains"]
    assert queued["status"] in ("queued", "running") and queued["run_id"] is None
    deadline = time.monotonic() + 60
    while True:
        (alert,) = [a for a in (await get(jp_fetch, "alerts"))["alerts"] if a["window"] == "W4"]
        if alert["retrain"]["status"] not in ("queued", "running") or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert alert["retrain"]["status"] == "succeeded", alert["retrain"]["reason"]
    assert (alert["retrain"]["model"], alert["retrain"]["model_version"]) == ("churn-model", 1)
    assert alert["retrain"]["run_id"] == nbops.store().models.version("churn-model", 1)["run_id"]
    earlier = [a for a in (await get(jp_fetch, "alerts"))["alerts"] if a["window"] != "W4"]
    assert earlier and all(a["retrain"] is None for a in earlier)  # raised before the rule existed


def reviews(n, new_share=0.0):
    common = ["the", "app", "works", "well", "fast", "delivery", "good", "price", "support", "order"]
    docs = []
    for _ in range(n):
        words = list(RNG.choice(common, 8))
        if RNG.random() < new_share:
            words[:2] = RNG.choice(["refund", "crash", "broken"], 2)
        docs.append(" ".join(words))
    return docs


async def test_a_text_column_drifts_with_its_new_terms_in_the_overlay(jp_fetch, project):
    def table(n, new_share=0.0):
        return pd.DataFrame({"review": reviews(n, new_share), "ticket": [f"T-{i:06d}" for i in RNG.permutation(n)]})

    nbops.log_dataset(table(2000), "tickets")
    calm = nbops.check_drift("tickets", table(800), window="W1").summary["window_id"]
    moved = nbops.check_drift("tickets", table(800, new_share=0.5), window="W2").summary["window_id"]
    body = await get(jp_fetch, "tickets", "windows")
    review = {f["feature"]: f for f in body["features"]}["review"]
    assert review["tier"] == ["ok", "drift"] and review["values"]["effect"][1] > 0.6
    overlay = await get(jp_fetch, "windows", str(moved), "features", "review")
    assert overlay["kind"] == "text" and overlay["decision"]["statistic"] == "domain_auc"
    assert "tf-idf domain classifier" in overlay["decision"]["note"] and overlay["documents"] == [2000, 800]
    top = {t["term"]: t for t in overlay["terms"][:4]}
    assert {"refund", "crash", "broken"} & set(top), overlay["terms"]
    new = next(t for t in overlay["terms"] if t["term"] in ("refund", "crash", "broken"))
    assert new["weight"] > 0 and new["current_share"] > 0.2 > new["reference_share"]
    assert overlay["current"][0] == overlay["terms"][0]["current_share"]
    same = await get(jp_fetch, "windows", str(calm), "features", "review")
    assert same["decision"]["tier"] == "ok" and not {"refund", "crash", "broken"} & {t["term"] for t in same["terms"]}
    ticket = await get(jp_fetch, "windows", str(calm), "features", "ticket")
    assert ticket["kind"] == "categorical" and "terms" not in ticket  # an ID column is no text
