"""Serve and Stop from the Models view: a real `nbops serve` child of the Lab's server, real requests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .test_models import open_models
from .test_run_detail import api_get

httpx = pytest.importorskip("httpx", reason="pip install httpx")
pytestmark = pytest.mark.browser
REGISTRY = Path(__file__).resolve().parents[1] / "serving" / "registry.py"
ROWS = {"columns": ["x1", "x2", "count", "plan"], "data": [[0.5, -1.0, 3, "pro"]]}


@pytest.fixture(scope="module")
def churn(lab_server) -> None:
    """churn v1 (production), v2 (candidate), v3, with their training dataset."""
    env = dict(os.environ, NBOPS_HOME=str(lab_server.root_dir / ".nbops"))
    subprocess.run([sys.executable, str(REGISTRY)], cwd=lab_server.root_dir, env=env, check=True, timeout=120)


def test_serve_shows_live_requests_then_stop(lab, lab_server, churn):
    lab.open()
    view = open_models(lab)
    versions = view.get_by_role("table", name="Versions of churn")
    v1 = versions.locator('tr[data-version="1"]')
    v1.get_by_role("button", name="Serve version 1").click()

    panel = view.get_by_label("Endpoint of churn version 1")
    expect(panel.locator('[data-id="serving-state"]')).to_have_text("Serving", timeout=60_000)
    url = panel.locator('[data-id="serving-url"]').inner_text().removesuffix("/invocations")
    [endpoint] = api_get(lab_server, "models/serving")["endpoints"]
    assert endpoint["url"] == url and endpoint["version"] == 1

    for _ in range(20):
        answer = httpx.post(f"{url}/invocations", json={"dataframe_split": ROWS})
        assert answer.status_code == 200, answer.text
    # the view polls every 2 s while an endpoint runs
    expect(panel.locator('[data-id="serving-requests"]')).to_have_text("20", timeout=15_000)
    expect(panel.locator('[data-id="serving-errors"]')).to_have_text("0")
    expect(panel.locator('[data-id="serving-p50"]')).to_contain_text(" ms")
    expect(panel.locator('[data-id="serving-rate"]')).not_to_have_text("0.0/s")

    # the copied curl call names the training columns and scores a row as it is
    lab.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    panel.get_by_role("button", name="Copy curl").click()
    expect(panel.get_by_role("button", name="Copied")).to_be_visible()
    copied = lab.page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith(f"curl -X POST {url}/invocations -H 'Content-Type: application/json' -d '")
    assert '"columns":["x1","x2","count","plan"]' in copied
    done = subprocess.run(["bash", "-c", copied], capture_output=True, text=True, timeout=30)
    assert '"predictions"' in done.stdout, done.stdout + done.stderr

    card = view.locator('[data-model="churn"]')
    lab.screenshot("serving-models-light", card)
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("serving-models-dark", card)
    lab.set_theme("JupyterLab Light")

    v1.get_by_role("button", name="Stop serving version 1").click()
    expect(panel).to_have_count(0)
    expect(v1.get_by_role("button", name="Serve version 1")).to_be_enabled()
    assert api_get(lab_server, "models/serving")["endpoints"] == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/ping")


def test_serve_with_a_canary_counts_both_versions_then_stop(lab, lab_server, churn):
    lab.open()
    view = open_models(lab)
    versions = view.get_by_role("table", name="Versions of churn")
    v1 = versions.locator('tr[data-version="1"]')
    v1.get_by_role("button", name="Split version 1 with a canary or shadow").click()

    dialog = lab.page.get_by_role("dialog")
    dialog.get_by_role("combobox").select_option("2")
    dialog.get_by_label("Canary percent").fill("10")
    lab.screenshot("serving-split-dialog-light", dialog)
    dialog.get_by_role("button", name="Serve").click()

    panel = view.get_by_label("Endpoint of churn version 1")
    expect(panel.locator('[data-id="serving-state"]')).to_have_text("Serving", timeout=60_000)
    [endpoint] = api_get(lab_server, "models/serving")["endpoints"]
    assert endpoint["canary"] == {"version": 2, "reference": "churn:2", "percent": 10}
    answered = [
        httpx.post(f"{endpoint['url']}/invocations", json={"dataframe_split": ROWS}).headers["X-Nbops-Version"]
        for _ in range(60)
    ]
    split = panel.get_by_role("table", name="Canary split of churn")
    primary, canary = split.locator('tr[data-role="primary"]'), split.locator('tr[data-role="canary"]')
    expect(primary.locator('[data-id="split-requests"]')).to_have_text(str(answered.count("1")), timeout=15_000)
    expect(canary.locator('[data-id="split-requests"]')).to_have_text(str(answered.count("2")))
    assert answered.count("2") > 0  # 60 draws at 10 %: none at all would be 0.2 % likely
    expect(primary).to_contain_text("90 %")
    expect(canary).to_contain_text("10 %")

    card = view.locator('[data-model="churn"]')
    lab.screenshot("serving-canary-light", card)
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("serving-canary-dark", card)
    lab.set_theme("JupyterLab Light")

    v1.get_by_role("button", name="Stop serving version 1").click()
    expect(panel).to_have_count(0)
    assert api_get(lab_server, "models/serving")["endpoints"] == []
