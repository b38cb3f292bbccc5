"""Serve and Stop from the Models view: a real `nbops serve` child of the Lab's server, real requests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .test_models import open_models

httpx = pytest.importorskip("httpx", reason="pip install httpx")
pytestmark = pytest.mark.browser
REGISTRY = Path(__file__).resolve().parents[1] / "serving" / "registry.py"
ROWS = {"columns": ["x1", "x2", "count", "plan"], "data": [[0.5, -1.0, 3, "pro"]]}


@pytest.fixture(scope="module")
def churn(lab_server) -> None:
    """churn v1 (production), v2 (candidate), v3, with their training dataset."""
    env = dict(os.environ, NBOPS_HOME=str(lab_server.root_dir / ".nbops"))
    subprocess.run([sys.executable, str(REGISTRY)], cwd=lab_server.root_dir, env=env, check=True, timeout=120)


@pytest.fixture(autouse=True)
def no_endpoint_left(lab_server):
    """A test that fails before its Stop leaves no endpoint running into the next test."""
    yield
    for endpoint in lab_server.api("models/serving")["endpoints"]:
        lab_server.api(f"models/serving/{endpoint['id']}", "DELETE")


def _versions_of_churn(lab):
    """The Models view, opened, and its table of churn's versions."""
    lab.open()
    view = open_models(lab)
    return view, view.get_by_role("table", name="Versions of churn")


def _serving_endpoint(view, version: int):
    """The endpoint panel of a churn version, once its server answers."""
    panel = view.get_by_label(f"Endpoint of churn version {version}")
    expect(panel.locator('[data-id="serving-state"]')).to_have_text("Serving", timeout=60_000)
    return panel


def _serve(view, version_row, version: int):
    """Click Serve on a version's row: its endpoint panel and base URL once it answers."""
    version_row.get_by_role("button", name=f"Serve version {version}").click()
    panel = _serving_endpoint(view, version)
    return panel, panel.locator('[data-id="serving-url"]').inner_text().removesuffix("/invocations")


def test_serve_shows_live_requests_then_stop(lab, lab_server, churn):
    view, versions = _versions_of_churn(lab)
    v1 = versions.locator('tr[data-version="1"]')
    panel, url = _serve(view, v1, 1)
    [endpoint] = lab_server.api("models/serving")["endpoints"]
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
    lab.screenshots_light_and_dark("serving-models", card)

    v1.get_by_role("button", name="Stop serving version 1").click()
    expect(panel).to_have_count(0)
    expect(v1.get_by_role("button", name="Serve version 1")).to_be_enabled()
    assert lab_server.api("models/serving")["endpoints"] == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/ping")


def test_serve_with_a_canary_counts_both_versions_then_stop(lab, lab_server, churn):
    view, versions = _versions_of_churn(lab)
    v1 = versions.locator('tr[data-version="1"]')
    v1.get_by_role("button", name="Split version 1 with a canary or shadow").click()

    dialog = lab.page.get_by_role("dialog")
    dialog.get_by_role("combobox").select_option("2")
    dialog.get_by_label("Canary percent").fill("10")
    lab.screenshot("serving-split-dialog-light", dialog)
    dialog.get_by_role("button", name="Serve").click()

    panel = _serving_endpoint(view, 1)
    [endpoint] = lab_server.api("models/serving")["endpoints"]
    assert endpoint["canary"] == {"version": 2, "reference": "churn:2", "percent": 10}
    # Each request draws its version: at least 60, and on until the canary has answered (a run
    # of 60 without it is 0.2 % likely; one of 600, when the split works, 3e-28).
    answered: list[str] = []
    while len(answered) < 60 or ("2" not in answered and len(answered) < 600):
        answer = httpx.post(f"{endpoint['url']}/invocations", json={"dataframe_split": ROWS})
        answered.append(answer.headers["X-Nbops-Version"])
    split = panel.get_by_role("table", name="Canary split of churn")
    primary, canary = split.locator('tr[data-role="primary"]'), split.locator('tr[data-role="canary"]')
    expect(primary.locator('[data-id="split-requests"]')).to_have_text(str(answered.count("1")), timeout=15_000)
    expect(canary.locator('[data-id="split-requests"]')).to_have_text(str(answered.count("2")))
    assert answered.count("2") > 0, f"the canary answered none of {len(answered)} requests"
    expect(primary).to_contain_text("90 %")
    expect(canary).to_contain_text("10 %")

    card = view.locator('[data-model="churn"]')
    lab.screenshots_light_and_dark("serving-canary", card)

    v1.get_by_role("button", name="Stop serving version 1").click()
    expect(panel).to_have_count(0)
    assert lab_server.api("models/serving")["endpoints"] == []


def _dismiss_toasts(lab) -> None:
    """Close Lab's notifications (a drift alert of the served traffic) so they hide nothing."""
    for close in lab.page.get_by_role("button", name="Hide notification").all():
        close.click()


def _flush(url: str) -> None:
    """The server writes its request log every second; /stats writes it now."""
    assert httpx.get(f"{url}/stats").is_success


@pytest.mark.timeout(600)  # see the SHAP wait below
def test_explain_live_inputs_of_a_served_version(lab, lab_server, churn):
    from serving.registry import FEATURES, LABEL, table

    view, versions = _versions_of_churn(lab)
    v1 = versions.locator('tr[data-version="1"]')
    explain_live = v1.get_by_role("button", name="Explain version 1 on live inputs")
    expect(explain_live).to_have_count(0)  # not served yet: nothing live to explain

    # served with a shadow and its raw inputs kept (--log-inputs), from the Split… dialog
    v1.get_by_role("button", name="Split version 1 with a canary or shadow").click()
    dialog = lab.page.get_by_role("dialog")
    dialog.get_by_role("combobox").select_option("2")
    dialog.get_by_role("radio", name="Shadow: scores every request, never answers").check()
    dialog.get_by_role("checkbox", name="Keep raw inputs (needed to explain it on live inputs)").check()
    dialog.get_by_role("button", name="Serve").click()
    panel = _serving_endpoint(view, 1)
    [endpoint] = lab_server.api("models/serving")["endpoints"]
    assert endpoint["log_inputs"] and endpoint["shadow"]["version"] == 2
    url = endpoint["url"]

    rows, ids = table(60, 51), []
    for start in range(0, 60, 3):
        chunk = rows.iloc[start : start + 3]
        answer = httpx.post(f"{url}/invocations", json={"dataframe_records": chunk[FEATURES].to_dict("records")})
        assert answer.status_code == 200, answer.text
        ids.append(answer.headers["X-Request-Id"])
    labels = [rows[LABEL].iloc[i : i + 3].tolist() for i in range(0, 60, 3)]
    assert httpx.post(f"{url}/feedback", json={"request_ids": ids, "labels": labels}).is_success
    _flush(url)
    expect(
        versions.locator('tr[data-version="2"]').get_by_role("button", name="Explain version 2 on live inputs")
    ).to_have_count(0)

    # computing takes the server a few seconds (model load, permutations, SHAP): the busy state shows
    with lab.page.expect_request(lambda r: r.method == "POST" and "/versions/1/explanation" in r.url) as sent:
        explain_live.click()
    assert sent.value.post_data_json == {"source": "live", "rows": 500}
    expect(explain_live).to_have_text("Explaining…")
    expect(explain_live).to_be_disabled()
    explanation = view.get_by_role("region", name="Explanation of churn v1")
    expect(explanation.locator('[data-id="live-busy"]')).to_contain_text("newest 500 live inputs")
    lab.screenshot("serving-live-explanation-busy-light", explanation)

    chart = explanation.get_by_role("img", name="Feature importance of v1")
    # shap's first call in the server process compiles its numba kernels: minutes on a loaded host
    expect(chart.locator(".main-svg").first).to_be_visible(timeout=300_000)
    expect(explanation.locator('[data-id="live-busy"]')).to_have_count(0)
    expect(explain_live).to_have_text("Explain live inputs")
    summary = explanation.locator('[data-id="explanation-summary"]')
    expect(summary).to_contain_text("live inputs computed on 60 live rows")
    expect(summary).to_contain_text("permutation importance of accuracy against the labels")
    # the strongest terms of the true logit are on top; the stored one is what the view reads
    ticks = chart.locator(".yaxislayer-above .ytick text")
    expect(ticks).to_have_count(len(FEATURES))
    stored = lab_server.api("models/churn/versions/1/explanation")["explanation"]
    assert stored["source"] == "live" and stored["labelled_rows"] == 60
    order = ticks.evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().top, e.textContent]).sort((a, b) => a[0] - b[0]).map(p => p[1])"
    )
    assert order == [f["feature"] for f in stored["features"]]
    assert set(order[:2]) == {"x1", "x2"}
    expect(chart.locator(".x2title")).to_have_text("mean |SHAP value|")

    explanation.scroll_into_view_if_needed()
    _dismiss_toasts(lab)
    lab.screenshot("serving-live-explanation-light", explanation)
    lab.set_theme("JupyterLab Dark")
    lab.page.wait_for_timeout(800)  # the chart re-reads the theme's colours
    lab.screenshot("serving-live-explanation-dark", explanation)
    lab.set_theme("JupyterLab Light")

    v1.get_by_role("button", name="Stop serving version 1").click()
    expect(panel).to_have_count(0)
    expect(explain_live).to_have_count(0)


def test_explain_live_inputs_not_kept_shows_the_409_inline(lab, lab_server, churn):
    view, versions = _versions_of_churn(lab)
    v3 = versions.locator('tr[data-version="3"]')
    panel, url = _serve(view, v3, 3)
    for _ in range(3):
        assert httpx.post(f"{url}/invocations", json={"dataframe_split": ROWS}).status_code == 200
    _flush(url)

    v3.get_by_role("button", name="Explain version 3 on live inputs").click()
    explanation = view.get_by_role("region", name="Explanation of churn v3")
    error = explanation.locator('[data-id="live-explanation-error"]')
    expect(error).to_contain_text("answered 3 live request(s) but their inputs were not kept", timeout=30_000)
    expect(error).to_contain_text("--log-inputs")
    expect(error).to_have_attribute("role", "alert")
    # inline, not a toast (a drift alert of the served traffic may toast: not this message)
    expect(lab.page.locator(".Toastify__toast").filter(has_text="log-inputs")).to_have_count(0)
    expect(explanation.get_by_role("img")).to_have_count(0)
    _dismiss_toasts(lab)
    lab.screenshots_light_and_dark("serving-live-explanation-409", explanation)

    v3.get_by_role("button", name="Stop serving version 3").click()
    expect(panel).to_have_count(0)
