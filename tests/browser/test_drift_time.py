"""Drift over time in the browser: a sweep of window checks gives one grouped notification,
re-checked windows do not duplicate, and the monitor stays readable with many windows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_drift import open_monitor, run_python

pytestmark = pytest.mark.browser

SEED = """
import numpy as np, pandas as pd, nbops
from nbops.drift import persistence
from nbops.store import open_store

rng = np.random.default_rng(3)

def frame(n, shift=0.0):
    data = {f"feature_{i:02d}": rng.normal(shift if i < 3 else 0.0, 1.0, n) for i in range(8)}
    data["segment_with_a_long_name"] = rng.choice(["north", "south", "east"], n)
    return pd.DataFrame(data)

store = open_store()
with nbops.start_run("sweep", capture_provenance=False):
    nbops.log_dataset(frame(4000), "sweep")
    nbops.register_model("sweep-model", {"w": 1}, alias="production")
    nbops.register_model("sweep-model", {"w": 2})
    nbops.register_model("sweep-model", {"w": 3})
# Weeks checked out of order, and the first sweep re-run: each label stays one window.
weeks = [f"2024-W{w:02d}" for w in (12, 14, 13, 15, 16, 17, 18, 19, 20, 21)]
for week in weeks:
    nbops.check_drift("sweep", frame(800), window=week)
for week in weeks[:4]:
    nbops.check_drift("sweep", frame(800), window=week)
persistence.mark_alerts_seen(store, [e["id"] for e in persistence.alert_events(store, unseen_only=True)])
"""

BURST = """
import numpy as np, pandas as pd, nbops
rng = np.random.default_rng(5)
for i in range(20):
    shift = 0.6 + 0.02 * i
    data = {f"feature_{k:02d}": rng.normal(shift if k < 3 else 0.0, 1.0, 600) for k in range(8)}
    data["segment_with_a_long_name"] = rng.choice(["north", "south", "east"], 600)
    nbops.check_drift("sweep", pd.DataFrame(data), window=f"2024-W{22 + i:02d}")
"""


def drift_toasts(page):
    return page.locator(".Toastify__toast").filter(has_text=re.compile("drift"))


def test_a_burst_of_twenty_window_checks_gives_at_most_two_notifications(lab, lab_server):
    run_python(lab_server, SEED)
    lab.open()
    page = lab.page
    panel = open_monitor(lab, "sweep")
    heatmap = panel.get_by_role("grid", name=re.compile("Drift heatmap"))
    # Re-checked labels replaced their windows: 10 labels, 10 columns, in week order.
    expect(heatmap).to_have_attribute("aria-label", "Drift heatmap: 9 features × 10 windows")
    ticks = panel.locator(".jp-nbops-DriftHeatmap-tick")
    assert ticks.evaluate_all("ts => ts.map(t => t.title)") == [f"2024-W{w}" for w in range(12, 22)]

    (lab_server.root_dir / "notes.md").write_text("# Notes\n")
    page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:open', {path: 'notes.md'}); }")
    run_python(lab_server, BURST)
    toasts = drift_toasts(page)
    expect(toasts.first).to_be_visible(timeout=30_000)
    # Every poll that finds more alerts merges them into the open toast.
    expect(toasts.first).to_contain_text(
        re.compile(r"20 drift alerts in 20 checks of sweep: feature_0\d.*; latest window 2024-W41"), timeout=30_000
    )
    page.wait_for_timeout(6_000)  # one more poll: still no new toast
    assert toasts.count() <= 2, toasts.all_inner_texts()
    expect(page.locator('[data-id="nbops-drift-status"]')).to_have_text("Drift: 20 alerts")
    page.wait_for_timeout(600)  # the toast slides in
    lab.screenshot("drift-burst-notification-light")

    # Always closable; the action opens the Drift Monitor and marks what it summarised seen.
    for toast in toasts.all():
        expect(toast.get_by_title("Hide notification")).to_be_visible()
    toasts.first.get_by_role("button", name="Open Drift Monitor").click()
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget?.id === 'nbops-drift-monitor'")
    expect(page.locator('[data-id="nbops-drift-status"]')).to_be_hidden()
    expect(toasts).to_have_count(0)  # the action closed it

    # The alert history keeps them, now seen; the heatmap has 30 labelled columns.
    expect(heatmap).to_have_attribute("aria-label", "Drift heatmap: 9 features × 30 windows")
    history = panel.get_by_role("region", name="Alert history")
    expect(history.locator(".jp-nbops-DriftAlertHistory-item")).to_have_count(20)
    expect(history.locator(".jp-nbops-DriftAlertHistory-item.jp-mod-unseen")).to_have_count(0)
    expect(history.locator(".jp-nbops-DriftAlertHistory-item").first).to_contain_text(
        re.compile(r"2024-W41.*features? drifted in sweep, window 2024-W41")
    )
    # Versions registered at the same place share one marker label, inside the chart.
    timeline = panel.get_by_role("img", name=re.compile("Timeline of .* for feature_0"))
    expect(timeline.get_by_text("sweep-model v1–v3 production")).to_have_count(1)
    label_box = timeline.get_by_text("sweep-model v1–v3 production").bounding_box()
    chart_box = timeline.bounding_box()
    assert label_box["x"] + label_box["width"] <= chart_box["x"] + chart_box["width"] + 1
    panel.locator(".jp-nbops-DriftMonitor").evaluate("el => { el.scrollTop = 160; }")
    lab.screenshot("drift-over-time-light")
    lab.set_theme("JupyterLab Dark")
    page.wait_for_timeout(800)
    lab.screenshot("drift-over-time-dark")


PERFORMANCE_SEED = """
import numpy as np, pandas as pd, nbops
from sklearn.linear_model import LogisticRegression
from nbops.drift import AlertRule, check_performance, log_labels, persistence
from nbops.store import open_store

rng = np.random.default_rng(11)

def data(n, shift=0.0, hard=0.0):
    x2 = rng.normal(-shift / 2, 1, n)
    x1 = rng.normal(shift, 1, n)
    x1 = (1 - hard) * x1 + hard * (0.66 * x2 + rng.normal(0, 0.2, n))  # towards the boundary
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.8 * x1 - 1.2 * x2)))).astype(int)
    return pd.DataFrame({"x1": x1, "x2": x2}), y

store = open_store()
X_train, y_train = data(5000)
model = LogisticRegression().fit(X_train, y_train)
X_test, y_test = data(5000)
nbops.log_dataset(X_test, "scoring")
persistence.add_alert_rule(store, "scoring", AlertRule("accuracy_drop", 0.05, name="accuracy down", webhook="ops"))
for week, hard in enumerate([0.0, 0.0, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9]):
    X, y = data(2000, hard=hard)
    check_performance("scoring", model, X_test, y_test, X, window=f"2024-W{week + 10:02d}")
    if week < 5:  # labels arrived for the older weeks only
        log_labels("scoring", f"2024-W{week + 10:02d}", y, model.predict(X), model.predict_proba(X)[:, 1])
# nothing listens on port 9: each alert's one attempt fails and is logged
from nbops.drift.webhooks import deliver_pending, webhooks_from_config
deliver_pending(store, webhooks_from_config({"ops": {"url": "http://127.0.0.1:9/hook"}}), attempts=1, timeout=2)
"""


def test_the_drift_monitor_shows_estimated_performance_with_its_band_and_realized_values(lab, lab_server):
    run_python(lab_server, PERFORMANCE_SEED)
    lab.open()
    lab.set_theme("JupyterLab Light")  # an earlier test may have left Lab dark
    panel = open_monitor(lab, "scoring")
    card = panel.get_by_role("region", name="Estimated performance")
    expect(card).to_be_visible()
    expect(card.get_by_role("heading")).to_contain_text(
        re.compile(r"2024-W17 · Accuracy 0\.\d+ \[0\.\d+, 0\.\d+\] · no labels yet")
    )
    chart = card.get_by_role("img", name="Estimated Accuracy per window")
    expect(chart.locator(".main-svg").first).to_be_visible(timeout=30_000)
    expect(chart.get_by_text("realized")).to_be_visible()
    expect(chart.get_by_text(re.compile(r"reference 0\.\d+"))).to_be_visible()
    # an older window with labels: its realized value beside the estimate
    panel.get_by_role("grid", name=re.compile("Drift heatmap")).locator(
        '[data-feature="x1"] [data-window="2024-W12"]'
    ).click()
    expect(card.get_by_role("heading")).to_contain_text(re.compile(r"2024-W12 · Accuracy .* · realized 0\.\d+"))
    card.get_by_role("combobox", name="Metric").select_option("roc_auc")
    expect(card.get_by_role("img", name="Estimated ROC AUC per window")).to_be_visible()
    card.get_by_role("combobox", name="Metric").select_option("accuracy")
    history = panel.get_by_role("region", name="Alert history")
    expect(history).to_contain_text(re.compile(r"estimated accuracy 0\.\d+ .* in scoring, window 2024-W17"))
    log = history.get_by_role("list", name="Webhook deliveries")
    expect(log.get_by_role("listitem")).to_have_count(5)
    expect(log.get_by_role("listitem").first).to_contain_text(re.compile(r"failed\s*ops\s*attempt 1: "))
    history.scroll_into_view_if_needed()
    lab.screenshot("drift-alert-history-light", history)
    toasts = drift_toasts(lab.page)
    expect(toasts).to_have_count(1)  # five alerting checks, one toast; closable
    toasts.first.get_by_title("Hide notification").click()
    expect(toasts).to_have_count(0)
    card.scroll_into_view_if_needed()
    lab.page.wait_for_timeout(500)
    lab.screenshot("drift-performance-light")
    lab.set_theme("JupyterLab Dark")
    lab.page.wait_for_timeout(800)
    lab.screenshot("drift-performance-dark")
