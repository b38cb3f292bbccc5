"""The Drift monitor end to end: heatmap, table, overlay, and an alert that arrives while Lab is open."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PANEL_ID = "nbops-drift-monitor"
FEATURES = ["num_00", "num_01", "num_02", "num_03", "num_04", "plan"]

FRAME = """
import numpy as np, pandas as pd, nbops
from nbops.drift import persistence
from nbops.drift.alerts import AlertRule
from nbops.store import open_store

rng = np.random.default_rng(7)

def frame(n, shift=None):
    shift = shift or {}
    data = {f"num_0{i}": rng.normal(shift.get(f"num_0{i}", 0.0), 1.0, n) for i in range(5)}
    # 'enterprise' never occurs in the reference: in a shifted window it is unseen
    p = [0.3, 0.2, 0.2, 0.3] if shift.get("plan") else [0.5, 0.3, 0.2, 0.0]
    data["plan"] = rng.choice(["basic", "pro", "team", "enterprise"], n, p=p)
    return pd.DataFrame(data)

store = open_store()
"""

SEED = (
    FRAME
    + """
with nbops.start_run("churn", capture_provenance=False):
    nbops.log_dataset(frame(5000), "churn")
    nbops.register_model("churn-model", {"weights": [1, 2]}, alias="production")
persistence.add_alert_rule(store, "churn", AlertRule("wasserstein", 0.3, consecutive=1, name="W >= 0.3"))
persistence.add_alert_rule(store, "churn", AlertRule("unseen_share", 0.1, name="new plans"))
shifts = [{}, {}, {"num_03": 0.08}, {"num_00": 0.5}, {"num_00": 0.5, "num_04": 1.0},
          {"num_00": 0.6, "num_04": 1.0, "plan": 1}]
for i, shift in enumerate(shifts):
    nbops.check_drift("churn", frame(1000, shift), window=f"W{i + 1:02d}")
# What was seeded counts as already seen: the test watches for a new alert.
persistence.mark_alerts_seen(store, [e["id"] for e in persistence.alert_events(store, unseen_only=True)])
"""
)

NEW_WINDOW = (
    FRAME
    + """
nbops.check_drift("churn", frame(1000, {"num_01": 0.8, "num_02": 1.2}), window="W07")
"""
)


def run_python(lab_server, code: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBOPS_")}
    env["NBOPS_HOME"] = str(lab_server.root_dir / ".nbops")
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=lab_server.root_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def open_monitor(lab, reference: str | None = None):
    args = {"reference": reference} if reference else {}
    lab.page.evaluate("args => window.jupyterapp.commands.execute('nbops:open-drift', args)", args)
    panel = lab.page.locator(f"#{PANEL_ID}")
    panel.wait_for(state="visible")
    return panel


def current_widget_id(lab) -> str:
    return lab.page.evaluate("() => window.jupyterapp.shell.currentWidget?.id ?? ''")


def test_empty_state_says_how_to_check_drift(lab):
    lab.open()
    panel = open_monitor(lab)
    expect(panel.get_by_text("No drift checks yet — call nbops.check_drift(...)")).to_be_visible()
    expect(panel.get_by_role("combobox", name="Subject")).to_be_disabled()
    lab.screenshot("drift-empty-light")
    assert not lab.console_errors, lab.console_errors


def test_an_unknown_subject_shows_the_server_message(lab):
    lab.open()
    panel = open_monitor(lab, "nobody")
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text("Cannot load drift results.")
    expect(alert).to_contain_text("no drift subject 'nobody'")
    expect(alert.get_by_role("button", name="Retry")).to_be_visible()
    lab.screenshot("drift-error-light", panel)


def test_drift_monitor_heatmap_table_overlay_and_a_live_alert(lab, lab_server):
    run_python(lab_server, SEED)
    lab.open()
    page = lab.page
    panel = open_monitor(lab, "churn")

    # Heatmap: one row per feature, one cell per window, coloured by tier.
    heatmap = panel.get_by_role("grid", name=re.compile("Drift heatmap"))
    expect(heatmap).to_have_attribute("aria-label", "Drift heatmap: 6 features × 6 windows")
    expect(heatmap.get_by_role("row")).to_have_count(len(FEATURES))
    expect(heatmap.get_by_role("gridcell")).to_have_count(len(FEATURES) * 6)
    num_04 = heatmap.locator('[data-feature="num_04"]')
    assert num_04.get_by_role("gridcell").evaluate_all("cells => cells.map(c => c.dataset.tier)") == [
        "ok",
        "ok",
        "ok",
        "ok",
        "drift",
        "drift",
    ]
    # The newest window and its most drifted feature are selected, so the overlay is never empty.
    expect(panel.locator(".jp-nbops-DriftOverlay .main-svg").first).to_be_visible(timeout=30_000)
    expect(panel.get_by_role("combobox", name="Subject")).to_have_value("churn")

    # Sort the table by effect: largest first.
    table = panel.get_by_role("table", name="Features of the selected window")
    table.get_by_role("button", name="Effect").click()
    expect(table.get_by_role("columnheader", name="Effect")).to_have_attribute("aria-sort", "descending")
    effects = [float(t) for t in table.locator("tbody tr td:nth-child(4)").all_inner_texts()]
    assert effects == sorted(effects, reverse=True) and len(effects) == len(FEATURES)
    expect(table.locator("tbody tr").first).to_have_attribute("data-feature", "num_04")
    expect(table.locator("tbody tr .jp-nbops-Sparkline")).to_have_count(len(FEATURES))

    # Selecting a row draws its overlay: categorical bars, unseen first.
    table.locator('tbody tr[data-feature="plan"]').click()
    expect(panel.get_by_role("img", name="Reference vs current bars of plan")).to_be_visible()
    expect(panel.locator(".jp-nbops-DriftOverlay .xtick text").first).to_have_text("(unseen)", timeout=15_000)
    lab.screenshot("drift-overlay-categorical-light", panel.get_by_role("region", name="Distribution"))

    # A heatmap cell selects feature and window: numeric histogram with the KS gap, then the ECDF.
    heatmap.locator('[data-feature="num_00"] [data-window="W04"]').click()
    expect(heatmap.locator('[data-feature="num_00"] [data-window="W04"]')).to_have_attribute("aria-selected", "true")
    distribution = panel.get_by_role("region", name="Distribution")
    expect(distribution.get_by_role("heading")).to_contain_text("num_00 · W04")
    overlay = panel.get_by_role("img", name="Reference vs current histogram of num_00")
    expect(overlay.get_by_text(re.compile("KS gap"))).to_be_visible()
    timeline = panel.get_by_role("img", name=re.compile("Timeline of .* for num_00"))
    expect(timeline.locator(".main-svg").first).to_be_visible()
    expect(timeline.get_by_text("churn-model v1 production")).to_be_visible()
    lab.screenshot("drift-monitor-light")
    distribution.get_by_role("radio", name="ECDF").click()
    expect(panel.get_by_role("img", name="Reference vs current ecdf of num_00")).to_be_visible()
    expect(
        panel.get_by_role("img", name="Reference vs current ecdf of num_00").get_by_text(re.compile("KS gap"))
    ).to_be_visible()
    lab.screenshot("drift-overlay-ecdf-light", distribution)

    # The user works elsewhere; a drifting window checked in another process raises a notification.
    (lab_server.root_dir / "notes.md").write_text("# Notes\n")
    page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:open', {path: 'notes.md'}); }")
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget?.title.label === 'notes.md'")
    status = page.locator('[data-id="nbops-drift-status"]')
    expect(status).to_be_hidden()
    run_python(lab_server, NEW_WINDOW)
    toast = page.locator(".Toastify__toast").filter(has_text="drifted in churn")
    expect(toast).to_be_visible(timeout=30_000)
    expect(toast).to_contain_text(re.compile(r"2 features drifted in churn, window W07: num_02 W=\d\.\d\d, num_01 W="))
    expect(status).to_have_text("Drift: 1 alert")
    expect(page.get_by_role("tab", name=re.compile(r"Drift Monitor \(1\)"))).to_be_visible()
    experiments_tab = lab.left_tab("nbops-experiments")
    expect(experiments_tab).to_have_attribute("data-nbops-drift-alerts", "1")  # the sidebar badge
    expect(experiments_tab).to_have_attribute("title", re.compile("1 unseen drift alert"))
    page.wait_for_timeout(800)  # the toast slides in
    lab.screenshot("drift-notification-light")

    toast.get_by_role("button", name="Open Drift Monitor").click()
    page.wait_for_function(f"() => window.jupyterapp.shell.currentWidget?.id === '{PANEL_ID}'")
    expect(heatmap).to_have_attribute("aria-label", "Drift heatmap: 6 features × 7 windows")
    expect(status).to_be_hidden()  # marked seen
    expect(experiments_tab).not_to_have_attribute("data-nbops-drift-alerts", re.compile(".*"))
    expect(page.get_by_role("tab", name=re.compile(r"^Drift Monitor$"))).to_be_visible()

    lab.set_theme("JupyterLab Dark")
    expect(panel.locator(".jp-nbops-DriftTimeline .main-svg").first).to_be_visible()
    page.wait_for_timeout(700)  # charts re-read the theme's colours after the switch
    lab.screenshot("drift-monitor-dark")
    assert not [e for e in lab.console_errors if "nbops" in e.lower()], lab.console_errors

    # The panel comes back on reload, on the same subject.
    page.reload()
    page.wait_for_function("() => window.jupyterapp !== undefined && window.jupyterapp.shell")
    expect(page.locator(f"#{PANEL_ID}").get_by_role("combobox", name="Subject")).to_have_value("churn", timeout=60_000)


TICKETS = """
import numpy as np, pandas as pd, nbops

rng = np.random.default_rng(3)
COMMON = "the app works well fast delivery good price support order item team".split()

def tickets(n, new_share=0.0):
    docs = []
    for _ in range(n):
        words = list(rng.choice(COMMON, 8))
        if rng.random() < new_share:
            words[:2] = rng.choice(["refund", "crash", "broken"], 2)
        docs.append(" ".join(words))
    return pd.DataFrame({"review": docs, "plan": rng.choice(["basic", "pro"], n)})

nbops.log_dataset(tickets(2000), "tickets")
nbops.check_drift("tickets", tickets(600), window="W1")
nbops.check_drift("tickets", tickets(600, new_share=0.5), window="W2")
"""


def test_a_text_feature_overlay_shows_its_distinguishing_terms(lab, lab_server):
    run_python(lab_server, TICKETS)
    lab.open()
    panel = open_monitor(lab, "tickets")
    heatmap = panel.get_by_role("grid", name=re.compile("Drift heatmap"))
    expect(heatmap.locator('[data-feature="review"] [data-window="W2"]')).to_have_attribute("data-tier", "drift")
    expect(heatmap.locator('[data-feature="review"] [data-window="W1"]')).to_have_attribute("data-tier", "ok")
    heatmap.locator('[data-feature="review"] [data-window="W2"]').click()
    distribution = panel.get_by_role("region", name="Distribution")
    expect(distribution.get_by_role("heading")).to_contain_text("review · W2")
    terms = panel.get_by_role("img", name="Reference vs current terms of review")
    expect(terms.locator(".main-svg").first).to_be_visible(timeout=30_000)
    ticks = terms.locator(".ytick text")
    expect(ticks.first).to_be_visible()
    top = ticks.all_text_contents()[-3:]  # the strongest terms are drawn at the top
    assert {"refund", "crash", "broken"} & set(top), top
    expect(distribution.get_by_role("radio", name="ECDF")).to_have_count(0)  # no histogram toggle for text
    lab.screenshot("drift-overlay-terms-light", distribution)
    lab.set_theme("JupyterLab Dark")
    expect(terms.locator(".main-svg").first).to_be_visible()
    lab.page.wait_for_timeout(700)
    lab.screenshot("drift-overlay-terms-dark", distribution)
    assert not [e for e in lab.console_errors if "nbops" in e.lower()], lab.console_errors
