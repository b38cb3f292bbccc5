"""The Drift panel's Alert rules card: the default rule, adding rules from the form, the server's 400s."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from .test_drift import FRAME, open_monitor, run_python

pytestmark = pytest.mark.browser

SEED = (
    FRAME
    + """
with nbops.start_run("churn", capture_provenance=False):
    nbops.log_dataset(frame(3000), "churn")
    nbops.log_dataset(frame(3000), "billing")
for i, shift in enumerate([{}, {"num_00": 0.5}]):
    nbops.check_drift("churn", frame(800, shift), window=f"W{i + 1:02d}")
# Seeded alerts count as seen: their notifications would cover the card.
persistence.mark_alerts_seen(store, [e["id"] for e in persistence.alert_events(store, unseen_only=True)])
"""
)


def stored_rules(lab_server, subject: str) -> list[dict]:
    """The rules as the REST API answers them (what the store really holds)."""
    request = urllib.request.Request(
        f"{lab_server.url}/nbops/api/drift/{subject}/rules",
        headers={"Authorization": f"token {lab_server.token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["rules"]


def test_alert_rules_card_lists_adds_and_shows_the_servers_message(lab, lab_server):
    run_python(lab_server, SEED)
    lab.open()
    page = lab.page
    panel = open_monitor(lab, "churn")
    card = panel.get_by_role("region", name="Alert rules")
    table = card.get_by_role("table", name="Alert rules of churn")

    # Nothing stored yet: the built-in rule, marked default and for all subjects.
    expect(table.locator("tbody tr")).to_have_count(1)
    default = table.locator("tbody tr").first
    expect(default).to_contain_text("drift")
    expect(default.locator(".jp-nbops-DriftRules-chip", has_text="default")).to_be_visible()
    expect(default).to_contain_text("all subjects")
    expect(default).to_contain_text("all features")
    card.scroll_into_view_if_needed()
    lab.screenshot("drift-rules-panel-light")
    lab.screenshot("drift-rules-default-light", card)

    # The form opens inline, with the server's statistics.
    card.get_by_role("button", name="Add rule").click()
    form = card.get_by_role("form", name="Add alert rule")
    expect(form).to_be_visible()
    statistic = form.get_by_label("Statistic")
    options = statistic.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert "psi" in options and "tier" in options and "unseen_share" in options
    statistic.select_option("psi")
    form.get_by_label("Consecutive windows").fill("2")
    form.get_by_label("Name").fill("psi watch")

    # A blank threshold: the server's 400 is shown and the user's input stays.
    form.get_by_role("button", name="Save rule").click()
    error = form.get_by_role("alert")
    expect(error).to_contain_text('threshold="" is not valid: use a number')
    expect(statistic).to_have_value("psi")
    expect(form.get_by_label("Consecutive windows")).to_have_value("2")
    expect(form.get_by_label("Name")).to_have_value("psi watch")

    # A consecutive count the field allows but the server does not.
    form.get_by_label("Threshold").fill("0.3")
    form.get_by_label("Consecutive windows").fill("1.5")
    form.get_by_role("button", name="Save rule").click()
    expect(error).to_contain_text("consecutive=1.5 is not valid: use a whole number")
    expect(form.get_by_label("Threshold")).to_have_value("0.3")
    lab.screenshot("drift-rules-error-light", card)
    assert [r["default"] for r in stored_rules(lab_server, "churn")] == [True]  # nothing was stored

    # Submit is disabled while the POST is in flight (held here, then let through to the server).
    held = []
    rules_url = re.compile(r".*/nbops/api/drift/churn/rules(\?.*)?$")  # Lab adds a cache-busting query
    page.route(rules_url, lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    form.get_by_label("Consecutive windows").fill("2")
    form.get_by_role("button", name="Save rule").click()
    saving = form.get_by_role("button", name="Saving…")
    for _ in range(50):  # the sync API hands the request to the handler while it waits
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1
    expect(saving).to_be_disabled()
    held[0].continue_()
    page.unroute(rules_url)

    # Stored: the form closes and the list shows the rule instead of the default.
    expect(form).to_be_hidden()
    row = table.locator('tbody tr[data-rule="psi watch"]')
    expect(row).to_contain_text("PSI ≥ 0.300")
    expect(row).to_contain_text("2 windows")
    expect(row).to_contain_text("all features")
    expect(row).to_contain_text("churn")
    expect(table.locator("tbody tr")).to_have_count(1)
    assert [
        (r["subject"], r["name"], r["statistic"], r["threshold"], r["consecutive"], r["cooldown"], r["features"])
        for r in stored_rules(lab_server, "churn")
    ] == [("churn", "psi watch", "psi", 0.3, 2, 0, None)]

    # A rule for every subject, on chosen features; the name defaults to the server's label.
    card.get_by_role("button", name="Add rule").click()
    expect(form.get_by_label("Name")).to_have_value("")  # a fresh form after a success
    form.get_by_label("Statistic").select_option("unseen_share")
    form.get_by_label("Threshold").fill("0.1")
    form.get_by_label("Cooldown windows").fill("3")
    form.get_by_label("Features").fill("plan, num_00")
    form.get_by_label("Apply to all subjects").check()
    form.get_by_role("button", name="Save rule").click()
    expect(form).to_be_hidden()
    every = table.locator('tbody tr[data-rule="unseen_share>=0.1"]')
    expect(every).to_contain_text("all subjects")
    expect(every).to_contain_text("plan, num_00")
    expect(every).to_contain_text("3 windows")
    everywhere = stored_rules(lab_server, "*")
    assert [(r["subject"], r["statistic"], r["features"], r["cooldown"]) for r in everywhere] == [
        ("*", "unseen_share", ["plan", "num_00"], 3)
    ]
    lab.screenshot("drift-rules-light", card)

    # Another subject (no window checked yet): the card follows the selector and shows only '*' rules.
    panel.get_by_role("combobox", name="Subject").select_option("billing")
    billing = panel.get_by_role("table", name="Alert rules of billing")
    expect(billing.locator("tbody tr")).to_have_count(1)
    expect(billing.locator('tbody tr[data-rule="unseen_share>=0.1"]')).to_be_visible()
    expect(panel.get_by_text("No drift checks yet — call nbops.check_drift(...)")).to_be_visible()
    lab.screenshot("drift-rules-no-windows-light")

    lab.set_theme("JupyterLab Dark")
    panel.get_by_role("combobox", name="Subject").select_option("churn")
    expect(table.locator("tbody tr")).to_have_count(2)
    card.get_by_role("button", name="Add rule").click()
    form.get_by_label("Threshold").fill("1e999")  # not a finite number: sent as typed, quoted back
    form.get_by_role("button", name="Save rule").click()
    expect(form.get_by_role("alert")).to_contain_text('threshold="1e999" is not valid: use a number')
    expect(table.locator("tbody tr")).to_have_count(2)
    page.wait_for_timeout(300)
    lab.screenshot("drift-rules-dark", card)
    expect(form.get_by_role("button", name="Save rule")).to_be_focused()  # focus came back after the 400
    page.keyboard.press("Escape")
    expect(form).to_be_hidden()
    lab.screenshot("drift-rules-list-dark", card)

    # Rules are not polled: a rule added from Python shows when the user comes back to the panel.
    page.evaluate("async () => { await window.jupyterapp.commands.execute('launcher:create'); }")
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget?.id !== 'nbops-drift-monitor'")
    run_python(
        lab_server, FRAME + "persistence.add_alert_rule(store, 'churn', AlertRule('ks', 0.2, name='from python'))"
    )
    open_monitor(lab, "churn")
    expect(table.locator('tbody tr[data-rule="from python"]')).to_contain_text("KS statistic D ≥ 0.200")
    assert not [e for e in lab.console_errors if "nbops" in e.lower()], lab.console_errors
