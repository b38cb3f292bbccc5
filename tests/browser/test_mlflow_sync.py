"""Team scale-out in Lab: the server pushes ended runs to a real MLflow server in the
background; the sidebar and run detail show each run's sync state, a failed push its error;
the "Push Runs to MLflow" command pushes at once. Credentials never leak."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PANEL_ID = "nbops-experiments"
PASSWORD = "s3cret-never-shown"
SEED = """
import json, sys, nbops
ids = []
for name in sys.argv[1:]:
    with nbops.start_run("lab-sync", name=name, params={"lr": 0.1}, capture_provenance=False) as run:
        for step in range(50):
            run.log_metric("loss", 1 / (step + 1), step=step)
    ids.append(run.id)
print(json.dumps(ids))
"""


@pytest.fixture(scope="module")
def lab_config(mlflow_server) -> str:
    uri = mlflow_server.uri.replace("http://", f"http://alice:{PASSWORD}@")
    return (
        f"c.NbopsApp.mlflow_uri = {uri!r}\nc.NbopsApp.mlflow_push_interval = 1.0\nc.NbopsApp.mlflow_max_backoff = 2.0\n"
    )


def seed(lab_server, *names: str) -> list[str]:
    env = dict(os.environ, NBOPS_HOME=str(lab_server.root_dir / ".nbops"))
    done = subprocess.run(
        [sys.executable, "-c", SEED, *names],
        cwd=lab_server.root_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def api(lab_server, path: str, method: str = "GET", body: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{lab_server.url}/nbops/api/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {lab_server.token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, answer.read().decode()


def badge(panel, run_id: str):
    return panel.locator(f'tr[data-run-id="{run_id}"] .jp-nbops-SyncBadge')


def test_sidebar_and_run_detail_show_sync_state_and_a_failed_push_with_its_error(lab, lab_server, client):
    kept, doomed = seed(lab_server, "baseline", "tuned")
    lab.open()
    panel = lab.open_left_panel(PANEL_ID)
    for run_id in (kept, doomed):  # the background push reaches the sidebar through the change feed
        expect(badge(panel, run_id)).to_have_attribute("data-sync-state", "pushed", timeout=60_000)
    expect(badge(panel, kept)).to_have_attribute("title", f"Pushed to {lab_server_target(client)}")
    experiment = client.get_experiment_by_name("lab-sync")
    remote = {r.data.tags["nbops.run_id"]: r for r in client.search_runs([experiment.experiment_id])}
    assert set(remote) == {kept, doomed}
    assert len(client.get_metric_history(remote[kept].info.run_id, "loss")) == 50

    # Someone deletes a run on the server; the local run changes; the next push must not recreate it.
    client.delete_run(remote[doomed].info.run_id)
    status, _ = api(lab_server, f"runs/{doomed}", "PATCH", {"tags": {"reviewed": "yes"}})
    assert status == 200
    lab.page.evaluate("() => { void window.jupyterapp.commands.execute('nbops:push-runs'); }")
    toast = lab.page.get_by_role("alert").filter(has_text=re.compile(r"Pushing \d+ run\(s\) to|already on"))
    expect(toast).to_contain_text(lab_server_target(client))
    failed = badge(panel, doomed)
    expect(failed).to_have_attribute("data-sync-state", "failed", timeout=60_000)
    expect(failed).to_have_attribute("title", re.compile("failed: MLflow run .* was deleted on the server"))
    lab.screenshot("mlflow-sync-sidebar-light", panel)

    lab.page.evaluate("run => { void window.jupyterapp.commands.execute('nbops:open-run', {run}); }", doomed)
    detail = lab.page.locator(f'.jp-nbops-RunDetail[data-run="{doomed}"]')
    expect(detail.locator(".jp-nbops-SyncBadge-label")).to_contain_text(
        f"Push to {lab_server_target(client)} failed: MLflow run {remote[doomed].info.run_id} was deleted"
    )
    lab.screenshot("mlflow-sync-detail-light")
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("mlflow-sync-detail-dark")
    lab.open_left_panel(PANEL_ID)
    lab.screenshot("mlflow-sync-sidebar-dark", panel)
    lab.set_theme("JupyterLab Light")

    # never recreated: still exactly the two runs, one of them deleted
    assert [r.data.tags["nbops.run_id"] for r in client.search_runs([experiment.experiment_id])] == [kept]
    # the password is nowhere: REST answers, the Lab log, the store
    _, listing = api(lab_server, "runs")
    _, sync = api(lab_server, "sync")
    assert json.loads(sync)["target"] == lab_server_target(client)
    for text in (
        listing,
        sync,
        lab_server.log_path.read_text(errors="replace"),
        *(p.read_bytes().decode("latin-1") for p in (lab_server.root_dir / ".nbops").glob("nbops.db*")),
    ):
        assert PASSWORD not in text and "alice" not in text


def lab_server_target(client) -> str:
    return client.tracking_uri  # the URI without credentials is what nbops shows
