"""The Models view end to end: versions with lineage, and moving an alias from the UI."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_run_detail import seed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def runs(lab_server) -> dict:
    return seed(lab_server, "models")


def open_models(lab):
    lab.page.evaluate("() => window.jupyterapp.commands.execute('nbops:open-models')")
    view = lab.page.locator(".jp-nbops-ModelsView")
    expect(view).to_be_visible()
    return view


def aliases_of(versions, number: int):
    return versions.locator(f'tr[data-version="{number}"]').get_by_role("list", name=f"Aliases of version {number}")


def test_models_view_shows_versions_and_moves_an_alias(lab, lab_server, runs):
    lab.open()
    view = open_models(lab)
    expect(lab.page.get_by_role("tab", name="Model Registry")).to_be_visible()
    versions = view.get_by_role("table", name="Versions of churn-model")
    expect(versions.locator("tbody tr")).to_have_count(2)
    v1, v2 = versions.locator('tr[data-version="1"]'), versions.locator('tr[data-version="2"]')
    expect(aliases_of(versions, 1)).to_have_text("production×")
    expect(aliases_of(versions, 2).get_by_role("listitem")).to_have_count(0)
    # lineage: the run each version came from, and the dataset it was trained on
    expect(v2).to_contain_text("register-depth-8")
    expect(v2).to_contain_text("customers-2026-10")
    expect(v2).to_contain_text("train · 40 rows")
    lab.screenshot("models-light")

    # moving "production" to version 2 takes it off version 1
    v2.get_by_role("button", name="Set alias on version 2").click()
    expect(v2.get_by_role("textbox", name="Alias for version 2")).to_have_value("production")
    v2.get_by_role("button", name="Set", exact=True).click()
    expect(aliases_of(versions, 2)).to_have_text("production×")
    expect(aliases_of(versions, 1).get_by_role("listitem")).to_have_count(0)
    saved = lab_server.api("models/churn-model/versions")["versions"]
    assert {v["version"]: v["aliases"] for v in saved} == {2: ["production"], 1: []}

    # a name the registry refuses: its message shows, nothing changes
    v1.get_by_role("button", name="Set alias on version 1").click()
    v1.get_by_role("textbox", name="Alias for version 1").fill("2026 candidate")
    v1.get_by_role("button", name="Set", exact=True).click()
    expect(view.get_by_role("alert")).to_contain_text('alias="2026 candidate" is not valid')
    expect(aliases_of(versions, 1).get_by_role("listitem")).to_have_count(0)
    lab.screenshot("models-error-light", view.locator('[data-model="churn-model"]'))
    v1.get_by_role("textbox", name="Alias for version 1").fill("staging")
    v1.get_by_role("button", name="Set", exact=True).click()
    expect(aliases_of(versions, 1)).to_have_text("staging×")
    expect(view.get_by_role("alert")).to_have_count(0)
    lab.screenshot("models-after-alias-light")
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("models-dark")
    lab.set_theme("JupyterLab Light")

    # after a reload the view is restored and reads the aliases back from the server
    lab.page.reload()
    lab.page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
    lab.page.evaluate("() => window.jupyterapp.restored")
    versions = lab.page.get_by_role("table", name="Versions of churn-model")
    expect(aliases_of(versions, 2)).to_have_text("production×")
    expect(aliases_of(versions, 1)).to_have_text("staging×")

    # the run link opens that run's detail panel
    versions.locator('tr[data-version="2"]').get_by_role("button", name="register-depth-8").click()
    expect(lab.page.locator(f'.jp-nbops-RunDetail[data-run="{runs["v2_run"]}"]')).to_be_visible()
    assert not [e for e in lab.console_errors if not re.search(r"Failed to load resource", e)], lab.console_errors
