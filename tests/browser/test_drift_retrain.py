"""The Drift Monitor's alert history shows what each alert's retrain became: "retrained → v2",
skipped by the rate limit, failed (and the failure's own alert), queued, or running.

The retrains really run, as a job of the Lab server: the checks (another process) queue them,
and the server launches a small package folder (the manifest and params.py nbops reads, and a
CLI that registers a model in the store it is given) one retrain at a time.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from .test_drift import FRAME, open_monitor, run_python

pytestmark = pytest.mark.browser

PACKAGE = {
    ".nbops-package.json": json.dumps(
        {
            "generator": "nbops",
            "package": "mini_pipeline",
            "notebook": "mini.ipynb",
            "files": [
                ".nbops-package.json",
                "src/mini_pipeline/__init__.py",
                "src/mini_pipeline/params.py",
                "src/mini_pipeline/__main__.py",
            ],
        }
    ),
    "src/mini_pipeline/__init__.py": "",
    "src/mini_pipeline/params.py": (
        "_SPECS = {'data_path': ('str', False), 'fail': ('bool', False), 'sleep': ('float', False)}\n"
    ),
    "src/mini_pipeline/__main__.py": """
import os, sys, time
import pandas as pd
import nbops

params = dict(arg.removeprefix("--param=").split("=", 1) for arg in sys.argv[2:])
time.sleep(float(params.get("sleep", "0")))
if params.get("fail") == "1":
    sys.exit("error: the training step failed: column 'label' is missing")
df = pd.read_parquet(params["data_path"])
tags = {"pipeline.package": "mini_pipeline", "nbops.retrain": os.environ["NBOPS_RETRAIN_ID"]}
with nbops.start_run("churn", params=params, tags=tags, capture_provenance=False):
    nbops.register_model("churn-model", {"mean": float(df["num_00"].mean())})
""",
}

SEED = (
    FRAME
    + f"""
from pathlib import Path
from nbops.drift.actions import retrain_from_json

for name, text in {PACKAGE!r}.items():
    Path("mini_pipeline", name).parent.mkdir(parents=True, exist_ok=True)
    Path("mini_pipeline", name).write_text(text)
with nbops.start_run("churn", capture_provenance=False):
    nbops.log_dataset(frame(4000), "churn")
    nbops.register_model("churn-model", {{"mean": 0.0}}, alias="production")
action = {{"package": "mini_pipeline", "param": "data_path"}}
persistence.add_alert_rule(store, "churn", AlertRule("wasserstein", 0.3, features=("num_00",), name="retrain on drift",
                           retrain=retrain_from_json({{**action, "every_minutes": 60}})))
persistence.add_alert_rule(store, "churn", AlertRule("wasserstein", 0.3, features=("num_04",), name="retrain broken",
                           retrain=retrain_from_json({{**action, "params": {{"fail": "1"}}, "every_minutes": 0}})))
persistence.add_alert_rule(store, "churn", AlertRule("wasserstein", 0.3, features=("num_02",), name="retrain slowly",
                           retrain=retrain_from_json({{**action, "params": {{"sleep": "300"}}, "every_minutes": 0}})))
shifts = [{{}}, {{"num_00": 0.8}}, {{"num_00": 0.9}}, {{"num_04": 1.0}}, {{"num_02": 1.0}}, {{"num_02": 1.1}}]
for i, shift in enumerate(shifts):
    nbops.check_drift("churn", frame(800, shift), window=f"W{{i + 1:02d}}")
persistence.mark_alerts_seen(store, [e["id"] for e in persistence.alert_events(store, unseen_only=True)])
"""
)


@pytest.fixture(scope="module")
def lab_config() -> str:
    return "c.NbopsApp.retrain_poll_interval = 0.5\n"


def settled(lab_server) -> dict[str, list[dict]]:
    """The alerts by window, once the server ran the quick retrains and started the slow one."""
    deadline = time.monotonic() + 120
    while True:
        by_window = {}
        for alert in alerts(lab_server):
            by_window.setdefault(alert["window"], []).append(alert)
        states = [a["retrain"]["status"] for w in ("W02", "W04", "W05") for a in by_window.get(w, []) if a["retrain"]]
        if states == ["succeeded", "failed", "running"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    # The failure's own alert came after the seed marked the others seen: no toast over the screenshots.
    ids = [a["id"] for found in by_window.values() for a in found if a["seen_at"] is None]
    request = urllib.request.Request(
        f"{lab_server.url}/nbops/api/drift/alerts/seen",
        data=json.dumps({"ids": ids}).encode(),
        method="POST",
        headers={"Authorization": f"token {lab_server.token}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).close()
    return by_window


def alerts(lab_server) -> list[dict]:
    request = urllib.request.Request(
        f"{lab_server.url}/nbops/api/drift/alerts?subject=churn", headers={"Authorization": f"token {lab_server.token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["alerts"]


def test_alert_history_shows_retrained_skipped_failed_running_and_queued(lab, lab_server):
    run_python(lab_server, SEED)
    by_window = settled(lab_server)
    (retrained,) = by_window["W02"]
    assert retrained["retrain"]["status"] == "succeeded", retrained["retrain"]
    assert (retrained["retrain"]["model"], retrained["retrain"]["model_version"]) == ("churn-model", 2)
    assert by_window["W03"][0]["retrain"]["status"] == "suppressed"
    failure, broken = by_window["W04"]  # newest first: the failure's own alert, then the alert that retrained
    assert broken["retrain"]["status"] == "failed" and failure["rule"] == "retrain broken: retrain failed"
    assert broken["retrain"]["failure_event_id"] == failure["id"] and failure["retrain"] is None
    (running,), (queued,) = by_window["W05"], by_window["W06"]  # one retrain at a time: W06 waits
    assert (running["retrain"]["status"], queued["retrain"]["status"]) == ("running", "queued")

    lab.open()
    panel = open_monitor(lab, "churn")
    card = panel.get_by_role("region", name="Alert history")
    card.scroll_into_view_if_needed()
    chip = card.locator(f'[data-id="nbops-drift-alert-{retrained["id"]}"] .jp-nbops-DriftAlertHistory-retrain')
    expect(chip).to_have_text("retrained → v2")
    run_id = retrained["retrain"]["run_id"]
    assert f"churn-model v2\nrun {run_id}" in chip.get_attribute("title")
    skipped = card.locator(f'[data-id="nbops-drift-retrain-{by_window["W03"][0]["retrain"]["id"]}"]')
    expect(skipped).to_have_text("retrain skipped")
    assert "it retrains at most once every 60 min" in skipped.get_attribute("title")
    failed = card.locator(f'[data-id="nbops-drift-retrain-{broken["retrain"]["id"]}"]')
    expect(failed).to_have_text("retrain failed: error: the training step failed: column 'label' is missing")
    assert "column 'label' is missing" in failed.get_attribute("title")
    own = card.locator(f'[data-id="nbops-drift-alert-{failure["id"]}"]')
    expect(own).to_contain_text("retrain broken: retrain failed")
    expect(own.locator(".jp-nbops-DriftAlertHistory-retrain")).to_have_text("")
    expect(card.locator(f'[data-id="nbops-drift-retrain-{running["retrain"]["id"]}"]')).to_have_text("retraining…")
    expect(card.locator(f'[data-id="nbops-drift-retrain-{queued["retrain"]["id"]}"]')).to_have_text("retrain queued")
    lab.screenshot("drift-retrain-alerts-light", card)
    rules = panel.get_by_role("region", name="Alert rules")
    retrains = rules.locator('tr[data-rule="retrain on drift"] .jp-nbops-DriftRules-chip.jp-mod-retrain')
    expect(retrains).to_have_text("retrains")
    assert "(local) with data_path = the drifted window's data, at most once every 60 min" in retrains.get_attribute(
        "title"
    )
    rules.scroll_into_view_if_needed()
    lab.screenshot("drift-retrain-rules-light", rules)

    lab.set_theme("JupyterLab Dark")
    expect(chip).to_have_text("retrained → v2")
    lab.screenshot("drift-retrain-rules-dark", rules)
    card.scroll_into_view_if_needed()
    lab.screenshot("drift-retrain-alerts-dark", card)
